package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/fuzzgen"
)

func fuzzDemand() []fuzzgen.Session {
	return []fuzzgen.Session{
		fuzzgen.Aggregate[domain.ReturnState]{
			Name: "needs return", Initial: func() domain.ReturnState { return domain.ReturnState{} }, Evolve: domain.EvolveReturn,
			Histories: [][]proto.Message{{submitted(1, 3)}, {submitted(1, 3), submitted(2, 4)}, {submitted(1, 3), withdrawn(1)}},
			Commands: []fuzzgen.Command[domain.ReturnState]{
				fuzzgen.Cmd(domain.DecideReturn),
				fuzzgen.Cmd(domain.DecideWithdrawal),
			},
		},
		fuzzgen.Aggregate[domain.PolicyState]{
			Name: "disclosure policy", Initial: func() domain.PolicyState { return domain.PolicyState{} }, Evolve: domain.EvolvePolicy,
			Commands: []fuzzgen.Command[domain.PolicyState]{fuzzgen.Cmd(domain.DecidePolicy)},
		},
	}
}

func fuzzDemandVocab() fuzzgen.Vocab {
	v := fuzzgen.Vocab{
		Strings: []string{"352", "353", "2026-03-31", "api", "C1", "C2", "V2", "N1", "inside", "outside", "0-5", "under 1", "10-15", "16+"},
		Values:  []any{analyst, provider, lead, []string{"C1", "C2", "V2"}, cell("fostering", "10-15", 3), cell("residential", "16+", 1)},
	}
	v.Strings = append(v.Strings, domain.PlacementGroups...)
	return v
}

// FuzzDemandDecide issues random submissions, withdrawals and policy
// changes against a council's returns: no panic, refusals are domain
// errors with their rule, events marshal and evolve (fuzzgen).
func FuzzDemandDecide(f *testing.F) {
	for _, seed := range [][]byte{{}, {0, 1}, {0, 2, 0, 0}, {1, 0, 1}, []byte("demand seed: a longer session of many commands")} {
		f.Add(seed)
	}
	sessions, vocab := fuzzDemand(), fuzzDemandVocab()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzgen.Run(t, data, vocab, sessions...) })
}

// TestFuzzDemandAccepts: random sessions get commands accepted, so the
// fuzz target explores past the first refusal.
func TestFuzzDemandAccepts(t *testing.T) {
	n := fuzzgen.Accepted(t, 2000, fuzzDemandVocab(), fuzzDemand()...)
	if n == 0 {
		t.Fatal("2000 random sessions had no command accepted")
	}
	t.Logf("%d commands accepted in 2000 sessions", n)
}
