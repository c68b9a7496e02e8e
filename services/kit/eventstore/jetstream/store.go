// Package jetstream is the JetStream backend of eventstore.Store, the default
// store of record.
//
// One JetStream message holds one commit (a kitv1.Commit) on the aggregate's
// subject carecoop.evt.<context>.<aggregate>.<id>, in one stream capturing
// carecoop.evt.>. So the stream sequence is the global position, a commit is
// atomic without batch publishing, and the event stream is the bus: other
// services consume the same messages. See docs/eventstore.md.
package jetstream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/retry"
	"github.com/carecoop/carecoop/services/kit/tracing"
)

// Header names set on every commit message. CloudEvents binary mode over NATS
// uses lowercase ce- headers; Carecoop-Event-Types lets a consumer filter on
// event types without decoding the payload.
const (
	HeaderEventTypes        = "Carecoop-Event-Types"
	headerCESpecVersion     = "ce-specversion"
	headerCEID              = "ce-id"
	headerCEType            = "ce-type"
	headerCESource          = "ce-source"
	headerCETime            = "ce-time"
	headerCEDataContentType = "ce-datacontenttype"
	headerNumPending        = "Nats-Num-Pending"
)

// JetStream API error codes the store reacts to.
const (
	codeWrongLastSequence  = 10071 // the leader compared: expected last subject sequence did not hold
	codeSubjectInProcess   = 10164 // clustered: not checked, a message on the subject is being applied
	codeDuplicateInProcess = 10158 // clustered: the same msg id is being stored now
	codeMessageTooLarge    = 10054
)

// Static header values shared by every message (nats.go only reads them).
var (
	ceSpecVersion = []string{"1.0"}
	ceContentType = []string{"application/protobuf"}
)

// Store is the JetStream event store. It is safe for concurrent use.
type Store struct {
	js       natsjs.JetStream
	stream   natsjs.Stream
	cfg      config
	versions *versionCache
}

var _ eventstore.Store = (*Store)(nil)

// New creates the event stream if there is none, and returns a store over
// it. It never changes an existing stream: the services' NATS users may not
// update the stream's configuration (a subject transform or a republish
// would let one context write another's subjects), so a stream whose
// configuration differs from what the store needs is refused with the
// differences named, for an operator to put right.
//
// New waits for the stream: while JetStream answers with a transient error
// (Transient: a cluster still electing its leaders, a request timing out),
// it tries again, 100 ms doubling to 5 s apart, each try logged
// (WithLogger), until ctx ends. Any other error is returned at once.
func New(ctx context.Context, js natsjs.JetStream, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("eventstore/jetstream: %w", err)
		}
	}
	want := StreamConfig(cfg.streamName, cfg.replicas, cfg.duplicateWindow)
	var stream natsjs.Stream
	// Services start with the NATS cluster, which answers nothing useful
	// until it has elected a meta leader, and a stream being created may
	// time out although it is being created: wait for it, logging each
	// try, and give up only on an error that will not pass by itself, or
	// when ctx ends.
	for attempt := 0; ; attempt++ {
		var err error
		stream, err = openStream(ctx, js, want, cfg.openAttemptTimeout)
		if err == nil {
			break
		}
		if !Transient(err) && !isAPIError(err, codeNoSuitablePeers) {
			return nil, fmt.Errorf("eventstore/jetstream: create stream %s: %w", cfg.streamName, err)
		}
		wait := min(openBackoffBase<<min(attempt, 10), openBackoffLimit)
		cfg.log.Warn("event store not ready: trying again",
			zap.String("stream", cfg.streamName), zap.Int("attempt", attempt+1), zap.Duration("in", wait), zap.Error(err))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("eventstore/jetstream: create stream %s: gave up after %d tries (%v): %w", cfg.streamName, attempt+1, ctx.Err(), err)
		case <-time.After(wait):
		}
	}
	if diff := streamDiff(stream.CachedInfo().Config, want); len(diff) > 0 {
		return nil, fmt.Errorf("eventstore/jetstream: stream %s is not configured as the event store needs (%s): an operator must correct it",
			cfg.streamName, strings.Join(diff, "; "))
	}
	return &Store{js: js, stream: stream, cfg: cfg, versions: newVersionCache(cfg.versionCacheSize)}, nil
}

// Backoff between New's tries: doubling from 100 ms to at most 5 s, so a
// forming cluster is asked often and a lasting outage is logged every 5 s.
const (
	openBackoffBase  = 100 * time.Millisecond
	openBackoffLimit = 5 * time.Second
)

// openStream looks the stream up, creating it if there is none, within one
// attempt's time.
func openStream(ctx context.Context, js natsjs.JetStream, want natsjs.StreamConfig, timeout time.Duration) (natsjs.Stream, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stream, err := js.Stream(ctx, want.Name)
	if errors.Is(err, natsjs.ErrStreamNotFound) {
		stream, err = js.CreateStream(ctx, want)
		if errors.Is(err, natsjs.ErrStreamNameAlreadyInUse) {
			// Another replica created it a moment before.
			stream, err = js.Stream(ctx, want.Name)
		}
	}
	return stream, err
}

// streamDiff lists what of an existing stream's configuration breaks what
// the store relies on. Replicas and the duplicate window are the operator's
// to choose.
func streamDiff(got, want natsjs.StreamConfig) []string {
	var diff []string
	check := func(ok bool, what string, args ...any) {
		if !ok {
			diff = append(diff, fmt.Sprintf(what, args...))
		}
	}
	check(slices.Equal(got.Subjects, want.Subjects), "subjects %v, not %v", got.Subjects, want.Subjects)
	check(got.Retention == want.Retention, "retention %v, not %v", got.Retention, want.Retention)
	check(got.Discard == want.Discard, "discard %v, not %v", got.Discard, want.Discard)
	check(got.Storage == want.Storage, "storage %v, not %v", got.Storage, want.Storage)
	check(got.MaxMsgs == want.MaxMsgs && got.MaxBytes == want.MaxBytes && got.MaxMsgsPerSubject == want.MaxMsgsPerSubject && got.MaxAge == want.MaxAge,
		"limits that drop history")
	check(got.DenyDelete && got.DenyPurge, "deleting or purging allowed")
	check(got.AllowDirect, "direct gets not allowed")
	check(got.SubjectTransform == nil, "a subject transform")
	check(got.RePublish == nil, "a republish")
	check(!got.Sealed, "sealed")
	check(got.Mirror == nil && len(got.Sources) == 0, "a mirror or sources")
	return diff
}

// StreamConfig is the configuration New applies: exported so deployment
// tooling and tests can create the same stream.
func StreamConfig(name string, replicas int, duplicates time.Duration) natsjs.StreamConfig {
	return natsjs.StreamConfig{
		Name:        name,
		Description: "carecoop event store: one message per commit, one subject per aggregate",
		Subjects:    []string{eventstore.SubjectPrefix + ".>"},
		Retention:   natsjs.LimitsPolicy,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		// Every commit of an aggregate is kept: the subject is its stream.
		MaxMsgsPerSubject: -1,
		// A full store must refuse new commits, never drop old ones.
		Discard:    natsjs.DiscardNew,
		Storage:    natsjs.FileStorage,
		Replicas:   replicas,
		Duplicates: duplicates,
		// History is immutable: nothing is deleted or purged.
		DenyDelete: true,
		DenyPurge:  true,
		// Loads and tip lookups use direct gets, served by any replica.
		AllowDirect: true,
	}
}

// StreamName is the JetStream stream holding the events.
func (s *Store) StreamName() string { return s.cfg.streamName }

// JetStream is the context the store talks through: with JetStream as the
// store the event stream is the bus, so consumers (package bus) use it too.
func (s *Store) JetStream() natsjs.JetStream { return s.js }

// Append stores events as one commit on sid if expected holds.
func (s *Store) Append(ctx context.Context, sid eventstore.StreamID, expected eventstore.ExpectedVersion, meta eventstore.Metadata, events ...proto.Message) (eventstore.AppendResult, error) {
	if meta.OccurredAt.IsZero() {
		meta.OccurredAt = s.cfg.now()
	}
	// Encode for the version expected (or last seen), so that the common
	// append marshals its commit once.
	var prev uint64
	if !expected.IsAny() {
		prev = expected.Version()
	} else if c, ok := s.versions.get(sid.Subject()); ok {
		prev = c.version
	}
	pc, err := newPendingCommit(sid, prev, meta, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	msg, msgID, subject := pc.msg, pc.msgID, pc.msg.Subject
	// The consumers of the commit continue the caller's trace (when on).
	tracing.Inject(ctx, msg.Header)
	n := uint64(len(events))

	began, transient := time.Now(), 0
	for attempt := 0; ; attempt++ {
		cur, ok, err := s.tipFor(ctx, subject, expected)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		if !ok {
			return s.conflict(ctx, sid, msgID, expected, cur)
		}
		if err := pc.encode(cur.version); err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("%w: commit for %s: %v", eventstore.ErrInvalid, sid, err)
		}
		pc.expect(cur.seq)

		pctx, cancel := context.WithTimeout(ctx, s.cfg.requestTimeout)
		ack, err := s.appPublish(pctx, msg)
		cancel()
		switch {
		case err == nil && ack.duplicate:
			// The dedupe check ran first (clustered streams): the original stands.
			return s.duplicate(ctx, subject, ack.seq)
		case err == nil:
			s.versions.put(subject, tip{version: cur.version + n, seq: ack.seq})
			return eventstore.AppendResult{StreamVersion: cur.version + n, Position: ack.seq}, nil
		case isAPIError(err, codeSubjectInProcess):
			// Not a conflict but no answer: the leader refuses to check an
			// expectation while a message on the subject is in process, and
			// it acknowledges a message before clearing that mark. So the very
			// next append after an ack can be refused although it expects the
			// right sequence. Nothing was stored; ask again after the mark
			// clears, and let the leader's check (stored, or 10071) decide.
			if err := retry.Backoff(ctx, attempt, time.Millisecond, 32*time.Millisecond); err != nil {
				return eventstore.AppendResult{}, fmt.Errorf("eventstore/jetstream: append to %s: the leader kept answering that the subject is in process (10164): %w", sid, err)
			}
			continue
		case isAPIError(err, codeWrongLastSequence):
			s.versions.drop(subject)
			if expected.IsAny() {
				// Someone else moved the tip: re-read it and go again, so that
				// versions stay dense even without a caller's expectation.
				if err := retry.Backoff(ctx, attempt, time.Millisecond, 32*time.Millisecond); err != nil {
					return eventstore.AppendResult{}, err
				}
				continue
			}
			return s.conflict(ctx, sid, msgID, expected, tip{})
		case isAPIError(err, codeDuplicateInProcess):
			// A retry raced its own original inside the cluster: wait for it.
			if err := retry.Backoff(ctx, attempt, time.Millisecond, 32*time.Millisecond); err != nil {
				return eventstore.AppendResult{}, err
			}
			continue
		case Transient(err) && ctx.Err() == nil && (msgID != "" || !expected.IsAny()) && time.Since(began) < s.cfg.publishPatience:
			// No answer (a leader that died with the message or before it,
			// an election): publish the same message again. If the first was
			// stored, the server answers duplicate (same msg id) or wrong last
			// sequence (same expectation), which the cases above resolve:
			// nothing is stored twice. Any without a request id has neither
			// guard, so it is not repeated.
			transient++
			if err := retry.Backoff(ctx, transient, 50*time.Millisecond, time.Second); err != nil {
				return eventstore.AppendResult{}, fmt.Errorf("eventstore/jetstream: append to %s: %w", sid, err)
			}
			continue
		case isAPIError(err, codeMessageTooLarge) || errors.Is(err, nats.ErrMaxPayload):
			return eventstore.AppendResult{}, fmt.Errorf("%w: commit for %s is too large (%d bytes): %v", eventstore.ErrInvalid, sid, len(msg.Data), err)
		default:
			return eventstore.AppendResult{}, fmt.Errorf("eventstore/jetstream: append to %s: %w", sid, err)
		}
	}
}

// tipFor returns the tip to publish against, or ok=false when expected
// already fails against what the store knows (then tip is the known one).
func (s *Store) tipFor(ctx context.Context, subject string, expected eventstore.ExpectedVersion) (t tip, ok bool, err error) {
	want := expected.Version()
	if !expected.IsAny() && want == 0 {
		// NoStream: the server checks "no message on this subject" itself.
		return tip{}, true, nil
	}
	if c, hit := s.versions.get(subject); hit {
		switch {
		case expected.IsAny(), c.version == want:
			return c, true, nil
		case c.version > want:
			// Versions only grow, so a newer cached tip is proof enough.
			return c, false, nil
		}
		// The cache is behind (another process appended): ask the server.
	}
	t, err = s.fetchTip(ctx, subject)
	if err != nil {
		return tip{}, false, err
	}
	return t, expected.IsAny() || t.version == want, nil
}

// fetchTip reads the subject's last commit (one direct get).
func (s *Store) fetchTip(ctx context.Context, subject string) (tip, error) {
	rctx, cancel := context.WithTimeout(ctx, s.cfg.requestTimeout)
	defer cancel()
	raw, err := s.stream.GetLastMsgForSubject(rctx, subject)
	if errors.Is(err, natsjs.ErrMsgNotFound) {
		return tip{}, nil
	}
	if err != nil {
		return tip{}, fmt.Errorf("eventstore/jetstream: read tip of %s: %w", subject, err)
	}
	t, err := commitTip(raw.Data, raw.Sequence)
	if err != nil {
		return tip{}, err
	}
	s.versions.put(subject, t)
	return t, nil
}

// conflict is reached when expected does not hold. A retried request whose
// original already landed also ends here on a single server, which checks
// the expected sequence before the dedupe window (a clustered stream
// deduplicates first and answers Duplicate): so before answering
// ErrConcurrency, look for the request id among the stream's commits in the
// dedupe window.
func (s *Store) conflict(ctx context.Context, sid eventstore.StreamID, msgID string, expected eventstore.ExpectedVersion, known tip) (eventstore.AppendResult, error) {
	if msgID != "" {
		orig, err := s.findRequest(ctx, sid.Subject(), msgID)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		if orig != nil {
			t, err := commitTip(orig.Data, orig.Sequence)
			if err != nil {
				return eventstore.AppendResult{}, err
			}
			return eventstore.AppendResult{StreamVersion: t.version, Position: orig.Sequence, Duplicate: true}, nil
		}
	}
	if known.seq != 0 {
		return eventstore.AppendResult{}, fmt.Errorf("%w: %s is at version %d, expected %s", eventstore.ErrConcurrency, sid, known.version, expected)
	}
	return eventstore.AppendResult{}, fmt.Errorf("%w: %s is not at %s", eventstore.ErrConcurrency, sid, expected)
}

// findRequest returns the commit on subject stored under msgID within the
// dedupe window, or nil. It reads headers only, and only the commits of one
// aggregate from the last window, so it stays cheap on this rare path.
//
// (A publish "probe" carrying the msg id and an expectation that cannot
// hold would cost one round trip instead, but on a replicated stream in
// nats-server 2.15.2 a failed Nats-Expected-Last-Msg-Id check stalls every
// later publish to the stream; see docs/eventstore.md.)
func (s *Store) findRequest(ctx context.Context, subject, msgID string) (*natsjs.RawStreamMsg, error) {
	// A minute of slack for clock skew between us and the server: finding a
	// request a little older than the window is still the right answer.
	since := time.Now().Add(-s.cfg.duplicateWindow - time.Minute)
	var found *natsjs.RawStreamMsg
	err := s.scanSubject(ctx, subject, jetstreamext.GetBatchStartTime(since), func(raw *natsjs.RawStreamMsg) (bool, error) {
		if raw.Header.Get(natsjs.MsgIDHeader) == msgID {
			found = raw
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("eventstore/jetstream: look for request %s: %w", msgID, err)
	}
	return found, nil
}

// duplicate describes the commit an earlier attempt of the same request stored.
func (s *Store) duplicate(ctx context.Context, subject string, seq uint64) (eventstore.AppendResult, error) {
	rctx, cancel := context.WithTimeout(ctx, s.cfg.requestTimeout)
	defer cancel()
	raw, err := s.stream.GetMsg(rctx, seq)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("eventstore/jetstream: read original commit %d: %w", seq, err)
	}
	if raw.Subject != subject {
		return eventstore.AppendResult{}, fmt.Errorf("eventstore/jetstream: request id of %s already used on %s", subject, raw.Subject)
	}
	t, err := commitTip(raw.Data, seq)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return eventstore.AppendResult{StreamVersion: t.version, Position: seq, Duplicate: true}, nil
}

// ReadStream returns the stream's events through batched direct gets on its
// subject: no consumer is created, and any replica can answer. (Measured
// against an ordered consumer filtered to the subject: as fast, but that
// creates server-side consumer state on every load and hit the account's
// consumer limit under load.)
func (s *Store) ReadStream(ctx context.Context, sid eventstore.StreamID) ([]eventstore.RecordedEvent, error) {
	return s.ReadStreamAfter(ctx, sid, 0, 0)
}

// ReadStreamAfter reads the commits of sid after the one at stream sequence
// position, which holds the stream's event `version`: the server starts its
// search there, not at the stream's first commit.
func (s *Store) ReadStreamAfter(ctx context.Context, sid eventstore.StreamID, version, position uint64) ([]eventstore.RecordedEvent, error) {
	if err := validateStreamID(sid); err != nil {
		return nil, err
	}
	subject := sid.Subject()
	var out []eventstore.RecordedEvent
	err := s.scanSubject(ctx, subject, jetstreamext.GetBatchSeq(position+1), func(raw *natsjs.RawStreamMsg) (bool, error) {
		var err error
		out, err = decodeCommit(sid, raw.Sequence, raw.Data, out)
		return err == nil, err
	})
	if err != nil {
		return nil, fmt.Errorf("eventstore/jetstream: read %s: %w", sid, err)
	}
	base := tip{version: version, seq: position}
	if known, ok := s.versions.get(subject); ok && known.version > max(version, lastVersion(out)) {
		if out, err = s.readOn(ctx, sid, base, out, known); err != nil {
			return nil, err
		}
	}
	for i := range out {
		if out[i].Version != version+uint64(i)+1 {
			return nil, fmt.Errorf("eventstore/jetstream: %s: event %d after version %d has version %d", sid, i, version, out[i].Version)
		}
	}
	if n := len(out); n > 0 {
		s.versions.put(subject, tip{version: out[n-1].Version, seq: out[n-1].Position})
	}
	return out, nil
}

// readOn reads the commits of sid after those in out (which follow base)
// until it reaches the tip this process knows of. Direct gets may be
// answered by any replica, and a replicated stream acknowledges an append
// once a majority stores it, so a follower can still lack a commit this
// process appended or has read (a command loading its aggregate just after
// its own append would miss it). Read-your-writes: wait for the replica,
// within the request timeout.
func (s *Store) readOn(ctx context.Context, sid eventstore.StreamID, base tip, out []eventstore.RecordedEvent, known tip) ([]eventstore.RecordedEvent, error) {
	subject := sid.Subject()
	deadline := time.Now().Add(s.cfg.requestTimeout)
	last := func() uint64 { return max(base.version, lastVersion(out)) }
	for attempt := 0; last() < known.version; attempt++ {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("eventstore/jetstream: read %s: the replica answering has version %d, %d is stored: %w",
				sid, last(), known.version, context.DeadlineExceeded)
		}
		if err := retry.Backoff(ctx, attempt, time.Millisecond, 32*time.Millisecond); err != nil {
			return nil, err
		}
		from := base.seq + 1
		if n := len(out); n > 0 {
			from = out[n-1].Position + 1
		}
		err := s.scanSubject(ctx, subject, jetstreamext.GetBatchSeq(from), func(raw *natsjs.RawStreamMsg) (bool, error) {
			var err error
			out, err = decodeCommit(sid, raw.Sequence, raw.Data, out)
			return err == nil, err
		})
		if err != nil {
			return nil, fmt.Errorf("eventstore/jetstream: read %s: %w", sid, err)
		}
	}
	return out, nil
}

func lastVersion(evs []eventstore.RecordedEvent) uint64 {
	if n := len(evs); n > 0 {
		return evs[n-1].Version
	}
	return 0
}

// scanSubject calls f for each message on subject from start on, in order,
// a page of batched direct gets at a time, until f returns false or the
// messages stored when a page was asked for are exhausted.
func (s *Store) scanSubject(ctx context.Context, subject string, start jetstreamext.GetBatchOpt, f func(*natsjs.RawStreamMsg) (bool, error)) error {
	for {
		next, done, err := s.scanPage(ctx, subject, start, f)
		if err != nil || done {
			return err
		}
		start = jetstreamext.GetBatchSeq(next)
	}
}

// scanPage is one page of scanSubject, within the store's request timeout:
// the sequence to go on from, or done.
func (s *Store) scanPage(ctx context.Context, subject string, start jetstreamext.GetBatchOpt, f func(*natsjs.RawStreamMsg) (bool, error)) (next uint64, done bool, err error) {
	pctx, cancel := context.WithTimeout(ctx, s.cfg.requestTimeout)
	defer cancel()
	msgs, err := jetstreamext.GetBatch(pctx, s.js, s.cfg.streamName, s.cfg.readBatch, start, jetstreamext.GetBatchSubject(subject))
	if err != nil {
		return 0, false, err
	}
	var got int
	var last, pending uint64
	for raw, err := range msgs {
		if errors.Is(err, jetstreamext.ErrNoMessages) {
			return 0, true, nil
		}
		if err != nil {
			return 0, false, err
		}
		more, err := f(raw)
		if err != nil || !more {
			return 0, true, err
		}
		got++
		last = raw.Sequence
		if pending, err = strconv.ParseUint(raw.Header.Get(headerNumPending), 10, 64); err != nil {
			return 0, false, fmt.Errorf("bad %s header: %w", headerNumPending, err)
		}
	}
	if got == 0 {
		// The batch iterator ends silently on a timeout: never take a
		// truncated read for a whole one.
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		return 0, false, fmt.Errorf("%w: %s: a batch of direct gets ended with no message", natsjs.ErrNoStreamResponse, s.cfg.streamName)
	}
	return last + 1, pending == 0, nil
}

// Subscribe delivers commits through an ordered consumer: ephemeral, flow
// controlled, and recreated by the client from the last delivered sequence
// if a message goes missing, so delivery is gap-free and in order.
//
// Messages are pushed by Consume (measured 10-15% faster than pulling through
// Messages()) into a queue the caller's goroutine empties a batch at a time
// (msgQueue), and decoded and handled there: the client's delivery goroutine
// parses the next messages while this one decodes, and handle is never
// called once Subscribe has returned.
func (s *Store) Subscribe(ctx context.Context, after uint64, filters []string, handle func(commit []eventstore.RecordedEvent) error) error {
	if len(filters) == 0 {
		filters = []string{eventstore.SubjectPrefix + ".>"}
	}
	// With several filters the server finds each next message by
	// intersecting every block's subject tree with them (nats-server 2.15.2,
	// msgBlock.firstMatchingMulti): its cost grows with the number of
	// aggregates, and it took 83% of the dev stack's start-up CPU (issue 16,
	// docs/benchmarks.md). Reading the whole stream and matching subjects
	// here, before decoding, is far cheaper.
	var match []string
	if len(filters) > 1 && !s.cfg.serverFilters {
		match, filters = filters, []string{eventstore.SubjectPrefix + ".>"}
	}
	cfg := natsjs.OrderedConsumerConfig{FilterSubjects: filters, DeliverPolicy: natsjs.DeliverAllPolicy}
	if after > 0 {
		cfg.DeliverPolicy = natsjs.DeliverByStartSequencePolicy
		cfg.OptStartSeq = after + 1
	}
	cons, err := s.js.OrderedConsumer(ctx, s.cfg.streamName, cfg)
	if err != nil {
		return fmt.Errorf("eventstore/jetstream: subscribe %v: %w", filters, err)
	}

	// Half the batch each: the queue and the batch being handled hold no
	// more messages than a channel of the whole batch did.
	q := newMsgQueue(max(1, s.cfg.subscribeBatch/2))
	done := make(chan struct{}) // closed when Subscribe returns, unblocking the callback
	defer close(done)
	terminal := make(chan error, 1)
	cc, err := cons.Consume(func(msg natsjs.Msg) { q.put(msg, done) },
		// Bounded by bytes as well as messages: commits of tens of kilobytes
		// (a needs return, a referral's matches) in a full batch would fill
		// the connection and starve request replies (LastPosition, probes).
		natsjs.PullMaxMessagesWithBytesLimit(s.cfg.subscribeBatch, subscribeMaxBytes),
		natsjs.ConsumeErrHandler(func(_ natsjs.ConsumeContext, err error) {
			// The ordered consumer recovers from missed heartbeats and gaps by
			// itself; only a lost connection or stream ends the subscription.
			if errors.Is(err, natsjs.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionClosed) ||
				errors.Is(err, natsjs.ErrStreamNotFound) {
				select {
				case terminal <- fmt.Errorf("eventstore/jetstream: subscribe %v: %w", filters, err):
				default:
				}
			}
		}))
	if err != nil {
		return fmt.Errorf("eventstore/jetstream: subscribe %v: %w", filters, err)
	}
	defer cc.Stop()

	var batch []natsjs.Msg
	for {
		select {
		case <-q.ready:
		case <-ctx.Done():
			return ctx.Err()
		case err := <-terminal:
			return err
		}
		clear(batch) // handled: not kept alive until the next batch
		batch = q.take(batch)
		for _, msg := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if match != nil && !eventstore.MatchesAny(msg.Subject(), match) {
				continue
			}
			events, err := decodeMsg(msg)
			if err != nil {
				return err
			}
			if err := handle(events); err != nil {
				return err
			}
		}
	}
}

// msgQueue hands consumed messages from the client's delivery goroutine to
// the subscriber's a batch at a time: one lock per message and one wake-up
// per batch, where a channel cost a channel operation on each side per
// message and often a wake-up as well.
type msgQueue struct {
	mu    sync.Mutex
	msgs  []natsjs.Msg
	limit int
	ready chan struct{} // a token while messages wait for take
	space chan struct{} // a token when take has emptied the queue
}

func newMsgQueue(limit int) *msgQueue {
	return &msgQueue{limit: limit, ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// put queues msg, waiting while the queue is full, unless done is closed.
func (q *msgQueue) put(msg natsjs.Msg, done <-chan struct{}) {
	for {
		q.mu.Lock()
		if len(q.msgs) < q.limit {
			q.msgs = append(q.msgs, msg)
			first := len(q.msgs) == 1
			q.mu.Unlock()
			if first {
				select {
				case q.ready <- struct{}{}:
				default: // a token is already there
				}
			}
			return
		}
		q.mu.Unlock()
		select {
		case <-q.space:
		case <-done:
			return
		}
	}
}

// take returns the waiting messages, in order, leaving spare's array (empty)
// to the queue.
func (q *msgQueue) take(spare []natsjs.Msg) []natsjs.Msg {
	q.mu.Lock()
	msgs := q.msgs
	q.msgs = spare[:0]
	q.mu.Unlock()
	select {
	case q.space <- struct{}{}:
	default:
	}
	return msgs
}

func decodeMsg(msg natsjs.Msg) ([]eventstore.RecordedEvent, error) {
	seq, pending, err := appReplyMeta(msg.Reply())
	if err != nil {
		return nil, fmt.Errorf("eventstore/jetstream: reading message metadata: %w", err)
	}
	if p := msg.Headers().Get(HeaderPosition); p != "" {
		// Relayed from another store of record: its position is the one.
		if seq, err = strconv.ParseUint(p, 10, 64); err != nil {
			return nil, fmt.Errorf("eventstore/jetstream: bad %s header %q: %w", HeaderPosition, p, err)
		}
	}
	sid, err := parseSubject(msg.Subject())
	if err != nil {
		return nil, err
	}
	events, err := decodeCommit(sid, seq, msg.Data(), nil)
	for i := range events {
		events[i].Pending = pending
	}
	return events, err
}

// streamSequence reads the stream sequence out of a JetStream ack subject
// without Metadata's allocations. The subject is
// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending> (9
// tokens), or from newer servers $JS.ACK.<domain>.<account hash>.<stream>...
// with a trailing token (11 or more).
func streamSequence(reply string) (uint64, error) {
	tokens := strings.Count(reply, ".") + 1
	var pos int
	switch {
	case !strings.HasPrefix(reply, "$JS.ACK."):
		return 0, fmt.Errorf("eventstore/jetstream: %q is not a JetStream reply", reply)
	case tokens == 9:
		pos = 5
	case tokens >= 11:
		pos = 7
	default:
		return 0, fmt.Errorf("eventstore/jetstream: %q is not a JetStream reply", reply)
	}
	rest := reply
	for range pos {
		_, rest, _ = strings.Cut(rest, ".")
	}
	tok, _, _ := strings.Cut(rest, ".")
	seq, err := strconv.ParseUint(tok, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("eventstore/jetstream: %q is not a JetStream reply", reply)
	}
	return seq, nil
}

// LastPosition is the stream's last sequence.
func (s *Store) LastPosition(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("eventstore/jetstream: stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// subscribeMaxBytes bounds the bytes one pull of a subscription asks for.
const subscribeMaxBytes = 16 << 20

// requestTimeout bounds one request to the server (stream info, a probe):
// a reply lost under load is retried by the caller instead of waited for
// until the caller's own deadline.
const requestTimeout = 5 * time.Second

func isAPIError(err error, codes ...natsjs.ErrorCode) bool {
	var apiErr *natsjs.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, c := range codes {
		if apiErr.ErrorCode == c {
			return true
		}
	}
	return false
}
