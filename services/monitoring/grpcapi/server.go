// Package grpcapi is the contract monitoring service's gRPC transport.
package grpcapi

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/monitoring/app"
)

// Server implements carecoop.monitoring.v1.MonitoringService.
type Server struct {
	monitoringv1.UnimplementedMonitoringServiceServer
	app *app.Service
}

// Register adds the service to a gRPC server.
func Register(r grpc.ServiceRegistrar, a *app.Service) {
	monitoringv1.RegisterMonitoringServiceServer(r, &Server{app: a})
}

type commandFn func(context.Context, app.Request) (app.Result, error)

func command(ctx context.Context, rpc, requestID string, expected uint64, run commandFn) (*monitoringv1.CommandResponse, error) {
	r, err := grpcserver.Request(ctx, Policy, method(rpc), requestID, expected)
	if err != nil {
		return nil, err
	}
	res, err := run(ctx, r)
	if err != nil {
		return nil, err
	}
	return &monitoringv1.CommandResponse{Id: res.ID, StreamVersion: res.StreamVersion, Position: res.Position}, nil
}

func query[T any](ctx context.Context, rpc string, run func(auth.Principal) (T, error)) (T, error) {
	p, _, err := grpcserver.Caller(ctx, Policy, method(rpc))
	if err != nil {
		var zero T
		return zero, err
	}
	return run(p)
}

func (s *Server) RecordPlacement(ctx context.Context, q *monitoringv1.RecordPlacementRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordPlacement", q.GetRequestId(), 0, func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RecordPlacement(ctx, r, q.GetConsortium(), q.GetSettingUrn(), q.GetStartDate(), q.GetExpectedEndDate(), q.GetWeeklyPricePence(), q.GetCategoryId())
	})
}

func (s *Server) EndPlacement(ctx context.Context, q *monitoringv1.EndPlacementRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "EndPlacement", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.EndPlacement(ctx, r, q.GetContractId(), q.GetEndDate(), q.GetReasonCode(), q.GetReason())
	})
}

func (s *Server) RecordOutcome(ctx context.Context, q *monitoringv1.RecordOutcomeRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordOutcome", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RecordOutcome(ctx, r, q.GetContractId(), q.GetPoint(), q.GetRecordedOn(), q.GetScores())
	})
}

func (s *Server) SubmitMonitoringReturn(ctx context.Context, q *monitoringv1.SubmitMonitoringReturnRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "SubmitMonitoringReturn", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.SubmitMonitoringReturn(ctx, r, q.GetUrn(), q.GetPeriod(), q.GetFigures(), q.GetCorrection())
	})
}

func (s *Server) RecordOfstedJudgement(ctx context.Context, q *monitoringv1.RecordOfstedJudgementRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordOfstedJudgement", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RecordOfstedJudgement(ctx, r, q.GetUrn(), q.GetGrade(), q.GetInspectionDate(), q.GetInspectionType())
	})
}

func (s *Server) RecordQualityVisit(ctx context.Context, q *monitoringv1.RecordQualityVisitRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordQualityVisit", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RecordQualityVisit(ctx, r, q.GetUrn(), q.GetVisitedOn(), q.GetRating(), q.GetFindings(), q.GetActions(), q.GetFollowUpOn())
	})
}

func (s *Server) NotifyIncident(ctx context.Context, q *monitoringv1.NotifyIncidentRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "NotifyIncident", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.NotifyIncident(ctx, r, q.GetUrn(), q.GetType(), q.GetOccurredOn(), q.GetSummary())
	})
}

func (s *Server) RecordFeedback(ctx context.Context, q *monitoringv1.RecordFeedbackRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordFeedback", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RecordFeedback(ctx, r, q.GetUrn(), q.GetFrom(), q.GetScore(), q.GetThemes(), q.GetReceivedOn())
	})
}

func (s *Server) RaiseFinancialWarning(ctx context.Context, q *monitoringv1.RaiseFinancialWarningRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RaiseFinancialWarning", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RaiseFinancialWarning(ctx, r, q.GetLevel(), q.GetSummary())
	})
}

func (s *Server) WithdrawFinancialWarning(ctx context.Context, q *monitoringv1.WithdrawFinancialWarningRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "WithdrawFinancialWarning", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.WithdrawFinancialWarning(ctx, r, q.GetReason())
	})
}

func (s *Server) SetRiskPolicy(ctx context.Context, q *monitoringv1.SetRiskPolicyRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "SetRiskPolicy", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.SetRiskPolicy(ctx, r, q.GetIndicators(), q.GetSuspendOnRed(), q.GetReturnDueWorkingDays(), q.GetReason())
	})
}

func (s *Server) AcknowledgeAlert(ctx context.Context, q *monitoringv1.AcknowledgeAlertRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "AcknowledgeAlert", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.AcknowledgeAlert(ctx, r, q.GetAlertId(), q.GetNote())
	})
}

func (s *Server) ListContracts(ctx context.Context, q *monitoringv1.ListContractsRequest) (*monitoringv1.ListContractsResponse, error) {
	return query(ctx, "ListContracts", func(p auth.Principal) (*monitoringv1.ListContractsResponse, error) {
		return s.app.ListContracts(ctx, p, q.GetConsortium(), q.GetProviderId(), q.GetSettingUrn(), q.GetLiveOnly(), q.GetMinPosition())
	})
}

func (s *Server) GetContract(ctx context.Context, q *monitoringv1.GetContractRequest) (*monitoringv1.Contract, error) {
	return query(ctx, "GetContract", func(p auth.Principal) (*monitoringv1.Contract, error) {
		return s.app.GetContract(ctx, p, q.GetContractId(), q.GetMinPosition())
	})
}

func (s *Server) ListMonitoringReturns(ctx context.Context, q *monitoringv1.ListMonitoringReturnsRequest) (*monitoringv1.ListMonitoringReturnsResponse, error) {
	return query(ctx, "ListMonitoringReturns", func(p auth.Principal) (*monitoringv1.ListMonitoringReturnsResponse, error) {
		return s.app.ListMonitoringReturns(ctx, p, q.GetUrn(), q.GetFromPeriod(), q.GetToPeriod(), q.GetMinPosition())
	})
}

func (s *Server) ListReturnCompliance(ctx context.Context, q *monitoringv1.ListReturnComplianceRequest) (*monitoringv1.ReturnCompliance, error) {
	return query(ctx, "ListReturnCompliance", func(p auth.Principal) (*monitoringv1.ReturnCompliance, error) {
		return s.app.ListReturnCompliance(ctx, p, q.GetConsortium(), q.GetProviderId(), q.GetMonths(), q.GetMinPosition())
	})
}

func (s *Server) GetMonitoringBurden(ctx context.Context, q *monitoringv1.GetMonitoringBurdenRequest) (*monitoringv1.MonitoringBurden, error) {
	return query(ctx, "GetMonitoringBurden", func(p auth.Principal) (*monitoringv1.MonitoringBurden, error) {
		return s.app.GetMonitoringBurden(ctx, p, q.GetConsortium(), q.GetProviderId(), q.GetMinPosition())
	})
}

func (s *Server) GetQualityEvidence(ctx context.Context, q *monitoringv1.GetQualityEvidenceRequest) (*monitoringv1.QualityEvidence, error) {
	return query(ctx, "GetQualityEvidence", func(p auth.Principal) (*monitoringv1.QualityEvidence, error) {
		return s.app.GetQualityEvidence(ctx, p, q.GetUrn(), q.GetMinPosition())
	})
}

func (s *Server) GetOutcomesReport(ctx context.Context, q *monitoringv1.GetOutcomesReportRequest) (*monitoringv1.OutcomesReport, error) {
	return query(ctx, "GetOutcomesReport", func(p auth.Principal) (*monitoringv1.OutcomesReport, error) {
		return s.app.GetOutcomesReport(ctx, p, q.GetConsortium(), q.GetMeasure(), q.GetMinPosition())
	})
}

func (s *Server) GetRiskPolicy(ctx context.Context, q *monitoringv1.GetRiskPolicyRequest) (*monitoringv1.RiskPolicy, error) {
	return query(ctx, "GetRiskPolicy", func(p auth.Principal) (*monitoringv1.RiskPolicy, error) {
		return s.app.GetRiskPolicy(ctx, p, q.GetConsortium(), q.GetMinPosition())
	})
}

func (s *Server) ListRiskLevels(ctx context.Context, q *monitoringv1.ListRiskLevelsRequest) (*monitoringv1.ListRiskLevelsResponse, error) {
	return query(ctx, "ListRiskLevels", func(p auth.Principal) (*monitoringv1.ListRiskLevelsResponse, error) {
		return s.app.ListRiskLevels(ctx, p, q.GetConsortium(), q.GetProviderId(), q.GetAtLeast(), q.GetMinPosition())
	})
}

func (s *Server) ListAlerts(ctx context.Context, q *monitoringv1.ListAlertsRequest) (*monitoringv1.ListAlertsResponse, error) {
	return query(ctx, "ListAlerts", func(p auth.Principal) (*monitoringv1.ListAlertsResponse, error) {
		return s.app.ListAlerts(ctx, p, q.GetConsortium(), q.GetAfterPosition(), q.GetLimit(), q.GetUnacknowledgedOnly(), q.GetMinPosition())
	})
}

func (s *Server) GetDecisionLog(ctx context.Context, q *monitoringv1.GetDecisionLogRequest) (*monitoringv1.GetDecisionLogResponse, error) {
	return query(ctx, "GetDecisionLog", func(p auth.Principal) (*monitoringv1.GetDecisionLogResponse, error) {
		return s.app.GetDecisionLog(ctx, p, q.GetAggregate(), q.GetId(), q.GetMinPosition())
	})
}

// WatchAlerts streams the caller's alerts until the client goes away.
func (s *Server) WatchAlerts(q *monitoringv1.WatchAlertsRequest, stream grpc.ServerStreamingServer[monitoringv1.Alert]) error {
	ctx := stream.Context()
	p, _, err := grpcserver.Caller(ctx, Policy, method("WatchAlerts"))
	if err != nil {
		return err
	}
	err = s.app.WatchAlerts(ctx, p, q.GetConsortium(), q.GetAfterPosition(), stream.Send)
	if errors.Is(err, app.ErrWatcherBehind) {
		return status.Error(codes.Unavailable, err.Error())
	}
	return err
}
