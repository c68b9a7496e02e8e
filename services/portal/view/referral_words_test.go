package view

import (
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

func TestReferralDurationsInWords(t *testing.T) {
	for secs, want := range map[int64]string{0: "under a minute", 59: "under a minute", 60: "1 minute", 7200: "2 hours", 10980: "3 hours 3 minutes",
		86400: "1 day", 97200: "1 day 3 hours", 3 * 86400: "3 days"} {
		if got := RefDuration(secs); got != want {
			t.Errorf("RefDuration(%d) = %q, want %q", secs, got, want)
		}
	}
}

// The service's match reasons carry codes (dates, the category, needs); the
// commissioner reads words.
func TestReferralMatchReasonsInWords(t *testing.T) {
	for _, c := range []struct {
		r           *purchasingv1.MatchReason
		about, want string
	}{
		{&purchasingv1.MatchReason{Criterion: "vacancy", Met: true, Detail: "1 free place(s) from 2026-12-07"}, "Vacancy", "1 free place(s) from 7 December 2026"},
		{&purchasingv1.MatchReason{Criterion: "admitted", Met: true, Detail: "Pennine Pathways Ltd is admitted to category residential"}, "Admitted to the DPS",
			"Pennine Pathways Ltd is admitted to Residential children's homes"},
		{&purchasingv1.MatchReason{Criterion: "specialisms", Met: true, Detail: "offers autism, emotional_behavioural"}, "Needs met",
			"Offers autism, emotional and behavioural difficulties"},
		{&purchasingv1.MatchReason{Criterion: "distance", Met: true, Detail: "4.2 miles from M14 (limit 20)"}, "Distance", "4.2 miles from M14 (limit 20)"},
	} {
		about, got := RefReason(c.r, "residential", "Residential children's homes")
		if about != c.about || got != c.want {
			t.Errorf("RefReason(%v) = %q, %q; want %q, %q", c.r, about, got, c.about, c.want)
		}
	}
}

func TestReferralChildDescribedWithoutIdentifyingThem(t *testing.T) {
	n := &purchasingv1.Need{AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE, SiblingCount: 2}
	if got := RefChild(n); got != "14-year-old girl with 2 brothers or sisters" {
		t.Errorf("RefChild = %q", got)
	}
}
