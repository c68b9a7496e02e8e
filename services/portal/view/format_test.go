package view_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// What a person reads: money as pounds and pence, dates as the design
// system writes them, enum values as words — never an enum name.
func TestFormats(t *testing.T) {
	if got := view.Pounds(412550); got != "£4,125.50" {
		t.Errorf("Pounds = %q", got)
	}
	if got := view.Date("2026-12-03"); got != "3 December 2026" {
		t.Errorf("Date = %q", got)
	}
	if got := view.When(timestamppb.New(time.Date(2026, 7, 1, 13, 5, 0, 0, time.UTC))); got != "1 July 2026 at 2:05pm" {
		t.Errorf("When (summer time) = %q", got)
	}
	for e, want := range map[interface{ String() string }]string{
		frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS: "Open for bids",
		purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT: "Requires improvement",
		purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED:   "Admitted",
		frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_UNSPECIFIED:   "",
	} {
		var got string
		switch v := e.(type) {
		case frameworkv1.FrameworkStatus:
			got = view.Words(v)
		case purchasingv1.OfstedGrade:
			got = view.Words(v)
		case purchasingv1.MembershipStatus:
			got = view.Words(v)
		}
		if got != want {
			t.Errorf("Words(%s) = %q, want %q", e, got, want)
		}
	}
}
