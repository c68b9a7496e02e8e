// Package natsserver runs a nats-server with JetStream inside the current
// process: the embedded default of `carecoop dev` and of every test that needs
// a real event store.
package natsserver

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// DefaultReadyTimeout bounds how long Start waits for the server to accept clients.
const DefaultReadyTimeout = 10 * time.Second

// Options configures an embedded server. The zero value (plus a DataDir) is a
// loopback server on the standard NATS port.
type Options struct {
	// DataDir holds the server's state, in DataDir/nats (JetStream under
	// DataDir/nats/jetstream), so the directory can hold other things too.
	// Required: an event store must not silently live in a temp dir.
	DataDir string
	// Host to listen on; defaults to 127.0.0.1 so a dev server is not exposed.
	Host string
	// Port to listen on: 0 means the NATS default (4222), -1 a random free port.
	Port int
	// DontListen serves in-process connections only (Connect), no TCP listener.
	DontListen bool
	// ServerName names the server in logs and JetStream metadata.
	ServerName string
	// JetStreamMaxMemory and JetStreamMaxStore cap JetStream's resources
	// (0 lets the server size them from the machine).
	JetStreamMaxMemory int64
	JetStreamMaxStore  int64
	// Logging turns on the server's own log on stderr (off by default: the
	// embedding process has its own logger).
	Logging bool
	// Debug and Trace make that log verbose; they imply Logging.
	Debug, Trace bool
	// SyncAlways makes JetStream flush every write to disk (fsync) before
	// it acknowledges it: an acknowledged commit survives a power loss or
	// a kernel crash. Without it the server writes each message to its
	// file before acknowledging (so a process crash loses nothing) but
	// syncs only every SyncInterval, and a power loss can lose what was
	// acknowledged since the last sync. See docs/eventstore.md.
	SyncAlways bool
	// SyncInterval is how often JetStream syncs when not SyncAlways
	// (0: the server's default, 2 minutes).
	SyncInterval time.Duration
	// ReadyTimeout overrides DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// Users, if set, are the only clients the server accepts, each with its
	// own permissions (ServiceUsers makes one per service). Without them
	// anyone who reaches the port may do anything.
	Users []*server.User
}

// Server is a running embedded nats-server.
type Server struct {
	ns         *server.Server
	dontListen bool
}

// Start runs a server and returns once it accepts clients.
func Start(opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, errors.New("natsserver: DataDir is required")
	}
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	sopts := &server.Options{
		ServerName:         opts.ServerName,
		Host:               host,
		Port:               opts.Port,
		DontListen:         opts.DontListen,
		JetStream:          true,
		StoreDir:           filepath.Join(opts.DataDir, "nats"),
		JetStreamMaxMemory: opts.JetStreamMaxMemory,
		JetStreamMaxStore:  opts.JetStreamMaxStore,
		// The embedding process owns signals; the server must not exit it on SIGTERM.
		NoSigs: true,
		NoLog:  !(opts.Logging || opts.Debug || opts.Trace),
		Debug:  opts.Debug,
		Trace:  opts.Trace,
		Users:  opts.Users,

		SyncAlways:   opts.SyncAlways,
		SyncInterval: opts.SyncInterval,
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("natsserver: %w", err)
	}
	if !sopts.NoLog {
		ns.ConfigureLogger()
	}
	go ns.Start()

	timeout := opts.ReadyTimeout
	if timeout <= 0 {
		timeout = DefaultReadyTimeout
	}
	if !ns.ReadyForConnections(timeout) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("natsserver: not ready for connections after %s", timeout)
	}
	return &Server{ns: ns, dontListen: opts.DontListen}, nil
}

// ClientURL is the URL clients connect to ("" when DontListen).
func (s *Server) ClientURL() string {
	if s.dontListen {
		return ""
	}
	return s.ns.ClientURL()
}

// Connect opens a client connection: in-process when the server does not
// listen, over TCP otherwise. opts are appended to the defaults.
func (s *Server) Connect(opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{nats.Name("carecoop-embedded")}
	if s.dontListen {
		base = append(base, nats.InProcessServer(s.ns))
	}
	nc, err := nats.Connect(s.ClientURL(), append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("natsserver: connect: %w", err)
	}
	return nc, nil
}

// NATS exposes the underlying server (monitoring, JetStream state in tests).
func (s *Server) NATS() *server.Server { return s.ns }

// Shutdown stops the server and waits until it has released its store, so the
// data dir can be reopened or removed right after.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}
