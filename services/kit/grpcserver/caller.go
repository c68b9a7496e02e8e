package grpcserver

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// Caller is the authenticated principal of a call and the role it acts in:
// the first of the method's policy roles that the principal holds (the
// authorisation interceptor has already checked there is one). fullMethod is
// "/<service>/<method>".
func Caller(ctx context.Context, policy auth.Policy, fullMethod string) (auth.Principal, string, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return p, "", status.Error(codes.Unauthenticated, "no authenticated caller")
	}
	for _, role := range policy[fullMethod].Roles {
		if p.HasRole(role) {
			return p, role, nil
		}
	}
	return p, "", nil
}

// Request is a command call's caller and ids (see Caller).
func Request(ctx context.Context, policy auth.Policy, fullMethod, requestID string, expectedVersion uint64) (aggregate.Request, error) {
	p, role, err := Caller(ctx, policy, fullMethod)
	if err != nil {
		return aggregate.Request{}, err
	}
	return aggregate.Request{Principal: p, Role: role, RequestID: requestID, CorrelationID: CorrelationID(ctx), ExpectedVersion: expectedVersion}, nil
}
