// Package server wires the purchasing service together: application, read
// model, gRPC server with the kit's interceptors and the policy table. The
// standalone command and `carecoop dev` both start it through Start.
package server

import (
	"context"
	"errors"

	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/status"
	"github.com/carecoop/carecoop/services/purchasing/app"
	"github.com/carecoop/carecoop/services/purchasing/grpcapi"
)

// DefaultAddr is the purchasing service's port in the dev stack.
const DefaultAddr = "127.0.0.1:7102"

// Config is what the service needs from its host process.
type Config = grpcserver.ServiceConfig

// Running is a started purchasing service: Addr, Stop and Done come from the
// kit's host.
type Running struct {
	*grpcserver.Running
	App *app.Service
	// Agreements are the placement agreements (AgreementService).
	Agreements *app.Agreements
	// Block are the block contracts (BlockContractService).
	Block *app.BlockContracts
}

// Start builds the read model from the store, then serves gRPC on cfg.Addr.
func Start(ctx context.Context, cfg Config) (*Running, error) {
	var opts []app.Option
	if cfg.Clock != nil {
		opts = append(opts, app.WithClock(cfg.Clock))
	}
	svc := app.New(cfg.Store, cfg.Log(), opts...)
	agr := app.NewAgreements(svc)
	blk := app.NewBlockContracts(svc, cfg.Log())
	start := func(ctx context.Context) error {
		if err := svc.Start(ctx); err != nil {
			return err
		}
		if err := agr.Start(ctx); err != nil {
			return err
		}
		return blk.Start(ctx)
	}
	ready := func() error { return errors.Join(svc.Ready(), agr.Ready(), blk.Ready()) }
	runners := append(append(svc.ReadModels(), agr.Runner()), blk.ReadModels()...)
	r, err := grpcserver.StartService(ctx, cfg, grpcserver.Service{
		Name: "purchasing", DefaultAddr: DefaultAddr, Policy: status.WithPolicy(auth.Merge(grpcapi.Policy, grpcapi.AgrPolicy, grpcapi.BlkPolicy)), Start: start, Ready: ready,
		Stopped: func(ctx context.Context) { projection.WaitStopped(ctx, runners...) },
		Register: func(g grpc.ServiceRegistrar) {
			grpcapi.Register(g, svc)
			grpcapi.RegisterAgreements(g, agr)
			grpcapi.RegisterBlk(g, blk)
			status.Register(g, "purchasing", runners...)
		},
	})
	if err != nil {
		return nil, err
	}
	return &Running{Running: r, App: svc, Agreements: agr, Block: blk}, nil
}
