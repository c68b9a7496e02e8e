package jetstream

// The commit envelope is carecoop.kit.v1.Commit (proto/carecoop/kit/v1/
// envelope.proto). It is written by the generated kitv1 code and read here
// with protowire. Measured against the generated code in the same run
// (docs/benchmarks.md): a hand-written encoder saved about a microsecond of
// an append's 30-50 µs of CPU, not measurable end to end, so it went; this
// decoder saves about a sixth of the CPU a replayed event costs with the
// generated one, so it stays. It reads whatever the generated code writes
// (the tests check it, unknown fields included). Events themselves go
// through the proto runtime, their types resolved with
// protoregistry.GlobalTypes.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Field numbers of the envelope messages.
const (
	commitPreviousVersion = 1
	commitEvents          = 2
	commitOccurredAt      = 3
	commitActor           = 4
	commitCorrelationID   = 5
	commitCausationID     = 6
	commitRequestID       = 7

	storedEventID      = 1
	storedEventPayload = 2

	anyTypeURL = 1
	anyValue   = 2

	timestampSeconds = 1
	timestampNanos   = 2

	actorSubject      = 1
	actorOrganisation = 2
	actorRole         = 3
)

// typeURLPrefix is what anypb.New puts before the full name.
const typeURLPrefix = "type.googleapis.com/"

// pendingCommit is a commit on its way to the stream: events marshalled and
// headers built once, the envelope re-encoded only if the version it follows
// changes (Any retries).
type pendingCommit struct {
	commit  *kitv1.Commit
	msg     *nats.Msg
	msgID   string
	encoded bool
	// hdr backs the message's single-valued headers, so that they cost no
	// allocation of their own.
	hdr headerValues
}

// headerValues are the values of a commit message's single-valued headers,
// in one array: slots of the CloudEvents and types headers (commitHeaders),
// then the expected sequence and the message id (Append).
type headerValues [7]string

const (
	hdrExpectedSeq = 5
	hdrMsgID       = 6
)

// expect sets the expected last subject sequence the server checks.
func (p *pendingCommit) expect(seq uint64) {
	p.hdr[hdrExpectedSeq] = strconv.FormatUint(seq, 10)
	p.msg.Header[natsjs.ExpectedLastSubjSeqHeader] = p.hdr[hdrExpectedSeq : hdrExpectedSeq+1 : hdrExpectedSeq+1]
}

// newPendingCommit validates and marshals events, encoding the envelope for
// a stream at version prev (the version the append expects, so that the
// common append marshals once); meta.OccurredAt must be set.
func newPendingCommit(sid eventstore.StreamID, prev uint64, meta eventstore.Metadata, events []proto.Message) (*pendingCommit, error) {
	if err := validateStreamID(sid); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("%w: no events for %s", eventstore.ErrInvalid, sid)
	}
	c := &kitv1.Commit{
		Events:        make([]*kitv1.StoredEvent, len(events)),
		OccurredAt:    timestamppb.New(meta.OccurredAt),
		CorrelationId: meta.CorrelationID,
		CausationId:   meta.CausationID,
		RequestId:     meta.RequestID,
	}
	if a := meta.Actor; a != (eventstore.Actor{}) {
		c.Actor = &kitv1.Actor{Subject: a.Subject, Organisation: a.Organisation, Role: a.Role}
	}
	var typesInline [4]string
	types := typesInline[:0]
	if len(events) > len(typesInline) {
		types = make([]string, 0, len(events))
	}
	for i, ev := range events {
		if ev == nil || !ev.ProtoReflect().IsValid() {
			return nil, fmt.Errorf("%w: event %d is nil", eventstore.ErrInvalid, i)
		}
		types = append(types, string(ev.ProtoReflect().Descriptor().FullName()))
		v, err := proto.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("%w: event %d (%s): %v", eventstore.ErrInvalid, i, types[i], err)
		}
		id, err := uuid.NewV7FromReader(appRandom)
		if err != nil {
			return nil, fmt.Errorf("eventstore/jetstream: event id: %w", err)
		}
		c.Events[i] = &kitv1.StoredEvent{EventId: id.String(), Payload: &anypb.Any{TypeUrl: typeURLPrefix + types[i], Value: v}}
	}
	p := &pendingCommit{commit: c, msg: &nats.Msg{Subject: sid.Subject()}}
	p.msg.Header = commitHeaders(sid, c.Events[0].EventId, types, meta.OccurredAt, &p.hdr, meta.RequestID != "")
	if meta.RequestID != "" {
		// Scoped by stream: two aggregates may see the same client request id.
		p.msgID = sid.String() + "/" + meta.RequestID
		p.hdr[hdrMsgID] = p.msgID
		p.msg.Header[natsjs.MsgIDHeader] = p.hdr[hdrMsgID : hdrMsgID+1 : hdrMsgID+1]
	}
	// Encoding fails only on metadata that is not valid UTF-8: the caller's.
	if err := p.encode(prev); err != nil {
		return nil, fmt.Errorf("%w: commit for %s: %v", eventstore.ErrInvalid, sid, err)
	}
	return p, nil
}

// encode sets the message's payload for a stream at version prev.
func (p *pendingCommit) encode(prev uint64) error {
	if p.encoded && p.commit.PreviousVersion == prev {
		return nil
	}
	p.commit.PreviousVersion = prev
	data, err := proto.MarshalOptions{}.MarshalAppend(p.msg.Data[:0], p.commit)
	if err != nil {
		return err
	}
	p.msg.Data, p.encoded = data, true
	return nil
}

// CommitMsg is the message Append publishes for events on sid when the
// stream is at version prev, without the expected-sequence header: for bulk
// loaders (seeding, imports, benchmarks) that publish asynchronously and
// number versions themselves. A zero meta.OccurredAt means now.
func CommitMsg(sid eventstore.StreamID, prev uint64, meta eventstore.Metadata, events ...proto.Message) (*nats.Msg, error) {
	if meta.OccurredAt.IsZero() {
		meta.OccurredAt = time.Now()
	}
	p, err := newPendingCommit(sid, prev, meta, events)
	if err != nil {
		return nil, err
	}
	// The message's header values hold p: not its events as well while a
	// bulk loader keeps thousands of messages in flight.
	p.commit = nil
	return p.msg, nil
}

// commitHeaders builds a commit message's headers, their values in vals.
// more says that the message will carry two more headers (the expected
// sequence, and a request's msg id).
func commitHeaders(sid eventstore.StreamID, firstID string, types []string, occurredAt time.Time, vals *headerValues, more bool) nats.Header {
	// ce-source and ce-time share one allocation.
	const source = "carecoop/"
	var b strings.Builder
	b.Grow(len(source) + len(sid.Context) + len(time.RFC3339Nano))
	b.WriteString(source)
	b.WriteString(sid.Context)
	split := b.Len()
	var at [len(time.RFC3339Nano) + 8]byte
	b.Write(occurredAt.UTC().AppendFormat(at[:0], time.RFC3339Nano))
	sourceAndTime := b.String()
	*vals = headerValues{firstID, types[0], sourceAndTime[:split], sourceAndTime[split:], strings.Join(types, ",")}
	// 8 entries fit one map group: the common append (no request id).
	size := 8
	if more {
		size = 9
	}
	h := make(nats.Header, size)
	h[headerCESpecVersion] = ceSpecVersion
	h[headerCEDataContentType] = ceContentType
	h[headerCEID] = vals[0:1:1]
	h[headerCEType] = vals[1:2:2]
	h[headerCESource] = vals[2:3:3]
	h[headerCETime] = vals[3:4:4]
	h[HeaderEventTypes] = vals[4:5:5]
	return h
}

// appRandom is crypto/rand read 256 bytes at a time: an event id's random
// bits came from one getrandom call per event, measured at a quarter of
// the store's own work on an append (docs/benchmarks.md). The ids need to
// be unique, not secret; the source stays cryptographic all the same.
var appRandom io.Reader = &appRandPool{r: bufio.NewReaderSize(rand.Reader, 256)}

// appRandPool makes a buffered reader safe for concurrent appends.
type appRandPool struct {
	mu sync.Mutex
	r  *bufio.Reader
}

func (p *appRandPool) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return io.ReadFull(p.r, b)
}

// errBadCommit reports a payload that is not a Commit.
func errBadCommit(seq uint64, what string) error {
	return fmt.Errorf("eventstore/jetstream: commit at %d: %s", seq, what)
}

// walk calls f for each field of a message, skipping nothing: unknown fields
// reach f too, which ignores them, so newer writers stay readable.
func walk(b []byte, seq uint64, f func(num protowire.Number, typ protowire.Type, v []byte, u uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errBadCommit(seq, "bad tag")
		}
		b = b[n:]
		var v []byte
		var u uint64
		switch typ {
		case protowire.VarintType:
			u, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errBadCommit(seq, fmt.Sprintf("bad field %d", num))
		}
		b = b[n:]
		if err := f(num, typ, v, u); err != nil {
			return err
		}
	}
	return nil
}

// commitTip reads the version a stored commit leaves its stream at.
func commitTip(data []byte, seq uint64) (tip, error) {
	var prev, n uint64
	err := walk(data, seq, func(num protowire.Number, typ protowire.Type, _ []byte, u uint64) error {
		switch {
		case num == commitPreviousVersion && typ == protowire.VarintType:
			prev = u
		case num == commitEvents && typ == protowire.BytesType:
			n++
		}
		return nil
	})
	if err != nil {
		return tip{}, err
	}
	if n == 0 {
		return tip{}, errBadCommit(seq, "no events")
	}
	return tip{version: prev + n, seq: seq}, nil
}

// eventTypes caches full name → message type, so that replay resolves each
// type in the global registry once. Copy-on-write: reads take no lock.
var eventTypes struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]protoreflect.MessageType]
}

// eventType resolves a type by name; nil if the binary does not link it.
func eventType(name []byte) (string, protoreflect.MessageType) {
	if m := eventTypes.m.Load(); m != nil {
		if mt, ok := (*m)[string(name)]; ok { // no allocation for the lookup
			return string(mt.Descriptor().FullName()), mt
		}
	}
	full := string(name)
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(full))
	if err != nil {
		// Not cached: a type linked in later (plugins) must still resolve.
		return full, nil
	}
	eventTypes.mu.Lock()
	defer eventTypes.mu.Unlock()
	old := eventTypes.m.Load()
	next := make(map[string]protoreflect.MessageType, 1)
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	next[full] = mt
	eventTypes.m.Store(&next)
	return full, mt
}

// decodeCommit appends one stored commit's events to dst. An event whose type
// is not linked into this binary is returned as its *anypb.Any (Type still
// names it): a consumer of the whole bus must not stop at another context's
// event it does not know.
//
// No decoded value points into data. The metadata strings (event ids, actor,
// correlation, causation and request ids) share one allocation holding only
// them: they used to be slices of one string of the whole commit, so a read
// model keeping one event id kept the commit, payloads included, alive
// (TestDecodedMetadataDoesNotRetainCommit).
func decodeCommit(sid eventstore.StreamID, seq uint64, data []byte, dst []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error) {
	var (
		prev       uint64
		events     [][]byte
		inline     [4][]byte
		secs       int64
		nanos      int32
		subj, org  []byte
		role       []byte
		corr, caus []byte
		reqID      []byte
		metaLen    int
	)
	events = inline[:0]
	err := walk(data, seq, func(num protowire.Number, typ protowire.Type, v []byte, u uint64) error {
		switch {
		case num == commitPreviousVersion && typ == protowire.VarintType:
			prev = u
		case num == commitEvents && typ == protowire.BytesType:
			events = append(events, v)
		case num == commitOccurredAt && typ == protowire.BytesType:
			return walk(v, seq, func(num protowire.Number, typ protowire.Type, _ []byte, u uint64) error {
				switch {
				case num == timestampSeconds && typ == protowire.VarintType:
					secs = int64(u)
				case num == timestampNanos && typ == protowire.VarintType:
					nanos = int32(u)
				}
				return nil
			})
		case num == commitActor && typ == protowire.BytesType:
			return walk(v, seq, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if typ != protowire.BytesType {
					return nil
				}
				switch num {
				case actorSubject:
					subj = v
				case actorOrganisation:
					org = v
				case actorRole:
					role = v
				}
				return nil
			})
		case num == commitCorrelationID && typ == protowire.BytesType:
			corr = v
		case num == commitCausationID && typ == protowire.BytesType:
			caus = v
		case num == commitRequestID && typ == protowire.BytesType:
			reqID = v
		}
		return nil
	})
	if err != nil {
		return dst, err
	}
	if len(events) == 0 {
		return dst, errBadCommit(seq, "no events")
	}

	// The events' fields, read before any string is made so that the
	// metadata strings can be sized and copied in one allocation.
	type rawEvent struct {
		id, typeURL, value []byte
		typeName           string
		mt                 protoreflect.MessageType
	}
	var inlineRaw [4]rawEvent
	raws := inlineRaw[:0]
	if len(events) > len(inlineRaw) {
		raws = make([]rawEvent, 0, len(events))
	}
	for i, ev := range events {
		var re rawEvent
		var hasPayload bool
		err := walk(ev, seq, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			if typ != protowire.BytesType {
				return nil
			}
			switch num {
			case storedEventID:
				re.id = v
			case storedEventPayload:
				hasPayload = true
				return walk(v, seq, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
					if typ == protowire.BytesType && num == anyTypeURL {
						re.typeURL = v
					} else if typ == protowire.BytesType && num == anyValue {
						re.value = v
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return dst, err
		}
		if !hasPayload || len(re.typeURL) == 0 {
			return dst, errBadCommit(seq, fmt.Sprintf("event %d has no payload type", i))
		}
		// The full name is what follows the type URL's last '/'.
		name := re.typeURL
		for j := len(re.typeURL) - 1; j >= 0; j-- {
			if re.typeURL[j] == '/' {
				name = re.typeURL[j+1:]
				break
			}
		}
		re.typeName, re.mt = eventType(name)
		metaLen += len(re.id)
		if re.mt == nil {
			metaLen += len(re.typeURL)
		}
		raws = append(raws, re)
	}

	// One allocation for the metadata strings, holding nothing else.
	metaLen += len(subj) + len(org) + len(role) + len(corr) + len(caus) + len(reqID)
	var b strings.Builder
	b.Grow(metaLen)
	var offs [6 + 2*len(inlineRaw)]int
	spans := offs[:0]
	put := func(v []byte) {
		b.Write(v)
		spans = append(spans, b.Len())
	}
	put(subj)
	put(org)
	put(role)
	put(corr)
	put(caus)
	put(reqID)
	for _, re := range raws {
		put(re.id)
		if re.mt == nil {
			put(re.typeURL)
		}
	}
	str := b.String()
	at := 0
	next := func() string {
		s := str[at:spans[0]]
		at, spans = spans[0], spans[1:]
		return s
	}
	actor := eventstore.Actor{Subject: next(), Organisation: next(), Role: next()}
	corrS, causS, reqS := next(), next(), next()
	occurredAt := time.Unix(secs, int64(nanos)).UTC()

	dst = growEvents(dst, len(events))
	for i, re := range raws {
		id := next()
		var ev proto.Message
		if re.mt == nil {
			// Copied too: a kept Any must not hold the commit.
			ev = &anypb.Any{TypeUrl: next(), Value: bytes.Clone(re.value)}
		} else {
			ev = re.mt.New().Interface()
			if err := proto.Unmarshal(re.value, ev); err != nil {
				return dst, fmt.Errorf("eventstore/jetstream: commit %s at %d: event %d (%s): %w", sid, seq, i, re.typeName, err)
			}
		}
		dst = append(dst, eventstore.RecordedEvent{
			EventID:       id,
			StreamID:      sid,
			Version:       prev + uint64(i) + 1,
			Position:      seq,
			Index:         i,
			CommitSize:    len(events),
			OccurredAt:    occurredAt,
			Type:          re.typeName,
			Event:         ev,
			Actor:         actor,
			CorrelationID: corrS,
			CausationID:   causS,
			RequestID:     reqS,
		})
	}
	return dst, nil
}

func growEvents(dst []eventstore.RecordedEvent, n int) []eventstore.RecordedEvent {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	next := make([]eventstore.RecordedEvent, len(dst), len(dst)+max(n, len(dst)))
	copy(next, dst)
	return next
}

// validateStreamID is StreamID.Validate without the regexp (same rule: 1-128
// of letters, digits, '-' and '_'), as it runs on every append.
func validateStreamID(sid eventstore.StreamID) error {
	for _, part := range []string{sid.Context, sid.Aggregate, sid.ID} {
		ok := len(part) > 0 && len(part) <= 128
		for i := 0; ok && i < len(part); i++ {
			c := part[i]
			ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		}
		if !ok {
			return fmt.Errorf("%w: %v", eventstore.ErrInvalid, sid.Validate())
		}
	}
	return nil
}

// parseSubject is eventstore.ParseSubject without the regexp: subjects read
// back from the stream were validated when they were written, so splitting
// suffices on the hot replay path; anything else falls back to the full check.
func parseSubject(subject string) (eventstore.StreamID, error) {
	rest, ok := strings.CutPrefix(subject, eventstore.SubjectPrefix+".")
	if ok {
		ctx, rest, ok1 := strings.Cut(rest, ".")
		agg, id, ok2 := strings.Cut(rest, ".")
		if ok1 && ok2 && ctx != "" && agg != "" && id != "" && !strings.Contains(id, ".") {
			return eventstore.StreamID{Context: ctx, Aggregate: agg, ID: id}, nil
		}
	}
	return eventstore.ParseSubject(subject)
}
