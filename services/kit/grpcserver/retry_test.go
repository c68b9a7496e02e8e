package grpcserver_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// flakyHealth answers UNAVAILABLE to the first `failures` checks, then
// SERVING; code, if set, is answered instead of UNAVAILABLE.
type flakyHealth struct {
	healthpb.UnimplementedHealthServer
	failures int64
	code     codes.Code
	calls    atomic.Int64
}

func (f *flakyHealth) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if n := f.calls.Add(1); n <= f.failures {
		code := f.code
		if code == codes.OK {
			code = codes.Unavailable
		}
		return nil, status.Error(code, "not now")
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func serveHealth(t *testing.T, h healthpb.HealthServer) healthpb.HealthClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, h)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn, err := grpcserver.NewClient(lis.Addr().String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return healthpb.NewHealthClient(conn)
}

func TestClientRetriesUnavailable(t *testing.T) {
	h := &flakyHealth{failures: 3}
	client := serveHealth(t, h)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("three UNAVAILABLE answers then SERVING: the caller got %v", err)
	}
	if n := h.calls.Load(); n != 4 {
		t.Fatalf("%d calls reached the server, want 4", n)
	}
}

// Within the caller's deadline: the last UNAVAILABLE, not DEADLINE_EXCEEDED,
// when the server stays unavailable.
func TestClientRetryEndsWithTheDeadline(t *testing.T) {
	h := &flakyHealth{failures: 1 << 30}
	client := serveHealth(t, h)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("a server unavailable throughout: the caller got %v, want UNAVAILABLE", err)
	}
	if h.calls.Load() < 2 {
		t.Fatalf("%d calls reached the server: not retried", h.calls.Load())
	}
}

// Only UNAVAILABLE means "nothing was decided".
func TestClientDoesNotRetryOtherCodes(t *testing.T) {
	for _, code := range []codes.Code{codes.Internal, codes.Aborted, codes.FailedPrecondition, codes.DeadlineExceeded} {
		h := &flakyHealth{failures: 1, code: code}
		client := serveHealth(t, h)
		_, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{})
		if status.Code(err) != code || h.calls.Load() != 1 {
			t.Fatalf("%v: the caller got %v after %d calls, want %v after 1", code, err, h.calls.Load(), code)
		}
	}
}
