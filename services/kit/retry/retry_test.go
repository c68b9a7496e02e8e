package retry

import (
	"context"
	"testing"
	"time"
)

func TestBackoffStaysUnderItsLimitAndStopsWithTheContext(t *testing.T) {
	start := time.Now()
	for n := range 5 {
		if err := Backoff(context.Background(), n, time.Millisecond, 4*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("five attempts capped at 4ms waited %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Backoff(ctx, 3, time.Hour, time.Hour); err == nil {
		t.Fatal("a cancelled context did not stop the wait")
	}
}
