package natstest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// Cluster starts n in-process nats-servers with JetStream, routed to each
// other as one cluster ("test"), each storing in its own t.TempDir() and
// listening for clients on a random loopback port. It returns once every
// node accepts clients, which is before the cluster has elected a
// JetStream meta leader: a fresh cluster, as services meet it when they
// start together. Each node is shut down by t's cleanup (shutting one down
// earlier, to kill it, is fine).
func Cluster(t testing.TB, n int) []*server.Server {
	t.Helper()
	ports := make([]int, n)
	var routes []*url.URL
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", ports[i])})
	}
	servers := make([]*server.Server, n)
	for i := range servers {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "test", Host: "127.0.0.1", Port: ports[i]},
			Routes:     routes,
		}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		servers[i] = s
	}
	for _, s := range servers {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatal("natstest: a cluster node did not start")
		}
	}
	return servers
}

// ClusterURLs is the client URLs of servers, comma-separated, as a client
// given the whole cluster connects (and reconnects) to it.
func ClusterURLs(servers []*server.Server) string {
	var urls string
	for i, s := range servers {
		if i > 0 {
			urls += ","
		}
		urls += s.ClientURL()
	}
	return urls
}

// ClusterStore opens the event store with three replicas over a connection
// to every node of servers (reconnecting for ever, as services do), waiting
// for the cluster as New does. The connection closes when t ends.
func ClusterStore(t testing.TB, servers []*server.Server, opts ...jetstream.Option) *jetstream.Store {
	t.Helper()
	nc, err := nats.Connect(ClusterURLs(servers), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := jetstream.New(ctx, js, append([]jetstream.Option{jetstream.WithReplicas(3)}, opts...)...)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return s
}

// StreamLeader is the node of servers that leads store's stream now.
func StreamLeader(t testing.TB, servers []*server.Server, store *jetstream.Store) *server.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := store.JetStream().Stream(ctx, store.StreamName())
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	if info.Cluster != nil {
		for _, s := range servers {
			if s.Name() == info.Cluster.Leader {
				return s
			}
		}
	}
	t.Fatalf("natstest: stream %s has no leader among the servers (%+v)", store.StreamName(), info.Cluster)
	return nil
}
