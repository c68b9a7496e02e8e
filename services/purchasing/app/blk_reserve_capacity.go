package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ReserveCapacity reserves places at a provider's settings for a term: for
// the lead's consortium, or for the commissioner's council buying through
// consortium. The provider's settings are read from its own stream; the
// consortium's member councils from its DPSs, with every DPS change
// already committed applied.
func (b *BlockContracts) ReserveCapacity(ctx context.Context, r Request, providerID string, settings []*purchasingv1.ReservedSetting,
	startsOn, endsOn string, weeklyPricePence int64, kind purchasingv1.BlockKind, consortium, note string) (Result, error) {
	id := derivedID("blk-", r.Principal.Organisation, r.RequestID)
	l, err := b.s.providers.Load(ctx, providerStream(providerID))
	if err != nil {
		return Result{}, err
	}
	facts := domain.BlkProviderFacts{Registered: l.State.Registered(), Name: l.State.Name(), Settings: l.State.Settings}
	var councils []string
	if consortium != "" {
		last, err := b.s.store.LastPosition(ctx)
		if err != nil {
			return Result{}, err
		}
		if _, err := b.s.read(ctx, last, func(m *ReadModel) error {
			councils = m.blkMemberCouncils(consortium)
			return nil
		}); err != nil {
			return Result{}, err
		}
	}
	now := b.s.now()
	res, _, err := handle(ctx, b.repo, r, blkStream(id), now, nil, func(st domain.BlkState) ([]proto.Message, error) {
		return domain.DecideBlk(st, domain.BlkReserveCapacity{Actor: actorOf(r), Now: now, ContractID: id, ProviderID: providerID, Provider: facts,
			Settings: settings, StartsOn: startsOn, EndsOn: endsOn, WeeklyPricePence: weeklyPricePence, Kind: kind,
			Consortium: consortium, ConsortiumCouncils: councils, Note: note})
	})
	return res, err
}

// blkMemberCouncils lists the member councils of a consortium's DPSs. Call
// with the lock held.
func (m *ReadModel) blkMemberCouncils(consortium string) []string {
	var out []string
	for _, id := range m.dpsOrder {
		if d := m.dps[id]; d.consortium == consortium {
			out = append(out, d.terms.GetMemberCouncils()...)
		}
	}
	return out
}
