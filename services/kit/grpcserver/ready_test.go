package grpcserver_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// Issue 11, item 1: health is readiness. While the read models are being
// built the port answers health with NOT_SERVING and every other call with
// UNAVAILABLE; once built, SERVING; while a read model is failing,
// NOT_SERVING again, and SERVING once it follows.
func TestHealthIsReadiness(t *testing.T) {
	e := newServer(t, fullPolicy())
	core, logs := observer.New(zapcore.InfoLevel)
	release := make(chan struct{})
	var failing atomic.Pointer[error]
	type result struct {
		r   *grpcserver.Running
		err error
	}
	hosted := make(chan result, 1)
	go func() {
		r, err := grpcserver.Host(t.Context(), grpcserver.HostConfig{
			Name: "test", Addr: "127.0.0.1:0", Logger: zap.New(core), Verifier: verifierOf(t, e), Policy: fullPolicy(),
			Start: func(context.Context) error { <-release; return nil },
			Ready: func() error {
				if p := failing.Load(); p != nil {
					return *p
				}
				return nil
			},
			Register: func(r grpc.ServiceRegistrar) { r.RegisterService(&testDesc, e.svc) },
		})
		hosted <- result{r, err}
	}()

	// The port opens before the read models are built.
	var addr string
	waitFor(t, "the port to open", func() bool {
		for _, entry := range logs.FilterMessage("serving gRPC").All() {
			addr, _ = entry.ContextMap()["addr"].(string)
		}
		return addr != ""
	})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	status := func() healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		res, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatalf("health: %v", err)
		}
		return res.GetStatus()
	}
	if got := status(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("while building the read models health is %v, want NOT_SERVING", got)
	}
	tok := e.token(t, auth.Principal{Subject: "amara", Organisation: auth.ConsortiumOrg("north-west"), Roles: []string{auth.ConsortiumLead}})
	call := func() error {
		return conn.Invoke(t.Context(), method("Whoami"), &emptypb.Empty{}, &wrapperspb.StringValue{}, grpc.PerRPCCredentials(grpcserver.BearerCreds(tok)))
	}
	if code := statusCode(call()); code != codes.Unavailable {
		t.Fatalf("a call while starting answered %v, want UNAVAILABLE", code)
	}
	if n := e.svc.handled.Load(); n != 0 {
		t.Fatalf("%d calls reached the handler before the read models were built", n)
	}

	// Built: serving.
	close(release)
	res := <-hosted
	if res.err != nil {
		t.Fatal(res.err)
	}
	defer res.r.Stop()
	if got := status(); got != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("after Start health is %v, want SERVING", got)
	}
	if err := call(); err != nil {
		t.Fatalf("a call once started: %v", err)
	}

	// A read model fails: NOT_SERVING until it follows again.
	broken := errors.New("read model stopped")
	failing.Store(&broken)
	waitFor(t, "NOT_SERVING", func() bool { return status() == healthpb.HealthCheckResponse_NOT_SERVING })
	failing.Store(nil)
	waitFor(t, "SERVING again", func() bool { return status() == healthpb.HealthCheckResponse_SERVING })
}

func statusCode(err error) codes.Code { return status.Code(err) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
