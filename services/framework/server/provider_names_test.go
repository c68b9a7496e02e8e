package server_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// publishPurchasing appends one event to a purchasing stream of the shared
// event store, as the purchasing service does when a provider's admin
// registers or edits a profile: the framework service learns of it only
// through the store's published events.
func (h *harness) publishPurchasing(aggregate, id string, version uint64, requestID string, e proto.Message) eventstore.AppendResult {
	h.t.Helper()
	subject, org := "admin."+id, auth.ProviderOrg(id)
	res, err := h.store.Append(h.Ctx, eventstore.StreamID{Context: "purchasing", Aggregate: aggregate, ID: id}, eventstore.Exact(version),
		eventstore.Metadata{
			Actor:         eventstore.Actor{Subject: subject, Organisation: org, Role: auth.ProviderAdmin},
			CorrelationID: "corr-" + requestID,
			RequestID:     org + "/" + subject + "/" + requestID,
			OccurredAt:    h.Clock.Now(),
		}, e)
	if err != nil {
		h.t.Fatalf("append %s to purchasing.%s.%s: %v", e.ProtoReflect().Descriptor().Name(), aggregate, id, err)
	}
	return res
}

func profile(legal, trading string) *purchasingv1.ProviderProfile {
	return &purchasingv1.ProviderProfile{
		LegalName: legal, TradingName: trading,
		Registration:      &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: "01234567"},
		HeadOfficeOutcode: "M1",
	}
}

// wantNames checks that every answer naming a provider of framework id, read
// at minPosition, gives it the name in want ("" for a provider purchasing has
// not registered), and that each kind of answer named someone at all.
func (h *harness) wantNames(id string, minPosition uint64, want map[string]string) {
	t := h.t
	t.Helper()
	ctx, lead := h.Ctx, h.lead()
	check := func(what, providerID, got string) {
		t.Helper()
		if got != want[providerID] {
			t.Errorf("%s of provider %q is named %q, want %q", what, providerID, got, want[providerID])
		}
	}

	fw := must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: minPosition})).OK(t)
	listed := must(h.council("352").ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: minPosition})).OK(t).GetFrameworks()
	admitted := 0
	for _, f := range append([]*frameworkv1.Framework{fw}, listed...) {
		for _, l := range f.GetLots() {
			for _, p := range l.GetProviders() {
				check("admission to "+l.GetTerms().GetLotId(), p.GetProviderId(), p.GetProviderName())
				admitted++
			}
		}
	}

	bids := must(lead.ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: minPosition})).OK(t).GetBids()
	own := must(h.provider(p1).ListBids(ctx, &frameworkv1.ListBidsRequest{MinPosition: minPosition})).OK(t).GetBids()
	for _, b := range append(bids, own...) {
		check("bid on "+b.GetLotId(), b.GetProviderId(), b.GetProviderName())
	}

	uplifts := must(lead.ListPriceUplifts(ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: id, MinPosition: minPosition})).OK(t).GetUplifts()
	for _, u := range uplifts {
		check("uplift "+u.GetUpliftId(), u.GetProviderId(), u.GetProviderName())
	}

	named := 0
	for _, d := range must(lead.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: minPosition})).OK(t).GetDecisions() {
		if d.GetProviderId() == "" {
			if d.GetProviderName() != "" {
				t.Errorf("decision %s concerns no provider but names %q", d.GetDecision(), d.GetProviderName())
			}
			continue
		}
		check("decision "+d.GetDecision(), d.GetProviderId(), d.GetProviderName())
		named++
	}

	if admitted == 0 || len(bids) == 0 || len(own) == 0 || len(uplifts) == 0 || named == 0 {
		t.Fatalf("nothing to name: %d admissions, %d bids, %d own bids, %d uplifts, %d decisions about a provider",
			admitted, len(bids), len(own), len(uplifts), named)
	}
}

// Lots, bids, uplifts and decisions show provider names learned only from
// the purchasing service's provider events in the shared store: a provider
// registered before it bids and one registered after its bid was scored and
// admitted are both named, a profile update renames it everywhere, other
// purchasing events change nothing, and a restart rebuilds the names from
// the stream.
func TestProviderNamesFromPurchasingEvents(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx

	// Pennine Pathways registered with purchasing before the framework existed.
	h.publishPurchasing("provider", p2, 0, "register-p2", &purchasingv1.ProviderRegistered{ProviderId: p2, Profile: profile("Pennine Pathways Ltd", "")})

	id := h.active("draft-names-0001")
	must(h.provider(p2).RequestPriceUplift(ctx, &frameworkv1.RequestPriceUpliftRequest{RequestId: "uplift-names-01", FrameworkId: id, LotId: "lot-1", RequestedWeeklyPence: 445000, EffectiveFrom: "2026-04-01", Justification: "Energy costs"})).OK(t)
	must(h.provider(p1).RequestPriceUplift(ctx, &frameworkv1.RequestPriceUpliftRequest{RequestId: "uplift-names-02", FrameworkId: id, LotId: "lot-2", RequestedWeeklyPence: 700000, EffectiveFrom: "2026-04-01", Justification: "Staff pay award"})).OK(t)
	res := must(h.lead().SuspendProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "suspend-names-1", FrameworkId: id, LotId: "lot-2", ProviderId: p3, Reason: "Inadequate judgement"})).OK(t)

	// Only Pennine Pathways is known: by its legal name, as it has no trading name.
	h.wantNames(id, res.GetPosition(), map[string]string{p2: "Pennine Pathways Ltd"})

	// Northern Lights and Irwell House register after they bid and were admitted.
	h.publishPurchasing("provider", p1, 0, "register-p1", &purchasingv1.ProviderRegistered{ProviderId: p1, Profile: profile("Northern Lights Care Ltd", "Northern Lights")})
	reg := h.publishPurchasing("provider", p3, 0, "register-p3", &purchasingv1.ProviderRegistered{ProviderId: p3, Profile: profile("Irwell House Children's Services Ltd", "Irwell House")})
	names := map[string]string{p1: "Northern Lights", p2: "Pennine Pathways Ltd", p3: "Irwell House"}
	h.wantNames(id, reg.Position, names)

	// Purchasing's other events, on provider streams or elsewhere, rename no one;
	// a read at the position of a commit the service does not follow answers too.
	h.publishPurchasing("provider", p1, 1, "setting-p1", &purchasingv1.SettingAdded{ProviderId: p1, ProviderName: "Some Other Name", Setting: &purchasingv1.Setting{Urn: "SC100001", Name: "Ashworth House"}})
	dps := h.publishPurchasing("dps", "dps-north-west", 0, "create-dps", &purchasingv1.DpsCreated{DpsId: "dps-north-west", Consortium: consortium})
	h.wantNames(id, dps.Position, names)

	// Northern Lights changes its trading name; every answer follows.
	upd := h.publishPurchasing("provider", p1, 2, "rename-p1", &purchasingv1.ProviderProfileUpdated{ProviderId: p1, Profile: profile("Northern Lights Care Ltd", "Northern Lights Children's Homes")})
	names[p1] = "Northern Lights Children's Homes"
	h.wantNames(id, upd.Position, names)

	// The framework's own commands after the rename carry the name too.
	res = must(h.lead().ReinstateProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "reinstate-names-1", FrameworkId: id, LotId: "lot-2", ProviderId: p3, Reason: "Re-inspected: good"})).OK(t)
	h.wantNames(id, res.GetPosition(), names)

	// Nothing but the stream survives a restart, and the names are rebuilt from it.
	h.restart()
	h.wantNames(id, h.LastPosition(), names)
}
