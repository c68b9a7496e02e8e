// Package bus consumes other contexts' events: durably (a JetStream durable
// consumer remembers what was acknowledged, so a restarted service resumes
// where it stopped) and at least once (an event is acknowledged only after
// its handler succeeded, so a crash or a failure means it comes again).
//
// At least once is made exactly once in effect by the handler's side:
// a handler that reacts by changing one of its own aggregates appends through
// aggregate.Repository with ReactionMeta, whose request id is derived from
// the consumer and the event, so a redelivered event finds its reaction
// already committed and changes nothing. Handlers that only update memory
// must be idempotent by event id or position themselves.
//
// Delivery is strictly ordered: the consumer keeps one message in flight
// (MaxAckPending 1), so an event is never handled before an earlier one has
// succeeded or been given up, not even across redeliveries or between
// replicas of a service sharing the durable consumer. The price is one round
// trip per commit, and a failing event holds back the ones after it until it
// succeeds or is terminated:
//
//   - A handler error is retried: the message is Nak'ed with a delay taken
//     from Config.Backoff by delivery count.
//   - When it still fails on delivery MaxDeliver, the consumer records a
//     dead letter (DeadLetterBucket: the consumer, the position, the event,
//     the error), logs it at error level, terminates the message (Term) and
//     moves on: a poison message blocks its consumer for the sum of the
//     backoff delays, not forever. If the letter cannot be recorded, the
//     message is not terminated but retried after the last backoff delay.
//   - A commit that cannot be decoded gets its letter and is terminated at
//     once (retrying cannot help).
//   - A dead event is handled again only when an operator asks (`carecoop
//     dead-letters replay`, RequestReplay): Follow watches its durable's
//     letters and replays those marked, through the same handler, deleting
//     the letter on success. Never automatically: an old event replayed
//     after newer ones may undo them.
//   - A handler that panics counts as a failure.
//   - A slow handler keeps its message (InProgress every AckWait/3), so it
//     is not redelivered while it runs; a replica that dies mid-handler
//     stops sending them, and another replica gets the message after
//     AckWait (DefaultAckWait 3 s, not the server's 30 s).
//
// The server itself never gives up on a message (its MaxDeliver is
// unlimited): every message dropped is dropped by this package, after its
// dead letter is stored, never silently.
package bus

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/tracing"
)

// Defaults of Config.
const (
	DefaultStream = jetstream.DefaultStreamName
	// DefaultAckWait is short because it is how long a reaction waits when
	// the replica handling it dies: the server redelivers only after it.
	// A handler that runs longer is kept alive by progress acks.
	DefaultAckWait    = 3 * time.Second
	DefaultMaxDeliver = 10
)

// DefaultBackoff is the delay before each redelivery of a failed event: the
// n-th failure waits DefaultBackoff[n-1], the last value repeating. With
// DefaultMaxDeliver a poison message is given up after about four minutes.
var DefaultBackoff = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute}

// Handler handles one event. It must honour ctx, which ends when Consume
// does. An error means "try again later"; to skip an event deliberately,
// return nil (and log why).
type Handler func(ctx context.Context, e eventstore.RecordedEvent) error

// Config configures Consume.
type Config struct {
	// Stream is the JetStream stream of the event store (DefaultStream).
	Stream string
	// Durable names the consumer; required. It is the consumer's identity:
	// the server remembers its position, and it is part of the request id of
	// every reaction (RequestID), so keep it stable for the life of a
	// reaction and distinct between reactions. Letters, digits, '-' and '_'.
	Durable string
	// FilterSubjects selects the streams consumed, e.g.
	// eventstore.ContextFilter("purchasing"); all events if empty.
	FilterSubjects []string
	// Types, if not empty, are the proto full names of the events handled;
	// other events are skipped (commits holding none of them are
	// acknowledged without being decoded).
	Types []string
	// AckWait is how long the server waits for an acknowledgement before
	// redelivering (DefaultAckWait). A running handler extends it.
	AckWait time.Duration
	// MaxDeliver is the number of deliveries after which a failing event is
	// given up: recorded as a dead letter and terminated (DefaultMaxDeliver).
	MaxDeliver int
	// Backoff is the delay before redelivering a failed event, by failure
	// count (DefaultBackoff).
	Backoff []time.Duration
	// Logger receives failures and terminations (nothing if nil).
	Logger *zap.Logger
}

var durableRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (c Config) withDefaults() (Config, error) {
	if !durableRE.MatchString(c.Durable) {
		return c, fmt.Errorf("bus: durable name %q must be 1-128 letters, digits, '-' or '_'", c.Durable)
	}
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.AckWait == 0 {
		c.AckWait = DefaultAckWait
	}
	if c.AckWait < 0 {
		return c, fmt.Errorf("bus %s: AckWait must be positive, got %s", c.Durable, c.AckWait)
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.MaxDeliver < 1 {
		return c, fmt.Errorf("bus %s: MaxDeliver must be positive, got %d", c.Durable, c.MaxDeliver)
	}
	if len(c.Backoff) == 0 {
		c.Backoff = DefaultBackoff
	}
	for _, d := range c.Backoff {
		if d < 0 {
			return c, fmt.Errorf("bus %s: negative backoff %s", c.Durable, d)
		}
	}
	for _, t := range c.Types {
		if !protoreflect.FullName(t).IsValid() {
			return c, fmt.Errorf("bus %s: %q is not a proto full name", c.Durable, t)
		}
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c, nil
}

// RequestID is the request id of the reaction a consumer named durable
// appends to an event: the same for every delivery of that event, so the
// aggregate repository applies the reaction once.
func RequestID(durable, eventID string) string {
	return "bus:" + durable + ":" + eventID
}

// ReactionMeta is the metadata of a commit reacting to e: caused by e,
// correlated with e's correlation id (or with e itself if it has none), and
// idempotent per consumer and event.
func ReactionMeta(durable string, e eventstore.RecordedEvent, actor eventstore.Actor) eventstore.Metadata {
	corr := e.CorrelationID
	if corr == "" {
		corr = e.EventID
	}
	return eventstore.Metadata{
		Actor:         actor,
		CorrelationID: corr,
		CausationID:   e.EventID,
		RequestID:     RequestID(durable, e.EventID),
	}
}

// consumerConfig is the durable consumer of cfg, starting from the
// stream's first event.
func consumerConfig(cfg Config) natsjs.ConsumerConfig {
	return natsjs.ConsumerConfig{
		Durable:        cfg.Durable,
		Description:    "carecoop bus consumer",
		DeliverPolicy:  natsjs.DeliverAllPolicy,
		AckPolicy:      natsjs.AckExplicitPolicy,
		AckWait:        cfg.AckWait,
		MaxDeliver:     -1, // given up by this package, with a log line
		FilterSubjects: cfg.FilterSubjects,
		ReplayPolicy:   natsjs.ReplayInstantPolicy,
		MaxAckPending:  1, // strict order, even across redeliveries
	}
}

// StartAfter records that the reaction named durable has handled the
// stream's events up to position: it creates the durable consumer starting
// after it, so Consume handles only what follows. It is for a history
// written with its reactions' effects already in it (a simulation, an
// import), whose reactions would otherwise handle it all again, finding
// each reaction done. It changes nothing if the consumer exists (the
// consumer's own position is the truer one). Consume sets the consumer's
// filter and the rest of its configuration.
func StartAfter(ctx context.Context, js natsjs.JetStream, stream, durable string, position uint64) error {
	cfg, err := Config{Stream: stream, Durable: durable}.withDefaults()
	if err != nil {
		return err
	}
	cc := consumerConfig(cfg)
	cc.DeliverPolicy, cc.OptStartSeq = natsjs.DeliverByStartSequencePolicy, position+1
	if _, err := js.CreateConsumer(ctx, cfg.Stream, cc); err != nil && !errors.Is(err, natsjs.ErrConsumerExists) {
		return fmt.Errorf("bus %s: create consumer on %s after %d: %w", durable, cfg.Stream, position, err)
	}
	return nil
}

// Consume creates the durable consumer cfg describes, or updates it, and
// calls h for each event of each commit in order until ctx ends; it then
// returns ctx's error. A new consumer starts from the first event of the
// stream (or after the position StartAfter gave it); an existing one
// resumes after its last acknowledged commit. A commit is acknowledged once
// h succeeded for every (selected) event in it. Consume returns early with
// an error if the consumer cannot be created, or is deleted, or the
// connection closes.
func Consume(ctx context.Context, js natsjs.JetStream, cfg Config, h Handler) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if h == nil {
		return fmt.Errorf("bus %s: nil handler", cfg.Durable)
	}
	cc := consumerConfig(cfg)
	// A consumer created by StartAfter keeps its start: the server refuses
	// to change where a consumer starts, and it has done so on purpose.
	if old, err := js.Consumer(ctx, cfg.Stream, cfg.Durable); err == nil {
		if oc := old.CachedInfo().Config; oc.DeliverPolicy == natsjs.DeliverByStartSequencePolicy {
			cc.DeliverPolicy, cc.OptStartSeq = oc.DeliverPolicy, oc.OptStartSeq
		}
	} else if !errors.Is(err, natsjs.ErrConsumerNotFound) {
		return fmt.Errorf("bus %s: look up consumer on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, cc)
	if err != nil {
		return fmt.Errorf("bus %s: create consumer on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	// The server sends one message at a time anyway (MaxAckPending 1).
	it, err := cons.Messages(natsjs.PullMaxMessages(8))
	if err != nil {
		return fmt.Errorf("bus %s: %w", cfg.Durable, err)
	}
	defer it.Stop()

	c := newConsumer(js, cfg, h)
	// The bucket is created now rather than at the first letter, so a
	// service that cannot use it says so at start.
	if _, err := c.letters.bucket(ctx); err != nil {
		c.log.Error("bus: dead-letter bucket not usable: an event given up on will be retried until it is", zap.Error(err))
	}
	for {
		msg, err := it.Next(natsjs.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("bus %s: %w", cfg.Durable, err)
		}
		if ctx.Err() != nil {
			// Next may return a message that arrived as ctx ended: hand it
			// back at once rather than after AckWait.
			_ = msg.Nak()
			return ctx.Err()
		}
		c.handle(ctx, msg)
	}
}

type consumer struct {
	cfg     Config
	h       Handler
	log     *zap.Logger
	types   map[string]bool // nil: every type
	letters *letterBox
}

func newConsumer(js natsjs.JetStream, cfg Config, h Handler) *consumer {
	c := &consumer{cfg: cfg, h: h, log: cfg.Logger.With(zap.String("consumer", cfg.Durable)),
		letters: &letterBox{js: js, stream: cfg.Stream}}
	if len(cfg.Types) > 0 {
		c.types = make(map[string]bool, len(cfg.Types))
		for _, t := range cfg.Types {
			c.types[t] = true
		}
	}
	return c
}

// handle runs the handler over one commit and settles the message: Ack,
// Nak with a delay, or Term.
func (c *consumer) handle(ctx context.Context, msg natsjs.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		// Not a JetStream message: nothing to settle.
		c.log.Error("bus: message without JetStream metadata", zap.String("subject", msg.Subject()), zap.Error(err))
		return
	}
	metrics.FromContext(ctx).Delivered(c.cfg.Durable, md.NumDelivered)
	if c.types != nil && !c.wantsAny(msg.Headers().Values(jetstream.HeaderEventTypes)) {
		c.ack(ctx, msg, md)
		return
	}
	events, err := decode(msg)
	if err != nil {
		c.giveUp(ctx, msg, md, eventstore.RecordedEvent{}, "undecodable commit: "+err.Error(), "bus: terminating undecodable commit")
		return
	}

	// The trace of the append that made the commit goes on here.
	ctx, span := tracing.Start(tracing.Extract(ctx, msg.Headers()), "consume "+c.cfg.Durable, trace.SpanKindConsumer,
		attribute.String("carecoop.subject", msg.Subject()), attribute.Int64("carecoop.position", int64(md.Sequence.Stream)),
		attribute.Int64("carecoop.delivered", int64(md.NumDelivered)))
	e, err := c.run(ctx, msg, events)
	tracing.End(span, err)
	if err != nil {
		c.fail(ctx, msg, md, e, err)
		return
	}
	metrics.FromContext(ctx).Settled(c.cfg.Durable, metrics.BusAck)
	c.ack(ctx, msg, md)
}

// decode returns a commit's events, retired types read as their successors.
func decode(msg natsjs.Msg) ([]eventstore.RecordedEvent, error) {
	events, err := jetstream.DecodeMsg(msg)
	if err != nil {
		return nil, err
	}
	return eventstore.Upcast(events)
}

// run calls the handler for each selected event of a commit, in order,
// stopping at the first failure (returned with its event).
func (c *consumer) run(ctx context.Context, msg natsjs.Msg, events []eventstore.RecordedEvent) (eventstore.RecordedEvent, error) {
	// A third of AckWait: two progress acks may be lost before the
	// server redelivers under a handler that is still running.
	stop := keepAlive(msg, c.cfg.AckWait/3)
	defer stop()
	return c.runEvents(ctx, events)
}

// runEvents is run without the message: deliveries and replays alike.
func (c *consumer) runEvents(ctx context.Context, events []eventstore.RecordedEvent) (eventstore.RecordedEvent, error) {
	for _, e := range events {
		if c.types != nil && !c.types[e.Type] {
			continue
		}
		if err := c.call(ctx, e); err != nil {
			return e, err
		}
	}
	return eventstore.RecordedEvent{}, nil
}

// wantsAny reports whether a commit's Carecoop-Event-Types header names a
// selected type; true without the header (decode and filter each event).
func (c *consumer) wantsAny(header []string) bool {
	if len(header) == 0 {
		return true
	}
	for _, h := range header {
		for t := range strings.SplitSeq(h, ",") {
			if c.types[strings.TrimSpace(t)] {
				return true
			}
		}
	}
	return false
}

func (c *consumer) call(ctx context.Context, e eventstore.RecordedEvent) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return c.h(ctx, e)
}

func (c *consumer) fail(ctx context.Context, msg natsjs.Msg, md *natsjs.MsgMetadata, e eventstore.RecordedEvent, err error) {
	fields := c.fields(msg, md, zap.String("event_type", e.Type), zap.String("event_id", e.EventID), zap.Error(err))
	if ctx.Err() != nil {
		// Shutting down: not the event's fault. Leave it to the next run
		// (or another replica) without waiting for AckWait.
		c.log.Debug("bus: handler stopped by shutdown", fields...)
		if err := msg.Nak(); err != nil {
			c.log.Debug("bus: nak", zap.Error(err))
		}
		return
	}
	if md.NumDelivered >= uint64(c.cfg.MaxDeliver) {
		c.giveUp(ctx, msg, md, e, fmt.Sprintf("handler failed %d times: %v", md.NumDelivered, err), "bus: giving up on event: terminating its commit")
		return
	}
	delay := c.backoff(md)
	c.log.Warn("bus: handler failed, will retry", append(fields, zap.Duration("retry_in", delay))...)
	metrics.FromContext(ctx).Settled(c.cfg.Durable, metrics.BusRetry)
	c.nak(msg, md, delay)
}

// backoff is the delay before the next delivery of a failed message.
func (c *consumer) backoff(md *natsjs.MsgMetadata) time.Duration {
	return c.cfg.Backoff[min(int(md.NumDelivered), len(c.cfg.Backoff))-1]
}

func (c *consumer) nak(msg natsjs.Msg, md *natsjs.MsgMetadata, delay time.Duration) {
	if err := msg.NakWithDelay(delay); err != nil {
		c.log.Warn("bus: nak", c.fields(msg, md, zap.Error(err))...)
	}
}

// giveUp records the commit's dead letter (e is the event that failed, if
// any), then logs logMsg and terminates the message. If the letter cannot
// be recorded, the message is not terminated: it comes again after the
// backoff delay, and is given up once its letter is stored.
func (c *consumer) giveUp(ctx context.Context, msg natsjs.Msg, md *natsjs.MsgMetadata, e eventstore.RecordedEvent, reason, logMsg string) {
	now := time.Now().UTC()
	l := DeadLetter{
		Durable: c.cfg.Durable, Stream: c.cfg.Stream, Position: md.Sequence.Stream, Subject: msg.Subject(),
		EventID: e.EventID, EventType: e.Type, Error: reason, Delivered: md.NumDelivered,
		DiedAt: now, UpdatedAt: now, State: StateDead,
	}
	fields := c.fields(msg, md, zap.String("event_type", e.Type), zap.String("event_id", e.EventID), zap.String("error", reason))
	// Not cancelled by ctx: a shutdown must not leave the letter half done.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), letterTimeout)
	defer cancel()
	if err := c.letters.record(rctx, l); err != nil {
		delay := c.backoff(md)
		c.log.Error("bus: cannot record the dead letter: not terminating, will try again",
			append(fields, zap.NamedError("record_error", err), zap.Duration("retry_in", delay))...)
		c.nak(msg, md, delay)
		return
	}
	c.log.Error(logMsg, append(fields, zap.String("dead_letter", l.Key()))...)
	metrics.FromContext(ctx).Settled(c.cfg.Durable, metrics.BusDead)
	c.term(msg, reason)
}

// ack waits for the server to confirm, so that a commit reported handled is
// not delivered to the next run. It is not cancelled by ctx: once handled,
// a commit is acknowledged even when Consume is stopping. If the
// confirmation is lost the commit comes again, which handlers tolerate.
func (c *consumer) ack(ctx context.Context, msg natsjs.Msg, md *natsjs.MsgMetadata) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.AckWait)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil {
		c.log.Warn("bus: ack not confirmed; the commit may be delivered again", c.fields(msg, md, zap.Error(err))...)
	}
}

func (c *consumer) term(msg natsjs.Msg, reason string) {
	if err := msg.TermWithReason(reason); err != nil {
		c.log.Warn("bus: term", zap.String("subject", msg.Subject()), zap.Error(err))
	}
}

func (c *consumer) fields(msg natsjs.Msg, md *natsjs.MsgMetadata, more ...zap.Field) []zap.Field {
	return append([]zap.Field{
		zap.String("subject", msg.Subject()),
		zap.Uint64("position", md.Sequence.Stream),
		zap.Uint64("delivered", md.NumDelivered),
	}, more...)
}

// keepAlive tells the server every interval that msg is still being worked
// on, until stop is called, so a slow handler's message is not redelivered
// under it. stop returns once no more InProgress can be sent.
func keepAlive(msg natsjs.Msg, interval time.Duration) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				// A failed InProgress only risks a redelivery, which is tolerated.
				_ = msg.InProgress()
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// Source is a store that is also the bus: the JetStream event store.
type Source interface {
	JetStream() natsjs.JetStream
	StreamName() string
}

// ConsumeStore is Consume over the stream of store, which must be a Source
// (the JetStream event store). A service's reactions start with it, so they
// consume the same stream the service's store writes.
func ConsumeStore(ctx context.Context, store eventstore.Store, cfg Config, h Handler) error {
	src, ok := store.(Source)
	if !ok {
		return fmt.Errorf("bus %s: the store %T is not a JetStream stream; reactions need the JetStream store (or the relay's stream)", cfg.Durable, store)
	}
	if cfg.Stream == "" {
		cfg.Stream = src.StreamName()
	}
	return Consume(ctx, src.JetStream(), cfg, h)
}

// DefaultRestartDelay is how long Follow waits before starting a stopped
// consumer again.
const DefaultRestartDelay = 2 * time.Second

// Follow runs a service's reaction for the service's lifetime: it consumes
// store's stream (ConsumeStore) until ctx ends, and when the consumer stops
// on an error (a lost connection, a deleted consumer) it logs it and starts
// it again after DefaultRestartDelay. Alongside, it watches the durable's
// dead letters: it logs how many there are at start and replays those an
// operator marks (RequestReplay), one handler call at a time with the
// consumer's. A store that is not a JetStream stream is logged once and the
// reaction does not run. Call it in its own goroutine.
func Follow(ctx context.Context, store eventstore.Store, cfg Config, h Handler) {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	log = log.With(zap.String("reaction", cfg.Durable))
	src, ok := store.(Source)
	if !ok {
		log.Error("the store is not a JetStream stream: this reaction will not run", zap.String("store", fmt.Sprintf("%T", store)))
		return
	}
	if cfg.Stream == "" {
		cfg.Stream = src.StreamName()
	}
	serial := h
	if h != nil {
		// Replays and deliveries never call the handler at the same time.
		var mu sync.Mutex
		serial = func(ctx context.Context, e eventstore.RecordedEvent) error {
			mu.Lock()
			defer mu.Unlock()
			return h(ctx, e)
		}
	}
	var replays sync.WaitGroup
	replays.Go(func() {
		keepRunning(ctx, log, "dead-letter replays stopped; starting them again", func() error {
			return watchReplays(ctx, src.JetStream(), cfg, serial)
		})
	})
	keepRunning(ctx, log, "reaction stopped; starting it again", func() error {
		return Consume(ctx, src.JetStream(), cfg, serial)
	})
	replays.Wait()
}

// keepRunning calls run until ctx ends, again DefaultRestartDelay after
// each time it returns with ctx still live.
func keepRunning(ctx context.Context, log *zap.Logger, restarting string, run func() error) {
	for {
		err := run()
		if ctx.Err() != nil {
			return
		}
		log.Error(restarting, zap.Duration("in", DefaultRestartDelay), zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(DefaultRestartDelay):
		}
	}
}
