package server_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/server"
)

// The harness runs the purchasing service as it runs in production, minus
// the wall clock (servicetest.Env: embedded NATS with JetStream, the
// JetStream event store, Ed25519 bearer tokens, gRPC over loopback). Decision
// deadlines, accreditation expiry and time-to-offer are driven by a clock the
// test moves. Reads pass the position of the write they follow as
// min_position, so nothing sleeps.

// start is the service clock's first reading: Monday 23 November 2026, 09:00.
var start = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

type harness struct {
	*servicetest.Env
	t     *testing.T
	store eventstore.Store
	svc   *server.Running

	mu      sync.Mutex
	callers map[string]*caller // by subject, organisation and role, for the running service
}

// newHarness starts NATS, the store and the service.
func newHarness(t *testing.T) *harness {
	t.Helper()
	env := servicetest.New(t, start)
	h := &harness{Env: env, t: t, store: env.Store}
	h.startService()
	t.Cleanup(func() { h.svc.Stop() })
	return h
}

func (h *harness) startService() {
	h.t.Helper()
	svc, err := server.Start(h.Ctx, server.Config{
		Addr:     "127.0.0.1:0",
		Store:    h.store,
		Verifier: h.Verifier,
		Clock:    h.Clock.Now,
	})
	if err != nil {
		h.t.Fatalf("server.Start: %v", err)
	}
	h.mu.Lock()
	h.svc, h.callers = svc, map[string]*caller{}
	h.mu.Unlock()
}

// restart stops the service and starts a new one on the same NATS server,
// through a new connection and a new store: nothing survives but the stream.
func (h *harness) restart() {
	h.t.Helper()
	h.svc.Stop()
	h.store = h.NewStore()
	h.startService()
}

// caller is one person with a signed token and their own gRPC connection.
type caller struct {
	Subject, Org, Role string
	purchasingv1.PurchasingServiceClient
}

// as returns the caller with this identity, connected to the running service.
func (h *harness) as(subject, org, role string) *caller {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := subject + "|" + org + "|" + role
	if c, ok := h.callers[k]; ok {
		return c
	}
	conn := h.Dial(h.svc.Addr.String(), h.Token(subject, org, role))
	c := &caller{Subject: subject, Org: org, Role: role, PurchasingServiceClient: purchasingv1.NewPurchasingServiceClient(conn)}
	h.callers[k] = c
	return c
}

// The cast.
const (
	consortium = "north-west"

	// Admitted to residential; Fallowfield House (M20) is near, Crosby
	// Lodge (L1) is about 31 miles from M14.
	provA = "northern-lights-care"
	// Admitted to residential; homes at SK1 (about 4 miles) and BB1 (about
	// 23 miles, Outstanding).
	provB = "pennine-pathways"
	// Applied to residential, not yet admitted.
	provC = "irwell-house"
	// Admitted to residential, then suspended.
	provD = "moss-side-homes"
	// Admitted to residential; a home at OL1 (about 9 miles).
	provE = "oldham-oaks"
)

// The settings, by Ofsted URN.
const (
	fallowfield = "SC100001" // provA, M20
	crosby      = "SC100002" // provA, L1: too far
	heatonNorth = "SC200001" // provB, SK1
	ribbleView  = "SC200002" // provB, BB1
	irwell      = "SC300001" // provC, M21
	alexandra   = "SC400001" // provD, M1
	oaksView    = "SC500001" // provE, OL1
)

func (h *harness) lead() *caller {
	return h.as("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
}

// otherLead runs another consortium's DPS.
func (h *harness) otherLead() *caller {
	return h.as("ben.hartley", auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead)
}

// council is a commissioner of a council: 352 (Manchester), 353 and 354 are
// members of the DPS, 999 is not.
func (h *harness) council(laCode string) *caller {
	return h.as("commissioner."+laCode, auth.CouncilOrg(laCode), auth.CouncilCommissioner)
}

func (h *harness) admin(provider string) *caller {
	return h.as("admin."+provider, auth.ProviderOrg(provider), auth.ProviderAdmin)
}

func (h *harness) responder(provider string) *caller {
	return h.as("referrals."+provider, auth.ProviderOrg(provider), auth.ProviderResponder)
}

func (h *harness) auditor() *caller {
	return h.as("ines.auditor", auth.OrgPlatform, auth.Auditor)
}

// Fixtures.

type providerFixture struct {
	id, legal, trading string
	companies, charity string
	settings           []*purchasingv1.Setting
}

var specialisms = []string{"emotional_behavioural", "missing_from_care", "therapeutic", "education_on_site"}

func home(urn, name, outcode string, grade purchasingv1.OfstedGrade) *purchasingv1.Setting {
	return &purchasingv1.Setting{
		Urn: urn, Name: name, Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: 4, Outcode: outcode,
		Specialisms: specialisms, OfstedGrade: grade, OfstedDate: "2026-03-10",
	}
}

const (
	good        = purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD
	outstanding = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING
)

var providers = map[string]providerFixture{
	provA: {id: provA, legal: "Northern Lights Care Ltd", trading: "Northern Lights", companies: "09876543", settings: []*purchasingv1.Setting{
		home(fallowfield, "Fallowfield House", "M20", good), home(crosby, "Crosby Lodge", "L1", good)}},
	provB: {id: provB, legal: "Pennine Pathways Ltd", companies: "08765432", settings: []*purchasingv1.Setting{
		home(heatonNorth, "Heaton Norris House", "SK1", good), home(ribbleView, "Ribble View", "BB1", outstanding)}},
	provC: {id: provC, legal: "Irwell House Trust", charity: "1123456", settings: []*purchasingv1.Setting{
		home(irwell, "Irwell House", "M21", good)}},
	provD: {id: provD, legal: "Moss Side Homes Ltd", companies: "07654321", settings: []*purchasingv1.Setting{
		home(alexandra, "Alexandra Park House", "M1", good)}},
	provE: {id: provE, legal: "Oldham Oaks Care Ltd", companies: "06543210", settings: []*purchasingv1.Setting{
		home(oaksView, "Oaks View", "OL1", good)}},
}

func (f providerFixture) profile() *purchasingv1.ProviderProfile {
	p := &purchasingv1.ProviderProfile{
		LegalName: f.legal, TradingName: f.trading, HeadOfficeOutcode: "M1",
		Contacts: []*purchasingv1.Contact{{Name: "Referrals team", Role: "referrals", Email: "referrals@" + f.id + ".example.org", Phone: "0161 496 0000"}},
	}
	if f.charity != "" {
		p.Registration = &purchasingv1.ProviderProfile_CharityNumber{CharityNumber: f.charity}
	} else {
		p.Registration = &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: f.companies}
	}
	return p
}

// currentUntil is when the standard accreditations expire: after every
// date the tests move the clock to.
const currentUntil = "2027-11-30"

func accreditation(kind purchasingv1.AccreditationKind, ref, expires string) *purchasingv1.Accreditation {
	return &purchasingv1.Accreditation{Kind: kind, Reference: ref, ExpiresOn: expires}
}

// register registers a provider, records current insurance and safeguarding
// accreditations, adds its settings and publishes two free places at each
// from today. It returns the last command's answer.
func (h *harness) register(id string) *purchasingv1.CommandResponse {
	h.t.Helper()
	f := providers[id]
	adm := h.admin(id)
	must(adm.RegisterProvider(h.Ctx, &purchasingv1.RegisterProviderRequest{RequestId: "register-" + id, ProviderId: id, Profile: f.profile()})).OK(h.t)
	for _, a := range []*purchasingv1.Accreditation{
		accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, "PL-"+f.id, currentUntil),
		accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY, "SG-2026", currentUntil),
	} {
		must(adm.RecordAccreditation(h.Ctx, &purchasingv1.RecordAccreditationRequest{
			RequestId: "accredit-" + id + "-" + strconv.Itoa(int(a.GetKind())), ProviderId: id, Accreditation: a})).OK(h.t)
	}
	var res *purchasingv1.CommandResponse
	for _, s := range f.settings {
		must(adm.AddSetting(h.Ctx, &purchasingv1.AddSettingRequest{RequestId: "add-" + s.GetUrn(), ProviderId: id, Setting: s})).OK(h.t)
		res = h.publish(id, s.GetUrn(), 2)
	}
	return res
}

// publish states free places at a setting from today.
func (h *harness) publish(provider, urn string, free uint32) *purchasingv1.CommandResponse {
	h.t.Helper()
	return must(h.responder(provider).PublishVacancy(h.Ctx, &purchasingv1.PublishVacancyRequest{
		RequestId: "vacancy-" + urn + "-" + h.Clock.Now().Format("20060102T150405"), ProviderId: provider, Urn: urn,
		FreePlaces: free, AvailableFrom: h.today(),
	})).OK(h.t)
}

func (h *harness) today() string { return h.Clock.Now().Format("2006-01-02") }

func dpsTerms() *purchasingv1.DpsTerms {
	return &purchasingv1.DpsTerms{
		Title:       "North West children's placements DPS",
		Description: "Children's homes, fostering and 16+ supported accommodation for Greater Manchester councils.",
		Categories: []*purchasingv1.Category{
			{Id: "residential", Name: "Residential children's homes", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}},
			{Id: "fostering-standard", Name: "Standard fostering (IFA)", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY}},
			{Id: "supported-16-plus", Name: "Supported accommodation 16+", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION}},
		},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{
			{Id: "safeguarding", Question: "Describe how you keep children safe from exploitation and what happens when a child goes missing."},
			{Id: "insurance", Question: "Confirm public liability insurance of at least £10m and employers' liability of at least £5m."},
		},
		MemberCouncils: []string{"352", "353", "354"},
		MinOfstedGrade: good,
		EndsOn:         "2029-02-23",
	}
}

var criterionAnswers = []*purchasingv1.CriterionAnswer{
	{CriterionId: "safeguarding", Answer: "Trained staff in every home, a missing-from-care protocol agreed with Greater Manchester Police."},
	{CriterionId: "insurance", Answer: "Public liability £10m and employers' liability £10m, certificates attached."},
}

// createDps creates and opens the standard DPS and returns its id.
func (h *harness) createDps(reqID string) string {
	h.t.Helper()
	id := must(h.lead().CreateDps(h.Ctx, &purchasingv1.CreateDpsRequest{RequestId: reqID, Terms: dpsTerms()})).OK(h.t).GetId()
	must(h.lead().OpenDps(h.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "open-" + reqID, DpsId: id})).OK(h.t)
	return id
}

// apply is a provider's application to categories of the DPS.
func (h *harness) apply(dpsID, provider string, categories ...string) *purchasingv1.CommandResponse {
	h.t.Helper()
	return must(h.admin(provider).ApplyToDps(h.Ctx, &purchasingv1.ApplyToDpsRequest{
		RequestId: "apply-" + provider + "-" + h.Clock.Now().Format("20060102T150405"), DpsId: dpsID, ProviderId: provider,
		CategoryIds: categories, Answers: criterionAnswers,
	})).OK(h.t)
}

func (h *harness) admit(dpsID, provider, category string) *purchasingv1.CommandResponse {
	h.t.Helper()
	return must(h.lead().AdmitProvider(h.Ctx, admission(dpsID, provider, category))).OK(h.t)
}

func admission(dpsID, provider, category string) *purchasingv1.DecideApplicationRequest {
	return &purchasingv1.DecideApplicationRequest{
		RequestId: "admit-" + provider + "-" + category, DpsId: dpsID, ProviderId: provider, CategoryId: category,
		Reason: "Meets every selection criterion; Ofsted Good or better; insurance current",
	}
}

// market builds the standard market on a new DPS: A, B and E admitted to
// residential, C applying, D admitted then suspended. It returns the DPS id
// once the read model has caught up with all of it.
func (h *harness) market() string {
	h.t.Helper()
	dpsID := h.createDps("dps-north-west-2026")
	for _, p := range []string{provA, provB, provC, provD, provE} {
		h.register(p)
		h.apply(dpsID, p, "residential")
		if p != provC {
			h.admit(dpsID, p, "residential")
		}
	}
	must(h.lead().SuspendProvider(h.Ctx, &purchasingv1.ProviderMembershipRequest{
		RequestId: "suspend-" + provD, DpsId: dpsID, ProviderId: provD, CategoryId: "residential",
		Reason: "Inadequate Ofsted judgement at Alexandra Park House; suspended pending re-inspection",
	})).OK(h.t)
	h.settle()
	return dpsID
}

// settle waits until the read model has applied every write so far. Matching
// runs against the read model, so a referral made right after a change of
// supply settles first, as a portal showing that change would have.
func (h *harness) settle() {
	h.t.Helper()
	must(h.lead().ListDps(h.Ctx, &purchasingv1.ListDpsRequest{MinPosition: h.LastPosition()})).OK(h.t)
}

// standardNeed: a 14-year-old girl from M14 (south Manchester) who goes
// missing, residential care preferred, within 25 miles, £5,000 a week.
func standardNeed() *purchasingv1.Need {
	return &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE,
		NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS, HomeOutcode: "M14", MaxDistanceMiles: 25,
		StartBy: "2026-12-07", WeeklyBudgetPence: 500000, ExpectedDurationWeeks: 26,
		Needs:             []string{"emotional_behavioural", "missing_from_care"},
		LivingCompanions:  purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN,
		Pets:              purchasingv1.Pets_PETS_CAN,
		FosterCare:        purchasingv1.Suitability_SUITABILITY_SUITABLE_NOT_PREFERRED,
		ResidentialCare:   purchasingv1.Suitability_SUITABILITY_PREFERRED,
		Risks:             &purchasingv1.Risks{Missing: true},
		PreferredLocation: "near current school in south Manchester",
	}
}

// refer creates a referral as council 352's commissioner.
func (h *harness) refer(dpsID, reqID string, need *purchasingv1.Need) *purchasingv1.CommandResponse {
	h.t.Helper()
	return must(h.council("352").CreateReferral(h.Ctx, &purchasingv1.CreateReferralRequest{RequestId: reqID, DpsId: dpsID, Need: need})).OK(h.t)
}

func (h *harness) offer(provider, referralID, urn string, pence int64, from string) *purchasingv1.CommandResponse {
	h.t.Helper()
	return must(h.responder(provider).MakeOffer(h.Ctx, offerRequest(referralID, urn, pence, from))).OK(h.t)
}

func offerRequest(referralID, urn string, pence int64, from string) *purchasingv1.MakeOfferRequest {
	return &purchasingv1.MakeOfferRequest{
		RequestId: "offer-" + referralID + "-" + urn + "-" + strconv.FormatInt(pence, 10), ReferralId: referralID, SettingUrn: urn,
		WeeklyPricePence: pence, AvailableFrom: from, Note: "Room ready; school transport arranged with the virtual school",
	}
}

// must captures a call's two results: must(c.Call(ctx, req)).OK(t).
func must[T any](v T, err error) servicetest.Result[T] { return servicetest.Must(v, err) }
