package app

import (
	"fmt"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// A framework's stream grows for as long as the framework runs, for years:
// every bid and its score, every call-off made under it, uplifts,
// suspensions and reinstatements. Its state is persisted (issue 16) as gob
// of a plain struct, protobuf parts in their wire form, as the read
// model's snapshot (snap_readmodel.go). Change Version with the encoding
// or with domain.Evolve, and the snapshots written before are ignored.

// aggsnapFramework is a domain.State.
type aggsnapFramework struct {
	FrameworkID, Consortium           string
	Status                            int32
	Terms                             []byte
	HasTerms                          bool
	MemberCouncils                    []string
	BidsCloseAt                       time.Time
	CurrentEnd                        string
	ExtensionsUsed                    int
	NoticePublishedOn, StandstillEnds string
	Bids                              []aggsnapBid
	// Admitted by lot (a lot of the award keeps its key); HasAdmitted: the
	// framework was awarded.
	Admitted    map[string][]domain.Admission
	HasAdmitted bool
	Uplifts     []aggsnapUplift
	CallOffs    []string
}

// aggsnapBid is a domain.Bid.
type aggsnapBid struct {
	LotID, ProviderID      string
	WeeklyPricePence       int64
	QualityAnswers         [][]byte
	Scored                 bool
	QualityScore           uint32
	PriceScore, TotalScore float64
}

// aggsnapUplift is a domain.Uplift.
type aggsnapUplift struct {
	ID, LotID, ProviderID                        string
	CurrentWeeklyPence, RequestedWeeklyPence     int64
	EffectiveFrom, Justification, DecisionReason string
	Status                                       int32
}

var aggsnapFrameworkCodec = aggregate.Codec[domain.State]{
	Version: "framework-framework-1",
	Marshal: func(s domain.State) ([]byte, error) {
		var w snapshot.Writer
		p := s.Parts()
		st := aggsnapFramework{FrameworkID: s.FrameworkID, Consortium: s.Consortium, Status: int32(s.Status),
			HasTerms: s.Terms != nil, Terms: w.Marshal(s.Terms), MemberCouncils: s.MemberCouncils, BidsCloseAt: s.BidsCloseAt,
			CurrentEnd: s.CurrentEnd, ExtensionsUsed: s.ExtensionsUsed, NoticePublishedOn: s.NoticePublishedOn, StandstillEnds: s.StandstillEnds,
			HasAdmitted: p.Admitted != nil}
		for _, lot := range p.Bids {
			for _, b := range lot {
				st.Bids = append(st.Bids, aggsnapBid{LotID: b.LotID, ProviderID: b.ProviderID, WeeklyPricePence: b.WeeklyPricePence,
					QualityAnswers: snapshot.MarshalAll(&w, b.QualityAnswers), Scored: b.Scored, QualityScore: b.QualityScore,
					PriceScore: b.PriceScore, TotalScore: b.TotalScore})
			}
		}
		if p.Admitted != nil {
			st.Admitted = make(map[string][]domain.Admission, len(p.Admitted))
			for lot, byProvider := range p.Admitted {
				as := make([]domain.Admission, 0, len(byProvider))
				for _, a := range byProvider {
					as = append(as, a)
				}
				st.Admitted[lot] = as
			}
		}
		for _, u := range p.Uplifts {
			st.Uplifts = append(st.Uplifts, aggsnapUplift{ID: u.ID, LotID: u.LotID, ProviderID: u.ProviderID,
				CurrentWeeklyPence: u.CurrentWeeklyPence, RequestedWeeklyPence: u.RequestedWeeklyPence, EffectiveFrom: u.EffectiveFrom,
				Justification: u.Justification, DecisionReason: u.DecisionReason, Status: int32(u.Status)})
		}
		for id, ok := range p.CallOffs {
			if ok {
				st.CallOffs = append(st.CallOffs, id)
			}
		}
		if w.Err() != nil {
			return nil, w.Err()
		}
		return snapshot.Encode(&st)
	},
	Unmarshal: func(data []byte) (domain.State, error) {
		var st aggsnapFramework
		if err := snapshot.Decode(data, &st); err != nil {
			return domain.State{}, fmt.Errorf("framework snapshot: %w", err)
		}
		var r snapshot.Reader
		s := domain.State{FrameworkID: st.FrameworkID, Consortium: st.Consortium, Status: frameworkv1.FrameworkStatus(st.Status),
			MemberCouncils: st.MemberCouncils, BidsCloseAt: st.BidsCloseAt, CurrentEnd: st.CurrentEnd, ExtensionsUsed: st.ExtensionsUsed,
			NoticePublishedOn: st.NoticePublishedOn, StandstillEnds: st.StandstillEnds}
		if st.HasTerms {
			s.Terms = snapshot.UnmarshalOne(&r, st.Terms, &frameworkv1.FrameworkTerms{})
		}
		// Evolve makes each map on its first entry: nil until then, as here.
		var p domain.StateParts
		for _, b := range st.Bids {
			if p.Bids == nil {
				p.Bids = map[string]map[string]domain.Bid{}
			}
			if p.Bids[b.LotID] == nil {
				p.Bids[b.LotID] = map[string]domain.Bid{}
			}
			p.Bids[b.LotID][b.ProviderID] = domain.Bid{LotID: b.LotID, ProviderID: b.ProviderID, WeeklyPricePence: b.WeeklyPricePence,
				QualityAnswers: snapshot.UnmarshalEach(&r, b.QualityAnswers, func() *frameworkv1.QualityAnswer { return &frameworkv1.QualityAnswer{} }),
				Scored:         b.Scored, QualityScore: b.QualityScore, PriceScore: b.PriceScore, TotalScore: b.TotalScore}
		}
		if st.HasAdmitted {
			p.Admitted = make(map[string]map[string]domain.Admission, len(st.Admitted))
			for lot, as := range st.Admitted {
				byProvider := make(map[string]domain.Admission, len(as))
				for _, a := range as {
					byProvider[a.ProviderID] = a
				}
				p.Admitted[lot] = byProvider
			}
		}
		for _, u := range st.Uplifts {
			if p.Uplifts == nil {
				p.Uplifts = map[string]domain.Uplift{}
			}
			p.Uplifts[u.ID] = domain.Uplift{ID: u.ID, LotID: u.LotID, ProviderID: u.ProviderID, CurrentWeeklyPence: u.CurrentWeeklyPence,
				RequestedWeeklyPence: u.RequestedWeeklyPence, EffectiveFrom: u.EffectiveFrom, Justification: u.Justification,
				Status: frameworkv1.UpliftStatus(u.Status), DecisionReason: u.DecisionReason}
		}
		for _, id := range st.CallOffs {
			if p.CallOffs == nil {
				p.CallOffs = map[string]bool{}
			}
			p.CallOffs[id] = true
		}
		if r.Err() != nil {
			return domain.State{}, fmt.Errorf("framework snapshot: %w", r.Err())
		}
		return s.WithParts(p), nil
	},
}
