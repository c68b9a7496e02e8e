package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/purchasing/app"
)

func agrMethod(name string) string {
	return "/" + purchasingv1.AgreementService_ServiceDesc.ServiceName + "/" + name
}

var (
	// agrReaders: the parties' people and the consortium's lead read
	// agreements; analysts work on aggregates only.
	agrReaders = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder, auth.PlatformAdmin, auth.Auditor}
	// agrParties accept and vary: the council's commissioner and the
	// provider's admin (which party is checked by the domain).
	agrParties = []string{auth.CouncilCommissioner, auth.ProviderAdmin}
	// payReaders: who pays, who is paid, the lead, the platform.
	payReaders = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilViewer, auth.ProviderAdmin, auth.PlatformAdmin, auth.Auditor}
)

// AgrPolicy is who may call each RPC of AgreementService.
var AgrPolicy = auth.Policy{
	agrMethod("GetAgreement"):       {Roles: agrReaders},
	agrMethod("ListAgreements"):     {Roles: agrReaders},
	agrMethod("GetAgreementPdf"):    {Roles: agrReaders},
	agrMethod("AcceptAgreement"):    {Roles: agrParties},
	agrMethod("ProposeVariation"):   {Roles: agrParties},
	agrMethod("ListPaymentsDue"):    {Roles: payReaders},
	agrMethod("GetConsortiumSpend"): {Roles: []string{auth.ConsortiumLead}},
}

// AgreementServer implements carecoop.purchasing.v1.AgreementService.
type AgreementServer struct {
	purchasingv1.UnimplementedAgreementServiceServer
	app *app.Agreements
}

// RegisterAgreements adds AgreementService to a gRPC server.
func RegisterAgreements(r grpc.ServiceRegistrar, a *app.Agreements) {
	purchasingv1.RegisterAgreementServiceServer(r, &AgreementServer{app: a})
}

func agrQuery[T any](ctx context.Context, rpc string, run func(auth.Principal) (T, error)) (T, error) {
	p, _, err := grpcserver.Caller(ctx, AgrPolicy, agrMethod(rpc))
	if err != nil {
		var zero T
		return zero, err
	}
	return run(p)
}

func agrCommand(ctx context.Context, rpc, requestID string, expected uint64, run func(app.Request) (app.AgreementResult, error)) (*purchasingv1.AgreementCommandResponse, error) {
	r, err := grpcserver.Request(ctx, AgrPolicy, agrMethod(rpc), requestID, expected)
	if err != nil {
		return nil, err
	}
	res, err := run(r)
	if err != nil {
		return nil, err
	}
	return &purchasingv1.AgreementCommandResponse{AgreementId: res.ID, StreamVersion: res.StreamVersion, Position: res.Position, Version: res.Version, Locked: res.Locked}, nil
}

func (s *AgreementServer) GetAgreement(ctx context.Context, q *purchasingv1.GetAgreementRequest) (*purchasingv1.AgreementView, error) {
	return agrQuery(ctx, "GetAgreement", func(p auth.Principal) (*purchasingv1.AgreementView, error) {
		return s.app.GetAgreement(ctx, p, q.GetAgreementId(), q.GetMinPosition())
	})
}

func (s *AgreementServer) ListAgreements(ctx context.Context, q *purchasingv1.ListAgreementsRequest) (*purchasingv1.ListAgreementsResponse, error) {
	return agrQuery(ctx, "ListAgreements", func(p auth.Principal) (*purchasingv1.ListAgreementsResponse, error) {
		return s.app.ListAgreements(ctx, p, q.GetMinPosition())
	})
}

func (s *AgreementServer) GetAgreementPdf(ctx context.Context, q *purchasingv1.GetAgreementPdfRequest) (*purchasingv1.AgreementPdf, error) {
	return agrQuery(ctx, "GetAgreementPdf", func(p auth.Principal) (*purchasingv1.AgreementPdf, error) {
		return s.app.GetAgreementPdf(ctx, p, q.GetAgreementId(), q.GetVersion(), q.GetMinPosition())
	})
}

func (s *AgreementServer) AcceptAgreement(ctx context.Context, q *purchasingv1.AcceptAgreementRequest) (*purchasingv1.AgreementCommandResponse, error) {
	return agrCommand(ctx, "AcceptAgreement", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.AgreementResult, error) {
		return s.app.AcceptAgreement(ctx, r, q.GetAgreementId(), q.GetVersion(), q.GetDigest())
	})
}

func (s *AgreementServer) ProposeVariation(ctx context.Context, q *purchasingv1.ProposeVariationRequest) (*purchasingv1.AgreementCommandResponse, error) {
	return agrCommand(ctx, "ProposeVariation", q.GetRequestId(), q.GetExpectedVersion(), func(r app.Request) (app.AgreementResult, error) {
		return s.app.ProposeVariation(ctx, r, q.GetAgreementId(), q.GetNewWeeklyPricePence(), q.GetPriceFrom(), q.GetEndDate(), q.GetReason())
	})
}

func (s *AgreementServer) ListPaymentsDue(ctx context.Context, q *purchasingv1.ListPaymentsDueRequest) (*purchasingv1.ListPaymentsDueResponse, error) {
	return agrQuery(ctx, "ListPaymentsDue", func(p auth.Principal) (*purchasingv1.ListPaymentsDueResponse, error) {
		return s.app.ListPaymentsDue(ctx, p, q.GetFromWeek(), q.GetToWeek(), q.GetMinPosition())
	})
}

func (s *AgreementServer) GetConsortiumSpend(ctx context.Context, q *purchasingv1.GetConsortiumSpendRequest) (*purchasingv1.ConsortiumSpend, error) {
	return agrQuery(ctx, "GetConsortiumSpend", func(p auth.Principal) (*purchasingv1.ConsortiumSpend, error) {
		return s.app.GetConsortiumSpend(ctx, p, q.GetFromWeek(), q.GetToWeek(), q.GetMinPosition())
	})
}
