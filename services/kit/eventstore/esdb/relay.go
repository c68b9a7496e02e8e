package esdb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/retry"
)

// The relay keeps the bus on NATS while EventStoreDB is the store of
// record: it follows $all (the carecoop streams) and publishes each commit,
// in $all order, to the JetStream subject of its aggregate
// (carecoop.evt.<context>.<aggregate>.<id>) on the event stream the
// services' bus consumers read, encoded exactly as the JetStream store
// writes it (jetstream.RelayMsg).
//
// Positions: the ESDB commit position is the one global position. Each
// relayed message carries it (header Carecoop-Position), and consumers
// decoding the message report it as the events' Position, so a reaction
// waits on a read model (WaitFor, fed from ESDB directly) with the position
// the read model knows, and min_position given back to a caller means the
// same thing on every path. The JetStream sequence is only the bus's
// delivery order, which is $all's order because the relay publishes one
// commit at a time, each after the previous one's acknowledgement.
//
// Exactly once: the message id is "esdb:<commit position>", so a commit
// published twice within JetStream's duplicate window is stored once. The
// relay's checkpoint (RelayBucket, key RelayKey) is written only after
// the publish is acknowledged; on start the relay resumes after the larger
// of that checkpoint and the position of the last message on the event
// stream, so a relay stopped between publish and checkpoint, however long
// ago, neither publishes a commit twice nor skips one.

// Relay names.
const (
	RelayBucket = "CARECOOP_ESDB_RELAY"
	RelayKey    = "position"
)

// Relay copies commits from the ESDB store onto the JetStream event stream.
type Relay struct {
	store  *Store
	js     natsjs.JetStream
	stream natsjs.Stream
	kv     natsjs.KeyValue
	log    *zap.Logger
	// beforePublish and beforeCheckpoint, if set, run before each
	// commit's publish and checkpoint: an error stops the relay there
	// (fault tests kill it between the two stores).
	beforePublish    func(pos uint64) error
	beforeCheckpoint func(pos uint64) error
}

// NewRelay opens (creating if need be) the event stream, as the JetStream
// store configures it, and the relay's checkpoint bucket.
func NewRelay(ctx context.Context, store *Store, js natsjs.JetStream, log *zap.Logger, opts ...jetstream.Option) (*Relay, error) {
	if log == nil {
		log = zap.NewNop()
	}
	ev, err := jetstream.New(ctx, js, opts...)
	if err != nil {
		return nil, err
	}
	stream, err := js.Stream(ctx, ev.StreamName())
	if err != nil {
		return nil, fmt.Errorf("esdb relay: %w", err)
	}
	// Created, never updated: the relay's NATS user may not update streams.
	kv, err := js.CreateKeyValue(ctx, natsjs.KeyValueConfig{Bucket: RelayBucket, Description: "carecoop: the ESDB relay's last published commit position", History: 1})
	if errors.Is(err, natsjs.ErrBucketExists) {
		kv, err = js.KeyValue(ctx, RelayBucket)
	}
	if err != nil {
		return nil, fmt.Errorf("esdb relay: checkpoint bucket: %w", err)
	}
	return &Relay{store: store, js: js, stream: stream, kv: kv, log: log}, nil
}

// Run relays until ctx ends, restarting the subscription with backoff when
// it fails; it returns ctx's error.
func (r *Relay) Run(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		err := r.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.Error("esdb relay stopped: restarting", zap.Int("attempt", attempt+1), zap.Error(err))
		if err := retry.Backoff(ctx, min(attempt, 8), 100*time.Millisecond, 10*time.Second); err != nil {
			return err
		}
	}
}

// RunOnce relays from where the last run stopped until ctx ends or a step
// fails, and returns why it stopped.
func (r *Relay) RunOnce(ctx context.Context) error {
	from, err := r.Resume(ctx)
	if err != nil {
		return err
	}
	r.log.Info("esdb relay following $all", zap.Uint64("after", from))
	return r.store.follow(ctx, from, nil, func(commit []eventstore.RecordedEvent, _ *esdb.Position) error {
		if commit == nil {
			return nil
		}
		return r.relay(ctx, commit)
	})
}

// Resume is the position the relay goes on after: the larger of its
// checkpoint and the last relayed message's position.
func (r *Relay) Resume(ctx context.Context) (uint64, error) {
	var from uint64
	e, err := r.kv.Get(ctx, RelayKey)
	switch {
	case errors.Is(err, natsjs.ErrKeyNotFound):
	case err != nil:
		return 0, fmt.Errorf("esdb relay: read checkpoint: %w", err)
	default:
		if from, err = strconv.ParseUint(string(e.Value()), 10, 64); err != nil {
			return 0, fmt.Errorf("esdb relay: bad checkpoint %q: %w", e.Value(), err)
		}
	}
	info, err := r.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("esdb relay: event stream: %w", err)
	}
	if info.State.LastSeq > 0 {
		msg, err := r.stream.GetMsg(ctx, info.State.LastSeq)
		if err != nil {
			return 0, fmt.Errorf("esdb relay: last message: %w", err)
		}
		if p := msg.Header.Get(jetstream.HeaderPosition); p != "" {
			last, err := strconv.ParseUint(p, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("esdb relay: bad %s %q", jetstream.HeaderPosition, p)
			}
			from = max(from, last)
		}
	}
	return from, nil
}

// relay publishes one commit until JetStream acknowledges it, then
// records it as the checkpoint.
func (r *Relay) relay(ctx context.Context, commit []eventstore.RecordedEvent) error {
	pos := commit[0].Position
	msg, err := jetstream.RelayMsg(commit)
	if err != nil {
		return err
	}
	if r.beforePublish != nil {
		if err := r.beforePublish(pos); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = r.js.PublishMsg(pctx, msg)
		cancel()
		if err == nil {
			break // stored, or a duplicate of the same commit: either way on the stream once
		}
		if !jetstream.Transient(err) {
			return fmt.Errorf("esdb relay: publish commit at %d: %w", pos, err)
		}
		if err := retry.Backoff(ctx, min(attempt, 6), 50*time.Millisecond, 2*time.Second); err != nil {
			return err
		}
	}
	if r.beforeCheckpoint != nil {
		if err := r.beforeCheckpoint(pos); err != nil {
			return err
		}
	}
	if _, err := r.kv.Put(ctx, RelayKey, []byte(strconv.FormatUint(pos, 10))); err != nil {
		return fmt.Errorf("esdb relay: checkpoint %d: %w", pos, err)
	}
	return nil
}

// BusStore is the ESDB store with the bus beside it: the services' store
// when ESDB is the store of record. It is a bus.Source, so reactions
// (bus.Follow, bus.ConsumeStore) consume the JetStream event stream the
// relay writes, while appends, loads and read models use ESDB.
type BusStore struct {
	*Store
	js     natsjs.JetStream
	stream string
}

// WithBus pairs store with the JetStream event stream the relay fills
// (jetstream.DefaultStreamName unless named).
func WithBus(store *Store, js natsjs.JetStream, stream string) *BusStore {
	if stream == "" {
		stream = jetstream.DefaultStreamName
	}
	return &BusStore{Store: store, js: js, stream: stream}
}

// JetStream is the bus's JetStream context.
func (b *BusStore) JetStream() natsjs.JetStream { return b.js }

// StreamName is the event stream the relay publishes to.
func (b *BusStore) StreamName() string { return b.stream }
