package app

import (
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ReadModel is the in-memory view of the purchasing context built from its
// events: profiles and live supply (what matching reads), DPS membership,
// referrals with their offers, and placements. Decision logs are not held
// here: GetDecisionLog summarises an aggregate's stream when asked.
type ReadModel struct {
	mu  sync.RWMutex
	now func() time.Time

	providers     map[string]*providerRM
	providerOrder []string
	settingOwner  map[string]string // URN → provider id
	dps           map[string]*dpsRM
	dpsOrder      []string
	referrals     map[string]*referralRM
	referralOrder []string
	// provIDs interns the ids of the providers referrals were sent to or
	// answered by (provIndex finds one's index): a referral keeps a few
	// hundred small indexes, not a set of strings, for every referral ever
	// made.
	provIDs    []string
	provIndex  map[string]uint32
	placements []*purchasingv1.Placement
	// Awarded weekly prices per provider and category, sorted, and their median.
	prices  map[priceKey][]int64
	medians map[priceKey]int64
	// judged is Ofsted's latest judgement of each setting, from monitoring's
	// events: it supersedes the grade a provider declared.
	judged map[string]*monitoringv1.OfstedJudgementRecorded
	// calloffFWs are the frameworks' lots, for call-offs (calloff.go).
	calloffFWs map[string]*calloffFW
	// closing are the referrals closed and not yet summarised, in the
	// order they closed (ref_archive.go).
	closing []closingRM
}

type priceKey struct{ provider, category string }

type providerRM struct {
	id             string
	profile        *purchasingv1.ProviderProfile
	displayName    string
	registeredAt   time.Time
	version        uint64
	settings       map[string]*settingRM
	settingOrder   []string
	settingList    []*settingRM // in settingOrder, for matching
	accreditations map[purchasingv1.AccreditationKind]*purchasingv1.Accreditation
	// firstExpiry is the earliest accreditation expiry ("YYYY-MM-DD"), so
	// matching checks expiry with one comparison.
	firstExpiry string
}

type settingRM struct {
	// setting is what matching and every view read: the provider's
	// declaration with Ofsted's latest recorded judgement in place of the
	// declared grade (declared keeps the provider's own words).
	setting   *purchasingv1.Setting
	declared  *purchasingv1.Setting
	removed   bool
	published uint32 // free places as last published, taken or freed
	taken     uint32 // places taken since (kept 0: PlaceTaken says what is free)
	from      string
	loc       geo.Outcode
}

func (s *settingRM) free() uint32 {
	if s.removed || s.taken >= s.published {
		return 0
	}
	return s.published - s.taken
}

type dpsRM struct {
	id         string
	consortium string
	terms      *purchasingv1.DpsTerms
	status     purchasingv1.DpsStatus
	version    uint64
	members    map[string]map[string]*memberRM // provider → category
	// admitted lists, per category, the providers admitted and not
	// suspended: the supply matching walks.
	admitted map[string][]*providerRM
	// halts are the early-warning policy's suspensions from matching, by
	// provider (nil for most: matching looks only when the map is not empty).
	halts map[string]*matchHalt
	order []*memberRM
}

type memberRM struct {
	provider, providerName, category string
	status                           purchasingv1.MembershipStatus
	receivedOn, dueOn                string
	decidedOn, decidedBy, reason     string
	since                            string
	// answers to the selection criteria, shared by the categories of one
	// application (the event's own slice: read-only, cloned on the way out).
	answers []*purchasingv1.CriterionAnswer
}

type referralRM struct {
	// What the referral was created with: who made it, through which DPS,
	// and the child's need in its wire encoding (needMsg decodes it; most
	// referrals are closed and seldom read).
	id, council, consortium, dpsID string
	need                           []byte
	hasNeed                        bool
	budget                         int64 // the need's weekly budget, for offers
	callOff                        *purchasingv1.CallOff
	createdAt                      time.Time
	status                         purchasingv1.ReferralStatus
	// matches of an open referral, without their reasons (the event holds
	// those; ExplainMatch reads them): hundreds of reasons per referral would
	// make the read model grow with every referral ever made. A closed
	// referral keeps only who it was sent to and how many settings matched.
	matches []matchRM
	matched int
	// sentTo is who the referral was sent to: indexes into the model's
	// provIDs, ascending, each written as the varint of its gap from the
	// one before (sentEncode): about a byte a provider (wasSentTo).
	sentTo []byte
	// offers and declines in plain fields, not as the messages views
	// return (viewOffer, viewDecline): every referral ever made keeps them.
	offers       []offerRM
	declines     []declineRM
	firstOfferAt time.Time
	awardedAt    time.Time
	// placement is the award's entry in the model's placements.
	placement *purchasingv1.Placement
	version   uint64
	// offersDueBy is the deadline for offers (nil on older referrals).
	offersDueBy *timestamppb.Timestamp
	// archived: closed closedHeld ago and kept in summary, its offers and
	// declines dropped and answers kept instead (ref_archive.go).
	archived bool
	answers  []byte
}

// matchRM is one matched setting of an open referral (viewMatchFor reads
// it). Its words are the setting's own strings when they are the same
// (sameAsSetting): an open referral names a few hundred settings.
type matchRM struct {
	urn, name, outcode string
	provider           uint32 // in provIDs
	rank, free         uint32
	kind               purchasingv1.SettingType
	grade              purchasingv1.OfstedGrade
	distance           float64
	median             int64
}

// offerRM is one offer on a referral (viewOffer reads it).
type offerRM struct {
	id, settingURN, settingName, availableFrom, note, closedReason string
	provider                                                       uint32 // in provIDs
	status                                                         purchasingv1.OfferStatus
	grade                                                          purchasingv1.OfstedGrade
	withinBudget                                                   bool
	price                                                          int64
	distance                                                       float64
	madeAt                                                         int64 // Unix nanoseconds
}

// declineRM is one provider's decline of a referral (viewDecline reads it).
type declineRM struct {
	note     string
	at       int64  // Unix nanoseconds
	provider uint32 // in provIDs
	reason   purchasingv1.DeclineReason
}

// NewReadModel returns an empty read model; now dates "expired" and "overdue".
func NewReadModel(now func() time.Time) *ReadModel {
	return &ReadModel{
		now:       now,
		providers: map[string]*providerRM{}, settingOwner: map[string]string{},
		dps: map[string]*dpsRM{}, referrals: map[string]*referralRM{}, provIndex: map[string]uint32{},
		prices: map[priceKey][]int64{}, medians: map[priceKey]int64{},
		judged: map[string]*monitoringv1.OfstedJudgementRecorded{},
	}
}

// Apply folds one commit into the model (the projection runner's callback).
func (m *ReadModel) Apply(commit []eventstore.RecordedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range commit {
		if e.StreamID.Context == calloffContext {
			m.calloffApply(e)
			continue
		}
		if e.StreamID.Context != Context {
			if j, ok := e.Event.(*monitoringv1.OfstedJudgementRecorded); ok {
				m.applyJudgement(j)
			}
			continue
		}
		switch e.StreamID.Aggregate {
		case ProviderAggregate:
			m.applyProvider(e)
		case DpsAggregate:
			m.applyDps(e)
		case ReferralAggregate:
			m.applyReferral(e)
		}
	}
	if n := len(commit); n > 0 && len(m.closing) > 0 {
		m.archiveUpTo(commit[n-1].OccurredAt)
	}
	return nil
}

// applyJudgement keeps Ofsted's latest judgement of a setting and regrades
// the setting if purchasing knows it.
func (m *ReadModel) applyJudgement(j *monitoringv1.OfstedJudgementRecorded) {
	if prev := m.judged[j.GetUrn()]; prev != nil && prev.GetInspectionDate() > j.GetInspectionDate() {
		return // a late record of an older inspection
	}
	m.judged[j.GetUrn()] = j
	if p := m.providers[m.settingOwner[j.GetUrn()]]; p != nil {
		if s := p.settings[j.GetUrn()]; s != nil && s.declared != nil {
			s.setting = m.graded(s.declared)
		}
	}
}

// graded is the setting as matching and views read it: once Ofsted's feed
// has recorded a judgement of the setting, its latest replaces the grade and
// date the provider declared — a declaration is unverified, so not even a
// later declared inspection outranks the feed.
func (m *ReadModel) graded(st *purchasingv1.Setting) *purchasingv1.Setting {
	j := m.judged[st.GetUrn()]
	if j == nil {
		return st
	}
	out := proto.Clone(st).(*purchasingv1.Setting)
	out.OfstedGrade, out.OfstedDate = j.GetGrade(), j.GetInspectionDate()
	return out
}

func (m *ReadModel) applyProvider(e eventstore.RecordedEvent) {
	if ev, ok := e.Event.(*purchasingv1.ProviderRegistered); ok {
		if m.providers[ev.GetProviderId()] == nil {
			m.providers[ev.GetProviderId()] = &providerRM{id: ev.GetProviderId(), registeredAt: e.OccurredAt,
				settings: map[string]*settingRM{}, accreditations: map[purchasingv1.AccreditationKind]*purchasingv1.Accreditation{}}
			m.providerOrder = append(m.providerOrder, ev.GetProviderId())
		}
	}
	p := m.providers[e.StreamID.ID]
	if p == nil {
		return
	}
	p.version = e.Version
	switch ev := e.Event.(type) {
	case *purchasingv1.ProviderRegistered:
		p.profile, p.displayName = ev.GetProfile(), domain.DisplayName(ev.GetProfile())
	case *purchasingv1.ProviderProfileUpdated:
		p.profile, p.displayName = ev.GetProfile(), domain.DisplayName(ev.GetProfile())
	case *purchasingv1.SettingAdded, *purchasingv1.SettingUpdated:
		st := ev.(interface{ GetSetting() *purchasingv1.Setting }).GetSetting()
		s := p.settings[st.GetUrn()]
		if s == nil {
			s = &settingRM{}
			p.settings[st.GetUrn()] = s
			p.settingOrder = append(p.settingOrder, st.GetUrn())
			p.settingList = append(p.settingList, s)
		}
		if _, added := ev.(*purchasingv1.SettingAdded); added {
			*s = settingRM{}
		}
		s.declared = st
		s.setting = m.graded(st)
		s.loc, _ = geo.Lookup(st.GetOutcode())
		m.settingOwner[st.GetUrn()] = p.id
	case *purchasingv1.SettingRemoved:
		if s := p.settings[ev.GetUrn()]; s != nil {
			s.removed = true
		}
	case *purchasingv1.AccreditationRecorded:
		p.accreditations[ev.GetAccreditation().GetKind()] = ev.GetAccreditation()
		p.firstExpiry = ""
		for _, a := range p.accreditations {
			if p.firstExpiry == "" || a.GetExpiresOn() < p.firstExpiry {
				p.firstExpiry = a.GetExpiresOn()
			}
		}
	case *purchasingv1.VacancyPublished:
		if s := p.settings[ev.GetUrn()]; s != nil {
			s.published, s.taken, s.from = ev.GetFreePlaces(), 0, ev.GetAvailableFrom()
		}
	case *purchasingv1.VacancyWithdrawn:
		if s := p.settings[ev.GetUrn()]; s != nil {
			s.published, s.taken, s.from = 0, 0, ""
		}
	// An award takes its places, and a placement's end frees them, on the
	// provider's stream (ReactToPlacements): the events say what is free.
	case *purchasingv1.PlaceTaken:
		if s := p.settings[ev.GetUrn()]; s != nil {
			s.published, s.taken = ev.GetFreePlaces(), 0
		}
	case *purchasingv1.PlaceFreed:
		if s := p.settings[ev.GetUrn()]; s != nil {
			s.published, s.taken = ev.GetFreePlaces(), 0
		}
	}
}

// accreditationExpired: an accreditation is valid through its expiry day.
func (p *providerRM) accreditationExpired(today string) bool {
	return p.firstExpiry != "" && p.firstExpiry < today
}

func (p *providerRM) name() string { return p.displayName }

func (m *ReadModel) providerName(id string) string {
	if p := m.providers[id]; p != nil {
		return p.name()
	}
	return ""
}

func (m *ReadModel) applyDps(e eventstore.RecordedEvent) {
	if ev, ok := e.Event.(*purchasingv1.DpsCreated); ok && m.dps[ev.GetDpsId()] == nil {
		m.dps[ev.GetDpsId()] = &dpsRM{id: ev.GetDpsId(), consortium: ev.GetConsortium(), terms: ev.GetTerms(),
			status: purchasingv1.DpsStatus_DPS_STATUS_DRAFT, members: map[string]map[string]*memberRM{},
			admitted: map[string][]*providerRM{}}
		m.dpsOrder = append(m.dpsOrder, ev.GetDpsId())
	}
	d := m.dps[e.StreamID.ID]
	if d == nil {
		return
	}
	d.version = e.Version
	day := domain.FormatDate(domain.Today(e.OccurredAt))
	set := func(provider, category string, from []purchasingv1.MembershipStatus, to purchasingv1.MembershipStatus, reason string) {
		for c, mem := range d.members[provider] {
			if (category == "" || c == category) && slices.Contains(from, mem.status) {
				m.setAdmitted(d, provider, c, to == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED)
				mem.status, mem.since = to, day
				if to == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED || to == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REJECTED {
					if mem.decidedOn == "" {
						mem.decidedOn, mem.decidedBy, mem.reason = day, e.Actor.Subject, reason
					}
				}
			}
		}
	}
	const (
		applied   = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED
		admitted  = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED
		rejected  = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REJECTED
		suspended = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED
		removed   = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REMOVED
	)
	switch ev := e.Event.(type) {
	case *purchasingv1.DpsOpened:
		d.status = purchasingv1.DpsStatus_DPS_STATUS_OPEN
	case *purchasingv1.DpsClosed:
		d.status = purchasingv1.DpsStatus_DPS_STATUS_CLOSED
	case *purchasingv1.ApplicationReceived:
		cats := d.members[ev.GetProviderId()]
		if cats == nil {
			cats = map[string]*memberRM{}
			d.members[ev.GetProviderId()] = cats
		}
		for _, c := range ev.GetCategoryIds() {
			mem := &memberRM{provider: ev.GetProviderId(), providerName: ev.GetProviderName(), category: c, status: applied,
				receivedOn: ev.GetReceivedOn(), dueOn: ev.GetDecisionDueOn(), since: ev.GetReceivedOn(), answers: ev.GetAnswers()}
			cats[c] = mem
			d.order = append(d.order, mem)
		}
	case *purchasingv1.ProviderAdmitted:
		set(ev.GetProviderId(), ev.GetCategoryId(), []purchasingv1.MembershipStatus{applied}, admitted, ev.GetReason())
	case *purchasingv1.ApplicationRejected:
		set(ev.GetProviderId(), ev.GetCategoryId(), []purchasingv1.MembershipStatus{applied}, rejected, ev.GetReason())
	case *purchasingv1.ProviderSuspended:
		set(ev.GetProviderId(), ev.GetCategoryId(), []purchasingv1.MembershipStatus{admitted}, suspended, ev.GetReason())
	case *purchasingv1.ProviderReinstated:
		set(ev.GetProviderId(), ev.GetCategoryId(), []purchasingv1.MembershipStatus{suspended}, admitted, ev.GetReason())
	case *purchasingv1.ProviderRemoved:
		set(ev.GetProviderId(), "", []purchasingv1.MembershipStatus{applied, admitted, suspended}, removed, ev.GetReason())
	case *purchasingv1.MatchingSuspended:
		h := d.halts[ev.GetProviderId()]
		if h == nil {
			h = &matchHalt{}
			if d.halts == nil {
				d.halts = map[string]*matchHalt{}
			}
			d.halts[ev.GetProviderId()] = h
		}
		h.set(ev.GetSettingUrn(), ev.GetReason())
	case *purchasingv1.MatchingReinstated:
		if h := d.halts[ev.GetProviderId()]; h != nil && h.lift(ev.GetSettingUrn()) {
			delete(d.halts, ev.GetProviderId())
		}
	}
}

// setAdmitted keeps d.admitted in step with a membership change.
func (m *ReadModel) setAdmitted(d *dpsRM, provider, category string, admitted bool) {
	list := slices.DeleteFunc(d.admitted[category], func(p *providerRM) bool { return p.id == provider })
	if p := m.providers[provider]; admitted && p != nil {
		list = append(list, p)
	}
	d.admitted[category] = list
}

func (m *ReadModel) applyReferral(e eventstore.RecordedEvent) {
	if ev, ok := e.Event.(*purchasingv1.ReferralCreated); ok && m.referrals[ev.GetReferralId()] == nil {
		// The need was decoded from its wire form: encoding it again cannot fail.
		need, _ := proto.MarshalOptions{Deterministic: true}.Marshal(ev.GetNeed())
		m.referrals[ev.GetReferralId()] = &referralRM{id: ev.GetReferralId(), council: ev.GetCouncil(), consortium: ev.GetConsortium(), dpsID: ev.GetDpsId(),
			need: need, hasNeed: ev.GetNeed() != nil, budget: ev.GetNeed().GetWeeklyBudgetPence(), callOff: ev.GetCallOff(),
			createdAt: e.OccurredAt, status: purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN, offersDueBy: ev.GetOffersDueBy()}
		m.referralOrder = append(m.referralOrder, ev.GetReferralId())
	}
	r := m.referrals[e.StreamID.ID]
	if r == nil {
		return
	}
	if r.archived {
		applyArchived(r, e)
		return
	}
	r.version = e.Version
	switch ev := e.Event.(type) {
	case *purchasingv1.ReferralMatched:
		r.matched = len(ev.GetMatches())
		r.matches = nil
		if len(ev.GetMatches()) > 0 {
			r.matches = make([]matchRM, len(ev.GetMatches()))
		}
		sent := sentDecode(r.sentTo)
		for i, mt := range ev.GetMatches() {
			pi := m.internProvider(mt.GetProviderId())
			sent = append(sent, pi)
			urn, name, outcode := m.sameAsSetting(mt.GetSettingUrn(), mt.GetSettingName(), mt.GetOutcode())
			r.matches[i] = matchRM{rank: mt.GetRank(), provider: pi, urn: urn, name: name, kind: mt.GetSettingType(), outcode: outcode,
				distance: mt.GetDistanceMiles(), grade: mt.GetOfstedGrade(), median: mt.GetMedianAwardedPricePence(), free: mt.GetFreePlaces()}
		}
		slices.Sort(sent)
		r.sentTo = sentEncode(slices.Compact(sent))
	case *purchasingv1.OfferMade:
		o := offerRM{id: ev.GetOfferId(), provider: m.internProvider(ev.GetProviderId()), settingURN: ev.GetSettingUrn(),
			price: ev.GetWeeklyPricePence(), availableFrom: ev.GetAvailableFrom(), note: ev.GetNote(),
			status: purchasingv1.OfferStatus_OFFER_STATUS_OPEN, madeAt: e.OccurredAt.UnixNano(),
			withinBudget: ev.GetWeeklyPricePence() <= r.budget}
		for _, mt := range r.matches {
			if mt.urn == ev.GetSettingUrn() {
				o.settingName, o.distance, o.grade = mt.name, mt.distance, mt.grade
			}
		}
		r.offers = append(r.offers, o)
		if r.firstOfferAt.IsZero() {
			r.firstOfferAt = e.OccurredAt
		}
	case *purchasingv1.ReferralDeclined:
		r.declines = append(r.declines, declineRM{provider: m.internProvider(ev.GetProviderId()), reason: ev.GetReason(), note: ev.GetNote(), at: e.OccurredAt.UnixNano()})
	case *purchasingv1.OfferClosed:
		for i := range r.offers {
			if o := &r.offers[i]; o.id == ev.GetOfferId() {
				o.status, o.closedReason = purchasingv1.OfferStatus_OFFER_STATUS_CLOSED, closedReason(ev.GetReason())
			}
		}
	case *purchasingv1.ReferralWithdrawn:
		r.status, r.matches = purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN, nil
		r.close()
		m.closed(r, e.OccurredAt)
	case *purchasingv1.OfferDeadlineExtended:
		r.offersDueBy = ev.GetOffersDueBy()
	case *purchasingv1.PlacementAwarded:
		r.status, r.awardedAt, r.matches = purchasingv1.ReferralStatus_REFERRAL_STATUS_AWARDED, e.OccurredAt, nil
		for i := range r.offers {
			if o := &r.offers[i]; o.id == ev.GetOfferId() {
				o.status = purchasingv1.OfferStatus_OFFER_STATUS_ACCEPTED
			}
		}
		r.close()
		m.closed(r, e.OccurredAt)
		r.placement = &purchasingv1.Placement{PlacementId: ev.GetPlacementId(), ReferralId: ev.GetReferralId(),
			Council: ev.GetCouncil(), DpsId: ev.GetDpsId(), CategoryId: ev.GetCategoryId(), ProviderId: ev.GetProviderId(),
			SettingUrn: ev.GetSettingUrn(), WeeklyPricePence: ev.GetWeeklyPricePence(), StartDate: ev.GetStartDate(),
			DistanceMiles: ev.GetDistanceMiles(), AwardedAt: timestamppb.New(e.OccurredAt), SecondsToPlacement: ev.GetSecondsToPlacement()}
		m.placements = append(m.placements, r.placement)
		k := priceKey{ev.GetProviderId(), ev.GetCategoryId()}
		ps := append(m.prices[k], ev.GetWeeklyPricePence())
		slices.Sort(ps)
		m.prices[k] = ps
		m.medians[k] = median(ps)
	}
}

// sameAsSetting returns a match's words, as the setting's own strings
// where they are equal, so the match holds no copies of its own.
func (m *ReadModel) sameAsSetting(urn, name, outcode string) (string, string, string) {
	p := m.providers[m.settingOwner[urn]]
	if p == nil || p.settings[urn] == nil || p.settings[urn].declared == nil {
		return urn, name, outcode
	}
	st := p.settings[urn].declared
	if st.GetUrn() == urn {
		urn = st.GetUrn()
	}
	if st.GetName() == name {
		name = st.GetName()
	}
	if st.GetOutcode() == outcode {
		outcode = st.GetOutcode()
	}
	return urn, name, outcode
}

// needMsg is the referral's need, decoded (nil if it had none).
func (r *referralRM) needMsg() *purchasingv1.Need {
	if !r.hasNeed {
		return nil
	}
	n := &purchasingv1.Need{}
	// The model encoded it: decoding it cannot fail.
	_ = proto.Unmarshal(r.need, n)
	return n
}

// close trims a closed referral's offers and declines to their length:
// few more come (a decline after the award, say), and growth left room.
func (r *referralRM) close() {
	if cap(r.offers) > len(r.offers) {
		r.offers = slices.Clone(r.offers)
	}
	if cap(r.declines) > len(r.declines) {
		r.declines = slices.Clone(r.declines)
	}
}

// closedReason shares the words of the usual reasons an offer closes:
// each event decodes its own copy.
func closedReason(s string) string {
	for _, known := range []string{domain.ClosedAwardedElsewhere, domain.ClosedReferralWithdrawn} {
		if s == known {
			return known
		}
	}
	return s
}

// internProvider is the index of a provider id in provIDs, added if new.
func (m *ReadModel) internProvider(id string) uint32 {
	i, ok := m.provIndex[id]
	if !ok {
		i = uint32(len(m.provIDs))
		m.provIDs = append(m.provIDs, id)
		m.provIndex[id] = i
	}
	return i
}

// wasSentTo reports whether referral r was sent to the provider.
func (m *ReadModel) wasSentTo(r *referralRM, providerID string) bool {
	i, ok := m.provIndex[providerID]
	if !ok {
		return false
	}
	var at uint64
	for b := r.sentTo; len(b) > 0; {
		gap, n := binary.Uvarint(b)
		if n <= 0 {
			return false
		}
		at, b = at+gap, b[n:]
		if at >= uint64(i) {
			return at == uint64(i)
		}
	}
	return false
}

// sentEncode writes ascending indexes as the varints of their gaps; nil
// when there are none.
func sentEncode(ids []uint32) []byte {
	if len(ids) == 0 {
		return nil
	}
	var out []byte
	var prev uint32
	for _, id := range ids {
		out = binary.AppendUvarint(out, uint64(id-prev))
		prev = id
	}
	return slices.Clone(out) // exactly as long as it needs
}

// sentDecode reads what sentEncode wrote.
func sentDecode(b []byte) []uint32 {
	var out []uint32
	var at uint64
	for len(b) > 0 {
		gap, n := binary.Uvarint(b)
		if n <= 0 {
			break
		}
		at, b = at+gap, b[n:]
		out = append(out, uint32(at))
	}
	return out
}

func median(sorted []int64) int64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// decision is the decision-log entry of an event.
func decision(e eventstore.RecordedEvent) *purchasingv1.Decision {
	summary, reason, provider := summarise(e.Event)
	return &purchasingv1.Decision{
		Position: e.Position, Version: e.Version, OccurredAt: timestamppb.New(e.OccurredAt),
		Actor:    &purchasingv1.Actor{Subject: e.Actor.Subject, Organisation: e.Actor.Organisation, Role: e.Actor.Role},
		Decision: string(e.Event.ProtoReflect().Descriptor().Name()), Summary: summary, Reason: reason, ProviderId: provider,
		EventId: e.EventID, CorrelationId: e.CorrelationID, CausationId: e.CausationID,
	}
}

func clone[T proto.Message](m T) T { return proto.Clone(m).(T) }

// matchHalt is what the early-warning policy has suspended from matching of
// one provider in one DPS: the provider as a whole and some settings.
type matchHalt struct {
	all      bool
	allWhy   string
	settings map[string]string // URN → reason
}

func (h *matchHalt) set(urn, why string) {
	if urn == "" {
		h.all, h.allWhy = true, why
		return
	}
	if h.settings == nil {
		h.settings = map[string]string{}
	}
	h.settings[urn] = why
}

// lift removes one suspension and reports whether none is left.
func (h *matchHalt) lift(urn string) bool {
	if urn == "" {
		h.all, h.allWhy = false, ""
	} else {
		delete(h.settings, urn)
	}
	return !h.all && len(h.settings) == 0
}

// halted reports whether the setting is suspended from matching, and why
// (the provider-wide suspension first). h may be nil.
func (h *matchHalt) halted(urn string) (bool, string) {
	if h == nil {
		return false, ""
	}
	if h.all {
		return true, h.allWhy
	}
	why, ok := h.settings[urn]
	return ok, why
}
