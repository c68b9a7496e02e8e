package view

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
)

// The framework page's call-offs: each in words (council, lot, provider,
// how, why, when), never an enum name; none yet said so.
func TestCallOffsInWords(t *testing.T) {
	fw := &frameworkv1.Framework{
		Status: frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE,
		Lots:   []*frameworkv1.Lot{{Terms: &frameworkv1.LotTerms{LotId: "lot-1", Name: "Residential: emotional and behavioural needs"}}},
		CallOffs: []*frameworkv1.CallOff{
			{Council: "352", LotId: "lot-1", ProviderId: "pennine-pathways", ProviderName: "Pennine Pathways",
				Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD, Reason: "Ranked first with a vacancy",
				AwardedAt: timestamppb.New(time.Date(2026, 12, 3, 14, 5, 0, 0, time.UTC))},
			{Council: "356", LotId: "lot-1", ProviderId: "irwell-house",
				Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION, Reason: "Best of three offers"},
		},
	}
	var b strings.Builder
	if err := CallOffs(fw).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"Call-offs", "3 December 2026 at 2:05pm", "352 Manchester", "Residential: emotional and behavioural needs",
		"Pennine Pathways", "Direct award", "Ranked first with a vacancy", "irwell-house", "Further competition", "Best of three offers"} {
		if !strings.Contains(got, want) {
			t.Errorf("the call-offs do not show %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "CALL_OFF_METHOD") {
		t.Errorf("the call-offs show an enum name:\n%s", got)
	}
	b.Reset()
	fw.CallOffs = nil
	if err := CallOffs(fw).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "No council has called off from this framework yet.") {
		t.Errorf("no call-offs: %s", b.String())
	}
	// Before the framework is active there is no section at all.
	fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED
	if calloffShown(fw) {
		t.Error("an awarded framework without call-offs shows the section")
	}
}
