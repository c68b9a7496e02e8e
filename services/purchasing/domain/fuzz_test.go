package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/fuzzgen"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// One decide per aggregate, for any of its command kinds.

func fuzzAgr[C domain.AgreementCommand](s domain.AgreementState, c C) ([]proto.Message, error) {
	return domain.DecideAgreement(s, c)
}

func fuzzBlk[C domain.BlkCommand](s domain.BlkState, c C) ([]proto.Message, error) {
	return domain.DecideBlk(s, c)
}

func fuzzDps[C domain.DpsCommand](s domain.DpsState, c C) ([]proto.Message, error) {
	return domain.DecideDps(s, c)
}

func fuzzProvider[C domain.ProviderCommand](s domain.ProviderState, c C) ([]proto.Message, error) {
	return domain.DecideProvider(s, c)
}

func fuzzReferral[C domain.ReferralCommand](s domain.ReferralState, c C) ([]proto.Message, error) {
	return domain.DecideReferral(s, c)
}

func fuzzPurchasing() []fuzzgen.Session {
	return []fuzzgen.Session{
		fuzzgen.Aggregate[domain.AgreementState]{
			Name: "agreement", Initial: domain.InitialAgreement, Evolve: domain.EvolveAgreement,
			Histories: [][]proto.Message{events(agrDrawn()), agrInForce()},
			Commands: []fuzzgen.Command[domain.AgreementState]{
				fuzzgen.Cmd(fuzzAgr[domain.DrawAgreement]),
				fuzzgen.Cmd(fuzzAgr[domain.AcceptAgreement]),
				fuzzgen.Cmd(fuzzAgr[domain.ProposeVariation]),
				fuzzgen.Cmd(fuzzAgr[domain.RecordAgreementPlacementEnded]),
			},
		},
		fuzzgen.Aggregate[domain.BlkState]{
			Name: "block contract", Initial: domain.InitialBlk, Evolve: domain.EvolveBlk,
			Histories: [][]proto.Message{events(blkReserved())},
			Commands: []fuzzgen.Command[domain.BlkState]{
				fuzzgen.Cmd(fuzzBlk[domain.BlkReserveCapacity]),
				fuzzgen.Cmd(fuzzBlk[domain.BlkAccept]),
				fuzzgen.Cmd(fuzzBlk[domain.BlkDecline]),
				fuzzgen.Cmd(fuzzBlk[domain.BlkEnd]),
			},
		},
		fuzzgen.Aggregate[domain.DpsState]{
			Name: "dps", Initial: domain.InitialDps, Evolve: domain.EvolveDps,
			Histories: [][]proto.Message{draftDps(), openDps(), closedDps(), acmeApplied(), acmeAdmitted()},
			Commands: []fuzzgen.Command[domain.DpsState]{
				fuzzgen.Cmd(fuzzDps[domain.CreateDps]),
				fuzzgen.Cmd(fuzzDps[domain.OpenDps]),
				fuzzgen.Cmd(fuzzDps[domain.CloseDps]),
				fuzzgen.Cmd(fuzzDps[domain.ApplyToDps]),
				fuzzgen.Cmd(fuzzDps[domain.AdmitProvider]),
				fuzzgen.Cmd(fuzzDps[domain.RejectApplication]),
				fuzzgen.Cmd(fuzzDps[domain.SuspendProvider]),
				fuzzgen.Cmd(fuzzDps[domain.ReinstateProvider]),
				fuzzgen.Cmd(fuzzDps[domain.RemoveProvider]),
				fuzzgen.Cmd(fuzzDps[domain.SuspendMatching]),
			},
		},
		fuzzgen.Aggregate[domain.ProviderState]{
			Name: "provider", Initial: domain.InitialProvider, Evolve: domain.EvolveProvider,
			Histories: [][]proto.Message{events(registered()), withSettings(), append(withSettings(), vacOnePlace())},
			Commands: []fuzzgen.Command[domain.ProviderState]{
				fuzzgen.Cmd(fuzzProvider[domain.RegisterProvider]),
				fuzzgen.Cmd(fuzzProvider[domain.UpdateProviderProfile]),
				fuzzgen.Cmd(fuzzProvider[domain.AddSetting]),
				fuzzgen.Cmd(fuzzProvider[domain.UpdateSetting]),
				fuzzgen.Cmd(fuzzProvider[domain.RemoveSetting]),
				fuzzgen.Cmd(fuzzProvider[domain.RecordAccreditation]),
				fuzzgen.Cmd(fuzzProvider[domain.PublishVacancy]),
				fuzzgen.Cmd(fuzzProvider[domain.WithdrawVacancy]),
				fuzzgen.Cmd(fuzzProvider[domain.TakePlace]),
				fuzzgen.Cmd(fuzzProvider[domain.FreePlace]),
			},
		},
		fuzzgen.Aggregate[domain.ReferralState]{
			Name: "referral", Initial: domain.InitialReferral, Evolve: domain.EvolveReferral,
			Histories: [][]proto.Message{referred(), threeOffers(), append(referred(), withdrawn())},
			Commands: []fuzzgen.Command[domain.ReferralState]{
				fuzzgen.Cmd(fuzzReferral[domain.CreateReferral]),
				fuzzgen.Cmd(fuzzReferral[domain.MakeOffer]),
				fuzzgen.Cmd(fuzzReferral[domain.DeclineReferral]),
				fuzzgen.Cmd(fuzzReferral[domain.AwardPlacement]),
				fuzzgen.Cmd(fuzzReferral[domain.WithdrawReferral]),
				fuzzgen.Cmd(fuzzReferral[domain.ExtendOfferDeadline]),
			},
		},
	}
}

func fuzzPurchasingVocab() fuzzgen.Vocab {
	return fuzzgen.Vocab{
		Strings: []string{"SC100001", "SC100002", "352", "353", "acme-care", "bright-homes", "north-west"},
		Values: []any{lead, otherLead, commissioner, commissioner2, outsider, acme, acmeResponder, bright, calm, platformAdmin,
			profile(), oakHouse(), elmHouse(), dpsTerms(), need(), agrTerms(), blkAcmeFacts()},
	}
}

// FuzzPurchasingDecide issues random commands of every kind to each of
// purchasing's aggregates (agreements, block contracts, DPS, providers,
// referrals), from their tests' histories: no panic, refusals are domain
// errors with their rule, events marshal and evolve (fuzzgen).
func FuzzPurchasingDecide(f *testing.F) {
	for _, seed := range [][]byte{{}, {0, 1}, {1, 1, 0}, {2, 3, 4, 1}, {3, 2, 7, 0}, {4, 1, 2, 3}, []byte("purchasing seed: a longer session of many commands")} {
		f.Add(seed)
	}
	sessions, vocab := fuzzPurchasing(), fuzzPurchasingVocab()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzgen.Run(t, data, vocab, sessions...) })
}

// TestFuzzPurchasingAccepts: random sessions get commands accepted, so the
// fuzz target explores past the first refusal.
func TestFuzzPurchasingAccepts(t *testing.T) {
	n := fuzzgen.Accepted(t, 2000, fuzzPurchasingVocab(), fuzzPurchasing()...)
	if n == 0 {
		t.Fatal("2000 random sessions had no command accepted")
	}
	t.Logf("%d commands accepted in 2000 sessions", n)
}
