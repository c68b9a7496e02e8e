package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/fuzzgen"
)

// fuzzDecide is Decide for one command kind.
func fuzzDecide[C domain.Command](s domain.State, c C) ([]proto.Message, error) {
	return domain.Decide(s, c)
}

// FuzzFrameworkDecide issues random commands of every kind against the
// framework's histories (from none to terminated): no panic, refusals are
// domain errors with their rule, events marshal and evolve (fuzzgen).
func FuzzFrameworkDecide(f *testing.F) {
	for _, seed := range [][]byte{{}, {0, 1}, {6, 9, 3, 1}, {7, 13, 0, 5, 8, 2}, []byte("framework seed: a longer session of many commands")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzgen.Run(t, data, fuzzFrameworkVocab, fuzzFramework) })
}

// TestFuzzFrameworkAccepts: random sessions get commands accepted, so the
// fuzz target explores past the first refusal.
func TestFuzzFrameworkAccepts(t *testing.T) {
	if n := fuzzgen.Accepted(t, 2000, fuzzFrameworkVocab, fuzzFramework); n == 0 {
		t.Fatal("2000 random sessions had no command accepted")
	} else {
		t.Logf("%d commands accepted in 2000 sessions", n)
	}
}

var fuzzFramework = fuzzgen.Aggregate[domain.State]{
	Name: "framework", Initial: domain.Initial, Evolve: domain.Evolve,
	Histories: [][]proto.Message{draft(), open(), withBids(), evaluated(), awarded(), active(), terminated(), expired(),
		append(active(), upliftRequested())},
	Commands: []fuzzgen.Command[domain.State]{
		fuzzgen.Cmd(fuzzDecide[domain.DraftFramework]),
		fuzzgen.Cmd(fuzzDecide[domain.AmendFramework]),
		fuzzgen.Cmd(fuzzDecide[domain.AddMemberCouncil]),
		fuzzgen.Cmd(fuzzDecide[domain.RemoveMemberCouncil]),
		fuzzgen.Cmd(fuzzDecide[domain.OpenForBids]),
		fuzzgen.Cmd(fuzzDecide[domain.SubmitBid]),
		fuzzgen.Cmd(fuzzDecide[domain.ScoreBid]),
		fuzzgen.Cmd(fuzzDecide[domain.AwardFramework]),
		fuzzgen.Cmd(fuzzDecide[domain.ActivateFramework]),
		fuzzgen.Cmd(fuzzDecide[domain.ExtendFramework]),
		fuzzgen.Cmd(fuzzDecide[domain.ExpireFramework]),
		fuzzgen.Cmd(fuzzDecide[domain.TerminateFramework]),
		fuzzgen.Cmd(fuzzDecide[domain.RequestPriceUplift]),
		fuzzgen.Cmd(fuzzDecide[domain.ApprovePriceUplift]),
		fuzzgen.Cmd(fuzzDecide[domain.RejectPriceUplift]),
		fuzzgen.Cmd(fuzzDecide[domain.SuspendProvider]),
		fuzzgen.Cmd(fuzzDecide[domain.ReinstateProvider]),
		fuzzgen.Cmd(fuzzDecide[domain.ApplyRiskAction]),
		fuzzgen.Cmd(fuzzDecide[domain.RecordCallOff]),
	},
}

var fuzzFrameworkVocab = fuzzgen.Vocab{
	Strings: []string{"352", "353", "lot-1", "lot-2", "up-1", "acme-care", "calm-care"},
	Values: []any{lead, otherLead, acme, bright, calm, responder, commission,
		domain.NewActor("policy", "consortium:north-west", domain.RoleConsortiumPolicy),
		terms(), answers(), lotDecision("lot-1", "bright-homes", "acme-care")},
}
