package server_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	framework "github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/server"
	purchasing "github.com/carecoop/carecoop/services/purchasing/server"
)

// The harness runs the monitoring service as production runs it, next to
// the REAL purchasing and framework services on one event store
// (servicetest.Env: embedded NATS with JetStream, Ed25519 bearer tokens,
// gRPC over loopback). Contracts come from awards made through their APIs,
// and their reactions to risk levels run as in production. Reads pass the
// store's last position as min_position; what reactions write later is
// waited for with eventually.

// start is the services' clock: Monday 2 November 2026, 09:00.
var start = time.Date(2026, time.November, 2, 9, 0, 0, 0, time.UTC)

const consortium = "north-west"

// members are the north-west councils; 999 is not one.
var members = []string{"352", "353", "354", "355"}

// Providers and their homes.
const (
	provA = "northern-lights-care"
	provB = "pennine-pathways"
	provX = "elsewhere-homes" // registered, never works with the consortium
)

type home struct{ urn, name, outcode string }

var homes = map[string][]home{
	provA: {{"SC100001", "Fallowfield House", "M20"}, {"SC100002", "Chorlton Lodge", "M21"}},
	provB: {{"SC200001", "Ardwick House", "M12"}},
	provX: {{"SC900001", "Far House", "LS1"}},
}

type harness struct {
	*servicetest.Env
	t          *testing.T
	purchasing *purchasing.Running
	framework  *framework.Running
	monitoring *server.Running

	mu      sync.Mutex
	mclient map[string]monitoringv1.MonitoringServiceClient
	pclient map[string]purchasingv1.PurchasingServiceClient
	fclient map[string]frameworkv1.FrameworkServiceClient
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := servicetest.New(t, start)
	h := &harness{Env: env, t: t, pclient: map[string]purchasingv1.PurchasingServiceClient{}, fclient: map[string]frameworkv1.FrameworkServiceClient{}}
	p, err := purchasing.Start(h.Ctx, purchasing.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatalf("purchasing: %v", err)
	}
	t.Cleanup(p.Stop)
	f, err := framework.Start(h.Ctx, framework.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatalf("framework: %v", err)
	}
	t.Cleanup(f.Stop)
	h.purchasing, h.framework = p, f
	h.startMonitoring(env.Store)
	t.Cleanup(func() { h.monitoring.Stop() })
	return h
}

func (h *harness) startMonitoring(store eventstore.Store) {
	h.t.Helper()
	// No sweep timer: tests sweep when they move the clock.
	m, err := server.Start(h.Ctx, server.Config{Addr: "127.0.0.1:0", Store: store, Verifier: h.Verifier, Clock: h.Clock.Now}, app.WithSweepEvery(0))
	if err != nil {
		h.t.Fatalf("monitoring: %v", err)
	}
	h.mu.Lock()
	h.monitoring, h.mclient = m, map[string]monitoringv1.MonitoringServiceClient{}
	h.mu.Unlock()
}

// restartMonitoring starts a new monitoring service over a new connection:
// nothing survives but the stream and the durable consumers' positions.
func (h *harness) restartMonitoring() {
	h.t.Helper()
	h.monitoring.Stop()
	h.startMonitoring(h.NewStore())
}

func key(subject, org, role string) string { return subject + "|" + org + "|" + role }

func (h *harness) m(subject, org, role string) monitoringv1.MonitoringServiceClient {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := key(subject, org, role)
	if c, ok := h.mclient[k]; ok {
		return c
	}
	c := monitoringv1.NewMonitoringServiceClient(h.Dial(h.monitoring.Addr.String(), h.Token(subject, org, role)))
	h.mclient[k] = c
	return c
}

func (h *harness) p(subject, org, role string) purchasingv1.PurchasingServiceClient {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := key(subject, org, role)
	if c, ok := h.pclient[k]; ok {
		return c
	}
	c := purchasingv1.NewPurchasingServiceClient(h.Dial(h.purchasing.Addr.String(), h.Token(subject, org, role)))
	h.pclient[k] = c
	return c
}

func (h *harness) f(subject, org, role string) frameworkv1.FrameworkServiceClient {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := key(subject, org, role)
	if c, ok := h.fclient[k]; ok {
		return c
	}
	c := frameworkv1.NewFrameworkServiceClient(h.Dial(h.framework.Addr.String(), h.Token(subject, org, role)))
	h.fclient[k] = c
	return c
}

// The cast on the monitoring side.

func (h *harness) lead() monitoringv1.MonitoringServiceClient {
	return h.m("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
}

func (h *harness) otherLead() monitoringv1.MonitoringServiceClient {
	return h.m("ben.hartley", auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead)
}

func (h *harness) commissioner(la string) monitoringv1.MonitoringServiceClient {
	return h.m("commissioner."+la, auth.CouncilOrg(la), auth.CouncilCommissioner)
}

func (h *harness) viewer(la string) monitoringv1.MonitoringServiceClient {
	return h.m("viewer."+la, auth.CouncilOrg(la), auth.CouncilViewer)
}

func (h *harness) responder(id string) monitoringv1.MonitoringServiceClient {
	return h.m("returns."+id, auth.ProviderOrg(id), auth.ProviderResponder)
}

func (h *harness) providerAdmin(id string) monitoringv1.MonitoringServiceClient {
	return h.m("admin."+id, auth.ProviderOrg(id), auth.ProviderAdmin)
}

// ofstedFeed is the platform's feed of Ofsted's published judgements.
func (h *harness) ofstedFeed() monitoringv1.MonitoringServiceClient {
	return h.m("ofsted-feed", auth.OrgPlatform, auth.PlatformAdmin)
}

func (h *harness) auditor() monitoringv1.MonitoringServiceClient {
	return h.m("ines.auditor", auth.OrgPlatform, auth.Auditor)
}

// The cast on the purchasing and framework side.

func (h *harness) plead() purchasingv1.PurchasingServiceClient {
	return h.p("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
}

func (h *harness) pcouncil(la string) purchasingv1.PurchasingServiceClient {
	return h.p("commissioner."+la, auth.CouncilOrg(la), auth.CouncilCommissioner)
}

func (h *harness) padmin(id string) purchasingv1.PurchasingServiceClient {
	return h.p("admin."+id, auth.ProviderOrg(id), auth.ProviderAdmin)
}

func (h *harness) presponder(id string) purchasingv1.PurchasingServiceClient {
	return h.p("referrals."+id, auth.ProviderOrg(id), auth.ProviderResponder)
}

func (h *harness) flead() frameworkv1.FrameworkServiceClient {
	return h.f("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
}

func (h *harness) fprovider(id string) frameworkv1.FrameworkServiceClient {
	return h.f("bids."+id, auth.ProviderOrg(id), auth.ProviderAdmin)
}

func must[T any](v T, err error) servicetest.Result[T] { return servicetest.Must(v, err) }

// pos is the store's last position: reads pass it as min_position.
func (h *harness) pos() uint64 { return h.LastPosition() }

// today is the clock's date.
func (h *harness) today() string { return h.Clock.Now().Format(time.DateOnly) }

// eventually retries cond until it holds or five seconds pass: for what
// reactions write after the command that caused them has returned.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Fixtures: the north-west DPS with A and B admitted to residential, and X
// registered elsewhere.

func dpsTerms() *purchasingv1.DpsTerms {
	return &purchasingv1.DpsTerms{
		Title:       "North West children's placements DPS",
		Description: "Children's homes for Greater Manchester councils.",
		Categories: []*purchasingv1.Category{
			{Id: "residential", Name: "Residential children's homes", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}},
		},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "safeguarding", Question: "Describe how you keep children safe from exploitation."}},
		MemberCouncils:    members,
		MinOfstedGrade:    purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT,
		EndsOn:            "2029-02-23",
	}
}

// market creates and opens the DPS, registers A, B and X with two free
// places at each home, and admits A and B. It returns the DPS id.
func (h *harness) market() string {
	h.t.Helper()
	id := must(h.plead().CreateDps(h.Ctx, &purchasingv1.CreateDpsRequest{RequestId: "dps-north-west-2026", Terms: dpsTerms()})).OK(h.t).GetId()
	must(h.plead().OpenDps(h.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "open-dps-north-west-2026", DpsId: id})).OK(h.t)
	for _, p := range []string{provA, provB, provX} {
		h.register(p)
		if p == provX {
			continue
		}
		must(h.padmin(p).ApplyToDps(h.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "apply-" + p, DpsId: id, ProviderId: p, CategoryIds: []string{"residential"},
			Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Trained staff in every home and a missing-from-care protocol."}}})).OK(h.t)
		must(h.plead().AdmitProvider(h.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "admit-" + p, DpsId: id, ProviderId: p, CategoryId: "residential",
			Reason: "Meets every selection criterion"})).OK(h.t)
	}
	return id
}

func (h *harness) register(id string) {
	h.t.Helper()
	adm := h.padmin(id)
	must(adm.RegisterProvider(h.Ctx, &purchasingv1.RegisterProviderRequest{RequestId: "register-" + id, ProviderId: id, Profile: &purchasingv1.ProviderProfile{
		LegalName: id + " Ltd", HeadOfficeOutcode: "M1",
		Contacts:     []*purchasingv1.Contact{{Name: "Referrals team", Role: "referrals", Email: "referrals@" + id + ".example.org"}},
		Registration: &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: fmt.Sprintf("0%07d", len(id)*1111)},
	}})).OK(h.t)
	for i, kind := range []purchasingv1.AccreditationKind{
		purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE,
		purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY,
	} {
		must(adm.RecordAccreditation(h.Ctx, &purchasingv1.RecordAccreditationRequest{RequestId: "accredit-" + id + "-" + strconv.Itoa(i), ProviderId: id,
			Accreditation: &purchasingv1.Accreditation{Kind: kind, Reference: "REF-" + id, ExpiresOn: "2027-11-30"}})).OK(h.t)
	}
	for _, s := range homes[id] {
		must(adm.AddSetting(h.Ctx, &purchasingv1.AddSettingRequest{RequestId: "add-" + s.urn, ProviderId: id, Setting: &purchasingv1.Setting{
			Urn: s.urn, Name: s.name, Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: 4, Outcode: s.outcode,
			Specialisms: []string{"emotional_behavioural", "missing_from_care"}, OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfstedDate: "2026-03-10",
		}})).OK(h.t)
		h.vacancy(id, s.urn, "vacancy-"+s.urn)
	}
}

func (h *harness) vacancy(provider, urn, reqID string) {
	h.t.Helper()
	must(h.presponder(provider).PublishVacancy(h.Ctx, &purchasingv1.PublishVacancyRequest{RequestId: reqID, ProviderId: provider, Urn: urn,
		FreePlaces: 3, AvailableFrom: h.today()})).OK(h.t)
}

func need() *purchasingv1.Need {
	return &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE,
		NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS, HomeOutcode: "M14", MaxDistanceMiles: 25,
		StartBy: "2027-01-29", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26,
		Needs:            []string{"emotional_behavioural"},
		LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN,
		Pets:             purchasingv1.Pets_PETS_CAN,
		FosterCare:       purchasingv1.Suitability_SUITABILITY_SUITABLE_NOT_PREFERRED,
		ResidentialCare:  purchasingv1.Suitability_SUITABILITY_PREFERRED,
	}
}

// refer creates a referral by council la and returns it.
func (h *harness) refer(dps, la, reqID string) *purchasingv1.CommandResponse {
	h.t.Helper()
	return must(h.pcouncil(la).CreateReferral(h.Ctx, &purchasingv1.CreateReferralRequest{RequestId: reqID, DpsId: dps, Need: need()})).OK(h.t)
}

// matched lists the settings a referral was sent to.
func (h *harness) matched(la, referral string) []string {
	h.t.Helper()
	r := must(h.pcouncil(la).GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: referral, MinPosition: h.pos()})).OK(h.t)
	var out []string
	for _, m := range r.GetMatches() {
		out = append(out, m.GetSettingUrn())
	}
	return out
}

// place refers a child of council la, has the provider offer urn from today
// and awards it; it returns the placement (contract) id.
func (h *harness) place(dps, la, reqID, provider, urn string) string {
	h.t.Helper()
	ref := h.refer(dps, la, reqID).GetId()
	off := must(h.presponder(provider).MakeOffer(h.Ctx, &purchasingv1.MakeOfferRequest{RequestId: "offer-" + reqID, ReferralId: ref, SettingUrn: urn,
		WeeklyPricePence: 520000, AvailableFrom: h.today(), Note: "Room ready"})).OK(h.t)
	must(h.pcouncil(la).AwardPlacement(h.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-" + reqID, ReferralId: ref, OfferId: off.GetOfferId(),
		Reason: "Nearest suitable home within budget"})).OK(h.t)
	r := must(h.pcouncil(la).GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref, MinPosition: h.pos()})).OK(h.t)
	id := r.GetPlacementId()
	if id == "" {
		h.t.Fatalf("referral %s has no placement after the award", ref)
	}
	h.eventually("contract "+id+" in monitoring", func() bool {
		_, err := h.commissioner(la).GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: id})
		return err == nil
	})
	// Purchasing draws the placement's agreement in the background too: wait
	// for it, so that a test counting the store's commits after place counts
	// only its own.
	agreement := eventstore.StreamID{Context: "purchasing", Aggregate: "agreement", ID: "agr-" + strings.TrimPrefix(id, "pl-")}
	h.eventually("agreement of "+id+" drawn", func() bool {
		evs, err := h.Store.ReadStream(h.Ctx, agreement)
		return err == nil && len(evs) > 0
	})
	return id
}

// frameworkWithA drafts, opens, takes A's and B's bids on lot-1, closes
// bidding (the clock moves on 14 days), scores, awards and activates.
func (h *harness) frameworkWithA() string {
	h.t.Helper()
	id := must(h.flead().DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "draft-framework", Terms: &frameworkv1.FrameworkTerms{
		Title: "North West Residential 2026-2029", Category: frameworkv1.Category_CATEGORY_RESIDENTIAL,
		Description: "Children's homes places for the north-west councils.",
		Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Residential: emotional and behavioural needs",
			PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 350000, MaxWeeklyPence: 650000}, QualityThreshold: 60}},
		MemberCouncils: members, TermStart: "2026-04-01", TermEnd: "2029-03-31", QualityWeight: 70, PriceWeight: 30,
	}})).OK(h.t).GetFrameworkId()
	closeAt := h.Clock.Now().Add(14 * 24 * time.Hour)
	must(h.flead().OpenForBids(h.Ctx, &frameworkv1.OpenForBidsRequest{RequestId: "open-framework", FrameworkId: id, BidsCloseAt: timestamppb.New(closeAt)})).OK(h.t)
	for _, p := range []string{provA, provB} {
		must(h.fprovider(p).SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{RequestId: "bid-" + p, FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 480000,
			QualityAnswers: []*frameworkv1.QualityAnswer{{Question: "How do you keep children safe?", Answer: "Trained staff and a missing protocol."}}})).OK(h.t)
	}
	h.Clock.Set(closeAt)
	for _, p := range []string{provA, provB} {
		must(h.flead().ScoreBid(h.Ctx, &frameworkv1.ScoreBidRequest{RequestId: "score-" + p, FrameworkId: id, LotId: "lot-1", ProviderId: p,
			QualityScore: 80, Reason: "Scored against the published quality criteria"})).OK(h.t)
	}
	// The notice went out two weeks before the award was recorded, so the
	// standstill is over and the framework activates at once.
	must(h.flead().AwardFramework(h.Ctx, &frameworkv1.AwardFrameworkRequest{RequestId: "award-framework", FrameworkId: id, Reason: "Both met the threshold",
		Lots:              []*frameworkv1.LotAwardDecision{{LotId: "lot-1", ProviderIds: []string{provA, provB}}},
		NoticePublishedOn: h.Clock.Now().AddDate(0, 0, -14).Format(time.DateOnly)})).OK(h.t)
	must(h.flead().ActivateFramework(h.Ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: "activate-framework", FrameworkId: id, Reason: "Contracts signed"})).OK(h.t)
	return id
}

// lotStatus is a provider's status on lot-1 of a framework.
func (h *harness) lotStatus(fw, provider string) frameworkv1.ProviderLotStatus {
	h.t.Helper()
	f := must(h.flead().GetFramework(h.Ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw, MinPosition: h.pos()})).OK(h.t)
	for _, l := range f.GetLots() {
		for _, p := range l.GetProviders() {
			if p.GetProviderId() == provider {
				return p.GetStatus()
			}
		}
	}
	return frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_UNSPECIFIED
}

// figures is an unremarkable month at a four-place home.
func figures() *monitoringv1.ReturnFigures {
	return &monitoringv1.ReturnFigures{
		RegisteredPlaces: 4, OccupiedPlaces: 3.5, StaffInPost: 12, StaffLeavers: 0, AgencyShiftPercent: 5,
		MissingEpisodes: 1, Restraints: 1, EducationAttendancePercent: 95, Complaints: 1, FeedbackResponses: 3, FeedbackScore: 4.3,
		FeedbackThemes: []string{"feel_safe", "staff_listen"},
	}
}

// file submits a return for a setting and period.
func (h *harness) file(provider, urn, period string) *monitoringv1.CommandResponse {
	h.t.Helper()
	return must(h.responder(provider).SubmitMonitoringReturn(h.Ctx, &monitoringv1.SubmitMonitoringReturnRequest{
		RequestId: "return-" + urn + "-" + period, Urn: urn, Period: period, Figures: figures()})).OK(h.t)
}

// levels is the provider's recorded level and its settings' under the
// consortium, as the lead sees them.
func (h *harness) level(provider string) *monitoringv1.ProviderRisk {
	h.t.Helper()
	r := must(h.lead().ListRiskLevels(h.Ctx, &monitoringv1.ListRiskLevelsRequest{ProviderId: provider, MinPosition: h.pos()})).OK(h.t)
	if len(r.GetProviders()) != 1 {
		h.t.Fatalf("ListRiskLevels(%s) = %d providers, want 1", provider, len(r.GetProviders()))
	}
	return r.GetProviders()[0]
}
