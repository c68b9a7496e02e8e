package app

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// snapVersion names the main read model's projection code and its
// snapshot encoding: change it with Apply (readmodel.go, calloff.go) or
// snapState, and the next start rebuilds the model from the start instead
// of restoring a snapshot.
const snapVersion = "purchasing-rm-7"

// snapState is the read model as a snapshot: gob of plain structs whose
// protobuf parts are in their wire encoding. What is derived is rebuilt on
// restore: a setting as graded (its declaration and Ofsted's latest
// judgement), its location, a provider's settings list and first expiry,
// and the DPS's admitted providers (by id).
type snapState struct {
	Providers    []snapProvider // in registration order
	SettingOwner map[string]string
	DPS          []snapDPS // in creation order
	Referrals    []snapReferral
	ProviderIDs  []string
	Placements   [][]byte
	Prices       []snapPrice
	Judged       map[string][]byte
	CalloffFWs   map[string]snapCalloffFW
	Closing      []snapClosing
}

type snapClosing struct {
	ID string
	At int64
}

type snapProvider struct {
	ID, DisplayName string
	Profile         []byte
	RegisteredAt    time.Time
	Version         uint64
	Settings        []snapSetting // in settingOrder
	Accreditations  [][]byte
}

type snapSetting struct {
	URN              string
	Declared         []byte
	Removed          bool
	Published, Taken uint32
	From             string
}

type snapDPS struct {
	ID, Consortium string
	Terms          []byte
	Status         int32
	Version        uint64
	Members        []snapMember // in order of application
	Admitted       map[string][]string
	Halts          map[string]snapHalt
}

type snapMember struct {
	Provider, ProviderName, Category string
	Status                           int32
	ReceivedOn, DueOn                string
	DecidedOn, DecidedBy, Reason     string
	Since                            string
	Answers                          [][]byte
}

type snapHalt struct {
	All      bool
	AllWhy   string
	Settings map[string]string
}

type snapReferral struct {
	ID, Council, Consortium, DpsID     string
	Need                               []byte
	HasNeed                            bool
	Budget                             int64
	CallOff                            []byte
	HasCallOff                         bool
	CreatedAt, FirstOfferAt, AwardedAt time.Time
	Status                             int32
	Matches                            []snapMatch
	Matched                            int
	SentTo                             []byte
	Offers                             []snapOffer
	Declines                           []snapDecline
	Placement                          int // its place in Placements, from 1 (0: none)
	Version                            uint64
	OffersDueBy                        []byte
	HasOffersDueBy                     bool
	Archived                           bool
	Answers                            []byte
}

type snapMatch struct {
	URN, Name, Outcode   string
	Provider, Rank, Free uint32
	Kind, Grade          int32
	Distance             float64
	Median               int64
}

type snapOffer struct {
	ID, SettingURN, SettingName, AvailableFrom, Note, ClosedReason string
	Provider                                                       uint32
	Status, Grade                                                  int32
	WithinBudget                                                   bool
	Price                                                          int64
	Distance                                                       float64
	MadeAt                                                         int64
}

type snapDecline struct {
	Note     string
	At       int64
	Provider uint32
	Reason   int32
}

type snapPrice struct {
	Provider, Category string
	Prices             []int64
	Median             int64
	HasMedian          bool
}

type snapCalloffFW struct {
	Consortium string
	Members    map[string]bool
	Active     bool
	Lots       map[string]snapCalloffLot
}

type snapCalloffLot struct {
	MaxPence  int64
	Ranked    []string
	Suspended map[string]bool
}

// SnapshotVersion is the projection's version (projection.Snapshotter).
func (m *ReadModel) SnapshotVersion() string { return snapVersion }

// MarshalSnapshot encodes the model (projection.Snapshotter).
func (m *ReadModel) MarshalSnapshot() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var w snapshot.Writer
	st := snapState{SettingOwner: m.settingOwner, ProviderIDs: m.provIDs, Placements: snapshot.MarshalAll(&w, m.placements), Judged: make(map[string][]byte, len(m.judged))}
	for _, id := range m.providerOrder {
		p := m.providers[id]
		sp := snapProvider{ID: p.id, DisplayName: p.displayName, Profile: w.Marshal(p.profile), RegisteredAt: p.registeredAt, Version: p.version}
		for _, urn := range p.settingOrder {
			s := p.settings[urn]
			sp.Settings = append(sp.Settings, snapSetting{URN: urn, Declared: w.Marshal(s.declared), Removed: s.removed, Published: s.published, Taken: s.taken, From: s.from})
		}
		for _, a := range p.accreditations {
			sp.Accreditations = append(sp.Accreditations, w.Marshal(a))
		}
		st.Providers = append(st.Providers, sp)
	}
	for _, id := range m.dpsOrder {
		d := m.dps[id]
		sd := snapDPS{ID: d.id, Consortium: d.consortium, Terms: w.Marshal(d.terms), Status: int32(d.status), Version: d.version,
			Admitted: make(map[string][]string, len(d.admitted))}
		for _, mem := range d.order {
			sd.Members = append(sd.Members, snapMember{Provider: mem.provider, ProviderName: mem.providerName, Category: mem.category, Status: int32(mem.status),
				ReceivedOn: mem.receivedOn, DueOn: mem.dueOn, DecidedOn: mem.decidedOn, DecidedBy: mem.decidedBy, Reason: mem.reason, Since: mem.since,
				Answers: snapshot.MarshalAll(&w, mem.answers)})
		}
		for cat, ps := range d.admitted {
			ids := make([]string, len(ps))
			for i, p := range ps {
				ids[i] = p.id
			}
			sd.Admitted[cat] = ids
		}
		if len(d.halts) > 0 {
			sd.Halts = make(map[string]snapHalt, len(d.halts))
			for p, h := range d.halts {
				sd.Halts[p] = snapHalt{All: h.all, AllWhy: h.allWhy, Settings: h.settings}
			}
		}
		st.DPS = append(st.DPS, sd)
	}
	placementAt := make(map[*purchasingv1.Placement]int, len(m.placements))
	for i, pl := range m.placements {
		placementAt[pl] = i + 1
	}
	for _, id := range m.referralOrder {
		r := m.referrals[id]
		sr := snapReferral{ID: r.id, Council: r.council, Consortium: r.consortium, DpsID: r.dpsID, Need: r.need, HasNeed: r.hasNeed, Budget: r.budget,
			HasCallOff: r.callOff != nil, CallOff: w.Marshal(r.callOff), CreatedAt: r.createdAt, FirstOfferAt: r.firstOfferAt, AwardedAt: r.awardedAt,
			Status: int32(r.status), Matched: r.matched, SentTo: r.sentTo,
			Placement: placementAt[r.placement], Version: r.version,
			HasOffersDueBy: r.offersDueBy != nil, OffersDueBy: w.Marshal(r.offersDueBy), Archived: r.archived, Answers: r.answers}
		for _, mt := range r.matches {
			sr.Matches = append(sr.Matches, snapMatch{URN: mt.urn, Name: mt.name, Outcode: mt.outcode, Provider: mt.provider, Rank: mt.rank, Free: mt.free,
				Kind: int32(mt.kind), Grade: int32(mt.grade), Distance: mt.distance, Median: mt.median})
		}
		for _, o := range r.offers {
			sr.Offers = append(sr.Offers, snapOffer{ID: o.id, SettingURN: o.settingURN, SettingName: o.settingName, AvailableFrom: o.availableFrom, Note: o.note,
				ClosedReason: o.closedReason, Provider: o.provider, Status: int32(o.status), Grade: int32(o.grade), WithinBudget: o.withinBudget,
				Price: o.price, Distance: o.distance, MadeAt: o.madeAt})
		}
		for _, d := range r.declines {
			sr.Declines = append(sr.Declines, snapDecline{Note: d.note, At: d.at, Provider: d.provider, Reason: int32(d.reason)})
		}
		st.Referrals = append(st.Referrals, sr)
	}
	for k, ps := range m.prices {
		med, ok := m.medians[k]
		st.Prices = append(st.Prices, snapPrice{Provider: k.provider, Category: k.category, Prices: ps, Median: med, HasMedian: ok})
	}
	for urn, j := range m.judged {
		st.Judged[urn] = w.Marshal(j)
	}
	if m.calloffFWs != nil {
		st.CalloffFWs = make(map[string]snapCalloffFW, len(m.calloffFWs))
		for id, f := range m.calloffFWs {
			sf := snapCalloffFW{Consortium: f.consortium, Members: f.members, Active: f.active, Lots: make(map[string]snapCalloffLot, len(f.lots))}
			for lid, l := range f.lots {
				sf.Lots[lid] = snapCalloffLot{MaxPence: l.maxPence, Ranked: l.ranked, Suspended: l.suspended}
			}
			st.CalloffFWs[id] = sf
		}
	}
	for _, c := range m.closing {
		st.Closing = append(st.Closing, snapClosing{ID: c.id, At: c.at})
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
	f := NewReadModel(m.now)
	var r snapshot.Reader
	if st.SettingOwner != nil {
		f.settingOwner = st.SettingOwner
	}
	for i, id := range st.ProviderIDs {
		f.provIndex[id] = uint32(i)
	}
	f.provIDs = st.ProviderIDs
	for urn, raw := range st.Judged {
		f.judged[urn] = snapshot.UnmarshalOne(&r, raw, &monitoringv1.OfstedJudgementRecorded{})
	}
	for _, sp := range st.Providers {
		p := &providerRM{id: sp.ID, displayName: sp.DisplayName, registeredAt: sp.RegisteredAt, version: sp.Version,
			settings: map[string]*settingRM{}, accreditations: map[purchasingv1.AccreditationKind]*purchasingv1.Accreditation{}}
		if sp.Profile != nil {
			p.profile = snapshot.UnmarshalOne(&r, sp.Profile, &purchasingv1.ProviderProfile{})
		}
		for _, ss := range sp.Settings {
			s := &settingRM{declared: snapshot.UnmarshalOne(&r, ss.Declared, &purchasingv1.Setting{}), removed: ss.Removed, published: ss.Published, taken: ss.Taken, from: ss.From}
			s.setting = f.graded(s.declared)
			s.loc, _ = geo.Lookup(s.declared.GetOutcode())
			p.settings[ss.URN] = s
			p.settingOrder = append(p.settingOrder, ss.URN)
			p.settingList = append(p.settingList, s)
		}
		for _, raw := range sp.Accreditations {
			a := snapshot.UnmarshalOne(&r, raw, &purchasingv1.Accreditation{})
			p.accreditations[a.GetKind()] = a
			if p.firstExpiry == "" || a.GetExpiresOn() < p.firstExpiry {
				p.firstExpiry = a.GetExpiresOn()
			}
		}
		f.providers[p.id] = p
		f.providerOrder = append(f.providerOrder, p.id)
	}
	for _, sd := range st.DPS {
		d := &dpsRM{id: sd.ID, consortium: sd.Consortium, terms: snapshot.UnmarshalOne(&r, sd.Terms, &purchasingv1.DpsTerms{}), status: purchasingv1.DpsStatus(sd.Status),
			version: sd.Version, members: map[string]map[string]*memberRM{}, admitted: map[string][]*providerRM{}}
		for _, sm := range sd.Members {
			mem := &memberRM{provider: sm.Provider, providerName: sm.ProviderName, category: sm.Category, status: purchasingv1.MembershipStatus(sm.Status),
				receivedOn: sm.ReceivedOn, dueOn: sm.DueOn, decidedOn: sm.DecidedOn, decidedBy: sm.DecidedBy, reason: sm.Reason, since: sm.Since,
				answers: snapshot.UnmarshalEach(&r, sm.Answers, func() *purchasingv1.CriterionAnswer { return &purchasingv1.CriterionAnswer{} })}
			cats := d.members[mem.provider]
			if cats == nil {
				cats = map[string]*memberRM{}
				d.members[mem.provider] = cats
			}
			cats[mem.category] = mem
			d.order = append(d.order, mem)
		}
		for cat, ids := range sd.Admitted {
			list := make([]*providerRM, 0, len(ids))
			for _, id := range ids {
				p := f.providers[id]
				if p == nil {
					return fmt.Errorf("dps %s admits unknown provider %s", d.id, id)
				}
				list = append(list, p)
			}
			d.admitted[cat] = list
		}
		for p, h := range sd.Halts {
			if d.halts == nil {
				d.halts = map[string]*matchHalt{}
			}
			d.halts[p] = &matchHalt{all: h.All, allWhy: h.AllWhy, settings: h.Settings}
		}
		f.dps[d.id] = d
		f.dpsOrder = append(f.dpsOrder, d.id)
	}
	f.placements = snapshot.UnmarshalEach(&r, st.Placements, func() *purchasingv1.Placement { return &purchasingv1.Placement{} })
	for _, sr := range st.Referrals {
		ref := &referralRM{id: sr.ID, council: sr.Council, consortium: sr.Consortium, dpsID: sr.DpsID, need: sr.Need, hasNeed: sr.HasNeed, budget: sr.Budget,
			createdAt: sr.CreatedAt, firstOfferAt: sr.FirstOfferAt, awardedAt: sr.AwardedAt,
			status: purchasingv1.ReferralStatus(sr.Status), matched: sr.Matched, sentTo: sr.SentTo, version: sr.Version,
			archived: sr.Archived, answers: sr.Answers,
		}
		if len(sr.Matches) > 0 {
			ref.matches = make([]matchRM, len(sr.Matches))
		}
		for i, mt := range sr.Matches {
			urn, name, outcode := f.sameAsSetting(mt.URN, mt.Name, mt.Outcode)
			ref.matches[i] = matchRM{urn: urn, name: name, outcode: outcode, provider: mt.Provider, rank: mt.Rank, free: mt.Free,
				kind: purchasingv1.SettingType(mt.Kind), grade: purchasingv1.OfstedGrade(mt.Grade), distance: mt.Distance, median: mt.Median}
		}
		for _, o := range sr.Offers {
			ref.offers = append(ref.offers, offerRM{id: o.ID, settingURN: o.SettingURN, settingName: o.SettingName, availableFrom: o.AvailableFrom, note: o.Note,
				closedReason: closedReason(o.ClosedReason), provider: o.Provider, status: purchasingv1.OfferStatus(o.Status), grade: purchasingv1.OfstedGrade(o.Grade),
				withinBudget: o.WithinBudget, price: o.Price, distance: o.Distance, madeAt: o.MadeAt})
		}
		for _, d := range sr.Declines {
			ref.declines = append(ref.declines, declineRM{note: d.Note, at: d.At, provider: d.Provider, reason: purchasingv1.DeclineReason(d.Reason)})
		}
		if sr.Placement > 0 {
			if sr.Placement > len(f.placements) {
				return fmt.Errorf("referral %d of the snapshot has placement %d of %d", len(f.referrals), sr.Placement, len(f.placements))
			}
			ref.placement = f.placements[sr.Placement-1]
		}
		if sr.HasOffersDueBy {
			ref.offersDueBy = snapshot.UnmarshalOne(&r, sr.OffersDueBy, &timestamppb.Timestamp{})
		}
		if sr.HasCallOff {
			ref.callOff = snapshot.UnmarshalOne(&r, sr.CallOff, &purchasingv1.CallOff{})
		}
		id := ref.id
		f.referrals[id] = ref
		f.referralOrder = append(f.referralOrder, id)
	}
	for _, sp := range st.Prices {
		k := priceKey{sp.Provider, sp.Category}
		f.prices[k] = sp.Prices
		if sp.HasMedian {
			f.medians[k] = sp.Median
		}
	}
	if st.CalloffFWs != nil {
		f.calloffFWs = make(map[string]*calloffFW, len(st.CalloffFWs))
		for id, sf := range st.CalloffFWs {
			c := &calloffFW{id: id, consortium: sf.Consortium, members: sf.Members, active: sf.Active, lots: make(map[string]*calloffLot, len(sf.Lots))}
			for lid, l := range sf.Lots {
				c.lots[lid] = &calloffLot{maxPence: l.MaxPence, ranked: l.Ranked, suspended: l.Suspended}
			}
			f.calloffFWs[id] = c
		}
	}
	for _, c := range st.Closing {
		f.closing = append(f.closing, closingRM{id: c.ID, at: c.At})
	}
	if r.Err() != nil {
		return fmt.Errorf("purchasing snapshot: %w", r.Err())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.providers, m.providerOrder, m.settingOwner = f.providers, f.providerOrder, f.settingOwner
	m.dps, m.dpsOrder, m.referrals, m.referralOrder, m.placements = f.dps, f.dpsOrder, f.referrals, f.referralOrder, f.placements
	m.provIDs, m.provIndex = f.provIDs, f.provIndex
	m.prices, m.medians, m.judged, m.calloffFWs, m.closing = f.prices, f.medians, f.judged, f.calloffFWs, f.closing
	return nil
}
