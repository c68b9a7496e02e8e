package projection_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
)

// A catch-up longer than the stall bound starts the service as long as it
// moves (a decade's history is rebuilt, however long that takes); one that
// stops moving fails Start, saying where it is stuck.
func TestStartWaitsForALongCatchUpButNotForAStuckOne(t *testing.T) {
	s := newStore(t)
	for i := range 8 {
		appendOne(t, s, "alpha", fmt.Sprint(i), fmt.Sprint(i))
	}
	slow := func(commit []eventstore.RecordedEvent) error {
		time.Sleep(60 * time.Millisecond) // eight commits: about five stall bounds
		return nil
	}
	r := projection.NewRunner("long", s, nil, slow, nil)
	r.CatchUpStall = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatalf("a catch-up that moves: Start = %v", err)
	}
	if err := r.Ready(); err != nil {
		t.Fatalf("after Start, Ready = %v", err)
	}

	stuck := make(chan struct{})
	defer close(stuck)
	blocked := func(commit []eventstore.RecordedEvent) error {
		if commit[0].Position > 3 {
			<-stuck
		}
		return nil
	}
	r = projection.NewRunner("stuck", s, nil, blocked, nil)
	r.CatchUpStall = 200 * time.Millisecond
	err := r.Start(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a catch-up stuck at 3: Start = %v, want it to give up", err)
	}
	if want := "stuck at 3"; !strings.Contains(err.Error(), want) {
		t.Fatalf("Start = %q, want it to say %q", err, want)
	}
	if r.Ready() == nil {
		t.Fatal("a runner that never caught up says it is ready")
	}
}
