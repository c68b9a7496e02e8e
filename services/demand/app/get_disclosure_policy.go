package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// policyChange is who set a consortium's disclosure policy last, when, and
// the policy stream's version after it.
type policyChange struct {
	at      time.Time
	by      string
	version uint64
}

// GetDisclosurePolicy returns a consortium's disclosure policy as it
// stands: the defaults until its lead sets one, otherwise the last one set,
// with its reason, who set it, when, and the version a change must expect.
// The consortium's lead (its own, named or not), its member councils'
// people and the platform read it; anyone else is told the consortium does
// not exist.
func (s *Service) GetDisclosurePolicy(ctx context.Context, p auth.Principal, consortium string, minPosition uint64) (*demandv1.DisclosurePolicy, error) {
	if consortium == "" {
		if p.OrgKind() != auth.OrgConsortium {
			return nil, domainerr.Field("consortium", "name the consortium whose disclosure policy to read")
		}
		consortium = p.OrgID()
	}
	out := &demandv1.DisclosurePolicy{Consortium: consortium}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		if !m.mayReadPolicy(p, consortium) {
			return domainerr.Missing("consortium", "there is no consortium %q that you may see", consortium)
		}
		threshold, minProviders := m.policy(consortium)
		out.Threshold, out.MinPriceProviders = uint32(threshold), uint32(minProviders)
		set := m.policies[consortium]
		out.IsDefault = set == nil
		if set != nil {
			ch := m.policySet[consortium]
			out.Reason, out.SetBy, out.SetAt, out.Version = set.GetReason(), ch.by, timestamppb.New(ch.at), ch.version
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Position = pos
	return out, nil
}

// mayReadPolicy: the consortium's own lead (whether or not it has a DPS
// yet), a council that is a member of it, or the platform if the
// consortium is known (a DPS or a policy of its own).
func (m *ReadModel) mayReadPolicy(p auth.Principal, slug string) bool {
	c := m.consortia[slug]
	switch p.OrgKind() {
	case auth.OrgConsortium:
		return p.OrgID() == slug
	case auth.OrgCouncil:
		return c != nil && c.members[p.OrgID()]
	case auth.OrgPlatform:
		return c != nil || m.policies[slug] != nil
	}
	return false
}
