package app

import (
	"context"
	"slices"
	"strconv"
	"time"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/sweep"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// What falls due with the calendar rather than with an event is found by a
// sweep (hourly, and at start): a referral with no offer after
// noOfferAfter, a referral's offers closing within dlClosingSoon (to the
// providers yet to answer), a DPS application's decision due within two working days
// and then overdue, a tender closed with bids to score, an accreditation
// expiring within 30 days. It also hands to the channel what was held for
// someone's quiet hours once they have ended (so at most sweepEvery after
// they end), and asks the channel what became of what it accepted
// (CheckDeliveries). Each is a cause of its own, named after what it
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
	for id, r := range m.referrals {
		if r.closed || r.dueBy.IsZero() || !now.Before(r.dueBy) || r.dueBy.Sub(now) > dlClosingSoon {
			continue
		}
		// Named with the deadline: after an extension, a new reminder.
		add(eventstore.ComposeID("sweep", "offers-closing", id, strconv.FormatInt(r.dueBy.Unix(), 10)), func(to func(string, string, map[string]string, string)) {
			for _, p := range r.matched {
				if _, answered := slices.BinarySearch(r.answered, p); !answered {
					to("provider:"+p, domain.TOffersClosing, map[string]string{"reference": id, "council": r.council, "deadline": dlCloses(r.dueBy)}, "/inbox/"+id)
				}
			}
		})
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
	for _, r := range m.returnsDue(today) {
		template, kind := domain.TReturnDueSoon, "return-due"
		if r.overdue {
			template, kind = domain.TReturnOverdue, "return-overdue"
		}
		add(eventstore.ComposeID("sweep", kind, r.urn, r.period), func(to func(string, string, map[string]string, string)) {
			to("provider:"+r.provider, template, map[string]string{"setting": "setting " + r.urn, "period": r.period, "date": r.due}, "/monitoring")
		})
	}
	// Notifications held for quiet hours that have ended, by cause.
	var released []string
	for _, n := range m.notes {
		if n.status != notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_QUIET_HOURS {
			continue
		}
		if d := n.decided(); !d.GetHeldUntil().AsTime().After(now) && !slices.Contains(released, d.GetCauseEventId()) {
			released = append(released, d.GetCauseEventId())
		}
	}
	s.model.mu.RUnlock()
	meta := eventstore.Metadata{Actor: system, CorrelationID: "sweep-" + todayS}
	slices.Sort(released)
	for _, cause := range released {
		if err := s.deliver(ctx, stream(CauseAggregate, eventstore.ComposeID(cause)), meta); err != nil {
			return err
		}
	}
	for _, d := range due {
		meta.RequestID = "sweep:" + d.cause
		if err := s.notify(ctx, d.cause, "sweep", d.planned, meta); err != nil {
			return err
		}
	}
	return s.CheckDeliveries(ctx)
}

// SweepOnce runs this period's sweep, and from DigestHour the day's
// digests, if no other replica has: the first to claim the period
// (SweepClaimed on notify.sweep.<slot>, kit sweep) sweeps, the others skip.
// It reports whether this replica swept.
func (s *Service) SweepOnce(ctx context.Context) (bool, error) { return s.sweeper().Once(ctx) }

// sweeper is the sweep with the digests: at start and every sweepEvery, on
// one replica a period (things may have fallen due while the service was
// down).
func (s *Service) sweeper() sweep.Config {
	return sweep.Config{
		Name:  "notify",
		Every: s.sweepEvery,
		Now:   func() time.Time { return s.now().UTC() },
		Log:   s.log,
		Claim: func(ctx context.Context, p sweep.Period) (bool, error) {
			return sweep.Claim(ctx, s.store, stream(SweepAggregate, p.Slot),
				eventstore.Metadata{Actor: system, OccurredAt: p.Now}, &notifyv1.SweepClaimed{Slot: p.Slot})
		},
		Sweep: func(ctx context.Context, p sweep.Period) error {
			if err := s.Sweep(ctx); err != nil {
				return err
			}
			if s.sendDigests && p.Now.Hour() >= DigestHour {
				return s.SendDigests(ctx)
			}
			return nil
		},
	}
}

// DefaultReturnDueWorkingDays is when a month's return is due when no
// consortium has set it: as monitoring's default policy.
const DefaultReturnDueWorkingDays = 10

type returnDue struct {
	urn, provider, period, due string
	overdue                    bool
}

// returnsDue are the monthly returns not filed whose due date is within
// three working days, or passed within the last 31 days (older ones were
// told when they fell due, or before the service ran). A month's return is
// expected where a placement was live in it, due the strictest of the
// placing consortia's working days after the month's end, as monitoring
// counts them (call with the read lock held).
func (m *ReadModel) returnsDue(today time.Time) []returnDue {
	type setting struct {
		provider string
		days     uint32
		months   map[string]bool
	}
	settings := map[string]*setting{}
	thisMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, p := range m.placements {
		start, err := time.Parse(time.DateOnly, p.start)
		if err != nil {
			continue
		}
		end := today
		if e, err := time.Parse(time.DateOnly, p.end); err == nil && e.Before(end) {
			end = e
		}
		st := settings[p.urn]
		if st == nil {
			st = &setting{provider: p.provider, days: DefaultReturnDueWorkingDays, months: map[string]bool{}}
			settings[p.urn] = st
		}
		if d := m.returnDays[p.consortium]; d > 0 && d < st.days {
			st.days = d
		}
		// Only the last two ended months can be due soon or lately overdue.
		for mo := thisMonth.AddDate(0, -2, 0); mo.Before(thisMonth); mo = mo.AddDate(0, 1, 0) {
			last := mo.AddDate(0, 1, -1)
			if !start.After(last) && !end.Before(mo) {
				st.months[mo.Format("2006-01")] = true
			}
		}
	}
	var out []returnDue
	for urn, st := range settings {
		for period := range st.months {
			if m.isFiled(urn, period) {
				continue
			}
			mo, _ := time.Parse("2006-01", period)
			due, err := calendar.AddWorkingDays(mo.AddDate(0, 1, -1), int(st.days))
			if err != nil {
				continue
			}
			r := returnDue{urn: urn, provider: st.provider, period: period, due: due.Format(time.DateOnly)}
			switch {
			case today.After(due) && today.Sub(due) <= 31*24*time.Hour:
				r.overdue = true
				out = append(out, r)
			case !today.After(due) && calendar.WorkingDaysBetween(today, due) <= 3:
				out = append(out, r)
			}
		}
	}
	return out
}
