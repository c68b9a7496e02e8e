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

// simulate writes a simulated history of about `events` events (or fewer
// years, whichever ends first) to the stream, deterministic for a seed:
// every commit is what a service's decider decided for a command a person
// (or a service's reaction) issued at that moment of the history (see
// simGen), encoded as the store encodes commits (jetstream.CommitMsg,
// versions numbered here, published asynchronously). Event ids are UUIDv7s
// drawn from the seed and the event's time, so the same seed writes the same
// bytes.
func simulate(ctx context.Context, js natsjs.JetStream, seed uint64, events int, sc simScale, progress io.Writer) (int, error) {
	c, err := simulateYears(ctx, js, seed, events, 10, sc, progress)
	return c.Events, err
}

func simulateYears(ctx context.Context, js natsjs.JetStream, seed uint64, events, years int, sc simScale, progress io.Writer) (simCounts, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(events)))
	idRng := rand.New(rand.NewPCG(seed, 0x1d))
	versions := map[eventstore.StreamID]uint64{}
	pending, commits := 0, 0
	began, shown := time.Now(), time.Now()
	var futures []natsjs.PubAckFuture
	g := &simGen{rng: rng, sc: sc, end: simStart.AddDate(years, 0, 0), england: geo.InCountry("England"), providers: map[string]pdomain.ProviderState{},
		mSettings: map[string]mdomain.SettingState{}, c: simCounts{ByContext: map[string]int{}, ReturnsBy: map[string]int{}}}
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
	report := func(final bool) {
		if progress == nil {
			return
		}
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(progress, "\rsimulate: %d events, %d months (%.0f events/s)%s", g.c.Events, g.c.Months, float64(g.c.Events)/time.Since(began).Seconds(), end)
	}
	g.pub = func(at time.Time, sid eventstore.StreamID, actor eventstore.Actor, evs []proto.Message) error {
		msg, err := jetstream.CommitMsg(sid, versions[sid], eventstore.Metadata{OccurredAt: at, Actor: actor}, evs...)
		if err != nil {
			return err
		}
		if err := simStableIDs(msg, at, idRng); err != nil {
			return err
		}
		g.c.LargestCommitBytes = max(g.c.LargestCommitBytes, len(msg.Data))
		f, err := js.PublishMsgAsync(msg)
		if err != nil {
			return err
		}
		futures = append(futures, f)
		versions[sid] += uint64(len(evs))
		commits++
		if pending++; pending >= 4096 {
			if err := flush(); err != nil {
				return err
			}
			if time.Since(shown) > time.Second {
				shown = time.Now()
				report(false)
			}
		}
		return nil
	}
	if err := g.market(); err != nil {
		return g.c, err
	}
	g.at(simStart, g.month)
	for g.q.Len() > 0 && g.c.Events < events {
		a := heap.Pop(&g.q).(simAction)
		if !a.at.Before(g.end) {
			break
		}
		if err := a.do(a.at); err != nil {
			return g.c, err
		}
	}
	if err := flush(); err != nil {
		return g.c, err
	}
	report(true)
	return g.c, nil
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
	years := fs.Int("years", 10, "years of history to write at most, from January 2024")
	scale := fs.String("scale", "region", "market size: region (one consortium, 521 providers) or national (5,209 providers, 153 councils)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed, events and scale write the same history")
	if err := parseFlags(fs, args, out, `Writes a generated history into the event store in --data: each commit
decided by a service's own decider (DPS referrals with their matches,
offers, declines and awards; vacancies; monthly returns, contracts and
outcomes; framework tenders; needs returns), deterministic from --seed, for
scale tests, benchmarks ('make scale'), demos and capacity planning. It
stops at --events or after --years, whichever comes first, shows its
progress and rate on stderr, and prints what it wrote. 'carecoop dev
--no-seed --data DIR' then starts on it.
`); err != nil {
		return err
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
	ns, err := natsserver.Start(natsserver.Options{DataDir: dir, DontListen: true, ServerName: "carecoop-simulate"})
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
	c, err := simulateYears(ctx, js, *seed, limit, *years, sc, os.Stderr)
	if err != nil {
		return err
	}
	d := time.Since(t)
	n := c.Events
	fmt.Fprintf(out, "simulate: wrote %d events, %d months (%s scale, seed %d) to %s in %v (%.0f events/s)\n", n, c.Months, *scale, *seed, dir, d.Round(time.Millisecond), float64(n)/d.Seconds())
	fmt.Fprint(out, c.summary())
	return nil
}
