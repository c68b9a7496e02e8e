// Package server wires the purchasing service together: application, read
// model, gRPC server with the kit's interceptors and the policy table. The
// standalone command and `carecoop dev` both start it through Start.
package server

import (
	"context"
	"errors"
	"sync"

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
	// The three read models catch up at once, each through its own
	// subscription: one after another, purchasing was the last service
	// ready on a long history (issue 16). Their reactions load aggregates
	// from the store, not each other's read models, so none waits for another.
	start := func(ctx context.Context) error {
		starts := []func(context.Context) error{svc.Start, agr.Start, blk.Start}
		errs := make([]error, len(starts))
		var wg sync.WaitGroup
		for i, f := range starts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f(ctx)
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
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
