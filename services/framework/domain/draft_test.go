package domain_test

import (
	"google.golang.org/protobuf/proto"

	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

func draftCmd(t *frameworkv1.FrameworkTerms) domain.DraftFramework {
	return domain.DraftFramework{Actor: lead, Now: t0, FrameworkID: fwID, Terms: t}
}

func TestDraftMakesTheLeadsConsortiumTheOwner(t *testing.T) {
	s := given().when(draftCmd(terms())).thenEvents(t, drafted())
	if !s.Exists() || s.Consortium != nw || s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT {
		t.Fatalf("after drafting: exists %v, consortium %q, status %v", s.Exists(), s.Consortium, s.Status)
	}
	if s.CurrentEnd != "2028-03-31" || len(s.MemberCouncils) != 2 {
		t.Fatalf("after drafting: current end %q, members %v", s.CurrentEnd, s.MemberCouncils)
	}
}

func TestDraftAcceptsAnActorWithoutSplitOutOrganisation(t *testing.T) {
	a := domain.Actor{Subject: "lead-1", Organisation: "consortium:north-west", Role: domain.RoleConsortiumLead}
	given().when(domain.DraftFramework{Actor: a, Now: t0, FrameworkID: fwID, Terms: terms()}).thenEvents(t, drafted())
}

func TestDraftDoesNotAliasTheCommandsTerms(t *testing.T) {
	tm := terms()
	out := given().when(draftCmd(tm))
	tm.Title = "changed afterwards"
	if got := out.events[0].(*frameworkv1.FrameworkDrafted).GetTerms().GetTitle(); got != "Residential care North West" {
		t.Fatalf("the event's terms changed with the command's: %q", got)
	}
}

func TestDraftOnlyByAConsortiumLead(t *testing.T) {
	for _, a := range []domain.Actor{commission, acme, domain.NewActor("x", "council:352", domain.RoleConsortiumLead)} {
		given().when(domain.DraftFramework{Actor: a, Now: t0, FrameworkID: fwID, Terms: terms()}).thenForbidden(t)
	}
}

func TestDraftTwiceIsRefused(t *testing.T) {
	given(draft()...).when(draftCmd(terms())).thenRule(t, domain.RuleAlreadyExists)
}

func TestDraftNeedsAnID(t *testing.T) {
	given().when(domain.DraftFramework{Actor: lead, Now: t0, Terms: terms()}).thenInvalid(t, "framework_id")
}

func TestTermsWeights(t *testing.T) {
	given().when(draftCmd(terms())).thenEvents(t, drafted()) // 70/30
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.PriceWeight = 40 }))).thenRule(t, domain.RuleWeightsSum100)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.QualityWeight, t.PriceWeight = 0, 0 }))).thenRule(t, domain.RuleWeightsSum100)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.QualityWeight, t.PriceWeight = 100, 0 }))).
		thenEvents(t, &frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: termsWith(func(t *frameworkv1.FrameworkTerms) { t.QualityWeight, t.PriceWeight = 100, 0 })})
}

func TestTermsFourYearLimit(t *testing.T) {
	accept := func(change func(*frameworkv1.FrameworkTerms)) {
		t.Helper()
		tm := termsWith(change)
		given().when(draftCmd(tm)).thenEvents(t, &frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: tm})
	}
	reject := func(change func(*frameworkv1.FrameworkTerms)) {
		t.Helper()
		given().when(draftCmd(termsWith(change))).thenRule(t, domain.RuleTermMax4Years)
	}
	// 2026-04-01 .. 2028-03-31 + 12 + 12 months = 2030-03-31: exactly 4 years.
	accept(func(*frameworkv1.FrameworkTerms) {})
	// One day over with the extensions.
	reject(func(t *frameworkv1.FrameworkTerms) { t.TermEnd = "2028-04-01" })
	// Without extensions: the initial term alone at the boundary, and one day over.
	accept(func(t *frameworkv1.FrameworkTerms) { t.TermEnd, t.ExtensionOptionsMonths = "2030-03-31", nil })
	reject(func(t *frameworkv1.FrameworkTerms) { t.TermEnd, t.ExtensionOptionsMonths = "2030-04-01", nil })
	// One extension month too many.
	reject(func(t *frameworkv1.FrameworkTerms) { t.ExtensionOptionsMonths = []uint32{12, 12, 1} })
	// Month ends: 2027-02-28 + 12 + 12 + 1 = 2029-03-31, inside 4 years from 2026-04-01.
	accept(func(t *frameworkv1.FrameworkTerms) {
		t.TermEnd, t.ExtensionOptionsMonths = "2027-02-28", []uint32{12, 12, 1}
	})
	// A term starting on 29 February may run to 28 February four years on.
	accept(func(t *frameworkv1.FrameworkTerms) {
		t.TermStart, t.TermEnd, t.ExtensionOptionsMonths = "2028-02-29", "2032-02-28", nil
	})
	reject(func(t *frameworkv1.FrameworkTerms) {
		t.TermStart, t.TermEnd, t.ExtensionOptionsMonths = "2028-02-29", "2032-02-29", nil
	})
}

func TestTermsDates(t *testing.T) {
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.TermEnd = "2026-04-01" }))).thenRule(t, domain.RuleTermEndAfterStart)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.TermEnd = "2026-03-01" }))).thenRule(t, domain.RuleTermEndAfterStart)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.TermStart = "2026-02-30" }))).thenInvalid(t, "terms.term_start")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.TermEnd = "31/03/2028" }))).thenInvalid(t, "terms.term_end")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.ExtensionOptionsMonths = []uint32{0} }))).thenInvalid(t, "terms.extension_options_months[0]")
}

func TestTermsLots(t *testing.T) {
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Lots = nil }))).thenRule(t, domain.RuleLotsRequired)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Lots[1].LotId = "lot-1" }))).thenRule(t, domain.RuleLotIDsUnique)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Lots[1].LotId = "" }))).thenInvalid(t, "terms.lots[1].lot_id")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Lots[0].PriceBand.MinWeeklyPence = 900000 }))).thenRule(t, domain.RulePriceBandOrder)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Lots[0].PriceBand = nil }))).thenInvalid(t, "terms.lots[0].price_band")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Lots[0].QualityThreshold = 101 }))).thenInvalid(t, "terms.lots[0].quality_threshold")
	// min == max is a valid (fixed-price) band.
	tm := termsWith(func(t *frameworkv1.FrameworkTerms) { t.Lots[0].PriceBand.MinWeeklyPence = 800000 })
	given().when(draftCmd(tm)).thenEvents(t, &frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: tm})
}

func TestTermsMemberCouncils(t *testing.T) {
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.MemberCouncils = nil }))).thenRule(t, domain.RuleMemberCouncilsRequired)
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.MemberCouncils = []string{"352", "35"} }))).thenInvalid(t, "terms.member_councils[1]")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.MemberCouncils = []string{"35a"} }))).thenInvalid(t, "terms.member_councils[0]")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.MemberCouncils = []string{"352", "352"} }))).thenRule(t, domain.RuleMemberCouncilsUnique)
}

func TestTermsRequiredFields(t *testing.T) {
	given().when(draftCmd(nil)).thenInvalid(t, "terms")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Title = "" }))).thenInvalid(t, "terms.title")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Category = 0 }))).thenInvalid(t, "terms.category")
	given().when(draftCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.Category = 99 }))).thenInvalid(t, "terms.category")
}

func amendCmd(t *frameworkv1.FrameworkTerms) domain.AmendFramework {
	return domain.AmendFramework{Actor: lead, Now: t0, Terms: t, Reason: "councils asked for a 60/40 split"}
}

func TestAmendWhileDraft(t *testing.T) {
	tm := termsWith(func(t *frameworkv1.FrameworkTerms) {
		t.QualityWeight, t.PriceWeight, t.MemberCouncils = 60, 40, []string{"352", "353", "354"}
	})
	s := given(draft()...).when(amendCmd(tm)).thenEvents(t, &frameworkv1.FrameworkAmended{FrameworkId: fwID, Terms: tm, Reason: "councils asked for a 60/40 split"})
	if s.Terms.GetQualityWeight() != 60 || len(s.MemberCouncils) != 3 {
		t.Fatalf("amended state: weights %d, members %v", s.Terms.GetQualityWeight(), s.MemberCouncils)
	}
}

func TestAmendRules(t *testing.T) {
	given(open()...).when(amendCmd(terms())).thenRule(t, domain.RuleAmendOnlyDraft)
	given(active()...).when(amendCmd(terms())).thenRule(t, domain.RuleAmendOnlyDraft)
	given(draft()...).when(amendCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.PriceWeight = 40 }))).thenRule(t, domain.RuleWeightsSum100)
	given(draft()...).when(amendCmd(termsWith(func(t *frameworkv1.FrameworkTerms) { t.TermEnd = "2028-04-01" }))).thenRule(t, domain.RuleTermMax4Years)
	given(draft()...).when(domain.AmendFramework{Actor: lead, Now: t0, Terms: terms(), Reason: "  "}).thenInvalid(t, "reason")
	given().when(amendCmd(terms())).thenMissing(t, domain.MissingFramework)
}

func TestALeadOfAnotherConsortiumIsForbidden(t *testing.T) {
	cmds := []domain.Command{
		domain.AmendFramework{Actor: otherLead, Now: t0, Terms: terms(), Reason: "mine now"},
		domain.AddMemberCouncil{Actor: otherLead, Now: t0, LACode: "354", Reason: "joins"},
		domain.RemoveMemberCouncil{Actor: otherLead, Now: t0, LACode: "353", Reason: "leaves"},
		domain.OpenForBids{Actor: otherLead, Now: t0, BidsCloseAt: closeAt},
		domain.TerminateFramework{Actor: otherLead, Now: t0, Reason: "hostile"},
	}
	for _, c := range cmds {
		given(draft()...).when(c).thenForbidden(t)
	}
	later := []domain.Command{
		domain.ScoreBid{Actor: otherLead, Now: afterClose, LotID: "lot-1", ProviderID: "acme-care", QualityScore: 10, Reason: "low"},
		domain.AwardFramework{Actor: otherLead, Now: afterClose, Lots: []domain.LotAwardDecision{{LotID: "lot-1", ProviderIDs: []string{"acme-care"}}}, Reason: "x"},
	}
	for _, c := range later {
		given(evaluated()...).when(c).thenForbidden(t)
	}
	afterAward := []domain.Command{
		domain.ActivateFramework{Actor: otherLead, Now: running, Reason: "go"},
		domain.SuspendProvider{Actor: otherLead, Now: running, LotID: "lot-1", ProviderID: "acme-care", Reason: "x"},
	}
	for _, c := range afterAward {
		given(awarded()...).when(c).thenForbidden(t)
	}
	whileRunning := []domain.Command{
		domain.ExtendFramework{Actor: otherLead, Now: running, Reason: "go on"},
		domain.ExpireFramework{Actor: otherLead, Now: running},
		domain.ApprovePriceUplift{Actor: otherLead, Now: running, UpliftID: "up-1", Reason: "fine"},
		domain.RejectPriceUplift{Actor: otherLead, Now: running, UpliftID: "up-1", Reason: "no"},
		domain.ReinstateProvider{Actor: otherLead, Now: running, LotID: "lot-1", ProviderID: "acme-care", Reason: "x"},
	}
	for _, c := range whileRunning {
		given(append(active(), upliftRequested())...).when(c).thenForbidden(t)
	}
	// A council commissioner and a provider admin are no leads either.
	given(draft()...).when(domain.AmendFramework{Actor: commission, Now: t0, Terms: terms(), Reason: "x"}).thenForbidden(t)
	given(draft()...).when(domain.OpenForBids{Actor: acme, Now: t0, BidsCloseAt: closeAt}).thenForbidden(t)
	// Another consortium's member cannot act as lead.
	given(draft()...).when(domain.OpenForBids{Actor: domain.NewActor("x", "consortium:north-west", "council_viewer"), Now: t0, BidsCloseAt: closeAt}).thenForbidden(t)
}

func TestAddMemberCouncil(t *testing.T) {
	add := domain.AddMemberCouncil{Actor: lead, Now: t0, LACode: "354", Reason: "Trafford joins the consortium"}
	want := &frameworkv1.MemberCouncilAdded{FrameworkId: fwID, LaCode: "354", Reason: "Trafford joins the consortium"}
	for _, h := range [][]proto.Message{draft(), open(), evaluated(), awarded(), active()} {
		s := given(h...).when(add).thenEvents(t, want)
		if !s.IsMember("354") {
			t.Fatal("354 is not a member after joining")
		}
	}
	given(draft()...).when(domain.AddMemberCouncil{Actor: lead, Now: t0, LACode: "352", Reason: "again"}).thenRule(t, domain.RuleAlreadyMember)
	given(draft()...).when(domain.AddMemberCouncil{Actor: lead, Now: t0, LACode: "35", Reason: "typo"}).thenInvalid(t, "la_code")
	given(draft()...).when(domain.AddMemberCouncil{Actor: lead, Now: t0, LACode: "354"}).thenInvalid(t, "reason")
	given(terminated()...).when(add).thenRule(t, domain.RuleEnded)
	given(expired()...).when(add).thenRule(t, domain.RuleEnded)
}

func TestRemoveMemberCouncil(t *testing.T) {
	rm := domain.RemoveMemberCouncil{Actor: lead, Now: t0, LACode: "353", Reason: "left the consortium"}
	s := given(active()...).when(rm).thenEvents(t, &frameworkv1.MemberCouncilRemoved{FrameworkId: fwID, LaCode: "353", Reason: "left the consortium"})
	if s.IsMember("353") || !s.IsMember("352") {
		t.Fatalf("members after removal: %v", s.MemberCouncils)
	}
	given(draft()...).when(domain.RemoveMemberCouncil{Actor: lead, Now: t0, LACode: "354", Reason: "x"}).thenRule(t, domain.RuleNotMember)
	given(draft()...).when(domain.RemoveMemberCouncil{Actor: lead, Now: t0, LACode: "353"}).thenInvalid(t, "reason")
	onlyOne := append(draft(), &frameworkv1.MemberCouncilRemoved{FrameworkId: fwID, LaCode: "353", Reason: "left"})
	given(onlyOne...).when(domain.RemoveMemberCouncil{Actor: lead, Now: t0, LACode: "352", Reason: "left too"}).thenRule(t, domain.RuleLastMemberCouncil)
	given(terminated()...).when(rm).thenRule(t, domain.RuleEnded)
}

func TestCommandsOnAFrameworkThatDoesNotExist(t *testing.T) {
	given().when(domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: closeAt}).thenMissing(t, domain.MissingFramework)
	given().when(domain.SubmitBid{Actor: acme, Now: t0, LotID: "lot-1", WeeklyPricePence: 400000, QualityAnswers: answers()}).thenMissing(t, domain.MissingFramework)
}
