// Package servicecmd is the one main of every service run alone against a
// NATS cluster (cmd/<service>): flags, logging, token verification, the
// NATS connection and the event store, then the service until SIGINT or
// SIGTERM.
package servicecmd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// Env is what a service gets from its standalone host.
type Env struct {
	Addr       string
	Store      eventstore.Store
	JetStream  natsjs.JetStream
	Verifier   auth.Verifier
	Logger     *zap.Logger
	Transport  grpcserver.Transport
	Reflection bool
	// Metrics of the service, served on -metrics-addr (nil: none).
	Metrics *metrics.Metrics
}

// ServiceConfig is the service's configuration from env.
func (env Env) ServiceConfig() grpcserver.ServiceConfig {
	return grpcserver.ServiceConfig{Addr: env.Addr, Store: env.Store, Verifier: env.Verifier, Logger: env.Logger,
		Transport: env.Transport, Reflection: env.Reflection, Metrics: env.Metrics}
}

// Service is a started service.
type Service interface {
	Stop()
	Done() <-chan error
}

// Main runs the named service; it exits the process with status 1 on error.
func Main(name, defaultAddr string, start func(ctx context.Context, env Env) (Service, error)) {
	if err := run(name, defaultAddr, start); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

func run(name, defaultAddr string, start func(ctx context.Context, env Env) (Service, error)) error {
	listen := flag.String("listen", defaultAddr, "gRPC listen address")
	var natsCfg NATSFlags
	natsCfg.Register(flag.CommandLine)
	replicas := flag.Int("replicas", 1, "JetStream replicas of the event stream (3 on a cluster)")
	pubKey := flag.String("jwt-public-key", "", "Ed25519 public key (PEM) that signs tokens")
	jwksURL := flag.String("jwks-url", "", "JWKS URL that publishes the token signing keys (instead of -jwt-public-key)")
	dev := flag.Bool("dev-log", false, "human-readable logs")
	var transport grpcserver.Transport
	flag.StringVar(&transport.CertFile, "tls-cert", "", "TLS certificate chain (PEM) of the gRPC port")
	flag.StringVar(&transport.KeyFile, "tls-key", "", "private key (PEM) of -tls-cert")
	flag.StringVar(&transport.ClientCAFile, "tls-client-ca", "", "CA certificates (PEM); clients must present a certificate one of them signed (mutual TLS)")
	flag.BoolVar(&transport.Insecure, "insecure", false, "serve plaintext gRPC on an address that is not loopback (only behind a proxy or mesh that terminates TLS)")
	storeFlag := RegisterStore(flag.CommandLine)
	reflection := flag.Bool("reflection", false, "serve gRPC reflection, which describes every RPC to anyone who can connect")
	var obs ObsFlags
	obs.Register(flag.CommandLine)
	flag.Parse()
	// Before anything connects: a wrong -listen or TLS setting fails at once.
	if err := transport.CheckAddr(*listen); err != nil {
		return err
	}

	log, err := grpcserver.NewLogger(*dev)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var verifier auth.Verifier
	switch {
	case *jwksURL != "":
		verifier, err = auth.NewJWKSVerifier(ctx, *jwksURL)
	case *pubKey != "":
		verifier, err = auth.NewPublicKeyFileVerifier(*pubKey)
	default:
		return fmt.Errorf("one of -jwt-public-key or -jwks-url is required")
	}
	if err != nil {
		return err
	}
	nc, err := natsCfg.Connect(name)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		return err
	}
	// Waits for the cluster (logged), until SIGTERM: services start with it.
	store, closeStore, err := esdbOpenStore(ctx, *storeFlag, js, *replicas, log)
	if err != nil {
		return err
	}
	defer closeStore()
	m, stopObs, err := obs.Start(ctx, name, log)
	if err != nil {
		return err
	}
	defer stopObs()
	svc, err := start(ctx, Env{Addr: *listen, Store: store, JetStream: js, Verifier: verifier, Logger: log,
		Transport: transport, Reflection: *reflection, Metrics: m})
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		svc.Stop()
		return nil
	case err := <-svc.Done():
		return err
	}
}

// NATSFlags are how a process (a service, the portal) reaches NATS: the
// URL, TLS and credentials. Every process connects with the same flags.
type NATSFlags struct{ url, ca, cert, key, creds string }

// Register adds -nats, -nats-ca, -nats-cert, -nats-key and -nats-creds to fs.
func (f *NATSFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "nats", nats.DefaultURL, "NATS URL(s), comma-separated")
	fs.StringVar(&f.ca, "nats-ca", "", "CA certificates (PEM) that sign the NATS servers' certificates; requires TLS")
	fs.StringVar(&f.cert, "nats-cert", "", "client certificate (PEM) for NATS servers that ask for one")
	fs.StringVar(&f.key, "nats-key", "", "private key (PEM) of -nats-cert")
	fs.StringVar(&f.creds, "nats-creds", "", "NATS credentials file (user JWT and NKey seed), instead of NATS_USER and NATS_PASSWORD")
}

// Connect connects as the NATS user name (natsperm): its reply subjects
// under the user's own inbox prefix, the only ones it may subscribe to.
func (f NATSFlags) Connect(name string) (*nats.Conn, error) {
	opts, err := f.options(name)
	if err != nil {
		return nil, err
	}
	url := f.url
	if url == "" {
		url = nats.DefaultURL
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	return nc, nil
}

// options are the connection options of the user name.
func (f NATSFlags) options(name string) ([]nats.Option, error) {
	opts := []nats.Option{nats.Name("carecoop-" + name), nats.MaxReconnects(-1),
		// Its NATS user may subscribe only under this prefix (natsperm).
		nats.CustomInboxPrefix(natsperm.InboxPrefix(name))}
	opts = append(opts, jetstream.ConnOptions()...)
	// A password comes from the environment, never from flags (ps shows flags).
	if u := os.Getenv("NATS_USER"); u != "" {
		opts = append(opts, nats.UserInfo(u, os.Getenv("NATS_PASSWORD")))
	}
	if f.creds != "" {
		opts = append(opts, nats.UserCredentials(f.creds))
	}
	if f.ca != "" {
		opts = append(opts, nats.RootCAs(f.ca))
	}
	if (f.cert == "") != (f.key == "") {
		return nil, fmt.Errorf("-nats-cert and -nats-key go together")
	}
	if f.cert != "" {
		opts = append(opts, nats.ClientCert(f.cert, f.key))
	}
	return opts, nil
}
