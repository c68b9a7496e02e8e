package view

import (
	"strconv"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// A referral's need in a provider's words: the Placements Data Standard's
// codes never reach the page.

// inboxNeeds are the specialism codes of a need (and of a setting) in words.
var inboxNeeds = map[string]string{
	"emotional_behavioural": "Emotional and behavioural needs", "mental_health": "Mental health",
	"learning_disability": "Learning disability", "autism": "Autism", "physical_disability": "Physical disability",
	"complex_health": "Complex health needs", "sexual_exploitation": "Risk of sexual exploitation",
	"criminal_exploitation": "Risk of criminal exploitation", "missing_from_care": "Going missing from care",
	"self_harm": "Self-harm", "eating_disorder": "Eating disorder", "substance_misuse": "Drug or alcohol misuse",
	"harmful_sexual_behaviour": "Harmful sexual behaviour", "fire_setting": "Fire setting",
	"solo_placement": "Needs to live without other children", "sibling_groups": "Placed with brothers or sisters",
	"parent_and_child": "Parent and child", "unaccompanied_asylum_seeking": "Unaccompanied asylum-seeking child",
	"deprivation_of_liberty": "Deprivation of liberty order", "therapeutic": "Therapeutic care",
	"bsl": "British Sign Language", "makaton": "Makaton", "esol": "English as a second language",
	"home_adaptations": "Adapted home", "education_on_site": "Education on site",
}

// InboxNeed is a specialism code in words ("emotional_behavioural" →
// "Emotional and behavioural needs").
func InboxNeed(code string) string {
	if w, ok := inboxNeeds[code]; ok {
		return w
	}
	return strings.ReplaceAll(code, "_", " ")
}

// InboxAgeBand is an age with its band of the children looked after
// statistics: "14 (age band 10 to 15)".
func InboxAgeBand(age uint32) string {
	band := "16 and over"
	switch {
	case age < 1:
		band = "under 1"
	case age <= 4:
		band = "1 to 4"
	case age <= 9:
		band = "5 to 9"
	case age <= 15:
		band = "10 to 15"
	}
	return strconv.Itoa(int(age)) + " (age band " + band + ")"
}

func inboxSuitability(s purchasingv1.Suitability) string {
	switch s {
	case purchasingv1.Suitability_SUITABILITY_PREFERRED:
		return "preferred"
	case purchasingv1.Suitability_SUITABILITY_SUITABLE_NOT_PREFERRED:
		return "suitable, not preferred"
	case purchasingv1.Suitability_SUITABILITY_UNSUITABLE:
		return "not suitable"
	}
	return ""
}

func inboxCompanions(l purchasingv1.LivingCompanions) string {
	switch l {
	case purchasingv1.LivingCompanions_LIVING_COMPANIONS_SOLO:
		return "Without other children"
	case purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN:
		return "With other children"
	case purchasingv1.LivingCompanions_LIVING_COMPANIONS_ONLY_OLDER:
		return "Only with older children"
	case purchasingv1.LivingCompanions_LIVING_COMPANIONS_ONLY_YOUNGER:
		return "Only with younger children"
	case purchasingv1.LivingCompanions_LIVING_COMPANIONS_NO_PREFERENCE:
		return "No preference"
	}
	return ""
}

func inboxPets(p purchasingv1.Pets) string {
	switch p {
	case purchasingv1.Pets_PETS_MUST:
		return "Must live with pets"
	case purchasingv1.Pets_PETS_CAN:
		return "Can live with pets"
	case purchasingv1.Pets_PETS_NO:
		return "Must not live with pets"
	case purchasingv1.Pets_PETS_NOT_KNOWN:
		return "Not known"
	}
	return ""
}

func inboxCultural(c purchasingv1.CulturalNeeds) string {
	switch c {
	case purchasingv1.CulturalNeeds_CULTURAL_NEEDS_REQUIRED:
		return "Cultural needs to be met"
	case purchasingv1.CulturalNeeds_CULTURAL_NEEDS_NOT_REQUIRED:
		return "No particular cultural needs"
	case purchasingv1.CulturalNeeds_CULTURAL_NEEDS_OTHER:
		return "Other cultural needs (ask the council)"
	case purchasingv1.CulturalNeeds_CULTURAL_NEEDS_NOT_KNOWN:
		return "Not known"
	}
	return ""
}

// inboxRisks are the risks a need records, in words.
func inboxRisks(r *purchasingv1.Risks) []string {
	var out []string
	for _, x := range []struct {
		on   bool
		word string
	}{
		{r.GetSelfHarm(), "Self-harm"}, {r.GetSexualExploitation(), "Sexual exploitation"}, {r.GetCriminalExploitation(), "Criminal exploitation"},
		{r.GetDrugAlcohol(), "Drug or alcohol misuse"}, {r.GetEatingDisorder(), "Eating disorder"}, {r.GetMissing(), "Going missing"},
		{r.GetToOthersPhysical(), "Physical harm to others"}, {r.GetToOthersSexual(), "Sexual harm to others"}, {r.GetToOthersFire(), "Fire setting"},
		{r.GetToOthersAnimals(), "Harm to animals"}, {r.GetToOthersCriminal(), "Criminal behaviour towards others"},
	} {
		if x.on {
			out = append(out, x.word)
		}
	}
	if r.GetOther() != "" {
		out = append(out, r.GetOther())
	}
	if r.GetToOthersOther() != "" {
		out = append(out, "To others: "+r.GetToOthersOther())
	}
	return out
}

// InboxDeclineReason is why a provider declines, in words.
func InboxDeclineReason(r purchasingv1.DeclineReason) string {
	switch r {
	case purchasingv1.DeclineReason_DECLINE_REASON_NO_VACANCY:
		return "No place free"
	case purchasingv1.DeclineReason_DECLINE_REASON_CANNOT_MEET_NEEDS:
		return "We cannot meet the child's needs"
	case purchasingv1.DeclineReason_DECLINE_REASON_MATCHING_RISK:
		return "Not a safe match with the children already living there"
	case purchasingv1.DeclineReason_DECLINE_REASON_LOCATION:
		return "The location does not suit the child"
	case purchasingv1.DeclineReason_DECLINE_REASON_PRICE:
		return "We cannot offer within the budget"
	case purchasingv1.DeclineReason_DECLINE_REASON_STAFFING:
		return "We do not have the staff"
	case purchasingv1.DeclineReason_DECLINE_REASON_OTHER:
		return "Another reason"
	}
	return ""
}

// InboxNeedRows is a need as a summary list: what the child needs in
// words, the placement type named by its DPS category.
func InboxNeedRows(n *purchasingv1.Need, category string) []CheckRow {
	sex := "Female"
	if n.GetSex() == purchasingv1.Sex_SEX_MALE {
		sex = "Male"
	}
	rows := []CheckRow{
		{Key: "Age", Lines: []string{InboxAgeBand(n.GetAgeYears())}},
		{Key: "Sex", Lines: []string{sex}},
	}
	var needs []string
	for _, c := range n.GetNeeds() {
		needs = append(needs, InboxNeed(c))
	}
	if len(needs) == 0 {
		needs = []string{"None recorded"}
	}
	rows = append(rows, CheckRow{Key: "Needs and specialisms", Lines: needs})
	placement := []string{category}
	for _, s := range []struct {
		what string
		v    purchasingv1.Suitability
	}{{"Foster care", n.GetFosterCare()}, {"Residential care", n.GetResidentialCare()}, {"Supported accommodation", n.GetSupportedAccommodation()}} {
		if w := inboxSuitability(s.v); w != "" {
			placement = append(placement, s.what+": "+w)
		}
	}
	rows = append(rows, CheckRow{Key: "Placement type", Lines: placement})
	area := []string{"Home area " + strings.ToUpper(n.GetHomeOutcode()) + ", placements within " + count(int(n.GetMaxDistanceMiles()), "mile", "miles")}
	if n.GetPreferredLocation() != "" {
		area = append(area, "Preferred: "+n.GetPreferredLocation())
	}
	rows = append(rows, CheckRow{Key: "Area", Lines: area})
	start := []string{Date(n.GetStartBy())}
	if w := RefEnum(RefNeededBy, int32(n.GetNeededBy())); w != "" {
		start = append(start, "Needed: "+strings.ToLower(w))
	}
	rows = append(rows,
		CheckRow{Key: "Start by", Lines: start},
		CheckRow{Key: "Expected duration", Lines: []string{count(int(n.GetExpectedDurationWeeks()), "week", "weeks")}},
		CheckRow{Key: "Weekly budget", Lines: []string{Pounds(n.GetWeeklyBudgetPence()) + " at most"}},
	)
	if n.GetSiblingCount() > 0 {
		rows = append(rows, CheckRow{Key: "Brothers or sisters to place together", Lines: []string{strconv.Itoa(int(n.GetSiblingCount()))}})
	}
	if risks := inboxRisks(n.GetRisks()); len(risks) > 0 {
		rows = append(rows, CheckRow{Key: "Risks", Lines: risks})
	}
	var living []string
	if w := inboxCompanions(n.GetLivingCompanions()); w != "" {
		living = append(living, "Living: "+strings.ToLower(w))
	}
	if w := inboxPets(n.GetPets()); w != "" {
		living = append(living, "Pets: "+strings.ToLower(w))
	}
	if w := inboxCultural(n.GetCulturalNeeds()); w != "" {
		living = append(living, w)
	}
	if n.GetCommunicationNeeds() || len(n.GetCommunicationRequirements()) > 0 {
		c := "Communication needs"
		if len(n.GetCommunicationRequirements()) > 0 {
			c += ": " + strings.Join(n.GetCommunicationRequirements(), ", ")
		}
		living = append(living, c)
	}
	if n.GetHomeAdaptation() {
		living = append(living, "Needs an adapted home")
	}
	for _, a := range n.GetAdditionalSupport() {
		living = append(living, "Support: "+a)
	}
	if n.GetDeprivationOfLiberty() {
		living = append(living, "Subject to a deprivation of liberty order")
	}
	if len(living) > 0 {
		rows = append(rows, CheckRow{Key: "Other requirements", Lines: living})
	}
	return rows
}
