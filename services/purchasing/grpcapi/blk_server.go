package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/purchasing/app"
)

func blkMethod(name string) string {
	return "/" + purchasingv1.BlockContractService_ServiceDesc.ServiceName + "/" + name
}

// blkReaders: a contract's buyer (its lead, commissioners and viewers), its
// provider's people and the platform; whose contract each may read is the
// query's check.
var blkReaders = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder, auth.PlatformAdmin, auth.Auditor}

// BlkPolicy is who may call each block-contract RPC.
var BlkPolicy = auth.Policy{
	blkMethod("ReserveCapacity"):      {Roles: []string{auth.ConsortiumLead, auth.CouncilCommissioner}},
	blkMethod("AcceptBlockContract"):  {Roles: []string{auth.ProviderAdmin}},
	blkMethod("DeclineBlockContract"): {Roles: []string{auth.ProviderAdmin}},
	blkMethod("EndBlockContract"):     {Roles: []string{auth.ConsortiumLead, auth.CouncilCommissioner}},
	blkMethod("GetBlockContract"):     {Roles: blkReaders},
	blkMethod("ListBlockContracts"):   {Roles: blkReaders},
	blkMethod("GetBlockUtilisation"):  {Roles: blkReaders},
}

// BlkServer implements carecoop.purchasing.v1.BlockContractService.
type BlkServer struct {
	purchasingv1.UnimplementedBlockContractServiceServer
	app *app.BlockContracts
}

// RegisterBlk adds the block-contract service to a gRPC server.
func RegisterBlk(r grpc.ServiceRegistrar, b *app.BlockContracts) {
	purchasingv1.RegisterBlockContractServiceServer(r, &BlkServer{app: b})
}

func blkCommand(ctx context.Context, rpc, requestID string, expected uint64, run func(app.Request) (app.Result, error)) (*purchasingv1.CommandResponse, error) {
	r, err := grpcserver.Request(ctx, BlkPolicy, blkMethod(rpc), requestID, expected)
	if err != nil {
		return nil, err
	}
	return answer(run(r))
}

func blkQuery[T any](ctx context.Context, rpc string, run func(auth.Principal) (T, error)) (T, error) {
	p, _, err := grpcserver.Caller(ctx, BlkPolicy, blkMethod(rpc))
	if err != nil {
		var zero T
		return zero, err
	}
	return run(p)
}

func (s *BlkServer) ReserveCapacity(ctx context.Context, q *purchasingv1.ReserveCapacityRequest) (*purchasingv1.CommandResponse, error) {
	return blkCommand(ctx, "ReserveCapacity", q.GetRequestId(), 0, func(r app.Request) (app.Result, error) {
		return s.app.ReserveCapacity(ctx, r, q.GetProviderId(), q.GetSettings(), q.GetStartsOn(), q.GetEndsOn(), q.GetWeeklyPricePence(),
			q.GetKind(), q.GetConsortium(), q.GetNote())
	})
}

func (s *BlkServer) AcceptBlockContract(ctx context.Context, q *purchasingv1.DecideBlockContractRequest) (*purchasingv1.CommandResponse, error) {
	return blkCommand(ctx, "AcceptBlockContract", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.AcceptBlockContract(ctx, r, q.GetContractId(), q.GetReason())
	})
}

func (s *BlkServer) DeclineBlockContract(ctx context.Context, q *purchasingv1.DecideBlockContractRequest) (*purchasingv1.CommandResponse, error) {
	return blkCommand(ctx, "DeclineBlockContract", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.DeclineBlockContract(ctx, r, q.GetContractId(), q.GetReason())
	})
}

func (s *BlkServer) EndBlockContract(ctx context.Context, q *purchasingv1.EndBlockContractRequest) (*purchasingv1.CommandResponse, error) {
	return blkCommand(ctx, "EndBlockContract", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.EndBlockContract(ctx, r, q.GetContractId(), q.GetEndsOn(), q.GetReason())
	})
}

func (s *BlkServer) GetBlockContract(ctx context.Context, q *purchasingv1.GetBlockContractRequest) (*purchasingv1.BlockContractView, error) {
	return blkQuery(ctx, "GetBlockContract", func(p auth.Principal) (*purchasingv1.BlockContractView, error) {
		return s.app.GetBlockContract(ctx, p, q.GetContractId(), q.GetMinPosition())
	})
}

func (s *BlkServer) ListBlockContracts(ctx context.Context, q *purchasingv1.ListBlockContractsRequest) (*purchasingv1.ListBlockContractsResponse, error) {
	return blkQuery(ctx, "ListBlockContracts", func(p auth.Principal) (*purchasingv1.ListBlockContractsResponse, error) {
		return s.app.ListBlockContracts(ctx, p, q.GetMinPosition())
	})
}

func (s *BlkServer) GetBlockUtilisation(ctx context.Context, q *purchasingv1.GetBlockUtilisationRequest) (*purchasingv1.BlockUtilisation, error) {
	return blkQuery(ctx, "GetBlockUtilisation", func(p auth.Principal) (*purchasingv1.BlockUtilisation, error) {
		return s.app.GetBlockUtilisation(ctx, p, q.GetContractId(), q.GetMinPosition())
	})
}
