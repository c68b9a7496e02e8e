package app

import (
	"fmt"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// snap2AgrVersion names the agreements' projection code (agrModel.apply,
// domain.EvolveAgreement) and its snapshot encoding: change it with either,
// and the next start replays the agreements from the start.
const snap2AgrVersion = "purchasing-agreements-2"

type snap2AgrState struct {
	Agreements []snap2Agr // in order of drawing
}

type snap2Agr struct {
	ID, AgreementID string
	InForce         uint32
	EndedOn         string
	Versions        []snap2AgrTerms
	Version         uint64
}

type snap2AgrTerms struct {
	Terms      []byte
	Digest     string
	DrawnAt    time.Time
	Accepted   map[int32][]byte
	Locked     bool
	ProposedBy int32
	Proposer   string
}

// SnapshotVersion is the projection's version (projection.Snapshotter).
func (m *agrModel) SnapshotVersion() string { return snap2AgrVersion }

// MarshalSnapshot encodes the agreements (projection.Snapshotter).
func (m *agrModel) MarshalSnapshot() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var w snapshot.Writer
	var st snap2AgrState
	for _, id := range m.order {
		r := m.byID[id]
		a := snap2Agr{ID: id, AgreementID: r.state.AgreementID, InForce: r.state.InForce, EndedOn: r.state.EndedOn, Version: r.version}
		for _, v := range r.state.Versions {
			sv := snap2AgrTerms{Terms: w.Marshal(v.Terms), Digest: v.Digest, DrawnAt: v.DrawnAt, Locked: v.Locked, ProposedBy: int32(v.ProposedBy), Proposer: v.Proposer}
			if len(v.Accepted) > 0 {
				sv.Accepted = make(map[int32][]byte, len(v.Accepted))
				for p, acc := range v.Accepted {
					sv.Accepted[int32(p)] = w.Marshal(acc)
				}
			}
			a.Versions = append(a.Versions, sv)
		}
		st.Agreements = append(st.Agreements, a)
	}
	if w.Err() != nil {
		return nil, w.Err()
	}
	return snapshot.Encode(&st)
}

// RestoreSnapshot replaces the agreements with a snapshot's
// (projection.Snapshotter); the model is left as it was on error.
func (m *agrModel) RestoreSnapshot(data []byte) error {
	var st snap2AgrState
	if err := snapshot.Decode(data, &st); err != nil {
		return err
	}
	var r snapshot.Reader
	byID := make(map[string]*agrRM, len(st.Agreements))
	var order []string // nil when empty, as a replay leaves it
	for _, a := range st.Agreements {
		rm := &agrRM{version: a.Version, state: domain.AgreementState{AgreementID: a.AgreementID, InForce: a.InForce, EndedOn: a.EndedOn}}
		for _, sv := range a.Versions {
			v := &domain.AgreementVersion{Terms: snapshot.UnmarshalOne(&r, sv.Terms, &purchasingv1.AgreementTerms{}), Digest: sv.Digest, DrawnAt: sv.DrawnAt,
				Locked:     sv.Locked,
				ProposedBy: purchasingv1.AgreementParty(sv.ProposedBy), Proposer: sv.Proposer}
			if sv.Accepted != nil {
				v.Accepted = make(map[purchasingv1.AgreementParty]*purchasingv1.AgreementAcceptance, len(sv.Accepted))
			}
			for p, raw := range sv.Accepted {
				v.Accepted[purchasingv1.AgreementParty(p)] = snapshot.UnmarshalOne(&r, raw, &purchasingv1.AgreementAcceptance{})
			}
			rm.state.Versions = append(rm.state.Versions, v)
		}
		byID[a.ID] = rm
		order = append(order, a.ID)
	}
	if r.Err() != nil {
		return fmt.Errorf("agreements snapshot: %w", r.Err())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byID, m.order = byID, order
	return nil
}
