package domain_test

import (
	"testing"

	"github.com/carecoop/carecoop/services/kit/fuzzgen"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// fuzzZero is an aggregate's initial state (each starts from its zero value).
func fuzzZero[S any]() S {
	var s S
	return s
}

func fuzzNotify() []fuzzgen.Session {
	return []fuzzgen.Session{
		fuzzgen.Aggregate[domain.CauseState]{
			Name: "cause", Initial: fuzzZero[domain.CauseState], Evolve: domain.EvolveCause,
			Commands: []fuzzgen.Command[domain.CauseState]{
				// The events reaction and the sender issue these, not a client.
				fuzzgen.Cmd(domain.DecideNotifications).Internal(),
				fuzzgen.Cmd(domain.DecideDeliveries).Internal(),
				fuzzgen.Cmd(domain.DecideDeliveryReports).Internal(), // the sweep, from the channel's status
			},
		},
		fuzzgen.Aggregate[domain.DigestState]{
			Name: "digest", Initial: fuzzZero[domain.DigestState], Evolve: domain.EvolveDigest,
			Commands: []fuzzgen.Command[domain.DigestState]{fuzzgen.Cmd(domain.DecideDigest).Internal()}, // the digest sweep
		},
		fuzzgen.Aggregate[domain.DirectoryState]{
			Name: "directory", Initial: fuzzZero[domain.DirectoryState], Evolve: domain.EvolveDirectory,
			Commands: []fuzzgen.Command[domain.DirectoryState]{
				fuzzgen.Cmd(domain.DecideSetContact),
				fuzzgen.Cmd(domain.DecideRemoveContact),
			},
		},
		fuzzgen.Aggregate[domain.PersonState]{
			Name: "person", Initial: fuzzZero[domain.PersonState], Evolve: domain.EvolvePerson,
			Commands: []fuzzgen.Command[domain.PersonState]{
				fuzzgen.Cmd(domain.DecideSetPreferences),
				fuzzgen.Cmd(domain.DecideMarkRead),
			},
		},
	}
}

func fuzzNotifyVocab() fuzzgen.Vocab {
	return fuzzgen.Vocab{
		Strings: []string{"council:352", "provider:acme-care", "consortium:north-west", "platform", "c1", "evt-1",
			domain.RoleConsortiumLead, domain.RoleCouncilCommissioner, domain.RoleProviderAdmin, domain.RoleProviderResponder,
			"someone@example.org", "https://portal.carecoop.example/referrals/ref-1"},
		Values: []any{referralPlanned(),
			domain.Actor{Subject: "c1", Organisation: "council:352", Role: domain.RoleCouncilCommissioner},
			domain.Actor{Subject: "p1", Organisation: "provider:acme-care", Role: domain.RoleProviderAdmin}},
	}
}

// FuzzNotifyDecide issues random commands to each of notify's aggregates
// (a cause's notifications and deliveries, digests, the contact
// directory, a person's preferences): no panic, refusals are domain errors
// with their rule, events marshal and evolve (fuzzgen).
func FuzzNotifyDecide(f *testing.F) {
	for _, seed := range [][]byte{{}, {0, 0}, {0, 1, 1}, {1, 0}, {2, 0, 1}, {3, 1, 0}, []byte("notify seed: a longer session of many commands")} {
		f.Add(seed)
	}
	sessions, vocab := fuzzNotify(), fuzzNotifyVocab()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzgen.Run(t, data, vocab, sessions...) })
}

// TestFuzzNotifyAccepts: random sessions get commands accepted, so the
// fuzz target explores past the first refusal.
func TestFuzzNotifyAccepts(t *testing.T) {
	n := fuzzgen.Accepted(t, 2000, fuzzNotifyVocab(), fuzzNotify()...)
	if n == 0 {
		t.Fatal("2000 random sessions had no command accepted")
	}
	t.Logf("%d commands accepted in 2000 sessions", n)
}
