package grpcserver

import (
	"context"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Bounds of RetryUnavailable's waits, and how long it keeps trying a call
// whose context has no deadline.
const (
	retryBase        = 50 * time.Millisecond
	retryLimit       = time.Second
	DefaultRetryTime = 10 * time.Second
)

// RetryUnavailable is a unary client interceptor that calls again, with
// jittered backoff (50 ms doubling to 1 s), while the answer is
// UNAVAILABLE, until the call's deadline (DefaultRetryTime when it has
// none). A leader election in the event store, a replica starting or a read
// model catching up then costs the caller latency, not an error.
//
// It is safe because every unary carecoop RPC may be repeated: a command
// carries the caller's request id and a repeat answers with the original
// result (docs/architecture.md), and the others only read. UNAVAILABLE
// means the server decided nothing; every other code is returned at once.
// Streams are not retried.
func RetryUnavailable() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, DefaultRetryTime)
			defer cancel()
		}
		deadline, _ := ctx.Deadline()
		for attempt := 0; ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if status.Code(err) != codes.Unavailable {
				return err
			}
			wait := rand.N(min(retryBase<<min(attempt, 10), retryLimit)) + retryBase/2
			if time.Until(deadline) <= wait {
				// No time left for another answer: the caller gets this one.
				return err
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
		}
	}
}
