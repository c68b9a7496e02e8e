// Command framework runs the framework management service alone against a
// NATS cluster with JetStream: see deploy/ and README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "framework:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", server.DefaultAddr, "gRPC listen address")
	natsURL := flag.String("nats", nats.DefaultURL, "NATS URL(s), comma-separated")
	replicas := flag.Int("replicas", 1, "JetStream replicas of the event stream (3 on a cluster)")
	pubKey := flag.String("jwt-public-key", "", "Ed25519 public key (PEM) that signs tokens")
	jwksURL := flag.String("jwks-url", "", "JWKS URL that publishes the token signing keys (instead of -jwt-public-key)")
	dev := flag.Bool("dev-log", false, "human-readable logs")
	flag.Parse()

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
	// Credentials come from the environment, never from flags (ps shows flags).
	opts := []nats.Option{nats.Name("carecoop-framework"), nats.MaxReconnects(-1)}
	if u := os.Getenv("NATS_USER"); u != "" {
		opts = append(opts, nats.UserInfo(u, os.Getenv("NATS_PASSWORD")))
	}
	nc, err := nats.Connect(*natsURL, opts...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w", *natsURL, err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		return err
	}
	store, err := jetstream.New(ctx, js, jetstream.WithReplicas(*replicas))
	if err != nil {
		return err
	}
	svc, err := server.Start(ctx, server.Config{Addr: *listen, Store: store, Verifier: verifier, Logger: log})
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
