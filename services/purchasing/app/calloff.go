package app

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Call-offs: purchasing follows the framework context's events into a read
// model of each framework's lots (the providers admitted in rank order, who
// is suspended, the lot's price band) and member councils, so a referral
// can call off from a lot: matched among the lot's providers only.

// calloffContext is the framework context's name in stream ids.
const calloffContext = "framework"

type calloffFW struct {
	id, consortium string
	members        map[string]bool
	active         bool
	lots           map[string]*calloffLot
}

type calloffLot struct {
	maxPence int64
	// ranked are the admitted providers, rank 1 first.
	ranked    []string
	suspended map[string]bool
}

// calloffApply folds one framework event into the model. Call with the
// write lock held.
func (m *ReadModel) calloffApply(e eventstore.RecordedEvent) {
	if m.calloffFWs == nil {
		m.calloffFWs = map[string]*calloffFW{}
	}
	f := m.calloffFWs[e.StreamID.ID]
	if ev, ok := e.Event.(*frameworkv1.FrameworkDrafted); ok && f == nil {
		f = &calloffFW{id: ev.GetFrameworkId(), consortium: ev.GetConsortium(), members: map[string]bool{}, lots: map[string]*calloffLot{}}
		m.calloffFWs[e.StreamID.ID] = f
	}
	if f == nil {
		return
	}
	terms := func(t *frameworkv1.FrameworkTerms) {
		f.members = map[string]bool{}
		for _, la := range t.GetMemberCouncils() {
			f.members[la] = true
		}
		for _, l := range t.GetLots() {
			lot := f.lots[l.GetLotId()]
			if lot == nil {
				lot = &calloffLot{suspended: map[string]bool{}}
				f.lots[l.GetLotId()] = lot
			}
			lot.maxPence = l.GetPriceBand().GetMaxWeeklyPence()
		}
	}
	switch ev := e.Event.(type) {
	case *frameworkv1.FrameworkDrafted:
		terms(ev.GetTerms())
	case *frameworkv1.FrameworkAmended:
		terms(ev.GetTerms())
	case *frameworkv1.MemberCouncilAdded:
		f.members[ev.GetLaCode()] = true
	case *frameworkv1.MemberCouncilRemoved:
		delete(f.members, ev.GetLaCode())
	case *frameworkv1.FrameworkAwarded:
		for _, la := range ev.GetLots() {
			lot := f.lots[la.GetLotId()]
			if lot == nil {
				lot = &calloffLot{suspended: map[string]bool{}}
				f.lots[la.GetLotId()] = lot
			}
			lot.ranked = lot.ranked[:0]
			for _, p := range la.GetAdmitted() { // in rank order
				lot.ranked = append(lot.ranked, p.GetProviderId())
			}
		}
	case *frameworkv1.FrameworkActivated, *frameworkv1.FrameworkExtended:
		f.active = true
	case *frameworkv1.FrameworkExpired, *frameworkv1.FrameworkTerminated:
		f.active = false
	case *frameworkv1.ProviderSuspendedFromLot:
		if lot := f.lots[ev.GetLotId()]; lot != nil {
			lot.suspended[ev.GetProviderId()] = true
		}
	case *frameworkv1.ProviderReinstatedOnLot:
		if lot := f.lots[ev.GetLotId()]; lot != nil {
			delete(lot.suspended, ev.GetProviderId())
		}
	}
}

// CalloffAndMatch reads, at one instant, what a call-off's rules need of
// its framework and DPS, and matches the need among the lot's providers:
// further competition sends the referral to every lot provider's eligible
// settings; direct award to the highest-ranked provider with one, saying
// why each higher-ranked provider was passed over.
func (m *ReadModel) CalloffAndMatch(dpsID string, need *purchasingv1.Need, asked *purchasingv1.CallOff, council string, now time.Time) (domain.DpsState, *domain.CallOffFacts, []*purchasingv1.MatchedSetting, uint32) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	co := &purchasingv1.CallOff{FrameworkId: asked.GetFrameworkId(), LotId: asked.GetLotId(), Method: asked.GetMethod()}
	facts := &domain.CallOffFacts{CallOff: co}
	d := m.dps[dpsID]
	dps := domain.InitialDps()
	if d != nil {
		dps = domain.DpsState{DpsID: d.id, Consortium: d.consortium, Terms: d.terms, Status: d.status}
	}
	f := m.calloffFWs[asked.GetFrameworkId()]
	if f == nil {
		return dps, facts, nil, 0
	}
	facts.Known, facts.Member, facts.Active, facts.Consortium = true, f.members[council], f.active, f.consortium
	lot := f.lots[asked.GetLotId()]
	if lot == nil || d == nil {
		return dps, facts, nil, 0
	}
	facts.LotKnown, facts.MaxPence = true, lot.maxPence
	co.Ranking = append([]string(nil), lot.ranked...)
	srch, ok := search(d.terms, need)
	if !ok {
		return dps, facts, nil, 0
	}
	today := domain.FormatDate(domain.Today(now))
	cat := need.GetCategoryId()
	considered := uint32(0)
	direct := asked.GetMethod() == purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD
	var passed []string
	chosen := ""
	for i, id := range lot.ranked {
		p := m.providers[id]
		name := id
		if p != nil {
			name = p.name()
		}
		if lot.suspended[id] {
			passed = append(passed, fmt.Sprintf("rank %d %s: suspended from the lot", i+1, name))
			continue
		}
		if p == nil {
			passed = append(passed, fmt.Sprintf("rank %d %s: not registered with purchasing", i+1, name))
			continue
		}
		any := false
		var why []string
		for _, s := range p.settingList {
			if s.removed {
				continue
			}
			considered++
			// Admission to the lot stands in for admission to the DPS.
			c := m.candidate(d, cat, p, s, today)
			c.Membership = domain.MemberAdmitted
			if ok, miles := srch.Eligible(&c); ok {
				c.MedianPricePence = m.medians[priceKey{p.id, cat}]
				srch.Keep(&c, miles)
				any = true
			} else if _, reasons := srch.Explain(c); len(reasons) > 0 {
				why = append(why, s.setting.GetName()+": "+reasons[0].GetDetail())
			}
		}
		if direct && any {
			chosen = fmt.Sprintf("rank %d %s", i+1, name)
			break
		}
		if direct {
			if len(why) == 0 {
				why = []string{"no setting"}
			}
			passed = append(passed, fmt.Sprintf("rank %d %s: no setting could take the child (%s)", i+1, name, strings.Join(why, "; ")))
		}
	}
	matches := srch.Best()
	switch {
	case !direct:
		co.Reason = fmt.Sprintf("Further competition among the lot's %d providers", len(lot.ranked))
	case chosen == "":
		co.Reason = "Direct award: no provider of the lot had a setting that could take the child"
	default:
		co.Reason = "Direct award to " + chosen + ", the highest-ranked provider of the lot with a suitable vacancy"
	}
	if direct && len(passed) > 0 {
		co.Reason += ". Passed over: " + strings.Join(passed, "; ")
	}
	return dps, facts, matches, considered
}

// calloffFor is a referral's call-off as p may read it: the ranking and
// reason name other providers, so a provider reads neither.
func calloffFor(own string, co *purchasingv1.CallOff) *purchasingv1.CallOff {
	if co == nil {
		return nil
	}
	v := proto.Clone(co).(*purchasingv1.CallOff)
	if own != "" {
		v.Ranking, v.Reason = nil, ""
	}
	return v
}
