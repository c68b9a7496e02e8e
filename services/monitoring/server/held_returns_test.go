package server_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// A setting's returns of years ago are left in the store, not held whole
// in memory: asked for, they are read from its stream, corrections
// included, the same before and after a restart; compliance still names
// when a late one came.
func TestOldReturnsReadFromTheStore(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	h.Clock.Set(time.Date(2026, time.December, 2, 10, 0, 0, 0, time.UTC))
	first, _ := domain.ParseMonth("2023-01")
	last, _ := domain.ParseMonth("2026-11")
	for mo := first; mo <= last; mo++ {
		f := figures()
		f.StaffInPost = uint32(mo - first + 1)
		must(h.responder(provA).SubmitMonitoringReturn(h.Ctx, &monitoringv1.SubmitMonitoringReturnRequest{
			RequestId: "return-" + mo.String(), Urn: "SC100001", Period: mo.String(), Figures: f})).OK(t)
	}
	corrected := figures()
	corrected.StaffInPost = 99
	must(h.responder(provA).SubmitMonitoringReturn(h.Ctx, &monitoringv1.SubmitMonitoringReturnRequest{
		RequestId: "correct-2023-02", Urn: "SC100001", Period: "2023-02", Figures: corrected, Correction: true})).OK(t)

	old := func() []*monitoringv1.MonitoringReturn {
		t.Helper()
		return must(h.lead().ListMonitoringReturns(h.Ctx, &monitoringv1.ListMonitoringReturnsRequest{
			Urn: "SC100001", FromPeriod: "2022-12", ToPeriod: "2023-03", MinPosition: h.pos()})).OK(t).GetReturns()
	}
	got := old()
	if len(got) != 3 {
		t.Fatalf("returns for 2022-12 to 2023-03 = %v, want January to March 2023", got)
	}
	for i, want := range []struct {
		period   string
		staff    uint32
		revision uint32
	}{{"2023-01", 1, 1}, {"2023-02", 99, 2}, {"2023-03", 3, 1}} {
		r := got[i]
		if r.GetPeriod() != want.period || r.GetFigures().GetStaffInPost() != want.staff || r.GetRevision() != want.revision || !r.GetLate() ||
			r.GetUrn() != "SC100001" || r.GetProviderId() != provA || r.GetSubmittedAt() == nil {
			t.Errorf("return %d = %v, want %s with %d staff, revision %d, late", i, r, want.period, want.staff, want.revision)
		}
	}
	recent, err := h.returnsSeenBy(h.lead(), "SC100001")
	if err != nil || len(recent) != 12 || recent[0].GetPeriod() != "2025-12" || recent[11].GetFigures().GetStaffInPost() != 47 {
		t.Fatalf("the default list = %d returns from %v (%v), want the 12 months to 2026-11", len(recent), recent, err)
	}
	compliance := func() *monitoringv1.ReturnCompliance {
		t.Helper()
		return must(h.lead().ListReturnCompliance(h.Ctx, &monitoringv1.ListReturnComplianceRequest{Consortium: consortium, Months: 48, MinPosition: h.pos()})).OK(t)
	}
	before := compliance()
	for _, r := range before.GetLate() {
		if r.GetPeriod() == "2023-02" && r.GetSubmittedOn() != "2026-12-02" {
			t.Errorf("the late 2023-02 return was submitted on %q, want 2026-12-02", r.GetSubmittedOn())
		}
	}

	h.restartMonitoring()
	if diff := cmp.Diff(got, old(), protocmp.Transform()); diff != "" {
		t.Errorf("after a restart the old returns differ (-before +after):\n%s", diff)
	}
	after := compliance()
	before.Position, after.Position = 0, 0
	if diff := cmp.Diff(before, after, protocmp.Transform()); diff != "" {
		t.Errorf("after a restart compliance differs (-before +after):\n%s", diff)
	}
}
