package main

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	ddomain "github.com/carecoop/carecoop/services/demand/domain"
	fdomain "github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/geo"
	mdomain "github.com/carecoop/carecoop/services/monitoring/domain"
	pdomain "github.com/carecoop/carecoop/services/purchasing/domain"
)

// simCounts is what a simulation wrote, for its report and for the test
// that replays it through the services.
type simCounts struct {
	Events                                      int
	ByContext                                   map[string]int
	Providers, Settings                         int
	Vacancies                                   int
	Referrals, Offers, Declines                 int
	Placements, Withdrawn                       int
	Returns, Contracts, Outcomes                int
	Frameworks, Bids, FrameworksAwarded         int
	NeedsReturns                                int
	LargestCommitBytes                          int
	Months                                      int
	MatchesPerReferral, ReferralMatchedBytesSum int
	// ReturnsBy counts the monthly returns of each setting.
	ReturnsBy map[string]int
	// First and Last are the times of the first and the last commit.
	First, Last time.Time
}

// simPublisher writes one commit of events a service decided.
type simPublisher func(at time.Time, sid eventstore.StreamID, actor eventstore.Actor, evs []proto.Message) error

// simAction is something that happens at a moment of the simulated history.
type simAction struct {
	at  time.Time
	seq int // ties broken in the order scheduled: deterministic
	do  func(now time.Time) error
}

type simQueue []simAction

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simAction)) }
func (q *simQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type simSetting struct {
	provider, urn, name, outcode, cat string
	t                                 purchasingv1.SettingType
	grade                             purchasingv1.OfstedGrade
	places                            uint32
}

// simGen is the simulated market: every aggregate's state as the deciders
// built it, and a queue of what happens next in time order.
type simGen struct {
	rng       *rand.Rand
	sc        simScale
	pub       simPublisher
	c         simCounts
	q         simQueue
	seq       int
	start     time.Time // the first day, 09:00 UTC: the market opens
	end       time.Time // nothing is dated at or after it
	england   []geo.Outcode
	councils  []string
	dps       pdomain.DpsState
	providers map[string]pdomain.ProviderState
	settings  []simSetting
	byCat     map[string][]int
	mSettings map[string]mdomain.SettingState
	fwSeq     int
	refSeq    int
	// simendMonths are the events written before each month began.
	simendMonths []int
}

const (
	simDpsID      = "dps-england"
	simConsortium = "england"
)

var simCats = []struct {
	id string
	t  purchasingv1.SettingType
}{{"residential", purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}, {"fostering", purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY}, {"supported-16-plus", purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION}}

func (g *simGen) at(t time.Time, do func(now time.Time) error) {
	g.seq++
	heap.Push(&g.q, simAction{at: t, seq: g.seq, do: do})
}

// commit publishes what a decider decided; a refusal is a bug of the
// simulator (it asked for something the platform would not have done).
func (g *simGen) commit(now time.Time, sid eventstore.StreamID, actor eventstore.Actor, evs []proto.Message, err error) error {
	if err != nil {
		return fmt.Errorf("simulate: %s at %s: the decider refused: %w", sid, now.Format(time.RFC3339), err)
	}
	if len(evs) == 0 {
		return nil
	}
	if !now.Before(g.end) {
		return fmt.Errorf("simulate: %s at %s: a commit after the history's end %s", sid, now.Format(time.RFC3339), g.end.Format(time.RFC3339))
	}
	if g.c.First.IsZero() {
		g.c.First = now
	}
	g.c.Last = now
	g.c.Events += len(evs)
	g.c.ByContext[sid.Context] += len(evs)
	return g.pub(now, sid, actor, evs)
}

func simPurchasing(agg, id string) eventstore.StreamID {
	return eventstore.StreamID{Context: "purchasing", Aggregate: agg, ID: id}
}

// working moves t to the next weekday at a working hour, as people act.
func (g *simGen) working(t time.Time) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, 1)
	}
	if h := t.Hour(); h < 8 || h >= 18 {
		t = time.Date(t.Year(), t.Month(), t.Day(), 9+g.rng.IntN(8), g.rng.IntN(60), 0, 0, time.UTC)
	}
	return t
}

// market writes the DPS and the providers with their settings, all
// admitted, on the first day.
func (g *simGen) market() error {
	lead := eventstore.Actor{Subject: "lead-england", Organisation: "consortium:" + simConsortium, Role: pdomain.RoleConsortiumLead}
	// The DPS runs beyond the history's end, whenever that is.
	terms := &purchasingv1.DpsTerms{Title: "England DPS", EndsOn: fmt.Sprintf("%d-12-31", g.end.Year()+5), MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfferWindowHours: 72}
	for c := range g.sc.councils {
		g.councils = append(g.councils, fmt.Sprint(300+c))
	}
	terms.MemberCouncils = g.councils
	for _, c := range simCats {
		terms.Categories = append(terms.Categories, &purchasingv1.Category{Id: c.id, Name: c.id, SettingTypes: []purchasingv1.SettingType{c.t}})
	}
	evs := []proto.Message{&purchasingv1.DpsCreated{DpsId: simDpsID, Consortium: simConsortium, Terms: terms}, &purchasingv1.DpsOpened{DpsId: simDpsID}}
	g.dps = pdomain.FoldDps(g.dps, evs)
	if err := g.commit(g.start, simPurchasing("dps", simDpsID), lead, evs, nil); err != nil {
		return err
	}
	g.byCat = map[string][]int{}
	// Dates relative to the first day: inspected before it, applications
	// received and decided on it.
	opened, due := g.start.Format(time.DateOnly), g.start.AddDate(0, 0, 14).Format(time.DateOnly)
	inspected := g.start.AddDate(0, -4, 0).Format(time.DateOnly)
	// The DPS's state takes every admission at once: folding a commit at a
	// time copies its memberships each time.
	var admissions []proto.Message
	for p := range g.sc.providers {
		pid := fmt.Sprintf("provider-%05d", p)
		cat := simCats[[]int{0, 0, 0, 1, 2}[g.rng.IntN(5)]]
		name := "Provider " + pid + " Ltd"
		evs := []proto.Message{&purchasingv1.ProviderRegistered{ProviderId: pid, Profile: &purchasingv1.ProviderProfile{LegalName: name}}}
		for s := range g.sc.settingsPer {
			st := simSetting{provider: pid, urn: fmt.Sprintf("SC%06d", p*g.sc.settingsPer+s), outcode: g.england[g.rng.IntN(len(g.england))].Code, cat: cat.id, t: cat.t,
				grade: []purchasingv1.OfstedGrade{1, 2, 2, 2, 3}[g.rng.IntN(5)], places: uint32(2 + g.rng.IntN(4))}
			st.name = "Home " + st.urn
			g.byCat[st.cat] = append(g.byCat[st.cat], len(g.settings))
			g.settings = append(g.settings, st)
			evs = append(evs, &purchasingv1.SettingAdded{ProviderId: pid, Setting: &purchasingv1.Setting{Urn: st.urn, Name: st.name, Type: cat.t,
				RegisteredPlaces: st.places, Outcode: st.outcode, OfstedGrade: st.grade, OfstedDate: inspected}})
		}
		g.providers[pid] = pdomain.FoldProvider(pdomain.InitialProvider(), evs)
		admin := eventstore.Actor{Subject: "admin-" + pid, Organisation: "provider:" + pid, Role: pdomain.RoleProviderAdmin}
		if err := g.commit(g.start, simPurchasing("provider", pid), admin, evs, nil); err != nil {
			return err
		}
		app := []proto.Message{&purchasingv1.ApplicationReceived{DpsId: simDpsID, ProviderId: pid, CategoryIds: []string{cat.id}, ReceivedOn: opened, DecisionDueOn: due},
			&purchasingv1.ProviderAdmitted{DpsId: simDpsID, ProviderId: pid, CategoryId: cat.id, Reason: "meets the DPS's criteria", ProviderName: name, Consortium: simConsortium}}
		admissions = append(admissions, app...)
		if err := g.commit(g.start, simPurchasing("dps", simDpsID), lead, app, nil); err != nil {
			return err
		}
		g.c.Providers++
		g.c.Settings += g.sc.settingsPer
	}
	g.dps = pdomain.FoldDps(g.dps, admissions)
	return nil
}

// month schedules a month's activity and the next month. A region's month
// is about 5,500 events: a return for every setting, vacancies, about 150
// referrals with their matches, offers, declines and awards, the outcomes
// of running placements, and now and then a framework or a needs return.
func (g *simGen) month(now time.Time) error {
	if !now.Before(g.end) {
		return nil
	}
	g.c.Months++
	g.simendMonths = append(g.simendMonths, g.c.Events)
	first := time.Date(now.Year(), now.Month(), 1, 9, 0, 0, 0, time.UTC)
	period := first.AddDate(0, -1, 0).Format("2006-01")
	for i := range g.settings {
		st := g.settings[i]
		if first.After(g.start) {
			g.at(g.working(first.AddDate(0, 0, g.rng.IntN(9)).Add(time.Duration(g.rng.IntN(480))*time.Minute)), func(now time.Time) error { return g.monthlyReturn(now, st, period) })
		}
		if g.rng.IntN(100) < 95 {
			g.at(g.working(first.AddDate(0, 0, g.rng.IntN(28)).Add(time.Duration(g.rng.IntN(480))*time.Minute)), func(now time.Time) error { return g.vacancy(now, st) })
		}
	}
	referrals := g.sc.councils * 10
	for range referrals {
		g.at(g.working(first.AddDate(0, 0, g.rng.IntN(26)).Add(time.Duration(g.rng.IntN(480))*time.Minute)), g.referral)
	}
	// A framework about every three months a region (ten at once nationally,
	// one per consortium), the first in the second month.
	if g.c.Months == 2 || g.rng.IntN(3) == 0 {
		for range max(1, g.sc.councils/15) {
			g.at(g.working(first.AddDate(0, 0, 2+g.rng.IntN(20))), g.framework)
		}
	}
	// Needs returns: every council each quarter.
	if now.Month()%3 == 1 && first.After(g.start) {
		asAt := first.AddDate(0, 0, -1).Format(time.DateOnly)
		for _, la := range g.councils {
			g.at(g.working(first.AddDate(0, 0, 5+g.rng.IntN(20))), func(now time.Time) error { return g.needsReturn(now, la, asAt) })
		}
	}
	g.at(first.AddDate(0, 1, 0), g.month)
	return nil
}

func (g *simGen) monthlyReturn(now time.Time, st simSetting, period string) error {
	s := g.mSettings[st.urn]
	occupied := float64(g.rng.IntN(int(st.places) + 1))
	missing := uint32(g.rng.IntN(5))
	// Figures of a market mostly in good health (the default policy finds
	// a few settings amber, hardly any red): a history ending today is
	// assessed on its last months, and a market red all over would have
	// every provider suspended at the first start.
	var leavers, repeated uint32
	if g.rng.IntN(20) == 0 {
		leavers = 1
	}
	if missing >= 3 && g.rng.IntN(4) == 0 { // three episodes or more, as the decider requires
		repeated = 1
	}
	f := &monitoringv1.ReturnFigures{RegisteredPlaces: st.places, OccupiedPlaces: occupied, StaffInPost: uint32(8 + g.rng.IntN(10)), StaffLeavers: leavers,
		AgencyShiftPercent: float64(g.rng.IntN(22)), MissingEpisodes: missing, ChildrenRepeatedlyMissing: repeated, EducationAttendancePercent: 90 + float64(g.rng.IntN(11)),
		Complaints: uint32(g.rng.IntN(3))}
	evs, err := mdomain.DecideReturn(s, mdomain.SubmitReturn{Actor: mdomain.Actor{Subject: "admin-" + st.provider, Organisation: "provider:" + st.provider, Role: pdomain.RoleProviderAdmin},
		Now: now, Facts: mdomain.SettingFacts{URN: st.urn, ProviderID: st.provider}, Period: period, Figures: f, DueWorkingDays: mdomain.DefaultDueWorkingDays})
	for _, e := range evs {
		s = mdomain.EvolveSetting(s, e)
	}
	g.mSettings[st.urn] = s
	g.c.Returns += len(evs)
	g.c.ReturnsBy[st.urn] += len(evs)
	return g.commit(now, eventstore.StreamID{Context: "monitoring", Aggregate: "setting", ID: st.urn},
		eventstore.Actor{Subject: "admin-" + st.provider, Organisation: "provider:" + st.provider, Role: pdomain.RoleProviderAdmin}, evs, err)
}

func (g *simGen) vacancy(now time.Time, st simSetting) error {
	p := g.providers[st.provider]
	actor := pdomain.Actor{Subject: "admin-" + st.provider, Organisation: "provider:" + st.provider, Role: pdomain.RoleProviderAdmin}
	evs, err := pdomain.DecideProvider(p, pdomain.PublishVacancy{Actor: actor, Now: now, URN: st.urn, FreePlaces: uint32(g.rng.IntN(int(st.places) + 1)),
		AvailableFrom: now.AddDate(0, 0, g.rng.IntN(14)).Format(time.DateOnly)})
	g.providers[st.provider] = pdomain.FoldProvider(p, evs)
	g.c.Vacancies += len(evs)
	return g.commit(now, simPurchasing("provider", st.provider), eventstore.Actor(actor), evs, err)
}

// referral is a council's referral through the DPS, decided by purchasing's
// referral decider: matched to about 200 settings of its category (the
// large commit), declined by some, offered by a few, then awarded or, now
// and then, withdrawn.
func (g *simGen) referral(now time.Time) error {
	la := g.councils[g.rng.IntN(len(g.councils))]
	commissioner := pdomain.Actor{Subject: "commissioner-" + la, Organisation: "council:" + la, Role: pdomain.RoleCouncilCommissioner}
	cat := simCats[[]int{0, 0, 0, 1, 2}[g.rng.IntN(5)]].id
	home := g.england[g.rng.IntN(len(g.england))].Code
	need := &purchasingv1.Need{CategoryId: cat, AgeYears: uint32(8 + g.rng.IntN(10)), HomeOutcode: home, MaxDistanceMiles: 40,
		StartBy: now.AddDate(0, 0, 7+g.rng.IntN(21)).Format(time.DateOnly), WeeklyBudgetPence: int64(500000 + 10000*g.rng.IntN(50)), ExpectedDurationWeeks: uint32(12 + g.rng.IntN(40)),
		Needs: []string{"emotional_behavioural"}}
	pool := g.byCat[cat]
	n := min(len(pool), 150+g.rng.IntN(101))
	var matches []*purchasingv1.MatchedSetting
	for i, k := range g.rng.Perm(len(pool))[:n] {
		st := g.settings[pool[k]]
		miles := float64(g.rng.IntN(400)) / 10
		matches = append(matches, &purchasingv1.MatchedSetting{Rank: uint32(i + 1), ProviderId: st.provider, SettingUrn: st.urn, SettingName: st.name, SettingType: st.t,
			Outcode: st.outcode, DistanceMiles: miles, OfstedGrade: st.grade, FreePlaces: uint32(g.rng.IntN(int(st.places) + 1)),
			MedianAwardedPricePence: int64(400000 + 1000*g.rng.IntN(400)),
			Reasons: []*purchasingv1.MatchReason{
				{Criterion: "admitted", Met: true, Detail: "admitted for " + cat},
				{Criterion: "ofsted", Met: true, Detail: "Good or better"},
				{Criterion: "distance", Met: true, Detail: fmt.Sprintf("%.1f miles from %s (limit 40)", miles, home)},
				{Criterion: "vacancy", Met: g.rng.IntN(3) > 0},
			}})
	}
	g.refSeq++
	id := fmt.Sprintf("ref-%08d", g.refSeq)
	sid := simPurchasing("referral", id)
	s := pdomain.InitialReferral()
	evs, err := pdomain.DecideReferral(s, pdomain.CreateReferral{Actor: commissioner, Now: now, ReferralID: id, Dps: g.dps, Need: need, Matches: matches, Considered: uint32(len(pool))})
	if err == nil {
		g.c.Referrals++
		g.c.MatchesPerReferral += len(matches)
		g.c.ReferralMatchedBytesSum += proto.Size(evs[1])
	}
	if err := g.commit(now, sid, eventstore.Actor(commissioner), evs, err); err != nil {
		return err
	}
	s = pdomain.FoldReferral(s, evs)
	// Responses from distinct providers within the offer window: a few
	// offers, more declines.
	responders := map[string]bool{}
	offers, declines := 1+g.rng.IntN(4), 3+g.rng.IntN(10)
	var offered []*purchasingv1.MatchedSetting
	for _, m := range matches {
		if responders[m.GetProviderId()] {
			continue
		}
		responders[m.GetProviderId()] = true
		switch {
		case len(offered) < offers:
			offered = append(offered, m)
		case declines > 0:
			declines--
			g.at(now.Add(time.Duration(1+g.rng.IntN(40))*time.Hour), func(now time.Time) error {
				a := pdomain.Actor{Subject: "responder-" + m.GetProviderId(), Organisation: "provider:" + m.GetProviderId(), Role: pdomain.RoleProviderResponder}
				evs, err := pdomain.DecideReferral(s, pdomain.DeclineReferral{Actor: a, Now: now, Reason: purchasingv1.DeclineReason(1 + g.rng.IntN(7)), Note: "not able to meet this child's needs now"})
				s = pdomain.FoldReferral(s, evs)
				g.c.Declines += len(evs)
				return g.commit(now, sid, eventstore.Actor(a), evs, err)
			})
		}
	}
	for _, m := range offered {
		g.at(now.Add(time.Duration(1+g.rng.IntN(40))*time.Hour), func(now time.Time) error {
			a := pdomain.Actor{Subject: "responder-" + m.GetProviderId(), Organisation: "provider:" + m.GetProviderId(), Role: pdomain.RoleProviderResponder}
			evs, err := pdomain.DecideReferral(s, pdomain.MakeOffer{Actor: a, Now: now, SettingURN: m.GetSettingUrn(), WeeklyPricePence: need.GetWeeklyBudgetPence() - int64(1000*g.rng.IntN(150)),
				AvailableFrom: now.AddDate(0, 0, 3+g.rng.IntN(10)).Format(time.DateOnly), Note: "we can meet these needs"})
			s = pdomain.FoldReferral(s, evs)
			g.c.Offers += len(evs)
			return g.commit(now, sid, eventstore.Actor(a), evs, err)
		})
	}
	// The council decides after the offer window has closed.
	g.at(g.working(now.Add(76*time.Hour)), func(now time.Time) error {
		if len(s.Offers) == 0 || g.rng.IntN(10) == 0 {
			evs, err := pdomain.DecideReferral(s, pdomain.WithdrawReferral{Actor: commissioner, Now: now, Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_NO_SUITABLE_OFFER})
			s = pdomain.FoldReferral(s, evs)
			g.c.Withdrawn++
			return g.commit(now, sid, eventstore.Actor(commissioner), evs, err)
		}
		o := s.Offers[g.rng.IntN(len(s.Offers))].Offer
		evs, err := pdomain.DecideReferral(s, pdomain.AwardPlacement{Actor: commissioner, Now: now, OfferID: o.GetOfferId(), Reason: "the best match for the child's needs"})
		s = pdomain.FoldReferral(s, evs)
		if err := g.commit(now, sid, eventstore.Actor(commissioner), evs, err); err != nil {
			return err
		}
		g.c.Placements++
		return g.contract(now.Add(time.Second), evs[0].(*purchasingv1.PlacementAwarded))
	})
	return nil
}

// contract is monitoring's reaction to an award (as its contracts consumer
// writes it, so a replay's reaction finds it done), then the placement's
// outcomes: at the start and every two months while it runs.
func (g *simGen) contract(now time.Time, pa *purchasingv1.PlacementAwarded) error {
	start, _ := time.Parse(time.DateOnly, pa.GetStartDate())
	end := start.AddDate(0, 0, 7*int(pa.GetExpectedDurationWeeks()))
	c := &monitoringv1.ContractStarted{ContractId: pa.GetPlacementId(), Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: pa.GetConsortium(),
		Council: pa.GetCouncil(), ProviderId: pa.GetProviderId(), SettingUrn: pa.GetSettingUrn(), StartDate: pa.GetStartDate(), ExpectedEndDate: end.Format(time.DateOnly),
		WeeklyPricePence: pa.GetWeeklyPricePence(), PlacementId: pa.GetPlacementId(), ReferralId: pa.GetReferralId(), CategoryId: pa.GetCategoryId(), Source: "award"}
	s := mdomain.ContractState{}
	evs, err := mdomain.DecideStart(s, mdomain.StartContract{Contract: c})
	for _, e := range evs {
		s = mdomain.EvolveContract(s, e)
	}
	sid := eventstore.StreamID{Context: "monitoring", Aggregate: "contract", ID: pa.GetPlacementId()}
	g.c.Contracts += len(evs)
	if err := g.commit(now, sid, eventstore.Actor{Subject: "service:monitoring", Organisation: "platform", Role: "system"}, evs, err); err != nil {
		return err
	}
	a := mdomain.Actor{Subject: "commissioner-" + pa.GetCouncil(), Organisation: "council:" + pa.GetCouncil(), Role: pdomain.RoleCouncilCommissioner}
	point := monitoringv1.OutcomePoint_OUTCOME_POINT_START
	for on := start.AddDate(0, 0, 7); on.Before(end); on = on.AddDate(0, 2, 0) {
		p := point
		g.at(g.working(on.Add(9*time.Hour)), func(now time.Time) error {
			score := func() uint32 { return uint32(1 + g.rng.IntN(5)) }
			evs, err := mdomain.DecideOutcome(s, mdomain.RecordOutcome{Actor: a, Now: now, Point: p, RecordedOn: on.Format(time.DateOnly),
				Scores: &monitoringv1.OutcomeScores{Stability: score(), Education: score(), Health: score(), Wellbeing: score(), ChildsView: score()}})
			for _, e := range evs {
				s = mdomain.EvolveContract(s, e)
			}
			g.c.Outcomes += len(evs)
			return g.commit(now, sid, eventstore.Actor(a), evs, err)
		})
		point = monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW
	}
	return nil
}

// framework is a consortium's tender through the framework decider:
// drafted, opened, bid on by providers of the region, scored, awarded and
// activated once the standstill has passed.
func (g *simGen) framework(now time.Time) error {
	g.fwSeq++
	id := fmt.Sprintf("fw-%04d", g.fwSeq)
	lead := fdomain.NewActor("lead-england", "consortium:"+simConsortium, fdomain.RoleConsortiumLead)
	sid := eventstore.StreamID{Context: "framework", Aggregate: "framework", ID: id}
	var s fdomain.State = fdomain.Initial()
	decide := func(now time.Time, a fdomain.Actor, c fdomain.Command) error {
		evs, err := fdomain.Decide(s, c)
		for _, e := range evs {
			s = fdomain.Evolve(s, e)
		}
		return g.commit(now, sid, eventstore.Actor{Subject: a.Subject, Organisation: a.Organisation, Role: a.Role}, evs, err)
	}
	termStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 4, 0)
	members := g.councils[:min(len(g.councils), 4+g.rng.IntN(8))]
	terms := &frameworkv1.FrameworkTerms{Title: "Residential care " + id, Category: frameworkv1.Category_CATEGORY_RESIDENTIAL,
		Lots: []*frameworkv1.LotTerms{
			{LotId: "lot-1", Name: "Residential: emotional and behavioural needs", PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 300000, MaxWeeklyPence: 800000}, QualityThreshold: 50},
			{LotId: "lot-2", Name: "Residential: short breaks", PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 50000, MaxWeeklyPence: 150000}, QualityThreshold: 40},
		},
		MemberCouncils: members, TermStart: termStart.Format(time.DateOnly), TermEnd: termStart.AddDate(2, 0, -1).Format(time.DateOnly),
		ExtensionOptionsMonths: []uint32{12, 12}, QualityWeight: 70, PriceWeight: 30}
	if err := decide(now, lead, fdomain.DraftFramework{Actor: lead, Now: now, FrameworkID: id, Terms: terms}); err != nil {
		return err
	}
	g.c.Frameworks++
	closeAt := now.AddDate(0, 0, 21)
	if err := decide(now.Add(time.Hour), lead, fdomain.OpenForBids{Actor: lead, Now: now.Add(time.Hour), BidsCloseAt: closeAt}); err != nil {
		return err
	}
	type bid struct{ provider, lot string }
	var bids []bid
	for range 20 + g.rng.IntN(20) {
		st := g.settings[g.byCat["residential"][g.rng.IntN(len(g.byCat["residential"]))]]
		lot := []string{"lot-1", "lot-2"}[g.rng.IntN(2)]
		bids = append(bids, bid{st.provider, lot})
		g.at(g.working(now.AddDate(0, 0, 1+g.rng.IntN(16))), func(now time.Time) error {
			a := fdomain.NewActor("admin-"+st.provider, "provider:"+st.provider, fdomain.RoleProviderAdmin)
			price := int64(300000 + 1000*g.rng.IntN(500))
			if lot == "lot-2" {
				price = int64(50000 + 1000*g.rng.IntN(100))
			}
			g.c.Bids++
			return decide(now, a, fdomain.SubmitBid{Actor: a, Now: now, LotID: lot, WeeklyPricePence: price,
				QualityAnswers: []*frameworkv1.QualityAnswer{{Question: "How do you keep children safe?", Answer: "Safer recruitment, training and supervision."}}})
		})
	}
	g.at(g.working(closeAt.AddDate(0, 0, 3)), func(now time.Time) error {
		admit := map[string][]string{}
		scored := map[bid]bool{}
		for _, b := range bids {
			if scored[b] {
				continue // an amended bid is scored once
			}
			scored[b] = true
			q := uint32(30 + g.rng.IntN(71))
			if err := decide(now, lead, fdomain.ScoreBid{Actor: lead, Now: now, LotID: b.lot, ProviderID: b.provider, QualityScore: q, Reason: "evaluated by the panel"}); err != nil {
				return err
			}
			if q >= 50 && !containsStr(admit[b.lot], b.provider) {
				admit[b.lot] = append(admit[b.lot], b.provider)
			}
		}
		var lots []fdomain.LotAwardDecision
		for _, l := range []string{"lot-1", "lot-2"} {
			if len(admit[l]) > 0 {
				lots = append(lots, fdomain.LotAwardDecision{LotID: l, ProviderIDs: admit[l]})
			}
		}
		if len(lots) == 0 {
			return nil // no bid good enough: the consortium tenders again later
		}
		at := now.Add(2 * time.Hour)
		if err := decide(at, lead, fdomain.AwardFramework{Actor: lead, Now: at, Lots: lots, Reason: "the highest total scores above each lot's threshold"}); err != nil {
			return err
		}
		g.c.FrameworksAwarded++
		g.at(g.working(at.AddDate(0, 0, 20)), func(now time.Time) error {
			return decide(now, lead, fdomain.ActivateFramework{Actor: lead, Now: now, Reason: "standstill over without challenge"})
		})
		return nil
	})
	return nil
}

func containsStr(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// needsReturn is a council's quarterly count of its looked-after children,
// decided by demand's decider.
func (g *simGen) needsReturn(now time.Time, la, asAt string) error {
	a := ddomain.Actor{Subject: "analyst-" + la, Organisation: "council:" + la, Role: ddomain.RoleCouncilAnalyst}
	legal := []string{"C2", "C1", "V2", "E1"}
	var cells []*demandv1.NeedsCell
	for _, grp := range []string{"fostering", "residential", "supported-16-plus"} {
		for _, age := range []string{"5-9", "10-15", "16+"} {
			cells = append(cells, &demandv1.NeedsCell{PlacementGroup: grp, AgeBand: age, Need: fmt.Sprintf("N%d", 1+g.rng.IntN(8)), LegalStatus: legal[g.rng.IntN(len(legal))],
				Area: "inside", DistanceBand: "0-5", Count: uint32(1 + g.rng.IntN(40))})
		}
	}
	evs, err := ddomain.DecideReturn(ddomain.ReturnState{}, ddomain.SubmitNeedsReturn{Actor: a, Now: now, AsAt: asAt, Cells: cells, Source: "simulated", LegalStatuses: legal})
	g.c.NeedsReturns += len(evs)
	return g.commit(now, eventstore.StreamID{Context: "demand", Aggregate: "return", ID: ddomain.ReturnID(la, asAt)}, eventstore.Actor(a), evs, err)
}

// summary is the report of what was written: per context per million
// events, and the counts a replay should find.
func (c simCounts) summary() string {
	per := func(n int) float64 { return float64(n) * 1e6 / float64(max(c.Events, 1)) / 1000 }
	avg := func(n, of int) int { return n / max(of, 1) }
	return fmt.Sprintf(`simulate: per 1M events: purchasing %.1fk, monitoring %.1fk, framework %.1fk, demand %.1fk
simulate: %d providers, %d settings; %d vacancies; %d referrals (%d matches and %d bytes a ReferralMatched on average), %d offers, %d declines, %d placements, %d withdrawn
simulate: %d monthly returns, %d contracts, %d outcomes; %d frameworks (%d bids, %d awarded); %d needs returns; largest commit %d bytes
`, per(c.ByContext["purchasing"]), per(c.ByContext["monitoring"]), per(c.ByContext["framework"]), per(c.ByContext["demand"]),
		c.Providers, c.Settings, c.Vacancies, c.Referrals, avg(c.MatchesPerReferral, c.Referrals), avg(c.ReferralMatchedBytesSum, c.Referrals), c.Offers, c.Declines, c.Placements, c.Withdrawn,
		c.Returns, c.Contracts, c.Outcomes, c.Frameworks, c.Bids, c.FrameworksAwarded, c.NeedsReturns, c.LargestCommitBytes)
}
