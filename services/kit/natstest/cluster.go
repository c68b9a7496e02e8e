package natstest

import (
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
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
