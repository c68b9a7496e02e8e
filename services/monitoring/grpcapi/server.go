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

func command(ctx context.Context, rpc, requestID string, run commandFn) (*monitoringv1.CommandResponse, error) {
	r, err := grpcserver.Request(ctx, Policy, method(rpc), requestID, 0)
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
	return command(ctx, "RecordPlacement", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) { return s.app.RecordPlacement(ctx, r, q) })
}

func (s *Server) EndPlacement(ctx context.Context, q *monitoringv1.EndPlacementRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "EndPlacement", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) { return s.app.EndPlacement(ctx, r, q) })
}

func (s *Server) RecordOutcome(ctx context.Context, q *monitoringv1.RecordOutcomeRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordOutcome", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) { return s.app.RecordOutcome(ctx, r, q) })
}

func (s *Server) SubmitMonitoringReturn(ctx context.Context, q *monitoringv1.SubmitMonitoringReturnRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "SubmitMonitoringReturn", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.SubmitMonitoringReturn(ctx, r, q)
	})
}

func (s *Server) RecordOfstedJudgement(ctx context.Context, q *monitoringv1.RecordOfstedJudgementRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordOfstedJudgement", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RecordOfstedJudgement(ctx, r, q)
	})
}

func (s *Server) RecordQualityVisit(ctx context.Context, q *monitoringv1.RecordQualityVisitRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordQualityVisit", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RecordQualityVisit(ctx, r, q)
	})
}

func (s *Server) NotifyIncident(ctx context.Context, q *monitoringv1.NotifyIncidentRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "NotifyIncident", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) { return s.app.NotifyIncident(ctx, r, q) })
}

func (s *Server) RecordFeedback(ctx context.Context, q *monitoringv1.RecordFeedbackRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RecordFeedback", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) { return s.app.RecordFeedback(ctx, r, q) })
}

func (s *Server) RaiseFinancialWarning(ctx context.Context, q *monitoringv1.RaiseFinancialWarningRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "RaiseFinancialWarning", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RaiseFinancialWarning(ctx, r, q)
	})
}

func (s *Server) WithdrawFinancialWarning(ctx context.Context, q *monitoringv1.WithdrawFinancialWarningRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "WithdrawFinancialWarning", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.WithdrawFinancialWarning(ctx, r, q)
	})
}

func (s *Server) SetRiskPolicy(ctx context.Context, q *monitoringv1.SetRiskPolicyRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "SetRiskPolicy", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) { return s.app.SetRiskPolicy(ctx, r, q) })
}

func (s *Server) AcknowledgeAlert(ctx context.Context, q *monitoringv1.AcknowledgeAlertRequest) (*monitoringv1.CommandResponse, error) {
	return command(ctx, "AcknowledgeAlert", q.GetRequestId(), func(ctx context.Context, r app.Request) (app.Result, error) { return s.app.AcknowledgeAlert(ctx, r, q) })
}

func (s *Server) ListContracts(ctx context.Context, q *monitoringv1.ListContractsRequest) (*monitoringv1.ListContractsResponse, error) {
	return query(ctx, "ListContracts", func(p auth.Principal) (*monitoringv1.ListContractsResponse, error) {
		return s.app.ListContracts(ctx, p, q)
	})
}

func (s *Server) GetContract(ctx context.Context, q *monitoringv1.GetContractRequest) (*monitoringv1.Contract, error) {
	return query(ctx, "GetContract", func(p auth.Principal) (*monitoringv1.Contract, error) { return s.app.GetContract(ctx, p, q) })
}

func (s *Server) ListMonitoringReturns(ctx context.Context, q *monitoringv1.ListMonitoringReturnsRequest) (*monitoringv1.ListMonitoringReturnsResponse, error) {
	return query(ctx, "ListMonitoringReturns", func(p auth.Principal) (*monitoringv1.ListMonitoringReturnsResponse, error) {
		return s.app.ListMonitoringReturns(ctx, p, q)
	})
}

func (s *Server) ListReturnCompliance(ctx context.Context, q *monitoringv1.ListReturnComplianceRequest) (*monitoringv1.ReturnCompliance, error) {
	return query(ctx, "ListReturnCompliance", func(p auth.Principal) (*monitoringv1.ReturnCompliance, error) {
		return s.app.ListReturnCompliance(ctx, p, q)
	})
}

func (s *Server) GetMonitoringBurden(ctx context.Context, q *monitoringv1.GetMonitoringBurdenRequest) (*monitoringv1.MonitoringBurden, error) {
	return query(ctx, "GetMonitoringBurden", func(p auth.Principal) (*monitoringv1.MonitoringBurden, error) {
		return s.app.GetMonitoringBurden(ctx, p, q)
	})
}

func (s *Server) GetQualityEvidence(ctx context.Context, q *monitoringv1.GetQualityEvidenceRequest) (*monitoringv1.QualityEvidence, error) {
	return query(ctx, "GetQualityEvidence", func(p auth.Principal) (*monitoringv1.QualityEvidence, error) {
		return s.app.GetQualityEvidence(ctx, p, q)
	})
}

func (s *Server) GetOutcomesReport(ctx context.Context, q *monitoringv1.GetOutcomesReportRequest) (*monitoringv1.OutcomesReport, error) {
	return query(ctx, "GetOutcomesReport", func(p auth.Principal) (*monitoringv1.OutcomesReport, error) {
		return s.app.GetOutcomesReport(ctx, p, q)
	})
}

func (s *Server) GetRiskPolicy(ctx context.Context, q *monitoringv1.GetRiskPolicyRequest) (*monitoringv1.RiskPolicy, error) {
	return query(ctx, "GetRiskPolicy", func(p auth.Principal) (*monitoringv1.RiskPolicy, error) { return s.app.GetRiskPolicy(ctx, p, q) })
}

func (s *Server) ListRiskLevels(ctx context.Context, q *monitoringv1.ListRiskLevelsRequest) (*monitoringv1.ListRiskLevelsResponse, error) {
	return query(ctx, "ListRiskLevels", func(p auth.Principal) (*monitoringv1.ListRiskLevelsResponse, error) {
		return s.app.ListRiskLevels(ctx, p, q)
	})
}

func (s *Server) ListAlerts(ctx context.Context, q *monitoringv1.ListAlertsRequest) (*monitoringv1.ListAlertsResponse, error) {
	return query(ctx, "ListAlerts", func(p auth.Principal) (*monitoringv1.ListAlertsResponse, error) { return s.app.ListAlerts(ctx, p, q) })
}

func (s *Server) GetDecisionLog(ctx context.Context, q *monitoringv1.GetDecisionLogRequest) (*monitoringv1.GetDecisionLogResponse, error) {
	return query(ctx, "GetDecisionLog", func(p auth.Principal) (*monitoringv1.GetDecisionLogResponse, error) {
		return s.app.GetDecisionLog(ctx, p, q)
	})
}

// WatchAlerts streams the caller's alerts until the client goes away.
func (s *Server) WatchAlerts(q *monitoringv1.WatchAlertsRequest, stream grpc.ServerStreamingServer[monitoringv1.Alert]) error {
	ctx := stream.Context()
	p, _, err := grpcserver.Caller(ctx, Policy, method("WatchAlerts"))
	if err != nil {
		return err
	}
	err = s.app.WatchAlerts(ctx, p, q, stream.Send)
	if errors.Is(err, app.ErrWatcherBehind) {
		return status.Error(codes.Unavailable, err.Error())
	}
	return err
}
