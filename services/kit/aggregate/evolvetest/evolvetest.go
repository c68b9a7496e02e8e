// Package evolvetest checks, in a service's domain tests, that an Evolve is
// pure: the state it is given is a value that stays what it was, so a
// state loaded once can be evolved along two paths (a retried decision, a
// cached state) without one path showing in the other.
package evolvetest

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"
)

// AssertPure folds history from the zero state, then, for each event of
// next, checks that evolving with it leaves the folded state unchanged, and
// that evolving the same folded state with the other events afterwards
// leaves its result unchanged too (nothing shared that a later write
// reaches, such as a slice's spare capacity).
func AssertPure[S any](t testing.TB, evolve func(S, proto.Message) S, history []proto.Message, next ...proto.Message) {
	t.Helper()
	fold := func(events ...proto.Message) S {
		var s S
		for _, e := range events {
			s = evolve(s, e)
		}
		return s
	}
	for _, e := range next {
		name := string(e.ProtoReflect().Descriptor().Name())
		given := fold(history...)
		evolve(given, e)
		if !reflect.DeepEqual(given, fold(history...)) {
			t.Errorf("evolving with %s changed the state it was given", name)
		}
		given = fold(history...)
		after := evolve(given, e)
		for _, other := range next {
			if other != e {
				evolve(given, other)
			}
		}
		if !reflect.DeepEqual(after, fold(append(history[:len(history):len(history)], e)...)) {
			t.Errorf("evolving the state %s came from with other events changed what %s led to", name, name)
		}
	}
}

// AssertFold checks a Fold against its Evolve: folding history at once
// gives the state evolving it event by event gives, and folding the second
// half onto the state of the first leaves that state unchanged.
func AssertFold[S any](t testing.TB, evolve func(S, proto.Message) S, fold func(S, []proto.Message) S, history []proto.Message) {
	t.Helper()
	step := func(events []proto.Message) S {
		var s S
		for _, e := range events {
			s = evolve(s, e)
		}
		return s
	}
	var zero S
	if !reflect.DeepEqual(fold(zero, history), step(history)) {
		t.Errorf("folding %d events at once differs from evolving them one by one", len(history))
	}
	half := len(history) / 2
	given := step(history[:half])
	if !reflect.DeepEqual(fold(given, history[half:]), step(history)) {
		t.Errorf("folding the last %d events onto the state of the first %d differs from evolving them one by one", len(history)-half, half)
	}
	if !reflect.DeepEqual(given, step(history[:half])) {
		t.Errorf("folding changed the state it was given")
	}
}
