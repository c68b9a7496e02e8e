package app

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Returns arriving in any order, corrections and late first returns of
// years ago included, leave a setting answering when each month was
// submitted as the latest revision did, whether the month is held whole
// or packed; and exactly the months of the last returnsHeld+1 are whole.
func TestPackedReturnsAnswerAsHeldOnes(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	first, _ := domain.ParseMonth("2016-01")
	base := time.Date(2016, time.February, 3, 9, 0, 0, 0, time.UTC).UnixNano()
	for run := range 50 {
		s := &settingRM{}
		want := map[domain.Month]int64{}
		newest := domain.Month(0)
		for range 200 {
			mo := first + domain.Month(rng.IntN(120))
			// Some submissions have whole seconds, some nanoseconds, a few
			// are before 1970.
			sub := base + int64(mo-first)*30*24*int64(time.Hour) + rng.Int64N(int64(time.Hour))
			switch rng.IntN(4) {
			case 0:
				sub -= sub % int64(time.Second)
			case 1:
				sub = -sub
			}
			s.putReturn(returnRM{month: mo, raw: []byte{1}, submitted: sub})
			want[mo] = sub
			newest = max(newest, mo)
		}
		for mo := first - 1; mo <= first+120; mo++ {
			got, ok := s.submittedAt(mo)
			w, filed := want[mo]
			if ok != filed || filed && got.UnixNano() != w {
				t.Fatalf("run %d: %s submitted %v (%v), want %v (%v)", run, mo, got.UnixNano(), ok, w, filed)
			}
		}
		for _, r := range s.returns {
			if r.month < newest-returnsHeld {
				t.Fatalf("run %d: %s held whole, before the cut %s", run, r.month, newest-returnsHeld)
			}
		}
		for _, r := range s.old.all() {
			if r.month >= newest-returnsHeld {
				t.Fatalf("run %d: %s packed, at or after the cut %s", run, r.month, newest-returnsHeld)
			}
		}
		if got := restoreOldReturns(s.old.packed); got.last != s.old.last || got.lastSec != s.old.lastSec {
			t.Fatalf("run %d: restored %+v, want %+v", run, got, s.old)
		}
	}
}
