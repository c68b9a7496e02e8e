package main

import (
	"container/heap"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	mdomain "github.com/carecoop/carecoop/services/monitoring/domain"
	pdomain "github.com/carecoop/carecoop/services/purchasing/domain"
)

// simScale is the size of the simulated market.
type simScale struct {
	providers, settingsPer, councils int
}

var simScales = map[string]simScale{
	"national": {providers: 5209, settingsPer: 3, councils: 153},
	"region":   {providers: 521, settingsPer: 3, councils: 15}, // a tenth: one consortium
}

// simulate writes a simulated history of about `events` events ending
// today (see simendWrite), for benchmarks.
func simulate(ctx context.Context, js natsjs.JetStream, seed uint64, events int, sc simScale, progress io.Writer) (int, error) {
	c, err := simendWrite(ctx, js, seed, events, 10, simendOf(time.Now()), sc, progress)
	return c.Events, err
}

// simendOf is the end of a history ending on t's day (UTC): the next
// midnight, so the day itself is in it.
func simendOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
}

// simendWrite writes a simulated history of at most `events` events and
// at most `years` years ending before end, deterministic for a seed,
// events, years and end: its last month is end's, and it starts on the
// first of the month simendFirstMonth finds (the budget lasts into end's
// month, and the history is no longer than the budget needs). Every commit
// is what a service's decider decided for a command a person (or a
// service's reaction) issued at that moment of the history (see simGen),
// encoded as the store encodes commits (jetstream.CommitMsg, versions
// numbered here, published asynchronously). Event ids are UUIDv7s drawn
// from the seed and the event's time, so the same inputs write the same
// bytes.
func simendWrite(ctx context.Context, js natsjs.JetStream, seed uint64, events, years int, end time.Time, sc simScale, progress io.Writer) (simCounts, error) {
	began := time.Now()
	start, dry, err := simendFirstMonth(ctx, seed, events, years, end, sc, progress)
	if err != nil {
		return simCounts{}, err
	}
	if progress != nil {
		fmt.Fprintf(progress, "simulate: from %s to %s (%d dry runs to find the start, %v)\n", start.Format(time.DateOnly), end.Add(-time.Second).Format(time.DateOnly),
			len(dry), time.Since(began).Round(time.Millisecond))
	}
	idRng := rand.New(rand.NewPCG(seed, 0x1d))
	versions := map[eventstore.StreamID]uint64{}
	pending, written, largest := 0, 0, 0
	shown := time.Now()
	var futures []natsjs.PubAckFuture
	flush := func() error {
		select {
		case <-js.PublishAsyncComplete():
		case <-ctx.Done():
			return ctx.Err()
		}
		for _, f := range futures {
			select {
			case err := <-f.Err():
				return err
			default:
			}
		}
		futures, pending = futures[:0], 0
		return nil
	}
	report := func(at time.Time, final bool) {
		if progress == nil {
			return
		}
		nl := ""
		if final {
			nl = "\n"
		}
		fmt.Fprintf(progress, "\rsimulate: %d events, up to %s (%.0f events/s)%s", written, at.Format("2006-01"), float64(written)/time.Since(began).Seconds(), nl)
	}
	var last time.Time
	pub := func(at time.Time, sid eventstore.StreamID, actor eventstore.Actor, evs []proto.Message) error {
		msg, err := jetstream.CommitMsg(sid, versions[sid], eventstore.Metadata{OccurredAt: at, Actor: actor}, evs...)
		if err != nil {
			return err
		}
		if err := simStableIDs(msg, at, idRng); err != nil {
			return err
		}
		largest = max(largest, len(msg.Data))
		f, err := js.PublishMsgAsync(msg)
		if err != nil {
			return err
		}
		futures = append(futures, f)
		versions[sid] += uint64(len(evs))
		written += len(evs)
		last = at
		if pending++; pending >= 4096 {
			if err := flush(); err != nil {
				return err
			}
			if time.Since(shown) > time.Second {
				shown = time.Now()
				report(at, false)
			}
		}
		return nil
	}
	g, err := simendRun(ctx, seed, events, start, end, sc, pub)
	if err != nil {
		return g.c, err
	}
	if err := flush(); err != nil {
		return g.c, err
	}
	g.c.LargestCommitBytes = largest
	report(last, true)
	// A dry run from the same start decided the same history.
	for _, d := range dry {
		if d.start.Equal(start) && d.events != g.c.Events {
			return g.c, fmt.Errorf("simulate: the dry run from %s decided %d events, the run %d: the generator is not deterministic", start.Format(time.DateOnly), d.events, g.c.Events)
		}
	}
	return g.c, nil
}

// simendRun runs the market from start until the budget is spent or end,
// handing every commit to pub.
func simendRun(ctx context.Context, seed uint64, events int, start, end time.Time, sc simScale, pub simPublisher) (*simGen, error) {
	g := &simGen{rng: rand.New(rand.NewPCG(seed, uint64(events))), sc: sc, pub: pub, start: start, end: end, england: geo.InCountry("England"),
		providers: map[string]pdomain.ProviderState{}, mSettings: map[string]mdomain.SettingState{}, c: simCounts{ByContext: map[string]int{}, ReturnsBy: map[string]int{}}}
	if err := g.market(); err != nil {
		return g, err
	}
	g.at(start, g.month)
	for n := 0; g.q.Len() > 0 && g.c.Events < events; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return g, ctx.Err()
		}
		a := heap.Pop(&g.q).(simAction)
		if !a.at.Before(g.end) {
			break
		}
		if err := a.do(a.at); err != nil {
			return g, err
		}
	}
	return g, nil
}

// simendDry is a dry run of the generator: where it started and what it
// decided.
type simendDry struct {
	start  time.Time
	events int
}

// simendFirstMonth is the first day (09:00 UTC) of the month the history
// starts in: one from which the market, with the budget, writes into
// end's month and no later than it must. Either the budget is spent in
// end's month, or it lasts until end and from a month earlier (or more
// than `years` before end's month) it would be spent before end's month.
// It is found by dry runs of the generator (deciding everything,
// publishing nothing) from candidate months: the calendar (weekends,
// month lengths, quarters) shifts with the start, so only a run from the
// start itself tells where its budget ends. A candidate is guessed from
// the market's size, then from where the last runs spent their budget or
// how much they left; a round runs a candidate and the month before it
// side by side (the answer is usually a start that reaches lastMonth with
// budget left, next to one that does not), usually one or two rounds.
func simendFirstMonth(ctx context.Context, seed uint64, events, years int, end time.Time, sc simScale, progress io.Writer) (time.Time, []simendDry, error) {
	lastDay := end.Add(-time.Nanosecond)
	lastMonth := time.Date(lastDay.Year(), lastDay.Month(), 1, 9, 0, 0, 0, time.UTC)
	earliest := lastMonth.AddDate(0, 1-12*max(years, 1), 0)
	if events == math.MaxInt {
		return earliest, nil, nil // no budget: --years it is
	}
	months := func(from, to time.Time) int { return (to.Year()-from.Year())*12 + int(to.Month()-from.Month()) }
	var runs []simendDry
	// tooEarly is the latest start known to spend the budget before
	// lastMonth (before earliest: none may start then); late the earliest
	// known to write into lastMonth (lastMonth itself: nothing is before
	// it).
	tooEarly, late := earliest.AddDate(0, -1, 0), lastMonth
	// About 3.8 events a setting a month, after the market's 6 a provider,
	// the part of lastMonth up to end written first.
	perMonth := 3.8 * float64(sc.providers*sc.settingsPer)
	inLast := float64(lastDay.Day()) / float64(time.Date(lastDay.Year(), lastDay.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day())
	try := lastMonth.AddDate(0, -int(math.Round(max(0, float64(events-6*sc.providers)/perMonth-inLast))), 0)
	type result struct {
		start time.Time
		g     *simGen
		err   error
		took  time.Duration
	}
	for tooEarly.AddDate(0, 1, 0).Before(late) {
		if !try.After(tooEarly) {
			try = tooEarly.AddDate(0, 1, 0)
		}
		if !try.Before(late) {
			try = late.AddDate(0, -1, 0)
		}
		round := []*result{{start: try}}
		// The month before too, unless try is next to a start known to
		// reach lastMonth: then try is likely the answer's month before.
		if before := try.AddDate(0, -1, 0); before.After(tooEarly) && try.AddDate(0, 1, 0).Before(late) {
			round = append([]*result{{start: before}}, round...)
		}
		var wg sync.WaitGroup
		for _, r := range round {
			wg.Go(func() {
				t := time.Now()
				r.g, r.err = simendRun(ctx, seed, events, r.start, end, sc, func(time.Time, eventstore.StreamID, eventstore.Actor, []proto.Message) error { return nil })
				r.took = time.Since(t)
			})
		}
		wg.Wait()
		// Earliest first: a budget spent in lastMonth is the answer.
		for _, r := range round {
			if r.err != nil {
				return time.Time{}, runs, r.err
			}
			c := r.g.c
			runs = append(runs, simendDry{start: r.start, events: c.Events})
			spent := c.Events >= events
			if progress != nil {
				what := "lasts until the end"
				if spent {
					what = "is spent on " + c.Last.Format(time.DateOnly)
				}
				fmt.Fprintf(progress, "simulate: dry run from %s: %d events, the budget %s (%v)\n", r.start.Format(time.DateOnly), c.Events, what, r.took.Round(time.Millisecond))
			}
			switch {
			case spent && !c.Last.Before(lastMonth):
				return r.start, runs, nil
			case spent:
				tooEarly = r.start
				try = r.start.AddDate(0, months(c.Last, lastMonth), 0)
			case r.start.Before(late):
				late = r.start
				// As many months earlier as the budget left would fill at
				// the rate of the last whole month.
				per := c.Events / max(1, c.Months)
				if m := r.g.simendMonths; len(m) >= 2 {
					per = m[len(m)-1] - m[len(m)-2]
				}
				per = max(1, per)
				try = r.start.AddDate(0, -max(1, (events-c.Events+per-1)/per), 0)
			}
		}
	}
	return late, runs, nil
}

// simStableIDs replaces the commit's random UUIDv7 event ids by ones drawn
// from the simulation's own generator (the millisecond of the event's time,
// then random bits), so a seed always writes the same bytes.
func simStableIDs(msg *nats.Msg, at time.Time, rng *rand.Rand) error {
	var c kitv1.Commit
	if err := proto.Unmarshal(msg.Data, &c); err != nil {
		return err
	}
	ms := uint64(at.UnixMilli())
	for _, e := range c.GetEvents() {
		var u [16]byte
		binary.BigEndian.PutUint64(u[0:8], ms<<16|uint64(rng.Uint32()&0x0fff)|0x7000)
		binary.BigEndian.PutUint64(u[8:16], rng.Uint64()&^(uint64(0xc0)<<56)|uint64(0x80)<<56)
		e.EventId = fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(&c)
	if err != nil {
		return err
	}
	msg.Data = data
	msg.Header["ce-id"] = []string{c.GetEvents()[0].GetEventId()}
	return nil
}

func runSimulate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	data := fs.String("data", ".carecoop", "data directory of the JetStream store to write to (a 'carecoop dev' data directory); it must not be in use")
	events := fs.Int("events", 100_000, "number of events to write at most (0: no limit but --years)")
	years := fs.Int("years", 10, "years of history to write at most, ending with --end")
	endOn := fs.String("end", time.Now().UTC().Format(time.DateOnly), "the history's last day (YYYY-MM-DD, UTC): nothing is dated after it")
	scale := fs.String("scale", "region", "market size: region (one consortium, 521 providers) or national (5,209 providers, 153 councils)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed, events, years, scale and end write the same history")
	if err := parseFlags(fs, args, out, `Writes a generated history into the event store in --data: each commit
decided by a service's own decider (DPS referrals with their matches,
offers, declines and awards; vacancies; monthly returns, contracts and
outcomes; framework tenders; needs returns), deterministic from --seed, for
scale tests, benchmarks ('make scale'), demos and capacity planning. The
history ends on --end (today by default), as a platform's history ends
when it is restarted, and starts on the first of the month that lets
--events (at most) last into --end's month, no more than --years before;
dry runs of the generator find that month first. It shows its progress
and rate on stderr and prints what it wrote. 'carecoop dev --no-seed
--data DIR' then starts on it.
`); err != nil {
		return err
	}
	endDay, err := time.Parse(time.DateOnly, *endOn)
	if err != nil {
		return fmt.Errorf("--end %q: want a date, YYYY-MM-DD", *endOn)
	}
	// A history is what a platform has written so far: a stack started on
	// one dated ahead of its clock would see referrals made tomorrow.
	if today := time.Now().UTC().Format(time.DateOnly); *endOn > today {
		return fmt.Errorf("--end %s is after today (%s): a history ends today at the latest", *endOn, today)
	}
	if *years < 1 {
		return fmt.Errorf("--years %d: want at least 1", *years)
	}
	sc, ok := simScales[*scale]
	if !ok {
		return fmt.Errorf("--scale %q: want region or national", *scale)
	}
	dir, err := filepath.Abs(*data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	unlock, err := lockDataDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	// In-process only and without users: nothing but this command reaches
	// the server while it writes.
	ns, err := natsserver.Start(natsserver.Options{DataDir: dir, DontListen: true, ServerName: "carecoop-simulate", ReadyTimeout: storeRecovery})
	if err != nil {
		return err
	}
	defer ns.Shutdown()
	nc, err := ns.Connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := jetstream.New(ctx, js); err != nil {
		return err
	}
	t := time.Now()
	limit := *events
	if limit <= 0 {
		limit = math.MaxInt
	}
	c, err := simendWrite(ctx, js, *seed, limit, *years, simendOf(endDay), sc, os.Stderr)
	if err != nil {
		return err
	}
	d := time.Since(t)
	n := c.Events
	fmt.Fprintf(out, "simulate: wrote %d events, %d months from %s to %s (%s scale, seed %d) to %s in %v (%.0f events/s)\n", n, c.Months,
		c.First.Format(time.DateOnly), c.Last.Format(time.DateOnly), *scale, *seed, dir, d.Round(time.Millisecond), float64(n)/d.Seconds())
	fmt.Fprint(out, c.summary())
	return nil
}
