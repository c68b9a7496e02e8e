package jetstream

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
)

// codeNoSuitablePeers is a clustered placement that found too few servers:
// on a cluster that is still forming, the peers have not all been seen yet.
const codeNoSuitablePeers = 10005

// Transient reports whether err, from the store or from JetStream, means
// "nothing was decided, try again": no server answered (no responders, a
// timeout, a stream or consumer without a leader for the moment, a
// connection reconnecting) or JetStream said it is unavailable for now
// (503: a cluster electing its leaders, a stream catching up). It is how a
// stream leader's loss looks to a client until a new leader is elected.
//
// context.DeadlineExceeded counts: the client's own request timeout is
// that error too. Whether it was the caller's deadline that passed is for
// the caller to tell (its context is done).
func Transient(err error) bool {
	if err == nil {
		return false
	}
	switch {
	case errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, natsjs.ErrNoStreamResponse),
		errors.Is(err, natsjs.ErrJetStreamNotEnabled),
		errors.Is(err, natsjs.ErrConsumerLeadershipChanged),
		errors.Is(err, nats.ErrTimeout),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrReconnectBufExceeded),
		errors.Is(err, nats.ErrNoServers):
		return true
	}
	var apiErr *natsjs.APIError
	if errors.As(err, &apiErr) {
		// 503 is how the server says "unavailable" (JetStream system
		// temporarily unavailable 10008, insufficient resources 10023 while
		// peers are missing, ...).
		return apiErr.Code == 503 || apiErr.ErrorCode == codeStreamNotReady
	}
	return false
}

// codeStreamNotReady: the expected last sequence per subject cannot be
// checked yet (a stream leader still catching up).
const codeStreamNotReady = 10163
