package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/kit/natsserver"
)

// simScale is the size of the simulated market.
type simScale struct {
	providers, settingsPer, councils int
}

var simScales = map[string]simScale{
	"national": {providers: 5209, settingsPer: 3, councils: 153},
	"region":   {providers: 521, settingsPer: 3, councils: 15}, // a tenth: one consortium
}

// simulate writes a history of about `events` events to the stream through
// the store's commit encoding (jetstream.CommitMsg, versions numbered here,
// published asynchronously), deterministic for a seed: a DPS with every
// provider admitted and their settings and vacancies, then month after month
// a return for every setting (monitoring) and referrals awarded to settings,
// with vacancies republished (purchasing). It is a first cut (issue 16): no
// framework or demand events, no ReferralMatched commits (the large ones),
// and events are written as the services would record them, not decided.
func simulate(ctx context.Context, js natsjs.JetStream, seed uint64, events int, sc simScale, progress io.Writer) (int, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(events)))
	england := geo.InCountry("England")
	start := time.Date(2024, time.January, 1, 9, 0, 0, 0, time.UTC)
	versions := map[eventstore.StreamID]uint64{}
	written, pending := 0, 0
	began := time.Now()
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
	publish := func(at time.Time, sid eventstore.StreamID, evs ...proto.Message) error {
		msg, err := jetstream.CommitMsg(sid, versions[sid], eventstore.Metadata{OccurredAt: at,
			Actor: eventstore.Actor{Subject: "simulate", Organisation: "consortium:england", Role: "system"}}, evs...)
		if err != nil {
			return err
		}
		f, err := js.PublishMsgAsync(msg)
		if err != nil {
			return err
		}
		futures = append(futures, f)
		versions[sid] += uint64(len(evs))
		written += len(evs)
		if pending++; pending >= 4096 {
			if err := flush(); err != nil {
				return err
			}
			if progress != nil {
				fmt.Fprintf(progress, "\rsimulate: %d events (%.0f/s)", written, float64(written)/time.Since(began).Seconds())
			}
		}
		return nil
	}
	const dpsID = "dps-england"
	dps := eventstore.StreamID{Context: "purchasing", Aggregate: "dps", ID: dpsID}
	cats := []struct {
		id string
		t  purchasingv1.SettingType
	}{{"residential", purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}, {"fostering", purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY}, {"supported-16-plus", purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION}}
	terms := &purchasingv1.DpsTerms{Title: "England DPS", EndsOn: "2034-12-31", MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD}
	for c := range sc.councils {
		terms.MemberCouncils = append(terms.MemberCouncils, fmt.Sprint(300+c))
	}
	for _, c := range cats {
		terms.Categories = append(terms.Categories, &purchasingv1.Category{Id: c.id, Name: c.id, SettingTypes: []purchasingv1.SettingType{c.t}})
	}
	if err := publish(start, dps, &purchasingv1.DpsCreated{DpsId: dpsID, Consortium: "england", Terms: terms}, &purchasingv1.DpsOpened{DpsId: dpsID}); err != nil {
		return written, err
	}
	type setting struct {
		provider, urn, outcode, cat string
		t                           purchasingv1.SettingType
	}
	var settings []setting
	for p := range sc.providers {
		pid := fmt.Sprintf("provider-%05d", p)
		cat := cats[[]int{0, 0, 0, 1, 2}[rng.IntN(5)]]
		evs := []proto.Message{&purchasingv1.ProviderRegistered{ProviderId: pid, Profile: &purchasingv1.ProviderProfile{LegalName: "Provider " + pid + " Ltd"}}}
		for s := range sc.settingsPer {
			st := setting{provider: pid, urn: fmt.Sprintf("SC%06d", p*sc.settingsPer+s), outcode: england[rng.IntN(len(england))].Code, cat: cat.id, t: cat.t}
			settings = append(settings, st)
			evs = append(evs, &purchasingv1.SettingAdded{ProviderId: pid, Setting: &purchasingv1.Setting{Urn: st.urn, Name: "Home " + st.urn, Type: cat.t,
				RegisteredPlaces: uint32(2 + rng.IntN(4)), Outcode: st.outcode, OfstedGrade: []purchasingv1.OfstedGrade{1, 2, 2, 2, 3}[rng.IntN(5)], OfstedDate: "2023-09-01"}})
		}
		if err := publish(start, eventstore.StreamID{Context: "purchasing", Aggregate: "provider", ID: pid}, evs...); err != nil {
			return written, err
		}
		if err := publish(start, dps, &purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: pid, CategoryIds: []string{cat.id}, ReceivedOn: "2024-01-01", DecisionDueOn: "2024-01-15"},
			&purchasingv1.ProviderAdmitted{DpsId: dpsID, ProviderId: pid, CategoryId: cat.id, Reason: "meets criteria", ProviderName: "Provider " + pid + " Ltd", Consortium: "england"}); err != nil {
			return written, err
		}
	}
	referral := 0
	for month := 0; written < events; month++ {
		at := start.AddDate(0, month, 0)
		period := at.Format("2006-01")
		for _, st := range settings {
			if written >= events {
				break
			}
			// Monitoring: the setting's monthly return.
			f := &monitoringv1.ReturnFigures{RegisteredPlaces: 4, OccupiedPlaces: float64(2 + rng.IntN(3)), StaffInPost: 12, StaffLeavers: uint32(rng.IntN(3)),
				AgencyShiftPercent: float64(rng.IntN(35)), MissingEpisodes: uint32(rng.IntN(4)), EducationAttendancePercent: 80 + float64(rng.IntN(20))}
			if err := publish(at, eventstore.StreamID{Context: "monitoring", Aggregate: "setting", ID: st.urn}, &monitoringv1.MonitoringReturnSubmitted{
				Urn: st.urn, ProviderId: st.provider, Period: period, Figures: f, DueOn: at.AddDate(0, 1, 9).Format(time.DateOnly), Revision: 1, SubmittedAt: timestamppb.New(at.AddDate(0, 1, 5))}); err != nil {
				return written, err
			}
			// Purchasing: a vacancy, and for about half the settings a
			// referral awarded to it.
			if err := publish(at, eventstore.StreamID{Context: "purchasing", Aggregate: "provider", ID: st.provider}, &purchasingv1.VacancyPublished{
				ProviderId: st.provider, Urn: st.urn, FreePlaces: 1, AvailableFrom: at.Format(time.DateOnly), SettingType: st.t, Outcode: st.outcode}); err != nil {
				return written, err
			}
			if rng.IntN(2) == 0 {
				referral++
				ref := fmt.Sprintf("ref-%08d", referral)
				council := fmt.Sprint(300 + rng.IntN(sc.councils))
				rs := eventstore.StreamID{Context: "purchasing", Aggregate: "referral", ID: ref}
				need := &purchasingv1.Need{CategoryId: st.cat, AgeYears: uint32(8 + rng.IntN(10)), HomeOutcode: england[rng.IntN(len(england))].Code, MaxDistanceMiles: 40,
					StartBy: at.AddDate(0, 0, 14).Format(time.DateOnly), WeeklyBudgetPence: 700000, ExpectedDurationWeeks: 26, Needs: []string{"emotional_behavioural"}}
				if err := publish(at, rs, &purchasingv1.ReferralCreated{ReferralId: ref, Council: council, DpsId: dpsID, Consortium: "england", Need: need, CreatedAt: timestamppb.New(at), CategoryName: st.cat}); err != nil {
					return written, err
				}
				if err := publish(at.Add(48*time.Hour), rs, &purchasingv1.PlacementAwarded{PlacementId: "pl-" + ref, ReferralId: ref, Council: council, Consortium: "england", DpsId: dpsID,
					CategoryId: st.cat, ProviderId: st.provider, SettingUrn: st.urn, WeeklyPricePence: int64(300000 + rng.IntN(500000)), StartDate: at.AddDate(0, 0, 14).Format(time.DateOnly),
					ExpectedDurationWeeks: 26, HomeOutcode: need.HomeOutcode, SettingOutcode: st.outcode}); err != nil {
					return written, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return written, err
	}
	if progress != nil {
		fmt.Fprintf(progress, "\rsimulate: %d events\n", written)
	}
	return written, nil
}

func runSimulate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	data := fs.String("data", ".carecoop", "data directory of the JetStream store to write to (a 'carecoop dev' data directory); it must not be in use")
	events := fs.Int("events", 100_000, "number of events to write")
	scale := fs.String("scale", "region", "market size: region (one consortium, 521 providers) or national (5,209 providers, 153 councils)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed, events and scale write the same history")
	if err := parseFlags(fs, args, out, `Writes a generated history of the services' own events into the event store
in --data, deterministic from --seed, for scale tests and benchmarks ('make
scale'); 'carecoop dev --no-seed --data DIR' then starts on it.
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
	n, err := simulate(ctx, js, *seed, *events, sc, out)
	if err != nil {
		return err
	}
	d := time.Since(t)
	fmt.Fprintf(out, "simulate: wrote %d events (%s scale, seed %d) to %s in %v (%.0f events/s)\n", n, *scale, *seed, dir, d.Round(time.Millisecond), float64(n)/d.Seconds())
	return nil
}
