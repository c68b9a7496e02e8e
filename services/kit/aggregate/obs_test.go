package aggregate_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/metrics"
)

// Handle times every append in the metrics of its context and counts the
// ones another writer beat, by aggregate.
func TestObsAppendsAndConflictsAreCounted(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	m := metrics.New("test")
	ctx := metrics.WithContext(context.Background(), m)
	sid := stream("obs")
	first := true
	_, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: meta, Decide: func(r roster) ([]proto.Message, error) {
		if first {
			// Another writer gets in between this decision's load and its
			// append: the append conflicts, and Handle tries again.
			first = false
			appendNames(t, s, sid, "intruder")
		}
		return add("ada")(r)
	}})
	if err != nil {
		t.Fatal(err)
	}
	fams, err := m.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{metrics.AppendConflicts, map[string]string{"service": "test", "aggregate": "test.roster"}, 1},
		{metrics.AppendSeconds, map[string]string{"outcome": metrics.OutcomeConflict}, 1},
		{metrics.AppendSeconds, map[string]string{"outcome": metrics.OutcomeOK}, 1},
	} {
		if got, _ := fams.Value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}
