package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AgreementResult answers an agreement command: the commit, the version
// accepted or proposed, and whether an acceptance locked it.
type AgreementResult struct {
	Result
	Version uint32
	Locked  bool
}

// AcceptAgreement records the caller's acceptance of the version awaiting
// it, as the person the token names; the second party's acceptance locks it.
func (a *Agreements) AcceptAgreement(ctx context.Context, r Request, agreementID string, version uint32, digest string) (AgreementResult, error) {
	return a.agrOn(ctx, r, agreementID, func(act domain.Actor, st domain.AgreementState) domain.AgreementCommand {
		return domain.AcceptAgreement{Actor: act, Now: a.svc.now(), Version: version, Digest: digest}
	})
}

// agrOn runs one command on an agreement the caller may see (any other is
// not found) and reads the version and lock from its events.
func (a *Agreements) agrOn(ctx context.Context, r Request, agreementID string, c func(domain.Actor, domain.AgreementState) domain.AgreementCommand) (AgreementResult, error) {
	now := a.svc.now()
	visible := func(st domain.AgreementState) bool { return st.Exists() && agrCanSee(r.Principal, st) }
	res, events, err := handle(ctx, a.repo, r, agrStream(agreementID), now, visible, func(st domain.AgreementState) ([]proto.Message, error) {
		return domain.DecideAgreement(st, c(actorOf(r), st))
	})
	out := AgreementResult{Result: res}
	for _, e := range events {
		switch e := e.(type) {
		case *purchasingv1.AgreementAccepted:
			out.Version = e.GetAcceptance().GetVersion()
		case *purchasingv1.AgreementLocked:
			out.Locked = true
		case *purchasingv1.AgreementVariationProposed:
			out.Version = e.GetTerms().GetVersion()
		}
	}
	return out, err
}
