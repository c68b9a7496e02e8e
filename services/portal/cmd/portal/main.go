// Command portal runs the web portal alone, against the services'
// addresses and a NATS server for its sessions.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/credentials"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/servicecmd"
	"github.com/carecoop/carecoop/services/portal/ocds"
	"github.com/carecoop/carecoop/services/portal/server"
	"github.com/carecoop/carecoop/services/portal/web"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", server.DefaultAddr, "HTTP listen address")
	framework := flag.String("framework", "127.0.0.1:7101", "framework service gRPC address")
	purchasing := flag.String("purchasing", "127.0.0.1:7102", "purchasing service gRPC address")
	demand := flag.String("demand", "127.0.0.1:7103", "demand service gRPC address")
	monitoring := flag.String("monitoring", "127.0.0.1:7104", "monitoring service gRPC address")
	notify := flag.String("notify", "127.0.0.1:7105", "notifications service gRPC address (\"\" runs the portal without notifications)")
	servicesCA := flag.String("services-ca", "", "CA certificates (PEM) that sign the services' certificates: the services are reached over TLS (plaintext without it, for services on loopback)")
	// NATS holds the sessions bucket; the portal connects as its own user.
	var natsCfg servicecmd.NATSFlags
	natsCfg.Register(flag.CommandLine)
	keyFile := flag.String("signing-key", "", "Ed25519 private key (PEM) the portal signs service tokens with; the services verify it at <portal>/.well-known/jwks.json")
	tlsCert := flag.String("tls-cert", "", "certificate (PEM) to serve HTTPS with")
	tlsKey := flag.String("tls-key", "", "its private key (PEM)")
	oidcFile := flag.String("oidc-config", "", "OpenID Connect sign-in configuration (JSON: issuer, client, redirect URL, claim rules; README \"Signing in\"); the client secret comes from the environment variable it names")
	dev := flag.Bool("dev-log", false, "human-readable logs")
	var prefixes ocds.Prefixes
	flag.Var(&prefixes, "ocds-prefix", ocds.FlagUsage)
	var obs servicecmd.ObsFlags
	obs.Register(flag.CommandLine)
	flag.Parse()
	if err := prefixes.OrEnv(os.Getenv); err != nil {
		return err
	}
	if *keyFile == "" {
		return fmt.Errorf("-signing-key is required")
	}
	key, err := auth.LoadPrivateKey(*keyFile)
	if err != nil {
		return err
	}
	// Outside `carecoop dev` the identity provider is the only sign-in.
	if *oidcFile == "" {
		return fmt.Errorf("-oidc-config is required: without it nobody could sign in")
	}
	oidcCfg, err := web.LoadOIDCConfig(*oidcFile, os.Getenv)
	if err != nil {
		return err
	}
	log, err := grpcserver.NewLogger(*dev)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, stopObs, err := obs.Start(ctx, "portal", log)
	if err != nil {
		return err
	}
	defer stopObs()
	var serviceTLS credentials.TransportCredentials
	if *servicesCA != "" {
		if serviceTLS, err = credentials.NewClientTLSFromFile(*servicesCA, ""); err != nil {
			return fmt.Errorf("-services-ca: %w", err)
		}
	}
	nc, err := natsCfg.Connect(natsperm.Portal)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		return err
	}
	r, err := server.Start(ctx, server.Config{Addr: *listen, Framework: *framework, Purchasing: *purchasing, Demand: *demand, Monitoring: *monitoring, Notify: *notify,
		ServiceTLS: serviceTLS, JetStream: js, Key: key, TLSCert: *tlsCert, TLSKey: *tlsKey, OIDC: oidcCfg, OCDSPrefixes: prefixes, Logger: log, Metrics: m})
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		r.Stop()
		return nil
	case err := <-r.Done():
		return err
	}
}
