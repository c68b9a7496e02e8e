package server_test

import (
	"fmt"
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

// Three years of returns, filed on time, late, late a month later,
// never, corrected, one first filed years after its month: once most of
// them are before the held window, compliance names every late and every
// missing month with the day its latest revision came, and a list of old
// months reads them whole from the store, the same after a restart.
func TestOldReturnsAnswerAsFiled(t *testing.T) {
	const returnsHeld = 24 // as the model holds them
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	first, _ := domain.ParseMonth("2026-11")
	last, _ := domain.ParseMonth("2029-10")
	type filing struct {
		late      bool
		submitted string // the latest revision's day
		revision  uint32
	}
	filed := map[domain.Month]*filing{}
	submit := func(mo domain.Month, correction bool) {
		t.Helper()
		req := &monitoringv1.SubmitMonitoringReturnRequest{RequestId: fmt.Sprintf("return-%s-%v-%s", mo, correction, h.today()), Urn: "SC100001",
			Period: mo.String(), Figures: figures(), Correction: correction}
		must(h.responder(provA).SubmitMonitoringReturn(h.Ctx, req)).OK(t)
		f := filed[mo]
		if f == nil {
			f = &filing{late: h.today() > domain.DueOn(mo, domain.DefaultDueWorkingDays).Format(domain.DateLayout)}
			filed[mo] = f
		}
		f.submitted, f.revision = h.today(), f.revision+1
	}
	// Each month's return the day after it ends, but every fifth a month
	// late (with the next) and every seventh never.
	for mo := first; mo <= last+1; mo++ {
		h.Clock.Set(mo.Last().AddDate(0, 0, 1).Add(9 * time.Hour))
		if prev := mo - 1; prev >= first && prev%5 == 0 && prev%7 != 0 {
			submit(prev, false)
		}
		if mo <= last && mo%5 != 0 && mo%7 != 0 {
			submit(mo, false)
		}
	}
	// Held back to 2027-10 (24 before 2029-10); these are all before it: a
	// correction of one on time and of one late, and a first return.
	var onTime, late, never domain.Month
	for mo := first; mo < last-returnsHeld; mo++ {
		switch f := filed[mo]; {
		case f == nil && never == 0:
			never = mo
		case f != nil && f.late && late == 0:
			late = mo
		case f != nil && !f.late && onTime == 0:
			onTime = mo
		}
	}
	if onTime == 0 || late == 0 || never == 0 {
		t.Fatalf("before the held window: on time %s, late %s, never filed %s", onTime, late, never)
	}
	h.Clock.Advance(3 * 24 * time.Hour)
	submit(onTime, true)
	submit(late, true)
	submit(never, false)

	compliance := func() *monitoringv1.ReturnCompliance {
		t.Helper()
		c := must(h.lead().ListReturnCompliance(h.Ctx, &monitoringv1.ListReturnComplianceRequest{ProviderId: provA, Months: 36, MinPosition: h.pos()})).OK(t)
		c.Position = 0
		return c
	}
	list := func() []*monitoringv1.MonitoringReturn {
		t.Helper()
		return must(h.lead().ListMonitoringReturns(h.Ctx, &monitoringv1.ListMonitoringReturnsRequest{Urn: "SC100001", FromPeriod: first.String(),
			ToPeriod: last.String(), MinPosition: h.pos()})).OK(t).GetReturns()
	}
	before, returns := compliance(), list()
	lateRows := map[string]string{}
	for _, r := range before.GetLate() {
		if r.GetUrn() == "SC100001" {
			lateRows[r.GetPeriod()] = r.GetSubmittedOn()
		}
	}
	missing := map[string]bool{}
	for _, r := range before.GetMissing() {
		if r.GetUrn() == "SC100001" {
			missing[r.GetPeriod()] = true
		}
	}
	for mo := first; mo <= last; mo++ {
		f := filed[mo]
		switch {
		case f == nil:
			if !missing[mo.String()] {
				t.Errorf("%s was never filed: compliance does not name it missing", mo)
			}
		case f != nil && f.late:
			if lateRows[mo.String()] != f.submitted {
				t.Errorf("%s was filed late, last on %s: compliance says %q", mo, f.submitted, lateRows[mo.String()])
			}
		case f != nil:
			if _, ok := lateRows[mo.String()]; ok || missing[mo.String()] {
				t.Errorf("%s was filed on time: compliance names it late or missing", mo)
			}
		}
	}
	if len(returns) != len(filed) {
		t.Fatalf("the list has %d returns, %d were filed", len(returns), len(filed))
	}
	for _, r := range returns {
		mo, _ := domain.ParseMonth(r.GetPeriod())
		f := filed[mo]
		if f == nil || r.GetLate() != f.late || r.GetRevision() != f.revision || domain.Today(r.GetSubmittedAt().AsTime()) != f.submitted {
			t.Errorf("listed %s: late %v revision %d submitted %s, filed %+v", r.GetPeriod(), r.GetLate(), r.GetRevision(), r.GetSubmittedAt().AsTime(), f)
		}
	}

	h.restartMonitoring()
	if diff := cmp.Diff(before, compliance(), protocmp.Transform()); diff != "" {
		t.Errorf("after a restart compliance differs (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(returns, list(), protocmp.Transform()); diff != "" {
		t.Errorf("after a restart the returns differ (-before +after):\n%s", diff)
	}
}
