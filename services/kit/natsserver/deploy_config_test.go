package natsserver_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// deployTLSDir is where deploy/nats/*.conf expect the certificates.
const deployTLSDir = "/etc/nats/tls/"

// TestDeployClusterConfig parses deploy/nats/*.conf with nats-server's own
// parser (certificates from a test CA in place of /etc/nats/tls), checks
// TLS and that each service's user has natsperm's permissions, then runs
// the three nodes on loopback (ports and hosts swapped for free local
// ones): a service stores events in an R3 event stream over TLS, a
// plaintext client is refused, and purchasing cannot publish monitoring's
// events.
func TestDeployClusterConfig(t *testing.T) {
	for _, user := range natsperm.Users() {
		t.Setenv(strings.ToUpper(user)+"_NATS_PASSWORD", "test-"+user)
	}
	certs := natstest.TLS(t, "127.0.0.1", "localhost", "carecoop-nats-1", "carecoop-nats-2", "carecoop-nats-3")
	confDir := deployConfigs(t, certs.Dir+"/")

	clusterPorts := []int{freePort(t), freePort(t), freePort(t)}
	var routes []*url.URL
	for _, p := range clusterPorts {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	names := map[string]bool{}
	var servers []*server.Server
	for i := 1; i <= 3; i++ {
		opts, err := server.ProcessConfigFile(filepath.Join(confDir, fmt.Sprintf("nats-%d.conf", i)))
		if err != nil {
			t.Fatalf("nats-%d.conf: %v", i, err)
		}
		if !opts.JetStream || opts.Cluster.Name != "carecoop" || len(opts.Routes) != 3 {
			t.Fatalf("nats-%d.conf: jetstream %v, cluster %q, %d routes; want JetStream in cluster carecoop with 3 routes",
				i, opts.JetStream, opts.Cluster.Name, len(opts.Routes))
		}
		if opts.TLSConfig == nil || opts.AllowNonTLS || opts.HTTPSPort == 0 || opts.HTTPPort != 0 {
			t.Fatalf("nats-%d.conf: clients and monitoring must be TLS only", i)
		}
		if opts.Cluster.TLSConfig == nil || opts.Cluster.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert {
			t.Fatalf("nats-%d.conf: routes must be mutual TLS", i)
		}
		checkUsers(t, fmt.Sprintf("nats-%d.conf", i), opts.Users)
		if names[opts.ServerName] {
			t.Fatalf("server name %s used twice", opts.ServerName)
		}
		names[opts.ServerName] = true
		// Same configuration, loopback addresses.
		opts.Host, opts.Port, opts.HTTPSPort = "127.0.0.1", -1, 0
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
	addr := servers[0].ClientURL()
	connect := func(svc string, opts ...nats.Option) (*nats.Conn, error) {
		return nats.Connect(addr, append([]nats.Option{nats.UserInfo(svc, "test-"+svc),
			nats.CustomInboxPrefix(natsperm.InboxPrefix(svc)), nats.MaxReconnects(0)}, opts...)...)
	}
	if nc, err := connect("framework"); err == nil {
		nc.Close()
		t.Fatal("a plaintext client connected")
	}
	nc, err := connect("framework", nats.RootCAs(certs.CA))
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

	pu, err := connect("purchasing", nats.RootCAs(certs.CA), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer pu.Close()
	forged := "carecoop.evt.monitoring.risk.north-west-pennine-pathways"
	if err := pu.Publish(forged, []byte("forged")); err != nil {
		t.Fatal(err)
	}
	// The -ERR for the publish arrives before the PONG of the flush.
	if err := pu.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := pu.LastError(); !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), forged) {
		t.Fatalf("purchasing publishing on %s: last error %v, want a permissions violation", forged, err)
	}
}

// deployConfigs copies deploy/nats/*.conf into a temp dir with the
// certificate directory replaced by tlsDir, and returns the temp dir.
func deployConfigs(t *testing.T, tlsDir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "deploy", "nats", "*.conf"))
	if err != nil || len(files) < 4 {
		t.Fatalf("deploy/nats: %d config files (%v), want the three nodes' and authorization.conf", len(files), err)
	}
	dir := t.TempDir()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		conf := strings.ReplaceAll(string(data), deployTLSDir, tlsDir)
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkUsers fails unless users are the services' users and the
// operator's, with their passwords from the environment and natsperm's
// permissions.
func checkUsers(t *testing.T, conf string, users []*server.User) {
	t.Helper()
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
		if want := "test-" + u.Username; u.Password != want {
			t.Fatalf("%s: user %s has password %q, want %q from the environment", conf, u.Username, u.Password, want)
		}
		want, err := natsserver.ServicePermissions(u.Username)
		if err != nil {
			t.Fatalf("%s: %v", conf, err)
		}
		got := u.Permissions
		if got == nil || got.Publish == nil || got.Subscribe == nil || got.Response != nil {
			t.Fatalf("%s: user %s needs publish and subscribe permissions (and no responses)", conf, u.Username)
		}
		for _, c := range []struct {
			what      string
			got, want []string
		}{
			{"publish allow", got.Publish.Allow, want.Publish.Allow},
			{"publish deny", got.Publish.Deny, want.Publish.Deny},
			{"subscribe allow", got.Subscribe.Allow, want.Subscribe.Allow},
			{"subscribe deny", got.Subscribe.Deny, want.Subscribe.Deny},
		} {
			if !slices.Equal(sorted(c.got), sorted(c.want)) {
				t.Errorf("%s: user %s's %s is\n  %q\nnatsperm says\n  %q", conf, u.Username, c.what, sorted(c.got), sorted(c.want))
			}
		}
	}
	if want := natsperm.Users(); !slices.Equal(sorted(names), sorted(want)) {
		t.Fatalf("%s: users %q, want one per service and the operator %q", conf, names, want)
	}
}

// quiet keeps nats.go from printing the violations a test reads from LastError.
var quiet = nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
