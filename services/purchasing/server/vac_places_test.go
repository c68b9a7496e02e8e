package server_test

import (
	"testing"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

func vacProviderStream(provider string) eventstore.StreamID {
	return eventstore.StreamID{Context: "purchasing", Aggregate: "provider", ID: provider}
}

// vacEvents are the provider stream's events of one type about a placement.
func (h *harness) vacEvents(provider, placement string) (taken, freed []eventstore.RecordedEvent) {
	h.t.Helper()
	events, err := h.store.ReadStream(h.Ctx, vacProviderStream(provider))
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range events {
		switch ev := e.Event.(type) {
		case *purchasingv1.PlaceTaken:
			if ev.GetPlacementId() == placement {
				taken = append(taken, e)
			}
		case *purchasingv1.PlaceFreed:
			if ev.GetPlacementId() == placement {
				freed = append(freed, e)
			}
		}
	}
	return taken, freed
}

// vacFree is a setting's free places as its provider reads them.
func (h *harness) vacFree(provider, urn string) uint32 {
	h.t.Helper()
	pv := must(h.admin(provider).GetProvider(h.Ctx, &purchasingv1.GetProviderRequest{ProviderId: provider, MinPosition: h.LastPosition()})).OK(h.t)
	for _, s := range pv.GetSettings() {
		if s.GetSetting().GetUrn() == urn {
			return s.GetFreePlaces()
		}
	}
	h.t.Fatalf("%s has no setting %s", provider, urn)
	return 0
}

func (h *harness) vacAward(reqID, referralID, offerID string) (*purchasingv1.CommandResponse, error) {
	return h.council("352").AwardPlacement(h.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: reqID, ReferralId: referralID, OfferId: offerID,
		Reason: "nearest home with a place"})
}

// Fallowfield House has one free place; two referrals are matched to it
// and offered it. The first award takes the place on the provider's stream
// (caused by the award), the second is refused; a redelivered award takes
// nothing more; when monitoring records the placement's end, the place is
// free again and the second award goes through.
func TestVacanciesFollowAwards(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	h.Clock.Advance(time.Minute)
	h.publish(provA, fallowfield, 1)
	h.settle()
	first := h.refer(dpsID, "vac-referral-1", standardNeed()).GetId()
	second := h.refer(dpsID, "vac-referral-2", standardNeed()).GetId()
	o1 := h.offer(provA, first, fallowfield, 450000, h.today()).GetOfferId()
	o2 := h.offer(provA, second, fallowfield, 450000, h.today()).GetOfferId()

	placed := must(h.vacAward("vac-award-1", first, o1)).OK(t).GetPlacementId()
	taken, _ := h.vacEvents(provA, placed)
	if len(taken) != 1 {
		t.Fatalf("%d PlaceTaken for %s after its award, want 1", len(taken), placed)
	}
	award := h.vacAwardEvent(first)
	if taken[0].CausationID != award.EventID {
		t.Errorf("PlaceTaken caused by %q, want the award %q", taken[0].CausationID, award.EventID)
	}
	if got := h.vacFree(provA, fallowfield); got != 0 {
		t.Fatalf("Fallowfield has %d free places after its one was awarded", got)
	}

	_, err := h.vacAward("vac-award-2", second, o2)
	servicetest.WantRule(t, err, domain.RuleNoFreePlace)

	// The bus delivers the award again (and again): one place only.
	for range 2 {
		if err := h.svc.App.ReactToPlacements(h.Ctx, award); err != nil {
			t.Fatal(err)
		}
	}
	if taken, _ := h.vacEvents(provA, placed); len(taken) != 1 {
		t.Fatalf("%d PlaceTaken after redelivery, want 1", len(taken))
	}

	// Monitoring records that the placement ended: the place comes free.
	ended := h.vacEnded(placed, fallowfield)
	freed := h.vacWaitFreed(provA, placed)
	if freed.CausationID != ended.EventID {
		t.Errorf("PlaceFreed caused by %q, want the ending %q", freed.CausationID, ended.EventID)
	}
	if f := freed.Event.(*purchasingv1.PlaceFreed); f.GetFreePlaces() != 1 || f.GetPlaces() != 1 {
		t.Errorf("freed %d place(s), %d free", f.GetPlaces(), f.GetFreePlaces())
	}
	if got := h.vacFree(provA, fallowfield); got != 1 {
		t.Fatalf("Fallowfield has %d free places after the placement ended, want 1", got)
	}
	must(h.vacAward("vac-award-3", second, o2)).OK(t)
	if got := h.vacFree(provA, fallowfield); got != 0 {
		t.Fatalf("Fallowfield has %d free places after the second award", got)
	}
}

// vacAwardEvent is a referral's PlacementAwarded as stored.
func (h *harness) vacAwardEvent(referralID string) eventstore.RecordedEvent {
	h.t.Helper()
	events, err := h.store.ReadStream(h.Ctx, eventstore.StreamID{Context: "purchasing", Aggregate: "referral", ID: referralID})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range events {
		if _, ok := e.Event.(*purchasingv1.PlacementAwarded); ok {
			return e
		}
	}
	h.t.Fatalf("referral %s has no award", referralID)
	return eventstore.RecordedEvent{}
}

// vacEnded appends monitoring's ContractEnded for a placement, as monitoring
// records it when the council ends the placement.
func (h *harness) vacEnded(placement, urn string) eventstore.RecordedEvent {
	h.t.Helper()
	stream := eventstore.StreamID{Context: "monitoring", Aggregate: "contract", ID: placement}
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "commissioner.352", Organisation: "council:352", Role: "council_commissioner"}}
	if _, err := h.store.Append(h.Ctx, stream, eventstore.Any, meta, &monitoringv1.ContractEnded{ContractId: placement, EndDate: h.today(),
		ReasonCode: "E11", Reason: "returned home", Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Council: "352", ProviderId: provA, SettingUrn: urn}); err != nil {
		h.t.Fatal(err)
	}
	events, err := h.store.ReadStream(h.Ctx, stream)
	if err != nil {
		h.t.Fatal(err)
	}
	return events[len(events)-1]
}

// vacWaitFreed waits for the reaction (it runs in the background).
func (h *harness) vacWaitFreed(provider, placement string) eventstore.RecordedEvent {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, freed := h.vacEvents(provider, placement); len(freed) > 0 {
			if len(freed) > 1 {
				h.t.Fatalf("%s freed %d times", placement, len(freed))
			}
			return freed[0]
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no PlaceFreed for %s", placement)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
