package ocds

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

func at(h int) *timestamppb.Timestamp {
	return timestamppb.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour))
}

// ocdsInput is a framework taken from tender to an extended, uplifted
// agreement with one call-off, a DPS with an admitted and a rejected
// provider, and a placement through the DPS: the services' answers as the
// auditor reads them, carrying values that must never be published.
func ocdsInput() *Input {
	awardedAt := at(40)
	fw := &frameworkv1.Framework{
		FrameworkId: "fw-abc", Consortium: "north-west", Title: "Residential Framework", Description: "Children's homes.",
		Status: frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED, MemberCouncils: []string{"352", "353"},
		TermStart: "2027-04-01", TermEnd: "2030-03-31", CurrentEnd: "2031-03-31", ExtensionOptionsMonths: []uint32{12, 6}, ExtensionsUsed: 1,
		QualityWeight: 70, PriceWeight: 30, BidsCloseAt: at(2),
		Lots: []*frameworkv1.Lot{{Terms: &frameworkv1.LotTerms{LotId: "lot-1", Name: "Emotional and behavioural needs"},
			BidCount: 3,
			Providers: []*frameworkv1.LotProvider{
				{ProviderId: "pennine", ProviderName: "Pennine Pathways", Rank: 1, TotalScore: 91.25, WeeklyPricePence: 450000, SuspensionReason: "SECRET-SUSPENSION"},
				{ProviderId: "irwell", ProviderName: "Irwell House", Rank: 2, TotalScore: 88.5, WeeklyPricePence: 480000},
			}}},
		CallOffs: []*frameworkv1.CallOff{{Council: "352", LotId: "lot-1", ProviderId: "pennine", Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD,
			Ranking: []string{"pennine", "irwell"}, Reason: "SECRET-CALLOFF-REASON", AwardedAt: awardedAt}},
	}
	dec := func(pos uint64, h int, name, lot, provider string) *frameworkv1.Decision {
		return &frameworkv1.Decision{Position: pos, OccurredAt: at(h), Decision: name, LotId: lot, ProviderId: provider, Summary: "SECRET-SUMMARY", Reason: "SECRET-REASON"}
	}
	dps := &purchasingv1.DpsView{DpsId: "dps-xyz", Consortium: "north-west", Status: purchasingv1.DpsStatus_DPS_STATUS_OPEN,
		Terms: &purchasingv1.DpsTerms{Title: "Placements DPS", Categories: []*purchasingv1.Category{{Id: "residential", Name: "Residential children's homes"}},
			MemberCouncils: []string{"352"}, EndsOn: "2029-02-23",
			SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "safeguarding", Question: "SECRET-QUESTION-TEXT-IS-PUBLIC-BUT-UNUSED"}}},
		Memberships: []*purchasingv1.Membership{
			{ProviderId: "pennine", ProviderName: "Pennine Pathways", CategoryId: "residential", Status: purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED, Since: "2026-12-01"},
			{ProviderId: "northern", ProviderName: "Northern Lights", CategoryId: "residential", Status: purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED, Since: "2026-12-01"},
			{ProviderId: "loser", ProviderName: "SECRET-REJECTED-PROVIDER", CategoryId: "residential", Status: purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REJECTED},
		}}
	pdec := func(pos uint64, h int, name, provider string) *purchasingv1.Decision {
		return &purchasingv1.Decision{Position: pos, OccurredAt: at(h), Decision: name, ProviderId: provider, Summary: "SECRET-SUMMARY", Reason: "SECRET-REASON"}
	}
	return &Input{
		Frameworks: []FrameworkInput{{Framework: fw,
			Decisions: []*frameworkv1.Decision{
				dec(1, 0, "FrameworkDrafted", "", ""), dec(3, 1, "FrameworkOpenedForBids", "", ""), dec(4, 1, "BidSubmitted", "lot-1", "loser"),
				dec(6, 3, "BidScored", "lot-1", "loser"), dec(8, 4, "FrameworkAwarded", "", ""), dec(12, 300, "FrameworkActivated", "", ""),
				dec(20, 400, "PriceUpliftApproved", "lot-1", "pennine"), dec(30, 500, "FrameworkExtended", "", ""),
				{Position: 37, OccurredAt: at(40), Decision: "CallOffRecorded", LotId: "lot-1", ProviderId: "pennine", CausationId: "evt-award-1"},
			},
			Uplifts: []*frameworkv1.PriceUplift{{UpliftId: "up-1", LotId: "lot-1", ProviderId: "pennine", CurrentWeeklyPence: 420000, RequestedWeeklyPence: 450000,
				EffectiveFrom: "2027-06-01", Justification: "SECRET-JUSTIFICATION", Status: frameworkv1.UpliftStatus_UPLIFT_STATUS_APPROVED, DecidedAt: at(400)}},
		}},
		Dps: []DpsInput{{Dps: dps, Decisions: []*purchasingv1.Decision{pdec(2, 0, "DpsCreated", ""), pdec(5, 1, "DpsOpened", ""),
			pdec(7, 2, "ProviderAdmitted", "pennine"), pdec(9, 2, "ApplicationRejected", "loser"), pdec(10, 3, "ProviderAdmitted", "northern")}}},
		Placements: []PlacementInput{
			{Placement: &purchasingv1.Placement{PlacementId: "pl-1", ReferralId: "ref-1", Council: "352", DpsId: "dps-xyz", CategoryId: "residential",
				ProviderId: "pennine", ProviderName: "Pennine Pathways", SettingUrn: "SC999999", WeeklyPricePence: 520000, StartDate: "2026-12-24",
				DistanceMiles: 7.5, AwardedAt: awardedAt, SecondsToPlacement: 3600},
				Decisions: []*purchasingv1.Decision{pdec(35, 39, "ReferralCreated", ""), {Position: 36, OccurredAt: at(40), Decision: "PlacementAwarded", EventId: "evt-award-1"}}},
			{Placement: &purchasingv1.Placement{PlacementId: "pl-2", ReferralId: "ref-2", Council: "353", DpsId: "dps-xyz", CategoryId: "residential",
				ProviderId: "pennine", ProviderName: "Pennine Pathways", SettingUrn: "SC999999", WeeklyPricePence: 510000, AwardedAt: awardedAt},
				Decisions: []*purchasingv1.Decision{{Position: 40, OccurredAt: awardedAt, Decision: "PlacementAwarded", EventId: "evt-award-2"}}},
		},
	}
}

func TestOcdsBuildValidatesAndTellsTheProcess(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	var pre Prefixes
	if err := pre.Set("north-west=ocds-abc123"); err != nil {
		t.Fatal(err)
	}
	rels := Build(ocdsInput(), Options{Prefixes: pre})
	var got []string
	for _, r := range rels {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Release(b); err != nil {
			t.Errorf("release %s %s does not validate: %v\n%s", r.OCID, r.ID, err, b)
		}
		got = append(got, r.OCID+" "+strings.Join(r.Tag, "+"))
	}
	want := []string{
		"ocds-abc123-fw-abc tender", "ocds-abc123-dps-xyz tender", "ocds-abc123-dps-xyz award", "ocds-abc123-fw-abc award", "ocds-abc123-dps-xyz award",
		"ocds-abc123-fw-abc contract", "ocds-abc123-fw-abc contractAmendment", "ocds-abc123-fw-abc contractAmendment",
		"ocds-abc123-pl-1 award+contract", "ocds-abc123-pl-2 award+contract",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("releases:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	b, err := json.Marshal(NewPackage("https://portal.example/ocds/releases", rels, "", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Package(b); err != nil {
		t.Fatalf("package does not validate: %v", err)
	}
	s := string(b)
	for _, secret := range []string{"SECRET", "91.25", "88.5", "SC999999", "2026-12-24", "7.5", "loser", "3600"} {
		if strings.Contains(s, secret) {
			t.Errorf("the feed carries %q", secret)
		}
	}
	// The award was at £4,200 a week; the uplift made it £4,500; the
	// extension moved the end to the service's own date.
	award, uplift, extended := rels[3], rels[6], rels[7]
	if a := award.Awards[0]; a.ID != "lot-1:irwell" {
		t.Errorf("the awards are listed by rank, not by id: %s first", a.ID)
	}
	if a := award.Awards[1]; a.Status != "pending" || a.Items[0].Unit.Value.Amount != "4200.00" || a.RelatedLots[0] != "lot-1" {
		t.Errorf("award = %+v", a)
	}
	if c := uplift.Contracts[1]; c.Items[0].Unit.Value.Amount != "4500.00" || len(c.Amendments) != 1 || c.Period.EndDate != "2030-03-31T23:59:59Z" {
		t.Errorf("contract after the uplift = %+v", c)
	}
	if c := extended.Contracts[1]; c.Period.EndDate != "2031-03-31T23:59:59Z" || len(c.Amendments) != 2 || c.Period.MaxExtentDate != "2031-09-30T23:59:59Z" {
		t.Errorf("contract after the extension = %+v", c)
	}
	fa := extended.Tender.Techniques.FrameworkAgreement
	if fa.Method != "withAndWithoutReopeningCompetition" || fa.MaximumParticipants != noMaximum || fa.Period.EndDate != "2031-03-31T23:59:59Z" {
		t.Errorf("framework agreement = %+v", fa)
	}
	// Each admission to the DPS is published once, in its own release.
	for _, i := range []int{2, 4} {
		if a := rels[i].Awards; len(a) != 1 || len(rels[i].Parties) != 3 {
			t.Errorf("DPS release %s: %d awards, %d parties; want its own award and its supplier", rels[i].ID, len(a), len(rels[i].Parties))
		}
	}
	// The call-off names its framework; the other placement its DPS.
	pl1, pl2 := rels[8], rels[9]
	if rp := pl1.RelatedProcesses; len(rp) != 1 || rp[0].Identifier != "ocds-abc123-fw-abc" || *pl1.Tender.Competitive || pl1.Awards[0].RelatedLots[0] != "lot-1" {
		t.Errorf("call-off = %+v %+v", pl1.RelatedProcesses, pl1.Tender)
	}
	if rp := pl2.RelatedProcesses; len(rp) != 1 || rp[0].Identifier != "ocds-abc123-dps-xyz" || pl2.Tender.Techniques.HasDynamicPurchasingSystem == nil {
		t.Errorf("DPS placement = %+v", pl2.RelatedProcesses)
	}
	if pl2.Buyer.Name != "Council 353" || pl2.Awards[0].Items[0].Unit.Value.Amount != "5100.00" {
		t.Errorf("DPS placement's buyer and price = %+v %+v", pl2.Buyer, pl2.Awards[0].Items[0])
	}
}

func TestOcdsPageNeverSplitsAPosition(t *testing.T) {
	rels := Build(ocdsInput(), Options{})
	first, next := Page(rels, 0, 2)
	if len(first) != 2 || next != first[1].position {
		t.Fatalf("first page: %d releases, next %d", len(first), next)
	}
	var all []Release
	for since := uint64(0); ; {
		page, n := Page(rels, since, 2)
		all = append(all, page...)
		if n == 0 {
			break
		}
		since = n
	}
	if len(all) != len(rels) {
		t.Fatalf("paging gave %d releases of %d", len(all), len(rels))
	}
	if rest, next := Page(rels, rels[len(rels)-1].position, 2); len(rest) != 0 || next != 0 {
		t.Fatalf("after the last: %d releases, next %d", len(rest), next)
	}
	if !strings.HasPrefix(rels[0].OCID, DevelopmentPrefix+"-") {
		t.Fatalf("without a prefix the ocid is %s", rels[0].OCID)
	}
}

func TestOcdsPrefixesRefuseWhatIsNoPrefix(t *testing.T) {
	var p Prefixes
	for _, bad := range []string{"north-west", "north-west=abc123", "North West=ocds-abc123", "north-west=ocds-ab"} {
		if err := p.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	if err := p.Set("north-west=ocds-abc123, yorkshire=ocds-def456"); err != nil || p.For("yorkshire") != "ocds-def456" || p.String() != "north-west=ocds-abc123,yorkshire=ocds-def456" {
		t.Fatalf("Set: %v, %s", err, p.String())
	}
}

// The validator is the extended schema: a code the Techniques extension
// does not list, or a lot without its id, is refused.
func TestOcdsValidatorKnowsTheExtensions(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	r := Build(ocdsInput(), Options{})[1] // the DPS's tender
	r.Tender.Techniques.DynamicPurchasingSystem.Type = "semi-open"
	b, _ := json.Marshal(r)
	if err := v.Release(b); err == nil || !strings.Contains(err.Error(), "type") {
		t.Errorf("a DPS type outside the codelist: %v", err)
	}
	r = Build(ocdsInput(), Options{})[1]
	b, _ = json.Marshal(r)
	bad := strings.Replace(string(b), `"lots":[{"id":"residential",`, `"lots":[{"id":7,`, 1)
	if bad == string(b) {
		t.Fatal("the release has no lot to spoil")
	}
	if err := v.Release([]byte(bad)); err == nil {
		t.Error("a lot whose id is a number validates")
	}
}

// A framework's end is published as its processes end: terminated while
// bidding, a cancelled tender; expired after activation, terminated
// contracts. Each release validates.
func TestOcdsFrameworkEnds(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		decisions          []string
		tag, tender, award string
		contract           string
	}{
		{[]string{"FrameworkOpenedForBids", "FrameworkTerminated"}, "tenderCancellation", "cancelled", "", ""},
		{[]string{"FrameworkOpenedForBids", "FrameworkAwarded", "FrameworkTerminated"}, "awardCancellation", "complete", "cancelled", ""},
		{[]string{"FrameworkOpenedForBids", "FrameworkAwarded", "FrameworkActivated", "FrameworkExpired"}, "contractTermination", "complete", "active", "terminated"},
		{[]string{"FrameworkDrafted", "FrameworkTerminated"}, "", "", "", ""}, // a draft is never published
	} {
		in := ocdsInput()
		f := &in.Frameworks[0]
		f.Uplifts, f.Framework.ExtensionsUsed, f.Framework.CurrentEnd = nil, 0, f.Framework.GetTermEnd()
		f.Decisions = nil
		for i, d := range c.decisions {
			f.Decisions = append(f.Decisions, &frameworkv1.Decision{Position: uint64(i + 1), OccurredAt: at(i), Decision: d})
		}
		in.Dps, in.Placements = nil, nil
		rels := Build(in, Options{})
		if c.tag == "" {
			if len(rels) != 0 {
				t.Errorf("%v: %d releases of a draft", c.decisions, len(rels))
			}
			continue
		}
		last := rels[len(rels)-1]
		b, _ := json.Marshal(last)
		if err := v.Release(b); err != nil {
			t.Errorf("%v: %v", c.decisions, err)
		}
		if last.Tag[0] != c.tag || last.Tender.Status != c.tender {
			t.Errorf("%v: tag %v, tender %s; want %s, %s", c.decisions, last.Tag, last.Tender.Status, c.tag, c.tender)
		}
		if c.award != "" && (len(last.Awards) == 0 || last.Awards[0].Status != c.award) {
			t.Errorf("%v: awards %+v; want %s", c.decisions, last.Awards, c.award)
		}
		if c.contract != "" && (len(last.Contracts) == 0 || last.Contracts[0].Status != c.contract) {
			t.Errorf("%v: contracts %+v; want %s", c.decisions, last.Contracts, c.contract)
		}
	}
}
