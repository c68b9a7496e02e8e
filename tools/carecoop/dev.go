package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	demand "github.com/carecoop/carecoop/services/demand/server"
	framework "github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/servicecmd"
	monitoring "github.com/carecoop/carecoop/services/monitoring/server"
	notify "github.com/carecoop/carecoop/services/notify/server"
	portal "github.com/carecoop/carecoop/services/portal/server"
	purchasing "github.com/carecoop/carecoop/services/purchasing/server"
)

// readyLine is printed once every service serves; tests wait for it.
const readyLine = "carecoop dev: ready"

func runDev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	data := fs.String("data", ".carecoop", "data directory (JetStream store, dev signing key); reused on the next start")
	natsAddr := fs.String("nats-addr", "127.0.0.1:4222", "NATS listen address")
	frameworkAddr := fs.String("framework-addr", framework.DefaultAddr, "framework service gRPC address")
	purchasingAddr := fs.String("purchasing-addr", purchasing.DefaultAddr, "purchasing service gRPC address")
	demandAddr := fs.String("demand-addr", demand.DefaultAddr, "demand service gRPC address")
	monitoringAddr := fs.String("monitoring-addr", monitoring.DefaultAddr, "monitoring service gRPC address")
	notifyAddr := fs.String("notify-addr", notify.DefaultAddr, "notifications service gRPC address")
	portalAddr := fs.String("portal-addr", portal.DefaultAddr, "web portal HTTP address")
	natsSync := fs.String("nats-sync", "always", `when JetStream syncs the store to disk: "always" (every commit before it is acknowledged: a power loss loses nothing acknowledged) or an interval such as "2m" (faster writes; a power loss can lose up to that much acknowledged work)`)
	store := fs.String("store", esdbDefaultStore(), esdbStoreUsage)
	noSeed := fs.Bool("no-seed", false, "do not seed the north-west demo data on first start")
	verbose := fs.Bool("v", false, "log every request")
	exitWhenReady := fs.Bool("exit-when-ready", false, "print each service's time to ready and the process's peak memory once every service has built its read models, then stop ('make scale')")
	drain := fs.Bool("drain-reactions", false, "with --exit-when-ready: then wait until every reaction has caught up with the store (no durable consumer has an event pending) before stopping, so the next start begins where a long-running stack would be ('make scale')")
	reactionsFromEnd := fs.Bool("reactions-from-end", false, "reactions that have never run start after the store's last event instead of handling the whole history (a reaction that has run keeps its place): for a history whose reactions' work is already in it or not wanted, such as a simulated one ('make scale SCALE_REACTIONS=from-end')")
	heapProfile := fs.String("heap-profile", "", "with --exit-when-ready: write a heap profile (go tool pprof) of the ready stack to this file, to see which read models hold the memory")
	obsFlags := obsRegisterDevFlags(fs)
	if err := parseFlags(fs, args, os.Stdout, `Runs every service (framework, purchasing, demand, monitoring, notify) and the web
portal in one process on an embedded NATS with JetStream, its data in
--data, and seeds the north-west demo data on the first start. Ctrl-C stops it; the next start
resumes from the same data. One carecoop dev at a time may use a data
directory.
`); err != nil {
		return err
	}
	if !*exitWhenReady && (*drain || *heapProfile != "") {
		return errors.New("--drain-reactions and --heap-profile act when the stack is ready and stops: give --exit-when-ready too")
	}
	esdbURL, onESDB, err := servicecmd.IsESDB(*store)
	if err != nil {
		return err
	}
	if onESDB && *reactionsFromEnd {
		// The reactions' positions are the event stream's, the history's
		// end is EventStoreDB's: not one position to start after.
		return errors.New("--reactions-from-end works on the embedded JetStream store only, not with an esdb:// --store")
	}
	syncAlways, syncInterval, err := parseSync(*natsSync)
	if err != nil {
		return fmt.Errorf("--nats-sync: %w", err)
	}
	natsHost, natsPort, err := loopbackAddr(*natsAddr)
	if err != nil {
		return fmt.Errorf("--nats-addr: %w", err)
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
	// Every address is tried before anything starts: NATS on a port in use
	// would only say it was not ready after 10s.
	for _, a := range []struct{ flag, addr string }{{"--nats-addr", *natsAddr}, {"--framework-addr", *frameworkAddr},
		{"--purchasing-addr", *purchasingAddr}, {"--demand-addr", *demandAddr}, {"--monitoring-addr", *monitoringAddr}, {"--notify-addr", *notifyAddr}, {"--portal-addr", *portalAddr}} {
		if err := portFree(a.addr); err != nil {
			return fmt.Errorf("%s: %w", a.flag, err)
		}
	}
	log := zap.NewNop()
	if *verbose {
		if log, err = grpcserver.NewLogger(true); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()

	// Every service connects as its own NATS user (package natsperm), with
	// a password generated into the data directory on the first start.
	creds, err := natsserver.LoadOrCreateCredentials(dir)
	if err != nil {
		return err
	}
	users, err := natsserver.ServiceUsers(creds)
	if err != nil {
		return err
	}
	if natsPort == 0 {
		natsPort = -1 // port 0 picks a free one, as for the services (natsserver's 0 is 4222)
	}
	ns, err := natsserver.Start(natsserver.Options{DataDir: dir, Host: natsHost, Port: natsPort, ServerName: "carecoop-dev", Users: users,
		SyncAlways: syncAlways, SyncInterval: syncInterval, ReadyTimeout: storeRecovery})
	if err != nil {
		if perr := portFree(*natsAddr); perr != nil { // taken since the check
			return fmt.Errorf("--nats-addr: %w", perr)
		}
		return fmt.Errorf("starting NATS: %w", err)
	}
	defer ns.Shutdown()
	stores := map[string]eventstore.Store{}
	if onESDB {
		var closeStores func()
		if stores, closeStores, err = esdbStores(ctx, esdbURL, ns, creds, log); err != nil {
			return fmt.Errorf("--store: %w", err)
		}
		defer closeStores()
	}
	onJetStream := natsperm.Services() // the services storing in the embedded JetStream
	if onESDB {
		onJetStream = nil
	}
	for _, svc := range onJetStream {
		nc, err := ns.Connect(creds.ConnectOptions(svc)...)
		if err != nil {
			return err
		}
		defer nc.Close()
		js, err := natsjs.New(nc)
		if err != nil {
			return err
		}
		if stores[svc], err = jetstream.New(ctx, js); err != nil {
			return fmt.Errorf("%s: %w", svc, err)
		}
		if *reactionsFromEnd {
			if err := startReactionsAtEnd(ctx, js, stores[svc], svc); err != nil {
				return err
			}
		}
	}
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		return err
	}
	verifier, err := auth.NewKeyVerifier(key.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	ctx, obsLines, obsStop, err := obsFlags.start(ctx, log)
	if err != nil {
		return err
	}
	defer obsStop()
	svcs, err := startServices(ctx, serviceConfig{stores: stores, verifier: verifier, log: log, framework: *frameworkAddr, purchasing: *purchasingAddr,
		demand: *demandAddr, monitoring: *monitoringAddr, notify: *notifyAddr, portalURL: "http://" + *portalAddr}, true)
	if err != nil {
		return err
	}
	defer svcs.stop()
	if *exitWhenReady {
		for _, name := range []string{"framework", "purchasing", "demand", "monitoring", "notify"} {
			fmt.Printf("carecoop dev: %-10s ready after %v\n", name, svcs.ready[name].Round(time.Millisecond))
		}
		fmt.Printf("carecoop dev: all ready after %v; peak memory (VmHWM) %s\n", time.Since(began).Round(time.Millisecond), peakMemory())
		if err := writeHeapProfile(*heapProfile); err != nil || !*drain {
			return err
		}
		if err := drainReactions(ctx, ns.NATS()); err != nil {
			return err
		}
		fmt.Printf("carecoop dev: reactions caught up after %v; peak memory (VmHWM) %s\n", time.Since(began).Round(time.Millisecond), peakMemory())
		return nil
	}
	fw, pu, de, mo, no := svcs.fw, svcs.pu, svcs.de, svcs.mo, svcs.no
	if err := seedNotifyContacts(ctx, no.Addr.String(), key); err != nil {
		return fmt.Errorf("seeding notify contacts: %w", err)
	}

	if !*noSeed {
		summary, err := seedDemo(ctx, stores["framework"], key, seedAddrs{framework: fw.Addr.String(), purchasing: pu.Addr.String(),
			demand: de.Addr.String(), monitoring: mo.Addr.String()})
		if err != nil {
			return fmt.Errorf("seeding demo data: %w", err)
		}
		for _, line := range summary {
			fmt.Println("carecoop dev: " + line)
		}
	}
	if err := linkProviderResponders(ctx, no.Addr.String(), pu.Addr.String(), key); err != nil {
		return fmt.Errorf("seeding notify contacts: %w", err)
	}

	// The portal: its own NATS user (sessions only), the dev key to sign
	// people's service tokens, and the demo people on its sign-in page.
	people, err := devPeople(ctx, key, pu.Addr.String())
	if err != nil {
		return err
	}
	pnc, err := ns.Connect(creds.ConnectOptions(natsperm.Portal)...)
	if err != nil {
		return err
	}
	defer pnc.Close()
	pjs, err := natsjs.New(pnc)
	if err != nil {
		return err
	}
	po, err := portal.Start(ctx, portal.Config{Addr: *portalAddr, Framework: fw.Addr.String(), Purchasing: pu.Addr.String(),
		Demand: de.Addr.String(), Monitoring: mo.Addr.String(), Notify: no.Addr.String(), JetStream: pjs, Key: key, DevPeople: people, Logger: log})
	if err != nil {
		return err
	}
	defer po.Stop()

	for _, l := range obsLines {
		fmt.Println(l)
	}
	fmt.Printf(`carecoop dev: data in %s
  portal      %s  (sign in as any demo person)
  NATS        %s  (JetStream stream %s, subjects carecoop.evt.>; loopback only,
              a user per service, credentials in %s)
  framework   %s  carecoop.framework.v1.FrameworkService
  purchasing  %s  carecoop.purchasing.v1.PurchasingService
  demand      %s  carecoop.demand.v1.DemandService
  monitoring  %s  carecoop.monitoring.v1.MonitoringService
  notify      %s  carecoop.notify.v1.NotifyService (dev outbox: ListOutbox)
Get a token (printed alone on the last line):
  go run ./tools/carecoop token --data %s --org consortium:north-west --role consortium_lead
Call the API:
  grpcurl -plaintext -H "authorization: Bearer $TOKEN" %s carecoop.framework.v1.FrameworkService/ListFrameworks
Ctrl-C stops; the next start resumes from the same data.
%s
`, dir, po.URL, ns.ClientURL(), jetstream.DefaultStreamName, filepath.Join(dir, natsserver.CredentialsDir), fw.Addr, pu.Addr, de.Addr, mo.Addr, no.Addr, *data, fw.Addr, readyLine)

	select {
	case <-ctx.Done():
		fmt.Println("carecoop dev: shutting down")
		return nil
	case err := <-fw.Done():
		if err == nil {
			err = errors.New("framework service stopped")
		}
		return err
	case err := <-pu.Done():
		if err == nil {
			err = errors.New("purchasing service stopped")
		}
		return err
	case err := <-de.Done():
		if err == nil {
			err = errors.New("demand service stopped")
		}
		return err
	case err := <-mo.Done():
		if err == nil {
			err = errors.New("monitoring service stopped")
		}
		return err
	case err := <-no.Done():
		if err == nil {
			err = errors.New("notify service stopped")
		}
		return err
	case err := <-po.Done():
		if err == nil {
			err = errors.New("portal stopped")
		}
		return err
	}
}

// serviceConfig is what startServices needs: a store (own NATS user) and an
// address per service.
type serviceConfig struct {
	stores                                            map[string]eventstore.Store
	verifier                                          auth.Verifier
	log                                               *zap.Logger
	framework, purchasing, demand, monitoring, notify string
	portalURL                                         string // notifications link here
}

// services are the running services of the stack.
type services struct {
	fw *framework.Running
	pu *purchasing.Running
	de *demand.Running
	mo *monitoring.Running
	no *notify.Running
	// ready is how long each took to build its read models, from the call.
	ready map[string]time.Duration
}

// stop stops the services started, the last first.
func (s *services) stop() {
	if s.no != nil {
		s.no.Stop()
	}
	if s.mo != nil {
		s.mo.Stop()
	}
	if s.de != nil {
		s.de.Stop()
	}
	if s.pu != nil {
		s.pu.Stop()
	}
	if s.fw != nil {
		s.fw.Stop()
	}
}

// startServices starts every service and returns once each has built its
// read models. Concurrently: each catches up from its own connection and
// none calls another while it starts, so the stack is ready when the
// slowest is rather than after the sum of all (issue 16). concurrent false
// starts them one after another, as before: BenchmarkDevColdStart's
// baseline.
func startServices(ctx context.Context, c serviceConfig, concurrent bool) (*services, error) {
	s := &services{ready: map[string]time.Duration{}}
	began := time.Now()
	var mu sync.Mutex
	// Reflection on: in the dev stack grpcurl needs no proto files.
	starts := []func() error{
		func() (err error) {
			s.fw, err = framework.Start(ctx, framework.Config{Addr: c.framework, Store: c.stores["framework"], Verifier: c.verifier, Logger: c.log, Reflection: true})
			return err
		},
		func() (err error) {
			s.pu, err = purchasing.Start(ctx, purchasing.Config{Addr: c.purchasing, Store: c.stores["purchasing"], Verifier: c.verifier, Logger: c.log, Reflection: true})
			return err
		},
		func() (err error) {
			s.de, err = demand.Start(ctx, demand.Config{Addr: c.demand, Store: c.stores["demand"], Verifier: c.verifier, Logger: c.log, Reflection: true})
			return err
		},
		func() (err error) {
			s.mo, err = monitoring.Start(ctx, monitoring.Config{Addr: c.monitoring, Store: c.stores["monitoring"], Verifier: c.verifier, Logger: c.log, Reflection: true})
			return err
		},
		func() (err error) {
			// Notifications go to the dev outbox (ListOutbox, the portal's
			// /dev/outbox), linking to this portal; nothing leaves the machine.
			s.no, err = notify.Start(ctx, notify.Config{Addr: c.notify, Store: c.stores["notify"], Verifier: c.verifier, Logger: c.log, Reflection: true},
				notify.WithDev(true), notify.WithPortalURL(c.portalURL))
			return err
		},
	}
	names := []string{"framework", "purchasing", "demand", "monitoring", "notify"}
	errs := make([]error, len(starts))
	run := func(i int) {
		errs[i] = starts[i]()
		mu.Lock()
		s.ready[names[i]] = time.Since(began)
		mu.Unlock()
	}
	if concurrent {
		var wg sync.WaitGroup
		for i := range starts {
			wg.Go(func() { run(i) })
		}
		wg.Wait()
	} else {
		for i := range starts {
			if run(i); errs[i] != nil {
				break
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// loopbackAddr splits the dev NATS address, refusing a host other
// machines could reach: the dev stack's credentials sit in its data
// directory and its traffic is plaintext.
func loopbackAddr(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", 0, fmt.Errorf("%s: the dev NATS listens on loopback only (127.0.0.1, ::1 or localhost); "+
			"for a NATS other machines use, run the cluster in deploy/ (TLS, a user per service)", addr)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", 0, err
	}
	return host, port, nil
}

// portFree reports, as an error naming addr, that nothing may listen on it:
// in use (by another carecoop dev or another program) or not bindable.
func portFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s is in use: another program (another carecoop dev?) listens there; stop it or choose another address", addr)
	}
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	return l.Close()
}

// seedDemo seeds what is not seeded yet and returns lines to print.
func seedDemo(ctx context.Context, store eventstore.Store, key ed25519.PrivateKey, addrs seedAddrs) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	seeded, err := seedIfEmpty(ctx, addrs.framework, key)
	if err != nil {
		return nil, err
	}
	pos, err := store.LastPosition(ctx)
	if err != nil {
		return nil, err
	}
	// Monitoring's first policy goes in before purchasing's past awards
	// become contracts (see seedRiskPolicyIfDefault).
	policy, err := seedRiskPolicyIfDefault(ctx, addrs.monitoring, key, pos)
	if err != nil {
		return nil, err
	}
	more, err := seedPurchasingIfEmpty(ctx, addrs.purchasing, key)
	if err != nil {
		return nil, err
	}
	seeded = seeded || more || policy != nil
	if err := seedCallOff(ctx, addrs, key); err != nil {
		return nil, err
	}
	if err := seedAgreementIfEmpty(ctx, addrs.purchasing, key); err != nil {
		return nil, err
	}
	if pos, err = store.LastPosition(ctx); err != nil {
		return nil, err
	}
	if more, err = seedDemandIfEmpty(ctx, addrs.demand, key, pos); err != nil {
		return nil, err
	}
	if err := seedBlockIfEmpty(ctx, addrs.purchasing, key, pos); err != nil {
		return nil, err
	}
	seeded = seeded || more
	var out []string
	if seeded {
		out = append(out, "seeded the north-west demo data")
	}
	if policy != nil {
		summary, err := seedMonitoring(ctx, addrs, key, pos, policy)
		if err != nil {
			return nil, err
		}
		out = append(out, summary)
	}
	return out, nil
}

// parseSync reads --nats-sync: "always", or a positive interval.
func parseSync(v string) (always bool, interval time.Duration, err error) {
	if v == "always" {
		return true, 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return false, 0, fmt.Errorf(`%q is neither "always" nor a positive duration such as "2m"`, v)
	}
	return false, d, nil
}

// peakMemory is the process's peak resident set (Linux's VmHWM), or "unknown".
func peakMemory() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// writeHeapProfile collects garbage first, so the profile and the live heap
// printed beside it are what the ready read models hold, not what replay left.
func writeHeapProfile(path string) error {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("carecoop dev: live heap after GC %d MiB\n", ms.HeapAlloc>>20)
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--heap-profile: %w", err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--heap-profile: %w", err)
	}
	return f.Close()
}
