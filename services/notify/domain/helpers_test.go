package domain_test

import (
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// given → when → then: a history of events is folded with the aggregate's
// Evolve, a command is decided against the result, and the outcome is
// compared with the events or error expected.

type scenario[S any] struct {
	evolve  func(S, proto.Message) S
	history []proto.Message
}

func given[S any](evolve func(S, proto.Message) S, events ...proto.Message) scenario[S] {
	return scenario[S]{evolve: evolve, history: events}
}

func (s scenario[S]) state() S {
	var st S
	for _, e := range s.history {
		st = s.evolve(st, e)
	}
	return st
}

type outcome struct {
	events []proto.Message
	err    error
}

func when[S any](s scenario[S], decide func(S) ([]proto.Message, error)) outcome {
	ev, err := decide(s.state())
	return outcome{ev, err}
}

func (o outcome) then(t *testing.T, want ...proto.Message) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("want events, got error %v", o.err)
	}
	if len(o.events) != len(want) {
		t.Fatalf("want %d events, got %d: %v", len(want), len(o.events), o.events)
	}
	for i := range want {
		if !proto.Equal(o.events[i], want[i]) {
			t.Errorf("event %d:\n got %s\nwant %s", i, prototext.Format(o.events[i]), prototext.Format(want[i]))
		}
	}
}

func (o outcome) thenRule(t *testing.T, kind domainerr.Kind, rule string) {
	t.Helper()
	de, ok := domainerr.As(o.err)
	if !ok {
		t.Fatalf("want %s, got %v (events %v)", rule, o.err, o.events)
	}
	if de.Kind != kind || de.Rule != rule {
		t.Fatalf("want kind %d rule %s, got kind %d rule %s (%s)", kind, rule, de.Kind, de.Rule, de.Message)
	}
}
