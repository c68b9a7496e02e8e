package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

func upliftCmd(a domain.Actor, pence int64, from string) domain.RequestPriceUplift {
	return domain.RequestPriceUplift{Actor: a, Now: running, LotID: "lot-1", RequestedWeeklyPence: pence, EffectiveFrom: from, Justification: "National Living Wage rise"}
}

func TestUpliftLifecycle(t *testing.T) {
	// Requested: up-1, from acme's awarded price.
	s := given(active()...).when(upliftCmd(acme, 420000, "2026-07-01")).thenEvents(t, upliftRequested())
	if u, ok := s.Uplift("up-1"); !ok || u.Status != frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING {
		t.Fatalf("uplift after request: %+v", u)
	}
	history := append(active(), upliftRequested())

	// Approved: acme's price on lot-1 becomes £4,200.
	approved := &frameworkv1.PriceUpliftApproved{FrameworkId: fwID, UpliftId: "up-1", LotId: "lot-1", ProviderId: "acme-care",
		NewWeeklyPence: 420000, EffectiveFrom: "2026-07-01", Reason: "in line with the index"}
	s = given(history...).when(domain.ApprovePriceUplift{Actor: lead, Now: running, UpliftID: "up-1", Reason: "in line with the index"}).thenEvents(t, approved)
	if a, _ := s.Admission("lot-1", "acme-care"); a.WeeklyPricePence != 420000 {
		t.Fatalf("price after approval: %d", a.WeeklyPricePence)
	}
	if u, _ := s.Uplift("up-1"); u.Status != frameworkv1.UpliftStatus_UPLIFT_STATUS_APPROVED {
		t.Fatalf("uplift status: %v", u.Status)
	}
	// A decided uplift is not decided again.
	given(append(history, approved)...).when(domain.RejectPriceUplift{Actor: lead, Now: running, UpliftID: "up-1", Reason: "changed my mind"}).thenRule(t, domain.RuleUpliftNotPending)
	// The next request is up-2, from the new price.
	given(append(history, approved)...).when(upliftCmd(acme, 440000, "2027-04-01")).thenEvents(t, &frameworkv1.PriceUpliftRequested{
		FrameworkId: fwID, UpliftId: "up-2", LotId: "lot-1", ProviderId: "acme-care",
		CurrentWeeklyPence: 420000, RequestedWeeklyPence: 440000, EffectiveFrom: "2027-04-01", Justification: "National Living Wage rise",
	})
	given(append(history, approved)...).when(upliftCmd(acme, 420000, "2027-04-01")).thenRule(t, domain.RuleUpliftMustIncrease)

	// Rejected: the price stays.
	rejected := &frameworkv1.PriceUpliftRejected{FrameworkId: fwID, UpliftId: "up-1", LotId: "lot-1", ProviderId: "acme-care", Reason: "above the index"}
	s = given(history...).when(domain.RejectPriceUplift{Actor: lead, Now: running, UpliftID: "up-1", Reason: "above the index"}).thenEvents(t, rejected)
	if a, _ := s.Admission("lot-1", "acme-care"); a.WeeklyPricePence != 400000 {
		t.Fatalf("price after rejection: %d", a.WeeklyPricePence)
	}
	given(append(history, rejected)...).when(domain.ApprovePriceUplift{Actor: lead, Now: running, UpliftID: "up-1", Reason: "x"}).thenRule(t, domain.RuleUpliftNotPending)
	if got := len(s.Uplifts()); got != 1 {
		t.Fatalf("uplifts: %d", got)
	}
}

func TestUpliftRequestRules(t *testing.T) {
	// One pending per provider per lot; another provider may ask meanwhile.
	history := append(active(), upliftRequested())
	given(history...).when(upliftCmd(acme, 430000, "2026-08-01")).thenRule(t, domain.RuleOnePendingUplift)
	given(history...).when(upliftCmd(bright, 520000, "2026-08-01")).thenEvents(t, &frameworkv1.PriceUpliftRequested{
		FrameworkId: fwID, UpliftId: "up-2", LotId: "lot-1", ProviderId: "bright-homes",
		CurrentWeeklyPence: 500000, RequestedWeeklyPence: 520000, EffectiveFrom: "2026-08-01", Justification: "National Living Wage rise",
	})
	// Not admitted, suspended, or the framework not active.
	given(active()...).when(upliftCmd(calm, 420000, "2026-07-01")).thenRule(t, domain.RuleUpliftRequiresAdmission)
	given(append(active(), suspended("acme-care"))...).when(upliftCmd(acme, 420000, "2026-07-01")).thenRule(t, domain.RuleUpliftRequiresAdmission)
	given(awarded()...).when(upliftCmd(acme, 420000, "2026-07-01")).thenRule(t, domain.RuleUpliftRequiresAdmission)
	// Not above the current price.
	given(active()...).when(upliftCmd(acme, 400000, "2026-07-01")).thenRule(t, domain.RuleUpliftMustIncrease)
	// Effective from today is fine; yesterday is not.
	given(active()...).when(upliftCmd(acme, 420000, "2026-06-01")).thenEvents(t, &frameworkv1.PriceUpliftRequested{
		FrameworkId: fwID, UpliftId: "up-1", LotId: "lot-1", ProviderId: "acme-care",
		CurrentWeeklyPence: 400000, RequestedWeeklyPence: 420000, EffectiveFrom: "2026-06-01", Justification: "National Living Wage rise",
	})
	given(active()...).when(upliftCmd(acme, 420000, "2026-05-31")).thenRule(t, domain.RuleUpliftNotBackdated)
	// Fields, lot, actor.
	given(active()...).when(upliftCmd(acme, 420000, "1 July")).thenInvalid(t, "effective_from")
	given(active()...).when(upliftCmd(acme, 0, "2026-07-01")).thenInvalid(t, "requested_weekly_pence")
	given(active()...).when(domain.RequestPriceUplift{Actor: acme, Now: running, LotID: "lot-1", RequestedWeeklyPence: 420000, EffectiveFrom: "2026-07-01"}).thenInvalid(t, "justification")
	given(active()...).when(domain.RequestPriceUplift{Actor: acme, Now: running, LotID: "lot-9", RequestedWeeklyPence: 420000, EffectiveFrom: "2026-07-01", Justification: "x"}).thenMissing(t, domain.MissingLot)
	given(active()...).when(upliftCmd(lead, 420000, "2026-07-01")).thenForbidden(t)
	given(active()...).when(upliftCmd(responder, 420000, "2026-07-01")).thenForbidden(t)
	// Extended frameworks take uplifts too.
	extended := append(active(), &frameworkv1.FrameworkExtended{FrameworkId: fwID, Months: 12, NewEnd: "2029-03-31", Reason: "x"})
	given(extended...).when(upliftCmd(acme, 420000, "2026-07-01")).thenEvents(t, upliftRequested())
}

func TestUpliftDecisionRules(t *testing.T) {
	history := append(active(), upliftRequested())
	given(history...).when(domain.ApprovePriceUplift{Actor: lead, Now: running, UpliftID: "up-7", Reason: "x"}).thenMissing(t, domain.MissingUplift)
	given(history...).when(domain.RejectPriceUplift{Actor: lead, Now: running, UpliftID: "up-7", Reason: "x"}).thenMissing(t, domain.MissingUplift)
	given(history...).when(domain.ApprovePriceUplift{Actor: lead, Now: running, UpliftID: "up-1"}).thenInvalid(t, "reason")
	given(history...).when(domain.RejectPriceUplift{Actor: lead, Now: running, UpliftID: "up-1"}).thenInvalid(t, "reason")
	given(history...).when(domain.ApprovePriceUplift{Actor: lead, Now: running, Reason: "x"}).thenInvalid(t, "uplift_id")
	// A provider does not approve its own uplift.
	given(history...).when(domain.ApprovePriceUplift{Actor: acme, Now: running, UpliftID: "up-1", Reason: "x"}).thenForbidden(t)
}

func TestUpliftIDsCountEveryUplift(t *testing.T) {
	history := concat(active(), []proto.Message{
		upliftRequested(),
		&frameworkv1.PriceUpliftRejected{FrameworkId: fwID, UpliftId: "up-1", LotId: "lot-1", ProviderId: "acme-care", Reason: "no"},
		&frameworkv1.PriceUpliftRequested{FrameworkId: fwID, UpliftId: "up-2", LotId: "lot-1", ProviderId: "bright-homes", CurrentWeeklyPence: 500000, RequestedWeeklyPence: 510000, EffectiveFrom: "2026-07-01", Justification: "x"},
	})
	out := given(history...).when(domain.RequestPriceUplift{Actor: acme, Now: running.Add(24 * time.Hour), LotID: "lot-1", RequestedWeeklyPence: 410000, EffectiveFrom: "2026-07-01", Justification: "smaller ask"})
	s := out.thenEvents(t, &frameworkv1.PriceUpliftRequested{FrameworkId: fwID, UpliftId: "up-3", LotId: "lot-1", ProviderId: "acme-care",
		CurrentWeeklyPence: 400000, RequestedWeeklyPence: 410000, EffectiveFrom: "2026-07-01", Justification: "smaller ask"})
	ids := []string{}
	for _, u := range s.Uplifts() {
		ids = append(ids, u.ID)
	}
	if len(ids) != 3 || ids[0] != "up-1" || ids[2] != "up-3" {
		t.Fatalf("uplift order: %v", ids)
	}
}
