package domain

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
)

// State is one framework agreement as its events leave it. It is a value:
// Evolve and Fold never change the state they are given (a fold copies each
// map before it first writes to it), so a State may be shared, cached and
// read from several goroutines. Treat the exported fields and everything
// reached through them as read-only. The stream version is the
// repository's business, not the state's.
type State struct {
	FrameworkID string
	// Consortium is the slug of the consortium that runs the framework.
	Consortium string
	// Status as recorded by events; it is never EVALUATING, which depends on
	// the time: use StatusAt.
	Status frameworkv1.FrameworkStatus
	// Terms as drafted or last amended; member councils are in MemberCouncils.
	Terms *frameworkv1.FrameworkTerms
	// MemberCouncils are the LA codes of the member councils, in the order
	// they joined.
	MemberCouncils []string
	// BidsCloseAt is set once the framework has opened for bids.
	BidsCloseAt time.Time
	// CurrentEnd is the last day of the framework, YYYY-MM-DD: term_end plus
	// the extensions used.
	CurrentEnd string
	// ExtensionsUsed counts the extension options used, in order.
	ExtensionsUsed int
	// NoticePublishedOn and StandstillEnds are the award's: the day the
	// contract award notice was published and the last day of the
	// standstill, YYYY-MM-DD. Empty before the award, and on an award
	// recorded before the standstill was kept (which then has none).
	NoticePublishedOn string
	StandstillEnds    string

	bids     map[string]map[string]Bid       // lot id → provider id → bid
	admitted map[string]map[string]Admission // lot id → provider id → admission
	uplifts  map[string]Uplift               // uplift id → uplift
	calloffs map[string]bool                 // placement ids of the call-offs recorded
}

// Bid is a provider's bid on a lot and, once scored, its scores.
type Bid struct {
	LotID            string
	ProviderID       string
	WeeklyPricePence int64
	QualityAnswers   []*frameworkv1.QualityAnswer
	Scored           bool
	QualityScore     uint32
	PriceScore       float64
	TotalScore       float64
}

// Admission is a provider admitted to a lot by the award.
type Admission struct {
	LotID            string
	ProviderID       string
	Rank             uint32
	TotalScore       float64
	WeeklyPricePence int64
	Suspended        bool
	SuspensionReason string
	// ByMonitoring: the suspension is the early-warning policy's, which
	// lifts it when the provider is green again.
	ByMonitoring bool
}

// Uplift is a provider's request for a new weekly price on a lot.
type Uplift struct {
	ID                   string
	LotID                string
	ProviderID           string
	CurrentWeeklyPence   int64
	RequestedWeeklyPence int64
	EffectiveFrom        string
	Justification        string
	Status               frameworkv1.UpliftStatus
	DecisionReason       string
}

// Initial is the state before the framework's first event: it does not exist.
func Initial() State { return State{} }

// Exists reports whether the framework has been drafted.
func (s State) Exists() bool {
	return s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_UNSPECIFIED
}

// Ended reports whether the framework has expired or been terminated.
func (s State) Ended() bool {
	return s.Status == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED ||
		s.Status == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_TERMINATED
}

// StatusAt is the status at now: an open framework is EVALUATING from
// bids_close_at on; otherwise it is Status.
func (s State) StatusAt(now time.Time) frameworkv1.FrameworkStatus {
	if s.Status == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS && !now.Before(s.BidsCloseAt) {
		return frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING
	}
	return s.Status
}

// Lot returns the terms of a lot.
func (s State) Lot(lotID string) (*frameworkv1.LotTerms, bool) {
	for _, l := range s.Terms.GetLots() {
		if l.GetLotId() == lotID {
			return l, true
		}
	}
	return nil, false
}

// IsMember reports whether the council is a member of the framework.
func (s State) IsMember(laCode string) bool { return slices.Contains(s.MemberCouncils, laCode) }

// Bid returns a provider's bid on a lot.
func (s State) Bid(lotID, providerID string) (Bid, bool) {
	b, ok := s.bids[lotID][providerID]
	return b, ok
}

// Bids returns the bids on a lot, by provider id.
func (s State) Bids(lotID string) []Bid {
	return sortedValues(s.bids[lotID], func(a, b Bid) bool { return a.ProviderID < b.ProviderID })
}

// Admission returns a provider's admission to a lot.
func (s State) Admission(lotID, providerID string) (Admission, bool) {
	a, ok := s.admitted[lotID][providerID]
	return a, ok
}

// Admitted returns the providers admitted to a lot, by rank.
func (s State) Admitted(lotID string) []Admission {
	return sortedValues(s.admitted[lotID], func(a, b Admission) bool { return a.Rank < b.Rank })
}

// Uplift returns an uplift by id.
func (s State) Uplift(id string) (Uplift, bool) {
	u, ok := s.uplifts[id]
	return u, ok
}

// Uplifts returns every uplift, oldest first.
func (s State) Uplifts() []Uplift {
	return sortedValues(s.uplifts, func(a, b Uplift) bool { return upliftNumber(a.ID) < upliftNumber(b.ID) })
}

// pendingUplift returns the provider's pending uplift on a lot, if any.
func (s State) pendingUplift(lotID, providerID string) (Uplift, bool) {
	for _, u := range s.uplifts {
		if u.LotID == lotID && u.ProviderID == providerID && u.Status == frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING {
			return u, true
		}
	}
	return Uplift{}, false
}

func upliftID(n int) string { return "up-" + strconv.Itoa(n) }

func upliftNumber(id string) int {
	digits, _ := strings.CutPrefix(id, "up-")
	n, _ := strconv.Atoi(digits)
	return n
}

func sortedValues[V any](m map[string]V, less func(a, b V) bool) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b V) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	return out
}

// Evolve returns the state after e (Fold of one). Events it does not know
// leave the state as it is. It never changes s: what it updates, it copies
// first.
func Evolve(s State, e proto.Message) State { return Fold(s, []proto.Message{e}) }

// Fold returns the state after events, in order. It never changes s: each
// map an event changes is copied the first time in the fold, then changed
// in place, so a framework with years of call-offs loads in time linear in
// its length, where copying on every event would be quadratic.
func Fold(s State, events []proto.Message) State {
	f := foldState{State: s}
	for _, e := range events {
		f.apply(e)
	}
	return f.State
}

// foldState is a state being folded and which of its maps the fold owns
// (copied or made in this fold), so may change in place. Maps not owned
// are the given state's, shared, and must be copied before writing.
type foldState struct {
	State
	bids, admitted, uplifts, calloffs bool
	// bidLots and admittedLots: the inner lot maps owned, by lot id.
	bidLots, admittedLots map[string]bool
}

// apply changes f by one event.
func (f *foldState) apply(e proto.Message) {
	s := &f.State
	switch e := e.(type) {
	case *frameworkv1.FrameworkDrafted:
		// A fresh state shares nothing, and the fold owns no map yet.
		*f = foldState{State: State{
			FrameworkID: e.GetFrameworkId(),
			Consortium:  e.GetConsortium(),
			Status:      frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT,
		}}
		s.setTerms(e.GetTerms())
	case *frameworkv1.FrameworkAmended:
		s.setTerms(e.GetTerms())
	case *frameworkv1.MemberCouncilAdded:
		s.MemberCouncils = append(slices.Clip(s.MemberCouncils), e.GetLaCode())
	case *frameworkv1.MemberCouncilRemoved:
		s.MemberCouncils = slices.DeleteFunc(slices.Clone(s.MemberCouncils), func(c string) bool { return c == e.GetLaCode() })
	case *frameworkv1.FrameworkOpenedForBids:
		s.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS
		s.BidsCloseAt = e.GetBidsCloseAt().AsTime()
	case *frameworkv1.BidSubmitted:
		f.putBid(Bid{LotID: e.GetLotId(), ProviderID: e.GetProviderId(), WeeklyPricePence: e.GetWeeklyPricePence(), QualityAnswers: e.GetQualityAnswers()})
	case *frameworkv1.BidAmended:
		f.putBid(Bid{LotID: e.GetLotId(), ProviderID: e.GetProviderId(), WeeklyPricePence: e.GetWeeklyPricePence(), QualityAnswers: e.GetQualityAnswers()})
	case *frameworkv1.BidScored:
		if b, ok := s.Bid(e.GetLotId(), e.GetProviderId()); ok {
			b.Scored, b.QualityScore, b.PriceScore, b.TotalScore = true, e.GetQualityScore(), e.GetPriceScore(), e.GetTotalScore()
			f.putBid(b)
		}
	case *frameworkv1.FrameworkAwarded:
		s.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED
		s.NoticePublishedOn, s.StandstillEnds = e.GetNoticePublishedOn(), e.GetStandstillEnds()
		s.admitted = owned(s.admitted, &f.admitted)
		for _, l := range e.GetLots() {
			lot := map[string]Admission{}
			for _, p := range l.GetAdmitted() {
				lot[p.GetProviderId()] = Admission{
					LotID: l.GetLotId(), ProviderID: p.GetProviderId(), Rank: p.GetRank(),
					TotalScore: p.GetTotalScore(), WeeklyPricePence: p.GetWeeklyPricePence(),
				}
			}
			s.admitted[l.GetLotId()] = lot
			ownedLot(&f.admittedLots, l.GetLotId()) // made here: the fold's own
		}
	case *frameworkv1.FrameworkActivated:
		s.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE
	case *frameworkv1.FrameworkExtended:
		s.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED
		s.ExtensionsUsed++
		s.CurrentEnd = e.GetNewEnd()
	case *frameworkv1.FrameworkExpired:
		s.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED
	case *frameworkv1.FrameworkTerminated:
		s.Status = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_TERMINATED
	case *frameworkv1.PriceUpliftRequested:
		f.putUplift(Uplift{
			ID: e.GetUpliftId(), LotID: e.GetLotId(), ProviderID: e.GetProviderId(),
			CurrentWeeklyPence: e.GetCurrentWeeklyPence(), RequestedWeeklyPence: e.GetRequestedWeeklyPence(),
			EffectiveFrom: e.GetEffectiveFrom(), Justification: e.GetJustification(),
			Status: frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING,
		})
	case *frameworkv1.PriceUpliftApproved:
		if u, ok := s.Uplift(e.GetUpliftId()); ok {
			u.Status, u.DecisionReason = frameworkv1.UpliftStatus_UPLIFT_STATUS_APPROVED, e.GetReason()
			f.putUplift(u)
		}
		if a, ok := s.Admission(e.GetLotId(), e.GetProviderId()); ok {
			a.WeeklyPricePence = e.GetNewWeeklyPence()
			f.putAdmission(a)
		}
	case *frameworkv1.PriceUpliftRejected:
		if u, ok := s.Uplift(e.GetUpliftId()); ok {
			u.Status, u.DecisionReason = frameworkv1.UpliftStatus_UPLIFT_STATUS_REJECTED, e.GetReason()
			f.putUplift(u)
		}
	case *frameworkv1.ProviderSuspendedFromLot:
		if a, ok := s.Admission(e.GetLotId(), e.GetProviderId()); ok {
			a.Suspended, a.SuspensionReason, a.ByMonitoring = true, e.GetReason(), e.GetByMonitoring()
			f.putAdmission(a)
		}
	case *frameworkv1.CallOffRecorded:
		s.calloffs = owned(s.calloffs, &f.calloffs)
		s.calloffs[e.GetPlacementId()] = true
	case *frameworkv1.ProviderReinstatedOnLot:
		if a, ok := s.Admission(e.GetLotId(), e.GetProviderId()); ok {
			a.Suspended, a.SuspensionReason, a.ByMonitoring = false, "", false
			f.putAdmission(a)
		}
	}
}

// setTerms takes drafted or amended terms; the member councils and the
// current end follow them.
func (s *State) setTerms(t *frameworkv1.FrameworkTerms) {
	s.Terms = t
	s.MemberCouncils = slices.Clone(t.GetMemberCouncils())
	s.CurrentEnd = t.GetTermEnd()
	s.ExtensionsUsed = 0
}

// owned is m as the fold's own: a copy (a new map for nil) the first time,
// recorded in *own, then m itself.
func owned[K comparable, V any](m map[K]V, own *bool) map[K]V {
	if *own {
		return m
	}
	*own = true
	if m = maps.Clone(m); m == nil {
		m = map[K]V{}
	}
	return m
}

// ownedLot is whether the fold owned a lot's inner map (lots, by lot id),
// for owned, which then copies it; from now on the fold owns it.
func ownedLot(lots *map[string]bool, lot string) *bool {
	if *lots == nil {
		*lots = map[string]bool{}
	}
	own := (*lots)[lot]
	(*lots)[lot] = true
	return &own
}

// putBid stores b, copying the maps it changes the first time in the fold.
func (f *foldState) putBid(b Bid) {
	f.State.bids = owned(f.State.bids, &f.bids)
	f.State.bids[b.LotID] = owned(f.State.bids[b.LotID], ownedLot(&f.bidLots, b.LotID))
	f.State.bids[b.LotID][b.ProviderID] = b
}

// putAdmission stores a, copying the maps it changes the first time in the
// fold.
func (f *foldState) putAdmission(a Admission) {
	f.State.admitted = owned(f.State.admitted, &f.admitted)
	f.State.admitted[a.LotID] = owned(f.State.admitted[a.LotID], ownedLot(&f.admittedLots, a.LotID))
	f.State.admitted[a.LotID][a.ProviderID] = a
}

// putUplift stores u, copying the map the first time in the fold.
func (f *foldState) putUplift(u Uplift) {
	f.State.uplifts = owned(f.State.uplifts, &f.uplifts)
	f.State.uplifts[u.ID] = u
}
