package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// BlockAggregate names block contracts in stream ids
// (carecoop.evt.purchasing.block.<id>).
const BlockAggregate = "block"

// BlockContracts is the block and soft-block contracts' part of the
// service: its own aggregate and read model (contracts with the placements
// counted under them, from referrals' awards and monitoring's ended
// placements), next to the service whose providers, DPSs and matching it
// uses.
type BlockContracts struct {
	s      *Service
	repo   *aggregate.Repository[domain.BlkState]
	model  *blkModel
	runner *projection.Runner
}

// NewBlockContracts adds block contracts to s: CreateReferral then offers
// reserved places first. Start it with s.
func NewBlockContracts(s *Service, log *zap.Logger) *BlockContracts {
	b := &BlockContracts{
		s:     s,
		repo:  aggregate.New(s.store, aggregate.Evolver[domain.BlkState]{Initial: domain.InitialBlk, Evolve: domain.EvolveBlk, Fold: domain.FoldBlk}),
		model: &blkModel{contracts: map[string]*blkRM{}, byPlacement: map[string]*blkStayRM{}, referralOn: map[string]string{}},
	}
	b.runner = projection.NewRunner("purchasing-block", s.store, []string{
		eventstore.AggregateFilter(Context, BlockAggregate), eventstore.AggregateFilter(Context, ReferralAggregate),
		eventstore.AggregateFilter("monitoring", "contract"),
	}, b.model.apply, log)
	b.runner.Own = Context
	b.runner.WithSnapshots(b.model, snapshot.For(s.store, Context), 0, 0)
	s.blk = b
	return b
}

// Start builds the read model from the store and keeps it following.
func (b *BlockContracts) Start(ctx context.Context) error { return b.runner.Start(ctx) }

// Ready is nil while the read model follows the store.
func (b *BlockContracts) Ready() error { return b.runner.Ready() }

// ReadModel exposes the block contracts' read model (tests).
func (b *BlockContracts) ReadModel() any { return b.model }

// ReadModels are the block contracts' projections, for the status API.
func (b *BlockContracts) ReadModels() []*projection.Runner { return []*projection.Runner{b.runner} }

func blkStream(id string) eventstore.StreamID {
	return eventstore.StreamID{Context: Context, Aggregate: BlockAggregate, ID: id}
}

// blkSees: a contract's buyer, its provider, the lead of its consortium and
// the platform see it; to anyone else it does not exist.
func blkSees(p auth.Principal, c *purchasingv1.BlockContractReserved) bool {
	return platformWide(p) || p.Organisation == c.GetBuyer() || (provider(p) != "" && provider(p) == c.GetProviderId()) ||
		(consortium(p) != "" && consortium(p) == c.GetConsortium())
}

// onBlk runs one command on an existing contract.
func (b *BlockContracts) onBlk(ctx context.Context, r Request, id string, c func(a domain.Actor, now time.Time) domain.BlkCommand) (Result, error) {
	now := b.s.now()
	visible := func(st domain.BlkState) bool { return !st.Exists() || blkSees(r.Principal, st.Reserved) }
	res, _, err := handle(ctx, b.repo, r, blkStream(id), now, visible, func(st domain.BlkState) ([]proto.Message, error) {
		return domain.DecideBlk(st, c(actorOf(r), now))
	})
	return res, err
}

// read waits until the read model has applied minPosition, then calls fn
// under its read lock; it returns the position the answer reflects.
func (b *BlockContracts) read(ctx context.Context, minPosition uint64, fn func(m *blkModel) error) (uint64, error) {
	if err := b.runner.WaitFor(ctx, minPosition); err != nil {
		return 0, err
	}
	b.model.mu.RLock()
	defer b.model.mu.RUnlock()
	return b.runner.Position(), fn(b.model)
}

// blkModel holds every contract with the placements counted under it.
type blkModel struct {
	mu        sync.RWMutex
	contracts map[string]*blkRM
	order     []string
	// byPlacement finds the stay a placement counts as, when monitoring
	// says it ended.
	byPlacement map[string]*blkStayRM
	// referralOn is the day each referral was made, until it is matched
	// (in the same commit).
	referralOn map[string]string
}

type blkRM struct {
	reserved *purchasingv1.BlockContractReserved
	status   purchasingv1.BlockContractStatus
	endsOn   string
	reason   string
	version  uint64
	// accepted: the provider accepted it (an ended contract may not have been).
	accepted bool
	// places reserved at each setting, and the stays there.
	places  map[string]uint32
	stays   []*blkStayRM
	offered []string // days referrals were offered a reserved place first
}

type blkStayRM struct {
	placement, urn string
	domain.BlkStay
}

func (m *blkModel) apply(commit []eventstore.RecordedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range commit {
		switch ev := e.Event.(type) {
		case *purchasingv1.BlockContractReserved:
			c := &blkRM{reserved: ev, status: purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_PROPOSED, endsOn: ev.GetEndsOn(), places: map[string]uint32{}}
			for _, s := range ev.GetSettings() {
				c.places[s.GetUrn()] = s.GetPlaces()
			}
			m.contracts[ev.GetContractId()] = c
			m.order = append(m.order, ev.GetContractId())
		case *purchasingv1.BlockContractAccepted:
			if c := m.contracts[ev.GetContractId()]; c != nil {
				c.status, c.reason, c.accepted = purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ACCEPTED, ev.GetReason(), true
			}
		case *purchasingv1.BlockContractDeclined:
			if c := m.contracts[ev.GetContractId()]; c != nil {
				c.status, c.reason = purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_DECLINED, ev.GetReason()
			}
		case *purchasingv1.BlockContractEnded:
			if c := m.contracts[ev.GetContractId()]; c != nil {
				c.status, c.endsOn, c.reason = purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ENDED, ev.GetEndsOn(), ev.GetReason()
			}
		case *purchasingv1.ReferralCreated:
			m.referralOn[ev.GetReferralId()] = domain.FormatDate(domain.Today(e.OccurredAt))
		case *purchasingv1.ReferralMatched:
			m.applyMatched(ev)
		case *purchasingv1.PlacementAwarded:
			m.applyAward(ev)
		case *monitoringv1.ContractEnded:
			if st := m.byPlacement[ev.GetContractId()]; st != nil {
				st.End = ev.GetEndDate()
			}
		}
		if e.StreamID.Aggregate == BlockAggregate && e.StreamID.Context == Context {
			if c := m.contracts[e.StreamID.ID]; c != nil {
				c.version = e.Version
			}
		}
	}
	return nil
}

// applyMatched counts a referral once for each contract whose reserved
// place its matching put first.
func (m *blkModel) applyMatched(ev *purchasingv1.ReferralMatched) {
	day := m.referralOn[ev.GetReferralId()]
	delete(m.referralOn, ev.GetReferralId())
	var counted []string
	for _, mt := range ev.GetMatches() {
		id := domain.BlkReasonContract(mt)
		if c := m.contracts[id]; c != nil && !slices.Contains(counted, id) {
			counted = append(counted, id)
			c.offered = append(c.offered, day)
		}
	}
}

// applyAward counts a placement under the oldest accepted contract that
// covers its council and has a place free at its setting on its first day.
func (m *blkModel) applyAward(ev *purchasingv1.PlacementAwarded) {
	for _, id := range m.order {
		c := m.contracts[id]
		if c.status != purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ACCEPTED || c.reserved.GetProviderId() != ev.GetProviderId() ||
			!domain.BlkCovers(c.reserved, ev.GetCouncil(), ev.GetConsortium()) {
			continue
		}
		day := ev.GetStartDate()
		if day < c.reserved.GetStartsOn() || day > c.endsOn || c.used(ev.GetSettingUrn(), day) >= c.places[ev.GetSettingUrn()] {
			continue
		}
		st := &blkStayRM{placement: ev.GetPlacementId(), urn: ev.GetSettingUrn(), BlkStay: domain.BlkStay{Start: day}}
		c.stays = append(c.stays, st)
		m.byPlacement[ev.GetPlacementId()] = st
		return
	}
}

// used counts the stays at a setting on a day.
func (c *blkRM) used(urn, day string) uint32 {
	n := uint32(0)
	for _, s := range c.stays {
		if s.urn == urn && s.Start <= day && (s.End == "" || day < s.End) {
			n++
		}
	}
	return n
}

// reservedFor lists the settings with a reserved place free today under an
// accepted contract in its term that covers a referral of council through
// consortium's DPS.
func (m *blkModel) reservedFor(council, consortium, today string) map[string]domain.BlkReservedPlace {
	var out map[string]domain.BlkReservedPlace
	for _, id := range m.order {
		c := m.contracts[id]
		if c.status != purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ACCEPTED || today < c.reserved.GetStartsOn() || today > c.endsOn ||
			!domain.BlkCovers(c.reserved, council, consortium) {
			continue
		}
		for _, s := range c.reserved.GetSettings() {
			if _, taken := out[s.GetUrn()]; taken || c.used(s.GetUrn(), today) >= s.GetPlaces() {
				continue
			}
			if out == nil {
				out = map[string]domain.BlkReservedPlace{}
			}
			out[s.GetUrn()] = domain.BlkReservedPlace{ContractID: id, Kind: c.reserved.GetKind()}
		}
	}
	return out
}

// view is the contract as its viewers read it: every viewer may read all of it.
func (c *blkRM) view() *purchasingv1.BlockContractView {
	r := c.reserved
	v := &purchasingv1.BlockContractView{ContractId: r.GetContractId(), Buyer: r.GetBuyer(), Consortium: r.GetConsortium(), Council: r.GetCouncil(),
		ProviderId: r.GetProviderId(), ProviderName: r.GetProviderName(), StartsOn: r.GetStartsOn(), EndsOn: c.endsOn,
		WeeklyPricePence: r.GetWeeklyPricePence(), Kind: r.GetKind(), Status: c.status, Note: r.GetNote(), Reason: c.reason,
		ReservedAt: clone(r.GetReservedAt()), Version: c.version}
	for _, s := range r.GetSettings() {
		v.Settings = append(v.Settings, clone(s))
		v.Places += s.GetPlaces()
	}
	return v
}

// blkOfferedFirst puts the places reserved for the referring council at
// the top of a referral's matches (CreateReferral calls it after
// matching). Without block contracts, or for a caller who is no council,
// the matches are left as they are.
func (s *Service) blkOfferedFirst(ctx context.Context, p auth.Principal, consortium string, matches []*purchasingv1.MatchedSetting, now time.Time) ([]*purchasingv1.MatchedSetting, error) {
	if s.blk == nil || council(p) == "" || len(matches) == 0 {
		return matches, nil
	}
	// Places taken by every award already committed, not only those the
	// read model has applied so far.
	last, err := s.store.LastPosition(ctx)
	if err != nil {
		return nil, err
	}
	var reserved map[string]domain.BlkReservedPlace
	if _, err := s.blk.read(ctx, last, func(m *blkModel) error {
		reserved = m.reservedFor(council(p), consortium, domain.FormatDate(domain.Today(now)))
		return nil
	}); err != nil {
		return nil, err
	}
	return domain.BlkOfferedFirst(matches, reserved), nil
}
