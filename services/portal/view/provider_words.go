package view

import (
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// ProvSpecialisms are the needs a setting can be registered and staffed to
// meet: the service's codes with the words a provider reads, in the order
// the form lists them.
var ProvSpecialisms = []Option{
	{Value: "emotional_behavioural", Text: "Emotional and behavioural difficulties"},
	{Value: "mental_health", Text: "Mental health"},
	{Value: "learning_disability", Text: "Learning disability"},
	{Value: "autism", Text: "Autism"},
	{Value: "physical_disability", Text: "Physical disability"},
	{Value: "complex_health", Text: "Complex health needs"},
	{Value: "sexual_exploitation", Text: "Risk of sexual exploitation"},
	{Value: "criminal_exploitation", Text: "Risk of criminal exploitation"},
	{Value: "missing_from_care", Text: "Going missing from care"},
	{Value: "self_harm", Text: "Self-harm"},
	{Value: "eating_disorder", Text: "Eating disorders"},
	{Value: "substance_misuse", Text: "Drug or alcohol misuse"},
	{Value: "harmful_sexual_behaviour", Text: "Harmful sexual behaviour"},
	{Value: "fire_setting", Text: "Fire setting"},
	{Value: "solo_placement", Text: "Solo placements (one child only)"},
	{Value: "sibling_groups", Text: "Brothers and sisters placed together"},
	{Value: "parent_and_child", Text: "Parent and child"},
	{Value: "unaccompanied_asylum_seeking", Text: "Unaccompanied asylum-seeking children"},
	{Value: "deprivation_of_liberty", Text: "Children under a deprivation of liberty order"},
	{Value: "therapeutic", Text: "Therapeutic care"},
	{Value: "bsl", Text: "British Sign Language"},
	{Value: "makaton", Text: "Makaton"},
	{Value: "esol", Text: "English for speakers of other languages"},
	{Value: "home_adaptations", Text: "Adapted home (for example, wheelchair access)"},
	{Value: "education_on_site", Text: "Education on site"},
}

// ProvSpecialism is a specialism code in words.
func ProvSpecialism(code string) string {
	for _, o := range ProvSpecialisms {
		if o.Value == code {
			return o.Text
		}
	}
	return strings.ReplaceAll(code, "_", " ")
}

// ProvSettingTypes are the kinds of setting, in words.
func ProvSettingTypes() []Option {
	var out []Option
	for t := purchasingv1.SettingType(1); int(t) < len(purchasingv1.SettingType_name); t++ {
		out = append(out, Option{Value: strings.TrimPrefix(t.String(), "SETTING_TYPE_"), Text: DpsSettingType(t)})
	}
	return out
}

// ProvGrades are the Ofsted judgements a provider declares, best first.
func ProvGrades() []Option {
	var out []Option
	for g := purchasingv1.OfstedGrade(1); int(g) < len(purchasingv1.OfstedGrade_name); g++ {
		out = append(out, Option{Value: strings.TrimPrefix(g.String(), "OFSTED_GRADE_"), Text: Words(g)})
	}
	return out
}

// ProvAccreditationKinds are the kinds of accreditation, in words.
func ProvAccreditationKinds() []Option {
	var out []Option
	for k := purchasingv1.AccreditationKind(1); int(k) < len(purchasingv1.AccreditationKind_name); k++ {
		out = append(out, Option{Value: strings.TrimPrefix(k.String(), "ACCREDITATION_KIND_"), Text: dpsAccreditation(k)})
	}
	return out
}

// ProvAccreditation is an accreditation's kind in words.
func ProvAccreditation(k purchasingv1.AccreditationKind) string { return dpsAccreditation(k) }

// ProvExpiredBlocks is what an expired accreditation stops, as the
// purchasing service applies it: a consortium cannot admit the provider to
// a DPS category, and none of its settings is matched to a new referral.
// Applying, offers on referrals already received and vacancies go on.
const ProvExpiredBlocks = "Until you record a current one, no consortium can admit you to a dynamic purchasing system, and none of your settings is matched to new referrals. You can still apply, and answer referrals you have already received."

// provKindValue is an accreditation kind as a form sends it.
func provKindValue(k purchasingv1.AccreditationKind) string {
	return strings.TrimPrefix(k.String(), "ACCREDITATION_KIND_")
}

// provExpiryRule is the rule said before anything has expired.
const provExpiryRule = "If one expires, no consortium can admit you to a dynamic purchasing system, and none of your settings is matched to new referrals, until you record a current one."
