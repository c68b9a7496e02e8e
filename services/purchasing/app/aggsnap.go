package app

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Persisted snapshots of the aggregates whose streams grow long over the
// years (issue 16), so the first command on a DPS or a provider after a
// restart does not read its whole history. They follow the read-model
// snapshots' encoding (snap_readmodel.go): gob of plain structs, protobuf
// parts in their wire form. A restored state must be the folded one to
// the letter — nil maps stay nil, empty ones stay empty and present, nil
// messages stay nil — because Exists/Registered test for nil and Fold
// writes into maps it finds non-nil.
//
// Each Version names the encoding and the domain's Fold it follows:
// change it when either changes, and older snapshots are ignored.
const (
	aggsnapVersionDps       = "purchasing-dps-1"
	aggsnapVersionProvider  = "purchasing-provider-1"
	aggsnapVersionAgreement = "purchasing-agreement-1"
)

// Block contracts (at most reserved, accepted or declined, ended) and
// referrals (one placement search) stay short: they have no snapshots.

// aggsnapMsg is an optional protobuf message: its wire form would not tell
// a nil message from an empty one.
type aggsnapMsg struct {
	Set  bool
	Wire []byte
}

func aggsnapPut(w *snapshot.Writer, m proto.Message, set bool) aggsnapMsg {
	if !set {
		return aggsnapMsg{}
	}
	return aggsnapMsg{Set: true, Wire: w.Marshal(m)}
}

// aggsnapGet reads m back, or returns nil when it was nil.
func aggsnapGet[T proto.Message](r *snapshot.Reader, m aggsnapMsg, newMsg func() T) T {
	if !m.Set {
		var none T
		return none
	}
	return snapshot.UnmarshalOne(r, m.Wire, newMsg())
}

// aggsnapDecode is snapshot.Decode that names what it failed to read.
func aggsnapDecode(kind string, data []byte, st any) error {
	if err := snapshot.Decode(data, st); err != nil {
		return fmt.Errorf("%s snapshot: %w", kind, err)
	}
	return nil
}

// --- DPS ---

type aggsnapDps struct {
	DpsID, Consortium string
	Terms             aggsnapMsg
	Status            int32
	// HasMembers and HasHalts keep a nil map nil and an empty one empty.
	HasMembers, HasHalts bool
	Members              []aggsnapDpsMember
	Halts                []aggsnapDpsHalt
}

type aggsnapDpsMember struct {
	Provider   string
	Categories []aggsnapMembership
}

type aggsnapMembership struct {
	Category                  string
	Status                    int32
	ReceivedOn, DecisionDueOn string
}

// aggsnapDpsHalt keeps a provider whose every halt was lifted: the fold
// leaves its empty map in place.
type aggsnapDpsHalt struct {
	Provider string
	Settings []aggsnapPair
}

type aggsnapPair struct{ Key, Value string }

func aggsnapMarshalDps(s domain.DpsState) ([]byte, error) {
	var w snapshot.Writer
	st := aggsnapDps{DpsID: s.DpsID, Consortium: s.Consortium, Terms: aggsnapPut(&w, s.Terms, s.Terms != nil), Status: int32(s.Status),
		HasMembers: s.Members != nil, HasHalts: s.Halts != nil}
	for p, cats := range s.Members {
		m := aggsnapDpsMember{Provider: p}
		for c, ms := range cats {
			if ms == nil {
				return nil, fmt.Errorf("DPS %s snapshot: provider %s has no membership in category %s", s.DpsID, p, c)
			}
			m.Categories = append(m.Categories, aggsnapMembership{Category: c, Status: int32(ms.Status), ReceivedOn: ms.ReceivedOn, DecisionDueOn: ms.DecisionDueOn})
		}
		st.Members = append(st.Members, m)
	}
	for p, settings := range s.Halts {
		h := aggsnapDpsHalt{Provider: p}
		for urn, why := range settings {
			h.Settings = append(h.Settings, aggsnapPair{Key: urn, Value: why})
		}
		st.Halts = append(st.Halts, h)
	}
	if w.Err() != nil {
		return nil, w.Err()
	}
	return snapshot.Encode(&st)
}

func aggsnapUnmarshalDps(data []byte) (domain.DpsState, error) {
	var st aggsnapDps
	if err := aggsnapDecode("DPS", data, &st); err != nil {
		return domain.DpsState{}, err
	}
	var r snapshot.Reader
	s := domain.DpsState{DpsID: st.DpsID, Consortium: st.Consortium, Status: purchasingv1.DpsStatus(st.Status),
		Terms: aggsnapGet(&r, st.Terms, func() *purchasingv1.DpsTerms { return &purchasingv1.DpsTerms{} })}
	if st.HasMembers {
		s.Members = make(map[string]map[string]*domain.Membership, len(st.Members))
		for _, m := range st.Members {
			cats := make(map[string]*domain.Membership, len(m.Categories))
			for _, c := range m.Categories {
				cats[c.Category] = &domain.Membership{Status: purchasingv1.MembershipStatus(c.Status), ReceivedOn: c.ReceivedOn, DecisionDueOn: c.DecisionDueOn}
			}
			s.Members[m.Provider] = cats
		}
	}
	if st.HasHalts {
		s.Halts = make(map[string]map[string]string, len(st.Halts))
		for _, h := range st.Halts {
			settings := make(map[string]string, len(h.Settings))
			for _, kv := range h.Settings {
				settings[kv.Key] = kv.Value
			}
			s.Halts[h.Provider] = settings
		}
	}
	if r.Err() != nil {
		return domain.DpsState{}, fmt.Errorf("DPS snapshot: %w", r.Err())
	}
	return s, nil
}

// --- Provider ---

type aggsnapProvider struct {
	ProviderID string
	Profile    aggsnapMsg
	// Has* keep a nil map nil and an empty one empty.
	HasSettings, HasAccreditations, HasHeld bool
	Settings                                []aggsnapSetting
	Accreditations                          []aggsnapAccreditation
	Held                                    []aggsnapHold
}

type aggsnapSetting struct {
	URN           string
	Setting       aggsnapMsg
	Removed       bool
	FreePlaces    uint32
	AvailableFrom string
	PublishedAt   time.Time
}

type aggsnapAccreditation struct {
	Kind          int32
	Accreditation aggsnapMsg
}

type aggsnapHold struct {
	Placement, URN string
	Places         uint32
}

func aggsnapMarshalProvider(s domain.ProviderState) ([]byte, error) {
	var w snapshot.Writer
	st := aggsnapProvider{ProviderID: s.ProviderID, Profile: aggsnapPut(&w, s.Profile, s.Profile != nil),
		HasSettings: s.Settings != nil, HasAccreditations: s.Accreditations != nil, HasHeld: s.Held != nil}
	for urn, set := range s.Settings {
		if set == nil {
			return nil, fmt.Errorf("provider %s snapshot: setting %s has no state", s.ProviderID, urn)
		}
		st.Settings = append(st.Settings, aggsnapSetting{URN: urn, Setting: aggsnapPut(&w, set.Setting, set.Setting != nil), Removed: set.Removed,
			FreePlaces: set.FreePlaces, AvailableFrom: set.AvailableFrom, PublishedAt: set.PublishedAt})
	}
	for k, a := range s.Accreditations {
		st.Accreditations = append(st.Accreditations, aggsnapAccreditation{Kind: int32(k), Accreditation: aggsnapPut(&w, a, a != nil)})
	}
	for id, h := range s.Held {
		st.Held = append(st.Held, aggsnapHold{Placement: id, URN: h.URN, Places: h.Places})
	}
	if w.Err() != nil {
		return nil, w.Err()
	}
	return snapshot.Encode(&st)
}

func aggsnapUnmarshalProvider(data []byte) (domain.ProviderState, error) {
	var st aggsnapProvider
	if err := aggsnapDecode("provider", data, &st); err != nil {
		return domain.ProviderState{}, err
	}
	var r snapshot.Reader
	s := domain.ProviderState{ProviderID: st.ProviderID,
		Profile: aggsnapGet(&r, st.Profile, func() *purchasingv1.ProviderProfile { return &purchasingv1.ProviderProfile{} })}
	if st.HasSettings {
		s.Settings = make(map[string]*domain.SettingState, len(st.Settings))
		for _, set := range st.Settings {
			s.Settings[set.URN] = &domain.SettingState{Setting: aggsnapGet(&r, set.Setting, func() *purchasingv1.Setting { return &purchasingv1.Setting{} }),
				Removed: set.Removed, FreePlaces: set.FreePlaces, AvailableFrom: set.AvailableFrom, PublishedAt: set.PublishedAt}
		}
	}
	if st.HasAccreditations {
		s.Accreditations = make(map[purchasingv1.AccreditationKind]*purchasingv1.Accreditation, len(st.Accreditations))
		for _, a := range st.Accreditations {
			s.Accreditations[purchasingv1.AccreditationKind(a.Kind)] = aggsnapGet(&r, a.Accreditation, func() *purchasingv1.Accreditation { return &purchasingv1.Accreditation{} })
		}
	}
	if st.HasHeld {
		s.Held = make(map[string]domain.PlaceHold, len(st.Held))
		for _, h := range st.Held {
			s.Held[h.Placement] = domain.PlaceHold{URN: h.URN, Places: h.Places}
		}
	}
	if r.Err() != nil {
		return domain.ProviderState{}, fmt.Errorf("provider snapshot: %w", r.Err())
	}
	return s, nil
}

// --- Agreement ---

// An agreement gains a version with each variation (a price uplift, a new
// end date), four events a time: a placement of some years passes the
// length from which the repository keeps a stream's state.

type aggsnapAgreement struct {
	AgreementID string
	HasVersions bool
	Versions    []aggsnapAgreementVersion
	InForce     uint32
	EndedOn     string
}

type aggsnapAgreementVersion struct {
	// Set is false for a nil version (none is: kept for exactness).
	Set         bool
	Terms       aggsnapMsg
	Digest      string
	DrawnAt     time.Time
	HasAccepted bool
	Accepted    []aggsnapAcceptance
	Locked      bool
	ProposedBy  int32
	Proposer    string
}

type aggsnapAcceptance struct {
	Party      int32
	Acceptance aggsnapMsg
}

func aggsnapMarshalAgreement(s domain.AgreementState) ([]byte, error) {
	var w snapshot.Writer
	st := aggsnapAgreement{AgreementID: s.AgreementID, HasVersions: s.Versions != nil, InForce: s.InForce, EndedOn: s.EndedOn}
	for _, v := range s.Versions {
		if v == nil {
			st.Versions = append(st.Versions, aggsnapAgreementVersion{})
			continue
		}
		sv := aggsnapAgreementVersion{Set: true, Terms: aggsnapPut(&w, v.Terms, v.Terms != nil), Digest: v.Digest, DrawnAt: v.DrawnAt,
			HasAccepted: v.Accepted != nil, Locked: v.Locked, ProposedBy: int32(v.ProposedBy), Proposer: v.Proposer}
		for p, a := range v.Accepted {
			sv.Accepted = append(sv.Accepted, aggsnapAcceptance{Party: int32(p), Acceptance: aggsnapPut(&w, a, a != nil)})
		}
		st.Versions = append(st.Versions, sv)
	}
	if w.Err() != nil {
		return nil, w.Err()
	}
	return snapshot.Encode(&st)
}

func aggsnapUnmarshalAgreement(data []byte) (domain.AgreementState, error) {
	var st aggsnapAgreement
	if err := aggsnapDecode("agreement", data, &st); err != nil {
		return domain.AgreementState{}, err
	}
	var r snapshot.Reader
	s := domain.AgreementState{AgreementID: st.AgreementID, InForce: st.InForce, EndedOn: st.EndedOn}
	if st.HasVersions {
		s.Versions = make([]*domain.AgreementVersion, len(st.Versions))
		for i, sv := range st.Versions {
			if !sv.Set {
				continue
			}
			v := &domain.AgreementVersion{Terms: aggsnapGet(&r, sv.Terms, func() *purchasingv1.AgreementTerms { return &purchasingv1.AgreementTerms{} }),
				Digest: sv.Digest, DrawnAt: sv.DrawnAt, Locked: sv.Locked, ProposedBy: purchasingv1.AgreementParty(sv.ProposedBy), Proposer: sv.Proposer}
			if sv.HasAccepted {
				v.Accepted = make(map[purchasingv1.AgreementParty]*purchasingv1.AgreementAcceptance, len(sv.Accepted))
				for _, a := range sv.Accepted {
					v.Accepted[purchasingv1.AgreementParty(a.Party)] = aggsnapGet(&r, a.Acceptance, func() *purchasingv1.AgreementAcceptance { return &purchasingv1.AgreementAcceptance{} })
				}
			}
			s.Versions[i] = v
		}
	}
	// InForce indexes Versions: a snapshot that says otherwise is not one
	// this code wrote, and Current would panic on it.
	if int(st.InForce) > len(s.Versions) || (st.InForce > 0 && s.Versions[st.InForce-1] == nil) {
		return domain.AgreementState{}, fmt.Errorf("agreement snapshot: version %d in force of %d", st.InForce, len(s.Versions))
	}
	if r.Err() != nil {
		return domain.AgreementState{}, fmt.Errorf("agreement snapshot: %w", r.Err())
	}
	return s, nil
}

// The codecs the repositories persist long streams' states with
// (aggregate.Repository.WithSnapshots).
var (
	aggsnapDpsCodec       = aggregate.Codec[domain.DpsState]{Version: aggsnapVersionDps, Marshal: aggsnapMarshalDps, Unmarshal: aggsnapUnmarshalDps}
	aggsnapProviderCodec  = aggregate.Codec[domain.ProviderState]{Version: aggsnapVersionProvider, Marshal: aggsnapMarshalProvider, Unmarshal: aggsnapUnmarshalProvider}
	aggsnapAgreementCodec = aggregate.Codec[domain.AgreementState]{Version: aggsnapVersionAgreement, Marshal: aggsnapMarshalAgreement, Unmarshal: aggsnapUnmarshalAgreement}
)
