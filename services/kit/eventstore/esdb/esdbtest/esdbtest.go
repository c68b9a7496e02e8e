// Package esdbtest is a TEST SERVER of the EventStoreDB gRPC protocol, for
// tests only: it keeps everything in memory, has no authentication, no
// cluster, no scavenging and no persistence, and it is not EventStoreDB.
// No EventStoreDB or KurrentDB server can be installed where carecoop's
// tests run, so the esdb backend's tests talk to this one over real gRPC,
// through the real client (EventStore-Client-Go/v4), on the server
// interfaces that client module generates (protos/streams, serverfeatures,
// gossip).
//
// It serves what the esdb backend uses — event_store.client.streams.Streams
// (Append, Read of a stream and of $all, subscriptions with filters and
// checkpoints, Delete, Tombstone) and ServerFeatures — following the
// server's documented semantics; each rule below names where it is
// documented. The same conformance suite runs against a real server when
// CARECOOP_ESDB_URL is set (docs/eventstore.md), which is how this server's
// fidelity is checked.
//
// References (EventStoreDB 24.x documentation and the client's protos):
//   - [append] "Appending events": expected revision any / no_stream /
//     stream_exists / exact, WrongExpectedVersion with the current
//     revision, and idempotent appends of the same event ids,
//     https://developers.eventstore.com/clients/grpc/appending-events.html
//   - [read] "Reading events": stream reads from a revision, forwards or
//     backwards, StreamNotFound; $all reads in commit order from a position,
//     https://developers.eventstore.com/clients/grpc/reading-events.html
//   - [subs] "Catch-up subscriptions": subscribing from a position starts
//     after it; server-side filtering by stream prefix or event type with
//     checkpoints every checkpoint-interval x max-search-window events
//     searched; caught-up notification,
//     https://developers.eventstore.com/clients/grpc/subscriptions.html
//   - [delete] "Deleting events": a soft-deleted stream reads as not found
//     and can be written again, continuing its revisions; a tombstoned one
//     answers stream-deleted for ever,
//     https://developers.eventstore.com/clients/grpc/delete-stream.html
//   - [proto] protos/streams.proto, shared.proto and serverfeatures.proto
//     in github.com/EventStore/EventStore-Client-Go/v4 (the wire shapes:
//     AppendResp.WrongExpectedVersion, ReadResp.Checkpoint, the
//     "exception: stream-deleted" trailer the client reads in
//     esdb/impl.go).
package esdbtest

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossipapi "github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	featuresapi "github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Version is the server version ServerFeatures reports.
const Version = "24.10.0"

// record is one event in the log. Positions are byte offsets in a pretend
// transaction log: each event's prepare record, then one commit record for
// the whole append, whose offset is the commit position every event of the
// append shares ([read]: $all is ordered by (commit, prepare)).
type record struct {
	stream   string
	revision uint64
	id       uuid.UUID
	meta     map[string]string
	custom   []byte
	data     []byte
	commit   uint64
	prepare  uint64
}

type stream struct {
	events []int // indexes into Server.log
	// truncated is how many of events a soft delete hid ([delete]).
	truncated  int
	tombstoned bool
}

func (s *stream) lastRevision() (uint64, bool) {
	if len(s.events) == 0 {
		return 0, false
	}
	return uint64(len(s.events) - 1), true
}

// visible reports whether the stream exists for reads and expectations: it
// has events after its soft delete, and is not tombstoned.
func (s *stream) visible() bool { return s != nil && !s.tombstoned && len(s.events) > s.truncated }

// Server is the in-memory test server.
type Server struct {
	api.UnimplementedStreamsServer
	featuresapi.UnimplementedServerFeaturesServer

	lis  net.Listener
	srv  *grpc.Server
	done chan struct{}

	mu      sync.Mutex
	log     []record
	streams map[string]*stream
	byID    map[uuid.UUID]int // event id -> log index, for Any idempotency
	next    uint64            // next free log offset
	changed chan struct{}     // closed and replaced on every append
	appends int
	hook    func(stream string) error
}

// Start starts a server on a free loopback port, stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Listen starts a server on addr (host:port; port 0 picks a free one).
func Listen(addr string) (*Server, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("esdbtest: %w", err)
	}
	s := &Server{
		lis: lis, srv: grpc.NewServer(), done: make(chan struct{}),
		streams: map[string]*stream{}, byID: map[uuid.UUID]int{},
		// A real log starts with the server's own records; starting past
		// zero keeps a backend from taking position 0 for "an event".
		next:    1024,
		changed: make(chan struct{}),
	}
	api.RegisterStreamsServer(s.srv, s)
	featuresapi.RegisterServerFeaturesServer(s.srv, s)
	gossipapi.RegisterGossipServer(s.srv, gossipServer{s: s})
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(lis)
	}()
	return s, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// URL is the connection string of the server for the client.
func (s *Server) URL() string { return "esdb://" + s.Addr() + "?tls=false" }

// Stop ends every call and closes the listener.
func (s *Server) Stop() {
	s.srv.Stop()
	<-s.done
}

// Appends counts the appends that wrote events.
func (s *Server) Appends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appends
}

// BeforeAppend sets a hook run before each append is checked; an error it
// returns fails the append with UNAVAILABLE (fault tests).
func (s *Server) BeforeAppend(hook func(stream string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = hook
}

// GetSupportedMethods lists what this server serves ([proto]
// serverfeatures.proto). The client reads it when it connects.
func (s *Server) GetSupportedMethods(context.Context, *shared.Empty) (*featuresapi.SupportedMethods, error) {
	const svc = "event_store.client.streams.streams"
	m := &featuresapi.SupportedMethods{EventStoreServerVersion: Version}
	for _, name := range []string{"read", "append", "delete", "tombstone"} {
		m.Methods = append(m.Methods, &featuresapi.SupportedMethod{MethodName: name, ServiceName: svc})
	}
	return m, nil
}

// gossipServer answers gossip with one alive leader: this server. Clients
// use gossip only with esdb+discover:// or several hosts. (Its Read would
// clash with the Streams Read, hence a type of its own.)
type gossipServer struct {
	gossipapi.UnimplementedGossipServer
	s *Server
}

func (g gossipServer) Read(context.Context, *shared.Empty) (*gossipapi.ClusterInfo, error) {
	host, port, _ := net.SplitHostPort(g.s.Addr())
	p, _ := strconv.Atoi(port)
	return &gossipapi.ClusterInfo{Members: []*gossipapi.MemberInfo{{
		InstanceId: &shared.UUID{Value: &shared.UUID_String_{String_: uuid.NewString()}},
		TimeStamp:  time.Now().UnixNano() / 100, State: gossipapi.MemberInfo_Leader, IsAlive: true,
		HttpEndPoint: &gossipapi.EndPoint{Address: host, Port: uint32(p)},
	}}}, nil
}

// Append appends the proposed events atomically, if the expected revision
// holds ([append]).
func (s *Server) Append(rpc api.Streams_AppendServer) error {
	first, err := rpc.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil || opts.GetStreamIdentifier() == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry the options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	var proposed []*api.AppendReq_ProposedMessage
	for {
		req, err := rpc.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if m := req.GetProposedMessage(); m != nil {
			proposed = append(proposed, m)
		}
	}
	ids := make([]uuid.UUID, len(proposed))
	for i, m := range proposed {
		id, err := uuidFrom(m.GetId())
		if err != nil {
			return status.Errorf(codes.InvalidArgument, "event %d: %v", i, err)
		}
		ids[i] = id
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hook != nil {
		if err := s.hook(name); err != nil {
			return status.Error(codes.Unavailable, err.Error())
		}
	}
	st := s.streams[name]
	if st != nil && st.tombstoned {
		return streamDeleted(rpc, name)
	}
	cur, exists := int64(-1), st.visible()
	if st != nil {
		if r, ok := st.lastRevision(); ok {
			cur = int64(r)
		}
	}

	// Idempotency ([append], "Idempotence"): an append whose event ids are
	// the events already written right after the expected revision succeeds
	// again without writing. With any, the server checks the ids it knows.
	from, check := int64(-2), false
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		from, check = int64(e.Revision), true
	case *api.AppendReq_Options_NoStream:
		if exists {
			from, check = int64(st.truncated)-1, true
		} else {
			from = cur // a new (or soft-deleted) stream: write after its last revision
		}
	case *api.AppendReq_Options_StreamExists:
		if !exists {
			return rpc.SendAndClose(wrongVersion(cur, exists, opts))
		}
		from = cur
	default: // any
		if len(ids) > 0 && st != nil {
			if at, ok := s.byID[ids[0]]; ok && s.log[at].stream == name {
				if res, ok := s.idempotent(st, int64(s.log[at].revision)-1, ids); ok {
					return rpc.SendAndClose(res)
				}
			}
		}
		from = cur
	}
	if check && from != cur {
		if from < cur {
			if res, ok := s.idempotent(st, from, ids); ok {
				return rpc.SendAndClose(res)
			}
		}
		return rpc.SendAndClose(wrongVersion(cur, exists, opts))
	}
	if len(proposed) == 0 {
		// An empty append checks the expectation and writes nothing.
		return rpc.SendAndClose(success(cur, 0, false))
	}
	if st == nil {
		st = &stream{}
		s.streams[name] = st
	}
	now := strconv.FormatInt(time.Now().UnixNano()/100, 10) // .NET ticks since the Unix epoch
	start := len(s.log)
	for i, m := range proposed {
		meta := map[string]string{"created": now}
		for k, v := range m.GetMetadata() {
			meta[k] = v
		}
		s.log = append(s.log, record{
			stream: name, revision: uint64(cur + 1 + int64(i)), id: ids[i], meta: meta,
			custom: m.GetCustomMetadata(), data: m.GetData(), prepare: s.next,
		})
		s.next += 64 + uint64(len(m.GetData())+len(m.GetCustomMetadata()))
	}
	commit := s.next
	s.next += 32
	for i := start; i < len(s.log); i++ {
		s.log[i].commit = commit
		st.events = append(st.events, i)
		s.byID[s.log[i].id] = i
	}
	s.appends++
	close(s.changed)
	s.changed = make(chan struct{})
	return rpc.SendAndClose(success(cur+int64(len(proposed)), commit, true))
}

// idempotent answers the original write when ids are the events right after
// revision from on st.
func (s *Server) idempotent(st *stream, from int64, ids []uuid.UUID) (*api.AppendResp, bool) {
	if len(ids) == 0 || from+int64(len(ids)) >= int64(len(st.events)) {
		return nil, false
	}
	for i, id := range ids {
		if s.log[st.events[from+1+int64(i)]].id != id {
			return nil, false
		}
	}
	last := s.log[st.events[from+int64(len(ids))]]
	return success(int64(last.revision), last.commit, true), true
}

func success(rev int64, commit uint64, hasPos bool) *api.AppendResp {
	ok := &api.AppendResp_Success{}
	if rev < 0 {
		ok.CurrentRevisionOption = &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
	} else {
		ok.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(rev)}
	}
	if hasPos {
		ok.PositionOption = &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{CommitPosition: commit, PreparePosition: commit}}
	} else {
		ok.PositionOption = &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: ok}}
}

// wrongVersion is the WrongExpectedVersion answer with the current and the
// expected revision ([proto] AppendResp.WrongExpectedVersion).
func wrongVersion(cur int64, exists bool, opts *api.AppendReq_Options) *api.AppendResp {
	w := &api.AppendResp_WrongExpectedVersion{}
	if cur < 0 || !exists {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(cur)}
	}
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: e.Revision}
	case *api.AppendReq_Options_NoStream:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case *api.AppendReq_Options_StreamExists:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
	}
	return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// streamDeleted is the error the client turns into ErrorCodeStreamDeleted:
// trailers "exception: stream-deleted" and the stream's name ([proto], the
// client's esdb/impl.go handleError).
func streamDeleted(rpc grpc.ServerStream, name string) error {
	rpc.SetTrailer(metadata.Pairs("exception", "stream-deleted", "stream-name", name))
	return status.Errorf(codes.FailedPrecondition, "event stream '%s' is deleted", name)
}

// Delete soft-deletes a stream ([delete]): reads find no stream, and a
// later append continues its revisions.
func (s *Server) Delete(_ context.Context, req *api.DeleteReq) (*api.DeleteResp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := string(req.GetOptions().GetStreamIdentifier().GetStreamName())
	st := s.streams[name]
	if st == nil || !st.visible() {
		return nil, status.Errorf(codes.NotFound, "stream %q not found", name)
	}
	st.truncated = len(st.events)
	return &api.DeleteResp{PositionOption: &api.DeleteResp_Position_{Position: &api.DeleteResp_Position{CommitPosition: s.next, PreparePosition: s.next}}}, nil
}

// Tombstone deletes a stream for good ([delete]).
func (s *Server) Tombstone(_ context.Context, req *api.TombstoneReq) (*api.TombstoneResp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := string(req.GetOptions().GetStreamIdentifier().GetStreamName())
	st := s.streams[name]
	if st == nil {
		st = &stream{}
		s.streams[name] = st
	}
	st.tombstoned = true
	return &api.TombstoneResp{PositionOption: &api.TombstoneResp_Position_{Position: &api.TombstoneResp_Position{CommitPosition: s.next, PreparePosition: s.next}}}, nil
}

// pos orders records in $all: by commit position, then prepare position.
type pos struct{ commit, prepare uint64 }

func (p pos) less(q pos) bool {
	return p.commit < q.commit || p.commit == q.commit && p.prepare < q.prepare
}

// Read serves stream reads, $all reads and subscriptions of either.
func (s *Server) Read(req *api.ReadReq, rpc api.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "no read options")
	}
	filter, err := newFilter(o.GetFilter())
	if err != nil {
		return err
	}
	structured := o.GetUuidOption().GetString_() == nil
	if _, sub := o.GetCountOption().(*api.ReadReq_Options_Subscription); sub {
		return s.subscribe(o, filter, structured, rpc)
	}
	count := o.GetCount()
	back := o.GetReadDirection() == api.ReadReq_Options_Backwards

	s.mu.Lock()
	var out []*api.ReadResp
	if so := o.GetStream(); so != nil {
		name := string(so.GetStreamIdentifier().GetStreamName())
		st := s.streams[name]
		if st != nil && st.tombstoned {
			s.mu.Unlock()
			return streamDeleted(rpc, name)
		}
		if !st.visible() {
			s.mu.Unlock()
			return rpc.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
				StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)}}}})
		}
		evs := st.events[st.truncated:]
		base := uint64(st.truncated)
		var i int64
		switch r := so.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			i = int64(r.Revision) - int64(base)
		case *api.ReadReq_Options_StreamOptions_End:
			i = int64(len(evs)) - 1
			if !back {
				i = int64(len(evs))
			}
		default:
			if back {
				i = -1
			}
		}
		for ; i >= 0 && i < int64(len(evs)) && uint64(len(out)) < count; i += step(back) {
			out = append(out, s.event(s.log[evs[i]], structured, false))
		}
		if i < 0 && !back {
			// A revision before the truncation: read from the first kept.
			for i = 0; i < int64(len(evs)) && uint64(len(out)) < count; i++ {
				out = append(out, s.event(s.log[evs[i]], structured, false))
			}
		}
	} else {
		i := s.allStart(o.GetAll(), back, true)
		for ; i >= 0 && i < len(s.log) && uint64(len(out)) < count; i += int(step(back)) {
			if s.readable(i) && filter.match(s.log[i]) {
				out = append(out, s.event(s.log[i], structured, true))
			}
		}
	}
	s.mu.Unlock()
	for _, r := range out {
		if err := rpc.Send(r); err != nil {
			return err
		}
	}
	return nil
}

func step(back bool) int64 {
	if back {
		return -1
	}
	return 1
}

// readable reports whether the log record at i is still read from $all:
// not hidden by a soft delete or a tombstone of its stream.
func (s *Server) readable(i int) bool {
	r := s.log[i]
	st := s.streams[r.stream]
	return !st.tombstoned && r.revision >= uint64(st.truncated)
}

// allStart is the log index a $all read or subscription begins at. A read
// from a position includes the event at it; a subscription starts after
// it ([read], [subs]).
func (s *Server) allStart(ao *api.ReadReq_Options_AllOptions, back, inclusive bool) int {
	switch a := ao.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_End:
		if back {
			return len(s.log) - 1
		}
		return len(s.log)
	case *api.ReadReq_Options_AllOptions_Position:
		p := pos{a.Position.GetCommitPosition(), a.Position.GetPreparePosition()}
		if back {
			i := len(s.log) - 1
			for i >= 0 && p.less(pos{s.log[i].commit, s.log[i].prepare}) {
				i--
			}
			if !inclusive && i >= 0 && (pos{s.log[i].commit, s.log[i].prepare}) == p {
				i--
			}
			return i
		}
		i := 0
		for i < len(s.log) {
			q := pos{s.log[i].commit, s.log[i].prepare}
			if p.less(q) || inclusive && q == p {
				break
			}
			i++
		}
		return i
	default:
		if back {
			return len(s.log) - 1
		}
		return 0
	}
}

// event is the ReadResp of one record.
func (s *Server) event(r record, structured, withPosition bool) *api.ReadResp {
	id := &shared.UUID{Value: &shared.UUID_String_{String_: r.id.String()}}
	if structured {
		most, least := int64(binary.BigEndian.Uint64(r.id[:8])), int64(binary.BigEndian.Uint64(r.id[8:]))
		id = &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{MostSignificantBits: most, LeastSignificantBits: least}}}
	}
	ev := &api.ReadResp_ReadEvent{Event: &api.ReadResp_ReadEvent_RecordedEvent{
		Id: id, StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
		StreamRevision: r.revision, CommitPosition: r.commit, PreparePosition: r.prepare,
		Metadata: r.meta, CustomMetadata: r.custom, Data: r.data,
	}}
	if withPosition {
		ev.Position = &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.commit}
	} else {
		ev.Position = &api.ReadResp_ReadEvent_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: ev}}
}

// subscribe confirms the subscription, delivers what is stored after the
// starting point, says it caught up, then delivers new events as they are
// appended, until the client goes ([subs]). A filtered $all subscription
// also gets a checkpoint every checkpoint-interval x max-search-window
// events searched, and one when it reaches the end of the log, so a
// subscriber that matches nothing still learns how far the search went.
func (s *Server) subscribe(o *api.ReadReq_Options, f *filter, structured bool, rpc api.Streams_ReadServer) error {
	if err := rpc.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString()}}}); err != nil {
		return err
	}
	ctx := rpc.Context()
	so := o.GetStream()
	s.mu.Lock()
	var next int // next log index to look at
	var streamName string
	var fromRev int64 = -1
	if so != nil {
		streamName = string(so.GetStreamIdentifier().GetStreamName())
		switch r := so.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			fromRev = int64(r.Revision) // exclusive ([subs])
		case *api.ReadReq_Options_StreamOptions_End:
			next = len(s.log)
		}
	} else {
		next = s.allStart(o.GetAll(), false, false)
	}
	s.mu.Unlock()

	every := f.checkpointEvery()
	searched, caughtUp := 0, false
	for {
		s.mu.Lock()
		var batch []*api.ReadResp
		for ; next < len(s.log) && len(batch) < 256; next++ {
			r := s.log[next]
			if so != nil {
				if r.stream == streamName && int64(r.revision) > fromRev && s.readable(next) {
					batch = append(batch, s.event(r, structured, false))
				}
				continue
			}
			searched++
			if s.readable(next) && f.match(r) {
				batch = append(batch, s.event(r, structured, true))
			}
			if f != nil && searched >= every {
				searched = 0
				batch = append(batch, checkpoint(r))
			}
		}
		atEnd := next >= len(s.log)
		var last *record
		if atEnd && next > 0 {
			last = &s.log[next-1]
		}
		changed := s.changed
		s.mu.Unlock()
		for _, r := range batch {
			if err := rpc.Send(r); err != nil {
				return err
			}
		}
		if !atEnd {
			continue
		}
		if !caughtUp {
			caughtUp = true
			if f != nil && last != nil {
				if err := rpc.Send(checkpoint(*last)); err != nil {
					return err
				}
			}
			if err := rpc.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		}
	}
}

func checkpoint(r record) *api.ReadResp {
	return &api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{CommitPosition: r.commit, PreparePosition: r.prepare}}}
}

// filter is a server-side $all filter: stream name or event type, by
// prefixes ([subs]). Regular expressions are refused: nothing here uses
// them, and .NET's dialect is not Go's.
type filter struct {
	onType   bool
	prefixes []string
	window   int
	interval int
}

func newFilter(fo *api.ReadReq_Options_FilterOptions) (*filter, error) {
	if fo == nil {
		return nil, nil
	}
	f := &filter{window: 32, interval: int(fo.GetCheckpointIntervalMultiplier())}
	if m := fo.GetMax(); m > 0 {
		f.window = int(m)
	}
	if f.interval < 1 {
		f.interval = 1
	}
	expr := fo.GetStreamIdentifier()
	if e := fo.GetEventType(); e != nil {
		f.onType, expr = true, e
	}
	if expr.GetRegex() != "" {
		return nil, status.Error(codes.Unimplemented, "esdbtest: regular expression filters are not served by the test server")
	}
	f.prefixes = expr.GetPrefix()
	return f, nil
}

func (f *filter) checkpointEvery() int {
	if f == nil {
		return 0
	}
	return f.window * f.interval
}

func (f *filter) match(r record) bool {
	if f == nil {
		return true
	}
	subject := r.stream
	if f.onType {
		subject = r.meta["type"]
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

func uuidFrom(u *shared.UUID) (uuid.UUID, error) {
	if st := u.GetStructured(); st != nil {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(st.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(b[8:], uint64(st.GetLeastSignificantBits()))
		return uuid.UUID(b), nil
	}
	return uuid.Parse(u.GetString_())
}
