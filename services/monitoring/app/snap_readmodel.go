package app

import (
	"fmt"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// snapVersion names the read model's projection code and its snapshot
// encoding: change it with Apply (readmodel.go) or snapState, and the next
// start rebuilds the model from the start instead of restoring a snapshot.
// 2: returns held by month wire-encoded (old ones left in the store);
// outcomes, judgements, visits, incidents and feedback wire-encoded.
// 3: returns before the held window packed (oldReturns); contracts in
// plain, interned fields (contractRM).
const snapVersion = "monitoring-rm-3"

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
	Returns                             []snapReturn
	OldReturns                          []byte // oldReturns.packed
	Ofsted, Visits, Incidents, Feedback [][]byte
}

// snapReturn is a held returnRM.
type snapReturn struct {
	Month     int32
	Raw       []byte
	Submitted int64
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

// snapContract is a contractRM.
type snapContract struct {
	Kind                                          int32
	Ended                                         bool
	Consortium, Council, Provider, Setting        string
	Framework, Lot, Category, Source              string
	Start, ExpectedEnd, End, EndCode, PlacementID string
	Price                                         int64
	Members                                       []string
	Outcomes                                      []snapOutcome
	Version                                       uint64
}

type snapOutcome struct {
	Point      int32
	RecordedOn string
	Scores     [5]uint8
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
	var w snapshot.Writer
	for urn, s := range m.settings {
		ss := snapSetting{ProviderID: s.providerID, Name: s.name, Evidence: s.evidence, Returns: make([]snapReturn, 0, len(s.returns)),
			OldReturns: s.old.packed, Ofsted: s.ofsted, Visits: s.visits, Incidents: s.incidents, Feedback: s.feedback}
		for _, r := range s.returns {
			ss.Returns = append(ss.Returns, snapReturn{Month: int32(r.month), Raw: r.raw, Submitted: r.submitted})
		}
		st.Settings[urn] = ss
	}
	for slug, c := range m.consortia {
		sc := snapConsortium{Members: c.members, Providers: c.providers, HasPolicy: c.policy != nil, Policy: w.Marshal(c.policy),
			Threshold: c.threshold, Risk: make(map[string]snapRisk, len(c.risk))}
		for p, r := range c.risk {
			sr := snapRisk{HasProvider: r.provider != nil, Provider: w.Marshal(r.provider), Suspended: r.suspended, Settings: make(map[string][]byte, len(r.settings))}
			for urn, e := range r.settings {
				sr.Settings[urn] = w.Marshal(e)
			}
			sc.Risk[p] = sr
		}
		for _, a := range c.alerts {
			sc.Alerts = append(sc.Alerts, snapAlert{Alert: w.Marshal(a.alert), Notified: a.notified})
		}
		st.Consortia[slug] = sc
	}
	for id, f := range m.frameworks {
		st.Frameworks[id] = snapFramework{Consortium: f.consortium, End: f.end, Members: f.members, Awarded: f.awarded}
	}
	for id, c := range m.contracts {
		sc := snapContract{Kind: int32(c.kind), Ended: c.ended, Consortium: c.consortium.String(), Council: c.council.String(), Provider: c.provider.String(),
			Setting: c.setting.String(), Framework: c.framework.String(), Lot: c.lot.String(), Category: c.category.String(), Source: c.source.String(),
			Start: c.start.String(), ExpectedEnd: c.expectedEnd.String(), End: c.end.String(), EndCode: c.endCode.String(), PlacementID: c.placementID,
			Price: c.price, Members: c.members, Version: c.version}
		for _, o := range c.outcomes {
			sc.Outcomes = append(sc.Outcomes, snapOutcome{Point: int32(o.point), RecordedOn: o.recordedOn.String(), Scores: o.scores})
		}
		st.Contracts[id] = sc
	}
	for org, byAlert := range m.acks {
		st.Acks[org] = make(map[string]snapAck, len(byAlert))
		for id, a := range byAlert {
			st.Acks[org][id] = snapAck{By: a.by, Note: a.note, At: a.at}
		}
	}
	if w.Err() != nil {
		return nil, w.Err()
	}
	return snapshot.Encode(&st)
}

// RestoreSnapshot replaces the model's state with a snapshot's
// (projection.Snapshotter); the model is left as it was on error.
func (m *ReadModel) RestoreSnapshot(data []byte) error {
	var st snapState
	if err := snapshot.Decode(data, &st); err != nil {
		return err
	}
	f := NewReadModel()
	var r snapshot.Reader
	snapshot.KeepMap(&f.providerNames, st.ProviderNames)
	snapshot.KeepMap(&f.providerSettings, st.ProviderSettings)
	snapshot.KeepMap(&f.providerConsortia, st.ProviderConsortia)
	snapshot.KeepMap(&f.warnings, st.Warnings)
	for urn, ss := range st.Settings {
		s := f.setting(urn)
		s.providerID, s.name, s.evidence = ss.ProviderID, ss.Name, ss.Evidence
		for _, sr := range ss.Returns {
			s.returns = append(s.returns, returnRM{month: domain.Month(sr.Month), raw: sr.Raw, submitted: sr.Submitted})
		}
		s.old = restoreOldReturns(ss.OldReturns)
		s.ofsted, s.visits, s.incidents, s.feedback = ss.Ofsted, ss.Visits, ss.Incidents, ss.Feedback
	}
	for slug, sc := range st.Consortia {
		c := f.consortium(slug)
		snapshot.KeepMap(&c.members, sc.Members)
		snapshot.KeepMap(&c.providers, sc.Providers)
		c.threshold = sc.Threshold
		if sc.HasPolicy {
			c.policy = snapshot.UnmarshalOne(&r, sc.Policy, &monitoringv1.RiskPolicySet{})
		}
		for p, sr := range sc.Risk {
			rk := &riskRM{suspended: sr.Suspended, settings: make(map[string]*monitoringv1.RiskLevelChanged, len(sr.Settings))}
			if sr.HasProvider {
				rk.provider = snapshot.UnmarshalOne(&r, sr.Provider, &monitoringv1.RiskLevelChanged{})
			}
			for urn, raw := range sr.Settings {
				rk.settings[urn] = snapshot.UnmarshalOne(&r, raw, &monitoringv1.RiskLevelChanged{})
			}
			c.risk[p] = rk
		}
		for _, sa := range sc.Alerts {
			e := &alertEntry{alert: snapshot.UnmarshalOne(&r, sa.Alert, &monitoringv1.Alert{}), notified: sa.Notified}
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
		c := &contractRM{id: id, kind: monitoringv1.ContractKind(sc.Kind), ended: sc.Ended, consortium: textOf(sc.Consortium), council: textOf(sc.Council),
			provider: textOf(sc.Provider), setting: textOf(sc.Setting), framework: textOf(sc.Framework), lot: textOf(sc.Lot), category: textOf(sc.Category),
			source: textOf(sc.Source), start: textOf(sc.Start), expectedEnd: textOf(sc.ExpectedEnd), end: textOf(sc.End), endCode: textOf(sc.EndCode),
			placementID: sc.PlacementID, price: sc.Price, members: sc.Members, version: sc.Version}
		if c.placementID == id {
			c.placementID = c.id
		}
		for _, so := range sc.Outcomes {
			c.outcomes = append(c.outcomes, outcomeRM{point: monitoringv1.OutcomePoint(so.Point), recordedOn: textOf(so.RecordedOn), scores: so.Scores})
		}
		f.contracts[id] = c
	}
	for org, byAlert := range st.Acks {
		f.acks[org] = make(map[string]*ack, len(byAlert))
		for id, a := range byAlert {
			f.acks[org][id] = &ack{by: a.By, note: a.Note, at: a.At}
		}
	}
	if r.Err() != nil {
		return fmt.Errorf("monitoring snapshot: %w", r.Err())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.providerNames, m.settings, m.providerSettings, m.providerConsortia = f.providerNames, f.settings, f.providerSettings, f.providerConsortia
	m.consortia, m.frameworks, m.contracts, m.warnings = f.consortia, f.frameworks, f.contracts, f.warnings
	m.alerts, m.acks = f.alerts, f.acks
	return nil
}
