package natsserver_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/projection"
)

// authServer starts a server that admits the services' users only, with
// passwords generated into a temp data dir.
func authServer(t *testing.T) (*natsserver.Server, natsserver.Credentials) {
	t.Helper()
	dir := t.TempDir()
	creds, err := natsserver.LoadOrCreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	users, err := natsserver.ServiceUsers(creds)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natsserver.Start(natsserver.Options{DataDir: dir, Port: -1, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv, creds
}

// client is one service's connection, with the permission violations the
// server reported to it.
type client struct {
	nc         *nats.Conn
	js         natsjs.JetStream
	violations chan error
}

func connectAs(t *testing.T, srv *natsserver.Server, creds natsserver.Credentials, service string) *client {
	t.Helper()
	c := &client{violations: make(chan error, 64)}
	opts := append(creds.ConnectOptions(service), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrPermissionViolation) {
			c.violations <- err
		}
	}))
	nc, err := srv.Connect(opts...)
	if err != nil {
		t.Fatalf("%s: %v", service, err)
	}
	t.Cleanup(nc.Close)
	c.nc = nc
	if c.js, err = natsjs.New(nc); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *client) store(t *testing.T) *jetstream.Store {
	t.Helper()
	s, err := jetstream.New(testCtx(t), c.js)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testCtx bounds a test's requests generously: the assertions never wait
// for it to pass.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// refused runs op, a request the server must refuse on subject, and
// returns once the server has reported the violation (a refused request is
// never answered, so op's context is then cancelled). If the server
// answers op instead, the request was allowed and the test fails.
func (c *client) refused(t *testing.T, subject string, op func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- op(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("request on %s was answered (err %v): want a permissions violation", subject, err)
	case err := <-c.violations:
		if !strings.Contains(err.Error(), `"`+subject+`"`) {
			t.Fatalf("violation %q, want one for %s", err, subject)
		}
		cancel()
		if err := <-done; err == nil {
			t.Fatalf("request on %s succeeded after its violation", subject)
		}
	case <-ctx.Done():
		t.Fatalf("no answer and no violation for %s", subject)
	}
}

// refusedPublish publishes on subject, a plain NATS publish without reply,
// and checks that the server refused it.
func (c *client) refusedPublish(t *testing.T, subject string, data []byte) {
	t.Helper()
	if err := c.nc.Publish(subject, data); err != nil {
		t.Fatal(err)
	}
	// The server answers a publish in order, so the PONG of this flush comes
	// after any -ERR for it, and the client records that error first.
	if err := c.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := c.nc.LastError(); !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), `"`+subject+`"`) {
		t.Fatalf("publish on %s: last error %v, want a permissions violation for it", subject, err)
	}
	<-c.violations // the same error, reported asynchronously
}

func TestConnectingNeedsAServiceUsersPassword(t *testing.T) {
	srv, creds := authServer(t)
	for name, opts := range map[string][]nats.Option{
		"no credentials":      nil,
		"wrong password":      {nats.UserInfo("monitoring", "guess")},
		"another's password":  {nats.UserInfo("monitoring", creds["purchasing"])},
		"unknown user":        {nats.UserInfo("admin", creds["framework"])},
		"password, no user":   {nats.UserInfo("", creds["framework"])},
		"empty user password": {nats.UserInfo("demand", "")},
	} {
		nc, err := nats.Connect(srv.ClientURL(), opts...)
		if err == nil {
			nc.Close()
			t.Fatalf("%s: connected", name)
		}
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("%s: %v, want an authorization violation", name, err)
		}
	}
	for _, svc := range natsperm.Services() {
		connectAs(t, srv, creds, svc)
	}
}

// A forged monitoring event (red, suspend the provider) published with
// purchasing's credentials never reaches the stream, however it is sent;
// purchasing's own events do.
func TestAServiceCannotPublishAnotherContextsEvents(t *testing.T) {
	srv, creds := authServer(t)
	ctx := testCtx(t)
	pu := connectAs(t, srv, creds, "purchasing")
	store := pu.store(t)

	forged := eventstore.StreamID{Context: "monitoring", Aggregate: "risk", ID: "north-west-pennine-pathways"}
	suspend := &monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: "pennine-pathways",
		From: monitoringv1.RiskLevel_RISK_LEVEL_GREEN, To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND}
	pu.refused(t, forged.Subject(), func(ctx context.Context) error {
		_, err := store.Append(ctx, forged, eventstore.NoStream, eventstore.Metadata{RequestID: "forged"}, suspend)
		return err
	})
	pu.refused(t, forged.Subject(), func(ctx context.Context) error {
		_, err := pu.js.Publish(ctx, forged.Subject(), []byte("forged"))
		return err
	})
	pu.refusedPublish(t, forged.Subject(), []byte("forged"))
	// Nor under the stream's subjects outside any context's.
	pu.refusedPublish(t, "carecoop.evt.x", []byte("forged"))

	own := eventstore.StreamID{Context: "purchasing", Aggregate: "provider", ID: "pennine-pathways"}
	res, err := store.Append(ctx, own, eventstore.NoStream, eventstore.Metadata{RequestID: "own"}, wrapperspb.String("registered"))
	if err != nil {
		t.Fatalf("purchasing appending its own event: %v", err)
	}
	// The stream stores a connection's messages in order: had a forged one
	// landed, it would be before this one.
	if res.Position != 1 {
		t.Fatalf("own event at position %d, want 1: something else reached the stream", res.Position)
	}
	mo := connectAs(t, srv, creds, "monitoring").store(t)
	if got, err := mo.ReadStream(ctx, forged); err != nil || len(got) != 0 {
		t.Fatalf("monitoring reads %d events on %s (%v), want none", len(got), forged, err)
	}
	if last, err := mo.LastPosition(ctx); err != nil || last != 1 {
		t.Fatalf("stream ends at %d (%v), want 1", last, err)
	}
}

// Each service's user is enough for the kit's store, read models and bus
// consumers as the service uses them.
func TestEachServiceRunsOnItsOwnUser(t *testing.T) {
	srv, creds := authServer(t)
	ctx := testCtx(t)
	clients := map[string]*client{}
	positions := map[string]uint64{}
	for _, svc := range natsperm.Services() {
		c := connectAs(t, srv, creds, svc)
		clients[svc] = c
		sid := eventstore.StreamID{Context: svc, Aggregate: "thing", ID: "t1"}
		if _, err := c.store(t).Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{RequestID: "r1"}, wrapperspb.String(svc+" 1")); err != nil {
			t.Fatalf("%s: first append: %v", svc, err)
		}
		// A second store knows no tip: it reads it (a direct get) first.
		res, err := c.store(t).Append(ctx, sid, eventstore.Exact(1), eventstore.Metadata{RequestID: "r2"}, wrapperspb.String(svc+" 2"))
		if err != nil {
			t.Fatalf("%s: append at version 1: %v", svc, err)
		}
		positions[svc] = res.Position
	}
	for _, svc := range natsperm.Services() {
		t.Run(svc, func(t *testing.T) {
			c := clients[svc]
			store := c.store(t)
			other := natsperm.Services()[(slices.Index(natsperm.Services(), svc)+1)%len(natsperm.Services())]

			// A retried request finds its original (the dedupe scan).
			sid := eventstore.StreamID{Context: svc, Aggregate: "thing", ID: "t1"}
			if res, err := store.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{RequestID: "r1"}, wrapperspb.String("again")); err != nil || !res.Duplicate {
				t.Fatalf("retried append: %+v, %v; want the original", res, err)
			}
			// Reading another context's stream.
			got, err := store.ReadStream(ctx, eventstore.StreamID{Context: other, Aggregate: "thing", ID: "t1"})
			if err != nil || len(got) != 2 {
				t.Fatalf("reading %s's stream: %d events, %v", other, len(got), err)
			}

			// A read model of another context: caught up at start, and a
			// query for a position it does not follow answers at once.
			var mu sync.Mutex
			var seen []string
			runner := projection.NewRunner("test", store, []string{eventstore.ContextFilter(other)}, func(commit []eventstore.RecordedEvent) error {
				mu.Lock()
				defer mu.Unlock()
				for _, e := range commit {
					seen = append(seen, e.Event.(*wrapperspb.StringValue).GetValue())
				}
				return nil
			}, nil)
			rctx, stop := context.WithCancel(ctx)
			defer stop()
			if err := runner.Start(rctx); err != nil {
				t.Fatal(err)
			}
			if err := runner.WaitFor(ctx, positions[svc]); err != nil {
				t.Fatalf("waiting for an unfollowed position: %v", err)
			}
			mu.Lock()
			if want := []string{other + " 1", other + " 2"}; !slices.Equal(seen, want) {
				t.Fatalf("read model saw %q, want %q", seen, want)
			}
			mu.Unlock()

			// Its reactions: each durable consumes and acknowledges.
			for _, durable := range natsperm.Durables(svc) {
				cctx, done := context.WithCancel(ctx)
				var handled []string
				err := bus.ConsumeStore(cctx, store, bus.Config{Durable: durable, FilterSubjects: []string{eventstore.ContextFilter(other)}},
					func(_ context.Context, e eventstore.RecordedEvent) error {
						handled = append(handled, e.Event.(*wrapperspb.StringValue).GetValue())
						if len(handled) == 2 {
							done() // Consume acknowledges this one, then returns
						}
						return nil
					})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("%s: %v", durable, err)
				}
				cons, err := c.js.Consumer(ctx, natsperm.Stream, durable)
				if err != nil {
					t.Fatalf("%s: consumer info: %v", durable, err)
				}
				info := cons.CachedInfo()
				if info.AckFloor.Stream != positions[other] || info.NumAckPending != 0 {
					t.Fatalf("%s: handled %q, ack floor %d with %d pending; want both acknowledged up to %d",
						durable, handled, info.AckFloor.Stream, info.NumAckPending, positions[other])
				}
			}
			select {
			case err := <-c.violations:
				t.Fatalf("permission violation: %v", err)
			default:
			}
		})
	}
}

// A service cannot redefine, read from or acknowledge another's durable
// consumer, nor reconfigure, delete, purge or add streams.
func TestAServiceCannotTouchAnothersConsumersOrTheStream(t *testing.T) {
	srv, creds := authServer(t)
	ctx := testCtx(t)
	mo := connectAs(t, srv, creds, "monitoring")
	mo.store(t)
	filters := []string{eventstore.ContextFilter("monitoring"), eventstore.AggregateFilter("purchasing", "provider")}
	if _, err := mo.js.CreateOrUpdateConsumer(ctx, natsperm.Stream, natsjs.ConsumerConfig{
		Durable: "monitoring-risk", FilterSubjects: filters, AckPolicy: natsjs.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}

	pu := connectAs(t, srv, creds, "purchasing")
	api := "$JS.API."
	pu.refused(t, api+"CONSUMER.CREATE.CARECOOP_EVENTS.monitoring-risk.carecoop.evt.nothing.>", func(ctx context.Context) error {
		_, err := pu.js.CreateOrUpdateConsumer(ctx, natsperm.Stream, natsjs.ConsumerConfig{
			Durable: "monitoring-risk", FilterSubject: "carecoop.evt.nothing.>", AckPolicy: natsjs.AckExplicitPolicy})
		return err
	})
	pu.refused(t, api+"CONSUMER.CREATE.CARECOOP_EVENTS.monitoring-risk", func(ctx context.Context) error {
		_, err := pu.js.CreateOrUpdateConsumer(ctx, natsperm.Stream, natsjs.ConsumerConfig{
			Durable: "monitoring-risk", FilterSubjects: []string{"carecoop.evt.a.>", "carecoop.evt.b.>"}, AckPolicy: natsjs.AckExplicitPolicy})
		return err
	})
	pu.refused(t, api+"CONSUMER.MSG.NEXT.CARECOOP_EVENTS.monitoring-risk", func(ctx context.Context) error {
		_, err := pu.nc.RequestWithContext(ctx, api+"CONSUMER.MSG.NEXT.CARECOOP_EVENTS.monitoring-risk", []byte(`{"batch":1}`))
		return err
	})
	pu.refused(t, api+"CONSUMER.INFO.CARECOOP_EVENTS.monitoring-risk", func(ctx context.Context) error {
		_, err := pu.js.Consumer(ctx, natsperm.Stream, "monitoring-risk")
		return err
	})
	pu.refused(t, api+"CONSUMER.DELETE.CARECOOP_EVENTS.monitoring-risk", func(ctx context.Context) error {
		return pu.js.DeleteConsumer(ctx, natsperm.Stream, "monitoring-risk")
	})
	pu.refusedPublish(t, "$JS.ACK.CARECOOP_EVENTS.monitoring-risk.1.1.1.0.0", []byte("+ACK"))
	pu.refused(t, api+"STREAM.DELETE.CARECOOP_EVENTS", func(ctx context.Context) error {
		return pu.js.DeleteStream(ctx, natsperm.Stream)
	})
	pu.refused(t, api+"STREAM.PURGE.CARECOOP_EVENTS", func(ctx context.Context) error {
		_, err := pu.nc.RequestWithContext(ctx, api+"STREAM.PURGE.CARECOOP_EVENTS", nil)
		return err
	})
	// A subject transform would store purchasing's own publishes under
	// monitoring's subjects: no service may change the stream.
	pu.refused(t, api+"STREAM.UPDATE.CARECOOP_EVENTS", func(ctx context.Context) error {
		cfg := jetstream.StreamConfig(natsperm.Stream, 1, time.Minute)
		cfg.SubjectTransform = &natsjs.SubjectTransformConfig{Source: "carecoop.evt.purchasing.forged.>", Destination: "carecoop.evt.monitoring.risk.>"}
		_, err := pu.js.UpdateStream(ctx, cfg)
		return err
	})
	pu.refused(t, api+"STREAM.CREATE.SHADOW", func(ctx context.Context) error {
		_, err := pu.js.CreateStream(ctx, natsjs.StreamConfig{Name: "SHADOW", Subjects: []string{"shadow.>"}})
		return err
	})

	// Monitoring's consumer is as monitoring left it.
	cons, err := mo.js.Consumer(ctx, natsperm.Stream, "monitoring-risk")
	if err != nil {
		t.Fatal(err)
	}
	if got := cons.CachedInfo().Config.FilterSubjects; !slices.Equal(got, filters) {
		t.Fatalf("monitoring-risk filters %q, want %q", got, filters)
	}
}

func TestCredentialsAreGeneratedOnceAndPrivate(t *testing.T) {
	dir := t.TempDir()
	first, err := natsserver.LoadOrCreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := natsserver.LoadOrCreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, svc := range natsperm.Services() {
		pw := first[svc]
		if len(pw) < 40 || seen[pw] {
			t.Fatalf("%s: password %q is short or shared", svc, pw)
		}
		seen[pw] = true
		if again[svc] != pw {
			t.Fatalf("%s: password changed on the second start", svc)
		}
		path := natsserver.CredentialsFile(dir, svc)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := "NATS_USER=" + svc + "\nNATS_PASSWORD=" + pw + "\n"; string(data) != want {
			t.Fatalf("%s holds %q, want %q", path, data, want)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, natsserver.CredentialsDir))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("credentials directory has mode %v, want 0700", fi.Mode().Perm())
	}
}
