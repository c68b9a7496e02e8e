// Package grpcapi is the demand service's gRPC transport.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/app"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// Server implements carecoop.demand.v1.DemandService.
type Server struct {
	demandv1.UnimplementedDemandServiceServer
	app *app.Service
}

// Register adds the service to a gRPC server.
func Register(r grpc.ServiceRegistrar, a *app.Service) {
	demandv1.RegisterDemandServiceServer(r, &Server{app: a})
}

func command(ctx context.Context, rpc, requestID string, expected uint64, run func(app.Request) (app.Result, error)) (*demandv1.CommandResponse, error) {
	r, err := grpcserver.Request(ctx, Policy, method(rpc), requestID, expected)
	if err != nil {
		return nil, err
	}
	res, err := run(r)
	if err != nil {
		return nil, err
	}
	return &demandv1.CommandResponse{Id: res.ID, StreamVersion: res.StreamVersion, Position: res.Position, Submission: res.Submission}, nil
}

func query[T any](ctx context.Context, rpc string, run func(auth.Principal) (T, error)) (T, error) {
	p, _, err := grpcserver.Caller(ctx, Policy, method(rpc))
	if err != nil {
		var zero T
		return zero, err
	}
	return run(p)
}

func (s *Server) SubmitNeedsReturn(ctx context.Context, q *demandv1.SubmitNeedsReturnRequest) (*demandv1.CommandResponse, error) {
	return command(ctx, "SubmitNeedsReturn", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.SubmitNeedsReturn(ctx, r, q.GetCouncil(), q.GetAsAt(), q.GetCells(), q.GetTransitions(), q.GetCosts(), q.GetForecasts(), q.GetSource())
	})
}

func (s *Server) WithdrawNeedsReturn(ctx context.Context, q *demandv1.WithdrawNeedsReturnRequest) (*demandv1.CommandResponse, error) {
	return command(ctx, "WithdrawNeedsReturn", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.WithdrawNeedsReturn(ctx, r, q.GetCouncil(), q.GetAsAt(), q.GetSubmission(), q.GetReason())
	})
}

func (s *Server) SetDisclosurePolicy(ctx context.Context, q *demandv1.SetDisclosurePolicyRequest) (*demandv1.CommandResponse, error) {
	return command(ctx, "SetDisclosurePolicy", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.SetDisclosurePolicy(ctx, r, q.GetThreshold(), q.GetMinPriceProviders(), q.GetReason())
	})
}

func (s *Server) GetDisclosurePolicy(ctx context.Context, q *demandv1.GetDisclosurePolicyRequest) (*demandv1.DisclosurePolicy, error) {
	return query(ctx, "GetDisclosurePolicy", func(p auth.Principal) (*demandv1.DisclosurePolicy, error) {
		return s.app.GetDisclosurePolicy(ctx, p, q.GetConsortium(), q.GetMinPosition())
	})
}

func (s *Server) GetDemand(ctx context.Context, q *demandv1.GetDemandRequest) (*demandv1.DemandTable, error) {
	return query(ctx, "GetDemand", func(p auth.Principal) (*demandv1.DemandTable, error) {
		return s.app.GetDemand(ctx, p, q.GetConsortium(), q.GetAsAt(), q.GetDimensions(), q.GetFilters(), q.GetMinPosition())
	})
}

func (s *Server) GetDemandSeries(ctx context.Context, q *demandv1.GetDemandSeriesRequest) (*demandv1.DemandSeries, error) {
	return query(ctx, "GetDemandSeries", func(p auth.Principal) (*demandv1.DemandSeries, error) {
		return s.app.GetDemandSeries(ctx, p, q.GetConsortium(), q.GetDimension(), q.GetMinPosition())
	})
}

func (s *Server) GetSufficiency(ctx context.Context, q *demandv1.GetSufficiencyRequest) (*demandv1.Sufficiency, error) {
	return query(ctx, "GetSufficiency", func(p auth.Principal) (*demandv1.Sufficiency, error) {
		return s.app.GetSufficiency(ctx, p, q.GetConsortium(), q.GetMinPosition())
	})
}

func (s *Server) GetPriceBenchmarks(ctx context.Context, q *demandv1.GetPriceBenchmarksRequest) (*demandv1.PriceBenchmarks, error) {
	return query(ctx, "GetPriceBenchmarks", func(p auth.Principal) (*demandv1.PriceBenchmarks, error) {
		return s.app.GetPriceBenchmarks(ctx, p, q.GetConsortium(), q.GetMinPosition())
	})
}

func (s *Server) GetOutOfArea(ctx context.Context, q *demandv1.GetOutOfAreaRequest) (*demandv1.OutOfArea, error) {
	return query(ctx, "GetOutOfArea", func(p auth.Principal) (*demandv1.OutOfArea, error) {
		return s.app.GetOutOfArea(ctx, p, q.GetConsortium(), q.GetAsAt(), q.GetMinPosition())
	})
}

func (s *Server) GetForecast(ctx context.Context, q *demandv1.GetForecastRequest) (*demandv1.Forecast, error) {
	return query(ctx, "GetForecast", func(p auth.Principal) (*demandv1.Forecast, error) {
		return s.app.GetForecast(ctx, p, q.GetConsortium(), q.GetYears(), q.GetMinPosition())
	})
}

func (s *Server) GetMarketPositionStatement(ctx context.Context, q *demandv1.GetMarketPositionStatementRequest) (*demandv1.Document, error) {
	return query(ctx, "GetMarketPositionStatement", func(p auth.Principal) (*demandv1.Document, error) {
		return s.app.GetMarketPositionStatement(ctx, p, q.GetConsortium(), q.GetFormat(), q.GetMinPosition())
	})
}

func (s *Server) ListNeedsReturns(ctx context.Context, q *demandv1.ListNeedsReturnsRequest) (*demandv1.ListNeedsReturnsResponse, error) {
	return query(ctx, "ListNeedsReturns", func(p auth.Principal) (*demandv1.ListNeedsReturnsResponse, error) {
		return s.app.ListNeedsReturns(ctx, p, q.GetConsortium(), q.GetAsAt(), q.GetMinPosition())
	})
}

func (s *Server) ExportTable(ctx context.Context, q *demandv1.ExportTableRequest) (*demandv1.Document, error) {
	return query(ctx, "ExportTable", func(p auth.Principal) (*demandv1.Document, error) {
		return s.app.ExportTable(ctx, p, q.GetConsortium(), q.GetTable(), q.GetDimensions(), q.GetFormat(), q.GetMinPosition())
	})
}
