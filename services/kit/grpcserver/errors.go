package grpcserver

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/projection"
)

// StatusOf maps a handler's error to the status the client sees (nil for a
// nil error):
//
//   - an error carrying a gRPC status: that status, unchanged;
//   - *domainerr.Error: Precondition → FAILED_PRECONDITION (message
//     "<rule>: <message>", google.rpc.PreconditionFailure detail with the
//     rule as type and subject); NotFound → NOT_FOUND; Invalid →
//     INVALID_ARGUMENT (google.rpc.BadRequest detail naming the field);
//     Denied → PERMISSION_DENIED; Conflict → ABORTED;
//   - an error wrapping eventstore.ErrConcurrency → ABORTED;
//   - projection.ErrNotReached (a read model behind min_position after the
//     bounded wait) and projection.ErrFailing (a read model that stopped
//     following the store) → UNAVAILABLE, which clients may retry;
//   - eventstore.ErrOlderThanData (an aggregate holds an event of its own
//     context this binary does not know) → UNAVAILABLE;
//   - context.DeadlineExceeded → DEADLINE_EXCEEDED, context.Canceled → CANCELED
//     (in a handler, a deadline that is not the caller's is UNAVAILABLE:
//     the store's own request timed out);
//   - a transient event store error (jetstream.Transient: no responders, a
//     timeout, a stream without a leader during an election, JetStream
//     503) → UNAVAILABLE: nothing was decided, the client retries;
//   - anything else → INTERNAL "internal error": the real error is for the
//     logs (the interceptor logs it), never for the client.
func StatusOf(err error) *status.Status {
	st, _ := statusOf(err)
	return st
}

// statusOf is StatusOf, also reporting whether err was one of the known kinds.
func statusOf(err error) (*status.Status, bool) {
	if err == nil {
		return nil, true
	}
	if st, ok := status.FromError(err); ok {
		return st, true
	}
	if de, ok := domainerr.As(err); ok {
		return domainStatus(de)
	}
	switch {
	case errors.Is(err, eventstore.ErrConcurrency):
		return status.New(codes.Aborted, "the resource was changed concurrently; reload it and retry"), true
	case errors.Is(err, projection.ErrNotReached):
		return status.New(codes.Unavailable, err.Error()), true
	case errors.Is(err, eventstore.ErrOlderThanData):
		// Another replica, newer, wrote what this one cannot read: retry
		// there (or after this one is upgraded).
		return status.New(codes.Unavailable, "this service is older than its data: retry (another replica may be newer)"), true
	case errors.Is(err, projection.ErrFailing):
		// The runner logs the cause; the client learns only to retry.
		return status.New(codes.Unavailable, "a read model is not following the event store: retry later"), true
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded"), true
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "canceled"), true
	case jetstream.Transient(err):
		return errStoreUnavailable, true
	}
	return status.New(codes.Internal, "internal error"), false
}

// errStoreUnavailable is what a client learns of a store outage: to retry.
var errStoreUnavailable = status.New(codes.Unavailable, "the event store is unavailable for a moment: retry")

// domainStatus maps a domain error; ok is false for an unknown kind.
func domainStatus(de *domainerr.Error) (st *status.Status, ok bool) {
	msg := de.Error()
	switch de.Kind {
	case domainerr.Precondition:
		st = withDetailsStatus(status.New(codes.FailedPrecondition, msg), &errdetails.PreconditionFailure{
			Violations: []*errdetails.PreconditionFailure_Violation{{
				Type:        de.Rule,
				Subject:     de.Rule,
				Description: de.Message,
			}},
		})
	case domainerr.NotFound:
		st = status.New(codes.NotFound, msg)
	case domainerr.Invalid:
		st = withDetailsStatus(status.New(codes.InvalidArgument, msg), &errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{{
				Field:       de.Rule,
				Description: de.Message,
			}},
		})
	case domainerr.Denied:
		st = status.New(codes.PermissionDenied, msg)
	case domainerr.Conflict:
		st = status.New(codes.Aborted, msg)
	default:
		return status.New(codes.Internal, "internal error"), false
	}
	return st, true
}

func withDetailsStatus(st *status.Status, details ...protoadapt.MessageV1) *status.Status {
	if ds, err := st.WithDetails(details...); err == nil {
		return ds
	}
	return st
}

func withDetails(st *status.Status, details ...protoadapt.MessageV1) error {
	return withDetailsStatus(st, details...).Err()
}
