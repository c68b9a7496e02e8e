// Package eventstore is the store of record behind every carecoop service: an
// append-only log of commits, one stream per aggregate, with optimistic
// concurrency, idempotent retries and a global order.
//
// A commit is one atomic append of one or more events to one stream. Backends
// must pass the conformance suite in eventstore/conformance.
package eventstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
)

// SubjectPrefix starts every event subject: carecoop.evt.<context>.<aggregate>.<id>.
const SubjectPrefix = "carecoop.evt"

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// StreamID names one aggregate's stream.
type StreamID struct {
	Context   string // e.g. "framework"
	Aggregate string // e.g. "framework"
	ID        string // e.g. "fw-0192..."
}

// NewStreamID checks that each part is a single subject token.
func NewStreamID(context, aggregate, id string) (StreamID, error) {
	s := StreamID{Context: context, Aggregate: aggregate, ID: id}
	return s, s.Validate()
}

// Validate reports whether every part is usable as a NATS subject token.
func (s StreamID) Validate() error {
	for _, part := range []string{s.Context, s.Aggregate, s.ID} {
		if !tokenRE.MatchString(part) {
			return fmt.Errorf("eventstore: invalid stream id part %q (letters, digits, '-' and '_' only)", part)
		}
	}
	return nil
}

// Subject is the NATS subject of the stream.
func (s StreamID) Subject() string {
	return SubjectPrefix + "." + s.Context + "." + s.Aggregate + "." + s.ID
}

func (s StreamID) String() string { return s.Context + "." + s.Aggregate + "." + s.ID }

// ParseSubject is the inverse of StreamID.Subject.
func ParseSubject(subject string) (StreamID, error) {
	rest, ok := strings.CutPrefix(subject, SubjectPrefix+".")
	parts := strings.Split(rest, ".")
	if !ok || len(parts) != 3 {
		return StreamID{}, fmt.Errorf("eventstore: %q is not an event subject", subject)
	}
	return NewStreamID(parts[0], parts[1], parts[2])
}

// IDSeparator joins the parts of a composed stream id (a consortium and a
// provider, say). No identifier the platform issues or accepts — slugs,
// provider ids, LA codes, framework, lot and contract ids — may contain it,
// so two different lists of parts never compose the same id: "north" +
// "west-northern-lights-care" and "north-west" + "northern-lights-care" are
// two ids, not one.
const IDSeparator = "_"

// ComposeID makes one stream id of several identifiers, unambiguously. When
// a part is empty or holds the separator, or the result would be longer
// than a subject token may be, it is a digest of the parts instead
// ("__" + hex), which no joined id can equal: a joined id never starts with
// the separator.
func ComposeID(parts ...string) string {
	id := strings.Join(parts, IDSeparator)
	ok := len(id) <= 128
	for _, p := range parts {
		ok = ok && p != "" && !strings.Contains(p, IDSeparator)
	}
	if ok && tokenRE.MatchString(id) {
		return id
	}
	h := sha256.New()
	for _, p := range parts {
		_, _ = fmt.Fprintf(h, "%d:%s", len(p), p) // length-prefixed: no two lists hash alike
	}
	return IDSeparator + IDSeparator + hex.EncodeToString(h.Sum(nil)[:20])
}

// ContextFilter is the subject filter matching every stream of a context.
func ContextFilter(context string) string { return SubjectPrefix + "." + context + ".>" }

// AggregateFilter is the subject filter matching every stream of one
// aggregate type of a context, e.g. AggregateFilter("purchasing", "provider")
// for carecoop.evt.purchasing.provider.*: what a consumer of another
// context's events subscribes to when it needs only one aggregate's.
func AggregateFilter(context, aggregate string) string {
	return SubjectPrefix + "." + context + "." + aggregate + ".*"
}

// ExpectedVersion is the optimistic-concurrency condition of an append.
type ExpectedVersion struct {
	kind    expectKind
	version uint64
}

type expectKind uint8

const (
	expectAny expectKind = iota
	expectNoStream
	expectExact
)

var (
	// Any appends whatever the stream's version.
	Any = ExpectedVersion{kind: expectAny}
	// NoStream appends only if the stream has no events yet.
	NoStream = ExpectedVersion{kind: expectNoStream}
)

// Exact appends only if the stream is at version v (v == 0 means no stream).
func Exact(v uint64) ExpectedVersion {
	if v == 0 {
		return NoStream
	}
	return ExpectedVersion{kind: expectExact, version: v}
}

// IsAny reports whether no condition applies.
func (e ExpectedVersion) IsAny() bool { return e.kind == expectAny }

// Version is the version the stream must be at (0 for NoStream); meaningless for Any.
func (e ExpectedVersion) Version() uint64 { return e.version }

func (e ExpectedVersion) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectExact:
		return fmt.Sprintf("version %d", e.version)
	default:
		return "any"
	}
}

// Actor is who caused a commit.
type Actor struct {
	Subject      string
	Organisation string
	Role         string
}

// Metadata travels with every commit and is copied to each of its events.
type Metadata struct {
	Actor         Actor
	CorrelationID string
	CausationID   string
	// RequestID is the client's id for the command; a commit with a request id
	// already stored on the stream (within the store's dedupe window) is not
	// stored again.
	RequestID string
	// OccurredAt defaults to the time of the append.
	OccurredAt time.Time
}

// AppendResult tells where a commit landed.
type AppendResult struct {
	// StreamVersion is the stream's version after the commit.
	StreamVersion uint64
	// Position is the commit's global position (all its events share it).
	Position uint64
	// Duplicate is true when the request id had already been stored: nothing
	// new was written and the fields above describe the original commit.
	Duplicate bool
}

// RecordedEvent is one stored event with its metadata.
type RecordedEvent struct {
	EventID  string // UUIDv7
	StreamID StreamID
	// Version of the stream after this event (1 for the first event).
	Version uint64
	// Position is the global position of the event's commit; Index is the
	// event's place in it and CommitSize the number of events it holds.
	Position   uint64
	Index      int
	CommitSize int
	OccurredAt time.Time
	// Type is the proto full name of the event.
	Type          string
	Event         proto.Message
	Actor         Actor
	CorrelationID string
	CausationID   string
	RequestID     string
	// Pending is, for a commit delivered by Subscribe, how many commits
	// matching the subscription followed it in the store when it was
	// delivered; 0 when there were none or the store cannot tell. A
	// projection runner checks the store for skipped positions only when it
	// is 0, not after every commit of a catch-up.
	Pending uint64
}

// LastInCommit reports whether the event closes its commit.
func (e RecordedEvent) LastInCommit() bool { return e.Index == e.CommitSize-1 }

// Store is the event store of record.
type Store interface {
	// Append stores events as one atomic commit on stream, if expected holds.
	// It fails with an error wrapping ErrConcurrency when it does not.
	Append(ctx context.Context, stream StreamID, expected ExpectedVersion, meta Metadata, events ...proto.Message) (AppendResult, error)
	// ReadStream returns every event of the stream in order; an unknown stream
	// is empty, not an error.
	ReadStream(ctx context.Context, stream StreamID) ([]RecordedEvent, error)
	// Subscribe calls handle for every commit after position `after` whose
	// subject matches one of filters (all streams if none), in global order,
	// then for each new commit as it is stored, until ctx ends or handle fails.
	// It returns ctx's error or handle's.
	Subscribe(ctx context.Context, after uint64, filters []string, handle func(commit []RecordedEvent) error) error
	// LastPosition is the global position of the newest commit (0 if none).
	LastPosition(ctx context.Context) (uint64, error)
}

// TailReader is a Store that reads a stream from a version on, so a caller
// already holding an aggregate's state at that version reads only what
// followed it rather than years of its history (aggregate.Repository).
type TailReader interface {
	// ReadStreamAfter returns the stream's events after version, whose
	// commit is at global position `position`; (0, 0) reads the whole
	// stream, as ReadStream does.
	ReadStreamAfter(ctx context.Context, stream StreamID, version, position uint64) ([]RecordedEvent, error)
}

// ErrConcurrency marks an append whose expected version did not hold.
var ErrConcurrency = errors.New("eventstore: wrong expected version")

// ErrInvalid marks an append that can never succeed as given (no events,
// a bad stream id, an unencodable event).
var ErrInvalid = errors.New("eventstore: invalid append")
