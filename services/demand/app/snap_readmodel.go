package app

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// snapVersion names the read model's projection code and its snapshot
// encoding: change it with Apply (readmodel.go) or snapState, and the next
// start rebuilds the model from the start instead of restoring a snapshot.
const snapVersion = "demand-rm-1"

// snapState is the read model as a snapshot: gob of plain structs whose
// protobuf parts are in their wire encoding. Needs cells are not saved:
// they are rebuilt from the standing returns over the saved combinations,
// which keep their numbers.
type snapState struct {
	Consortia  map[string]snapConsortium
	DPS        map[string]snapDPS
	Policies   map[string][]byte
	PolicySet  map[string]snapPolicyChange
	History    map[string]map[string][]snapSubmission // council → as-at date → submissions
	Standing   map[string]map[string]int              // council → as-at date → index in History
	Combos     [][6]string                            // in number order
	Dates      []string
	Generation uint64
	Live       uint64
	Referrals  map[string]snapReferral
	Awards     []snapAward
	Settings   map[string]snapSetting
}

type snapConsortium struct {
	Members []string
	DPS     []string
}

type snapDPS struct {
	Consortium string
	Categories [][]byte
	Admitted   map[string][]string
}

type snapPolicyChange struct {
	At      time.Time
	By      string
	Version uint64
}

type snapSubmission struct {
	Event                   []byte
	At, WithdrawnAt         time.Time
	By, WithdrawnBy, Reason string
	Withdrawn               bool
}

type snapReferral struct {
	Consortium, Council, Category, Area, AgeBand string
	Open                                         bool
}

type snapAward struct {
	Consortium, Council, Category, Provider, Area, DistanceBand string
	Pence                                                       int64
}

type snapSetting struct {
	Provider, Area   string
	SettingType      int32
	Registered       uint32
	Published, Taken uint32
	Removed          bool
}

// SnapshotVersion is the projection's version (projection.Snapshotter).
func (m *ReadModel) SnapshotVersion() string { return snapVersion }

// MarshalSnapshot encodes the model (projection.Snapshotter).
func (m *ReadModel) MarshalSnapshot() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := snapState{
		Consortia: map[string]snapConsortium{}, DPS: map[string]snapDPS{}, Policies: map[string][]byte{}, PolicySet: map[string]snapPolicyChange{},
		History: map[string]map[string][]snapSubmission{}, Standing: map[string]map[string]int{},
		Dates: m.dates, Generation: m.generation, Live: m.live,
		Referrals: make(map[string]snapReferral, len(m.referrals)), Awards: make([]snapAward, 0, len(m.awards)), Settings: make(map[string]snapSetting, len(m.settings)),
	}
	for slug, c := range m.consortia {
		sc := snapConsortium{DPS: c.dps}
		for la, in := range c.members {
			if in {
				sc.Members = append(sc.Members, la)
			}
		}
		st.Consortia[slug] = sc
	}
	for id, d := range m.dps {
		sd := snapDPS{Consortium: d.consortium, Admitted: map[string][]string{}}
		for _, c := range d.categories {
			b, err := proto.Marshal(c)
			if err != nil {
				return nil, err
			}
			sd.Categories = append(sd.Categories, b)
		}
		for cat, set := range d.admitted {
			ps := make([]string, 0, len(set))
			for p := range set {
				ps = append(ps, p)
			}
			sd.Admitted[cat] = ps
		}
		st.DPS[id] = sd
	}
	for slug, p := range m.policies {
		b, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		st.Policies[slug] = b
	}
	for slug, c := range m.policySet {
		st.PolicySet[slug] = snapPolicyChange{At: c.at, By: c.by, Version: c.version}
	}
	for la, byDate := range m.history {
		st.History[la] = map[string][]snapSubmission{}
		for date, subs := range byDate {
			out := make([]snapSubmission, 0, len(subs))
			for i, s := range subs {
				b, err := proto.Marshal(s.ev)
				if err != nil {
					return nil, err
				}
				out = append(out, snapSubmission{Event: b, At: s.at, By: s.by, Withdrawn: s.withdrawn, WithdrawnAt: s.withdrawnAt, WithdrawnBy: s.withdrawnBy, Reason: s.reason})
				if m.returns[la][date] == s.ev {
					if st.Standing[la] == nil {
						st.Standing[la] = map[string]int{}
					}
					st.Standing[la][date] = i
				}
			}
			st.History[la][date] = out
		}
	}
	st.Combos = make([][6]string, len(m.comboValues))
	for k, n := range m.combos {
		st.Combos[n] = k
	}
	for id, r := range m.referrals {
		st.Referrals[id] = snapReferral{Consortium: r.consortium, Council: r.council, Category: r.category, Area: r.area, AgeBand: r.ageBand, Open: r.open}
	}
	for _, a := range m.awards {
		st.Awards = append(st.Awards, snapAward{Consortium: a.consortium, Council: a.council, Category: a.category, Provider: a.provider, Area: a.area, DistanceBand: a.distanceBand, Pence: a.pence})
	}
	for urn, s := range m.settings {
		st.Settings[urn] = snapSetting{Provider: s.provider, Area: s.area, SettingType: int32(s.settingType), Registered: s.registered, Published: s.published, Taken: s.taken, Removed: s.removed}
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
	for slug, sc := range st.Consortia {
		c := f.consortium(slug)
		c.dps = sc.DPS
		for _, la := range sc.Members {
			c.members[la] = true
		}
	}
	for id, sd := range st.DPS {
		d := &dpsRM{id: id, consortium: sd.Consortium, admitted: map[string]map[string]bool{}}
		for _, raw := range sd.Categories {
			c := &purchasingv1.Category{}
			if err := proto.Unmarshal(raw, c); err != nil {
				return fmt.Errorf("category: %w", err)
			}
			d.categories = append(d.categories, c)
		}
		for cat, ps := range sd.Admitted {
			set := make(map[string]bool, len(ps))
			for _, p := range ps {
				set[p] = true
			}
			d.admitted[cat] = set
		}
		f.dps[id] = d
	}
	for slug, raw := range st.Policies {
		p := &demandv1.DisclosurePolicySet{}
		if err := proto.Unmarshal(raw, p); err != nil {
			return fmt.Errorf("policy: %w", err)
		}
		f.policies[slug] = p
	}
	for slug, c := range st.PolicySet {
		f.policySet[slug] = policyChange{at: c.At, by: c.By, version: c.Version}
	}
	for i, k := range st.Combos {
		v := make(map[string]string, len(k))
		for j, d := range needsDimensionNames {
			v[d] = k[j]
		}
		f.combos[k] = i
		f.comboValues = append(f.comboValues, v)
	}
	for la, byDate := range st.History {
		f.history[la] = map[string][]*submissionRM{}
		for date, subs := range byDate {
			out := make([]*submissionRM, 0, len(subs))
			for _, s := range subs {
				ev := &demandv1.NeedsReturnSubmitted{}
				if err := proto.Unmarshal(s.Event, ev); err != nil {
					return fmt.Errorf("needs return: %w", err)
				}
				out = append(out, &submissionRM{ev: ev, at: s.At, by: s.By, withdrawn: s.Withdrawn, withdrawnAt: s.WithdrawnAt, withdrawnBy: s.WithdrawnBy, reason: s.Reason})
			}
			f.history[la][date] = out
		}
	}
	for la, byDate := range st.Standing {
		for date, i := range byDate {
			subs := f.history[la][date]
			if i < 0 || i >= len(subs) {
				return fmt.Errorf("standing return %s %s: no submission %d", la, date, i)
			}
			if f.returns[la] == nil {
				f.returns[la] = map[string]*demandv1.NeedsReturnSubmitted{}
				f.cells[la] = map[string][]record{}
			}
			f.returns[la][date] = subs[i].ev
			f.cells[la][date] = f.recordsOf(subs[i].ev)
		}
	}
	f.dates, f.generation, f.live = st.Dates, st.Generation, st.Live
	for id, r := range st.Referrals {
		f.referrals[id] = &liveReferral{consortium: r.Consortium, council: r.Council, category: r.Category, area: r.Area, ageBand: r.AgeBand, open: r.Open}
	}
	for _, a := range st.Awards {
		f.awards = append(f.awards, &award{consortium: a.Consortium, council: a.Council, category: a.Category, provider: a.Provider, area: a.Area, distanceBand: a.DistanceBand, pence: a.Pence})
	}
	for urn, s := range st.Settings {
		f.settings[urn] = &supplySetting{provider: s.Provider, area: s.Area, settingType: purchasingv1.SettingType(s.SettingType), registered: s.Registered, published: s.Published, taken: s.Taken, removed: s.Removed}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.consortia, m.dps, m.policies, m.policySet = f.consortia, f.dps, f.policies, f.policySet
	m.returns, m.history, m.cells, m.combos, m.comboValues, m.dates = f.returns, f.history, f.cells, f.combos, f.comboValues, f.dates
	m.generation, m.live = f.generation, f.live
	m.referrals, m.awards, m.settings = f.referrals, f.awards, f.settings
	return nil
}
