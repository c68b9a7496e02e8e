package app

import (
	"sort"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// ReadModel is the in-memory view of every framework, built from the
// framework context's events, and the provider directory, built from the
// purchasing context's provider events: what the queries read.
type ReadModel struct {
	mu            sync.RWMutex
	frameworks    map[string]*frameworkView
	order         []string          // creation order
	providerNames map[string]string // provider id → display name
}

type bidKey struct{ lot, provider string }

type frameworkView struct {
	fw        *frameworkv1.Framework
	closesAt  time.Time
	bids      map[bidKey]*frameworkv1.Bid
	bidOrder  []bidKey
	uplifts   []*frameworkv1.PriceUplift
	decisions []*frameworkv1.Decision
}

// NewReadModel returns an empty read model.
func NewReadModel() *ReadModel {
	return &ReadModel{frameworks: map[string]*frameworkView{}, providerNames: map[string]string{}}
}

// Apply folds one commit into the model (the projection runner's callback).
func (m *ReadModel) Apply(commit []eventstore.RecordedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range commit {
		m.apply(e)
	}
	return nil
}

func (m *ReadModel) apply(e eventstore.RecordedEvent) {
	switch e.StreamID.Context {
	case Context:
	case purchasingContext:
		if e.StreamID.Aggregate == providerAggregate {
			m.applyProvider(e)
		}
		return
	default:
		return
	}
	if ev, ok := e.Event.(*frameworkv1.FrameworkDrafted); ok {
		if _, exists := m.frameworks[ev.GetFrameworkId()]; exists {
			return
		}
		v := &frameworkView{
			fw: &frameworkv1.Framework{
				FrameworkId: ev.GetFrameworkId(),
				Consortium:  ev.GetConsortium(),
				Status:      frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT,
				CreatedAt:   timestamppb.New(e.OccurredAt),
			},
			bids: map[bidKey]*frameworkv1.Bid{},
		}
		setTerms(v.fw, ev.GetTerms())
		m.frameworks[ev.GetFrameworkId()] = v
		m.order = append(m.order, ev.GetFrameworkId())
	}
	v := m.frameworks[e.StreamID.ID]
	if v == nil {
		return
	}
	fw := v.fw
	switch ev := e.Event.(type) {
	case *frameworkv1.FrameworkAmended:
		setTerms(fw, ev.GetTerms())
	case *frameworkv1.MemberCouncilAdded:
		fw.MemberCouncils = append(fw.MemberCouncils, ev.GetLaCode())
		sort.Strings(fw.MemberCouncils)
	case *frameworkv1.MemberCouncilRemoved:
		fw.MemberCouncils = remove(fw.MemberCouncils, ev.GetLaCode())
	case *frameworkv1.FrameworkOpenedForBids:
		fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS
		fw.BidsCloseAt = ev.GetBidsCloseAt()
		v.closesAt = ev.GetBidsCloseAt().AsTime()
	case *frameworkv1.BidSubmitted:
		k := bidKey{ev.GetLotId(), ev.GetProviderId()}
		v.bids[k] = &frameworkv1.Bid{
			FrameworkId: fw.GetFrameworkId(), LotId: ev.GetLotId(), ProviderId: ev.GetProviderId(),
			WeeklyPricePence: ev.GetWeeklyPricePence(), QualityAnswers: ev.GetQualityAnswers(),
			SubmittedAt: timestamppb.New(e.OccurredAt),
		}
		v.bidOrder = append(v.bidOrder, k)
		if l := lot(fw, ev.GetLotId()); l != nil {
			l.BidCount++
		}
	case *frameworkv1.BidAmended:
		if b := v.bids[bidKey{ev.GetLotId(), ev.GetProviderId()}]; b != nil {
			b.WeeklyPricePence, b.QualityAnswers = ev.GetWeeklyPricePence(), ev.GetQualityAnswers()
			b.AmendedAt = timestamppb.New(e.OccurredAt)
		}
	case *frameworkv1.BidScored:
		if b := v.bids[bidKey{ev.GetLotId(), ev.GetProviderId()}]; b != nil {
			b.Scored, b.QualityScore, b.PriceScore, b.TotalScore, b.ScoreReason = true, ev.GetQualityScore(), ev.GetPriceScore(), ev.GetTotalScore(), ev.GetReason()
		}
	case *frameworkv1.FrameworkAwarded:
		fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED
		fw.NoticePublishedOn, fw.StandstillEnds = ev.GetNoticePublishedOn(), ev.GetStandstillEnds()
		for _, la := range ev.GetLots() {
			l := lot(fw, la.GetLotId())
			if l == nil {
				continue
			}
			for _, a := range la.GetAdmitted() {
				l.Providers = append(l.Providers, &frameworkv1.LotProvider{
					ProviderId: a.GetProviderId(), Rank: a.GetRank(), TotalScore: a.GetTotalScore(),
					WeeklyPricePence: a.GetWeeklyPricePence(), Status: frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE,
				})
			}
		}
	case *frameworkv1.FrameworkActivated:
		fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE
	case *frameworkv1.FrameworkExtended:
		fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED
		fw.CurrentEnd = ev.GetNewEnd()
		fw.ExtensionsUsed++
	case *frameworkv1.FrameworkExpired:
		fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED
	case *frameworkv1.FrameworkTerminated:
		fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_TERMINATED
	case *frameworkv1.PriceUpliftRequested:
		v.uplifts = append(v.uplifts, &frameworkv1.PriceUplift{
			UpliftId: ev.GetUpliftId(), FrameworkId: fw.GetFrameworkId(), LotId: ev.GetLotId(), ProviderId: ev.GetProviderId(),
			CurrentWeeklyPence: ev.GetCurrentWeeklyPence(), RequestedWeeklyPence: ev.GetRequestedWeeklyPence(),
			EffectiveFrom: ev.GetEffectiveFrom(), Justification: ev.GetJustification(),
			Status: frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING, RequestedAt: timestamppb.New(e.OccurredAt),
		})
	case *frameworkv1.PriceUpliftApproved:
		if u := uplift(v, ev.GetUpliftId()); u != nil {
			u.Status, u.DecisionReason, u.DecidedAt = frameworkv1.UpliftStatus_UPLIFT_STATUS_APPROVED, ev.GetReason(), timestamppb.New(e.OccurredAt)
		}
		if p := lotProvider(fw, ev.GetLotId(), ev.GetProviderId()); p != nil {
			p.WeeklyPricePence = ev.GetNewWeeklyPence()
		}
	case *frameworkv1.PriceUpliftRejected:
		if u := uplift(v, ev.GetUpliftId()); u != nil {
			u.Status, u.DecisionReason, u.DecidedAt = frameworkv1.UpliftStatus_UPLIFT_STATUS_REJECTED, ev.GetReason(), timestamppb.New(e.OccurredAt)
		}
	case *frameworkv1.CallOffRecorded:
		fw.CallOffs = append(fw.CallOffs, &frameworkv1.CallOff{
			Council: ev.GetCouncil(), LotId: ev.GetLotId(), ProviderId: ev.GetProviderId(), Method: ev.GetMethod(),
			Ranking: ev.GetRanking(), Reason: ev.GetReason(), AwardedAt: ev.GetAwardedAt(),
		})
	case *frameworkv1.ProviderSuspendedFromLot:
		if p := lotProvider(fw, ev.GetLotId(), ev.GetProviderId()); p != nil {
			p.Status, p.SuspensionReason = frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED, ev.GetReason()
		}
	case *frameworkv1.ProviderReinstatedOnLot:
		if p := lotProvider(fw, ev.GetLotId(), ev.GetProviderId()); p != nil {
			p.Status, p.SuspensionReason = frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE, ""
		}
	}
	fw.Version = e.Version
	fw.UpdatedAt = timestamppb.New(e.OccurredAt)
	summary, reason, lotID, providerID := domain.DecisionSummary(e.Event)
	v.decisions = append(v.decisions, &frameworkv1.Decision{
		Position: e.Position, Version: e.Version, OccurredAt: timestamppb.New(e.OccurredAt),
		Actor:    &frameworkv1.Actor{Subject: e.Actor.Subject, Organisation: e.Actor.Organisation, Role: e.Actor.Role},
		Decision: string(e.Event.ProtoReflect().Descriptor().Name()), Summary: summary, Reason: reason,
		LotId: lotID, ProviderId: providerID, EventId: e.EventID,
		CorrelationId: e.CorrelationID, CausationId: e.CausationID, RequestId: aggregate.ClientRequestID(e.RequestID),
	})
}

// setTerms copies drafted or amended terms into the view; lots keep no
// providers before award, so replacing them loses nothing.
func setTerms(fw *frameworkv1.Framework, t *frameworkv1.FrameworkTerms) {
	fw.Title, fw.Category, fw.Description = t.GetTitle(), t.GetCategory(), t.GetDescription()
	fw.TermStart, fw.TermEnd, fw.CurrentEnd = t.GetTermStart(), t.GetTermEnd(), t.GetTermEnd()
	fw.ExtensionOptionsMonths = append([]uint32(nil), t.GetExtensionOptionsMonths()...)
	fw.QualityWeight, fw.PriceWeight = t.GetQualityWeight(), t.GetPriceWeight()
	fw.QualityQuestions = t.GetQualityQuestions()
	fw.MemberCouncils = append([]string(nil), t.GetMemberCouncils()...)
	sort.Strings(fw.MemberCouncils)
	fw.Lots = fw.Lots[:0]
	for _, lt := range t.GetLots() {
		fw.Lots = append(fw.Lots, &frameworkv1.Lot{Terms: lt})
	}
}

func lot(fw *frameworkv1.Framework, id string) *frameworkv1.Lot {
	for _, l := range fw.GetLots() {
		if l.GetTerms().GetLotId() == id {
			return l
		}
	}
	return nil
}

func lotProvider(fw *frameworkv1.Framework, lotID, providerID string) *frameworkv1.LotProvider {
	for _, p := range lot(fw, lotID).GetProviders() {
		if p.GetProviderId() == providerID {
			return p
		}
	}
	return nil
}

func uplift(v *frameworkView, id string) *frameworkv1.PriceUplift {
	for _, u := range v.uplifts {
		if u.GetUpliftId() == id {
			return u
		}
	}
	return nil
}

func remove(s []string, x string) []string {
	out := s[:0]
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// snapshot is a deep copy of one framework as of now, for callers holding
// m.mu: the status turns from open for bids to evaluating when bidding
// closes, without an event, and admitted providers carry their names.
func (m *ReadModel) snapshot(v *frameworkView, now time.Time) *frameworkv1.Framework {
	fw := proto.Clone(v.fw).(*frameworkv1.Framework)
	if fw.Status == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS && !now.Before(v.closesAt) {
		fw.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING
	}
	for _, l := range fw.GetLots() {
		for _, p := range l.GetProviders() {
			p.ProviderName = m.providerName(p.GetProviderId())
		}
	}
	for _, c := range fw.GetCallOffs() {
		c.ProviderName = m.providerName(c.GetProviderId())
	}
	return fw
}

// bid, uplift and decision are copies of a stored answer, for callers
// holding m.mu, naming the provider concerned.

func (m *ReadModel) bid(b *frameworkv1.Bid) *frameworkv1.Bid {
	out := proto.Clone(b).(*frameworkv1.Bid)
	out.ProviderName = m.providerName(out.GetProviderId())
	return out
}

func (m *ReadModel) uplift(u *frameworkv1.PriceUplift) *frameworkv1.PriceUplift {
	out := proto.Clone(u).(*frameworkv1.PriceUplift)
	out.ProviderName = m.providerName(out.GetProviderId())
	return out
}

func (m *ReadModel) decision(d *frameworkv1.Decision) *frameworkv1.Decision {
	out := proto.Clone(d).(*frameworkv1.Decision)
	out.ProviderName = m.providerName(out.GetProviderId())
	return out
}
