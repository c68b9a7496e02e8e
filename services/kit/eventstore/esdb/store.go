// Package esdb is the EventStoreDB (KurrentDB) backend of eventstore.Store,
// on the EventStore-Client-Go/v4 client.
//
// One ESDB stream per aggregate, named by the aggregate's subject
// (carecoop.evt.<context>.<aggregate>.<id>). A commit is one AppendToStream
// of its events, which ESDB writes atomically, with the expected revision
// from the expected version (NoStream for a new aggregate, StreamRevision
// v-1 for version v). The global position of a commit is the commit
// position ESDB gives every event of the append in $all. Each event's
// metadata (JSON) carries the commit's metadata and the event's place in
// its commit, so subscribers regroup commits.
//
// The bus stays on NATS: with this store, package relay copies $all to the
// JetStream subjects the services' consumers read. See docs/eventstore.md.
package esdb

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// ContentType is the content type of every event's data: the event's proto
// encoding, its type the event type.
const ContentType = "application/protobuf"

// DefaultDedupeDepth is how many of a stream's newest events Append looks
// through for a retried request before appending.
const DefaultDedupeDepth = 256

// readAll is the count asked for when a read means "everything".
const readAll = uint64(1) << 62

// Store is the EventStoreDB event store. It is safe for concurrent use.
type Store struct {
	c           *esdb.Client
	now         func() time.Time
	dedupeDepth uint64
}

var _ eventstore.Store = (*Store)(nil)

// Option configures New.
type Option func(*Store)

// WithClock sets the clock that stamps OccurredAt when the caller leaves it zero.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithDedupeDepth sets how many of a stream's newest events an append with
// a request id searches for its earlier attempt (DefaultDedupeDepth).
func WithDedupeDepth(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.dedupeDepth = uint64(n)
		}
	}
}

// New connects to the server at url, an EventStoreDB connection string
// (esdb://host:2113?tls=false, esdb+discover://..., several hosts for a
// cluster). The client connects lazily: a server that is down fails the
// first call, not New.
func New(url string, opts ...Option) (*Store, error) {
	cfg, err := esdb.ParseConnectionString(url)
	if err != nil {
		return nil, fmt.Errorf("eventstore/esdb: %w", err)
	}
	cfg.Logger = func(esdb.LogLevel, string, ...any) {} // errors come back as values
	c, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("eventstore/esdb: %w", err)
	}
	s := &Store{c: c, now: time.Now, dedupeDepth: DefaultDedupeDepth}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// Client is the underlying client (the relay reads $all through it).
func (s *Store) Client() *esdb.Client { return s.c }

// StreamName is the ESDB stream of an aggregate: its subject.
func StreamName(sid eventstore.StreamID) string { return sid.Subject() }

// eventMeta is each event's metadata, JSON in the event's custom metadata.
type eventMeta struct {
	OccurredAt    time.Time         `json:"occurredAt"`
	Actor         *eventstore.Actor `json:"actor,omitempty"`
	CorrelationID string            `json:"correlationId,omitempty"`
	CausationID   string            `json:"causationId,omitempty"`
	RequestID     string            `json:"requestId,omitempty"`
	// Index and Size place the event in its commit.
	Index int `json:"index"`
	Size  int `json:"size"`
}

// EventID is the id of event i of the commit with request id req on sid:
// derived, so that a retried request sends the ids of its first attempt
// and ESDB recognises them. It is shaped as a UUIDv7 (the kit's event id),
// its bits from a digest rather than a clock.
func EventID(sid eventstore.StreamID, req string, i int) uuid.UUID {
	h := sha256.Sum256(fmt.Appendf(nil, "%d:%s|%d:%s|%d", len(sid.String()), sid.String(), len(req), req, i))
	var id uuid.UUID
	copy(id[:], h[:16])
	id[6] = id[6]&0x0f | 0x70 // version 7
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// Append stores events as one commit on sid if expected holds.
func (s *Store) Append(ctx context.Context, sid eventstore.StreamID, expected eventstore.ExpectedVersion, meta eventstore.Metadata, events ...proto.Message) (eventstore.AppendResult, error) {
	if err := sid.Validate(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("%w: %v", eventstore.ErrInvalid, err)
	}
	if len(events) == 0 {
		return eventstore.AppendResult{}, fmt.Errorf("%w: no events for %s", eventstore.ErrInvalid, sid)
	}
	if meta.OccurredAt.IsZero() {
		meta.OccurredAt = s.now()
	}
	em := eventMeta{OccurredAt: meta.OccurredAt.UTC(), CorrelationID: meta.CorrelationID, CausationID: meta.CausationID,
		RequestID: meta.RequestID, Size: len(events)}
	if meta.Actor != (eventstore.Actor{}) {
		em.Actor = &meta.Actor
	}
	data := make([]esdb.EventData, len(events))
	for i, ev := range events {
		if ev == nil || !ev.ProtoReflect().IsValid() {
			return eventstore.AppendResult{}, fmt.Errorf("%w: event %d is nil", eventstore.ErrInvalid, i)
		}
		typ := string(ev.ProtoReflect().Descriptor().FullName())
		b, err := proto.Marshal(ev)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("%w: event %d (%s): %v", eventstore.ErrInvalid, i, typ, err)
		}
		em.Index = i
		mb, err := json.Marshal(em)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("%w: metadata: %v", eventstore.ErrInvalid, err)
		}
		id := EventID(sid, meta.RequestID, i)
		if meta.RequestID == "" {
			if id, err = uuid.NewV7(); err != nil {
				return eventstore.AppendResult{}, err
			}
		}
		data[i] = esdb.EventData{EventID: id, EventType: typ, ContentType: esdb.ContentTypeBinary, Data: b, Metadata: mb}
	}
	name := StreamName(sid)

	// ESDB recognises a retry's event ids only right after the revision it
	// expects (and, best effort, with any): a retry that reloaded the
	// aggregate and expects its newer version would be written again. So
	// look for the first attempt among the stream's newest events first.
	if meta.RequestID != "" {
		if res, found, err := s.findCommit(ctx, name, data[0].EventID); err != nil || found {
			return res, err
		}
	}
	var rev esdb.ExpectedRevision = esdb.Any{}
	switch {
	case expected.IsAny():
	case expected.Version() == 0:
		rev = esdb.NoStream{}
	default:
		rev = esdb.StreamRevision{Value: expected.Version() - 1}
	}
	wr, err := s.c.AppendToStream(ctx, name, esdb.AppendToStreamOptions{ExpectedRevision: rev}, data...)
	if err != nil {
		var e *esdb.Error
		if !errors.As(err, &e) || e.Code() != esdb.ErrorCodeWrongExpectedVersion {
			return eventstore.AppendResult{}, fmt.Errorf("eventstore/esdb: append to %s: %w", sid, err)
		}
		// The first attempt may have landed meanwhile (a concurrent retry).
		if meta.RequestID != "" {
			if res, found, err := s.findCommit(ctx, name, data[0].EventID); err != nil || found {
				return res, err
			}
		}
		cur, err := s.version(ctx, name)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("%w: %s is not at %s", eventstore.ErrConcurrency, sid, expected)
		}
		return eventstore.AppendResult{}, fmt.Errorf("%w: %s is at version %d, expected %s", eventstore.ErrConcurrency, sid, cur, expected)
	}
	return eventstore.AppendResult{StreamVersion: wr.NextExpectedVersion + 1, Position: wr.CommitPosition}, nil
}

// findCommit looks for the event with id first among the stream's newest
// events: the first event of an earlier attempt of the same request.
func (s *Store) findCommit(ctx context.Context, name string, first uuid.UUID) (eventstore.AppendResult, bool, error) {
	rs, err := s.c.ReadStream(ctx, name, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, s.dedupeDepth)
	if err != nil {
		return eventstore.AppendResult{}, false, fmt.Errorf("eventstore/esdb: read %s: %w", name, err)
	}
	defer rs.Close()
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) || isNotFound(err) {
			return eventstore.AppendResult{}, false, nil
		}
		if err != nil {
			return eventstore.AppendResult{}, false, fmt.Errorf("eventstore/esdb: read %s: %w", name, err)
		}
		re := ev.OriginalEvent()
		if re.EventID != first {
			continue
		}
		var m eventMeta
		if err := json.Unmarshal(re.UserMetadata, &m); err != nil {
			return eventstore.AppendResult{}, false, fmt.Errorf("eventstore/esdb: %s@%d: metadata: %w", name, re.EventNumber, err)
		}
		return eventstore.AppendResult{StreamVersion: re.EventNumber + uint64(m.Size), Position: re.Position.Commit, Duplicate: true}, true, nil
	}
}

// version is the stream's current version (0 if it has no events).
func (s *Store) version(ctx context.Context, name string) (uint64, error) {
	rs, err := s.c.ReadStream(ctx, name, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	ev, err := rs.Recv()
	if errors.Is(err, io.EOF) || isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return ev.OriginalEvent().EventNumber + 1, nil
}

func isNotFound(err error) bool {
	var e *esdb.Error
	return errors.As(err, &e) && e.Code() == esdb.ErrorCodeResourceNotFound
}

// ReadStream returns every event of the stream in order.
func (s *Store) ReadStream(ctx context.Context, sid eventstore.StreamID) ([]eventstore.RecordedEvent, error) {
	return s.ReadStreamAfter(ctx, sid, 0, 0)
}

// ReadStreamAfter reads sid from the event after version on (ESDB's stream
// revisions count from 0, the kit's versions from 1: revision `version` is
// the next event). ESDB finds a revision by the stream's own index, so
// position is not needed.
func (s *Store) ReadStreamAfter(ctx context.Context, sid eventstore.StreamID, version, _ uint64) ([]eventstore.RecordedEvent, error) {
	if err := sid.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", eventstore.ErrInvalid, err)
	}
	var from esdb.StreamPosition = esdb.Start{}
	if version > 0 {
		from = esdb.Revision(version)
	}
	rs, err := s.c.ReadStream(ctx, StreamName(sid), esdb.ReadStreamOptions{Direction: esdb.Forwards, From: from}, readAll)
	if err != nil {
		return nil, fmt.Errorf("eventstore/esdb: read %s: %w", sid, err)
	}
	defer rs.Close()
	var out []eventstore.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) || isNotFound(err) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("eventstore/esdb: read %s: %w", sid, err)
		}
		re, err := Decode(ev.OriginalEvent())
		if err != nil {
			return nil, err
		}
		if re.Version != version+uint64(len(out))+1 {
			return nil, fmt.Errorf("eventstore/esdb: %s: event %d after version %d has version %d", sid, len(out), version, re.Version)
		}
		out = append(out, re)
	}
	return out, nil
}

// Decode turns one ESDB event of a carecoop stream into the kit's.
func Decode(ev *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	sid, err := eventstore.ParseSubject(ev.StreamID)
	if err != nil {
		return eventstore.RecordedEvent{}, err
	}
	var m eventMeta
	if err := json.Unmarshal(ev.UserMetadata, &m); err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("eventstore/esdb: %s@%d: metadata: %w", ev.StreamID, ev.EventNumber, err)
	}
	re := eventstore.RecordedEvent{
		EventID: ev.EventID.String(), StreamID: sid, Version: ev.EventNumber + 1,
		Position: ev.Position.Commit, Index: m.Index, CommitSize: m.Size, OccurredAt: m.OccurredAt,
		Type: ev.EventType, CorrelationID: m.CorrelationID, CausationID: m.CausationID, RequestID: m.RequestID,
	}
	if m.Actor != nil {
		re.Actor = *m.Actor
	}
	re.Event, err = decodeEvent(ev.EventType, ev.Data)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("eventstore/esdb: %s@%d: %w", ev.StreamID, ev.EventNumber, err)
	}
	return re, nil
}

// decodeEvent unmarshals an event of a registered type; an unknown type is
// kept as its *anypb.Any (eventstore.Unknown), as the JetStream store does,
// so a consumer of the whole store does not stop at another context's event.
func decodeEvent(typ string, data []byte) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(typ))
	if errors.Is(err, protoregistry.NotFound) {
		return &anypb.Any{TypeUrl: "type.googleapis.com/" + typ, Value: data}, nil
	}
	if err != nil {
		return nil, err
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", typ, err)
	}
	return m, nil
}

// Prefixes are the stream-name prefixes of a server-side filter covering
// the subject filters: the literal part of each before its first wildcard.
// A filter without wildcards is a whole stream name, which as a prefix also
// covers longer names; Subscribe matches every event against the subject
// filters again.
func Prefixes(filters []string) []string {
	if len(filters) == 0 {
		return []string{eventstore.SubjectPrefix + "."}
	}
	out := make([]string, 0, len(filters))
	for _, f := range filters {
		if i := strings.IndexAny(f, "*>"); i >= 0 {
			f = f[:i]
		}
		out = append(out, f)
	}
	return out
}

// Subscribe delivers every commit after position `after` on streams
// matching filters, in $all order, then new ones as they are stored.
func (s *Store) Subscribe(ctx context.Context, after uint64, filters []string, handle func(commit []eventstore.RecordedEvent) error) error {
	return s.follow(ctx, after, filters, func(commit []eventstore.RecordedEvent, _ *esdb.Position) error {
		if commit == nil {
			return nil
		}
		return handle(commit)
	})
}

// follow is Subscribe, also telling f of each checkpoint the server sends
// (commit nil, the checkpoint's position): the relay keeps its place with
// them across long runs of events it does not carry.
func (s *Store) follow(ctx context.Context, after uint64, filters []string, f func(commit []eventstore.RecordedEvent, checkpoint *esdb.Position) error) error {
	match := filters
	if len(match) == 0 {
		match = []string{eventstore.SubjectPrefix + ".>"}
	}
	opts := esdb.SubscribeToAllOptions{
		From:               esdb.Start{},
		Filter:             &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: Prefixes(filters)},
		MaxSearchWindow:    32,
		CheckpointInterval: 1,
	}
	if after > 0 {
		// Subscriptions start after the position given; events of the
		// commit at `after` share its commit position with larger prepare
		// positions, so they are skipped below.
		opts.From = esdb.Position{Commit: after, Prepare: after}
	}
	sub, err := s.c.SubscribeToAll(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("eventstore/esdb: subscribe %v: %w", filters, err)
	}
	defer func() { _ = sub.Close() }()
	var commit []eventstore.RecordedEvent
	// Until the server says the subscription caught up, more commits are on
	// their way: Pending 1 tells a projection runner not to probe the store
	// after each one (a $all scan each: quadratic over a catch-up). After it,
	// 0. A server that never says (before 23.10) leaves it at 1, and the
	// runner probes on its 50 ms timer instead.
	var pending uint64 = 1
	for {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("eventstore/esdb: subscription %v dropped: %w", filters, ev.SubscriptionDropped.Error)
		case ev.CaughtUp != nil:
			pending = 0
		case ev.CheckPointReached != nil:
			if len(commit) == 0 {
				if err := f(nil, ev.CheckPointReached); err != nil {
					return err
				}
			}
		case ev.EventAppeared != nil:
			re := ev.EventAppeared.OriginalEvent()
			if re.Position.Commit <= after || !eventstore.MatchesAny(re.StreamID, match) {
				continue
			}
			e, err := Decode(re)
			if err != nil {
				return err
			}
			if len(commit) > 0 && (commit[0].Position != e.Position || commit[0].StreamID != e.StreamID) {
				return fmt.Errorf("eventstore/esdb: commit at %d on %s ended after %d of %d events", commit[0].Position, commit[0].StreamID, len(commit), commit[0].CommitSize)
			}
			e.Pending = pending
			if e.Index != len(commit) {
				return fmt.Errorf("eventstore/esdb: %s@%d is event %d of its commit, expected %d", e.StreamID, e.Version, e.Index, len(commit))
			}
			commit = append(commit, e)
			if e.LastInCommit() {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err := f(commit, nil); err != nil {
					return err
				}
				commit = nil
			}
		}
	}
}

// LastPosition is the commit position of the newest carecoop event in $all
// (0 if none): newer server events ($stats, $metadata) are passed over.
func (s *Store) LastPosition(ctx context.Context) (uint64, error) {
	from := esdb.AllPosition(esdb.End{})
	const page = 64
	for {
		rs, err := s.c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: from}, page)
		if err != nil {
			return 0, fmt.Errorf("eventstore/esdb: read $all: %w", err)
		}
		var n int
		var last esdb.Position
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rs.Close()
				return 0, fmt.Errorf("eventstore/esdb: read $all: %w", err)
			}
			n++
			re := ev.OriginalEvent()
			if strings.HasPrefix(re.StreamID, eventstore.SubjectPrefix+".") {
				rs.Close()
				return re.Position.Commit, nil
			}
			last = re.Position
		}
		rs.Close()
		if n < page {
			return 0, nil
		}
		from = last // inclusive: the page after repeats it, harmlessly
		if last.Commit == 0 && last.Prepare == 0 {
			return 0, nil
		}
	}
}

// FirstPositionAfter is the position of the first commit after `after` on
// a stream matching filter (projection.Prober): it reads $all forwards,
// a page at a time, until it finds one or reaches the end.
func (s *Store) FirstPositionAfter(ctx context.Context, after uint64, filter string) (uint64, bool, error) {
	from := esdb.AllPosition(esdb.Start{})
	if after > 0 {
		from = esdb.Position{Commit: after, Prepare: after}
	}
	const page = 512
	for {
		rs, err := s.c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from}, page)
		if err != nil {
			return 0, false, fmt.Errorf("eventstore/esdb: read $all: %w", err)
		}
		var n int
		var last esdb.Position
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rs.Close()
				return 0, false, fmt.Errorf("eventstore/esdb: read $all: %w", err)
			}
			n++
			re := ev.OriginalEvent()
			last = re.Position
			if re.Position.Commit > after && eventstore.MatchesAny(re.StreamID, []string{filter}) {
				rs.Close()
				return re.Position.Commit, true, nil
			}
		}
		rs.Close()
		if n < page {
			return 0, false, nil
		}
		from = last
	}
}
