package jetstream_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// Every service opens its store the moment it starts, and a deployment
// starts them together, often with the NATS cluster itself: the stores must
// wait for the cluster to elect its leaders and for one of them to create
// the stream, not give up on the first timeout. Ten fresh clusters, each
// with every service's store opened at once, as cmd/<service> opens it (a
// context without a deadline: it ends only on SIGTERM).
func TestFaultFreshClusterStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ten three-node clusters")
	}
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	for run := range 10 {
		start := time.Now()
		servers := natstest.Cluster(t, 3)
		urls := natstest.ClusterURLs(servers)
		// Not a deadline (the client would then wait that long for each
		// request): a start that never completes fails the test here.
		ctx, cancel := context.WithCancel(t.Context())
		watchdog := time.AfterFunc(time.Minute, cancel)
		var wg sync.WaitGroup
		errs := make(chan error, len(natsperm.Services()))
		for _, svc := range natsperm.Services() {
			nc, err := nats.Connect(urls, nats.Name(svc), nats.MaxReconnects(-1))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			js, err := natsjs.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				if _, err := jetstream.New(ctx, js, jetstream.WithReplicas(3), jetstream.WithLogger(log.With(zap.String("service", svc)))); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		watchdog.Stop()
		cancel()
		close(errs)
		for err := range errs {
			t.Errorf("run %d: a service's store did not open on a fresh cluster: %v", run, err)
		}
		t.Logf("run %d: every store open %s after the cluster started", run, time.Since(start).Round(time.Millisecond))
		for _, s := range servers {
			s.Shutdown()
		}
	}
}
