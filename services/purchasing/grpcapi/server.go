// Package grpcapi is the purchasing service's gRPC transport: request →
// application call → response. Authentication, the policy table and
// validation run before it in the kit's interceptors; domain errors become
// gRPC codes after it.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/purchasing/app"
)

// Server implements carecoop.purchasing.v1.PurchasingService.
type Server struct {
	purchasingv1.UnimplementedPurchasingServiceServer
	app *app.Service
}

// Register adds the service to a gRPC server.
func Register(r grpc.ServiceRegistrar, a *app.Service) {
	purchasingv1.RegisterPurchasingServiceServer(r, &Server{app: a})
}

func principal(ctx context.Context, rpc string) (auth.Principal, error) {
	p, _, err := grpcserver.Caller(ctx, Policy, method(rpc))
	return p, err
}

func answer(res app.Result, err error) (*purchasingv1.CommandResponse, error) {
	if err != nil {
		return nil, err
	}
	return &purchasingv1.CommandResponse{Id: res.ID, StreamVersion: res.StreamVersion, Position: res.Position, OfferId: res.OfferID, PlacementId: res.PlacementID}, nil
}

// command runs a command RPC: the caller's request, then the use case.
func command(ctx context.Context, rpc, requestID string, expected uint64, run func(app.Request) (app.Result, error)) (*purchasingv1.CommandResponse, error) {
	r, err := grpcserver.Request(ctx, Policy, method(rpc), requestID, expected)
	if err != nil {
		return nil, err
	}
	return answer(run(r))
}

// query runs a query RPC as the caller.
func query[T any](ctx context.Context, rpc string, run func(auth.Principal) (T, error)) (T, error) {
	p, err := principal(ctx, rpc)
	if err != nil {
		var zero T
		return zero, err
	}
	return run(p)
}

func (s *Server) RegisterProvider(ctx context.Context, q *purchasingv1.RegisterProviderRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "RegisterProvider", q.GetRequestId(), 0, func(r app.Request) (app.Result, error) {
		return s.app.RegisterProvider(ctx, r, q.GetProviderId(), q.GetProfile())
	})
}

func (s *Server) UpdateProviderProfile(ctx context.Context, q *purchasingv1.UpdateProviderProfileRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "UpdateProviderProfile", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.UpdateProviderProfile(ctx, r, q.GetProviderId(), q.GetProfile())
	})
}

func (s *Server) AddSetting(ctx context.Context, q *purchasingv1.AddSettingRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "AddSetting", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.AddSetting(ctx, r, q.GetProviderId(), q.GetSetting())
	})
}

func (s *Server) UpdateSetting(ctx context.Context, q *purchasingv1.UpdateSettingRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "UpdateSetting", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.UpdateSetting(ctx, r, q.GetProviderId(), q.GetSetting(), q.GetReason())
	})
}

func (s *Server) RemoveSetting(ctx context.Context, q *purchasingv1.RemoveSettingRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "RemoveSetting", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.RemoveSetting(ctx, r, q.GetProviderId(), q.GetUrn(), q.GetReason())
	})
}

func (s *Server) RecordAccreditation(ctx context.Context, q *purchasingv1.RecordAccreditationRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "RecordAccreditation", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.RecordAccreditation(ctx, r, q.GetProviderId(), q.GetAccreditation())
	})
}

func (s *Server) PublishVacancy(ctx context.Context, q *purchasingv1.PublishVacancyRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "PublishVacancy", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.PublishVacancy(ctx, r, q.GetProviderId(), q.GetUrn(), q.GetFreePlaces(), q.GetAvailableFrom())
	})
}

func (s *Server) WithdrawVacancy(ctx context.Context, q *purchasingv1.WithdrawVacancyRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "WithdrawVacancy", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.WithdrawVacancy(ctx, r, q.GetProviderId(), q.GetUrn(), q.GetReason())
	})
}

func (s *Server) CreateDps(ctx context.Context, q *purchasingv1.CreateDpsRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "CreateDps", q.GetRequestId(), 0, func(r app.Request) (app.Result, error) {
		return s.app.CreateDps(ctx, r, q.GetTerms())
	})
}

func (s *Server) OpenDps(ctx context.Context, q *purchasingv1.OpenDpsRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "OpenDps", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.OpenDps(ctx, r, q.GetDpsId())
	})
}

func (s *Server) CloseDps(ctx context.Context, q *purchasingv1.CloseDpsRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "CloseDps", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.CloseDps(ctx, r, q.GetDpsId(), q.GetReason())
	})
}

func (s *Server) ApplyToDps(ctx context.Context, q *purchasingv1.ApplyToDpsRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "ApplyToDps", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.ApplyToDps(ctx, r, q.GetDpsId(), q.GetProviderId(), q.GetCategoryIds(), q.GetAnswers())
	})
}

func (s *Server) AdmitProvider(ctx context.Context, q *purchasingv1.DecideApplicationRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "AdmitProvider", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.AdmitProvider(ctx, r, q.GetDpsId(), q.GetProviderId(), q.GetCategoryId(), q.GetReason())
	})
}

func (s *Server) RejectApplication(ctx context.Context, q *purchasingv1.DecideApplicationRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "RejectApplication", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.RejectApplication(ctx, r, q.GetDpsId(), q.GetProviderId(), q.GetCategoryId(), q.GetReason())
	})
}

func (s *Server) SuspendProvider(ctx context.Context, q *purchasingv1.ProviderMembershipRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "SuspendProvider", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.SuspendProvider(ctx, r, q.GetDpsId(), q.GetProviderId(), q.GetCategoryId(), q.GetReason())
	})
}

func (s *Server) ReinstateProvider(ctx context.Context, q *purchasingv1.ProviderMembershipRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "ReinstateProvider", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.ReinstateProvider(ctx, r, q.GetDpsId(), q.GetProviderId(), q.GetCategoryId(), q.GetReason())
	})
}

func (s *Server) RemoveProvider(ctx context.Context, q *purchasingv1.ProviderMembershipRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "RemoveProvider", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.RemoveProvider(ctx, r, q.GetDpsId(), q.GetProviderId(), q.GetReason())
	})
}

func (s *Server) CreateReferral(ctx context.Context, q *purchasingv1.CreateReferralRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "CreateReferral", q.GetRequestId(), 0, func(r app.Request) (app.Result, error) {
		o := app.ReferralOptions{CallOff: q.GetCallOff()}
		if q.GetOffersDueBy() != nil {
			o.OffersDueBy = q.GetOffersDueBy().AsTime()
		}
		return s.app.CreateReferralWith(ctx, r, q.GetDpsId(), q.GetNeed(), o)
	})
}

func (s *Server) MakeOffer(ctx context.Context, q *purchasingv1.MakeOfferRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "MakeOffer", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.MakeOffer(ctx, r, q.GetReferralId(), q.GetSettingUrn(), q.GetWeeklyPricePence(), q.GetAvailableFrom(), q.GetNote())
	})
}

func (s *Server) DeclineReferral(ctx context.Context, q *purchasingv1.DeclineReferralRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "DeclineReferral", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.DeclineReferral(ctx, r, q.GetReferralId(), q.GetReason(), q.GetNote())
	})
}

func (s *Server) AwardPlacement(ctx context.Context, q *purchasingv1.AwardPlacementRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "AwardPlacement", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.AwardPlacement(ctx, r, q.GetReferralId(), q.GetOfferId(), q.GetReason())
	})
}

func (s *Server) ExtendOfferDeadline(ctx context.Context, q *purchasingv1.ExtendOfferDeadlineRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "ExtendOfferDeadline", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.ExtendOfferDeadline(ctx, r, q.GetReferralId(), q.GetOffersDueBy().AsTime(), q.GetReason())
	})
}

func (s *Server) WithdrawReferral(ctx context.Context, q *purchasingv1.WithdrawReferralRequest) (*purchasingv1.CommandResponse, error) {
	return command(ctx, "WithdrawReferral", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.Result, error) {
		return s.app.WithdrawReferral(ctx, r, q.GetReferralId(), q.GetReason(), q.GetNote())
	})
}

func (s *Server) GetProvider(ctx context.Context, q *purchasingv1.GetProviderRequest) (*purchasingv1.ProviderView, error) {
	return query(ctx, "GetProvider", func(p auth.Principal) (*purchasingv1.ProviderView, error) {
		return s.app.GetProvider(ctx, p, q.GetProviderId(), q.GetMinPosition())
	})
}

func (s *Server) ListProviders(ctx context.Context, q *purchasingv1.ListProvidersRequest) (*purchasingv1.ListProvidersResponse, error) {
	return query(ctx, "ListProviders", func(p auth.Principal) (*purchasingv1.ListProvidersResponse, error) {
		return s.app.ListProviders(ctx, p, q.GetNameContains(), q.GetPageSize(), q.GetPageToken(), q.GetMinPosition())
	})
}

func (s *Server) ListVacancies(ctx context.Context, q *purchasingv1.ListVacanciesRequest) (*purchasingv1.ListVacanciesResponse, error) {
	return query(ctx, "ListVacancies", func(p auth.Principal) (*purchasingv1.ListVacanciesResponse, error) {
		return s.app.ListVacancies(ctx, p, q.GetNearOutcode(), q.GetWithinMiles(), q.GetSettingType(), q.GetPageSize(), q.GetMinPosition())
	})
}

func (s *Server) GetDps(ctx context.Context, q *purchasingv1.GetDpsRequest) (*purchasingv1.DpsView, error) {
	return query(ctx, "GetDps", func(p auth.Principal) (*purchasingv1.DpsView, error) {
		return s.app.GetDps(ctx, p, q.GetDpsId(), q.GetMinPosition())
	})
}

func (s *Server) ListDps(ctx context.Context, q *purchasingv1.ListDpsRequest) (*purchasingv1.ListDpsResponse, error) {
	return query(ctx, "ListDps", func(p auth.Principal) (*purchasingv1.ListDpsResponse, error) {
		return s.app.ListDps(ctx, p, q.GetConsortium(), q.GetMinPosition())
	})
}

func (s *Server) ListApplications(ctx context.Context, q *purchasingv1.ListApplicationsRequest) (*purchasingv1.ListApplicationsResponse, error) {
	return query(ctx, "ListApplications", func(p auth.Principal) (*purchasingv1.ListApplicationsResponse, error) {
		return s.app.ListApplications(ctx, p, q.GetDpsId(), q.GetOverdueOnly(), q.GetMinPosition())
	})
}

func (s *Server) ListReferrals(ctx context.Context, q *purchasingv1.ListReferralsRequest) (*purchasingv1.ListReferralsResponse, error) {
	return query(ctx, "ListReferrals", func(p auth.Principal) (*purchasingv1.ListReferralsResponse, error) {
		return s.app.ListReferrals(ctx, p, q.GetStatus(), q.GetDpsId(), q.GetPageSize(), q.GetPageToken(), q.GetMinPosition())
	})
}

func (s *Server) GetReferral(ctx context.Context, q *purchasingv1.GetReferralRequest) (*purchasingv1.ReferralView, error) {
	return query(ctx, "GetReferral", func(p auth.Principal) (*purchasingv1.ReferralView, error) {
		return s.app.GetReferral(ctx, p, q.GetReferralId(), q.GetMinPosition())
	})
}

func (s *Server) ExplainMatch(ctx context.Context, q *purchasingv1.ExplainMatchRequest) (*purchasingv1.ExplainMatchResponse, error) {
	return query(ctx, "ExplainMatch", func(p auth.Principal) (*purchasingv1.ExplainMatchResponse, error) {
		return s.app.ExplainMatch(ctx, p, q.GetReferralId(), q.GetSettingUrn(), q.GetMinPosition())
	})
}

func (s *Server) ListPlacements(ctx context.Context, q *purchasingv1.ListPlacementsRequest) (*purchasingv1.ListPlacementsResponse, error) {
	return query(ctx, "ListPlacements", func(p auth.Principal) (*purchasingv1.ListPlacementsResponse, error) {
		return s.app.ListPlacements(ctx, p, q.GetDpsId(), q.GetMinPosition())
	})
}

func (s *Server) GetDecisionLog(ctx context.Context, q *purchasingv1.GetDecisionLogRequest) (*purchasingv1.GetDecisionLogResponse, error) {
	return query(ctx, "GetDecisionLog", func(p auth.Principal) (*purchasingv1.GetDecisionLogResponse, error) {
		return s.app.GetDecisionLog(ctx, p, q.GetId(), q.GetMinPosition())
	})
}
