package domain

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/geo"
)

// Match criteria. They are checked cheapest first (admitted, early warning,
// accreditations, vacancy, setting type, Ofsted, distance, suitability,
// specialisms, pets) and explained in that order.
const (
	CriterionAdmitted = "admitted"
	// CriterionEarlyWarning: not suspended from matching in the DPS by the
	// consortium's early-warning policy, neither the setting nor its provider.
	CriterionEarlyWarning   = "early_warning"
	CriterionAccreditations = "accreditations"
	CriterionSettingType    = "setting_type"
	CriterionSuitability    = "suitability"
	CriterionSpecialisms    = "specialisms"
	CriterionPets           = "pets"
	CriterionVacancy        = "vacancy"
	CriterionOfsted         = "ofsted"
	CriterionDistance       = "distance"
)

// MaxSent is how many settings, best ranked first, one referral is sent to.
// It keeps a referral in a dense area (hundreds of eligible homes within a
// city's reach) to a list a council can compare and within one event's size.
const MaxSent = 200

// Reasons ExplainMatch gives for a setting that meets every criterion yet was
// not sent the referral.
const (
	// CriterionRank: eligible, but ranked below the MaxSent sent.
	CriterionRank = "rank"
	// CriterionSupplyChanged: eligible now, not when the referral was matched.
	CriterionSupplyChanged = "supply_changed"
)

// RankBandMiles: settings are ranked by distance in bands this wide, then by
// Ofsted grade, then by price history, so a better home two miles further
// away is not ranked below a worse one.
const RankBandMiles = 5

// MatchRules is what the DPS fixes for a referral's matching.
type MatchRules struct {
	Category              *purchasingv1.Category
	MinGrade              purchasingv1.OfstedGrade
	AcceptNotYetInspected bool
}

// Membership of a candidate's provider in the referral's category.
type CandidateMembership int

const (
	NotMember CandidateMembership = iota
	MemberAdmitted
	MemberSuspended
)

// Candidate is one setting that matching considers, with the facts about its
// provider the criteria need.
type Candidate struct {
	ProviderID           string
	ProviderName         string
	Membership           CandidateMembership
	AccreditationExpired bool
	// Halted: suspended from matching in the DPS by the consortium's
	// early-warning policy (the setting or its provider), for HaltReason.
	Halted        bool
	HaltReason    string
	Setting       *purchasingv1.Setting
	Location      geo.Outcode
	FreePlaces    uint32
	AvailableFrom string
	// MedianPricePence of the provider's past awards in the category (0: none).
	MedianPricePence int64
}

// Search is a need prepared for matching many candidates: its home location
// and required specialisms worked out once.
type Search struct {
	Need     *purchasingv1.Need
	Rules    MatchRules
	Home     geo.Outcode
	Required []string
	places   uint32

	// Reason texts that repeat across candidates, worked out once per search
	// (matching builds reasons for every match, often hundreds).
	specialismsMet string
	typeText       map[purchasingv1.SettingType][2]string
	gradeText      map[purchasingv1.OfstedGrade][2]string
	lastProvider   string
	lastAdmitted   string
	shared         map[reasonKey]*purchasingv1.MatchReason
	kept           []eligible
}

type reasonKey struct {
	criterion, detail string
	met               bool
}

// sharedReason returns one message per distinct reason in this search:
// matches share the reasons whose words repeat (Ofsted grade, setting type,
// specialisms), which spares hundreds of allocations a search. Reasons are
// never changed after matching; readers get clones.
func (s *Search) sharedReason(criterion string, met bool, detail string) *purchasingv1.MatchReason {
	k := reasonKey{criterion, detail, met}
	if r, ok := s.shared[k]; ok {
		return r
	}
	if s.shared == nil {
		s.shared = map[reasonKey]*purchasingv1.MatchReason{}
	}
	r := &purchasingv1.MatchReason{Criterion: criterion, Met: met, Detail: detail}
	s.shared[k] = r
	return r
}

// NewSearch prepares need for matching; home is the need's home outcode.
func NewSearch(need *purchasingv1.Need, rules MatchRules, home geo.Outcode) *Search {
	s := &Search{Need: need, Rules: rules, Home: home, Required: RequiredSpecialisms(need), places: 1 + need.GetSiblingCount(),
		typeText: map[purchasingv1.SettingType][2]string{}, gradeText: map[purchasingv1.OfstedGrade][2]string{}}
	s.specialismsMet = "no specialism required"
	if len(s.Required) > 0 {
		s.specialismsMet = "offers " + strings.Join(s.Required, ", ")
	}
	cat := rules.Category.GetId()
	for t := range purchasingv1.SettingType_name {
		d := describeType(purchasingv1.SettingType(t))
		s.typeText[purchasingv1.SettingType(t)] = [2]string{d + " does not serve category " + cat, d + " serves category " + cat}
	}
	for g := range purchasingv1.OfstedGrade_name {
		d, min := describeGrade(purchasingv1.OfstedGrade(g)), describeGrade(rules.MinGrade)
		s.gradeText[purchasingv1.OfstedGrade(g)] = [2]string{"Ofsted " + d + " is below the threshold " + min, "Ofsted " + d + " meets the threshold " + min}
	}
	return s
}

// RequiredSpecialisms are the specialisms a setting needs for this child:
// the needs named plus those that follow from the Placements Data Standard
// answers (risks to and from the child, living arrangements, communication).
func RequiredSpecialisms(n *purchasingv1.Need) []string {
	req := slices.Clone(n.GetNeeds())
	add := func(cond bool, s string) {
		if cond && !slices.Contains(req, s) {
			req = append(req, s)
		}
	}
	r := n.GetRisks()
	add(r.GetSexualExploitation(), "sexual_exploitation")
	add(r.GetCriminalExploitation(), "criminal_exploitation")
	add(r.GetToOthersSexual(), "harmful_sexual_behaviour")
	add(r.GetToOthersFire(), "fire_setting")
	add(n.GetDeprivationOfLiberty(), "deprivation_of_liberty")
	add(n.GetLivingCompanions() == purchasingv1.LivingCompanions_LIVING_COMPANIONS_SOLO, "solo_placement")
	add(n.GetHomeAdaptation(), "home_adaptations")
	for _, c := range n.GetCommunicationRequirements() {
		switch c {
		case "BSL":
			add(true, "bsl")
		case "Makaton":
			add(true, "makaton")
		case "ESOL":
			add(true, "esol")
		}
	}
	slices.Sort(req)
	return req
}

// verdict is the outcome of each criterion for one candidate.
type verdict struct {
	admitted, notHalted, accreditations, vacancy, settingType, ofsted, distance, suitability, specialisms, pets bool
	miles                                                                                                       float64
	missing                                                                                                     []string
}

func (v verdict) ok() bool {
	return v.admitted && v.notHalted && v.accreditations && v.vacancy && v.settingType && v.ofsted && v.distance && v.suitability && v.specialisms && v.pets
}

// judge applies the criteria to c, cheapest first; with stopEarly it stops
// at the first unmet one (most candidates fail one of the first few).
func (s *Search) judge(c *Candidate, stopEarly bool) (v verdict) {
	st := c.Setting
	if v.admitted = c.Membership == MemberAdmitted; !v.admitted && stopEarly {
		return v
	}
	if v.notHalted = !c.Halted; !v.notHalted && stopEarly {
		return v
	}
	if v.accreditations = !c.AccreditationExpired; !v.accreditations && stopEarly {
		return v
	}
	if v.vacancy = c.FreePlaces >= s.places && c.AvailableFrom <= s.Need.GetStartBy(); !v.vacancy && stopEarly {
		return v
	}
	if v.settingType = slices.Contains(s.Rules.Category.GetSettingTypes(), st.GetType()); !v.settingType && stopEarly {
		return v
	}
	if v.ofsted = s.gradeOK(st.GetOfstedGrade()); !v.ofsted && stopEarly {
		return v
	}
	// A latitude difference alone rules most far settings out before any
	// trigonometry.
	limit := float64(s.Need.GetMaxDistanceMiles())
	if math.Abs(c.Location.Lat-s.Home.Lat)*69.0 > limit+1 {
		v.miles = math.Inf(1)
	} else {
		v.miles = geo.DistanceMiles(s.Home, c.Location)
	}
	if v.distance = v.miles <= limit; !v.distance && stopEarly {
		return v
	}
	if v.suitability = s.suitableOK(st.GetType()); !v.suitability && stopEarly {
		return v
	}
	v.missing = missingSpecialisms(st.GetSpecialisms(), s.Required)
	if v.specialisms = len(v.missing) == 0; !v.specialisms && stopEarly {
		return v
	}
	v.pets, _ = s.pets(st.GetPetsOnSite())
	return v
}

// reasons puts a verdict into words, one reason per criterion.
func (s *Search) reasons(c *Candidate, v verdict) []*purchasingv1.MatchReason {
	st, cat := c.Setting, s.Rules.Category.GetId()
	// Matching builds reasons for every match: one allocation for those
	// particular to this setting, shared messages for the rest.
	backing := make([]purchasingv1.MatchReason, 0, 3)
	out := make([]*purchasingv1.MatchReason, 0, 10)
	add := func(criterion string, met bool, detail string) {
		backing = append(backing, purchasingv1.MatchReason{Criterion: criterion, Met: met, Detail: detail})
		out = append(out, &backing[len(backing)-1])
	}
	same := func(criterion string, met bool, detail string) {
		out = append(out, s.sharedReason(criterion, met, detail))
	}
	switch c.Membership {
	case MemberAdmitted:
		if s.lastProvider != c.ProviderID || s.lastAdmitted == "" {
			s.lastProvider, s.lastAdmitted = c.ProviderID, c.ProviderName+" is admitted to category "+cat
		}
		same(CriterionAdmitted, true, s.lastAdmitted)
	case MemberSuspended:
		add(CriterionAdmitted, false, c.ProviderName+" is suspended from category "+cat)
	default:
		add(CriterionAdmitted, false, c.ProviderName+" is not admitted to category "+cat)
	}
	if v.notHalted {
		same(CriterionEarlyWarning, true, "not suspended under the consortium's early-warning policy")
	} else {
		add(CriterionEarlyWarning, false, "suspended from matching under the consortium's early-warning policy: "+c.HaltReason)
	}
	if v.accreditations {
		same(CriterionAccreditations, true, "accreditations current")
	} else {
		add(CriterionAccreditations, false, "an accreditation has expired: no new admissions until renewed")
	}
	switch {
	case c.FreePlaces < s.places:
		add(CriterionVacancy, false, fmt.Sprintf("%d free place(s), %d needed", c.FreePlaces, s.places))
	case c.AvailableFrom > s.Need.GetStartBy():
		add(CriterionVacancy, false, "free from "+c.AvailableFrom+", after the start-by date "+s.Need.GetStartBy())
	default:
		add(CriterionVacancy, true, strconv.FormatUint(uint64(c.FreePlaces), 10)+" free place(s) from "+c.AvailableFrom)
	}
	same(CriterionSettingType, v.settingType, s.typeText[st.GetType()][b2i(v.settingType)])
	same(CriterionOfsted, v.ofsted, s.gradeText[st.GetOfstedGrade()][b2i(v.ofsted)])
	limit := s.Need.GetMaxDistanceMiles()
	if math.IsInf(v.miles, 1) {
		add(CriterionDistance, false, fmt.Sprintf("%s is more than %d miles from %s", c.Location.Code, limit, s.Home.Code))
	} else {
		add(CriterionDistance, v.distance, strconv.FormatFloat(v.miles, 'f', 1, 64)+" miles from "+s.Home.Code+" (limit "+strconv.FormatUint(uint64(limit), 10)+")")
	}
	_, why := s.suitable(st.GetType())
	same(CriterionSuitability, v.suitability, why)
	switch {
	case len(v.missing) > 0:
		add(CriterionSpecialisms, false, "lacks "+strings.Join(v.missing, ", "))
	default:
		same(CriterionSpecialisms, true, s.specialismsMet)
	}
	_, petsWhy := s.pets(st.GetPetsOnSite())
	same(CriterionPets, v.pets, petsWhy)
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Search) gradeOK(g purchasingv1.OfstedGrade) bool {
	if g == purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED {
		return s.Rules.AcceptNotYetInspected
	}
	return g != purchasingv1.OfstedGrade_OFSTED_GRADE_UNSPECIFIED && g <= s.Rules.MinGrade
}

// suitableOK is suitable without the words, for the fast path.
func (s *Search) suitableOK(t purchasingv1.SettingType) bool {
	n := s.Need
	switch t {
	case purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY:
		return n.GetFosterCare() != purchasingv1.Suitability_SUITABILITY_UNSUITABLE
	case purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION:
		return n.GetAgeYears() >= 16 && n.GetSupportedAccommodation() != purchasingv1.Suitability_SUITABILITY_UNSUITABLE
	}
	return n.GetResidentialCare() != purchasingv1.Suitability_SUITABILITY_UNSUITABLE
}

// suitable applies the Placements Data Standard recommendation for the kind
// of placement the setting gives; supported accommodation is for 16 and 17.
func (s *Search) suitable(t purchasingv1.SettingType) (bool, string) {
	n := s.Need
	var rec purchasingv1.Suitability
	var kind string
	switch t {
	case purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY:
		rec, kind = n.GetFosterCare(), "foster care"
	case purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION:
		if n.GetAgeYears() < 16 {
			return false, fmt.Sprintf("supported accommodation is for 16 and 17 year olds; the child is %d", n.GetAgeYears())
		}
		rec, kind = n.GetSupportedAccommodation(), "supported accommodation"
	default:
		rec, kind = n.GetResidentialCare(), "residential care"
	}
	if rec == purchasingv1.Suitability_SUITABILITY_UNSUITABLE {
		return false, kind + " is recorded as unsuitable for the child"
	}
	if rec == purchasingv1.Suitability_SUITABILITY_PREFERRED {
		return true, kind + " is preferred"
	}
	return true, kind + " is not ruled out"
}

func (s *Search) pets(onSite bool) (bool, string) {
	switch s.Need.GetPets() {
	case purchasingv1.Pets_PETS_MUST:
		if !onSite {
			return false, "the child must live with animals; the setting has none"
		}
	case purchasingv1.Pets_PETS_NO:
		if onSite {
			return false, "the child cannot live with animals; the setting has them"
		}
	}
	return true, "no conflict over animals"
}

func missingSpecialisms(has, required []string) []string {
	var out []string
	for _, r := range required {
		if !slices.Contains(has, r) {
			out = append(out, r)
		}
	}
	return out
}

// Eligible reports whether c meets every criterion, and its distance.
func (s *Search) Eligible(c *Candidate) (bool, float64) {
	v := s.judge(c, true)
	return v.ok(), v.miles
}

// eligible is one candidate kept for ranking.
type eligible struct {
	c     Candidate
	miles float64
	facts RankFacts
}

// Keep records an eligible candidate (a copy) for Best; give its distance
// from Eligible and its MedianPricePence set.
func (s *Search) Keep(c *Candidate, miles float64) {
	miles = math.Round(miles*10) / 10 // as the match records it, so ranks agree
	s.kept = append(s.kept, eligible{c: *c, miles: miles, facts: RankFacts{Miles: miles, Grade: c.Setting.GetOfstedGrade(),
		MedianPricePence: c.MedianPricePence, URN: c.Setting.GetUrn()}})
}

// Best ranks the kept candidates and returns the MaxSent best as matches,
// numbered, with their reasons: the reasons are put into words only for the
// settings the referral is sent to.
func (s *Search) Best() []*purchasingv1.MatchedSetting {
	slices.SortFunc(s.kept, func(a, b eligible) int { return CompareRank(a.facts, b.facts) })
	n := min(len(s.kept), MaxSent)
	out := make([]*purchasingv1.MatchedSetting, n)
	for i := range n {
		e := &s.kept[i]
		c := &e.c
		out[i] = &purchasingv1.MatchedSetting{
			Rank: uint32(i + 1), ProviderId: c.ProviderID, SettingUrn: c.Setting.GetUrn(), SettingName: c.Setting.GetName(), SettingType: c.Setting.GetType(),
			Outcode: c.Setting.GetOutcode(), DistanceMiles: e.miles, OfstedGrade: c.Setting.GetOfstedGrade(),
			MedianAwardedPricePence: c.MedianPricePence, FreePlaces: c.FreePlaces, Reasons: s.reasons(c, s.judge(c, false)),
		}
	}
	s.kept = s.kept[:0]
	return out
}

// Match checks every candidate and returns the best matches, ranked.
func (s *Search) Match(candidates []Candidate) []*purchasingv1.MatchedSetting {
	for i := range candidates {
		if ok, miles := s.Eligible(&candidates[i]); ok {
			s.Keep(&candidates[i], miles)
		}
	}
	return s.Best()
}

// Explain checks every criterion for one candidate, unmet ones first.
func (s *Search) Explain(c Candidate) (bool, []*purchasingv1.MatchReason) {
	v := s.judge(&c, false)
	ok, reasons := v.ok(), s.reasons(&c, v)
	slices.SortStableFunc(reasons, func(a, b *purchasingv1.MatchReason) int {
		if a.GetMet() == b.GetMet() {
			return 0
		}
		if !a.GetMet() {
			return -1
		}
		return 1
	})
	return ok, reasons
}

// RankFacts are what ranking looks at.
type RankFacts struct {
	Miles            float64
	Grade            purchasingv1.OfstedGrade
	MedianPricePence int64
	URN              string
}

// CompareRank orders two settings: distance in RankBandMiles bands, then
// Ofsted grade (not yet inspected with Requires improvement), then price
// history (cheaper first, none last), then distance, then URN.
func CompareRank(a, b RankFacts) int {
	grade := func(g purchasingv1.OfstedGrade) int {
		if g == purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED {
			return int(purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT)
		}
		return int(g)
	}
	price := func(p int64) int64 {
		if p == 0 {
			return math.MaxInt64
		}
		return p
	}
	if c := cmp.Compare(int(a.Miles/RankBandMiles), int(b.Miles/RankBandMiles)); c != 0 {
		return c
	}
	if c := cmp.Compare(grade(a.Grade), grade(b.Grade)); c != 0 {
		return c
	}
	if c := cmp.Compare(price(a.MedianPricePence), price(b.MedianPricePence)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Miles, b.Miles); c != 0 {
		return c
	}
	return cmp.Compare(a.URN, b.URN)
}

// Rank orders matches by CompareRank and numbers them.
func Rank(ms []*purchasingv1.MatchedSetting) {
	facts := func(m *purchasingv1.MatchedSetting) RankFacts {
		return RankFacts{Miles: m.GetDistanceMiles(), Grade: m.GetOfstedGrade(), MedianPricePence: m.GetMedianAwardedPricePence(), URN: m.GetSettingUrn()}
	}
	slices.SortFunc(ms, func(a, b *purchasingv1.MatchedSetting) int { return CompareRank(facts(a), facts(b)) })
	for i, m := range ms {
		m.Rank = uint32(i + 1)
	}
}

func describeType(t purchasingv1.SettingType) string {
	switch t {
	case purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME:
		return "children's home"
	case purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY:
		return "fostering agency"
	case purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION:
		return "supported accommodation"
	case purchasingv1.SettingType_SETTING_TYPE_SPECIAL_SCHOOL:
		return "special school"
	case purchasingv1.SettingType_SETTING_TYPE_SECURE_CHILDRENS_HOME:
		return "secure children's home"
	}
	return "unknown setting type"
}

func describeGrade(g purchasingv1.OfstedGrade) string {
	switch g {
	case purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING:
		return "Outstanding"
	case purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD:
		return "Good"
	case purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT:
		return "Requires improvement"
	case purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE:
		return "Inadequate"
	case purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED:
		return "Not yet inspected"
	}
	return "ungraded"
}
