package jetstream

import (
	"context"
	"errors"

	natsjs "github.com/nats-io/nats.go/jetstream"
)

// FirstPositionAfter returns the position of the first commit after `after`
// whose subject matches filter (wildcards allowed). Projection runners use it
// to see that nothing they follow lies between their position and a
// requested one, so a query waiting for a foreign commit answers at once.
func (s *Store) FirstPositionAfter(ctx context.Context, after uint64, filter string) (uint64, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	msg, err := s.stream.GetMsg(ctx, after+1, natsjs.WithGetMsgSubject(filter))
	if errors.Is(err, natsjs.ErrMsgNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return msg.Sequence, true, nil
}
