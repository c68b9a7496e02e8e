package main

import (
	"bytes"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
)

// simulated writes a history into a fresh embedded server and returns the
// server, a store on it and what the simulator says it wrote.
func simulated(t *testing.T, seed uint64, events int) (*natsserver.Server, *jetstream.Store, simCounts) {
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
	c, err := simulateYears(t.Context(), js, seed, events, 10, simScales["region"], nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Events < events {
		t.Fatalf("wrote %d events, want at least %d", c.Events, events)
	}
	return ns, s, c
}

// The same seed writes the same bytes: every stored message, headers and
// payload (event ids included), is the same in two runs; another seed
// writes another history.
func TestSimulateIsDeterministic(t *testing.T) {
	raw := func(ns *natsserver.Server, s *jetstream.Store) [][]byte {
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
	nsA, a, ca := simulated(t, 7, 6000)
	nsB, b, cb := simulated(t, 7, 6000)
	nsC, c, _ := simulated(t, 8, 6000)
	ra, rb, rc := raw(nsA, a), raw(nsB, b), raw(nsC, c)
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
