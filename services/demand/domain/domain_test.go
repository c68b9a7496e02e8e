package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

var (
	now      = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	analyst  = domain.Actor{Subject: "a@352", Organisation: "council:352", Role: domain.RoleCouncilAnalyst}
	provider = domain.Actor{Subject: "p", Organisation: "provider:acme", Role: "provider_admin"}
	lead     = domain.Actor{Subject: "l", Organisation: "consortium:north-west", Role: domain.RoleConsortiumLead}
)

func cell(group, age string, n uint32) *demandv1.NeedsCell {
	return &demandv1.NeedsCell{PlacementGroup: group, AgeBand: age, Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: n}
}

func submit(cells ...*demandv1.NeedsCell) domain.SubmitNeedsReturn {
	return domain.SubmitNeedsReturn{Actor: analyst, Now: now, AsAt: "2026-03-31", Cells: cells, Source: "api", LegalStatuses: []string{"C1", "C2", "V2"}}
}

func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	de, ok := domainerr.As(err)
	if !ok || de.Rule != rule {
		t.Fatalf("error = %v, want rule %s", err, rule)
	}
}

func TestSubmitNeedsReturn(t *testing.T) {
	evs, err := domain.DecideReturn(domain.ReturnState{}, submit(cell("fostering", "5-9", 12), cell("residential", "10-15", 3)))
	if err != nil {
		t.Fatal(err)
	}
	got := evs[0].(*demandv1.NeedsReturnSubmitted)
	if got.GetReturnId() != "352-2026-03-31" || got.GetCouncil() != "352" || got.GetChildren() != 15 || got.GetSubmission() != 1 {
		t.Fatalf("submitted %v", got)
	}
	// A later return for the same date supersedes it; both stay.
	s := domain.EvolveReturn(domain.ReturnState{}, got)
	evs, err = domain.DecideReturn(s, submit(cell("fostering", "5-9", 13)))
	if err != nil {
		t.Fatal(err)
	}
	second := evs[0].(*demandv1.NeedsReturnSubmitted)
	if second.GetSubmission() != 2 || second.GetChildren() != 13 {
		t.Fatalf("second submission %v", second)
	}
	if s = domain.EvolveReturn(s, second); !proto.Equal(s.Latest, second) {
		t.Fatal("the latest submission does not supersede")
	}
}

func TestSubmitNeedsReturnRules(t *testing.T) {
	if _, err := domain.DecideReturn(domain.ReturnState{}, domain.SubmitNeedsReturn{Actor: provider, Now: now, AsAt: "2026-03-31"}); err == nil {
		t.Fatal("a provider submitted a council's return")
	} else if de, _ := domainerr.As(err); de.Kind != domainerr.Denied {
		t.Fatalf("provider: %v", err)
	}
	c := submit(cell("fostering", "5-9", 1))
	c.AsAt = "2027-03-31"
	_, err := domain.DecideReturn(domain.ReturnState{}, c)
	wantRule(t, err, domain.RuleAsAtNotFuture)
	_, err = domain.DecideReturn(domain.ReturnState{}, submit(cell("fostering", "5-9", 1), cell("fostering", "5-9", 2)))
	wantRule(t, err, domain.RuleCellsUnique)
	_, err = domain.DecideReturn(domain.ReturnState{}, submit(cell("boarding", "5-9", 1)))
	wantRule(t, err, domain.RuleUnknownPlacementGroup)
	odd := cell("fostering", "5-9", 1)
	odd.LegalStatus = "X9"
	_, err = domain.DecideReturn(domain.ReturnState{}, submit(odd))
	if de, ok := domainerr.As(err); !ok || de.Kind != domainerr.Invalid || de.Rule != "cells[0].legal_status" {
		t.Fatalf("unknown legal status: %v", err)
	}
	c = submit(cell("fostering", "5-9", 1))
	c.Transitions = &demandv1.Transitions{From: "2024-03-31", To: "2025-03-31"}
	_, err = domain.DecideReturn(domain.ReturnState{}, c)
	wantRule(t, err, domain.RuleTransitionYear)
	c.Transitions = &demandv1.Transitions{From: "2025-03-31", To: "2026-03-31", Entries: map[string]uint32{"boarding": 2}}
	_, err = domain.DecideReturn(domain.ReturnState{}, c)
	wantRule(t, err, domain.RuleUnknownPlacementGroup)
}

func TestDisclosurePolicy(t *testing.T) {
	evs, err := domain.DecidePolicy(domain.PolicyState{}, domain.SetDisclosurePolicy{Actor: lead, Threshold: 10, MinPriceProviders: 3, Reason: "board decision"})
	if err != nil || evs[0].(*demandv1.DisclosurePolicySet).GetConsortium() != "north-west" {
		t.Fatalf("policy: %v %v", evs, err)
	}
	if _, err := domain.DecidePolicy(domain.PolicyState{}, domain.SetDisclosurePolicy{Actor: analyst, Threshold: 10, MinPriceProviders: 3}); err == nil {
		t.Fatal("a council set the consortium's policy")
	}
	if _, err := domain.DecidePolicy(domain.PolicyState{}, domain.SetDisclosurePolicy{Actor: lead, Threshold: 2, MinPriceProviders: 3}); err == nil {
		t.Fatal("threshold 2 accepted")
	}
}

func TestBands(t *testing.T) {
	for age, want := range map[uint32]string{0: "under 1", 1: "1-4", 4: "1-4", 5: "5-9", 10: "10-15", 15: "10-15", 16: "16+", 17: "16+"} {
		if got := domain.AgeBand(age); got != want {
			t.Errorf("AgeBand(%d) = %q, want %q", age, got, want)
		}
	}
	if domain.PostcodeArea("SK4") != "SK" || domain.PostcodeArea("M14") != "M" {
		t.Error("postcode areas")
	}
	if domain.DistanceBand(4.9) != "0-5" || domain.DistanceBand(25) != "20-50" || domain.DistanceBand(80) != "50+" {
		t.Error("distance bands")
	}
}
