package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
)

// deadLetterStack is an embedded NATS with the dev stack's users and their
// credentials in its data directory; monitoring writes risk changes and
// purchasing's reaction to them fails while broken holds.
type deadLetterStack struct {
	data, url  string
	monitoring *jetstream.Store
	broken     atomic.Bool
	mu         sync.Mutex
	handled    []uint64 // positions handled successfully
}

func startDeadLetterStack(t *testing.T) *deadLetterStack {
	t.Helper()
	t.Setenv("NATS_USER", "") // the dev credentials, not the environment's
	s := &deadLetterStack{data: t.TempDir()}
	creds, err := natsserver.LoadOrCreateCredentials(s.data)
	if err != nil {
		t.Fatal(err)
	}
	users, err := natsserver.ServiceUsers(creds)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natsserver.Start(natsserver.Options{DataDir: s.data, Port: -1, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	s.url = srv.ClientURL()
	store := func(svc string) *jetstream.Store {
		nc, err := srv.Connect(creds.ConnectOptions(svc)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := natsjs.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		st, err := jetstream.New(context.Background(), js)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	s.monitoring = store("monitoring")
	purchasing := store("purchasing")

	s.broken.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus.Follow(ctx, purchasing, bus.Config{Durable: "purchasing-risk-levels", FilterSubjects: []string{eventstore.ContextFilter("monitoring")},
			MaxDeliver: 1, AckWait: time.Second}, func(_ context.Context, e eventstore.RecordedEvent) error {
			if s.broken.Load() {
				return fmt.Errorf("no DPS of consortium %s", e.Event.(*monitoringv1.RiskLevelChanged).GetConsortium())
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			s.handled = append(s.handled, e.Position)
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// suspend appends a RED risk change that suspends provider and returns its
// position once purchasing's reaction has given up on it.
func (s *deadLetterStack) suspend(t *testing.T, provider string) uint64 {
	t.Helper()
	res, err := s.monitoring.Append(context.Background(), eventstore.StreamID{Context: "monitoring", Aggregate: "risk", ID: "north-west-" + provider},
		eventstore.Any, eventstore.Metadata{RequestID: provider},
		&monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: provider, To: monitoringv1.RiskLevel_RISK_LEVEL_RED,
			Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND})
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(fmt.Sprintf(`(?m)^purchasing-risk-levels +%d `, res.Position))
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := s.cli(t, "list", "--durable", "purchasing-risk-levels")
		if err != nil {
			t.Fatal(err)
		}
		if row.MatchString(out) {
			return res.Position
		}
		if time.Now().After(deadline) {
			t.Fatalf("no letter for position %d:\n%s", res.Position, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *deadLetterStack) handledPositions() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.handled...)
}

// cli runs `carecoop dead-letters` against the stack as the dev operator.
func (s *deadLetterStack) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := runDeadLetters(append(args, "--data", s.data, "--nats", s.url), &out)
	return out.String(), err
}

// An operator lists the letter of a suspension purchasing gave up on,
// replays it once the fault is fixed (the reaction handles it once, the
// letter is gone), and sees a replay that fails again.
func TestDeadLettersListAndReplay(t *testing.T) {
	s := startDeadLetterStack(t)
	pos := s.suspend(t, "pennine-pathways")

	out, err := s.cli(t, "list")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(fmt.Sprintf(`(?m)^purchasing-risk-levels +%d +dead +1 +\S+ +carecoop\.monitoring\.v1\.RiskLevelChanged +\S+ +carecoop\.evt\.monitoring\.risk\.north-west-pennine-pathways$`, pos))
	if !row.MatchString(out) || !strings.Contains(out, "error: handler failed 1 times: no DPS of consortium north-west") ||
		!strings.HasSuffix(out, "1 dead letters\n") {
		t.Fatalf("list:\n%s", out)
	}
	if out, err := s.cli(t, "list", "--durable", "monitoring-risk"); err != nil || out != "no dead letters\n" {
		t.Fatalf("another durable's list: %q, %v", out, err)
	}

	// Still broken: the replay fails again, and says why.
	out, err = s.cli(t, "replay", "--durable", "purchasing-risk-levels", "--position", fmt.Sprint(pos))
	if err == nil || !strings.Contains(out, fmt.Sprintf("purchasing-risk-levels.%d: failed again: no DPS of consortium north-west", pos)) {
		t.Fatalf("replay while broken: %v\n%s", err, out)
	}
	if out, _ := s.cli(t, "list"); !strings.Contains(out, " failed-again ") {
		t.Fatalf("list after a failed replay:\n%s", out)
	}

	s.broken.Store(false) // the fix is deployed
	out, err = s.cli(t, "replay", "--durable", "purchasing-risk-levels", "--position", fmt.Sprint(pos))
	if err != nil || !strings.Contains(out, fmt.Sprintf("purchasing-risk-levels.%d: replayed; the letter is deleted", pos)) {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	if got := s.handledPositions(); len(got) != 1 || got[0] != pos {
		t.Fatalf("the reaction handled positions %v, want %d once", got, pos)
	}
	if out, err := s.cli(t, "list"); err != nil || out != "no dead letters\n" {
		t.Fatalf("list after the replay: %q, %v", out, err)
	}
}

// --all replays every letter of a durable, oldest first.
func TestDeadLettersReplayAll(t *testing.T) {
	s := startDeadLetterStack(t)
	first := s.suspend(t, "pennine-pathways")
	second := s.suspend(t, "irwell-house")
	s.broken.Store(false)
	out, err := s.cli(t, "replay", "--durable", "purchasing-risk-levels", "--all")
	if err != nil || strings.Count(out, "replayed; the letter is deleted") != 2 {
		t.Fatalf("replay --all: %v\n%s", err, out)
	}
	if got := s.handledPositions(); len(got) != 2 || got[0] != first || got[1] != second {
		t.Fatalf("handled positions %v, want %d then %d", got, first, second)
	}
	if out, err := s.cli(t, "replay", "--durable", "purchasing-risk-levels", "--all"); err != nil || !strings.Contains(out, "no dead letters") {
		t.Fatalf("replay --all with nothing left: %v\n%s", err, out)
	}
}

// Without credentials the CLI says where it looked; a wrong request is
// refused before anything is marked; -h says what a command does.
func TestDeadLettersCLIRefusals(t *testing.T) {
	t.Setenv("NATS_USER", "")
	var out strings.Builder
	if err := runDeadLetters([]string{"replay", "-h"}, &out); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(out.String(), "usage: carecoop dead-letters replay [flags]") || !strings.Contains(out.String(), "-position") {
		t.Fatalf("replay -h: %v\n%s", err, out.String())
	}
	out.Reset()
	err := runDeadLetters([]string{"list", "--data", t.TempDir(), "--nats", "nats://127.0.0.1:1"}, &out)
	if err == nil || !strings.Contains(err.Error(), "operator.env") {
		t.Fatalf("list without credentials: %v", err)
	}
	for _, args := range [][]string{
		{"replay", "--position", "3"},
		{"replay", "--durable", "purchasing-risk-levels"},
		{"replay", "--durable", "purchasing-risk-levels", "--position", "3", "--all"},
		{"undo"},
	} {
		if err := runDeadLetters(args, &out); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
