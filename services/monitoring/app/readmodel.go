package app

import (
	"slices"
	"sync"
	"time"
	"unique"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// ReadModel is what queries and reactions read: contracts, every setting's
// evidence, consortia with their policies and risk levels, and alerts. It
// guards itself with mu; Apply is called from one goroutine.
type ReadModel struct {
	mu sync.RWMutex

	providerNames map[string]string
	settings      map[string]*settingRM
	// provider → its settings' URNs
	providerSettings map[string][]string
	// provider → consortia it works with (admitted, awarded or placed)
	providerConsortia map[string]map[string]bool
	consortia         map[string]*consortiumRM
	frameworks        map[string]*frameworkRM
	contracts         map[string]*contractRM
	warnings          map[string]uint32
	watchers          map[*watcher]struct{}
	// alert id → alert; organisation → alert id → its acknowledgement
	alerts map[string]*alertEntry
	acks   map[string]map[string]*ack
}

type ack struct {
	by, note string
	at       time.Time
}

type settingRM struct {
	urn, providerID, name string
	evidence              domain.Evidence
	// returns: the latest revision of each month's return from returnsHeld
	// months before the newest on, by month, wire-encoded: the indicators
	// read the evidence's figures, and a return is decoded only when a
	// query shows it. Of earlier months old holds only when each was
	// submitted (for compliance); a query for one reads the setting's
	// stream.
	returns []returnRM
	old     oldReturns
	// ofsted, visits, incidents, feedback: OfstedJudgementRecorded,
	// QualityVisitRecorded, IncidentNotified and FeedbackRecorded,
	// wire-encoded in the order recorded (the evidence holds what the
	// indicators read; GetQualityEvidence decodes them).
	ofsted, visits, incidents, feedback [][]byte
}

type consortiumRM struct {
	slug      string
	members   map[string]bool
	providers map[string]bool
	policy    *monitoringv1.RiskPolicySet // nil: the default
	threshold int                         // demand's disclosure threshold (0: default)
	risk      map[string]*riskRM          // provider → levels
	alerts    []*alertEntry
}

type riskRM struct {
	provider  *monitoringv1.RiskLevelChanged // last provider-level change
	settings  map[string]*monitoringv1.RiskLevelChanged
	suspended bool
}

type frameworkRM struct {
	id, consortium, end string
	members             []string
	awarded             map[string][]string // provider → lots
}

// contractRM is a contract as the queries read it, in plain fields: what
// the views, access checks, outcomes report and reactions read of its
// ContractStarted, ContractEnded and OutcomeRecorded events, nothing else
// (the referral, the end's reason text and each outcome's copy of the
// contract's parties stay in its stream). Values many contracts share
// (parties, dates, codes) are interned.
type contractRM struct {
	id                               string
	kind                             monitoringv1.ContractKind
	ended                            bool
	consortium, council, provider    text
	setting, framework, lot          text
	category, source                 text
	start, expectedEnd, end, endCode text
	// placementID is the placement's id: for every placement made on the
	// platform or recorded it is id itself (sharing its bytes).
	placementID string
	price       int64
	// members: a framework contract's councils at its award.
	members  []string
	outcomes []outcomeRM // in the order recorded
	version  uint64
}

// outcomeRM is an OutcomeRecorded's point, date and scores (1 to 5 each,
// required by the API).
type outcomeRM struct {
	point      monitoringv1.OutcomePoint
	recordedOn text
	// stability, education, health, wellbeing and the child's view
	scores [5]uint8
}

func newContract(e *monitoringv1.ContractStarted, version uint64) *contractRM {
	c := &contractRM{
		id: e.GetContractId(), kind: e.GetKind(), consortium: textOf(e.GetConsortium()), council: textOf(e.GetCouncil()),
		provider: textOf(e.GetProviderId()), setting: textOf(e.GetSettingUrn()), framework: textOf(e.GetFrameworkId()), lot: textOf(e.GetLotId()),
		category: textOf(e.GetCategoryId()), source: textOf(e.GetSource()), start: textOf(e.GetStartDate()), expectedEnd: textOf(e.GetExpectedEndDate()),
		placementID: e.GetPlacementId(), price: e.GetWeeklyPricePence(), version: version,
	}
	if c.placementID == c.id {
		c.placementID = c.id
	}
	if len(e.GetMemberCouncils()) > 0 {
		c.members = slices.Clone(e.GetMemberCouncils())
	}
	return c
}

func outcomeOf(e *monitoringv1.OutcomeRecorded) outcomeRM {
	sc := e.GetScores()
	return outcomeRM{point: e.GetPoint(), recordedOn: textOf(e.GetRecordedOn()),
		scores: [5]uint8{uint8(sc.GetStability()), uint8(sc.GetEducation()), uint8(sc.GetHealth()), uint8(sc.GetWellbeing()), uint8(sc.GetChildsView())}}
}

func (o outcomeRM) view() *monitoringv1.Outcome {
	s := o.scores
	return &monitoringv1.Outcome{Point: o.point, RecordedOn: o.recordedOn.String(), Scores: &monitoringv1.OutcomeScores{
		Stability: uint32(s[0]), Education: uint32(s[1]), Health: uint32(s[2]), Wellbeing: uint32(s[3]), ChildsView: uint32(s[4])}}
}

// text is a string many of the model's records share, interned: one
// pointer wide, its bytes held once.
type text struct{ h unique.Handle[string] }

func textOf(s string) text {
	if s == "" {
		return text{}
	}
	return text{unique.Make(s)}
}

func (t text) String() string {
	if t == (text{}) {
		return ""
	}
	return t.h.Value()
}

type returnRM struct {
	month domain.Month
	raw   []byte
	// submitted is when it was submitted (unix nanoseconds).
	submitted int64
}

// returnsHeld is how many months before a setting's newest return its
// returns are held whole: a year's list (the default) and then some.
const returnsHeld = 24

// wire encodes what the model keeps encoded, deterministically so that a
// replayed model and one restored from its snapshot hold the same bytes.
var wire = proto.MarshalOptions{Deterministic: true}

func encode(m proto.Message) []byte {
	b, _ := wire.Marshal(m) // a decoded event always encodes
	return b
}

func byMonth(r returnRM, mo domain.Month) int { return int(r.month - mo) }

// putReturn keeps a month's return, replacing an earlier revision, and
// packs into old those now more than returnsHeld months before the newest
// (the held ones are in returns, in order, all at or after the cut).
func (s *settingRM) putReturn(r returnRM) {
	newest := r.month
	if n := len(s.returns); n > 0 && s.returns[n-1].month > newest {
		newest = s.returns[n-1].month
	}
	cut := newest - returnsHeld
	if r.month < cut {
		s.old.put(r.month, r.submitted)
		return
	}
	i, found := slices.BinarySearchFunc(s.returns, r.month, byMonth)
	if found {
		s.returns[i] = r
	} else {
		s.returns = slices.Insert(s.returns, i, r)
	}
	j, _ := slices.BinarySearchFunc(s.returns, cut, byMonth)
	for _, o := range s.returns[:j] {
		s.old.put(o.month, o.submitted)
	}
	s.returns = slices.Delete(s.returns, 0, j)
}

// submittedAt is when a month's return was submitted (false if none was).
func (s *settingRM) submittedAt(mo domain.Month) (time.Time, bool) {
	if i, found := slices.BinarySearchFunc(s.returns, mo, byMonth); found {
		return time.Unix(0, s.returns[i].submitted).UTC(), true
	}
	if sub, found := s.old.at(mo); found {
		return time.Unix(0, sub).UTC(), true
	}
	return time.Time{}, false
}

func (r returnRM) decode() *monitoringv1.MonitoringReturnSubmitted {
	out := &monitoringv1.MonitoringReturnSubmitted{}
	_ = proto.Unmarshal(r.raw, out) // bytes encode wrote
	return out
}

// decodeEach decodes what encode wrote.
func decodeEach[T proto.Message](raws [][]byte, newT func() T) []T {
	out := make([]T, len(raws))
	for i, raw := range raws {
		out[i] = newT()
		_ = proto.Unmarshal(raw, out[i]) // bytes encode wrote
	}
	return out
}

// NewReadModel returns an empty read model.
func NewReadModel() *ReadModel {
	return &ReadModel{
		providerNames: map[string]string{}, settings: map[string]*settingRM{}, providerSettings: map[string][]string{},
		providerConsortia: map[string]map[string]bool{}, consortia: map[string]*consortiumRM{}, frameworks: map[string]*frameworkRM{},
		contracts: map[string]*contractRM{}, warnings: map[string]uint32{}, watchers: map[*watcher]struct{}{},
		alerts: map[string]*alertEntry{}, acks: map[string]map[string]*ack{},
	}
}

func (m *ReadModel) consortium(slug string) *consortiumRM {
	c := m.consortia[slug]
	if c == nil {
		c = &consortiumRM{slug: slug, members: map[string]bool{}, providers: map[string]bool{}, risk: map[string]*riskRM{}}
		m.consortia[slug] = c
	}
	return c
}

func (m *ReadModel) setting(urn string) *settingRM {
	s := m.settings[urn]
	if s == nil {
		s = &settingRM{urn: urn}
		s.evidence.URN = urn
		m.settings[urn] = s
	}
	return s
}

func (m *ReadModel) linkProvider(provider, consortium string) {
	if provider == "" || consortium == "" {
		return
	}
	if m.providerConsortia[provider] == nil {
		m.providerConsortia[provider] = map[string]bool{}
	}
	m.providerConsortia[provider][consortium] = true
	m.consortium(consortium).providers[provider] = true
}

func (m *ReadModel) setSettingProvider(s *settingRM, provider string) {
	if s.providerID == provider {
		return
	}
	s.providerID, s.evidence.ProviderID = provider, provider
	if !slices.Contains(m.providerSettings[provider], s.urn) {
		m.providerSettings[provider] = append(m.providerSettings[provider], s.urn)
	}
}

// Apply applies one commit.
func (m *ReadModel) Apply(commit []eventstore.RecordedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range commit {
		m.apply(e)
	}
	return nil
}

func (m *ReadModel) apply(re eventstore.RecordedEvent) {
	switch e := re.Event.(type) {
	// purchasing: the register, DPS membership
	case *purchasingv1.ProviderRegistered:
		m.providerNames[e.GetProviderId()] = e.GetProfile().GetLegalName()
	case *purchasingv1.ProviderProfileUpdated:
		m.providerNames[e.GetProviderId()] = e.GetProfile().GetLegalName()
	case *purchasingv1.SettingAdded:
		m.registerSetting(e.GetProviderId(), e.GetSetting())
	case *purchasingv1.SettingUpdated:
		m.registerSetting(e.GetProviderId(), e.GetSetting())
	case *purchasingv1.DpsCreated:
		c := m.consortium(e.GetConsortium())
		for _, la := range e.GetTerms().GetMemberCouncils() {
			c.members[la] = true
		}
	case *purchasingv1.ProviderAdmitted:
		m.linkProvider(e.GetProviderId(), e.GetConsortium())

	// framework: terms and awards, for framework contracts
	case *frameworkv1.FrameworkDrafted:
		f := &frameworkRM{id: e.GetFrameworkId(), consortium: e.GetConsortium(), awarded: map[string][]string{}}
		m.frameworks[f.id] = f
		m.frameworkTerms(f, e.GetTerms())
	case *frameworkv1.FrameworkAmended:
		if f := m.frameworks[e.GetFrameworkId()]; f != nil {
			m.frameworkTerms(f, e.GetTerms())
		}
	case *frameworkv1.MemberCouncilAdded:
		if f := m.frameworks[e.GetFrameworkId()]; f != nil && !slices.Contains(f.members, e.GetLaCode()) {
			f.members = append(f.members, e.GetLaCode())
			m.consortium(f.consortium).members[e.GetLaCode()] = true
		}
	case *frameworkv1.MemberCouncilRemoved:
		if f := m.frameworks[e.GetFrameworkId()]; f != nil {
			f.members = slices.DeleteFunc(f.members, func(la string) bool { return la == e.GetLaCode() })
		}
	case *frameworkv1.FrameworkExtended:
		if f := m.frameworks[e.GetFrameworkId()]; f != nil {
			f.end = e.GetNewEnd()
		}
	case *frameworkv1.FrameworkAwarded:
		if f := m.frameworks[e.GetFrameworkId()]; f != nil {
			for _, lot := range e.GetLots() {
				for _, a := range lot.GetAdmitted() {
					f.awarded[a.GetProviderId()] = append(f.awarded[a.GetProviderId()], lot.GetLotId())
					m.linkProvider(a.GetProviderId(), f.consortium)
				}
			}
		}

	// demand: the consortium's disclosure threshold, for outcomes
	case *demandv1.DisclosurePolicySet:
		m.consortium(e.GetConsortium()).threshold = int(e.GetThreshold())

	// monitoring
	case *monitoringv1.ContractStarted:
		m.contracts[e.GetContractId()] = newContract(e, re.Version)
		m.linkProvider(e.GetProviderId(), e.GetConsortium())
		if e.GetCouncil() != "" {
			m.consortium(e.GetConsortium()).members[e.GetCouncil()] = true
		}
		if e.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT {
			s := m.setting(e.GetSettingUrn())
			if s.providerID == "" {
				m.setSettingProvider(s, e.GetProviderId())
			}
			s.evidence.Placements = append(s.evidence.Placements, domain.Placement{ContractID: e.GetContractId(), Council: e.GetCouncil(), Start: e.GetStartDate()})
		}
	case *monitoringv1.ContractEnded:
		if c := m.contracts[e.GetContractId()]; c != nil {
			c.ended, c.end, c.endCode, c.version = true, textOf(e.GetEndDate()), textOf(e.GetReasonCode()), re.Version
			if s := m.settings[c.setting.String()]; s != nil {
				for i := range s.evidence.Placements {
					if s.evidence.Placements[i].ContractID == e.GetContractId() {
						s.evidence.Placements[i].End = e.GetEndDate()
					}
				}
			}
		}
	case *monitoringv1.OutcomeRecorded:
		if c := m.contracts[e.GetContractId()]; c != nil {
			c.outcomes, c.version = append(c.outcomes, outcomeOf(e)), re.Version
		}
	case *monitoringv1.MonitoringReturnSubmitted:
		s := m.setting(e.GetUrn())
		m.setSettingProvider(s, e.GetProviderId())
		if mo, ok := domain.ParseMonth(e.GetPeriod()); ok {
			s.putReturn(returnRM{month: mo, raw: encode(e), submitted: e.GetSubmittedAt().AsTime().UnixNano()})
		}
		s.evidence.AddReturn(e)
	case *monitoringv1.OfstedJudgementRecorded:
		s := m.setting(e.GetUrn())
		s.ofsted = append(s.ofsted, encode(e))
		s.evidence.AddJudgement(e.GetInspectionDate(), e.GetGrade())
	case *monitoringv1.QualityVisitRecorded:
		s := m.setting(e.GetUrn())
		s.visits = append(s.visits, encode(e))
		if e.GetVisitedOn() >= s.evidence.VisitDate {
			s.evidence.VisitRating, s.evidence.VisitDate = int(e.GetRating()), e.GetVisitedOn()
		}
	case *monitoringv1.IncidentNotified:
		s := m.setting(e.GetUrn())
		s.incidents = append(s.incidents, encode(e))
		if e.GetSerious() {
			s.evidence.Serious = append(s.evidence.Serious, e.GetOccurredOn())
		}
	case *monitoringv1.FeedbackRecorded:
		s := m.setting(e.GetUrn())
		s.feedback = append(s.feedback, encode(e))
	case *monitoringv1.FinancialWarningRaised:
		m.warnings[e.GetProviderId()] = e.GetLevel()
	case *monitoringv1.FinancialWarningWithdrawn:
		delete(m.warnings, e.GetProviderId())
	case *monitoringv1.RiskPolicySet:
		m.consortium(e.GetConsortium()).policy = e
	case *monitoringv1.RiskLevelChanged:
		m.applyRisk(re, e)
	case *monitoringv1.AlertAcknowledged:
		if m.acks[e.GetOrganisation()] == nil {
			m.acks[e.GetOrganisation()] = map[string]*ack{}
		}
		m.acks[e.GetOrganisation()][e.GetAlertId()] = &ack{by: re.Actor.Subject, note: e.GetNote(), at: re.OccurredAt}
	}
}

func (m *ReadModel) registerSetting(provider string, st *purchasingv1.Setting) {
	s := m.setting(st.GetUrn())
	s.name = st.GetName()
	m.setSettingProvider(s, provider)
	// The register's grade is evidence until monitoring records a newer one.
	if st.GetOfstedDate() != "" {
		s.evidence.AddJudgement(st.GetOfstedDate(), st.GetOfstedGrade())
	}
}

func (m *ReadModel) frameworkTerms(f *frameworkRM, t *frameworkv1.FrameworkTerms) {
	if t == nil {
		return
	}
	f.end, f.members = t.GetTermEnd(), slices.Clone(t.GetMemberCouncils())
	c := m.consortium(f.consortium)
	for _, la := range f.members {
		c.members[la] = true
	}
}

func (m *ReadModel) applyRisk(re eventstore.RecordedEvent, e *monitoringv1.RiskLevelChanged) {
	c := m.consortium(e.GetConsortium())
	r := c.risk[e.GetProviderId()]
	if r == nil {
		r = &riskRM{settings: map[string]*monitoringv1.RiskLevelChanged{}}
		c.risk[e.GetProviderId()] = r
	}
	if e.GetScope() == monitoringv1.RiskScope_RISK_SCOPE_PROVIDER {
		r.provider = e
		switch e.GetAction() {
		case monitoringv1.RiskAction_RISK_ACTION_SUSPEND:
			r.suspended = true
		case monitoringv1.RiskAction_RISK_ACTION_REINSTATE:
			r.suspended = false
		}
	} else {
		r.settings[e.GetSettingUrn()] = e
	}
	a := &monitoringv1.Alert{
		AlertId: re.EventID, RaisedAt: e.GetAssessedAt(), Consortium: e.GetConsortium(), ProviderId: e.GetProviderId(),
		ProviderName: e.GetProviderName(), SettingUrn: e.GetSettingUrn(), Scope: e.GetScope(), From: e.GetFrom(), To: e.GetTo(),
		Reasons: e.GetReasons(), Action: e.GetAction(), Position: re.Position, CausationId: re.CausationID,
	}
	notified := e.GetNotifiedCouncils()
	entry := &alertEntry{alert: a, notified: notified}
	c.alerts = append(c.alerts, entry)
	m.alerts[a.GetAlertId()] = entry
	for w := range m.watchers {
		if w.wants(a, notified) {
			w.send(m.forViewer(a, w))
		}
	}
}

// forViewer is an alert as its viewer sees it: whether the viewer's
// organisation acknowledged it, and a council's own children placed there.
func (m *ReadModel) forViewer(a *monitoringv1.Alert, w *watcher) *monitoringv1.Alert {
	out := proto.Clone(a).(*monitoringv1.Alert)
	if k := m.acks[w.org][a.GetAlertId()]; k != nil {
		out.Acknowledged, out.AcknowledgedBy, out.AcknowledgedAt, out.AcknowledgementNote = true, k.by, timestamppb.New(k.at), k.note
	}
	council := w.council
	if council == "" {
		return out
	}
	n := uint32(0)
	for _, urn := range m.alertSettings(a) {
		if s := m.settings[urn]; s != nil {
			for _, p := range s.evidence.Placements {
				if p.Council == council && p.End == "" {
					n++
				}
			}
		}
	}
	out.ChildrenPlaced = n
	return out
}

func (m *ReadModel) alertSettings(a *monitoringv1.Alert) []string {
	if a.GetSettingUrn() != "" {
		return []string{a.GetSettingUrn()}
	}
	return m.providerSettings[a.GetProviderId()]
}

type alertEntry struct {
	alert    *monitoringv1.Alert
	notified []string
}
