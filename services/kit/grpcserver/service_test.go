package grpcserver_test

// A small gRPC service registered through a hand-written grpc.ServiceDesc, the
// way generated code does it, so the tests go through real gRPC (bufconn)
// with real protovalidate-annotated messages.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

const svcName = "carecoop.kit.test.v1.TestService"

func method(name string) string { return "/" + svcName + "/" + name }

// testPolicy covers every method but Unlisted.
var testPolicy = auth.Policy{
	method("Draft"):  {Roles: []string{auth.ConsortiumLead}},
	method("Fail"):   {Roles: []string{auth.ConsortiumLead, auth.CouncilViewer}},
	method("Panic"):  {Roles: []string{auth.ConsortiumLead}},
	method("Whoami"): {Roles: auth.AllRoles()},
	method("Watch"):  {Roles: []string{auth.ConsortiumLead}},
	method("Block"):  {Roles: auth.AllRoles()},
	method("Nested"): {Roles: auth.AllRoles()},
}

func unary[Req any, PReq interface {
	*Req
	proto.Message
}](name string, fn func(context.Context, PReq) (proto.Message, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := PReq(new(Req))
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				srv.(*testService).handled.Add(1)
				return fn(ctx, req.(PReq))
			}
			if ic == nil {
				return h(ctx, in)
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: method(name)}, h)
		},
	}
}

// failures maps Fail's argument to the error its handler returns.
var failures = map[string]error{
	"precondition": domainerr.Rule("framework.term_max_4_years", "a framework runs at most 4 years"),
	"wrapped-rule": fmt.Errorf("draft: %w", domainerr.Rule("framework.draft_only", "only a draft can be amended")),
	"notfound":     domainerr.Missing("framework", "framework %s does not exist", "fw-1"),
	"invalid":      domainerr.Field("terms.lots[1].lot_id", "lot id %q is used twice", "lot-1"),
	"denied":       domainerr.Forbidden("the framework belongs to another consortium"),
	"conflict":     domainerr.Stale("expected version 3, framework is at 4"),
	"concurrency":  fmt.Errorf("append fw-1: %w", eventstore.ErrConcurrency),
	"deadline":     fmt.Errorf("load: %w", context.DeadlineExceeded),
	"canceled":     context.Canceled,
	// How a stream leader's loss reaches a handler.
	"store-timeout":     fmt.Errorf("eventstore/jetstream: append to x: %w", nats.ErrTimeout),
	"store-no-response": fmt.Errorf("eventstore/jetstream: append to x: %w", natsjs.ErrNoStreamResponse),
	"store-no-leader":   fmt.Errorf("load: %w", &natsjs.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}),
	"status":            status.Error(codes.ResourceExhausted, "slow down"),
	"plain":             errors.New("db: password=hunter2 rejected"),
	"none":              nil,
	"unknown-domain":    &domainerr.Error{Kind: 99, Message: "?"},
}

var testDesc = grpc.ServiceDesc{
	ServiceName: svcName,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary("Draft", func(_ context.Context, r *frameworkv1.DraftFrameworkRequest) (proto.Message, error) {
			return &frameworkv1.CommandResponse{FrameworkId: "fw-" + r.GetRequestId()}, nil
		}),
		unary("Fail", func(_ context.Context, r *wrapperspb.StringValue) (proto.Message, error) {
			if err := failures[r.GetValue()]; err != nil {
				return nil, err
			}
			return &emptypb.Empty{}, nil
		}),
		unary("Panic", func(context.Context, *emptypb.Empty) (proto.Message, error) {
			panic("boom: secret internals")
		}),
		unary("Whoami", func(ctx context.Context, _ *emptypb.Empty) (proto.Message, error) {
			p, ok := auth.FromContext(ctx)
			if !ok {
				return nil, errors.New("no principal in handler context")
			}
			return wrapperspb.String(p.Subject + "|" + p.Organisation + "|" + grpcserver.CorrelationID(ctx)), nil
		}),
		unary("Unlisted", func(context.Context, *emptypb.Empty) (proto.Message, error) {
			return &emptypb.Empty{}, nil
		}),
		// Any recursive message would do: DescriptorProto nests one message
		// per level.
		unary("Nested", func(context.Context, *descriptorpb.DescriptorProto) (proto.Message, error) {
			return &emptypb.Empty{}, nil
		}),
	},
	Streams: []grpc.StreamDesc{
		{
			StreamName:    "Watch",
			ServerStreams: true,
			Handler: func(srv any, ss grpc.ServerStream) error {
				in := new(frameworkv1.DraftFrameworkRequest)
				if err := ss.RecvMsg(in); err != nil {
					return err
				}
				srv.(*testService).handled.Add(1)
				p, _ := auth.FromContext(ss.Context())
				for _, s := range []string{in.GetRequestId(), p.Subject, grpcserver.CorrelationID(ss.Context())} {
					if err := ss.SendMsg(wrapperspb.String(s)); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			StreamName:    "Block",
			ServerStreams: true,
			Handler: func(srv any, ss grpc.ServerStream) error {
				in := new(emptypb.Empty)
				if err := ss.RecvMsg(in); err != nil {
					return err
				}
				srv.(*testService).handled.Add(1)
				if err := ss.SendMsg(wrapperspb.String("started")); err != nil {
					return err
				}
				<-ss.Context().Done()
				return ss.Context().Err()
			},
		},
	},
}

// testService counts the requests its handlers were given.
type testService struct{ handled atomic.Int64 }

// validDraft passes every protovalidate rule of DraftFrameworkRequest.
func validDraft() *frameworkv1.DraftFrameworkRequest {
	return &frameworkv1.DraftFrameworkRequest{
		RequestId: "req-00000001",
		Terms: &frameworkv1.FrameworkTerms{
			Title:    "Residential care, North West",
			Category: frameworkv1.Category_CATEGORY_RESIDENTIAL,
			Lots: []*frameworkv1.LotTerms{{
				LotId:     "lot-1",
				Name:      "Emotional and behavioural needs",
				PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 100000, MaxWeeklyPence: 900000},
			}},
			MemberCouncils: []string{"352", "350"},
			TermStart:      "2026-04-01",
			TermEnd:        "2030-03-31",
			QualityWeight:  70,
			PriceWeight:    30,
		},
	}
}
