package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Matching fixtures: need() (a 14-year-old from M14, within 20 miles, by
// 2026-12-01, emotional_behavioural, residential care preferred) in the
// residential category, Good or better; the candidate is acme's Oak House
// moved to M1 (2.1 miles away) with 2 places free from today.

var allCriteria = []string{
	domain.CriterionAdmitted, domain.CriterionEarlyWarning, domain.CriterionAccreditations, domain.CriterionSettingType, domain.CriterionSuitability,
	domain.CriterionSpecialisms, domain.CriterionPets, domain.CriterionVacancy, domain.CriterionOfsted, domain.CriterionDistance,
}

func matchRules() domain.MatchRules {
	return domain.MatchRules{Category: dpsTerms().GetCategories()[0], MinGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD}
}

func at(t *testing.T, code string) geo.Outcode {
	t.Helper()
	o, ok := geo.Lookup(code)
	if !ok {
		t.Fatalf("unknown outcode %s", code)
	}
	return o
}

// place is an outcode known to be in the table.
func place(code string) geo.Outcode {
	o, ok := geo.Lookup(code)
	if !ok {
		panic("unknown outcode " + code)
	}
	return o
}

func candidate(t *testing.T, provider, urn, outcode string) domain.Candidate {
	s := oakHouse()
	s.Urn, s.Outcode = urn, outcode
	return domain.Candidate{ProviderID: provider, ProviderName: provider, Membership: domain.MemberAdmitted, Setting: s,
		Location: at(t, outcode), FreePlaces: 2, AvailableFrom: today}
}

func search(t *testing.T, n *purchasingv1.Need, r domain.MatchRules) *domain.Search {
	return domain.NewSearch(n, r, at(t, n.GetHomeOutcode()))
}

func TestMatchCriteria(t *testing.T) {
	for _, c := range []struct {
		name      string
		candidate func(*domain.Candidate)
		need      func(*purchasingv1.Need)
		rules     func(*domain.MatchRules)
		unmet     string // "" when the candidate matches
		detail    string // in the unmet criterion's detail
	}{
		{name: "matches"},
		{name: "not admitted", candidate: func(c *domain.Candidate) { c.Membership = domain.NotMember },
			unmet: domain.CriterionAdmitted, detail: "is not admitted to category residential"},
		{name: "suspended", candidate: func(c *domain.Candidate) { c.Membership = domain.MemberSuspended },
			unmet: domain.CriterionAdmitted, detail: "is suspended from category residential"},
		{name: "suspended by the early-warning policy", candidate: func(c *domain.Candidate) { c.Halted, c.HaltReason = true, "risk red" },
			unmet: domain.CriterionEarlyWarning, detail: "early-warning policy: risk red"},
		{name: "accreditation expired", candidate: func(c *domain.Candidate) { c.AccreditationExpired = true },
			unmet: domain.CriterionAccreditations, detail: "expired"},
		{name: "no vacancy", candidate: func(c *domain.Candidate) { c.FreePlaces, c.AvailableFrom = 0, "" },
			unmet: domain.CriterionVacancy, detail: "0 free place(s), 1 needed"},
		{name: "not enough places for siblings", need: func(n *purchasingv1.Need) { n.SiblingCount = 2 },
			unmet: domain.CriterionVacancy, detail: "2 free place(s), 3 needed"},
		{name: "enough places for a sibling", need: func(n *purchasingv1.Need) { n.SiblingCount = 1 }},
		{name: "free after start-by", candidate: func(c *domain.Candidate) { c.AvailableFrom = "2026-12-02" },
			unmet: domain.CriterionVacancy, detail: "free from 2026-12-02, after the start-by date 2026-12-01"},
		{name: "free on start-by", candidate: func(c *domain.Candidate) { c.AvailableFrom = "2026-12-01" }},
		{name: "setting type outside the category", candidate: func(c *domain.Candidate) {
			c.Setting.Type = purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY
		}, unmet: domain.CriterionSettingType, detail: "fostering agency does not serve category residential"},
		{name: "Ofsted below threshold", candidate: func(c *domain.Candidate) {
			c.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT
		}, unmet: domain.CriterionOfsted, detail: "Requires improvement is below the threshold Good"},
		{name: "Ofsted inadequate", candidate: func(c *domain.Candidate) { c.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE },
			unmet: domain.CriterionOfsted, detail: "Inadequate"},
		{name: "Ofsted above threshold", candidate: func(c *domain.Candidate) { c.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING }},
		{name: "Ofsted threshold requires improvement", rules: func(r *domain.MatchRules) { r.MinGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT },
			candidate: func(c *domain.Candidate) {
				c.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT
			}},
		{name: "not yet inspected refused", candidate: func(c *domain.Candidate) {
			c.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED
		},
			unmet: domain.CriterionOfsted, detail: "Not yet inspected is below"},
		{name: "not yet inspected accepted", candidate: func(c *domain.Candidate) {
			c.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED
		},
			rules: func(r *domain.MatchRules) { r.AcceptNotYetInspected = true }},
		{name: "too far", candidate: func(c *domain.Candidate) { c.Setting.Outcode, c.Location = "WA1", place("WA1") },
			need: func(n *purchasingv1.Need) { n.MaxDistanceMiles = 10 }, unmet: domain.CriterionDistance, detail: "14.6 miles from M14 (limit 10)"},
		{name: "far beyond the limit", candidate: func(c *domain.Candidate) { c.Setting.Outcode, c.Location = "BB1", place("BB1") },
			unmet: domain.CriterionDistance, detail: "BB1 is more than 20 miles from M14"},
		{name: "far but within the limit", candidate: func(c *domain.Candidate) { c.Setting.Outcode, c.Location = "L1", place("L1") },
			need: func(n *purchasingv1.Need) { n.MaxDistanceMiles = 32 }},
		{name: "supported accommodation under 16", candidate: func(c *domain.Candidate) {
			c.Setting.Type = purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION
		}, unmet: domain.CriterionSuitability, detail: "for 16 and 17 year olds; the child is 14"},
		{name: "supported accommodation at 16", candidate: func(c *domain.Candidate) {
			c.Setting.Type = purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION
		}, need: func(n *purchasingv1.Need) { n.AgeYears = 16 }},
		{name: "supported accommodation unsuitable", candidate: func(c *domain.Candidate) {
			c.Setting.Type = purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION
		}, need: func(n *purchasingv1.Need) {
			n.AgeYears = 17
			n.SupportedAccommodation = purchasingv1.Suitability_SUITABILITY_UNSUITABLE
		}, unmet: domain.CriterionSuitability, detail: "supported accommodation is recorded as unsuitable"},
		{name: "residential care unsuitable", need: func(n *purchasingv1.Need) { n.ResidentialCare = purchasingv1.Suitability_SUITABILITY_UNSUITABLE },
			unmet: domain.CriterionSuitability, detail: "residential care is recorded as unsuitable for the child"},
		{name: "missing specialism", need: func(n *purchasingv1.Need) { n.Needs = append(n.Needs, "autism") },
			unmet: domain.CriterionSpecialisms, detail: "lacks autism"},
		{name: "missing risk-derived specialism", candidate: func(c *domain.Candidate) { c.Setting.Specialisms = []string{"emotional_behavioural"} },
			need:  func(n *purchasingv1.Need) { n.Risks = &purchasingv1.Risks{SexualExploitation: true} },
			unmet: domain.CriterionSpecialisms, detail: "lacks sexual_exploitation"},
		{name: "risk-derived specialism offered", need: func(n *purchasingv1.Need) { n.Risks = &purchasingv1.Risks{SexualExploitation: true} }},
		{name: "must live with pets", need: func(n *purchasingv1.Need) { n.Pets = purchasingv1.Pets_PETS_MUST },
			unmet: domain.CriterionPets, detail: "the child must live with animals; the setting has none"},
		{name: "must live with pets and has them", need: func(n *purchasingv1.Need) { n.Pets = purchasingv1.Pets_PETS_MUST },
			candidate: func(c *domain.Candidate) { c.Setting.PetsOnSite = true }},
		{name: "cannot live with pets", need: func(n *purchasingv1.Need) { n.Pets = purchasingv1.Pets_PETS_NO },
			candidate: func(c *domain.Candidate) { c.Setting.PetsOnSite = true },
			unmet:     domain.CriterionPets, detail: "the child cannot live with animals; the setting has them"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, r, cand := need(), matchRules(), candidate(t, acmeID, "SC100001", "M1")
			if c.need != nil {
				c.need(n)
			}
			if c.rules != nil {
				c.rules(&r)
			}
			if c.candidate != nil {
				c.candidate(&cand)
			}
			s := search(t, n, r)

			ok, reasons := s.Explain(cand)
			if ok != (c.unmet == "") {
				t.Fatalf("matched %v, want unmet %q: %v", ok, c.unmet, reasons)
			}
			var explained, unmet []string
			for _, rs := range reasons {
				explained = append(explained, rs.GetCriterion())
				if rs.GetDetail() == "" {
					t.Errorf("criterion %s has no detail", rs.GetCriterion())
				}
				if !rs.GetMet() {
					unmet = append(unmet, rs.GetCriterion())
				}
			}
			if got, want := slices.Sorted(slices.Values(explained)), slices.Sorted(slices.Values(allCriteria)); !slices.Equal(got, want) {
				t.Fatalf("explained %v, want every criterion %v", explained, allCriteria)
			}
			if c.unmet == "" {
				if len(unmet) != 0 {
					t.Fatalf("unmet %v", unmet)
				}
			} else {
				if !slices.Equal(unmet, []string{c.unmet}) {
					t.Fatalf("unmet %v, want [%s]", unmet, c.unmet)
				}
				if first := reasons[0]; first.GetCriterion() != c.unmet || !strings.Contains(first.GetDetail(), c.detail) {
					t.Fatalf("first reason %s %q, want %s containing %q", first.GetCriterion(), first.GetDetail(), c.unmet, c.detail)
				}
			}

			// Match agrees with Explain, and a match carries every reason, all met.
			got := s.Match([]domain.Candidate{cand})
			if c.unmet != "" {
				if len(got) != 0 {
					t.Fatalf("Match kept a candidate failing %s: %v", c.unmet, got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("Match returned %d settings, want 1", len(got))
			}
			if len(got[0].GetReasons()) != len(allCriteria) {
				t.Fatalf("a match carries %d reasons, want %d", len(got[0].GetReasons()), len(allCriteria))
			}
			for _, rs := range got[0].GetReasons() {
				if !rs.GetMet() {
					t.Fatalf("a match has an unmet reason: %v", rs)
				}
			}
		})
	}
}

func TestExplainPutsUnmetFirst(t *testing.T) {
	cand := candidate(t, acmeID, "SC100001", "BB1")
	cand.Membership = domain.NotMember
	ok, reasons := search(t, need(), matchRules()).Explain(cand)
	if ok {
		t.Fatal("matched")
	}
	if len(reasons) != len(allCriteria) || reasons[0].GetCriterion() != domain.CriterionAdmitted || reasons[0].GetMet() ||
		reasons[1].GetCriterion() != domain.CriterionDistance || reasons[1].GetMet() {
		t.Fatalf("reasons: %v", reasons)
	}
	for _, rs := range reasons[2:] {
		if !rs.GetMet() {
			t.Fatalf("an unmet reason after the met ones: %v", reasons)
		}
	}
}

func TestExplainNoSpecialismRequired(t *testing.T) {
	ok, reasons := search(t, needWith(func(n *purchasingv1.Need) { n.Needs = nil }), matchRules()).Explain(candidate(t, acmeID, "SC100001", "M1"))
	if !ok {
		t.Fatalf("not matched: %v", reasons)
	}
	for _, r := range reasons {
		if r.GetCriterion() == domain.CriterionSpecialisms && r.GetDetail() != "no specialism required" {
			t.Fatalf("specialisms: %q", r.GetDetail())
		}
	}
}

func TestMatchRanksAndDescribes(t *testing.T) {
	oak := candidate(t, acmeID, "SC100001", "M1") // 2.1 miles, Good
	oak.MedianPricePence = 450000
	ash := candidate(t, brightID, "SC200001", "SK1") // 4.1 miles, Outstanding
	ash.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING
	ash.Setting.Name = "Ash House"
	ash.FreePlaces = 1
	birch := candidate(t, "calm-care", "SC300001", "WA1") // 14.6 miles, Outstanding
	birch.Setting.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING
	gone := candidate(t, "dim-care", "SC400001", "M14") // suspended
	gone.Membership = domain.MemberSuspended

	got := search(t, need(), matchRules()).Match([]domain.Candidate{oak, gone, birch, ash})
	want := []struct {
		rank     uint32
		provider string
		urn      string
		miles    float64
	}{{1, brightID, "SC200001", 4.1}, {2, acmeID, "SC100001", 2.1}, {3, "calm-care", "SC300001", 14.6}}
	if len(got) != len(want) {
		t.Fatalf("matched %d, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		m := got[i]
		if m.GetRank() != w.rank || m.GetProviderId() != w.provider || m.GetSettingUrn() != w.urn || m.GetDistanceMiles() != w.miles {
			t.Errorf("match %d: rank %d %s %s %.2f miles, want rank %d %s %s %.1f", i, m.GetRank(), m.GetProviderId(), m.GetSettingUrn(),
				m.GetDistanceMiles(), w.rank, w.provider, w.urn, w.miles)
		}
	}
	a := got[0]
	if a.GetSettingName() != "Ash House" || a.GetSettingType() != purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME || a.GetOutcode() != "SK1" ||
		a.GetOfstedGrade() != purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING || a.GetFreePlaces() != 1 || a.GetMedianAwardedPricePence() != 0 {
		t.Fatalf("Ash House: %v", show(a))
	}
	if got[1].GetMedianAwardedPricePence() != 450000 {
		t.Fatalf("Oak House price history: %d", got[1].GetMedianAwardedPricePence())
	}
	if got := search(t, need(), matchRules()).Match(nil); len(got) != 0 {
		t.Fatalf("no candidates, matches %v", got)
	}
}

func TestRank(t *testing.T) {
	ms := func() []*purchasingv1.MatchedSetting {
		g := func(miles float64, grade purchasingv1.OfstedGrade, pence int64, urn string) *purchasingv1.MatchedSetting {
			return &purchasingv1.MatchedSetting{SettingUrn: urn, DistanceMiles: miles, OfstedGrade: grade, MedianAwardedPricePence: pence}
		}
		const (
			out  = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING
			good = purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD
			ri   = purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT
			nyi  = purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED
		)
		return []*purchasingv1.MatchedSetting{
			g(5.0, out, 300000, "A-BAND1-OUT"),   // 5 miles starts the second band
			g(1.0, ri, 300000, "B-BAND0-RI"),     // nearest, but Requires improvement
			g(4.9, good, 0, "C-BAND0-GOOD-NONE"), // no price history: after priced ones
			g(2.0, good, 500000, "D-BAND0-GOOD-500"),
			g(3.0, good, 400000, "E-BAND0-GOOD-400"),
			g(4.0, out, 0, "F-BAND0-OUT"),            // best grade in the nearest band
			g(0.5, nyi, 300000, "G-BAND0-NYI"),       // ranked as Requires improvement
			g(3.5, good, 400000, "H-BAND0-GOOD-400"), // same price as E: nearer first
			g(3.5, good, 400000, "I-BAND0-GOOD-400"), // same as H: by URN
			g(12.0, out, 100000, "J-BAND2-OUT"),
		}
	}
	got := ms()
	domain.Rank(got)
	want := []string{
		"F-BAND0-OUT", "E-BAND0-GOOD-400", "H-BAND0-GOOD-400", "I-BAND0-GOOD-400", "D-BAND0-GOOD-500", "C-BAND0-GOOD-NONE",
		"G-BAND0-NYI", "B-BAND0-RI", "A-BAND1-OUT", "J-BAND2-OUT",
	}
	for i, m := range got {
		if m.GetSettingUrn() != want[i] || m.GetRank() != uint32(i+1) {
			var order []string
			for _, m := range got {
				order = append(order, m.GetSettingUrn())
			}
			t.Fatalf("ranked %v, want %v", order, want)
		}
	}
}

func TestRequiredSpecialisms(t *testing.T) {
	n := &purchasingv1.Need{
		Needs: []string{"therapeutic", "sexual_exploitation"},
		Risks: &purchasingv1.Risks{SexualExploitation: true, CriminalExploitation: true, ToOthersSexual: true, ToOthersFire: true,
			SelfHarm: true, Missing: true}, // self-harm and missing add nothing
		DeprivationOfLiberty: true, LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_SOLO, HomeAdaptation: true,
		CommunicationRequirements: []string{"BSL", "Makaton", "ESOL", "Other"},
	}
	want := []string{"bsl", "criminal_exploitation", "deprivation_of_liberty", "esol", "fire_setting", "harmful_sexual_behaviour",
		"home_adaptations", "makaton", "sexual_exploitation", "solo_placement", "therapeutic"}
	if got := domain.RequiredSpecialisms(n); !slices.Equal(got, want) {
		t.Fatalf("required %v, want %v", got, want)
	}
	if !slices.Equal(n.GetNeeds(), []string{"therapeutic", "sexual_exploitation"}) {
		t.Fatalf("the need's own list was changed: %v", n.GetNeeds())
	}
	if got := domain.RequiredSpecialisms(&purchasingv1.Need{LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN}); len(got) != 0 {
		t.Fatalf("nothing named or implied, required %v", got)
	}
	s := search(t, needWith(func(n *purchasingv1.Need) { n.Risks = &purchasingv1.Risks{SexualExploitation: true} }), matchRules())
	if !slices.Equal(s.Required, []string{"emotional_behavioural", "sexual_exploitation"}) {
		t.Fatalf("search requires %v", s.Required)
	}
}

// A referral goes to the MaxSent best-ranked settings; the rest are eligible
// but not sent, and Match puts only the sent ones into words.
func TestMatchSendsToTheBestRanked(t *testing.T) {
	var cands []domain.Candidate
	near, far := []string{"M14", "M20", "M13"}, []string{"BL1", "OL1", "WA1"}
	for i := range domain.MaxSent + 50 {
		code := near[i%3]
		if i < 50 {
			code = far[i%3] // listed first, ranked last
		}
		cands = append(cands, candidate(t, "p", fmt.Sprintf("SC%06d", 100000+i), code))
	}
	n := need()
	n.MaxDistanceMiles = 40
	got := search(t, n, matchRules()).Match(cands)
	if len(got) != domain.MaxSent {
		t.Fatalf("%d matches, want %d", len(got), domain.MaxSent)
	}
	for i, m := range got {
		if m.GetRank() != uint32(i+1) || len(m.GetReasons()) != len(allCriteria) {
			t.Fatalf("match %d: rank %d, %d reasons", i, m.GetRank(), len(m.GetReasons()))
		}
		if slices.Contains(far, m.GetOutcode()) {
			t.Fatalf("a far setting (%s) was sent while nearer ones were left out", m.GetOutcode())
		}
	}
}
