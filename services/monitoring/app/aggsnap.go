package app

import (
	"fmt"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Persisted snapshots of the aggregates whose streams grow for as long as
// the platform runs (issue 16): a setting's monthly returns and judgements,
// a provider's risk changes under a consortium, a placement's outcomes and
// an organisation's acknowledged alerts. A provider's financial warnings
// and a consortium's policy change seldom: their streams stay short.
//
// Each state is gob of a plain struct, protobuf parts in their wire form,
// as the read model's snapshot (snap_readmodel.go). Change a Version with
// its encoding or with the Evolve/Fold it follows (domain/), and the
// snapshots written before are ignored.

// aggsnapSetting is a domain.SettingState.
type aggsnapSetting struct {
	Returns           map[string]uint32
	Judgements        map[string]int32
	LatestGrade       int32
	LatestDate        string
	Visits, Incidents int
}

var aggsnapSettingCodec = aggregate.Codec[domain.SettingState]{
	Version: "monitoring-setting-1",
	Marshal: func(s domain.SettingState) ([]byte, error) {
		st := aggsnapSetting{Returns: s.Returns, LatestGrade: int32(s.LatestGrade), LatestDate: s.LatestDate, Visits: s.Visits, Incidents: s.Incidents}
		if s.Judgements != nil {
			st.Judgements = make(map[string]int32, len(s.Judgements))
			for d, g := range s.Judgements {
				st.Judgements[d] = int32(g)
			}
		}
		return snapshot.Encode(&st)
	},
	Unmarshal: func(data []byte) (domain.SettingState, error) {
		var st aggsnapSetting
		if err := snapshot.Decode(data, &st); err != nil {
			return domain.SettingState{}, fmt.Errorf("setting snapshot: %w", err)
		}
		// Fold makes the maps on their first entry: nil and empty are alike
		// to it, and gob leaves empty maps out.
		s := domain.SettingState{Returns: st.Returns, LatestGrade: purchasingv1.OfstedGrade(st.LatestGrade), LatestDate: st.LatestDate,
			Visits: st.Visits, Incidents: st.Incidents}
		if st.Judgements != nil {
			s.Judgements = make(map[string]purchasingv1.OfstedGrade, len(st.Judgements))
			for d, g := range st.Judgements {
				s.Judgements[d] = purchasingv1.OfstedGrade(g)
			}
		}
		return s, nil
	},
}

// aggsnapRisk is a domain.RiskState.
type aggsnapRisk struct {
	Settings          map[string]int32
	SettingSuspended  map[string]bool
	Provider          int32
	ProviderSuspended bool
	EvidencePosition  uint64
	AssessedAt        time.Time
}

var aggsnapRiskCodec = aggregate.Codec[domain.RiskState]{
	Version: "monitoring-risk-1",
	Marshal: func(s domain.RiskState) ([]byte, error) {
		st := aggsnapRisk{SettingSuspended: s.SettingSuspended, Provider: int32(s.Provider), ProviderSuspended: s.ProviderSuspended,
			EvidencePosition: s.EvidencePosition, AssessedAt: s.AssessedAt}
		if s.Settings != nil {
			st.Settings = make(map[string]int32, len(s.Settings))
			for urn, l := range s.Settings {
				st.Settings[urn] = int32(l)
			}
		}
		return snapshot.Encode(&st)
	},
	Unmarshal: func(data []byte) (domain.RiskState, error) {
		var st aggsnapRisk
		if err := snapshot.Decode(data, &st); err != nil {
			return domain.RiskState{}, fmt.Errorf("risk snapshot: %w", err)
		}
		s := domain.RiskState{SettingSuspended: st.SettingSuspended, Provider: monitoringv1.RiskLevel(st.Provider), ProviderSuspended: st.ProviderSuspended,
			EvidencePosition: st.EvidencePosition, AssessedAt: st.AssessedAt}
		if st.Settings != nil {
			s.Settings = make(map[string]monitoringv1.RiskLevel, len(st.Settings))
			for urn, l := range st.Settings {
				s.Settings[urn] = monitoringv1.RiskLevel(l)
			}
			// Fold makes both maps together and then writes to both.
			if s.SettingSuspended == nil {
				s.SettingSuspended = map[string]bool{}
			}
		}
		return s, nil
	},
}

// aggsnapContract is a domain.ContractState.
type aggsnapContract struct {
	Started, Ended       []byte
	HasStarted, HasEnded bool
	Outcomes             [][]byte
}

var aggsnapContractCodec = aggregate.Codec[domain.ContractState]{
	Version: "monitoring-contract-1",
	Marshal: func(s domain.ContractState) ([]byte, error) {
		var w snapshot.Writer
		st := aggsnapContract{HasStarted: s.Started != nil, Started: w.Marshal(s.Started), HasEnded: s.Ended != nil, Ended: w.Marshal(s.Ended),
			Outcomes: snapshot.MarshalAll(&w, s.Outcomes)}
		if w.Err() != nil {
			return nil, w.Err()
		}
		return snapshot.Encode(&st)
	},
	Unmarshal: func(data []byte) (domain.ContractState, error) {
		var st aggsnapContract
		if err := snapshot.Decode(data, &st); err != nil {
			return domain.ContractState{}, fmt.Errorf("contract snapshot: %w", err)
		}
		var r snapshot.Reader
		var s domain.ContractState
		if st.HasStarted {
			s.Started = snapshot.UnmarshalOne(&r, st.Started, &monitoringv1.ContractStarted{})
		}
		if st.HasEnded {
			s.Ended = snapshot.UnmarshalOne(&r, st.Ended, &monitoringv1.ContractEnded{})
		}
		s.Outcomes = snapshot.UnmarshalEach(&r, st.Outcomes, func() *monitoringv1.OutcomeRecorded { return &monitoringv1.OutcomeRecorded{} })
		if r.Err() != nil {
			return domain.ContractState{}, fmt.Errorf("contract snapshot: %w", r.Err())
		}
		return s, nil
	},
}

// aggsnapInbox is a domain.InboxState: the ids of the alerts acknowledged
// (every one is true).
type aggsnapInbox struct {
	Acknowledged []string
}

var aggsnapInboxCodec = aggregate.Codec[domain.InboxState]{
	Version: "monitoring-inbox-1",
	Marshal: func(s domain.InboxState) ([]byte, error) {
		st := aggsnapInbox{Acknowledged: make([]string, 0, len(s.Acknowledged))}
		for id, ok := range s.Acknowledged {
			if ok {
				st.Acknowledged = append(st.Acknowledged, id)
			}
		}
		return snapshot.Encode(&st)
	},
	Unmarshal: func(data []byte) (domain.InboxState, error) {
		var st aggsnapInbox
		if err := snapshot.Decode(data, &st); err != nil {
			return domain.InboxState{}, fmt.Errorf("inbox snapshot: %w", err)
		}
		var s domain.InboxState
		if len(st.Acknowledged) > 0 {
			s.Acknowledged = make(map[string]bool, len(st.Acknowledged))
			for _, id := range st.Acknowledged {
				s.Acknowledged[id] = true
			}
		}
		return s, nil
	},
}
