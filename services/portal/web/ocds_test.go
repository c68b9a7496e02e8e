package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/portal/ocds"
)

// What the setup writes that the feed must never publish: a losing bid's
// price, scores and their reasons, bid answers, the reasons of decisions,
// a rejected applicant, a losing offer's price, and everything about the
// child of the referral. Each is distinctive enough to search for.
var ocdsSecrets = []string{
	"4333.17", "433317", "5333.33", "533333", // a losing bid's and a losing offer's prices
	"Zebra", "zebra", // every free text below carries it
	"M14", "SC200001", "SC100001", "emotional_behavioural", "2027-01-10", "2027-01-06", // the child's area, the settings, needs, dates
	"irwell-house-dps", // the rejected DPS applicant
}

// ocdsSetup takes a framework from tender to an active, uplifted and
// extended agreement, opens a DPS with an admitted and a rejected provider,
// and places a child through it — all through the services' gRPC APIs, as
// the people who would. It returns the framework's and the DPS's ids.
func (s *stack) ocdsSetup() (string, string) {
	s.t.Helper()
	t := s.t
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider(northernLights, "Northern Lights Care Ltd", "09876543", "2027-11-30",
		childrensHome("SC100001", "Fallowfield House", "M20", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider("irwell-house", "Irwell House Ltd", "07654321", "2027-11-30")
	s.registerProvider("irwell-house-dps", "Irwell Two Ltd", "07654322", "2027-11-30")

	// The framework: three bids, Northern Lights' below the threshold.
	lead := s.fwLead()
	fw := servicetest.Must(lead.DraftFramework(s.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "ocds-draft", Terms: &frameworkv1.FrameworkTerms{
		Title: "Open Data Residential Framework", Category: frameworkv1.Category_CATEGORY_RESIDENTIAL, Description: "Children's homes places.",
		Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Emotional and behavioural needs",
			PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 350000, MaxWeeklyPence: 650000}, QualityThreshold: 60}},
		MemberCouncils: []string{"352", "355"}, TermStart: "2027-04-01", TermEnd: "2030-03-31", ExtensionOptionsMonths: []uint32{12},
		QualityWeight: 70, PriceWeight: 30,
	}})).OK(t).GetFrameworkId()
	servicetest.Must(lead.OpenForBids(s.Ctx, &frameworkv1.OpenForBidsRequest{RequestId: "ocds-open", FrameworkId: fw,
		BidsCloseAt: timestamppb.New(s.Clock.Now().Add(time.Hour))})).OK(t)
	s.fwBid(fw, "lot-1", pennine, 420000, "Zebra therapeutic model in every home.")
	s.fwBid(fw, "lot-1", "irwell-house", 480000, "Zebra small homes, staff who stay.")
	s.fwBid(fw, "lot-1", northernLights, 433317, "Zebra key workers on every shift.")
	s.Clock.Advance(2 * time.Hour)
	for provider, score := range map[string]uint32{"irwell-house": 90, pennine: 80, northernLights: 37} {
		servicetest.Must(lead.ScoreBid(s.Ctx, &frameworkv1.ScoreBidRequest{RequestId: "ocds-score-" + provider, FrameworkId: fw, LotId: "lot-1",
			ProviderId: provider, QualityScore: score, Reason: "Zebra panel's view of " + provider})).OK(t)
	}
	servicetest.Must(lead.AwardFramework(s.Ctx, &frameworkv1.AwardFrameworkRequest{RequestId: "ocds-award", FrameworkId: fw,
		Lots:   []*frameworkv1.LotAwardDecision{{LotId: "lot-1", ProviderIds: []string{"irwell-house", pennine}}},
		Reason: "Zebra: the bids at or above the threshold"})).OK(t)
	s.Clock.Advance(30 * 24 * time.Hour) // past any standstill
	servicetest.Must(lead.ActivateFramework(s.Ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: "ocds-activate", FrameworkId: fw,
		Reason: "Zebra contracts signed"})).OK(t)
	up := servicetest.Must(s.framework(auth.ProviderOrg(pennine), auth.ProviderAdmin).RequestPriceUplift(s.Ctx, &frameworkv1.RequestPriceUpliftRequest{
		RequestId: "ocds-uplift", FrameworkId: fw, LotId: "lot-1", RequestedWeeklyPence: 441111, EffectiveFrom: "2027-06-01",
		Justification: "Zebra staff pay award"})).OK(t).GetUpliftId()
	servicetest.Must(lead.ApprovePriceUplift(s.Ctx, &frameworkv1.DecidePriceUpliftRequest{RequestId: "ocds-uplift-ok", FrameworkId: fw, UpliftId: up,
		Reason: "Zebra in line with the index"})).OK(t)
	fwPos := servicetest.Must(lead.ExtendFramework(s.Ctx, &frameworkv1.ExtendFrameworkRequest{RequestId: "ocds-extend", FrameworkId: fw,
		Reason: "Zebra good value"})).OK(t).GetPosition()

	// The DPS: Pennine and Northern Lights admitted, Irwell Two rejected.
	plead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	dps := s.createDps("ocds-dps-create", "Open Data Placements DPS", "352", "353")
	servicetest.Must(plead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "ocds-dps-open", DpsId: dps})).OK(t)
	for _, p := range []string{pennine, northernLights, "irwell-house-dps"} {
		servicetest.Must(s.purchasing(auth.ProviderOrg(p), auth.ProviderAdmin).ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "ocds-apply-" + p,
			DpsId: dps, ProviderId: p, CategoryIds: []string{"residential"},
			Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Zebra safeguarding lead in every home."}}})).OK(t)
	}
	for _, p := range []string{pennine, northernLights} {
		servicetest.Must(plead.AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "ocds-admit-" + p, DpsId: dps, ProviderId: p,
			CategoryId: "residential", Reason: "Zebra meets the criterion"})).OK(t)
	}
	servicetest.Must(plead.RejectApplication(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "ocds-reject", DpsId: dps, ProviderId: "irwell-house-dps",
		CategoryId: "residential", Reason: "Zebra no registered setting"})).OK(t)
	for p, urn := range map[string]string{pennine: "SC200001", northernLights: "SC100001"} {
		servicetest.Must(s.purchasing(auth.ProviderOrg(p), auth.ProviderResponder).PublishVacancy(s.Ctx, &purchasingv1.PublishVacancyRequest{
			RequestId: "ocds-vacancy-" + urn, ProviderId: p, Urn: urn, FreePlaces: 2, AvailableFrom: s.Clock.Now().Format(time.DateOnly)})).OK(t)
	}

	// A referral, two offers, one award.
	chloe := s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner)
	created := servicetest.Must(chloe.CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{RequestId: "ocds-referral", DpsId: dps, Need: &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 13, Sex: purchasingv1.Sex_SEX_FEMALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_LESS_THAN_5_DAYS,
		HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2027-01-10", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26,
		Needs: []string{"emotional_behavioural"}, LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN,
		Pets: purchasingv1.Pets_PETS_CAN, PreferredLocation: "near the Zebra crossing school",
	}})).OK(t)
	s.settle(created.GetPosition())
	ref := created.GetId()
	offer := servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "ocds-offer-pennine", ReferralId: ref, SettingUrn: "SC200001", WeeklyPricePence: 520000, AvailableFrom: "2027-01-06",
		Note: "Zebra a settled home"})).OK(t).GetOfferId()
	servicetest.Must(s.purchasing(auth.ProviderOrg(northernLights), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "ocds-offer-northern", ReferralId: ref, SettingUrn: "SC100001", WeeklyPricePence: 533333, AvailableFrom: "2027-01-06",
		Note: "Zebra a quiet home"})).OK(t)
	servicetest.Must(chloe.AwardPlacement(s.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "ocds-award-placement", ReferralId: ref, OfferId: offer,
		Reason: "Zebra the nearest home within budget"})).OK(t)

	// A call-off by direct award under the framework's lot: Irwell House,
	// ranked first, has no home; Pennine, second, is sent the referral.
	created = servicetest.Must(chloe.CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{RequestId: "ocds-calloff", DpsId: dps, Need: &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 12, Sex: purchasingv1.Sex_SEX_MALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_LESS_THAN_5_DAYS,
		HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2027-01-10", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26,
		Needs: []string{"emotional_behavioural"}, PreferredLocation: "near the Zebra park",
	}, CallOff: &purchasingv1.CallOff{FrameworkId: fw, LotId: "lot-1", Method: purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD}})).OK(t)
	s.settle(created.GetPosition())
	offer = servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "ocds-offer-calloff", ReferralId: created.GetId(), SettingUrn: "SC200001", WeeklyPricePence: 470000, AvailableFrom: "2027-01-06",
		Note: "Zebra on the lot's terms"})).OK(t).GetOfferId()
	puPos := servicetest.Must(chloe.AwardPlacement(s.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "ocds-award-calloff", ReferralId: created.GetId(),
		OfferId: offer, Reason: "Zebra the first-ranked provider with a home"})).OK(t).GetPosition()
	// The framework records the call-off when it hears of the award: its
	// first commit after the award's position, read from the store.
	ctx, cancel := context.WithTimeout(s.Ctx, 30*time.Second)
	defer cancel()
	found := errors.New("found")
	err := s.Store.Subscribe(ctx, puPos, []string{eventstore.AggregateFilter("framework", "framework")}, func(commit []eventstore.RecordedEvent) error {
		for _, e := range commit {
			if e.StreamID.ID == fw {
				fwPos = e.Position
				return found
			}
		}
		return nil
	})
	if !errors.Is(err, found) {
		t.Fatalf("the framework recorded no call-off: %v", err)
	}

	// The feed reads without min_position: let both read models catch up.
	servicetest.Must(lead.ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: max(fwPos, puPos)})).OK(t)
	s.settle(max(fwPos, puPos))
	return fw, dps
}

// ocdsGet fetches a page of the feed as anyone on the internet would: no
// cookie, no token.
func (s *stack) ocdsGet(path string) (int, []byte) {
	s.t.Helper()
	res, err := http.Get(s.portal.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, b
}

type ocdsPage struct {
	Releases []struct {
		OCID             string   `json:"ocid"`
		ID               string   `json:"id"`
		Tag              []string `json:"tag"`
		RelatedProcesses []struct {
			Identifier string `json:"identifier"`
		} `json:"relatedProcesses"`
		Tender struct {
			Competitive *bool `json:"competitive"`
		} `json:"tender"`
		Awards []struct {
			RelatedLots []string `json:"relatedLots"`
		} `json:"awards"`
	} `json:"releases"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// Issue 18, open data: the whole process — a framework tendered, bid on,
// scored, awarded, activated, uplifted and extended; a DPS with an
// admitted and a rejected provider; a child placed through it — is
// published at /ocds/releases without sign-in, as a release package in
// which the package and every release validate against OCDS 1.1.5 with
// the Lots and Techniques extensions; it tells each process's story in
// order; nothing of a losing bid or offer, of a decision's reasons or of
// the child is in it; and it pages by position.
func TestOcdsFeedValidatesAndKeepsSecrets(t *testing.T) {
	s := startStack(t)
	fw, dps := s.ocdsSetup()
	v, err := ocds.NewValidator()
	if err != nil {
		t.Fatal(err)
	}

	code, body := s.ocdsGet("/ocds/releases?limit=1000")
	if code != http.StatusOK {
		t.Fatalf("GET /ocds/releases = %d\n%s", code, body)
	}
	if err := v.Package(body); err != nil {
		t.Fatalf("the package does not validate: %v", err)
	}
	rels, err := ocds.ReleasesOf(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		if err := v.Release(r); err != nil {
			t.Errorf("a release does not validate: %v\n%s", err, r)
		}
	}
	for _, secret := range ocdsSecrets {
		if strings.Contains(string(body), secret) {
			t.Errorf("the feed publishes %q", secret)
		}
	}
	for _, field := range []string{`"age`, `"needs"`, `"sex"`, `"distance`, `"score`, `"rank`, `"reason`, `"note`, `"outcode`, `"urn`} {
		if strings.Contains(strings.ToLower(string(body)), strings.ToLower(field)) {
			t.Errorf("the feed has a field %s", field)
		}
	}

	var p ocdsPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	fwOCID, dpsOCID := ocds.DevelopmentPrefix+"-"+fw, ocds.DevelopmentPrefix+"-"+dps
	var story []string
	for _, r := range p.Releases {
		tags := strings.Join(r.Tag, "+")
		switch {
		case r.OCID == fwOCID:
			story = append(story, "framework "+tags)
		case r.OCID == dpsOCID:
			story = append(story, "dps "+tags)
		case len(r.RelatedProcesses) == 1 && r.RelatedProcesses[0].Identifier == dpsOCID:
			story = append(story, "placement "+tags)
		case len(r.RelatedProcesses) == 1 && r.RelatedProcesses[0].Identifier == fwOCID:
			if r.Tender.Competitive == nil || *r.Tender.Competitive || len(r.Awards) != 1 || len(r.Awards[0].RelatedLots) != 1 || r.Awards[0].RelatedLots[0] != "lot-1" {
				t.Errorf("the call-off is not a direct award on lot 1: %+v %+v", r.Tender, r.Awards)
			}
			story = append(story, "call-off "+tags)
		default:
			t.Errorf("release %s %s is none of the set-up's processes: %+v", r.OCID, r.ID, r.RelatedProcesses)
		}
	}
	want := "framework tender, framework award, framework contract, framework contractAmendment, framework contractAmendment, " +
		"dps tender, dps award, dps award, placement award+contract, call-off award+contract"
	if got := strings.Join(story, ", "); got != want {
		t.Fatalf("the feed tells:\n%s\nwant:\n%s", got, want)
	}
	for _, winner := range []string{"4200.00", "4800.00", "4411.11", "5200.00", "4700.00", "Pennine Pathways Ltd", "Irwell House Ltd", "Northern Lights Care Ltd",
		`"hasFrameworkAgreement": true`, `"hasDynamicPurchasingSystem": true`, `"type": "open"`, `"maximumParticipants": 1e9999`, `"relatedLot": "lot-1"`} {
		if !strings.Contains(string(body), winner) {
			t.Errorf("the feed does not publish %s", winner)
		}
	}

	// Pages of two, followed by links.next, give the same releases; after
	// the last position there are none; a bad cursor is refused.
	var paged []string
	next := "/ocds/releases?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > len(p.Releases) {
			t.Fatal("the pages do not end")
		}
		code, b := s.ocdsGet(next)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", next, code)
		}
		if err := v.Package(b); err != nil {
			t.Fatalf("page %s does not validate: %v", next, err)
		}
		var pg ocdsPage
		if err := json.Unmarshal(b, &pg); err != nil {
			t.Fatal(err)
		}
		if len(pg.Releases) > 2 {
			t.Errorf("page %s has %d releases", next, len(pg.Releases))
		}
		for _, r := range pg.Releases {
			paged = append(paged, r.OCID+" "+r.ID)
		}
		next = strings.TrimPrefix(pg.Links.Next, s.portal.URL)
	}
	var whole []string
	for _, r := range p.Releases {
		whole = append(whole, r.OCID+" "+r.ID)
	}
	if strings.Join(paged, "\n") != strings.Join(whole, "\n") {
		t.Fatalf("paged:\n%s\nwhole:\n%s", strings.Join(paged, "\n"), strings.Join(whole, "\n"))
	}
	last := p.Releases[len(p.Releases)-1].ID
	lastPos := last[strings.LastIndex(last, "-")+1:]
	if _, err := strconv.ParseUint(lastPos, 10, 64); err != nil {
		t.Fatalf("release id %s does not end in its position", last)
	}
	_, b := s.ocdsGet("/ocds/releases?since=" + lastPos)
	var after ocdsPage
	if err := json.Unmarshal(b, &after); err != nil || len(after.Releases) != 0 || after.Links.Next != "" {
		t.Errorf("after the last position: %s", b)
	}
	_, b = s.ocdsGet("/ocds/releases?from=2099-01-01")
	if err := json.Unmarshal(b, &after); err != nil || len(after.Releases) != 0 {
		t.Errorf("from a date after every release: %s", b)
	}
	for _, bad := range []string{"since=-1", "since=later", "limit=0", "limit=1001", "from=yesterday"} {
		if code, _ := s.ocdsGet("/ocds/releases?" + bad); code != http.StatusBadRequest {
			t.Errorf("?%s = %d, want 400", bad, code)
		}
	}

	// One reading of the services serves the feed for 15 seconds: the
	// DPS's closing shows once they have passed.
	closed := servicetest.Must(s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).CloseDps(s.Ctx, &purchasingv1.CloseDpsRequest{
		RequestId: "ocds-dps-close", DpsId: dps, Reason: "Zebra replaced by a new DPS"})).OK(t)
	s.settle(closed.GetPosition())
	closedTag := func() bool {
		_, b := s.ocdsGet("/ocds/releases?since=" + lastPos)
		if strings.Contains(string(b), "Zebra") {
			t.Errorf("the DPS's closing publishes its reason: %s", b)
		}
		return strings.Contains(string(b), `"tenderUpdate"`) && strings.Contains(string(b), `"status": "terminated"`)
	}
	if closedTag() {
		t.Error("the feed read the services again within 15 seconds")
	}
	s.Clock.Advance(16 * time.Second)
	if !closedTag() {
		t.Error("the feed does not show the DPS closed 16 seconds on")
	}

	// Every page links to the feed.
	if code, page := s.ocdsGet("/sign-in"); code != http.StatusOK || !strings.Contains(string(page), `href="/ocds/releases"`) {
		t.Errorf("the sign-in page (%d) does not link to the feed", code)
	}
}
