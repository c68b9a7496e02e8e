// Package servicetest is the service-independent half of every service's
// gRPC integration tests: it runs a service's surroundings as production
// does, minus the wall clock.
//
//   - Env starts a real nats-server with JetStream on a temp dir
//     (natstest), opens the JetStream event store over it, makes an Ed25519
//     key pair with a verifier for the service, issues bearer tokens and
//     dials gRPC connections over loopback; everything is closed when the
//     test ends.
//   - Clock is a settable clock to hand the service instead of time.Now.
//   - WantCode, WantRule and FieldViolations check errors the way a client
//     sees them: gRPC codes and google.rpc error details, as the kit's
//     grpcserver encodes them.
//
// A service's own harness (its cast of callers, its clients, its fixtures)
// sits on top: see services/purchasing/server/harness_test.go.
package servicetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// Clock is a test clock: it stands still until the test moves it. It is
// safe for concurrent use; pass its Now method as a service's clock.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now is the clock's reading, in UTC.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// TokenTTL is how long the tokens Env issues stay valid (by the wall clock,
// which is what verifiers check them against).
const TokenTTL = time.Hour

// Env is one test's NATS server, event store, signing key and clock.
type Env struct {
	// Ctx ends when the test does.
	Ctx context.Context
	// NATS is the embedded server; NewStore connects to it again.
	NATS *natsserver.Server
	// Store is the event store opened by New: JetStream, or EventStoreDB
	// when StoreEnv says so.
	Store Store
	// Verifier checks the tokens Token issues: hand it to the service.
	Verifier auth.Verifier
	// Clock is the services' clock; the stores stamp events with it too.
	Clock *Clock

	t       testing.TB
	key     ed25519.PrivateKey
	esdbURL string // the ESDB test server's, when StoreEnv is "esdb"
}

// New starts NATS with JetStream on a temp dir, opens the event store and
// makes a signing key; the clock starts at start. Everything is torn down
// by t's cleanup.
func New(t testing.TB, start time.Time) *Env {
	t.Helper()
	// The stack lives as long as the test: a slow machine makes a long
	// journey slower, not wrong; go test's -timeout bounds a hung one.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	_, ns := natstest.JetStream(t)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewKeyVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Ctx: ctx, NATS: ns, Verifier: verifier, Clock: NewClock(start), t: t, key: key}
	e.esdbStart()
	e.Store = e.NewStore()
	return e
}

// NewStore opens another event store over a fresh connection to the same
// NATS server: a restarted service sees nothing of the old one but the
// stream. The connection closes when the test ends.
func (e *Env) NewStore() Store {
	e.t.Helper()
	if e.esdbURL != "" {
		return esdb.WithBus(e.esdbClient(), e.esdbJetStream(), "")
	}
	nc, err := e.NATS.Connect()
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		e.t.Fatal(err)
	}
	store, err := jetstream.New(e.Ctx, js, jetstream.WithClock(e.Clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	return store
}

// LastPosition is the store's newest global position: it does not move
// when nothing is written.
func (e *Env) LastPosition() uint64 {
	e.t.Helper()
	pos, err := e.Store.LastPosition(e.Ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return pos
}

// Token is a signed bearer token for one person: subject, organisation
// ("consortium:<slug>", "council:<LA code>", "provider:<id>", "platform")
// and one role. An invalid principal fails the test.
func (e *Env) Token(subject, org, role string) string {
	e.t.Helper()
	tok, err := auth.IssueToken(e.key, auth.Principal{Subject: subject, Organisation: org, Roles: []string{role}}, TokenTTL)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// Dial connects to a service at addr (a loopback host:port) sending token
// as its bearer token ("" sends none). The connection closes when the test
// ends.
func (e *Env) Dial(addr, token string) *grpc.ClientConn {
	e.t.Helper()
	conn, err := grpcserver.NewClient(addr, token)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return conn
}

// Result is the answer of one call, to be checked in one expression:
// servicetest.Must(client.Call(ctx, req)).OK(t).
type Result[T any] struct {
	V   T
	Err error
}

// Must captures a call's two results.
func Must[T any](v T, err error) Result[T] { return Result[T]{v, err} }

// OK fails the test if the call failed, and returns its answer.
func (r Result[T]) OK(t testing.TB) T {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("call failed: %v", r.Err)
	}
	return r.V
}

// WantCode fails the test unless err is a gRPC status with code, and
// returns the status.
func WantCode(t testing.TB, err error, code codes.Code) *status.Status {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("want %s, got a non-status error %v", code, err)
	}
	if st.Code() != code {
		t.Fatalf("want %s, got %s: %s", code, st.Code(), st.Message())
	}
	return st
}

// WantRule fails the test unless err is FAILED_PRECONDITION naming the
// domain rule as grpcserver encodes it: the message starts "<rule>: " and a
// google.rpc.PreconditionFailure violation has the rule as its type and
// says what to change.
func WantRule(t testing.TB, err error, rule string) {
	t.Helper()
	st := WantCode(t, err, codes.FailedPrecondition)
	if !strings.HasPrefix(st.Message(), rule+": ") {
		t.Errorf("message %q does not start with the rule %s", st.Message(), rule)
	}
	for _, d := range st.Details() {
		pf, ok := d.(*errdetails.PreconditionFailure)
		if !ok {
			continue
		}
		for _, v := range pf.GetViolations() {
			if v.GetType() == rule {
				if v.GetDescription() == "" {
					t.Errorf("the violation of %s does not say what to change", rule)
				}
				return
			}
		}
	}
	t.Errorf("no PreconditionFailure detail names %s: %v", rule, st.Details())
}

// FieldViolations fails the test unless err is INVALID_ARGUMENT with a
// google.rpc.BadRequest detail whose violations each say what is wrong, and
// returns the fields they name ("setting.urn", "need.preferred_location").
func FieldViolations(t testing.TB, err error) []string {
	t.Helper()
	st := WantCode(t, err, codes.InvalidArgument)
	var fields []string
	for _, d := range st.Details() {
		br, ok := d.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, fv := range br.GetFieldViolations() {
			if fv.GetDescription() == "" {
				t.Errorf("field violation of %s has no description", fv.GetField())
			}
			fields = append(fields, fv.GetField())
		}
	}
	if len(fields) == 0 {
		t.Fatalf("INVALID_ARGUMENT without field violations: %s", st.Message())
	}
	return fields
}

// Key is the key Token signs with and Verifier checks: a process that mints
// tokens for people (the portal) signs with it.
func (e *Env) Key() ed25519.PrivateKey { return e.key }
