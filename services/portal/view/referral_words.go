package view

import (
	"regexp"
	"strconv"
	"strings"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// The words a commissioner reads for a referral's codes: the Placements
// Data Standard's vocabularies and the needs a setting can meet. The
// service takes the codes; nobody reads them.

// RefNeeds are the needs a referral can ask a setting to meet, in the order
// the question lists them.
var RefNeeds = []Option{
	{Value: "emotional_behavioural", Text: "Emotional and behavioural difficulties"},
	{Value: "mental_health", Text: "Mental health needs"},
	{Value: "learning_disability", Text: "A learning disability"},
	{Value: "autism", Text: "Autism"},
	{Value: "physical_disability", Text: "A physical disability"},
	{Value: "complex_health", Text: "Complex health needs"},
	{Value: "sexual_exploitation", Text: "Risk of sexual exploitation"},
	{Value: "criminal_exploitation", Text: "Risk of criminal exploitation"},
	{Value: "missing_from_care", Text: "Going missing from care"},
	{Value: "self_harm", Text: "Self-harm"},
	{Value: "eating_disorder", Text: "An eating disorder"},
	{Value: "substance_misuse", Text: "Drug or alcohol misuse"},
	{Value: "harmful_sexual_behaviour", Text: "Harmful sexual behaviour"},
	{Value: "fire_setting", Text: "Fire setting"},
	{Value: "solo_placement", Text: "A home where they are the only child"},
	{Value: "sibling_groups", Text: "Living with brothers or sisters"},
	{Value: "parent_and_child", Text: "A parent and child placement"},
	{Value: "unaccompanied_asylum_seeking", Text: "Support as an unaccompanied asylum-seeking child"},
	{Value: "deprivation_of_liberty", Text: "Care under a deprivation of liberty order"},
	{Value: "therapeutic", Text: "Therapeutic care"},
	{Value: "bsl", Text: "British Sign Language"},
	{Value: "makaton", Text: "Makaton"},
	{Value: "esol", Text: "English for speakers of other languages"},
	{Value: "home_adaptations", Text: "An adapted home (for example, wheelchair access)"},
	{Value: "education_on_site", Text: "Education on site"},
}

// RefRisks are the Placements Data Standard's risks, by the form field
// that carries each.
var RefRisks = []Option{
	{Value: "self_harm", Text: "Self-harm"},
	{Value: "sexual_exploitation", Text: "Sexual exploitation"},
	{Value: "criminal_exploitation", Text: "Criminal exploitation"},
	{Value: "drug_alcohol", Text: "Drug or alcohol misuse"},
	{Value: "eating_disorder", Text: "An eating disorder"},
	{Value: "missing", Text: "Going missing"},
	{Value: "to_others_physical", Text: "Physical harm to others"},
	{Value: "to_others_sexual", Text: "Sexual harm to others"},
	{Value: "to_others_fire", Text: "Setting fires"},
	{Value: "to_others_animals", Text: "Harm to animals"},
	{Value: "to_others_criminal", Text: "Drawing others into crime"},
}

// RefCommunication are the ways of communicating a placement may need.
var RefCommunication = []Option{
	{Value: "ESOL", Text: "English for speakers of other languages (ESOL)"},
	{Value: "BSL", Text: "British Sign Language (BSL)"},
	{Value: "Makaton", Text: "Makaton"},
	{Value: "Other", Text: "Another way of communicating"},
}

// RefSupport is the additional support a placement may need.
var RefSupport = []Option{
	{Value: "additional supervision", Text: "Additional supervision"},
	{Value: "therapeutic support", Text: "Therapeutic support"},
	{Value: "a worker for respite", Text: "A worker for respite"},
	{Value: "taxis to school", Text: "Taxis to school"},
	{Value: "other", Text: "Other support"},
}

// RefNeededBy, RefSex, RefCultural, RefCompanions, RefPets and
// RefSuitability are radios' options: the enum's number as the value.
var (
	RefNeededBy = []Option{{Value: "1", Text: "Today"}, {Value: "2", Text: "Within 5 days"}, {Value: "3", Text: "In more than 5 days"}}
	RefSex      = []Option{{Value: "2", Text: "Female"}, {Value: "1", Text: "Male"}}
	RefCultural = []Option{{Value: "1", Text: "Yes: the placement must meet cultural, religious or language needs"},
		{Value: "2", Text: "No"}, {Value: "3", Text: "Not known"}, {Value: "4", Text: "Other"}}
	RefCompanions = []Option{{Value: "1", Text: "On their own, with no other children"}, {Value: "2", Text: "With other children"},
		{Value: "3", Text: "Only with older children"}, {Value: "4", Text: "Only with younger children"}, {Value: "5", Text: "No preference"}}
	RefPets = []Option{{Value: "1", Text: "Must live with animals"}, {Value: "2", Text: "Can live with animals"},
		{Value: "3", Text: "Must not live with animals"}, {Value: "4", Text: "Not known"}}
	RefSuitability = []Option{{Value: "1", Text: "Preferred"}, {Value: "2", Text: "Suitable but not preferred"},
		{Value: "3", Text: "Unsuitable"}, {Value: "4", Text: "Not specified"}}
	RefWithdrawal = []Option{{Value: "1", Text: "The child has been placed elsewhere"}, {Value: "2", Text: "The child's needs have changed"},
		{Value: "3", Text: "No suitable offer came"}, {Value: "4", Text: "Another reason"}}
)

// RefOption is the words of an option's value ("" when none matches).
func RefOption(opts []Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Text
		}
	}
	return ""
}

// RefEnum is an enum value's words from options keyed by its number.
func RefEnum(opts []Option, n int32) string { return RefOption(opts, strconv.Itoa(int(n))) }

// RefNeed is a need's code in words.
func RefNeed(code string) string {
	if t := RefOption(RefNeeds, code); t != "" {
		return t
	}
	return strings.ReplaceAll(code, "_", " ")
}

// RefChild is the child as a referral describes them: "a 14-year-old girl".
func RefChild(n *purchasingv1.Need) string {
	who := "child"
	switch {
	case n.GetSex() == purchasingv1.Sex_SEX_FEMALE && n.GetAgeYears() >= 18:
		who = "young woman"
	case n.GetSex() == purchasingv1.Sex_SEX_MALE && n.GetAgeYears() >= 18:
		who = "young man"
	case n.GetSex() == purchasingv1.Sex_SEX_FEMALE:
		who = "girl"
	case n.GetSex() == purchasingv1.Sex_SEX_MALE:
		who = "boy"
	}
	s := strconv.Itoa(int(n.GetAgeYears())) + "-year-old " + who
	switch c := n.GetSiblingCount(); c {
	case 0:
	case 1:
		s += " with a brother or sister"
	default:
		s += " with " + strconv.Itoa(int(c)) + " brothers or sisters"
	}
	return s
}

// RefRiskWords are the risks a need records, in words.
func RefRiskWords(r *purchasingv1.Risks) []string {
	set := map[string]bool{"self_harm": r.GetSelfHarm(), "sexual_exploitation": r.GetSexualExploitation(), "criminal_exploitation": r.GetCriminalExploitation(),
		"drug_alcohol": r.GetDrugAlcohol(), "eating_disorder": r.GetEatingDisorder(), "missing": r.GetMissing(), "to_others_physical": r.GetToOthersPhysical(),
		"to_others_sexual": r.GetToOthersSexual(), "to_others_fire": r.GetToOthersFire(), "to_others_animals": r.GetToOthersAnimals(), "to_others_criminal": r.GetToOthersCriminal()}
	var out []string
	for _, o := range RefRisks {
		if set[o.Value] {
			out = append(out, o.Text)
		}
	}
	if r.GetOther() != "" {
		out = append(out, "Other: "+r.GetOther())
	}
	if r.GetToOthersOther() != "" {
		out = append(out, "Other risk to others: "+r.GetToOthersOther())
	}
	return out
}

// RefDuration is a number of seconds as a person says it: "3 hours 20
// minutes", "2 days 4 hours", "under a minute".
func RefDuration(secs int64) string {
	if secs < 60 {
		return "under a minute"
	}
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	d, h, m := secs/86400, secs%86400/3600, secs%3600/60
	switch {
	case d > 0 && h > 0:
		return unit(d, "day") + " " + unit(h, "hour")
	case d > 0:
		return unit(d, "day")
	case h > 0 && m > 0:
		return unit(h, "hour") + " " + unit(m, "minute")
	case h > 0:
		return unit(h, "hour")
	}
	return unit(m, "minute")
}

// refCriteria name what each match reason is about.
var refCriteria = map[string]string{
	"admitted": "Admitted to the DPS", "early_warning": "Early warning", "accreditations": "Accreditations", "setting_type": "Kind of setting",
	"suitability": "Recommendation", "specialisms": "Needs met", "pets": "Animals", "vacancy": "Vacancy", "ofsted": "Ofsted",
	"distance": "Distance", "rank": "Rank", "supply_changed": "Supply",
}

var refDatePattern = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)

// RefReason is one reason a setting was matched, in words: what it is
// about and the service's detail with its codes (dates, the category, needs)
// put into words.
func RefReason(r *purchasingv1.MatchReason, categoryID, categoryName string) (about, detail string) {
	about = refCriteria[r.GetCriterion()]
	if about == "" {
		about = refCapitalise(strings.ReplaceAll(r.GetCriterion(), "_", " "))
	}
	detail = refDatePattern.ReplaceAllStringFunc(r.GetDetail(), Date)
	if categoryID != "" && categoryName != "" {
		detail = strings.ReplaceAll(detail, "category "+categoryID, categoryName)
	}
	if r.GetCriterion() == "specialisms" {
		for _, prefix := range []string{"offers ", "lacks "} {
			if rest, ok := strings.CutPrefix(detail, prefix); ok {
				codes := strings.Split(rest, ", ")
				for i, c := range codes {
					codes[i] = strings.ToLower(RefNeed(c)[:1]) + RefNeed(c)[1:]
				}
				detail = prefix + strings.Join(codes, ", ")
			}
		}
	}
	return about, refCapitalise(detail)
}

func refCapitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// RefRisk is a provider's risk level from monitoring with its tag colour.
func RefRisk(l monitoringv1.RiskLevel) (text, class string) {
	switch l {
	case monitoringv1.RiskLevel_RISK_LEVEL_GREEN:
		return "Green", "govuk-tag govuk-tag--green"
	case monitoringv1.RiskLevel_RISK_LEVEL_AMBER:
		return "Amber", "govuk-tag govuk-tag--yellow"
	case monitoringv1.RiskLevel_RISK_LEVEL_RED:
		return "Red", "govuk-tag govuk-tag--red"
	}
	return "Not assessed", "govuk-tag govuk-tag--grey"
}

// refStatus is a referral's status with its tag colour.
func refStatus(s purchasingv1.ReferralStatus) (string, string) {
	switch s {
	case purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN:
		return "Waiting for offers", "govuk-tag govuk-tag--blue"
	case purchasingv1.ReferralStatus_REFERRAL_STATUS_AWARDED:
		return "Placed", "govuk-tag govuk-tag--green"
	case purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN:
		return "Withdrawn", "govuk-tag govuk-tag--grey"
	}
	return "", "govuk-tag"
}
