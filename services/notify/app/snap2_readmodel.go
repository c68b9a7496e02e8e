package app

import (
	"fmt"
	"time"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// snap2Version names the read model's projection code (Apply, readmodel.go)
// and its snapshot encoding: change it with either, and the next start
// replays the stream from the start instead of restoring a snapshot.
// 3: closed referrals reduced, returns filed as months, decisions wire-encoded.
const snap2Version = "notify-rm-3"

// snap2State is the read model as a snapshot: gob of plain structs whose
// protobuf parts are in their wire encoding.
type snap2State struct {
	Registered     map[string][][]byte
	Managed        map[string]map[string][]byte
	DirVersion     map[string]uint64
	Prefs          map[string][]byte
	Providers      map[string]string
	DPS            map[string]snap2DPS
	Frameworks     map[string]string
	Referrals      map[string]snap2Referral
	Applications   map[string]snap2Application
	Accreditations map[string]snap2Accreditation
	Tenders        map[string]snap2Tender
	Placements     map[string]snap2Placement
	Filed          map[string][]uint16
	ReturnDays     map[string]uint32
	Notes          map[string]snap2Note
	ByPerson       map[string][]string
	Failures       []string
	Outbox         []snap2Outbox
}

type snap2DPS struct{ Name, Consortium string }

type snap2Placement struct{ URN, Provider, Consortium, Start, End string }

type snap2Application struct{ DPS, Provider, Due string }

type snap2Accreditation struct{ Provider, Reference, Expires string }

type snap2Tender struct {
	ClosesAt     time.Time
	Bids, Scored map[string]bool
	Awarded      bool
}

type snap2Referral struct {
	Council           string
	CreatedAt, DueBy  time.Time
	Offers            int
	Closed            bool
	Matched, Answered []string
	NMatched          int
	CompletedBy       string
}

type snap2Note struct {
	Decided         []byte
	At, SentAt      time.Time
	Pos             uint64
	Status, Channel int32
	Attempts        uint32
	Failure         string
	Read            bool
	Reference       string
}

type snap2Outbox struct {
	Note      string
	Digest    []byte
	HasDigest bool
}

// SnapshotVersion is the projection's version (projection.Snapshotter):
// carecoop dev's model also holds the outbox, so the two never share one.
func (m *ReadModel) SnapshotVersion() string {
	if m.keepOutbox {
		return snap2Version + "-dev"
	}
	return snap2Version
}

// MarshalSnapshot encodes the model (projection.Snapshotter).
func (m *ReadModel) MarshalSnapshot() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var w snapshot.Writer
	st := snap2State{
		Registered: make(map[string][][]byte, len(m.registered)), Managed: make(map[string]map[string][]byte, len(m.managed)),
		DirVersion: m.dirVersion, Prefs: make(map[string][]byte, len(m.prefs)), Providers: make(map[string]string, len(m.providers)), DPS: make(map[string]snap2DPS, len(m.dps)),
		Frameworks: m.frameworks, Referrals: make(map[string]snap2Referral, len(m.referrals)), Applications: make(map[string]snap2Application, len(m.applications)),
		Accreditations: make(map[string]snap2Accreditation, len(m.accreditations)), Tenders: make(map[string]snap2Tender, len(m.tenders)),
		Placements: make(map[string]snap2Placement, len(m.placements)), Filed: m.filed, ReturnDays: m.returnDays,
		Notes: make(map[string]snap2Note, len(m.notes)), ByPerson: m.byPerson, Failures: m.failures,
	}
	for org, cs := range m.registered {
		st.Registered[org] = snapshot.MarshalAll(&w, cs)
	}
	for org, byPerson := range m.managed {
		out := make(map[string][]byte, len(byPerson))
		for p, c := range byPerson {
			out[p] = w.Marshal(c)
		}
		st.Managed[org] = out
	}
	for k, p := range m.prefs {
		st.Prefs[k] = w.Marshal(p)
	}
	for id, p := range m.providers {
		st.Providers[id] = p.name
	}
	for id, d := range m.dps {
		st.DPS[id] = snap2DPS{Name: d.name, Consortium: d.consortium}
	}
	for id, r := range m.referrals {
		st.Referrals[id] = snap2Referral{Council: r.council, CreatedAt: r.createdAt, DueBy: r.dueBy,
			Offers: r.offers, Closed: r.closed, Matched: r.matched, NMatched: r.nMatched, Answered: r.answered, CompletedBy: r.completedBy}
	}
	for k, a := range m.applications {
		st.Applications[k] = snap2Application{DPS: a.dps, Provider: a.provider, Due: a.due}
	}
	for k, a := range m.accreditations {
		st.Accreditations[k] = snap2Accreditation{Provider: a.provider, Reference: a.reference, Expires: a.expires}
	}
	for id, t := range m.tenders {
		st.Tenders[id] = snap2Tender{ClosesAt: t.closesAt, Bids: t.bids, Scored: t.scored, Awarded: t.awarded}
	}
	for id, p := range m.placements {
		st.Placements[id] = snap2Placement{URN: p.urn, Provider: p.provider, Consortium: p.consortium, Start: p.start, End: p.end}
	}
	for id, n := range m.notes {
		st.Notes[id] = snap2Note{Decided: n.raw, At: n.at, SentAt: n.sentAt, Pos: n.pos, Status: int32(n.status), Channel: int32(n.channel),
			Attempts: n.attempts, Failure: n.failure, Read: n.read, Reference: n.reference}
	}
	for _, o := range m.outbox {
		st.Outbox = append(st.Outbox, snap2Outbox{Note: o.note, HasDigest: o.digest != nil, Digest: w.Marshal(o.digest)})
	}
	if w.Err() != nil {
		return nil, w.Err()
	}
	return snapshot.Encode(&st)
}

// RestoreSnapshot replaces the model's state with a snapshot's
// (projection.Snapshotter); the model is left as it was on error.
func (m *ReadModel) RestoreSnapshot(data []byte) error {
	var st snap2State
	if err := snapshot.Decode(data, &st); err != nil {
		return err
	}
	f := NewReadModel()
	var r snapshot.Reader
	for org, raw := range st.Registered {
		f.registered[org] = snapshot.UnmarshalEach(&r, raw, func() *notifyv1.Contact { return &notifyv1.Contact{} })
	}
	for org, byPerson := range st.Managed {
		out := make(map[string]*notifyv1.Contact, len(byPerson))
		for p, raw := range byPerson {
			out[p] = snapshot.UnmarshalOne(&r, raw, &notifyv1.Contact{})
		}
		f.managed[org] = out
	}
	snapshot.KeepMap(&f.dirVersion, st.DirVersion)
	for k, raw := range st.Prefs {
		f.prefs[k] = snapshot.UnmarshalOne(&r, raw, &notifyv1.Preferences{})
	}
	for id, name := range st.Providers {
		f.providers[id] = providerRM{id: id, name: name}
	}
	for id, d := range st.DPS {
		f.dps[id] = dpsRM{name: d.Name, consortium: d.Consortium}
	}
	snapshot.KeepMap(&f.frameworks, st.Frameworks)
	for id, s := range st.Referrals {
		ref := &referralRM{council: s.Council, createdAt: s.CreatedAt, dueBy: s.DueBy, offers: s.Offers,
			closed: s.Closed, matched: s.Matched, nMatched: s.NMatched, answered: s.Answered, completedBy: s.CompletedBy}
		for i, p := range ref.matched {
			ref.matched[i] = f.providerID(p)
		}
		for i, p := range ref.answered {
			ref.answered[i] = f.providerID(p)
		}
		f.referrals[id] = ref
	}
	for k, a := range st.Applications {
		f.applications[k] = &applicationRM{dps: a.DPS, provider: a.Provider, due: a.Due}
	}
	for k, a := range st.Accreditations {
		f.accreditations[k] = &accreditationRM{provider: a.Provider, reference: a.Reference, expires: a.Expires}
	}
	for id, s := range st.Tenders {
		t := &tenderRM{closesAt: s.ClosesAt, bids: map[string]bool{}, scored: map[string]bool{}, awarded: s.Awarded}
		snapshot.KeepMap(&t.bids, s.Bids)
		snapshot.KeepMap(&t.scored, s.Scored)
		f.tenders[id] = t
	}
	for id, p := range st.Placements {
		f.placements[id] = &placementRM{urn: p.URN, provider: p.Provider, consortium: p.Consortium, start: p.Start, end: p.End}
	}
	snapshot.KeepMap(&f.filed, st.Filed)
	snapshot.KeepMap(&f.returnDays, st.ReturnDays)
	for id, s := range st.Notes {
		f.notes[id] = &noteRM{raw: s.Decided, at: s.At, sentAt: s.SentAt, pos: s.Pos,
			status: notifyv1.DeliveryStatus(s.Status), channel: notifyv1.Channel(s.Channel), attempts: s.Attempts, failure: s.Failure, read: s.Read, reference: s.Reference}
	}
	snapshot.KeepMap(&f.byPerson, st.ByPerson)
	f.failures = st.Failures
	for _, o := range st.Outbox {
		if !m.keepOutbox {
			break
		}
		e := outboxEntry{note: o.Note}
		if o.HasDigest {
			e.digest = snapshot.UnmarshalOne(&r, o.Digest, &notifyv1.OutboxMessage{})
		}
		f.outbox = append(f.outbox, e)
	}
	if r.Err() != nil {
		return fmt.Errorf("notify snapshot: %w", r.Err())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.registered, m.managed, m.dirVersion, m.prefs, m.providers = f.registered, f.managed, f.dirVersion, f.prefs, f.providers
	m.dps, m.frameworks, m.referrals, m.applications, m.accreditations = f.dps, f.frameworks, f.referrals, f.applications, f.accreditations
	m.tenders, m.placements, m.filed, m.returnDays, m.notes = f.tenders, f.placements, f.filed, f.returnDays, f.notes
	m.byPerson, m.failures, m.outbox = f.byPerson, f.failures, f.outbox
	return nil
}
