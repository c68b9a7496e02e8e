package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
)

// simulated writes a history ending on a fixed day (simendTestEnd) into a
// fresh embedded server and returns the server, a store on it and what the
// simulator says it wrote.
func simulated(t *testing.T, seed uint64, events int) (*natsserver.Server, *jetstream.Store, simCounts) {
	t.Helper()
	return simendSimulated(t, seed, events, simendTestEnd)
}

// simendTestEnd ends the tests' histories: the same history whatever the
// day the tests run (a history ending today holds another mix of months
// each day).
var simendTestEnd = simendOf(time.Date(2026, time.June, 17, 0, 0, 0, 0, time.UTC))

// simendSimulated writes a history ending before end (a midnight).
func simendSimulated(t *testing.T, seed uint64, events int, end time.Time) (*natsserver.Server, *jetstream.Store, simCounts) {
	t.Helper()
	ns, err := natsserver.Start(natsserver.Options{DataDir: t.TempDir(), DontListen: true, ServerName: "simulate-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jetstream.New(t.Context(), js)
	if err != nil {
		t.Fatal(err)
	}
	c, err := simendWrite(t.Context(), js, seed, events, 10, end, simScales["region"], nil)
	if err != nil {
		t.Fatal(err)
	}
	last := end.Add(-time.Second)
	if c.Events == 0 || c.Last.Year() != last.Year() || c.Last.Month() != last.Month() {
		t.Fatalf("wrote %d events, the last at %s: want the last in %s", c.Events, c.Last, last.Format("January 2006"))
	}
	return ns, s, c
}

// simendRaw is every stored message of the events' stream: subject,
// CloudEvents headers and payload.
func simendRaw(t *testing.T, ns *natsserver.Server, s *jetstream.Store) [][]byte {
	t.Helper()
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(t.Context(), s.StreamName())
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(t.Context(), seq)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.WriteString(m.Subject)
		for _, k := range []string{"ce-id", "ce-type", "ce-time", jetstream.HeaderEventTypes} {
			b.WriteString("|" + m.Header.Get(k))
		}
		b.Write(m.Data)
		out = append(out, b.Bytes())
	}
	return out
}

// The same seed, budget and end write the same bytes: every stored
// message, headers and payload (event ids included), is the same in two
// runs; another seed writes another history.
func TestSimulateIsDeterministic(t *testing.T) {
	end := simendOf(time.Date(2025, time.March, 14, 0, 0, 0, 0, time.UTC))
	nsA, a, ca := simendSimulated(t, 7, 6000, end)
	nsB, b, cb := simendSimulated(t, 7, 6000, end)
	nsC, c, _ := simendSimulated(t, 8, 6000, end)
	ra, rb, rc := simendRaw(t, nsA, a), simendRaw(t, nsB, b), simendRaw(t, nsC, c)
	if len(ra) != len(rb) || ca.Events != cb.Events {
		t.Fatalf("seed 7 twice: %d and %d commits, %d and %d events", len(ra), len(rb), ca.Events, cb.Events)
	}
	for i := range ra {
		if !bytes.Equal(ra[i], rb[i]) {
			t.Fatalf("seed 7 twice: commit %d differs:\n%q\n%q", i+1, ra[i], rb[i])
		}
	}
	same := len(ra) == len(rc)
	for i := 0; same && i < len(ra); i++ {
		same = bytes.Equal(ra[i], rc[i])
	}
	if same {
		t.Fatal("seeds 7 and 8 wrote the same history")
	}
}

// A history ends on --end's day: its last commit is in --end's month,
// none is dated after the day, and it starts on the first of a month, no
// later than the budget needs: the budget is spent in --end's month, or
// from a month earlier it would have been spent before --end's month.
// Ends in the middle of a month, on a Monday the 1st and on the last day
// of a month.
func TestSimendHistoryEndsOnTheEndDay(t *testing.T) {
	for _, day := range []string{"2025-03-14", "2025-12-01", "2026-02-28"} {
		t.Run(day, func(t *testing.T) {
			d, err := time.Parse(time.DateOnly, day)
			if err != nil {
				t.Fatal(err)
			}
			end := simendOf(d)
			const budget = 9000
			ns, s, c := simendSimulated(t, 11, budget, end)
			var first, last time.Time
			for i, m := range simendRaw(t, ns, s) {
				f := strings.Split(string(m), "|")
				at, err := time.Parse(time.RFC3339Nano, f[3])
				if err != nil {
					t.Fatalf("commit %d: ce-time %q: %v", i+1, f[3], err)
				}
				if !at.Before(end) {
					t.Fatalf("commit %d (%s) is dated %s, after %s", i+1, f[0], at.Format(time.RFC3339), day)
				}
				if first.IsZero() {
					first = at
				}
				last = at
			}
			if last.Year() != d.Year() || last.Month() != d.Month() || !last.Equal(c.Last) {
				t.Errorf("last commit at %s (the simulator says %s), want it in %s", last, c.Last, d.Format("January 2006"))
			}
			if first.Day() != 1 || !first.Equal(c.First) {
				t.Errorf("first commit at %s (the simulator says %s), want the first of a month", first, c.First)
			}
			if c.Events > budget+1000 {
				t.Errorf("wrote %d events for a budget of %d", c.Events, budget)
			}
			if c.Events >= budget {
				return // spent in --end's month
			}
			// A month earlier, the same budget is spent before --end's month.
			g, err := simendRun(t.Context(), 11, budget, first.AddDate(0, -1, 0), end, simScales["region"], func(time.Time, eventstore.StreamID, eventstore.Actor, []proto.Message) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if g.c.Events < budget || !g.c.Last.Before(time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("from a month earlier (%s) the budget lasts until %s (%d events): the history could have started then", first.AddDate(0, -1, 0).Format(time.DateOnly), g.c.Last, g.c.Events)
			}
		})
	}
}

// --end must be a day, and not one after today; nothing is written when it
// is refused.
func TestSimendRefusesAnEndThatIsNotAPastDay(t *testing.T) {
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for end, want := range map[string]string{
		"2026-13-01": `--end "2026-13-01": want a date, YYYY-MM-DD`,
		tomorrow:     "--end " + tomorrow + " is after today",
	} {
		data := filepath.Join(t.TempDir(), "data")
		var out bytes.Buffer
		err := runSimulate([]string{"--data", data, "--events", "100", "--end", end}, &out)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--end %s: %v, want an error saying %q", end, err, want)
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("--end %s: %s was created", end, data)
		}
	}
}
