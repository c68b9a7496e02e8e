package server_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/demand/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	purchasing "github.com/carecoop/carecoop/services/purchasing/server"
)

// The harness runs the demand service as production runs it, next to the
// REAL purchasing service on the same event store (servicetest.Env: embedded
// NATS with JetStream, Ed25519 bearer tokens, gRPC over loopback). The
// consortium and its member councils come from a DPS the lead creates
// through purchasing's API; live demand and supply come from referrals,
// offers, awards and vacancies made the same way. Every read passes the
// store's last position as min_position, so nothing sleeps.

// start is the services' clock: Monday 23 November 2026, 09:00.
var start = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

const (
	consortium = "north-west"
	// The year ends the councils' needs returns are counted at.
	lastYear  = "2025-03-31"
	thisYear  = "2026-03-31"
	threshold = 5 // the default
)

// members are the councils of the north-west DPS; 999 is not one.
var members = []string{"352", "353", "354", "355"}

type harness struct {
	*servicetest.Env
	t          *testing.T
	purchasing *purchasing.Running
	demand     *server.Running

	mu      sync.Mutex
	dclient map[string]demandv1.DemandServiceClient         // by identity, for the running demand service
	pclient map[string]purchasingv1.PurchasingServiceClient // by identity
}

// newHarness starts NATS, the store, purchasing and demand.
func newHarness(t *testing.T) *harness {
	t.Helper()
	env := servicetest.New(t, start)
	h := &harness{Env: env, t: t, pclient: map[string]purchasingv1.PurchasingServiceClient{}}
	p, err := purchasing.Start(h.Ctx, purchasing.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatalf("purchasing server.Start: %v", err)
	}
	h.purchasing = p
	t.Cleanup(p.Stop)
	h.startDemand(env.Store)
	t.Cleanup(func() { h.demand.Stop() })
	return h
}

func (h *harness) startDemand(store eventstore.Store) {
	h.t.Helper()
	d, err := server.Start(h.Ctx, server.Config{Addr: "127.0.0.1:0", Store: store, Verifier: h.Verifier, Clock: h.Clock.Now})
	if err != nil {
		h.t.Fatalf("demand server.Start: %v", err)
	}
	h.mu.Lock()
	h.demand, h.dclient = d, map[string]demandv1.DemandServiceClient{}
	h.mu.Unlock()
}

// restartDemand stops the demand service and starts a new one on the same
// NATS server through a new connection and a new store: nothing survives
// but the stream.
func (h *harness) restartDemand() {
	h.t.Helper()
	h.demand.Stop()
	h.startDemand(h.NewStore())
}

// d is a demand client for one person.
func (h *harness) d(subject, org, role string) demandv1.DemandServiceClient {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := subject + "|" + org + "|" + role
	if c, ok := h.dclient[k]; ok {
		return c
	}
	c := demandv1.NewDemandServiceClient(h.Dial(h.demand.Addr.String(), h.Token(subject, org, role)))
	h.dclient[k] = c
	return c
}

// p is a purchasing client for one person.
func (h *harness) p(subject, org, role string) purchasingv1.PurchasingServiceClient {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := subject + "|" + org + "|" + role
	if c, ok := h.pclient[k]; ok {
		return c
	}
	c := purchasingv1.NewPurchasingServiceClient(h.Dial(h.purchasing.Addr.String(), h.Token(subject, org, role)))
	h.pclient[k] = c
	return c
}

// The cast on the demand side.

func (h *harness) analyst(la string) demandv1.DemandServiceClient {
	return h.d("analyst."+la, auth.CouncilOrg(la), auth.CouncilAnalyst)
}

func (h *harness) commissioner(la string) demandv1.DemandServiceClient {
	return h.d("commissioner."+la, auth.CouncilOrg(la), auth.CouncilCommissioner)
}

func (h *harness) viewer(la string) demandv1.DemandServiceClient {
	return h.d("viewer."+la, auth.CouncilOrg(la), auth.CouncilViewer)
}

func (h *harness) dlead() demandv1.DemandServiceClient {
	return h.d("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
}

func (h *harness) otherLead() demandv1.DemandServiceClient {
	return h.d("ben.hartley", auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead)
}

func (h *harness) providerAdmin(id string) demandv1.DemandServiceClient {
	return h.d("admin."+id, auth.ProviderOrg(id), auth.ProviderAdmin)
}

func (h *harness) auditor() demandv1.DemandServiceClient {
	return h.d("ines.auditor", auth.OrgPlatform, auth.Auditor)
}

// The cast on the purchasing side.

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

// must captures a call's two results: must(c.Call(ctx, req)).OK(t).
func must[T any](v T, err error) servicetest.Result[T] { return servicetest.Must(v, err) }

// pos is the store's last position: every read passes it as min_position.
func (h *harness) pos() uint64 { return h.LastPosition() }

// Purchasing fixtures: a DPS of the north-west councils and a small market.

// Providers and their homes (Ofsted URN, outcode).
const (
	provA = "northern-lights-care" // homes in M20 and M21
	provB = "pennine-pathways"     // homes in M12 and SK1
	provE = "oldham-oaks"          // a home in OL1
	provC = "irwell-house"         // a home in M15; applies, never admitted
)

type home struct{ urn, name, outcode string }

var homes = map[string][]home{
	provA: {{"SC100001", "Fallowfield House", "M20"}, {"SC100002", "Chorlton Lodge", "M21"}},
	provB: {{"SC200001", "Ardwick House", "M12"}, {"SC200002", "Heaton Norris House", "SK1"}},
	provE: {{"SC500001", "Oaks View", "OL1"}},
	provC: {{"SC300001", "Irwell House", "M15"}},
}

const registeredPlaces = 4

var specialisms = []string{"emotional_behavioural", "missing_from_care", "therapeutic", "education_on_site"}

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
		MemberCouncils: members,
		MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD,
		EndsOn:         "2029-02-23",
	}
}

// dps creates and opens the north-west DPS: the demand service learns the
// consortium and its member councils from it. It returns the DPS id.
func (h *harness) dps() string {
	h.t.Helper()
	id := must(h.plead().CreateDps(h.Ctx, &purchasingv1.CreateDpsRequest{RequestId: "dps-north-west-2026", Terms: dpsTerms()})).OK(h.t).GetId()
	must(h.plead().OpenDps(h.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "open-dps-north-west-2026", DpsId: id})).OK(h.t)
	return id
}

// market creates the DPS and its market: A, B and E registered with two free
// places at each home and admitted to residential; C registered with free
// places but only applying. It returns the DPS id.
func (h *harness) market() string {
	h.t.Helper()
	id := h.dps()
	for _, p := range []string{provA, provB, provE, provC} {
		h.register(p)
		must(h.padmin(p).ApplyToDps(h.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "apply-" + p, DpsId: id, ProviderId: p, CategoryIds: []string{"residential"},
			Answers: []*purchasingv1.CriterionAnswer{
				{CriterionId: "safeguarding", Answer: "Trained staff in every home, a missing-from-care protocol agreed with the police."},
				{CriterionId: "insurance", Answer: "Public liability £10m and employers' liability £10m, certificates attached."},
			}})).OK(h.t)
		if p != provC {
			must(h.plead().AdmitProvider(h.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "admit-" + p, DpsId: id, ProviderId: p, CategoryId: "residential",
				Reason: "Meets every selection criterion; Ofsted Good or better; insurance current"})).OK(h.t)
		}
	}
	return id
}

func (h *harness) register(id string) {
	h.t.Helper()
	adm := h.padmin(id)
	must(adm.RegisterProvider(h.Ctx, &purchasingv1.RegisterProviderRequest{RequestId: "register-" + id, ProviderId: id, Profile: &purchasingv1.ProviderProfile{
		LegalName: id + " Ltd", HeadOfficeOutcode: "M1",
		Contacts:     []*purchasingv1.Contact{{Name: "Referrals team", Role: "referrals", Email: "referrals@" + id + ".example.org", Phone: "0161 496 0000"}},
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
			Urn: s.urn, Name: s.name, Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: registeredPlaces, Outcode: s.outcode,
			Specialisms: specialisms, OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfstedDate: "2026-03-10",
		}})).OK(h.t)
		must(h.presponder(id).PublishVacancy(h.Ctx, &purchasingv1.PublishVacancyRequest{RequestId: "vacancy-" + s.urn, ProviderId: id, Urn: s.urn,
			FreePlaces: 2, AvailableFrom: h.Clock.Now().Format("2006-01-02")})).OK(h.t)
	}
}

// need is a 14-year-old from home (an outcode) needing a children's home
// within 25 miles, up to £6,000 a week.
func need(home string) *purchasingv1.Need {
	return &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE,
		NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS, HomeOutcode: home, MaxDistanceMiles: 25,
		StartBy: "2026-12-07", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26,
		Needs:            []string{"emotional_behavioural", "missing_from_care"},
		LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN,
		Pets:             purchasingv1.Pets_PETS_CAN,
		FosterCare:       purchasingv1.Suitability_SUITABILITY_SUITABLE_NOT_PREFERRED,
		ResidentialCare:  purchasingv1.Suitability_SUITABILITY_PREFERRED,
		Risks:            &purchasingv1.Risks{Missing: true},
	}
}

// refer creates a referral by council la's commissioner for a child from
// home and returns its id.
func (h *harness) refer(dpsID, la, reqID, home string) string {
	h.t.Helper()
	return must(h.pcouncil(la).CreateReferral(h.Ctx, &purchasingv1.CreateReferralRequest{RequestId: reqID, DpsId: dpsID, Need: need(home)})).OK(h.t).GetId()
}

// place refers a child of council la from M14, has provider offer its home
// urn at pence a week and awards that offer.
func (h *harness) place(dpsID, la, reqID, provider, urn string, pence int64) {
	h.t.Helper()
	ref := h.refer(dpsID, la, reqID, "M14")
	off := must(h.presponder(provider).MakeOffer(h.Ctx, &purchasingv1.MakeOfferRequest{RequestId: "offer-" + reqID, ReferralId: ref, SettingUrn: urn,
		WeeklyPricePence: pence, AvailableFrom: "2026-11-30", Note: "Room ready"})).OK(h.t)
	must(h.pcouncil(la).AwardPlacement(h.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-" + reqID, ReferralId: ref, OfferId: off.GetOfferId(),
		Reason: "Nearest suitable home within budget"})).OK(h.t)
}

func (h *harness) withdraw(la, ref string) {
	h.t.Helper()
	must(h.pcouncil(la).WithdrawReferral(h.Ctx, &purchasingv1.WithdrawReferralRequest{RequestId: "withdraw-" + ref, ReferralId: ref,
		Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_NEED_CHANGED, Note: "Returning home with support"})).OK(h.t)
}

// Needs returns.

// Dimensions of a needs return, in the order of the API.
var dimensions = []string{"placement_group", "age_band", "need", "legal_status", "area", "distance_band"}

// genCells invents a council's counts of children, from a fixed seed, in
// roughly the national mix; no child is in secure (tests add their own).
func genCells(seed uint64, children int) []*demandv1.NeedsCell {
	rng := rand.New(rand.NewPCG(seed, 903))
	pick := func(weights []float64) int {
		x := rng.Float64()
		for i, w := range weights {
			if x < w {
				return i
			}
			x -= w
		}
		return len(weights) - 1
	}
	groups := []string{"fostering", "residential", "supported-16-plus", "with-parents", "adoption", "send-school", "temporary", "other"}
	groupShare := []float64{0.66, 0.13, 0.07, 0.05, 0.03, 0.02, 0.01, 0.03}
	ages := []string{"under 1", "1-4", "5-9", "10-15", "16+"}
	ageShare := []float64{0.05, 0.14, 0.18, 0.39, 0.24}
	legal := []string{"C2", "C1", "V2", "E1"}
	legalShare := []float64{0.75, 0.10, 0.12, 0.03}
	needShare := []float64{0.65, 0.03, 0.02, 0.03, 0.11, 0.01, 0.01, 0.14}
	distance := []string{"0-5", "5-10", "10-20", "20-50", "50+", "unknown"}
	distanceShare := []float64{0.35, 0.2, 0.17, 0.13, 0.1, 0.05}
	byKey := map[string]*demandv1.NeedsCell{}
	var out []*demandv1.NeedsCell
	for range children {
		g := groups[pick(groupShare)]
		age := ages[pick(ageShare)]
		if g == "supported-16-plus" {
			age = "16+"
		}
		dist := distance[pick(distanceShare)]
		area := "inside"
		switch dist {
		case "20-50", "50+":
			area = "outside"
		case "unknown":
			area = "unknown"
		}
		c := &demandv1.NeedsCell{PlacementGroup: g, AgeBand: age, Need: "N" + strconv.Itoa(1+pick(needShare)), LegalStatus: legal[pick(legalShare)], Area: area, DistanceBand: dist}
		k := key(c, dimensions)
		if byKey[k] == nil {
			byKey[k] = c
			out = append(out, c)
		}
		byKey[k].Count++
	}
	return out
}

// secure is n children in secure children's homes.
func secure(n uint32) *demandv1.NeedsCell {
	return &demandv1.NeedsCell{PlacementGroup: "secure", AgeBand: "10-15", Need: "N1", LegalStatus: "C2", Area: "outside", DistanceBand: "50+", Count: n}
}

// transitions are plausible flows over the year to asAt for the stock in cells.
func transitions(cells []*demandv1.NeedsCell, asAt string) *demandv1.Transitions {
	stock := map[string]uint32{}
	for _, c := range cells {
		stock[c.GetPlacementGroup()] += c.GetCount()
	}
	end, _ := time.Parse("2006-01-02", asAt)
	t := &demandv1.Transitions{From: end.AddDate(-1, 0, 0).Format("2006-01-02"), To: asAt, Entries: map[string]uint32{}, Exits: map[string]uint32{}, Stayed: map[string]uint32{}}
	for g, n := range stock {
		exits, moves := n*30/100, uint32(0)
		if g != "fostering" {
			moves = n * 8 / 100
		}
		t.Entries[g], t.Exits[g], t.Stayed[g] = n*31/100, exits, n-exits-moves
		if moves > 0 {
			t.Moves = append(t.Moves, &demandv1.Move{From: g, To: "fostering", Count: moves})
		}
	}
	slices.SortFunc(t.Moves, func(a, b *demandv1.Move) int { return strings.Compare(a.GetFrom(), b.GetFrom()) })
	return t
}

// submission is one council's return as the tests send it.
type submission struct {
	la, asAt string
	cells    []*demandv1.NeedsCell
}

// pooled is the standard set of returns: 352 (its analyst) and 353 (its
// commissioner) for both year ends, with transitions; 352 has 2 children in
// secure as at thisYear, nobody else has any. 354 and 355 submit nothing.
func pooled() []submission {
	return []submission{
		{"352", lastYear, genCells(3521, 280)},
		{"353", lastYear, genCells(3531, 190)},
		{"352", thisYear, append(genCells(3522, 300), secure(2))},
		{"353", thisYear, genCells(3532, 200)},
	}
}

// submit sends the returns with transitions, 352's through its analyst and
// everyone else's through their commissioner.
func (h *harness) submit(subs []submission) {
	h.t.Helper()
	for _, s := range subs {
		c := h.commissioner(s.la)
		if s.la == "352" {
			c = h.analyst(s.la)
		}
		must(c.SubmitNeedsReturn(h.Ctx, &demandv1.SubmitNeedsReturnRequest{RequestId: "return-" + s.la + "-" + s.asAt, AsAt: s.asAt, Cells: s.cells,
			Transitions: transitions(s.cells, s.asAt), Source: "test"})).OK(h.t)
	}
}

// key joins a cell's values on dims.
func key(c *demandv1.NeedsCell, dims []string) string {
	vals := make([]string, len(dims))
	for i, d := range dims {
		vals[i] = value(c, d)
	}
	return strings.Join(vals, "|")
}

func value(c *demandv1.NeedsCell, dim string) string {
	switch dim {
	case "placement_group":
		return c.GetPlacementGroup()
	case "age_band":
		return c.GetAgeBand()
	case "need":
		return c.GetNeed()
	case "legal_status":
		return c.GetLegalStatus()
	case "area":
		return c.GetArea()
	case "distance_band":
		return c.GetDistanceBand()
	}
	panic("no dimension " + dim)
}

// truth sums the returns of the councils in las as at asAt by dims: what
// the consortium table would show without disclosure control, and its total
// under "".
func truth(subs []submission, asAt string, dims []string, las ...string) map[string]int {
	out := map[string]int{}
	for _, s := range subs {
		if s.asAt != asAt || (len(las) > 0 && !slices.Contains(las, s.la)) {
			continue
		}
		for _, c := range s.cells {
			out[key(c, dims)] += int(c.GetCount())
			out[""] += int(c.GetCount())
			if len(dims) == 2 {
				out[value(c, dims[0])+"|"] += int(c.GetCount())
			}
		}
	}
	return out
}

// every yields each published or suppressed figure of a table: cells,
// margins and the total, with its key in truth ("v1|v2", "v1|" for a row
// margin of a 2-D table, "" for the total).
func every(t *demandv1.Table, yield func(k string, c *demandv1.TableCell)) {
	for _, c := range t.GetCells() {
		yield(strings.Join(c.GetValues(), "|"), c)
	}
	for _, c := range t.GetMargins() {
		yield(c.GetValues()[0]+"|", c)
	}
	yield("", t.GetTotal())
}

// pairs are every two-way grouping of the return's dimensions.
func pairs() [][]string {
	var out [][]string
	for i := range dimensions {
		for j := i + 1; j < len(dimensions); j++ {
			out = append(out, []string{dimensions[i], dimensions[j]})
		}
	}
	return out
}
