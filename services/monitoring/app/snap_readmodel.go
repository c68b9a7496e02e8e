package app

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// snapVersion names the read model's projection code and its snapshot
// encoding: change it with Apply (readmodel.go) or snapState, and the next
// start rebuilds the model from the start instead of restoring a snapshot.
const snapVersion = "monitoring-rm-1"

// snapState is the read model as a snapshot: gob of plain structs whose
// protobuf parts are in their wire encoding. Watchers are connections, not
// state: none is saved.
type snapState struct {
	ProviderNames     map[string]string
	Settings          map[string]snapSetting
	ProviderSettings  map[string][]string
	ProviderConsortia map[string]map[string]bool
	Consortia         map[string]snapConsortium
	Frameworks        map[string]snapFramework
	Contracts         map[string]snapContract
	Warnings          map[string]uint32
	Acks              map[string]map[string]snapAck
}

type snapSetting struct {
	ProviderID, Name                    string
	Evidence                            domain.Evidence
	Returns                             map[string][]byte
	Ofsted, Visits, Incidents, Feedback [][]byte
}

type snapConsortium struct {
	Members, Providers map[string]bool
	Policy             []byte
	HasPolicy          bool
	Threshold          int
	Risk               map[string]snapRisk
	Alerts             []snapAlert // in order raised; the model's alert index is rebuilt from them
}

type snapRisk struct {
	Provider    []byte
	HasProvider bool
	Settings    map[string][]byte
	Suspended   bool
}

type snapAlert struct {
	Alert    []byte
	Notified []string
}

type snapFramework struct {
	Consortium, End string
	Members         []string
	Awarded         map[string][]string
}

type snapContract struct {
	Started  []byte
	Ended    []byte
	HasEnded bool
	Outcomes [][]byte
	Version  uint64
}

type snapAck struct {
	By, Note string
	At       time.Time
}

// SnapshotVersion is the projection's version (projection.Snapshotter).
func (m *ReadModel) SnapshotVersion() string { return snapVersion }

// MarshalSnapshot encodes the model (projection.Snapshotter).
func (m *ReadModel) MarshalSnapshot() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := snapState{ProviderNames: m.providerNames, ProviderSettings: m.providerSettings, ProviderConsortia: m.providerConsortia, Warnings: m.warnings,
		Settings: make(map[string]snapSetting, len(m.settings)), Consortia: map[string]snapConsortium{}, Frameworks: map[string]snapFramework{},
		Contracts: make(map[string]snapContract, len(m.contracts)), Acks: map[string]map[string]snapAck{}}
	var w snapWriter
	for urn, s := range m.settings {
		ss := snapSetting{ProviderID: s.providerID, Name: s.name, Evidence: s.evidence, Returns: make(map[string][]byte, len(s.returns)),
			Ofsted: snapAll(&w, s.ofsted), Visits: snapAll(&w, s.visits), Incidents: snapAll(&w, s.incidents), Feedback: snapAll(&w, s.feedback)}
		for k, r := range s.returns {
			ss.Returns[k] = w.marshal(r)
		}
		st.Settings[urn] = ss
	}
	for slug, c := range m.consortia {
		sc := snapConsortium{Members: c.members, Providers: c.providers, HasPolicy: c.policy != nil, Policy: w.marshal(c.policy),
			Threshold: c.threshold, Risk: make(map[string]snapRisk, len(c.risk))}
		for p, r := range c.risk {
			sr := snapRisk{HasProvider: r.provider != nil, Provider: w.marshal(r.provider), Suspended: r.suspended, Settings: make(map[string][]byte, len(r.settings))}
			for urn, e := range r.settings {
				sr.Settings[urn] = w.marshal(e)
			}
			sc.Risk[p] = sr
		}
		for _, a := range c.alerts {
			sc.Alerts = append(sc.Alerts, snapAlert{Alert: w.marshal(a.alert), Notified: a.notified})
		}
		st.Consortia[slug] = sc
	}
	for id, f := range m.frameworks {
		st.Frameworks[id] = snapFramework{Consortium: f.consortium, End: f.end, Members: f.members, Awarded: f.awarded}
	}
	for id, c := range m.contracts {
		st.Contracts[id] = snapContract{Started: w.marshal(c.c), HasEnded: c.ended != nil, Ended: w.marshal(c.ended), Outcomes: snapAll(&w, c.outcomes), Version: c.version}
	}
	for org, byAlert := range m.acks {
		st.Acks[org] = make(map[string]snapAck, len(byAlert))
		for id, a := range byAlert {
			st.Acks[org][id] = snapAck{By: a.by, Note: a.note, At: a.at}
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&st); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RestoreSnapshot replaces the model's state with a snapshot's
// (projection.Snapshotter); the model is left as it was on error.
func (m *ReadModel) RestoreSnapshot(data []byte) error {
	var st snapState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return err
	}
	f := NewReadModel()
	var r snapReader
	snapMap(&f.providerNames, st.ProviderNames)
	snapMap(&f.providerSettings, st.ProviderSettings)
	snapMap(&f.providerConsortia, st.ProviderConsortia)
	snapMap(&f.warnings, st.Warnings)
	for urn, ss := range st.Settings {
		s := f.setting(urn)
		s.providerID, s.name, s.evidence = ss.ProviderID, ss.Name, ss.Evidence
		for k, raw := range ss.Returns {
			s.returns[k] = snapOne(&r, raw, &monitoringv1.MonitoringReturnSubmitted{})
		}
		s.ofsted = snapEach(&r, ss.Ofsted, func() *monitoringv1.OfstedJudgementRecorded { return &monitoringv1.OfstedJudgementRecorded{} })
		s.visits = snapEach(&r, ss.Visits, func() *monitoringv1.QualityVisitRecorded { return &monitoringv1.QualityVisitRecorded{} })
		s.incidents = snapEach(&r, ss.Incidents, func() *monitoringv1.IncidentNotified { return &monitoringv1.IncidentNotified{} })
		s.feedback = snapEach(&r, ss.Feedback, func() *monitoringv1.FeedbackRecorded { return &monitoringv1.FeedbackRecorded{} })
	}
	for slug, sc := range st.Consortia {
		c := f.consortium(slug)
		snapMap(&c.members, sc.Members)
		snapMap(&c.providers, sc.Providers)
		c.threshold = sc.Threshold
		if sc.HasPolicy {
			c.policy = snapOne(&r, sc.Policy, &monitoringv1.RiskPolicySet{})
		}
		for p, sr := range sc.Risk {
			rk := &riskRM{suspended: sr.Suspended, settings: make(map[string]*monitoringv1.RiskLevelChanged, len(sr.Settings))}
			if sr.HasProvider {
				rk.provider = snapOne(&r, sr.Provider, &monitoringv1.RiskLevelChanged{})
			}
			for urn, raw := range sr.Settings {
				rk.settings[urn] = snapOne(&r, raw, &monitoringv1.RiskLevelChanged{})
			}
			c.risk[p] = rk
		}
		for _, sa := range sc.Alerts {
			e := &alertEntry{alert: snapOne(&r, sa.Alert, &monitoringv1.Alert{}), notified: sa.Notified}
			c.alerts = append(c.alerts, e)
			f.alerts[e.alert.GetAlertId()] = e
		}
	}
	for id, sf := range st.Frameworks {
		f.frameworks[id] = &frameworkRM{id: id, consortium: sf.Consortium, end: sf.End, members: sf.Members, awarded: sf.Awarded}
		if f.frameworks[id].awarded == nil {
			f.frameworks[id].awarded = map[string][]string{}
		}
	}
	for id, sc := range st.Contracts {
		c := &contractRM{c: snapOne(&r, sc.Started, &monitoringv1.ContractStarted{}), version: sc.Version,
			outcomes: snapEach(&r, sc.Outcomes, func() *monitoringv1.OutcomeRecorded { return &monitoringv1.OutcomeRecorded{} })}
		if sc.HasEnded {
			c.ended = snapOne(&r, sc.Ended, &monitoringv1.ContractEnded{})
		}
		f.contracts[id] = c
	}
	for org, byAlert := range st.Acks {
		f.acks[org] = make(map[string]*ack, len(byAlert))
		for id, a := range byAlert {
			f.acks[org][id] = &ack{by: a.By, note: a.Note, at: a.At}
		}
	}
	if r.err != nil {
		return fmt.Errorf("monitoring snapshot: %w", r.err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.providerNames, m.settings, m.providerSettings, m.providerConsortia = f.providerNames, f.settings, f.providerSettings, f.providerConsortia
	m.consortia, m.frameworks, m.contracts, m.warnings = f.consortia, f.frameworks, f.contracts, f.warnings
	m.alerts, m.acks = f.alerts, f.acks
	return nil
}

// snapWriter marshals messages, keeping the first error.
type snapWriter struct{ err error }

func (w *snapWriter) marshal(msg proto.Message) []byte {
	b, err := proto.Marshal(msg)
	if err != nil && w.err == nil {
		w.err = err
	}
	return b
}

func snapAll[T proto.Message](w *snapWriter, msgs []T) [][]byte {
	if len(msgs) == 0 {
		return nil
	}
	out := make([][]byte, len(msgs))
	for i, msg := range msgs {
		out[i] = w.marshal(msg)
	}
	return out
}

// snapReader unmarshals messages, keeping the first error.
type snapReader struct{ err error }

func snapOne[T proto.Message](r *snapReader, raw []byte, msg T) T {
	if err := proto.Unmarshal(raw, msg); err != nil && r.err == nil {
		r.err = err
	}
	return msg
}

func snapEach[T proto.Message](r *snapReader, raw [][]byte, newMsg func() T) []T {
	if len(raw) == 0 {
		return nil
	}
	out := make([]T, len(raw))
	for i, b := range raw {
		out[i] = snapOne(r, b, newMsg())
	}
	return out
}

// snapMap keeps an empty model's map when the snapshot's decoded as nil
// (gob leaves empty maps out).
func snapMap[M ~map[K]V, K comparable, V any](dst *M, src M) {
	if src != nil {
		*dst = src
	}
}
