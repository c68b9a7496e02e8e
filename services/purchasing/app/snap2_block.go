package app

import (
	"fmt"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// snap2BlkVersion names the block contracts' projection code
// (blkModel.apply) and its snapshot encoding: change it with either, and
// the next start replays the block contracts from the start.
const snap2BlkVersion = "purchasing-block-2"

// snap2BlkState is the block contracts' model as a snapshot; byPlacement is
// rebuilt on restore from the contracts' stays.
type snap2BlkState struct {
	Contracts  []snap2Blk // in order of reservation
	ReferralOn map[string]string
}

type snap2Blk struct {
	Reserved       []byte
	Status         int32
	EndsOn, Reason string
	Version        uint64
	Accepted       bool
	Places         map[string]uint32
	Stays          []snap2BlkStay
	Offered        []string
}

type snap2BlkStay struct {
	Placement, URN, Start, End string
}

// SnapshotVersion is the projection's version (projection.Snapshotter).
func (m *blkModel) SnapshotVersion() string { return snap2BlkVersion }

// MarshalSnapshot encodes the block contracts (projection.Snapshotter).
func (m *blkModel) MarshalSnapshot() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var w snapshot.Writer
	st := snap2BlkState{ReferralOn: m.referralOn}
	for _, id := range m.order {
		c := m.contracts[id]
		sc := snap2Blk{Reserved: w.Marshal(c.reserved), Status: int32(c.status), EndsOn: c.endsOn, Reason: c.reason, Version: c.version,
			Accepted: c.accepted, Places: c.places, Offered: c.offered}
		for _, s := range c.stays {
			sc.Stays = append(sc.Stays, snap2BlkStay{Placement: s.placement, URN: s.urn, Start: s.Start, End: s.End})
		}
		st.Contracts = append(st.Contracts, sc)
	}
	if w.Err() != nil {
		return nil, w.Err()
	}
	return snapshot.Encode(&st)
}

// RestoreSnapshot replaces the block contracts with a snapshot's
// (projection.Snapshotter); the model is left as it was on error.
func (m *blkModel) RestoreSnapshot(data []byte) error {
	var st snap2BlkState
	if err := snapshot.Decode(data, &st); err != nil {
		return err
	}
	var r snapshot.Reader
	contracts := make(map[string]*blkRM, len(st.Contracts))
	var order []string // nil when empty, as a replay leaves it
	byPlacement := map[string]*blkStayRM{}
	referralOn := map[string]string{}
	snapshot.KeepMap(&referralOn, st.ReferralOn)
	for _, sc := range st.Contracts {
		c := &blkRM{reserved: snapshot.UnmarshalOne(&r, sc.Reserved, &purchasingv1.BlockContractReserved{}), status: purchasingv1.BlockContractStatus(sc.Status),
			endsOn: sc.EndsOn, reason: sc.Reason, version: sc.Version, accepted: sc.Accepted, places: map[string]uint32{}, offered: sc.Offered}
		snapshot.KeepMap(&c.places, sc.Places)
		for _, s := range sc.Stays {
			stay := &blkStayRM{placement: s.Placement, urn: s.URN, BlkStay: domain.BlkStay{Start: s.Start, End: s.End}}
			c.stays = append(c.stays, stay)
			byPlacement[s.Placement] = stay
		}
		id := c.reserved.GetContractId()
		contracts[id] = c
		order = append(order, id)
	}
	if r.Err() != nil {
		return fmt.Errorf("block contracts snapshot: %w", r.Err())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.contracts, m.order, m.byPlacement, m.referralOn = contracts, order, byPlacement, referralOn
	return nil
}
