package eventstore_test

import (
	"testing"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

func TestSubjectMatches(t *testing.T) {
	for _, tc := range []struct {
		subject, filter string
		want            bool
	}{
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.purchasing.>", true},
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.purchasing.referral.*", true},
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.*.referral.r1", true},
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.purchasing.referral.r1", true},
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.monitoring.>", false},
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.purchasing.referral", false},
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.purchasing.referral.r1.>", false},
		{"carecoop.evt.purchasing", "carecoop.evt.purchasing.>", false},
		{"carecoop.evt.purchasing.referral.r1", "carecoop.evt.purchasing.*", false},
		{"carecoop.evt.purchasingx.referral.r1", "carecoop.evt.purchasing.>", false},
		{"carecoop.evt.purchasing.referral.r1", ">", true},
	} {
		if got := eventstore.SubjectMatches(tc.subject, tc.filter); got != tc.want {
			t.Errorf("eventstore.SubjectMatches(%q, %q) = %v, want %v", tc.subject, tc.filter, got, tc.want)
		}
	}
}
