package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// watchReplays follows cfg.Durable's dead letters until ctx ends or the
// watch fails: it logs how many there are, then handles again, through h,
// the commit of each letter an operator marks for replay.
func watchReplays(ctx context.Context, js natsjs.JetStream, cfg Config, h Handler) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if h == nil {
		return fmt.Errorf("bus %s: nil handler", cfg.Durable)
	}
	c := newConsumer(js, cfg, h)
	kv, err := c.letters.bucket(ctx)
	if err != nil {
		return err
	}
	cur, err := openLetterCursor(ctx, js, cfg.Durable+".>")
	if err != nil {
		return err
	}
	it, err := cur.cons.Messages()
	if err != nil {
		return fmt.Errorf("bus %s: dead letters: %w", cfg.Durable, err)
	}
	defer it.Stop()

	// The letters there at the start come first: count them.
	byState := map[string]int{}
	left := cur.initial
	if left == 0 {
		c.logCount(byState)
	}
	for {
		msg, err := it.Next(natsjs.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("bus %s: dead letters: %w", cfg.Durable, err)
		}
		l, ok, err := parseLetter(msg)
		if err != nil {
			c.log.Error("bus: unreadable dead letter", zap.String("subject", msg.Subject()), zap.Error(err))
		}
		if left > 0 {
			if ok {
				byState[l.State]++
			}
			if left--; left == 0 {
				c.logCount(byState)
			}
		}
		if ok && l.State == StateReplay {
			c.replay(ctx, kv, l)
		}
	}
}

// logCount tells the service's log how many letters its durable has.
func (c *consumer) logCount(byState map[string]int) {
	n := 0
	for _, k := range byState {
		n += k
	}
	fields := []zap.Field{zap.Int("dead_letters", n), zap.Int(StateDead, byState[StateDead]),
		zap.Int(StateFailedAgain, byState[StateFailedAgain]), zap.Int(StateReplay, byState[StateReplay])}
	msg := fmt.Sprintf("%d dead letters for durable %s", n, c.cfg.Durable)
	if n == 0 {
		c.log.Info(msg, fields...)
		return
	}
	c.log.Warn(msg+" (carecoop dead-letters list --durable "+c.cfg.Durable+")", fields...)
}

// replay handles the commit of l again, as a delivery would, and deletes
// the letter if the handler succeeds; otherwise it marks it failed again
// with the new error. Either only over the revision read, so a letter
// changed meanwhile is left to its next revision.
func (c *consumer) replay(ctx context.Context, kv natsjs.KeyValue, l DeadLetter) {
	log := c.log.With(zap.String("dead_letter", l.Key()), zap.String("subject", l.Subject), zap.Uint64("position", l.Position))
	var failed eventstore.RecordedEvent
	var events []eventstore.RecordedEvent
	var err error
	if l.Stream != "" && l.Stream != c.cfg.Stream {
		err = fmt.Errorf("the letter is about stream %s; this consumer reads %s", l.Stream, c.cfg.Stream)
	} else {
		events, err = loadCommit(ctx, c.letters.js, c.cfg.Stream, l.Subject, l.Position)
	}
	if err == nil {
		failed, err = c.runEvents(ctx, events)
	}
	if ctx.Err() != nil {
		return // shutting down: still marked, replayed at the next start
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), letterTimeout)
	defer cancel()
	if err == nil {
		if err := kv.Delete(rctx, l.Key(), natsjs.LastRevision(l.Revision)); err != nil {
			log.Warn("bus: dead letter replayed but not deleted", zap.Error(err))
			return
		}
		log.Info("bus: dead letter replayed and deleted")
		return
	}
	l.State, l.Error, l.UpdatedAt = StateFailedAgain, err.Error(), time.Now().UTC()
	l.Replays++
	if failed.EventID != "" {
		l.EventID, l.EventType = failed.EventID, failed.Type
	}
	data, merr := json.Marshal(l)
	if merr == nil {
		_, merr = kv.Update(rctx, l.Key(), data, l.Revision)
	}
	if merr != nil {
		log.Error("bus: dead letter replay failed again, and the letter could not say so", zap.Error(err), zap.NamedError("record_error", merr))
		return
	}
	log.Error("bus: dead letter replay failed again", zap.String("event_type", l.EventType), zap.String("event_id", l.EventID), zap.Error(err))
}

// loadCommit reads the commit at position, which must be on subject,
// through a short-lived consumer (the same decoding as a delivery).
func loadCommit(ctx context.Context, js natsjs.JetStream, stream, subject string, position uint64) ([]eventstore.RecordedEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, letterTimeout)
	defer cancel()
	cons, err := js.CreateConsumer(ctx, stream, natsjs.ConsumerConfig{
		Description:       "carecoop bus: dead letter replay",
		FilterSubject:     subject,
		DeliverPolicy:     natsjs.DeliverByStartSequencePolicy,
		OptStartSeq:       position,
		AckPolicy:         natsjs.AckNonePolicy,
		MemoryStorage:     true,
		InactiveThreshold: time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("reading the commit at position %d: %w", position, err)
	}
	missing := fmt.Errorf("no commit on %s at position %d in %s", subject, position, stream)
	if cons.CachedInfo().NumPending == 0 {
		return nil, missing
	}
	msg, err := cons.Next(natsjs.FetchContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("reading the commit at position %d: %w", position, err)
	}
	md, err := msg.Metadata()
	if err != nil {
		return nil, err
	}
	if md.Sequence.Stream != position {
		return nil, missing
	}
	events, err := decode(msg)
	if err != nil {
		return nil, fmt.Errorf("undecodable commit: %w", err)
	}
	return events, nil
}
