package natsserver_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// TestDeployClusterConfig parses deploy/nats/*.conf with nats-server's own
// parser, then runs the three nodes on loopback (ports and hosts swapped for
// free local ones) and stores events in an R3 event stream on them.
func TestDeployClusterConfig(t *testing.T) {
	for _, svc := range []string{"FRAMEWORK", "PURCHASING", "DEMAND", "MONITORING"} {
		t.Setenv(svc+"_NATS_PASSWORD", "test-"+svc)
	}
	clusterPorts := []int{freePort(t), freePort(t), freePort(t)}
	var routes []*url.URL
	for _, p := range clusterPorts {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	names := map[string]bool{}
	var servers []*server.Server
	for i := 1; i <= 3; i++ {
		opts, err := server.ProcessConfigFile(filepath.Join("..", "..", "..", "deploy", "nats", fmt.Sprintf("nats-%d.conf", i)))
		if err != nil {
			t.Fatalf("nats-%d.conf: %v", i, err)
		}
		if !opts.JetStream || opts.Cluster.Name != "carecoop" || len(opts.Routes) != 3 || len(opts.Users) != 4 {
			t.Fatalf("nats-%d.conf: jetstream %v, cluster %q, %d routes, %d users; want JetStream in cluster carecoop with 3 routes and 4 service users",
				i, opts.JetStream, opts.Cluster.Name, len(opts.Routes), len(opts.Users))
		}
		if names[opts.ServerName] {
			t.Fatalf("server name %s used twice", opts.ServerName)
		}
		names[opts.ServerName] = true
		// Same configuration, loopback addresses.
		opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, 0
		opts.Cluster.Host, opts.Cluster.Port = "127.0.0.1", clusterPorts[i-1]
		opts.Routes = routes
		opts.StoreDir = t.TempDir()
		opts.NoSigs = true
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go s.Start()
		t.Cleanup(s.Shutdown)
		servers = append(servers, s)
	}
	for _, s := range servers {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatal("a cluster node did not start")
		}
	}
	nc, err := nats.Connect(servers[0].ClientURL(), nats.UserInfo("framework", "test-FRAMEWORK"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var store *jetstream.Store
	for { // the JetStream meta leader takes a moment to be elected
		attempt, stop := context.WithTimeout(ctx, 2*time.Second)
		store, err = jetstream.New(attempt, js, jetstream.WithReplicas(3))
		stop()
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		for _, s := range servers {
			t.Logf("%s: routes %d, jetstream %v, clustered %v", s.Name(), s.NumRoutes(), s.JetStreamEnabled(), s.JetStreamIsClustered())
		}
		t.Fatalf("creating the R3 event stream: %v", err)
	}
	info, err := js.Stream(ctx, store.StreamName())
	if err != nil {
		t.Fatal(err)
	}
	if r := info.CachedInfo().Config.Replicas; r != 3 {
		t.Fatalf("event stream has %d replicas, want 3", r)
	}
	sid := eventstore.StreamID{Context: "framework", Aggregate: "framework", ID: "fw-cluster"}
	if _, err := store.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{RequestID: "cluster-1"}, wrapperspb.String("stored on three nodes")); err != nil {
		t.Fatal(err)
	}
	got, err := store.ReadStream(ctx, sid)
	if err != nil || len(got) != 1 {
		t.Fatalf("read back %d events, %v", len(got), err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
