package domain_test

import (
	"strings"
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

func ending(a domain.Actor, on, code string) domain.EndPlacement {
	return domain.EndPlacement{Actor: a, Now: now, EndDate: on, ReasonCode: code, Reason: "returned home", ReasonCodes: reasonCodes}
}

func recordOutcome(a domain.Actor, point monitoringv1.OutcomePoint, on string, n uint32) domain.RecordOutcome {
	return domain.RecordOutcome{Actor: a, Now: now, Point: point, RecordedOn: on, Scores: scores(n)}
}

const (
	atStart  = monitoringv1.OutcomePoint_OUTCOME_POINT_START
	atReview = monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW
)

func TestStartContract(t *testing.T) {
	s := when(givenContract(), domain.DecideStart, domain.StartContract{Contract: placementStarted()}).
		thenEvents(t, placementStarted())
	if s.Started == nil || s.Ended != nil {
		t.Fatalf("after the award: started %v, ended %v", s.Started, s.Ended)
	}
	when(givenContract(), domain.DecideStart, domain.StartContract{Contract: frameworkStarted()}).
		thenEvents(t, frameworkStarted())
}

func TestStartContractIsIdempotent(t *testing.T) {
	// The award redelivered: nothing new, and the contract is as it was.
	s := when(givenContract(placementStarted()), domain.DecideStart, domain.StartContract{Contract: placementStarted()}).thenNothing(t)
	if s.Started.GetStartDate() != placedOn {
		t.Fatalf("start date %q after a redelivery", s.Started.GetStartDate())
	}
	// Even one that differs (a later re-award of the same id) changes nothing.
	changed := placementStarted()
	changed.StartDate = "2026-10-01"
	when(givenContract(placementStarted()), domain.DecideStart, domain.StartContract{Contract: changed}).thenNothing(t)
}

func TestEndPlacement(t *testing.T) {
	s := when(givenContract(placementStarted()), domain.DecideEndPlacement, ending(commissioner, "2026-11-20", "E4A")).
		thenEvents(t, placementEnded("2026-11-20", "E4A"))
	if s.Ended == nil {
		t.Fatal("the placement is not ended")
	}
	// Every code of the year's list, and the boundary days: the start date
	// itself and today.
	for _, code := range reasonCodes {
		when(givenContract(placementStarted()), domain.DecideEndPlacement, ending(commissioner, today, code)).
			thenEvents(t, placementEnded(today, code))
	}
	when(givenContract(placementStarted()), domain.DecideEndPlacement, ending(commissioner, placedOn, "X1")).
		thenEvents(t, placementEnded(placedOn, "X1"))
}

func TestEndPlacementByAnotherCouncil(t *testing.T) {
	// Council 353 cannot end, or even see, 352's placement; nor can the
	// provider or the lead.
	for _, a := range []domain.Actor{commissioner2, acme, lead} {
		when(givenContract(placementStarted()), domain.DecideEndPlacement, ending(a, yesterday, "E4A")).thenMissing(t, "contract")
	}
	// No contract at all.
	when(givenContract(), domain.DecideEndPlacement, ending(commissioner, yesterday, "E4A")).thenMissing(t, "contract")
}

func TestEndPlacementRules(t *testing.T) {
	// A framework contract ends with its framework.
	when(givenContract(frameworkStarted()), domain.DecideEndPlacement, ending(commissioner, yesterday, "E4A")).
		thenRule(t, domain.RuleOutcomesForPlacement)
	// An end still to come.
	when(givenContract(placementStarted()), domain.DecideEndPlacement, ending(commissioner, tomorrow, "E4A")).
		thenRule(t, domain.RuleDateInFuture)
	// Before the child was placed.
	when(givenContract(placementStarted()), domain.DecideEndPlacement, ending(commissioner, "2026-08-31", "E4A")).
		thenRule(t, domain.RuleEndBeforeStart)
	// Ended already, even with the same end.
	ended := events(placementStarted(), placementEnded("2026-11-20", "E4A"))
	de := when(givenContract(ended...), domain.DecideEndPlacement, ending(commissioner, "2026-11-20", "E4A")).
		thenRule(t, domain.RuleContractEnded)
	if !strings.Contains(de.Message, "2026-11-20") {
		t.Errorf("the refusal does not say when it ended: %s", de.Message)
	}
	// A code not in the SSDA903 list, or no list at all.
	when(givenContract(placementStarted()), domain.DecideEndPlacement, ending(commissioner, yesterday, "E99")).
		thenRule(t, domain.RuleUnknownReasonCode)
	noList := ending(commissioner, yesterday, "E4A")
	noList.ReasonCodes = nil
	when(givenContract(placementStarted()), domain.DecideEndPlacement, noList).thenRule(t, domain.RuleUnknownReasonCode)
}

func TestEndFrameworkContract(t *testing.T) {
	end := domain.EndFrameworkContract{EndDate: "2026-11-30", ReasonCode: "terminated", Reason: "framework terminated"}
	s := when(givenContract(frameworkStarted()), domain.DecideEndFramework, end).thenEvents(t, &monitoringv1.ContractEnded{
		ContractId: frameworkID, EndDate: "2026-11-30", ReasonCode: "terminated", Reason: "framework terminated",
		Kind: monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK, ProviderId: acmeID,
	})
	// The framework's end redelivered, or a contract never seen: nothing.
	when(givenContract(s.Started, s.Ended), domain.DecideEndFramework, end).thenNothing(t)
	when(givenContract(), domain.DecideEndFramework, end).thenNothing(t)
}

func TestRecordOutcomes(t *testing.T) {
	s := when(givenContract(placementStarted()), domain.DecideOutcome, recordOutcome(commissioner, atStart, placedOn, 2)).
		thenEvents(t, outcomeRecorded(atStart, placedOn, 2))
	s = when(givenContract(placementStarted(), s.Outcomes[0]), domain.DecideOutcome, recordOutcome(commissioner, atReview, "2026-11-02", 3)).
		thenEvents(t, outcomeRecorded(atReview, "2026-11-02", 3))
	if len(s.Outcomes) != 2 {
		t.Fatalf("want two outcomes, got %d", len(s.Outcomes))
	}
	// Reviews repeat.
	when(givenContract(placementStarted(), s.Outcomes[0], s.Outcomes[1]), domain.DecideOutcome, recordOutcome(commissioner, atReview, today, 4)).
		thenEvents(t, outcomeRecorded(atReview, today, 4))
	// A review on the day the placement ended is the last one.
	ended := events(placementStarted(), outcomeRecorded(atStart, placedOn, 2), placementEnded("2026-11-20", "E4A"))
	when(givenContract(ended...), domain.DecideOutcome, recordOutcome(commissioner, atReview, "2026-11-20", 4)).
		thenEvents(t, outcomeRecorded(atReview, "2026-11-20", 4))
}

func TestOutcomeRules(t *testing.T) {
	started := events(placementStarted(), outcomeRecorded(atStart, placedOn, 2))
	// A review needs the start outcomes to compare with.
	when(givenContract(placementStarted()), domain.DecideOutcome, recordOutcome(commissioner, atReview, yesterday, 3)).
		thenRule(t, domain.RuleReviewBeforeStart)
	// Start outcomes once.
	when(givenContract(started...), domain.DecideOutcome, recordOutcome(commissioner, atStart, yesterday, 3)).
		thenRule(t, domain.RuleStartOutcomeRecorded)
	// Before the placement started.
	when(givenContract(placementStarted()), domain.DecideOutcome, recordOutcome(commissioner, atStart, "2026-08-31", 2)).
		thenRule(t, domain.RuleOutcomeBeforeStart)
	// After it ended.
	ended := append(started, placementEnded("2026-11-20", "E4A"))
	when(givenContract(ended...), domain.DecideOutcome, recordOutcome(commissioner, atReview, "2026-11-21", 3)).
		thenRule(t, domain.RuleContractEnded)
	// In the future.
	when(givenContract(started...), domain.DecideOutcome, recordOutcome(commissioner, atReview, tomorrow, 3)).
		thenRule(t, domain.RuleDateInFuture)
	// For a framework contract.
	when(givenContract(frameworkStarted()), domain.DecideOutcome, recordOutcome(commissioner, atStart, yesterday, 3)).
		thenRule(t, domain.RuleOutcomesForPlacement)
}

func TestOutcomeByAnotherCouncil(t *testing.T) {
	when(givenContract(placementStarted()), domain.DecideOutcome, recordOutcome(commissioner2, atStart, placedOn, 2)).thenMissing(t, "contract")
	when(givenContract(), domain.DecideOutcome, recordOutcome(commissioner, atStart, placedOn, 2)).thenMissing(t, "contract")
}
