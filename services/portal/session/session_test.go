package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/portal/session"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// A session survives the portal (a second store over the same bucket reads
// it), ends after the idle timeout or when deleted, and the portal's own
// NATS user is all it takes — that user can touch nothing else.
func TestSessionsLiveInNATSUnderThePortalsUser(t *testing.T) {
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
	connect := func() natsjs.JetStream {
		nc, err := srv.Connect(creds.ConnectOptions(natsperm.Portal)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := natsjs.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	ctx := context.Background()
	// The portal's user writes no events: a forged one is refused.
	forger := connect()
	pctx, cancel := context.WithTimeout(ctx, time.Second) // a refused publish is never answered
	defer cancel()
	if _, err := forger.Publish(pctx, "carecoop.evt.monitoring.risk.forged", []byte("x")); err == nil {
		t.Fatal("the portal's NATS user published into the event stream")
	}
	c := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	a, err := session.Open(ctx, connect(), session.Options{Idle: 30 * time.Minute, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{Subject: "amara", Organisation: "consortium:north-west", Roles: []string{auth.ConsortiumLead}}
	sess, err := a.New(ctx, p, "Amara Okafor")
	if err != nil {
		t.Fatal(err)
	}

	// A second portal replica reads it.
	b, err := session.Open(ctx, connect(), session.Options{Idle: 30 * time.Minute, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, sess.ID)
	if err != nil || got.Principal.Organisation != p.Organisation || got.Name != "Amara Okafor" {
		t.Fatalf("the other replica reads %+v, %v", got, err)
	}
	// Used within the idle timeout, it lives on; idle past it, it is gone.
	c.add(20 * time.Minute)
	if _, err := b.Get(ctx, sess.ID); err != nil {
		t.Fatalf("after 20 minutes: %v", err)
	}
	c.add(20 * time.Minute)
	if _, err := a.Get(ctx, sess.ID); err != nil {
		t.Fatalf("20 minutes after the last use: %v", err)
	}
	c.add(31 * time.Minute)
	if _, err := a.Get(ctx, sess.ID); !errors.Is(err, session.ErrNone) {
		t.Fatalf("31 idle minutes later: %v, want ErrNone", err)
	}
	// Signed out: gone everywhere. A made-up id is nobody's.
	s2, _ := a.New(ctx, p, "Amara Okafor")
	if err := b.Delete(ctx, s2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, s2.ID); !errors.Is(err, session.ErrNone) {
		t.Fatalf("after sign-out: %v", err)
	}
	for _, id := range []string{"", "x", "../../etc", sess.ID[:63] + "g"} {
		if _, err := a.Get(ctx, id); !errors.Is(err, session.ErrNone) {
			t.Fatalf("id %q: %v", id, err)
		}
	}
}
