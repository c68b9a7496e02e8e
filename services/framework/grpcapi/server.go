// Package grpcapi is the framework service's gRPC transport: request →
// application call → response. Authentication, the policy table and
// validation run before it in the kit's interceptors; domain errors become
// gRPC codes after it.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/app"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// Server implements carecoop.framework.v1.FrameworkService.
type Server struct {
	frameworkv1.UnimplementedFrameworkServiceServer
	app *app.Service
}

// Register adds the service to a gRPC server.
func Register(r grpc.ServiceRegistrar, a *app.Service) {
	frameworkv1.RegisterFrameworkServiceServer(r, &Server{app: a})
}

// request gathers what every command carries, with the caller's role that
// the method's policy entry admits.
func request(ctx context.Context, rpc, requestID string, expectedVersion uint64) (app.Request, error) {
	return grpcserver.Request(ctx, Policy, method(rpc), requestID, expectedVersion)
}

func principal(ctx context.Context, rpc string) (auth.Principal, error) {
	p, _, err := grpcserver.Caller(ctx, Policy, method(rpc))
	return p, err
}

func answer(res app.Result, err error) (*frameworkv1.CommandResponse, error) {
	if err != nil {
		return nil, err
	}
	return &frameworkv1.CommandResponse{FrameworkId: res.FrameworkID, StreamVersion: res.StreamVersion, Position: res.Position, UpliftId: res.UpliftID}, nil
}

func (s *Server) DraftFramework(ctx context.Context, req *frameworkv1.DraftFrameworkRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "DraftFramework", req.GetRequestId(), 0)
	if err != nil {
		return nil, err
	}
	return answer(s.app.DraftFramework(ctx, r, req.GetTerms()))
}

func (s *Server) AmendFramework(ctx context.Context, req *frameworkv1.AmendFrameworkRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "AmendFramework", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.AmendFramework(ctx, r, req.GetFrameworkId(), req.GetTerms(), req.GetReason()))
}

func (s *Server) AddMemberCouncil(ctx context.Context, req *frameworkv1.AddMemberCouncilRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "AddMemberCouncil", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.AddMemberCouncil(ctx, r, req.GetFrameworkId(), req.GetLaCode(), req.GetReason()))
}

func (s *Server) RemoveMemberCouncil(ctx context.Context, req *frameworkv1.RemoveMemberCouncilRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "RemoveMemberCouncil", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.RemoveMemberCouncil(ctx, r, req.GetFrameworkId(), req.GetLaCode(), req.GetReason()))
}

func (s *Server) OpenForBids(ctx context.Context, req *frameworkv1.OpenForBidsRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "OpenForBids", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.OpenForBids(ctx, r, req.GetFrameworkId(), req.GetBidsCloseAt().AsTime()))
}

func (s *Server) SubmitBid(ctx context.Context, req *frameworkv1.SubmitBidRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "SubmitBid", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.SubmitBid(ctx, r, req.GetFrameworkId(), req.GetLotId(), req.GetWeeklyPricePence(), req.GetQualityAnswers()))
}

func (s *Server) ScoreBid(ctx context.Context, req *frameworkv1.ScoreBidRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "ScoreBid", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.ScoreBid(ctx, r, req.GetFrameworkId(), req.GetLotId(), req.GetProviderId(), req.GetQualityScore(), req.GetReason()))
}

func (s *Server) AwardFramework(ctx context.Context, req *frameworkv1.AwardFrameworkRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "AwardFramework", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	lots := make([]domain.LotAwardDecision, len(req.GetLots()))
	for i, l := range req.GetLots() {
		lots[i] = domain.LotAwardDecision{LotID: l.GetLotId(), ProviderIDs: l.GetProviderIds()}
	}
	return answer(s.app.AwardFramework(ctx, r, req.GetFrameworkId(), lots, req.GetReason(), req.GetNoticePublishedOn()))
}

func (s *Server) ActivateFramework(ctx context.Context, req *frameworkv1.ActivateFrameworkRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "ActivateFramework", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.ActivateFramework(ctx, r, req.GetFrameworkId(), req.GetReason()))
}

func (s *Server) ExtendFramework(ctx context.Context, req *frameworkv1.ExtendFrameworkRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "ExtendFramework", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.ExtendFramework(ctx, r, req.GetFrameworkId(), req.GetReason()))
}

func (s *Server) ExpireFramework(ctx context.Context, req *frameworkv1.ExpireFrameworkRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "ExpireFramework", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.ExpireFramework(ctx, r, req.GetFrameworkId()))
}

func (s *Server) TerminateFramework(ctx context.Context, req *frameworkv1.TerminateFrameworkRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "TerminateFramework", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.TerminateFramework(ctx, r, req.GetFrameworkId(), req.GetReason()))
}

func (s *Server) RequestPriceUplift(ctx context.Context, req *frameworkv1.RequestPriceUpliftRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "RequestPriceUplift", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.RequestPriceUplift(ctx, r, req.GetFrameworkId(), req.GetLotId(), req.GetRequestedWeeklyPence(), req.GetEffectiveFrom(), req.GetJustification()))
}

func (s *Server) ApprovePriceUplift(ctx context.Context, req *frameworkv1.DecidePriceUpliftRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "ApprovePriceUplift", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.ApprovePriceUplift(ctx, r, req.GetFrameworkId(), req.GetUpliftId(), req.GetReason()))
}

func (s *Server) RejectPriceUplift(ctx context.Context, req *frameworkv1.DecidePriceUpliftRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "RejectPriceUplift", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.RejectPriceUplift(ctx, r, req.GetFrameworkId(), req.GetUpliftId(), req.GetReason()))
}

func (s *Server) SuspendProvider(ctx context.Context, req *frameworkv1.ProviderOnLotRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "SuspendProvider", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.SuspendProvider(ctx, r, req.GetFrameworkId(), req.GetLotId(), req.GetProviderId(), req.GetReason()))
}

func (s *Server) ReinstateProvider(ctx context.Context, req *frameworkv1.ProviderOnLotRequest) (*frameworkv1.CommandResponse, error) {
	r, err := request(ctx, "ReinstateProvider", req.GetRequestId(), req.GetExpectedVersion())
	if err != nil {
		return nil, err
	}
	return answer(s.app.ReinstateProvider(ctx, r, req.GetFrameworkId(), req.GetLotId(), req.GetProviderId(), req.GetReason()))
}

func (s *Server) GetFramework(ctx context.Context, req *frameworkv1.GetFrameworkRequest) (*frameworkv1.Framework, error) {
	p, err := principal(ctx, "GetFramework")
	if err != nil {
		return nil, err
	}
	return s.app.GetFramework(ctx, p, req.GetFrameworkId(), req.GetMinPosition())
}

func (s *Server) ListFrameworks(ctx context.Context, req *frameworkv1.ListFrameworksRequest) (*frameworkv1.ListFrameworksResponse, error) {
	p, err := principal(ctx, "ListFrameworks")
	if err != nil {
		return nil, err
	}
	fws, pos, err := s.app.ListFrameworks(ctx, p, req.GetConsortium(), req.GetStatus(), req.GetCategory(), req.GetMinPosition())
	if err != nil {
		return nil, err
	}
	return &frameworkv1.ListFrameworksResponse{Frameworks: fws, Position: pos}, nil
}

func (s *Server) ListBids(ctx context.Context, req *frameworkv1.ListBidsRequest) (*frameworkv1.ListBidsResponse, error) {
	p, err := principal(ctx, "ListBids")
	if err != nil {
		return nil, err
	}
	bids, pos, err := s.app.ListBids(ctx, p, req.GetFrameworkId(), req.GetMinPosition())
	if err != nil {
		return nil, err
	}
	return &frameworkv1.ListBidsResponse{Bids: bids, Position: pos}, nil
}

func (s *Server) ListPriceUplifts(ctx context.Context, req *frameworkv1.ListPriceUpliftsRequest) (*frameworkv1.ListPriceUpliftsResponse, error) {
	p, err := principal(ctx, "ListPriceUplifts")
	if err != nil {
		return nil, err
	}
	ups, pos, err := s.app.ListPriceUplifts(ctx, p, req.GetFrameworkId(), req.GetMinPosition())
	if err != nil {
		return nil, err
	}
	return &frameworkv1.ListPriceUpliftsResponse{Uplifts: ups, Position: pos}, nil
}

func (s *Server) GetDecisionLog(ctx context.Context, req *frameworkv1.GetDecisionLogRequest) (*frameworkv1.GetDecisionLogResponse, error) {
	p, err := principal(ctx, "GetDecisionLog")
	if err != nil {
		return nil, err
	}
	ds, pos, err := s.app.GetDecisionLog(ctx, p, req.GetFrameworkId(), req.GetMinPosition())
	if err != nil {
		return nil, err
	}
	return &frameworkv1.GetDecisionLogResponse{Decisions: ds, Position: pos}, nil
}
