package app

import (
	"context"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// What falls due with the calendar rather than with an event is found by a
// sweep (hourly, and at start): a referral with no offer after
// noOfferAfter, a DPS application's decision due within two working days
// and then overdue, a tender closed with bids to score, an accreditation
// expiring within 30 days. Each is a cause of its own, named after what it
// is about ("sweep_due-soon_<dps>_<provider>"), decided once like an
// event's: a second sweep, or another replica's, sends nothing again.

// DefaultNoOfferAfter is how long a referral may go without an offer
// before its commissioner is told.
const DefaultNoOfferAfter = 4 * time.Hour

// WithNoOfferAfter sets it.
func WithNoOfferAfter(d time.Duration) Option { return func(s *Service) { s.noOfferAfter = d } }

// WithSweepEvery sets how often the sweep runs (0: never; tests call Sweep).
func WithSweepEvery(d time.Duration) Option { return func(s *Service) { s.sweepEvery = d } }

type swept struct {
	cause   string
	planned []domain.Planned
}

// Sweep notifies what has fallen due by now.
func (s *Service) Sweep(ctx context.Context) error {
	if err := s.caughtUp(ctx); err != nil {
		return err
	}
	now := s.now()
	today := calendar.DateOf(now)
	todayS := today.Format(time.DateOnly)
	var due []swept
	s.model.mu.RLock()
	m := s.model
	add := func(cause string, fill func(to func(string, string, map[string]string, string))) {
		var out []domain.Planned
		fill(s.planner(&out))
		if len(out) > 0 {
			due = append(due, swept{cause: cause, planned: out})
		}
	}
	for id, r := range m.referrals {
		if !r.closed && r.offers == 0 && !r.createdAt.IsZero() && now.Sub(r.createdAt) >= s.noOfferAfter && now.Sub(r.createdAt) < 7*24*time.Hour {
			add(eventstore.ComposeID("sweep", "no-offer", id), func(to func(string, string, map[string]string, string)) {
				to("council:"+r.council, domain.TNoOfferYet, map[string]string{"reference": id, "count": strconv.Itoa(int(s.noOfferAfter.Hours()))}, "/referrals/"+id)
			})
		}
	}
	for _, a := range m.applications {
		dueOn, err := time.Parse(time.DateOnly, a.due)
		if err != nil {
			continue
		}
		d := m.dps[a.dps]
		p := map[string]string{"provider": m.providerName(a.provider), "dps": d.name, "deadline": a.due}
		link := "/dps/" + a.dps + "/applications/" + a.provider
		switch {
		case today.After(dueOn):
			add(eventstore.ComposeID("sweep", "overdue", a.dps, a.provider), func(to func(string, string, map[string]string, string)) {
				to("consortium:"+d.consortium, domain.TApplicationOverdue, p, link)
			})
		case calendar.WorkingDaysBetween(today, dueOn) <= 2:
			add(eventstore.ComposeID("sweep", "due-soon", a.dps, a.provider), func(to func(string, string, map[string]string, string)) {
				to("consortium:"+d.consortium, domain.TApplicationDueSoon, p, link)
			})
		}
	}
	for fw, t := range m.tenders {
		if t.awarded || now.Before(t.closesAt) {
			continue
		}
		waiting := 0
		for b := range t.bids {
			if !t.scored[b] {
				waiting++
			}
		}
		if c := m.frameworks[fw]; c != "" && waiting > 0 {
			add(eventstore.ComposeID("sweep", "tender-closed", fw), func(to func(string, string, map[string]string, string)) {
				to("consortium:"+c, domain.TTenderClosed, map[string]string{"framework": fw, "count": strconv.Itoa(waiting)}, "/frameworks/"+fw+"/bids")
			})
		}
	}
	for _, a := range m.accreditations {
		exp, err := time.Parse(time.DateOnly, a.expires)
		if err != nil || exp.Before(today) || exp.Sub(today) > 30*24*time.Hour {
			continue
		}
		add(eventstore.ComposeID("sweep", "expiring", a.provider, a.reference, a.expires), func(to func(string, string, map[string]string, string)) {
			to("provider:"+a.provider, domain.TAccreditationExpiry, map[string]string{"reference": a.reference, "date": a.expires}, "/organisation")
		})
	}
	s.model.mu.RUnlock()
	meta := eventstore.Metadata{Actor: system, CorrelationID: "sweep-" + todayS}
	for _, d := range due {
		meta.RequestID = "sweep:" + d.cause
		if err := s.notify(ctx, d.cause, "sweep", d.planned, meta); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sweepLoop(ctx context.Context) {
	tick := time.NewTicker(s.sweepEvery)
	defer tick.Stop()
	for {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("notify: sweep failed; trying again at the next tick", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
