package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
)

// DeadLetterBucket is the NATS key-value bucket where a consumer records
// each event it gave up on, keyed by DeadLetterKey. The event itself stays
// in the event stream at its position; the letter says where, why and who.
const DeadLetterBucket = "CARECOOP_DEAD_LETTERS"

// DeadLetterStream is the JetStream stream behind DeadLetterBucket.
const DeadLetterStream = "KV_" + DeadLetterBucket

// States of a dead letter.
const (
	// StateDead: the consumer gave up on the event and moved on.
	StateDead = "dead"
	// StateReplay: an operator asked for the event to be handled again;
	// the service's Follow does so, and deletes the letter if it succeeds.
	StateReplay = "replay"
	// StateFailedAgain: a replay failed; Error is the new failure.
	StateFailedAgain = "failed-again"
)

// DeadLetter is the value of a letter in DeadLetterBucket (JSON).
type DeadLetter struct {
	Durable  string `json:"durable"`  // the consumer that gave up
	Stream   string `json:"stream"`   // the event stream
	Position uint64 `json:"position"` // the commit's position (stream sequence)
	Subject  string `json:"subject"`  // the commit's subject: the aggregate
	// EventID and EventType name the event whose handler failed (empty for
	// a commit that could not be decoded).
	EventID   string `json:"event_id,omitempty"`
	EventType string `json:"event_type,omitempty"`
	Error     string `json:"error"`     // the last failure
	Delivered uint64 `json:"delivered"` // deliveries before the consumer gave up
	// DiedAt is when the consumer gave up; UpdatedAt when the state last
	// changed.
	DiedAt    time.Time `json:"died_at"`
	UpdatedAt time.Time `json:"updated_at"`
	State     string    `json:"state"`
	Replays   int       `json:"replays,omitempty"` // replays that failed

	// Revision is the letter's revision in the bucket when it was read.
	Revision uint64 `json:"-"`
}

// Key is the letter's key in DeadLetterBucket.
func (l DeadLetter) Key() string { return DeadLetterKey(l.Durable, l.Position) }

// DeadLetterKey is the key of durable's letter about the commit at position:
// <durable>.<position>.
func DeadLetterKey(durable string, position uint64) string {
	return durable + "." + strconv.FormatUint(position, 10)
}

// DeadLetterSubject is the subject of the bucket's keys selected by key
// (a key, or a pattern such as "<durable>.>"): permissions are granted on it.
func DeadLetterSubject(key string) string { return "$KV." + DeadLetterBucket + "." + key }

// deadLetterStreamConfig is the bucket's stream as the bus creates it: a
// NATS key-value bucket with one revision per key, on disk, whose letters
// never expire and are never discarded.
func deadLetterStreamConfig(replicas int) natsjs.StreamConfig {
	return natsjs.StreamConfig{
		Name:              DeadLetterStream,
		Description:       "carecoop dead letters: events a bus consumer gave up on",
		Subjects:          []string{DeadLetterSubject(">")},
		Retention:         natsjs.LimitsPolicy,
		MaxMsgsPerSubject: 1,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgSize:        -1,
		MaxConsumers:      -1,
		Discard:           natsjs.DiscardNew,
		Storage:           natsjs.FileStorage,
		Replicas:          replicas,
		Duplicates:        2 * time.Minute,
		AllowRollup:       true,
		DenyDelete:        true,
		AllowDirect:       true,
	}
}

// checkDeadLetterStream refuses a bucket the bus must not write to: one
// whose letters could be lost (expiry, discarding old ones) or copied
// elsewhere (a republish or subject transform could carry a put into the
// event stream, where no user's permissions apply).
func checkDeadLetterStream(c natsjs.StreamConfig) error {
	var bad []string
	if !slices.Equal(c.Subjects, []string{DeadLetterSubject(">")}) {
		bad = append(bad, fmt.Sprintf("subjects %q", c.Subjects))
	}
	if c.RePublish != nil {
		bad = append(bad, "a republish")
	}
	if c.SubjectTransform != nil {
		bad = append(bad, "a subject transform")
	}
	if c.Mirror != nil || len(c.Sources) > 0 {
		bad = append(bad, "a mirror or sources")
	}
	if c.MaxAge != 0 {
		bad = append(bad, "letters expire after "+c.MaxAge.String())
	}
	if c.Retention != natsjs.LimitsPolicy {
		bad = append(bad, "retention "+c.Retention.String())
	}
	if c.MaxMsgsPerSubject < 1 {
		bad = append(bad, "no revision kept per key")
	}
	if c.Discard == natsjs.DiscardOld && (c.MaxMsgs > 0 || c.MaxBytes > 0) {
		bad = append(bad, "old letters discarded at a limit")
	}
	if len(bad) > 0 {
		return fmt.Errorf("bus: stream %s is not a dead-letter bucket the bus may use: %s", DeadLetterStream, strings.Join(bad, ", "))
	}
	return nil
}

// openDeadLetters returns the bucket, creating it (with the event stream's
// replica count) if there is none. It never updates an existing one: it
// checks it, and refuses one it must not write to.
func openDeadLetters(ctx context.Context, js natsjs.JetStream, eventStream string) (natsjs.KeyValue, error) {
	s, err := js.Stream(ctx, DeadLetterStream)
	if errors.Is(err, natsjs.ErrStreamNotFound) {
		s, err = createDeadLetters(ctx, js, eventStream)
	}
	if err != nil {
		return nil, fmt.Errorf("bus: dead letters: %w", err)
	}
	if err := checkDeadLetterStream(s.CachedInfo().Config); err != nil {
		return nil, err
	}
	kv, err := js.KeyValue(ctx, DeadLetterBucket)
	if err != nil {
		return nil, fmt.Errorf("bus: dead letters: %w", err)
	}
	return kv, nil
}

// createDeadLetters creates the bucket with as many replicas as the event
// stream whose commits its letters point to.
func createDeadLetters(ctx context.Context, js natsjs.JetStream, eventStream string) (natsjs.Stream, error) {
	es, err := js.Stream(ctx, eventStream)
	if err != nil {
		return nil, fmt.Errorf("event stream %s: %w", eventStream, err)
	}
	s, err := js.CreateStream(ctx, deadLetterStreamConfig(es.CachedInfo().Config.Replicas))
	if errors.Is(err, natsjs.ErrStreamNameAlreadyInUse) {
		return js.Stream(ctx, DeadLetterStream) // created meanwhile by another consumer
	}
	return s, err
}

// letterTimeout bounds one request about a letter.
const letterTimeout = 10 * time.Second

// letterBox writes a consumer's letters, opening the bucket when first
// needed and again after a failure.
type letterBox struct {
	js     natsjs.JetStream
	stream string // the event stream
	mu     sync.Mutex
	kv     natsjs.KeyValue // nil until opened
}

func (b *letterBox) bucket(ctx context.Context) (natsjs.KeyValue, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.kv == nil {
		kv, err := openDeadLetters(ctx, b.js, b.stream)
		if err != nil {
			return nil, err
		}
		b.kv = kv
	}
	return b.kv, nil
}

// forget drops the open bucket, so the next use opens it again.
func (b *letterBox) forget() {
	b.mu.Lock()
	b.kv = nil
	b.mu.Unlock()
}

// record writes l, replacing any earlier letter about the same commit.
func (b *letterBox) record(ctx context.Context, l DeadLetter) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	kv, err := b.bucket(ctx)
	if err != nil {
		return err
	}
	if _, err := kv.Put(ctx, l.Key(), data); err != nil {
		b.forget()
		return fmt.Errorf("bus: dead letter %s: %w", l.Key(), err)
	}
	return nil
}

// letterCursor reads the bucket's current letters matching a key pattern,
// then (if kept open) each change to them: an ephemeral consumer delivering
// the last revision of each key, then new ones.
type letterCursor struct {
	cons    natsjs.Consumer
	initial uint64 // keys (letters and deletion markers) there at the start
}

func openLetterCursor(ctx context.Context, js natsjs.JetStream, keys string) (*letterCursor, error) {
	cons, err := js.CreateConsumer(ctx, DeadLetterStream, natsjs.ConsumerConfig{
		Description:       "carecoop dead letters " + keys,
		FilterSubject:     DeadLetterSubject(keys),
		DeliverPolicy:     natsjs.DeliverLastPerSubjectPolicy,
		AckPolicy:         natsjs.AckNonePolicy,
		MemoryStorage:     true,
		InactiveThreshold: time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: dead letters %s: %w", keys, err)
	}
	return &letterCursor{cons: cons, initial: cons.CachedInfo().NumPending}, nil
}

// parseLetter reads a bucket message: ok is false for a key's deletion
// marker.
func parseLetter(msg natsjs.Msg) (l DeadLetter, ok bool, err error) {
	switch msg.Headers().Get("KV-Operation") {
	case "DEL", "PURGE":
		return l, false, nil
	}
	md, err := msg.Metadata()
	if err != nil {
		return l, false, err
	}
	if err := json.Unmarshal(msg.Data(), &l); err != nil {
		return l, false, fmt.Errorf("bus: dead letter %s: %w", msg.Subject(), err)
	}
	if want := DeadLetterSubject(l.Key()); msg.Subject() != want {
		return l, false, fmt.Errorf("bus: dead letter under %s names %s", msg.Subject(), want)
	}
	l.Revision = md.Sequence.Stream
	return l, true, nil
}

// ErrNoDeadLetter is returned for a letter that is not in the bucket.
var ErrNoDeadLetter = errors.New("no such dead letter")

// ListDeadLetters returns the letters of durable, or of every consumer if
// durable is empty, in the order they last changed; none if the bucket does
// not exist yet.
func ListDeadLetters(ctx context.Context, js natsjs.JetStream, durable string) ([]DeadLetter, error) {
	keys := ">"
	if durable != "" {
		if !durableRE.MatchString(durable) {
			return nil, fmt.Errorf("bus: %q is not a durable name", durable)
		}
		keys = durable + ".>"
	}
	cur, err := openLetterCursor(ctx, js, keys)
	if errors.Is(err, natsjs.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for left := cur.initial; left > 0; {
		batch, err := cur.cons.Fetch(int(min(left, 256)), natsjs.FetchMaxWait(letterTimeout))
		if err != nil {
			return nil, fmt.Errorf("bus: dead letters: %w", err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			l, ok, err := parseLetter(msg)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, l)
			}
			if md, err := msg.Metadata(); err == nil && md.NumPending == 0 {
				left = 0
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("bus: dead letters: %w", err)
		}
		if n == 0 {
			return nil, fmt.Errorf("bus: dead letters: %d expected, none came", left)
		}
		left -= min(left, uint64(n))
	}
	return out, nil
}

// RequestReplay marks durable's letter about position for replay: the
// service's Follow then handles the commit again, deletes the letter if the
// handler succeeds and marks it StateFailedAgain otherwise. A letter already
// marked is returned as it is.
func RequestReplay(ctx context.Context, js natsjs.JetStream, durable string, position uint64) (DeadLetter, error) {
	if !durableRE.MatchString(durable) {
		return DeadLetter{}, fmt.Errorf("bus: %q is not a durable name", durable)
	}
	kv, err := js.KeyValue(ctx, DeadLetterBucket)
	if errors.Is(err, natsjs.ErrBucketNotFound) {
		return DeadLetter{}, fmt.Errorf("bus: %s: %w", DeadLetterKey(durable, position), ErrNoDeadLetter)
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("bus: dead letters: %w", err)
	}
	key := DeadLetterKey(durable, position)
	entry, err := kv.Get(ctx, key)
	if errors.Is(err, natsjs.ErrKeyNotFound) {
		return DeadLetter{}, fmt.Errorf("bus: %s: %w", key, ErrNoDeadLetter)
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("bus: dead letter %s: %w", key, err)
	}
	var l DeadLetter
	if err := json.Unmarshal(entry.Value(), &l); err != nil {
		return DeadLetter{}, fmt.Errorf("bus: dead letter %s: %w", key, err)
	}
	l.Revision = entry.Revision()
	if l.State == StateReplay {
		return l, nil
	}
	l.State, l.UpdatedAt = StateReplay, time.Now().UTC()
	data, err := json.Marshal(l)
	if err != nil {
		return DeadLetter{}, err
	}
	// Only over the revision read: a letter that changed meanwhile (a
	// replay finished, the event died again) is not overwritten.
	if l.Revision, err = kv.Update(ctx, key, data, entry.Revision()); err != nil {
		return DeadLetter{}, fmt.Errorf("bus: dead letter %s: %w", key, err)
	}
	return l, nil
}

// DeadLetterState returns durable's letter about position as it is now:
// ErrNoDeadLetter once it has been replayed and deleted.
func DeadLetterState(ctx context.Context, js natsjs.JetStream, durable string, position uint64) (DeadLetter, error) {
	kv, err := js.KeyValue(ctx, DeadLetterBucket)
	if errors.Is(err, natsjs.ErrBucketNotFound) {
		return DeadLetter{}, ErrNoDeadLetter
	}
	if err != nil {
		return DeadLetter{}, err
	}
	entry, err := kv.Get(ctx, DeadLetterKey(durable, position))
	if errors.Is(err, natsjs.ErrKeyNotFound) {
		return DeadLetter{}, ErrNoDeadLetter
	}
	if err != nil {
		return DeadLetter{}, err
	}
	var l DeadLetter
	if err := json.Unmarshal(entry.Value(), &l); err != nil {
		return DeadLetter{}, err
	}
	l.Revision = entry.Revision()
	return l, nil
}
