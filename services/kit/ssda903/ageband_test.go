package ssda903_test

import (
	"testing"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

func TestAgeBand(t *testing.T) {
	for age, want := range map[uint32]string{0: "under 1", 1: "1-4", 4: "1-4", 5: "5-9", 9: "5-9", 10: "10-15", 15: "10-15", 16: "16+", 17: "16+", 25: "16+"} {
		if got := ssda903.AgeBand(age); got != want {
			t.Errorf("AgeBand(%d) = %q, want %q", age, got, want)
		}
	}
}
