package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
)

// Evolve is pure: a state evolved along one path is unchanged for another.

func TestEvolveReturnLeavesTheGivenStateUnchanged(t *testing.T) {
	history := []proto.Message{
		&demandv1.NeedsReturnSubmitted{Council: "352", AsAt: "2025-03-31", Submission: 1},
		&demandv1.NeedsReturnSubmitted{Council: "352", AsAt: "2025-03-31", Submission: 2},
		&demandv1.NeedsReturnSubmitted{Council: "352", AsAt: "2025-03-31", Submission: 3},
		&demandv1.NeedsReturnWithdrawn{Council: "352", AsAt: "2025-03-31", Submission: 3},
	}
	evolvetest.AssertPure(t, domain.EvolveReturn, history,
		&demandv1.NeedsReturnSubmitted{Council: "352", AsAt: "2025-03-31", Submission: 4},
		&demandv1.NeedsReturnWithdrawn{Council: "352", AsAt: "2025-03-31", Submission: 2},
		&demandv1.NeedsReturnWithdrawn{Council: "352", AsAt: "2025-03-31", Submission: 1},
	)
}

func TestEvolvePolicyLeavesTheGivenStateUnchanged(t *testing.T) {
	evolvetest.AssertPure(t, domain.EvolvePolicy, []proto.Message{&demandv1.DisclosurePolicySet{Consortium: "north-west", Threshold: 5}},
		&demandv1.DisclosurePolicySet{Consortium: "north-west", Threshold: 10},
		&demandv1.DisclosurePolicySet{Consortium: "north-west", Threshold: 7},
	)
}
