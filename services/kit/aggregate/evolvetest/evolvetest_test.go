package evolvetest_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
)

// recorder keeps what AssertPure reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

type tally struct {
	seen  map[string]bool
	order []string
}

var history = []proto.Message{wrapperspb.String("a"), wrapperspb.String("b")}

func next() []proto.Message { return []proto.Message{wrapperspb.String("c"), wrapperspb.String("d")} }

func TestItPassesAnEvolveThatCopiesOnWrite(t *testing.T) {
	pure := func(s tally, e proto.Message) tally {
		v := e.(*wrapperspb.StringValue).GetValue()
		s.seen = maps.Clone(s.seen)
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[v] = true
		s.order = append(slices.Clip(s.order), v)
		return s
	}
	r := &recorder{TB: t}
	evolvetest.AssertPure(r, pure, history, next()...)
	if len(r.errs) != 0 {
		t.Fatalf("a pure Evolve was reported: %v", r.errs)
	}
}

func TestItFindsAMapWrittenInPlace(t *testing.T) {
	inPlace := func(s tally, e proto.Message) tally {
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[e.(*wrapperspb.StringValue).GetValue()] = true
		return s
	}
	r := &recorder{TB: t}
	evolvetest.AssertPure(r, inPlace, history, next()...)
	if len(r.errs) == 0 {
		t.Fatal("a map written in place was not reported")
	}
}

func TestItFindsASliceAppendedIntoSharedCapacity(t *testing.T) {
	shared := func(s tally, e proto.Message) tally {
		if s.order == nil {
			s.order = make([]string, 0, 8)
		}
		s.order = append(s.order, e.(*wrapperspb.StringValue).GetValue())
		return s
	}
	r := &recorder{TB: t}
	evolvetest.AssertPure(r, shared, history, next()...)
	if len(r.errs) == 0 {
		t.Fatal("two paths appending into one backing array were not reported")
	}
}

func TestItFindsAFoldThatDiffersOrWritesInPlace(t *testing.T) {
	evolve := func(s tally, e proto.Message) tally {
		s.order = append(slices.Clip(s.order), e.(*wrapperspb.StringValue).GetValue())
		return s
	}
	copyOnce := func(s tally, events []proto.Message) tally {
		s.order = slices.Clone(s.order)
		for _, e := range events {
			s.order = append(s.order, e.(*wrapperspb.StringValue).GetValue())
		}
		return s
	}
	all := append(slices.Clone(history), next()...)
	r := &recorder{TB: t}
	evolvetest.AssertFold(r, evolve, copyOnce, all)
	if len(r.errs) != 0 {
		t.Fatalf("a fold that copies once was reported: %v", r.errs)
	}
	inPlace := func(s tally, events []proto.Message) tally {
		for _, e := range events {
			if len(s.order) > 0 {
				s.order[0] = "overwritten"
			}
			s.order = append(s.order, e.(*wrapperspb.StringValue).GetValue())
		}
		return s
	}
	r = &recorder{TB: t}
	evolvetest.AssertFold(r, evolve, inPlace, all)
	if len(r.errs) == 0 {
		t.Fatal("a fold that differs and writes into the state it was given was not reported")
	}
}
