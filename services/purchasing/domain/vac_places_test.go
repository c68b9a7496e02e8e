package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Vacancies follow awards: Elm House (SC100002, 2 registered places) has
// one place free, published an hour before now.

var vacSystem = domain.Actor{Subject: "service:purchasing", Organisation: "platform", Role: domain.RoleSystem}

func vacOnePlace() *purchasingv1.VacancyPublished {
	v := vacancy("SC100002", 1, today)
	v.PublishedAt = timestamppb.New(now.Add(-time.Hour))
	return v
}

func vacAward(placement string, siblings uint32) *purchasingv1.PlacementAwarded {
	return &purchasingv1.PlacementAwarded{PlacementId: placement, ReferralId: "ref-" + placement, ProviderId: acmeID, SettingUrn: "SC100002", SiblingCount: siblings}
}

func vacTake(placement string, siblings uint32) domain.TakePlace {
	return domain.TakePlace{Actor: vacSystem, Now: now, Award: vacAward(placement, siblings), AwardedAt: now}
}

func vacTaken(placement string, free uint32) *purchasingv1.PlaceTaken {
	return &purchasingv1.PlaceTaken{ProviderId: acmeID, Urn: "SC100002", PlacementId: placement, ReferralId: "ref-" + placement, Places: 1, FreePlaces: free}
}

func TestTakePlace(t *testing.T) {
	s := givenProvider(append(withSettings(), vacOnePlace())...).when(vacTake("pl-1", 0)).thenEvents(t, vacTaken("pl-1", 0))
	if st := s.Settings["SC100002"]; st.FreePlaces != 0 || s.Held["pl-1"].Places != 1 {
		t.Fatalf("after taking: %d free, held %v", st.FreePlaces, s.Held)
	}
}

func TestTakePlaceTwiceForOneAward(t *testing.T) {
	// A redelivered award takes nothing more.
	givenProvider(append(withSettings(), vacOnePlace(), vacTaken("pl-1", 0))...).when(vacTake("pl-1", 0)).thenEvents(t)
}

func TestTakePlaceWhenNoneIsFree(t *testing.T) {
	// Two awards raced past the award's check: the second is kept, flagged.
	over := vacTaken("pl-2", 0)
	over.Overbooked = true
	givenProvider(append(withSettings(), vacOnePlace(), vacTaken("pl-1", 0))...).when(vacTake("pl-2", 0)).thenEvents(t, over)
}

func TestTakePlaceForSiblings(t *testing.T) {
	two := vacancy("SC100002", 2, today)
	taken := vacTaken("pl-1", 0)
	taken.Places = 2
	givenProvider(append(withSettings(), two)...).when(vacTake("pl-1", 1)).thenEvents(t, taken)
}

func TestTakePlaceCountedInALaterVacancy(t *testing.T) {
	// The provider published its vacancy after the award: it counted it.
	c := vacTake("pl-1", 0)
	c.AwardedAt = now.Add(-2 * time.Hour)
	taken := vacTaken("pl-1", 1)
	taken.CountedInVacancy = true
	givenProvider(append(withSettings(), vacOnePlace())...).when(c).thenEvents(t, taken)
}

func TestTakePlaceWho(t *testing.T) {
	c := vacTake("pl-1", 0)
	c.Actor = acmeResponder
	givenProvider(append(withSettings(), vacOnePlace())...).when(c).thenForbidden(t)
	givenProvider().when(vacTake("pl-1", 0)).thenMissing(t, domain.MissingProvider)
	other := vacTake("pl-1", 0)
	other.Award.SettingUrn = "SC999999"
	givenProvider(withSettings()...).when(other).thenMissing(t, domain.MissingSetting)
}

func TestFreePlace(t *testing.T) {
	free := domain.FreePlace{Actor: vacSystem, Now: now, PlacementID: "pl-1", Reason: "the placement ended on 2027-01-15"}
	history := append(withSettings(), vacOnePlace(), vacTaken("pl-1", 0))
	s := givenProvider(history...).when(free).thenEvents(t, &purchasingv1.PlaceFreed{ProviderId: acmeID, Urn: "SC100002", PlacementId: "pl-1",
		Places: 1, FreePlaces: 1, Reason: "the placement ended on 2027-01-15"})
	if s.Settings["SC100002"].FreePlaces != 1 || len(s.Held) != 0 {
		t.Fatalf("after freeing: %+v, held %v", s.Settings["SC100002"], s.Held)
	}
	// Never more free than registered: the provider had republished 2.
	full := vacancy("SC100002", 2, today)
	givenProvider(append(history, full)...).when(free).thenEvents(t, &purchasingv1.PlaceFreed{ProviderId: acmeID, Urn: "SC100002", PlacementId: "pl-1",
		Places: 1, FreePlaces: 2, Reason: "the placement ended on 2027-01-15"})
	// Freed once; a placement made outside the platform holds nothing here.
	givenProvider(append(history, &purchasingv1.PlaceFreed{ProviderId: acmeID, Urn: "SC100002", PlacementId: "pl-1", Places: 1, FreePlaces: 1})...).when(free).thenEvents(t)
	free.PlacementID = "pl-elsewhere"
	givenProvider(history...).when(free).thenEvents(t)
	free.Actor = acme
	givenProvider(history...).when(free).thenForbidden(t)
}

func TestAwardPlacementNeedsAFreePlace(t *testing.T) {
	// off-2 is at Elm House; the provider's stream says no place is free.
	a := award(commissioner, "off-2", now)
	a.Vacancy = &domain.Vacancy{FreePlaces: 0}
	givenReferral(threeOffers()...).when(a).thenRule(t, domain.RuleNoFreePlace)
	a.Vacancy.FreePlaces = 1
	givenReferral(threeOffers()...).when(a).thenOK(t)
	// A child placed with a brother needs two.
	created := referralCreated()
	created.Need.SiblingCount = 1
	withBrother := append(events(created, referralMatched()), threeOffers()[2:]...)
	givenReferral(withBrother...).when(a).thenRule(t, domain.RuleNoFreePlace)
}
