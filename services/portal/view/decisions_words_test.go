package view

import "testing"

// Decisions, organisations and councils read as words, never as codes.
func TestDecisionLogWords(t *testing.T) {
	for in, want := range map[string]string{
		"FrameworkDrafted":         "Framework drafted",
		"ProviderSuspendedFromLot": "Provider suspended from lot",
		"DpsCreated":               "DPS created",
		"OfstedJudgementRecorded":  "Ofsted judgement recorded",
		"RiskLevelChanged":         "Risk level changed",
	} {
		if got := DecisionWords(in); got != want {
			t.Errorf("DecisionWords(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"consortium:north-west":     "Consortium north-west",
		"council:352":               "Manchester (352)",
		"council:999":               "Council 999",
		"provider:pennine-pathways": "Provider pennine-pathways",
		"platform":                  "The platform",
	} {
		if got := OrganisationWords(in); got != want {
			t.Errorf("OrganisationWords(%q) = %q, want %q", in, got, want)
		}
	}
	if got := RoleWords("consortium_lead"); got != "Consortium lead" {
		t.Errorf("RoleWords: %q", got)
	}
}
