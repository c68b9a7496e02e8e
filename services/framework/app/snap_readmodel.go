package app

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// snapVersion names the read model's projection code and its snapshot
// encoding: change it with Apply (readmodel.go) or snapState, and the next
// start rebuilds the model from the start instead of restoring a snapshot.
const snapVersion = "framework-rm-1"

// snapState is the read model as a snapshot: gob of plain structs whose
// protobuf parts are in their wire encoding.
type snapState struct {
	Frameworks    []snapFramework // in creation order
	ProviderNames map[string]string
}

type snapFramework struct {
	Framework []byte
	ClosesAt  time.Time
	Bids      [][]byte // in submission order
	Uplifts   [][]byte
	Decisions [][]byte
}

// SnapshotVersion is the projection's version (projection.Snapshotter).
func (m *ReadModel) SnapshotVersion() string { return snapVersion }

// MarshalSnapshot encodes the model (projection.Snapshotter).
func (m *ReadModel) MarshalSnapshot() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := snapState{Frameworks: make([]snapFramework, 0, len(m.order)), ProviderNames: m.providerNames}
	for _, id := range m.order {
		v := m.frameworks[id]
		f := snapFramework{ClosesAt: v.closesAt}
		var err error
		if f.Framework, err = proto.Marshal(v.fw); err != nil {
			return nil, err
		}
		for _, k := range v.bidOrder {
			if f.Bids, err = snapAppend(f.Bids, v.bids[k]); err != nil {
				return nil, err
			}
		}
		for _, u := range v.uplifts {
			if f.Uplifts, err = snapAppend(f.Uplifts, u); err != nil {
				return nil, err
			}
		}
		for _, d := range v.decisions {
			if f.Decisions, err = snapAppend(f.Decisions, d); err != nil {
				return nil, err
			}
		}
		st.Frameworks = append(st.Frameworks, f)
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
	fresh := NewReadModel()
	if st.ProviderNames != nil {
		fresh.providerNames = st.ProviderNames
	}
	for _, f := range st.Frameworks {
		v := &frameworkView{fw: &frameworkv1.Framework{}, closesAt: f.ClosesAt, bids: map[bidKey]*frameworkv1.Bid{}}
		if err := proto.Unmarshal(f.Framework, v.fw); err != nil {
			return fmt.Errorf("framework: %w", err)
		}
		for _, raw := range f.Bids {
			b := &frameworkv1.Bid{}
			if err := proto.Unmarshal(raw, b); err != nil {
				return fmt.Errorf("bid: %w", err)
			}
			k := bidKey{b.GetLotId(), b.GetProviderId()}
			v.bids[k] = b
			v.bidOrder = append(v.bidOrder, k)
		}
		for _, raw := range f.Uplifts {
			u := &frameworkv1.PriceUplift{}
			if err := proto.Unmarshal(raw, u); err != nil {
				return fmt.Errorf("uplift: %w", err)
			}
			v.uplifts = append(v.uplifts, u)
		}
		for _, raw := range f.Decisions {
			d := &frameworkv1.Decision{}
			if err := proto.Unmarshal(raw, d); err != nil {
				return fmt.Errorf("decision: %w", err)
			}
			v.decisions = append(v.decisions, d)
		}
		id := v.fw.GetFrameworkId()
		fresh.frameworks[id] = v
		fresh.order = append(fresh.order, id)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.frameworks, m.order, m.providerNames = fresh.frameworks, fresh.order, fresh.providerNames
	return nil
}

func snapAppend(out [][]byte, msg proto.Message) ([][]byte, error) {
	b, err := proto.Marshal(msg)
	if err != nil {
		return nil, err
	}
	return append(out, b), nil
}
