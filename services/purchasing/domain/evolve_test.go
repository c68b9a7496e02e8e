package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Evolve is pure: a state evolved along one path is unchanged for
// another (evolvetest.AssertPure); Fold, which loading uses, gives the same
// state and leaves its given state unchanged too (evolvetest.AssertFold).

func TestEvolveProviderLeavesTheGivenStateUnchanged(t *testing.T) {
	oak := &purchasingv1.Setting{Urn: "SC100001", Name: "Oak House", RegisteredPlaces: 4}
	elm := &purchasingv1.Setting{Urn: "SC100002", Name: "Elm House", RegisteredPlaces: 2}
	insurance := purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE
	history := []proto.Message{
		&purchasingv1.ProviderRegistered{ProviderId: acmeID, Profile: &purchasingv1.ProviderProfile{LegalName: "Acme Care Ltd"}},
		&purchasingv1.SettingAdded{ProviderId: acmeID, Setting: oak},
		&purchasingv1.SettingAdded{ProviderId: acmeID, Setting: elm},
		&purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: &purchasingv1.Accreditation{Kind: insurance, ExpiresOn: "2027-01-01"}},
		&purchasingv1.VacancyPublished{ProviderId: acmeID, Urn: oak.GetUrn(), FreePlaces: 3, AvailableFrom: "2026-12-01"},
	}
	next := []proto.Message{
		&purchasingv1.ProviderProfileUpdated{ProviderId: acmeID, Profile: &purchasingv1.ProviderProfile{LegalName: "Acme Care Group Ltd"}},
		&purchasingv1.SettingAdded{ProviderId: acmeID, Setting: &purchasingv1.Setting{Urn: "SC100003", Name: "Ash House", RegisteredPlaces: 1}},
		&purchasingv1.SettingUpdated{ProviderId: acmeID, Setting: &purchasingv1.Setting{Urn: oak.GetUrn(), Name: "Oak House", RegisteredPlaces: 1}},
		&purchasingv1.SettingRemoved{ProviderId: acmeID, Urn: oak.GetUrn()},
		&purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: &purchasingv1.Accreditation{Kind: insurance, ExpiresOn: "2028-01-01"}},
		&purchasingv1.VacancyPublished{ProviderId: acmeID, Urn: elm.GetUrn(), FreePlaces: 1, AvailableFrom: "2026-12-02"},
		&purchasingv1.VacancyWithdrawn{ProviderId: acmeID, Urn: oak.GetUrn()},
	}
	evolvetest.AssertPure(t, domain.EvolveProvider, history, next...)
	evolvetest.AssertFold(t, domain.EvolveProvider, domain.FoldProvider, append(history, next...))
}

func TestEvolveDpsLeavesTheGivenStateUnchanged(t *testing.T) {
	history := []proto.Message{
		&purchasingv1.DpsCreated{DpsId: dpsID, Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "NW DPS"}},
		&purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: acmeID, CategoryIds: []string{"residential", "fostering"}},
		&purchasingv1.ProviderAdmitted{DpsId: dpsID, ProviderId: acmeID, CategoryId: "residential"},
		&purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: "bolt-care", CategoryIds: []string{"residential"}},
		&purchasingv1.ProviderAdmitted{DpsId: dpsID, ProviderId: "bolt-care", CategoryId: "residential"},
		&purchasingv1.ProviderSuspended{DpsId: dpsID, ProviderId: "bolt-care"},
		&purchasingv1.MatchingSuspended{DpsId: dpsID, ProviderId: acmeID, SettingUrn: "SC100001", Reason: "monitoring: risk red"},
	}
	next := []proto.Message{
		&purchasingv1.DpsOpened{DpsId: dpsID},
		&purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: acmeID, CategoryIds: []string{"send-school"}},
		&purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: "cedar-care", CategoryIds: []string{"residential"}},
		&purchasingv1.ProviderAdmitted{DpsId: dpsID, ProviderId: acmeID, CategoryId: "fostering"},
		&purchasingv1.ApplicationRejected{DpsId: dpsID, ProviderId: acmeID, CategoryId: "fostering"},
		&purchasingv1.ProviderSuspended{DpsId: dpsID, ProviderId: acmeID},
		&purchasingv1.ProviderReinstated{DpsId: dpsID, ProviderId: "bolt-care"},
		&purchasingv1.ProviderRemoved{DpsId: dpsID, ProviderId: acmeID},
		&purchasingv1.MatchingSuspended{DpsId: dpsID, ProviderId: acmeID, SettingUrn: "SC100002", Reason: "monitoring: risk red"},
		&purchasingv1.MatchingSuspended{DpsId: dpsID, ProviderId: "bolt-care", Reason: "monitoring: risk red"},
		&purchasingv1.MatchingReinstated{DpsId: dpsID, ProviderId: acmeID, SettingUrn: "SC100001"},
	}
	evolvetest.AssertPure(t, domain.EvolveDps, history, next...)
	evolvetest.AssertFold(t, domain.EvolveDps, domain.FoldDps, append(history, next...))
}

func TestEvolveReferralLeavesTheGivenStateUnchanged(t *testing.T) {
	history := []proto.Message{
		&purchasingv1.ReferralCreated{ReferralId: "ref-1", DpsId: dpsID},
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{
			{ProviderId: acmeID, SettingUrn: "SC100001"}, {ProviderId: "bolt-care", SettingUrn: "SC200001"}}},
		&purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-1", ProviderId: acmeID, SettingUrn: "SC100001"},
	}
	next := []proto.Message{
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{{ProviderId: "cedar-care", SettingUrn: "SC300001"}}},
		&purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-2", ProviderId: "bolt-care", SettingUrn: "SC200001"},
		&purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-3", ProviderId: acmeID, SettingUrn: "SC100001"},
		&purchasingv1.ReferralDeclined{ReferralId: "ref-1", ProviderId: "bolt-care"},
		&purchasingv1.PlacementAwarded{ReferralId: "ref-1", OfferId: "off-1", ProviderId: acmeID},
		&purchasingv1.OfferClosed{ReferralId: "ref-1", OfferId: "off-1", Reason: domain.ClosedReferralWithdrawn},
		&purchasingv1.ReferralWithdrawn{ReferralId: "ref-1"},
	}
	evolvetest.AssertPure(t, domain.EvolveReferral, history, next...)
	evolvetest.AssertFold(t, domain.EvolveReferral, domain.FoldReferral, append(history, next...))
}
