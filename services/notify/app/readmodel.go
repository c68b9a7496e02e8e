package app

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// readModelSources: this context's events, and the facts its triggers
// need from the others: providers' contacts and names, DPSs, referrals and
// frameworks (which consortium runs them).
var readModelSources = []string{
	eventstore.ContextFilter(Context),
	eventstore.AggregateFilter("purchasing", "provider"),
	eventstore.AggregateFilter("purchasing", "dps"),
	eventstore.AggregateFilter("purchasing", "referral"),
	eventstore.AggregateFilter("framework", "framework"),
	eventstore.AggregateFilter("monitoring", "contract"),
	eventstore.AggregateFilter("monitoring", "setting"),
	eventstore.AggregateFilter("monitoring", "policy"),
}

// ReadModel is what the service knows, in memory, rebuilt at start.
type ReadModel struct {
	mu sync.RWMutex
	// registered: a provider organisation's contacts from its profile.
	registered map[string][]*notifyv1.Contact
	// managed: org → person id → contact set by the org's admin.
	managed    map[string]map[string]*notifyv1.Contact
	dirVersion map[string]uint64
	prefs      map[string]*notifyv1.Preferences // org|person
	providers  map[string]providerRM            // provider id → its id (one copy, shared) and name
	dps        map[string]dpsRM
	frameworks map[string]string // framework id → consortium
	// referrals: every referral; once closed, only what a late reaction
	// to one of its events still reads (see close).
	referrals map[string]*referralRM
	// applications: dps|provider → undecided application.
	applications map[string]*applicationRM
	// accreditations: provider|kind → the latest recorded.
	accreditations map[string]*accreditationRM
	tenders        map[string]*tenderRM
	// placements: monitoring's placement contracts, by contract id;
	// filed: a setting's months with a return filed (urn → sorted
	// monthNumber); returnDays: a consortium's working days for a return
	// (monitoring's policy).
	placements map[string]*placementRM
	filed      map[string][]uint16
	returnDays map[string]uint32
	notes      map[string]*noteRM
	byPerson   map[string][]string // org|person → notification ids, oldest first
	failures   []string
	// outbox: notifications sent on the outbox channel (by id) and
	// digests (rendered), in the order sent; kept only in carecoop dev
	// (keepOutbox), the one place that lists it.
	outbox     []outboxEntry
	keepOutbox bool
}

type providerRM struct{ id, name string }

type outboxEntry struct {
	note   string
	digest *notifyv1.OutboxMessage
}

type dpsRM struct{ name, consortium string }

type placementRM struct{ urn, provider, consortium, start, end string }

type applicationRM struct{ dps, provider, due string }

type accreditationRM struct{ provider, reference, expires string }

type tenderRM struct {
	closesAt time.Time
	bids     map[string]bool // lot|provider
	scored   map[string]bool
	awarded  bool
}

type referralRM struct {
	council   string
	createdAt time.Time
	// dueBy is when offers close (zero for referrals made before deadlines).
	dueBy  time.Time
	offers int
	closed bool
	// matched: the providers matched, sorted, while the referral is open
	// (the sweep reminds those yet to answer); nMatched counts them.
	matched  []string
	nMatched int
	// answered: the providers who answered (an offer or a decline),
	// sorted, until every matched one has and the referral is closed.
	answered []string
	// completedBy is the event with which every matched provider had
	// answered (an offer or a decline).
	completedBy string
}

// close keeps of a closed referral what a reaction to one of its earlier
// events may still read (reactions run behind the model): the council,
// and whether and by which event every matched provider had answered.
func (r *referralRM) close() {
	r.closed, r.matched = true, nil
	if r.completedBy != "" {
		r.answered = nil
	}
}

// insertSorted adds v to the sorted set s, reporting whether it was new.
func insertSorted[T cmp.Ordered](s []T, v T) ([]T, bool) {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s, false
	}
	return slices.Insert(s, i, v), true
}

// monthNumber is a "2006-01" period as a number of months since year 0.
func monthNumber(period string) (uint16, bool) {
	t, err := time.Parse("2006-01", period)
	if err != nil || t.Year() < 1 || t.Year() > 5000 {
		return 0, false
	}
	return uint16(t.Year()*12 + int(t.Month()) - 1), true
}

// isFiled reports whether a return for urn's period is filed.
func (m *ReadModel) isFiled(urn, period string) bool {
	n, ok := monthNumber(period)
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(m.filed[urn], n)
	return found
}

// noteRM is a notification: its decision held wire-encoded (a decoded
// one weighs several times more, and most are read rarely or never
// again), decoded when it is shown or a sweep needs it.
type noteRM struct {
	raw      []byte
	at       time.Time
	pos      uint64
	status   notifyv1.DeliveryStatus
	channel  notifyv1.Channel
	sentAt   time.Time
	attempts uint32
	failure  string
	read     bool
	// reference: the channel's id of the message, to ask it what became of it.
	reference string
}

// NewReadModel returns an empty read model.
func NewReadModel() *ReadModel {
	return &ReadModel{
		registered: map[string][]*notifyv1.Contact{}, managed: map[string]map[string]*notifyv1.Contact{}, dirVersion: map[string]uint64{},
		prefs: map[string]*notifyv1.Preferences{}, providers: map[string]providerRM{}, dps: map[string]dpsRM{}, frameworks: map[string]string{},
		referrals: map[string]*referralRM{}, applications: map[string]*applicationRM{}, accreditations: map[string]*accreditationRM{}, tenders: map[string]*tenderRM{},
		placements: map[string]*placementRM{}, filed: map[string][]uint16{}, returnDays: map[string]uint32{}, notes: map[string]*noteRM{}, byPerson: map[string][]string{},
	}
}

func personKey(org, person string) string { return org + "|" + person }

// Apply applies one commit.
func (m *ReadModel) Apply(commit []eventstore.RecordedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range commit {
		m.apply(e)
	}
	return nil
}

func (m *ReadModel) apply(e eventstore.RecordedEvent) {
	switch ev := e.Event.(type) {
	case *purchasingv1.ProviderRegistered:
		m.profile(ev.GetProviderId(), ev.GetProfile())
	case *purchasingv1.ProviderProfileUpdated:
		m.profile(ev.GetProviderId(), ev.GetProfile())
	case *purchasingv1.DpsCreated:
		m.dps[ev.GetDpsId()] = dpsRM{name: ev.GetTerms().GetTitle(), consortium: ev.GetConsortium()}
	case *frameworkv1.FrameworkDrafted:
		m.frameworks[ev.GetFrameworkId()] = ev.GetConsortium()
	case *purchasingv1.ReferralCreated:
		m.referrals[ev.GetReferralId()] = &referralRM{council: ev.GetCouncil(), createdAt: e.OccurredAt}
		if ev.GetOffersDueBy() != nil {
			m.referrals[ev.GetReferralId()].dueBy = ev.GetOffersDueBy().AsTime()
		}
	case *purchasingv1.OfferDeadlineExtended:
		if r := m.referrals[ev.GetReferralId()]; r != nil {
			r.dueBy = ev.GetOffersDueBy().AsTime()
		}
	case *purchasingv1.ReferralMatched:
		if r := m.referrals[ev.GetReferralId()]; r != nil && !r.closed {
			for _, mt := range ev.GetMatches() {
				var added bool
				if r.matched, added = insertSorted(r.matched, m.providerID(mt.GetProviderId())); added {
					r.nMatched++
				}
			}
		}
	case *purchasingv1.OfferMade:
		if r := m.referrals[ev.GetReferralId()]; r != nil {
			r.offers++
		}
		m.answered(ev.GetReferralId(), ev.GetProviderId(), e.EventID)
	case *purchasingv1.PlacementAwarded:
		if r := m.referrals[ev.GetReferralId()]; r != nil {
			r.close()
		}
	case *purchasingv1.ReferralWithdrawn:
		if r := m.referrals[ev.GetReferralId()]; r != nil {
			r.close()
		}
	case *purchasingv1.ApplicationReceived:
		m.applications[ev.GetDpsId()+"|"+ev.GetProviderId()] = &applicationRM{dps: ev.GetDpsId(), provider: ev.GetProviderId(), due: ev.GetDecisionDueOn()}
	case *purchasingv1.ProviderAdmitted:
		delete(m.applications, ev.GetDpsId()+"|"+ev.GetProviderId())
	case *purchasingv1.ApplicationRejected:
		delete(m.applications, ev.GetDpsId()+"|"+ev.GetProviderId())
	case *purchasingv1.AccreditationRecorded:
		a := ev.GetAccreditation()
		m.accreditations[ev.GetProviderId()+"|"+a.GetKind().String()] = &accreditationRM{provider: ev.GetProviderId(), reference: a.GetReference(), expires: a.GetExpiresOn()}
	case *monitoringv1.ContractStarted:
		if ev.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT && ev.GetSettingUrn() != "" {
			m.placements[ev.GetContractId()] = &placementRM{urn: ev.GetSettingUrn(), provider: ev.GetProviderId(), consortium: ev.GetConsortium(), start: ev.GetStartDate()}
		}
	case *monitoringv1.ContractEnded:
		if p := m.placements[ev.GetContractId()]; p != nil {
			p.end = ev.GetEndDate()
		}
	case *monitoringv1.MonitoringReturnSubmitted:
		if n, ok := monthNumber(ev.GetPeriod()); ok {
			m.filed[ev.GetUrn()], _ = insertSorted(m.filed[ev.GetUrn()], n)
		}
	case *monitoringv1.RiskPolicySet:
		m.returnDays[ev.GetConsortium()] = ev.GetReturnDueWorkingDays()
	case *frameworkv1.FrameworkOpenedForBids:
		m.tenders[ev.GetFrameworkId()] = &tenderRM{closesAt: ev.GetBidsCloseAt().AsTime(), bids: map[string]bool{}, scored: map[string]bool{}}
	case *frameworkv1.BidSubmitted:
		if t := m.tenders[ev.GetFrameworkId()]; t != nil {
			t.bids[ev.GetLotId()+"|"+ev.GetProviderId()] = true
		}
	case *frameworkv1.BidScored:
		if t := m.tenders[ev.GetFrameworkId()]; t != nil {
			t.scored[ev.GetLotId()+"|"+ev.GetProviderId()] = true
		}
	case *frameworkv1.FrameworkAwarded:
		if t := m.tenders[ev.GetFrameworkId()]; t != nil {
			t.awarded = true
		}
	case *purchasingv1.ReferralDeclined:
		m.answered(ev.GetReferralId(), ev.GetProviderId(), e.EventID)
	case *notifyv1.ContactSet:
		if m.managed[ev.GetOrganisation()] == nil {
			m.managed[ev.GetOrganisation()] = map[string]*notifyv1.Contact{}
		}
		m.managed[ev.GetOrganisation()][ev.GetContact().GetPersonId()] = ev.GetContact()
		m.dirVersion[ev.GetOrganisation()] = e.Version
	case *notifyv1.ContactRemoved:
		delete(m.managed[ev.GetOrganisation()], ev.GetPersonId())
		m.dirVersion[ev.GetOrganisation()] = e.Version
	case *notifyv1.PreferencesSet:
		p := ev.GetPreferences()
		m.prefs[personKey(p.GetOrganisation(), p.GetPersonId())] = p
	case *notifyv1.NotificationRead:
		if n := m.notes[ev.GetNotificationId()]; n != nil {
			n.read = true
		}
	case *notifyv1.NotificationDecided:
		n := &noteRM{raw: marshalNote(ev), at: e.OccurredAt, pos: e.Position, status: notifyv1.DeliveryStatus_DELIVERY_STATUS_PENDING}
		if ev.GetHeldForDigest() {
			n.status = notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_DIGEST
		}
		if ev.GetHeldUntil() != nil {
			n.status = notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_QUIET_HOURS
		}
		m.notes[ev.GetNotificationId()] = n
		k := personKey(ev.GetRecipient().GetOrganisation(), ev.GetRecipient().GetPersonId())
		m.byPerson[k] = append(m.byPerson[k], ev.GetNotificationId())
	case *notifyv1.NotificationSent:
		if n := m.notes[ev.GetNotificationId()]; n != nil {
			n.status, n.channel, n.sentAt, n.attempts = notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT, ev.GetChannel(), e.OccurredAt, ev.GetAttempts()
			n.reference = ev.GetChannelReference()
			if ev.GetChannel() == notifyv1.Channel_CHANNEL_OUTBOX && m.keepOutbox {
				m.outbox = append(m.outbox, outboxEntry{note: ev.GetNotificationId()})
			}
		}
	case *notifyv1.NotificationFailed:
		if n := m.notes[ev.GetNotificationId()]; n != nil {
			n.status, n.channel, n.attempts, n.failure = notifyv1.DeliveryStatus_DELIVERY_STATUS_FAILED, ev.GetChannel(), ev.GetAttempts(), ev.GetError()
			m.failures = append(m.failures, ev.GetNotificationId())
		}
	case *notifyv1.NotificationDeliveryReported:
		if n := m.notes[ev.GetNotificationId()]; n != nil {
			n.status = notifyv1.DeliveryStatus_DELIVERY_STATUS_DELIVERED
			if !ev.GetDelivered() {
				n.status, n.failure = notifyv1.DeliveryStatus_DELIVERY_STATUS_UNDELIVERED, ev.GetDetail()
				m.failures = append(m.failures, ev.GetNotificationId())
			}
		}
	case *notifyv1.DigestSent:
		if ev.GetChannel() == notifyv1.Channel_CHANNEL_OUTBOX && ev.GetError() == "" && m.keepOutbox {
			m.outbox = append(m.outbox, outboxEntry{digest: m.digestView(ev, e)})
		}
		for _, id := range ev.GetNotificationIds() {
			if n := m.notes[id]; n != nil {
				n.status, n.channel, n.sentAt = notifyv1.DeliveryStatus_DELIVERY_STATUS_DIGESTED, ev.GetChannel(), e.OccurredAt
				if ev.GetError() != "" {
					n.status, n.failure = notifyv1.DeliveryStatus_DELIVERY_STATUS_FAILED, ev.GetError()
					m.failures = append(m.failures, id)
				}
			}
		}
	}
}

func (m *ReadModel) profile(id string, p *purchasingv1.ProviderProfile) {
	name := p.GetTradingName()
	if name == "" {
		name = p.GetLegalName()
	}
	m.providers[id] = providerRM{id: id, name: name}
	m.registered["provider:"+id] = domain.RegisteredContacts(p.GetContacts())
}

func (m *ReadModel) answered(referral, provider, eventID string) {
	r := m.referrals[referral]
	if r == nil || (r.closed && r.completedBy != "") {
		return // nothing more to learn of a closed referral
	}
	var added bool
	if r.answered, added = insertSorted(r.answered, m.providerID(provider)); !added {
		return
	}
	if r.completedBy == "" && r.nMatched > 0 && len(r.answered) >= r.nMatched {
		// A clone: the event's id would otherwise hold its whole commit.
		r.completedBy = strings.Clone(eventID)
	}
	if r.closed && r.completedBy != "" {
		r.answered = nil
	}
}

// providerID is id as the provider register holds it, so that the many
// referrals naming a provider share one copy.
func (m *ReadModel) providerID(id string) string {
	if p, ok := m.providers[id]; ok {
		return p.id
	}
	return id
}

// contacts are an organisation's people to tell (call with the lock held).
func (m *ReadModel) contacts(org string) []*notifyv1.Contact {
	return domain.Merge(m.registered[org], m.managed[org])
}

func (m *ReadModel) pref(org string) func(string) *notifyv1.Preferences {
	return func(person string) *notifyv1.Preferences { return m.prefs[personKey(org, person)] }
}

func (m *ReadModel) providerName(id string) string {
	if p := m.providers[id]; p.name != "" {
		return p.name
	}
	return id
}

// view is a notification as its reader sees it, rendered.
func (m *ReadModel) view(n *noteRM) *notifyv1.Notification {
	d := n.decided()
	out := &notifyv1.Notification{
		NotificationId: d.GetNotificationId(), Recipient: d.GetRecipient(), Template: d.GetTemplate(), Link: d.GetLink(), Urgent: d.GetUrgent(),
		CauseEventId: d.GetCauseEventId(), CauseType: d.GetCauseType(), DecidedAt: timestamppb.New(n.at), Status: n.status, Channel: n.channel,
		Attempts: n.attempts, Failure: n.failure, Read: n.read, Position: n.pos,
	}
	if n.status == notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_QUIET_HOURS {
		out.HeldUntil = d.GetHeldUntil()
	}
	if !n.sentAt.IsZero() {
		out.SentAt = timestamppb.New(n.sentAt)
	}
	if t, ok := domain.TemplateByID(d.GetTemplate()); ok {
		out.Subject, out.Body, _ = t.Render(domain.Personalisation(d))
	}
	return out
}

// digestView renders a digest as the outbox shows it.
func (m *ReadModel) digestView(ev *notifyv1.DigestSent, e eventstore.RecordedEvent) *notifyv1.OutboxMessage {
	out := &notifyv1.OutboxMessage{Recipient: ev.GetRecipient(), Template: domain.TDailyDigest, SentAt: timestamppb.New(e.OccurredAt), CauseType: e.Type}
	if ref, ok := strings.CutPrefix(ev.GetChannelReference(), "outbox:"); ok {
		out.NotificationId = ref
	}
	if t, ok := domain.TemplateByID(domain.TDailyDigest); ok {
		out.Link = ev.GetLink()
		out.Subject, out.Body, _ = t.Render(map[string]string{"count": strconv.Itoa(len(ev.GetNotificationIds())), "date": ev.GetDate(), "link": ev.GetLink()})
	}
	return out
}

// noteWire encodes decisions deterministically, so that a replayed model
// and one restored from its snapshot hold the same bytes.
var noteWire = proto.MarshalOptions{Deterministic: true}

func marshalNote(d *notifyv1.NotificationDecided) []byte {
	b, _ := noteWire.Marshal(d) // a decoded event always encodes
	return b
}

// decided is the notification's decision, decoded.
func (n *noteRM) decided() *notifyv1.NotificationDecided {
	d := &notifyv1.NotificationDecided{}
	_ = proto.Unmarshal(n.raw, d) // bytes marshalNote wrote
	return d
}

// isFor reports whether the notification is to person of org.
func (n *noteRM) isFor(org, person string) bool {
	r := n.decided().GetRecipient()
	return r.GetOrganisation() == org && r.GetPersonId() == person
}
