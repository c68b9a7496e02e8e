package grpcserver_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

var (
	lead     = auth.Principal{Subject: "alice", Organisation: "consortium:north-west", Roles: []string{auth.ConsortiumLead}}
	viewer   = auth.Principal{Subject: "bob", Organisation: "council:352", Roles: []string{auth.CouncilViewer}}
	provider = auth.Principal{Subject: "carol", Organisation: "provider:acme-care", Roles: []string{auth.ProviderAdmin}}
)

type env struct {
	srv  *grpcserver.Server
	svc  *testService
	lis  *bufconn.Listener
	conn *grpc.ClientConn
	key  ed25519.PrivateKey
	logs *observer.ObservedLogs
}

// newEnv serves the test service over bufconn, without Serve's policy check.
func newEnv(t *testing.T, configure ...func(*grpcserver.Config)) *env {
	t.Helper()
	e := newServer(t, testPolicy, configure...)
	lis := bufconn.Listen(1 << 20)
	// Unlisted has no policy entry on purpose, so Server.Serve would refuse
	// to start: serve the bare grpc.Server to show the call is refused anyway.
	go func() { _ = e.srv.GRPC().Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.lis, e.conn = lis, conn
	return e
}

// fullPolicy is testPolicy with Unlisted covered too, for Serve.
func fullPolicy() auth.Policy {
	full := auth.Policy{method("Unlisted"): {Roles: []string{auth.PlatformAdmin}}}
	for m, r := range testPolicy {
		full[m] = r
	}
	return full
}

// serveTCP serves the test service with Serve on lis (a loopback TCP port
// if nil) and returns the address; e.conn is not set.
func serveTCP(t *testing.T, lis net.Listener, configure ...func(*grpcserver.Config)) (*env, string) {
	t.Helper()
	e := newServer(t, fullPolicy(), configure...)
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(lis) }()
	t.Cleanup(func() {
		e.srv.GracefulStop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return e, lis.Addr().String()
}

// newServer builds the test server, its token key and its logs.
func newServer(t *testing.T, policy auth.Policy, configure ...func(*grpcserver.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewPublicKeyFileVerifier(filepath.Join(dir, auth.DevPublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := grpcserver.Config{Name: "test", Logger: zap.New(core), Verifier: verifier, Policy: policy}
	for _, f := range configure {
		f(&cfg)
	}
	srv, err := grpcserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc := &testService{}
	srv.Registrar().RegisterService(&testDesc, svc)
	t.Cleanup(srv.GracefulStop)
	return &env{srv: srv, svc: svc, key: key, logs: logs}
}

func (e *env) token(t *testing.T, p auth.Principal) string {
	t.Helper()
	tok, err := auth.IssueToken(e.key, p, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call invokes a unary method with token ("" for none).
func (e *env) call(t *testing.T, name, token string, req, resp proto.Message, opts ...grpc.CallOption) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if token != "" {
		opts = append(opts, grpc.PerRPCCredentials(grpcserver.BearerCreds(token)))
	}
	return e.conn.Invoke(ctx, method(name), req, resp, opts...)
}

func wantCode(t *testing.T, err error, want codes.Code) *status.Status {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != want {
		t.Fatalf("code %v (%q), want %v", st.Code(), st.Message(), want)
	}
	return st
}

func badRequestOf(st *status.Status) *errdetails.BadRequest {
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br
		}
	}
	return nil
}

func TestAuthenticated(t *testing.T) {
	e := newEnv(t)
	var out wrapperspb.StringValue
	if err := e.call(t, "Whoami", e.token(t, viewer), &emptypb.Empty{}, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.GetValue(); !strings.HasPrefix(got, "bob|council:352|") {
		t.Errorf("handler saw %q", got)
	}
	// The log line of the call names the caller.
	entries := e.logs.FilterMessage("rpc").FilterField(zap.String("method", method("Whoami"))).All()
	if len(entries) != 1 {
		t.Fatalf("%d log lines for the call", len(entries))
	}
	f := entries[0].ContextMap()
	if f["code"] != "OK" || f["sub"] != "bob" || f["org"] != "council:352" || f["correlation_id"] == "" || f["service"] != "test" {
		t.Errorf("log fields %v", f)
	}
	if _, ok := f["duration"]; !ok {
		t.Errorf("no duration in %v", f)
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	otherTok, err := auth.IssueToken(otherKey, lead, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	claims := func(exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"sub": "alice", "org": "consortium:north-west", "roles": []string{auth.ConsortiumLead},
			"iss": "carecoop", "aud": "carecoop", "iat": exp.Add(-time.Minute).Unix(), "exp": exp.Unix()}
	}
	signed := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pub := e.key.Public().(ed25519.PublicKey)
	tests := map[string]string{
		"no token":      "",
		"bad signature": otherTok,
		"expired":       signed(jwt.SigningMethodEdDSA, e.key, claims(time.Now().Add(-time.Hour))),
		"alg none":      signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(time.Now().Add(time.Hour))),
		"alg HS256":     signed(jwt.SigningMethodHS256, []byte(pub), claims(time.Now().Add(time.Hour))),
		"garbage":       "abc",
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			err := e.call(t, "Whoami", tok, &emptypb.Empty{}, &wrapperspb.StringValue{})
			wantCode(t, err, codes.Unauthenticated)
		})
	}
	t.Run("basic scheme", func(t *testing.T) {
		ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Basic "+e.token(t, lead))
		err := e.conn.Invoke(ctx, method("Whoami"), &emptypb.Empty{}, &wrapperspb.StringValue{})
		wantCode(t, err, codes.Unauthenticated)
	})
	t.Run("no token, invalid request", func(t *testing.T) {
		err := e.call(t, "Draft", "", &frameworkv1.DraftFrameworkRequest{}, &frameworkv1.CommandResponse{})
		wantCode(t, err, codes.Unauthenticated)
	})
}

func TestPermissionDenied(t *testing.T) {
	e := newEnv(t)
	t.Run("wrong role, invalid request", func(t *testing.T) {
		err := e.call(t, "Draft", e.token(t, provider), &frameworkv1.DraftFrameworkRequest{RequestId: "x"}, &frameworkv1.CommandResponse{})
		st := wantCode(t, err, codes.PermissionDenied)
		if len(st.Details()) != 0 || strings.Contains(st.Message(), "request_id") {
			t.Errorf("a refused caller learns about validation: %q %v", st.Message(), st.Details())
		}
	})
	t.Run("wrong role, valid request", func(t *testing.T) {
		err := e.call(t, "Draft", e.token(t, viewer), validDraft(), &frameworkv1.CommandResponse{})
		wantCode(t, err, codes.PermissionDenied)
	})
	t.Run("no policy entry", func(t *testing.T) {
		err := e.call(t, "Unlisted", e.token(t, lead), &emptypb.Empty{}, &emptypb.Empty{})
		st := wantCode(t, err, codes.PermissionDenied)
		if !strings.Contains(st.Message(), "no policy") {
			t.Errorf("message %q", st.Message())
		}
	})
	t.Run("right role", func(t *testing.T) {
		var out frameworkv1.CommandResponse
		if err := e.call(t, "Draft", e.token(t, lead), validDraft(), &out); err != nil {
			t.Fatal(err)
		}
		if out.GetFrameworkId() != "fw-req-00000001" {
			t.Errorf("response %v", &out)
		}
	})
}

func TestInvalidArgument(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, lead)

	t.Run("top-level fields", func(t *testing.T) {
		err := e.call(t, "Draft", tok, &frameworkv1.DraftFrameworkRequest{RequestId: "x"}, &frameworkv1.CommandResponse{})
		st := wantCode(t, err, codes.InvalidArgument)
		br := badRequestOf(st)
		if br == nil {
			t.Fatalf("no BadRequest detail in %v", st.Details())
		}
		var fields []string
		for _, fv := range br.GetFieldViolations() {
			fields = append(fields, fv.GetField())
			if fv.GetDescription() == "" || fv.GetReason() == "" {
				t.Errorf("violation without description or reason: %v", fv)
			}
		}
		slices.Sort(fields)
		if !slices.Equal(fields, []string{"request_id", "terms"}) {
			t.Errorf("violated fields %v, want request_id and terms", fields)
		}
		if !strings.Contains(st.Message(), "request_id") {
			t.Errorf("message %q does not name the field", st.Message())
		}
	})

	t.Run("nested fields, one violation per field", func(t *testing.T) {
		req := validDraft()
		req.Terms.Lots[0].LotId = "Bad Lot"
		req.Terms.Lots[0].PriceBand.MinWeeklyPence = 2_000_000  // above max: a message-level rule
		req.Terms.MemberCouncils = []string{"35", "350", "350"} // pattern and uniqueness
		err := e.call(t, "Draft", tok, req, &frameworkv1.CommandResponse{})
		st := wantCode(t, err, codes.InvalidArgument)
		br := badRequestOf(st)
		if br == nil {
			t.Fatalf("no BadRequest detail in %v", st.Details())
		}
		seen := map[string]int{}
		for _, fv := range br.GetFieldViolations() {
			seen[fv.GetField()]++
		}
		for _, f := range []string{"terms.lots[0].lot_id", "terms.lots[0].price_band", "terms.member_councils[0]"} {
			if seen[f] != 1 {
				t.Errorf("field %q reported %d times; all: %v", f, seen[f], seen)
			}
		}
		for f, n := range seen {
			if n != 1 {
				t.Errorf("field %q reported %d times", f, n)
			}
		}
	})
}

func TestPanicIsInternalAndServerSurvives(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, lead)
	err := e.call(t, "Panic", tok, &emptypb.Empty{}, &emptypb.Empty{})
	st := wantCode(t, err, codes.Internal)
	if strings.Contains(st.Message(), "boom") || strings.Contains(st.Message(), "goroutine") || len(st.Details()) != 0 {
		t.Errorf("panic leaked to the client: %q", st.Message())
	}
	if err := e.call(t, "Whoami", tok, &emptypb.Empty{}, &wrapperspb.StringValue{}); err != nil {
		t.Fatalf("server did not survive the panic: %v", err)
	}
	panics := e.logs.FilterMessage("panic in handler").All()
	if len(panics) != 1 {
		t.Fatalf("%d panic log lines", len(panics))
	}
	if f := panics[0].ContextMap(); !strings.Contains(f["panic"].(string), "boom") || !strings.Contains(f["stack"].(string), "service_test.go") {
		t.Errorf("panic log fields %v", f)
	}
}

func TestHandlerErrorMapping(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, lead)
	tests := []struct {
		kind    string
		code    codes.Code
		message string // must appear in the status message
	}{
		{"precondition", codes.FailedPrecondition, "framework.term_max_4_years"},
		{"wrapped-rule", codes.FailedPrecondition, "framework.draft_only"},
		{"notfound", codes.NotFound, "fw-1"},
		{"invalid", codes.InvalidArgument, "terms.lots[1].lot_id"},
		{"denied", codes.PermissionDenied, "another consortium"},
		{"conflict", codes.Aborted, "expected version 3"},
		{"concurrency", codes.Aborted, "concurrently"},
		// A deadline that is not the caller's (its context is live): the
		// store's own request timed out, so retry.
		{"deadline", codes.Unavailable, "retry"},
		{"store-timeout", codes.Unavailable, "retry"},
		{"store-no-response", codes.Unavailable, "retry"},
		{"store-no-leader", codes.Unavailable, "retry"},
		{"canceled", codes.Canceled, ""},
		{"status", codes.ResourceExhausted, "slow down"},
		{"plain", codes.Internal, "internal error"},
		{"unknown-domain", codes.Internal, "internal error"},
		{"none", codes.OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			err := e.call(t, "Fail", tok, wrapperspb.String(tt.kind), &emptypb.Empty{})
			st := wantCode(t, err, tt.code)
			if !strings.Contains(st.Message(), tt.message) {
				t.Errorf("message %q does not contain %q", st.Message(), tt.message)
			}
			switch tt.kind {
			case "precondition":
				var pf *errdetails.PreconditionFailure
				for _, d := range st.Details() {
					if x, ok := d.(*errdetails.PreconditionFailure); ok {
						pf = x
					}
				}
				if pf == nil || len(pf.GetViolations()) != 1 || pf.GetViolations()[0].GetType() != "framework.term_max_4_years" ||
					pf.GetViolations()[0].GetSubject() != "framework.term_max_4_years" {
					t.Errorf("PreconditionFailure detail: %v", st.Details())
				}
			case "invalid":
				br := badRequestOf(st)
				if br == nil || len(br.GetFieldViolations()) != 1 || br.GetFieldViolations()[0].GetField() != "terms.lots[1].lot_id" {
					t.Errorf("BadRequest detail: %v", st.Details())
				}
			case "plain":
				if strings.Contains(st.Message(), "hunter2") {
					t.Error("internal error leaked to the client")
				}
			}
		})
	}
	// The real cause of an INTERNAL is in the logs.
	logged := e.logs.FilterMessage("handler failed").All()
	if len(logged) != 2 || !strings.Contains(logged[0].ContextMap()["error"].(string)+logged[1].ContextMap()["error"].(string), "hunter2") {
		t.Errorf("internal error not logged: %v", logged)
	}
}

func TestHealthAndReflectionNeedNoToken(t *testing.T) {
	e := newEnv(t, func(c *grpcserver.Config) { c.Reflection = true })
	ctx := t.Context()
	resp, err := healthpb.NewHealthClient(e.conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health %v", resp.GetStatus())
	}

	stream, err := reflectionpb.NewServerReflectionClient(e.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	r, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range r.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !slices.Contains(names, svcName) || !slices.Contains(names, "grpc.health.v1.Health") {
		t.Errorf("reflection lists %v", names)
	}
	stream.CloseSend()
}

func TestCorrelationID(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, lead)

	t.Run("echoed", func(t *testing.T) {
		var hdr metadata.MD
		var out wrapperspb.StringValue
		ctx := grpcserver.WithCorrelationIDHeader(t.Context(), "corr-123")
		err := e.conn.Invoke(ctx, method("Whoami"), &emptypb.Empty{}, &out,
			grpc.PerRPCCredentials(grpcserver.BearerCreds(tok)), grpc.Header(&hdr))
		if err != nil {
			t.Fatal(err)
		}
		if got := hdr.Get(grpcserver.CorrelationHeader); !slices.Equal(got, []string{"corr-123"}) {
			t.Errorf("response header %v", got)
		}
		if !strings.HasSuffix(out.GetValue(), "|corr-123") {
			t.Errorf("handler saw correlation %q", out.GetValue())
		}
	})
	t.Run("generated UUIDv7, also on errors", func(t *testing.T) {
		var hdr metadata.MD
		err := e.call(t, "Whoami", "", &emptypb.Empty{}, &wrapperspb.StringValue{}, grpc.Header(&hdr))
		wantCode(t, err, codes.Unauthenticated)
		got := hdr.Get(grpcserver.CorrelationHeader)
		if len(got) != 1 {
			t.Fatalf("response header %v", got)
		}
		if id, err := uuid.Parse(got[0]); err != nil || id.Version() != 7 {
			t.Errorf("correlation id %q is not a UUIDv7", got[0])
		}
	})
	for _, unsafe := range []string{"a b\"c", strings.Repeat("x", 129)} {
		t.Run("unsafe id replaced", func(t *testing.T) {
			var hdr metadata.MD
			ctx := grpcserver.WithCorrelationIDHeader(t.Context(), unsafe)
			err := e.conn.Invoke(ctx, method("Whoami"), &emptypb.Empty{}, &wrapperspb.StringValue{},
				grpc.PerRPCCredentials(grpcserver.BearerCreds(tok)), grpc.Header(&hdr))
			if err != nil {
				t.Fatal(err)
			}
			if got := hdr.Get(grpcserver.CorrelationHeader); len(got) != 1 || got[0] == unsafe {
				t.Errorf("response header %v", got)
			}
		})
	}
}

func openStream(t *testing.T, e *env, name, token string, req proto.Message) grpc.ClientStream {
	t.Helper()
	var opts []grpc.CallOption
	if token != "" {
		opts = append(opts, grpc.PerRPCCredentials(grpcserver.BearerCreds(token)))
	}
	cs, err := e.conn.NewStream(t.Context(), &grpc.StreamDesc{ServerStreams: true}, method(name), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.SendMsg(req); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if err := cs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	return cs
}

func recvAll(cs grpc.ClientStream) ([]string, error) {
	var got []string
	for {
		var m wrapperspb.StringValue
		if err := cs.RecvMsg(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		got = append(got, m.GetValue())
	}
}

func TestStream(t *testing.T) {
	e := newEnv(t)
	t.Run("no token", func(t *testing.T) {
		_, err := recvAll(openStream(t, e, "Watch", "", validDraft()))
		wantCode(t, err, codes.Unauthenticated)
	})
	t.Run("wrong role, invalid request", func(t *testing.T) {
		_, err := recvAll(openStream(t, e, "Watch", e.token(t, viewer), &frameworkv1.DraftFrameworkRequest{}))
		wantCode(t, err, codes.PermissionDenied)
	})
	t.Run("invalid request", func(t *testing.T) {
		_, err := recvAll(openStream(t, e, "Watch", e.token(t, lead), &frameworkv1.DraftFrameworkRequest{RequestId: "x"}))
		st := wantCode(t, err, codes.InvalidArgument)
		if badRequestOf(st) == nil {
			t.Errorf("no BadRequest detail: %v", st.Details())
		}
	})
	t.Run("ok", func(t *testing.T) {
		got, err := recvAll(openStream(t, e, "Watch", e.token(t, lead), validDraft()))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0] != "req-00000001" || got[1] != "alice" || got[2] == "" {
			t.Errorf("stream sent %q", got)
		}
	})
}

func TestCheckPolicyCoverage(t *testing.T) {
	e := newEnv(t)
	err := grpcserver.CheckPolicyCoverage(e.srv.GRPC(), testPolicy)
	if !errors.Is(err, grpcserver.ErrPolicyCoverage) {
		t.Fatalf("CheckPolicyCoverage = %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, method("Unlisted")) {
		t.Errorf("%q does not name the uncovered method", msg)
	}
	for _, covered := range []string{method("Draft"), "Health", "Reflection"} {
		if strings.Contains(msg, covered) {
			t.Errorf("%q names %s", msg, covered)
		}
	}

	if err := grpcserver.CheckPolicyCoverage(e.srv.GRPC(), fullPolicy()); err != nil {
		t.Errorf("full policy: %v", err)
	}
}

func TestServeRefusesUncoveredRPCs(t *testing.T) {
	e := newEnv(t) // its server already serves its own listener through GRPC().Serve
	lis := bufconn.Listen(1 << 10)
	defer lis.Close()
	if err := e.srv.Serve(lis); !errors.Is(err, grpcserver.ErrPolicyCoverage) {
		t.Fatalf("Serve = %v, want a coverage error", err)
	}
}

func TestServeAndGracefulStop(t *testing.T) {
	dir := t.TempDir()
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	verifier, _ := auth.NewKeyVerifier(key.Public().(ed25519.PublicKey))
	srv, err := grpcserver.New(grpcserver.Config{Verifier: verifier, Policy: fullPolicy(), ShutdownTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Registrar().RegisterService(&testDesc, &testService{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	tok, _ := auth.IssueToken(key, lead, time.Minute)
	conn, err := grpcserver.NewClient(lis.Addr().String(), tok)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	e := &env{conn: conn}
	var out wrapperspb.StringValue
	if err := e.call(t, "Whoami", "", &emptypb.Empty{}, &out); err != nil {
		t.Fatalf("call over loopback TCP with NewClient: %v", err)
	}

	// A call that never ends is cut once the shutdown timeout has passed.
	cs := openStream(t, e, "Block", "", &emptypb.Empty{})
	var started wrapperspb.StringValue
	if err := cs.RecvMsg(&started); err != nil {
		t.Fatal(err)
	}
	srv.GracefulStop()
	if _, err := recvAll(cs); err == nil {
		t.Error("blocked stream ended cleanly")
	}
	if err := <-served; err != nil {
		t.Errorf("Serve returned %v after GracefulStop", err)
	}
	if st, err := srv.Health().Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil || st.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health after stop: %v, %v", st, err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	v, _ := auth.NewKeyVerifier(pub)
	if _, err := grpcserver.New(grpcserver.Config{Policy: testPolicy}); err == nil {
		t.Error("accepted no verifier")
	}
	if _, err := grpcserver.New(grpcserver.Config{Verifier: v}); err == nil {
		t.Error("accepted no policy")
	}
	if _, err := grpcserver.New(grpcserver.Config{Verifier: v, Policy: auth.Policy{"/a.B/C": {Roles: []string{"root"}}}}); err == nil {
		t.Error("accepted a policy with an unknown role")
	}
}

func TestNewLogger(t *testing.T) {
	for _, dev := range []bool{true, false} {
		l, err := grpcserver.NewLogger(dev)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Core().Enabled(zapcore.DebugLevel); got != dev {
			t.Errorf("dev=%v: debug enabled %v", dev, got)
		}
	}
}

func TestStatusOf(t *testing.T) {
	if grpcserver.StatusOf(nil) != nil {
		t.Error("StatusOf(nil) != nil")
	}
	st := status.New(codes.Unavailable, "later")
	if got := grpcserver.StatusOf(st.Err()); got.Code() != codes.Unavailable || got.Message() != "later" {
		t.Errorf("status error changed: %v", got)
	}
}
