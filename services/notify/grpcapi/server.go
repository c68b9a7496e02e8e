// Package grpcapi is the notifications service's gRPC transport.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/notify/app"
)

// Server implements carecoop.notify.v1.NotifyService.
type Server struct {
	notifyv1.UnimplementedNotifyServiceServer
	app *app.Service
}

// Register adds the service to a gRPC server.
func Register(r grpc.ServiceRegistrar, a *app.Service) {
	notifyv1.RegisterNotifyServiceServer(r, &Server{app: a})
}

type commandFn func(context.Context, app.Request) (app.Result, error)

func command(ctx context.Context, rpc, requestID string, expected uint64, run commandFn) (*notifyv1.CommandResponse, error) {
	r, err := grpcserver.Request(ctx, Policy, method(rpc), requestID, expected)
	if err != nil {
		return nil, err
	}
	res, err := run(ctx, r)
	if err != nil {
		return nil, err
	}
	return &notifyv1.CommandResponse{Id: res.ID, StreamVersion: res.StreamVersion, Position: res.Position}, nil
}

func query[T any](ctx context.Context, rpc string, run func(auth.Principal) (T, error)) (T, error) {
	p, _, err := grpcserver.Caller(ctx, Policy, method(rpc))
	if err != nil {
		var zero T
		return zero, err
	}
	return run(p)
}

func (s *Server) SetContact(ctx context.Context, q *notifyv1.SetContactRequest) (*notifyv1.CommandResponse, error) {
	return command(ctx, "SetContact", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.SetContact(ctx, r, q.GetOrganisation(), q.GetName(), q.GetEmail(), q.GetRoles(), q.GetSubject())
	})
}

func (s *Server) RemoveContact(ctx context.Context, q *notifyv1.RemoveContactRequest) (*notifyv1.CommandResponse, error) {
	return command(ctx, "RemoveContact", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.RemoveContact(ctx, r, q.GetOrganisation(), q.GetEmail())
	})
}

func (s *Server) MarkNotificationRead(ctx context.Context, q *notifyv1.MarkNotificationReadRequest) (*notifyv1.CommandResponse, error) {
	return command(ctx, "MarkNotificationRead", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.MarkNotificationRead(ctx, r, q.GetNotificationId())
	})
}

func (s *Server) SetPreferences(ctx context.Context, q *notifyv1.SetPreferencesRequest) (*notifyv1.CommandResponse, error) {
	return command(ctx, "SetPreferences", q.GetRequestId(), q.GetExpectedVersion(), func(ctx context.Context, r app.Request) (app.Result, error) {
		return s.app.SetPreferences(ctx, r, q.GetOff(), q.GetDailyDigest(), q.GetQuietHours())
	})
}

func (s *Server) ListContacts(ctx context.Context, q *notifyv1.ListContactsRequest) (*notifyv1.ListContactsResponse, error) {
	return query(ctx, "ListContacts", func(p auth.Principal) (*notifyv1.ListContactsResponse, error) {
		return s.app.ListContacts(ctx, p, q.GetOrganisation(), q.GetMinPosition())
	})
}

func (s *Server) ListMyNotifications(ctx context.Context, q *notifyv1.ListMyNotificationsRequest) (*notifyv1.ListNotificationsResponse, error) {
	return query(ctx, "ListMyNotifications", func(p auth.Principal) (*notifyv1.ListNotificationsResponse, error) {
		return s.app.ListMyNotifications(ctx, p, q.GetUnreadOnly(), q.GetLimit(), q.GetMinPosition())
	})
}

func (s *Server) GetNotification(ctx context.Context, q *notifyv1.GetNotificationRequest) (*notifyv1.Notification, error) {
	return query(ctx, "GetNotification", func(p auth.Principal) (*notifyv1.Notification, error) {
		return s.app.GetNotification(ctx, p, q.GetNotificationId(), q.GetMinPosition())
	})
}

func (s *Server) ListTemplates(ctx context.Context, _ *notifyv1.ListTemplatesRequest) (*notifyv1.ListTemplatesResponse, error) {
	return query(ctx, "ListTemplates", func(auth.Principal) (*notifyv1.ListTemplatesResponse, error) {
		return s.app.ListTemplates(), nil
	})
}

func (s *Server) GetPreferences(ctx context.Context, q *notifyv1.GetPreferencesRequest) (*notifyv1.Preferences, error) {
	return query(ctx, "GetPreferences", func(p auth.Principal) (*notifyv1.Preferences, error) {
		return s.app.GetPreferences(ctx, p, q.GetMinPosition())
	})
}

func (s *Server) ListDeliveryFailures(ctx context.Context, q *notifyv1.ListDeliveryFailuresRequest) (*notifyv1.ListNotificationsResponse, error) {
	return query(ctx, "ListDeliveryFailures", func(p auth.Principal) (*notifyv1.ListNotificationsResponse, error) {
		return s.app.ListDeliveryFailures(ctx, p, q.GetLimit(), q.GetMinPosition())
	})
}

func (s *Server) ListOutbox(ctx context.Context, q *notifyv1.ListOutboxRequest) (*notifyv1.ListOutboxResponse, error) {
	return query(ctx, "ListOutbox", func(p auth.Principal) (*notifyv1.ListOutboxResponse, error) {
		return s.app.ListOutbox(ctx, p, q.GetOrganisation(), q.GetLimit(), q.GetMinPosition())
	})
}

func (s *Server) GetDecisionLog(ctx context.Context, q *notifyv1.GetDecisionLogRequest) (*notifyv1.GetDecisionLogResponse, error) {
	return query(ctx, "GetDecisionLog", func(p auth.Principal) (*notifyv1.GetDecisionLogResponse, error) {
		return s.app.GetDecisionLog(ctx, p, q.GetCauseEventId(), q.GetMinPosition())
	})
}
