package servicetest_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

func TestCommitsBetween(t *testing.T) {
	e := servicetest.New(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sid, _ := eventstore.NewStreamID("test", "thing", "t1")
	var pos []uint64
	for i := range 3 {
		res, err := e.Store.Append(e.Ctx, sid, eventstore.Exact(uint64(i)), eventstore.Metadata{}, wrapperspb.String("x"))
		if err != nil {
			t.Fatal(err)
		}
		pos = append(pos, res.Position)
	}
	if n := e.CommitsBetween(pos[0], pos[2]); n != 2 {
		t.Fatalf("CommitsBetween = %d, want 2", n)
	}
	if n := e.CommitsBetween(pos[2], pos[2]); n != 0 {
		t.Fatalf("CommitsBetween(same) = %d, want 0", n)
	}
}
