// Package snapshot keeps read-model snapshots where every replica of a
// service finds them: one JetStream object store bucket per service
// (Bucket), one object per read model. A snapshot carries the position it
// reflects, the version of the projection code that wrote it and a SHA-256
// digest of its bytes; the projection runner checks both before using it.
package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
)

// Snapshot is a read model's state at one position.
type Snapshot struct {
	// Position is the global position of the last commit the state reflects.
	Position uint64
	// Version names the projection code (and what it follows) that wrote it.
	Version string
	// Digest is the SHA-256 of Data as written.
	Digest [sha256.Size]byte
	Data   []byte
}

// New returns a snapshot of data with its digest.
func New(pos uint64, version string, data []byte) Snapshot {
	return Snapshot{Position: pos, Version: version, Digest: sha256.Sum256(data), Data: data}
}

// Verify reports whether Data still has the digest it was written with.
func (s Snapshot) Verify() error {
	if sha256.Sum256(s.Data) != s.Digest {
		return ErrCorrupt
	}
	return nil
}

// ErrNotFound: there is no snapshot of that read model.
var ErrNotFound = errors.New("snapshot: none stored")

// ErrCorrupt: a snapshot's bytes do not match its digest.
var ErrCorrupt = errors.New("snapshot: digest does not match")

// Store keeps one snapshot per read model name.
type Store interface {
	Load(ctx context.Context, name string) (Snapshot, error)
	Save(ctx context.Context, name string, s Snapshot) error
}

// maxPrealloc is the largest snapshot read: a stated size above it is
// taken for corruption rather than allocated up front.
const maxPrealloc = 4 << 30

// BucketPrefix starts every service's snapshot bucket.
const BucketPrefix = "CARECOOP_SNAPSHOTS_"

// Bucket is a service's snapshot bucket: a service's NATS user may use only
// its own (natsperm), so one context's computed state never reaches another.
func Bucket(service string) string { return BucketPrefix + strings.ToUpper(service) }

// Metadata keys on each object.
const (
	metaPosition = "carecoop-position"
	metaVersion  = "carecoop-version"
	metaDigest   = "carecoop-sha256"
)

// ObjectStore keeps snapshots in a JetStream object store bucket, created
// on the first save.
type ObjectStore struct {
	js       natsjs.JetStream
	bucket   string
	replicas int
	// obs is the bucket once found: looking it up asks the server for the
	// stream's info, and aggregates' first loads after a start would ask
	// once each.
	mu  sync.Mutex
	obs natsjs.ObjectStore
}

// NewObjectStore returns the snapshot store of service over js. replicas
// is the bucket's when it is created (0: one).
func NewObjectStore(js natsjs.JetStream, service string, replicas int) *ObjectStore {
	return &ObjectStore{js: js, bucket: Bucket(service), replicas: replicas}
}

// For returns service's snapshot store if store is a JetStream event store
// (it has JetStream()), otherwise nil: read models are then rebuilt at each
// start, as with an in-memory store.
func For(store any, service string) Store {
	j, ok := store.(interface{ JetStream() natsjs.JetStream })
	if !ok {
		return nil
	}
	return NewObjectStore(j.JetStream(), service, 0)
}

// Load returns the named snapshot; ErrNotFound if there is none, ErrCorrupt
// if its bytes do not match the digest recorded with them.
func (o *ObjectStore) Load(ctx context.Context, name string) (Snapshot, error) {
	for attempt := 0; ; attempt++ {
		s, nuid, err := o.load(ctx, name)
		if err == nil || errors.Is(err, ErrNotFound) || attempt == 3 || ctx.Err() != nil {
			return s, err
		}
		// A save replaced the object while it was read (its old chunks are
		// purged): read the new one.
		if !o.replaced(ctx, name, nuid) {
			return s, err
		}
	}
}

// replaced says whether the named object is no longer the one stored
// under nuid.
func (o *ObjectStore) replaced(ctx context.Context, name, nuid string) bool {
	obs, err := o.js.ObjectStore(ctx, o.bucket)
	if err != nil {
		return false
	}
	info, err := obs.GetInfo(ctx, name)
	return err == nil && info.NUID != nuid
}

// chunkBatch is how many chunks of an object one direct get asks for
// (chunks are 128 KiB: 8 MiB a request).
const chunkBatch = 64

// pageWithin bounds one batch of direct gets.
const pageWithin = 30 * time.Second

func (o *ObjectStore) load(ctx context.Context, name string) (Snapshot, string, error) {
	var nuid string
	obs, err := o.found(ctx)
	if errors.Is(err, natsjs.ErrBucketNotFound) || errors.Is(err, natsjs.ErrStreamNotFound) {
		return Snapshot{}, nuid, ErrNotFound
	}
	if err != nil {
		return Snapshot{}, nuid, fmt.Errorf("snapshot %s: %w", name, err)
	}
	info, err := obs.GetInfo(ctx, name)
	if errors.Is(err, natsjs.ErrObjectNotFound) {
		return Snapshot{}, nuid, ErrNotFound
	}
	if err != nil {
		return Snapshot{}, nuid, fmt.Errorf("snapshot %s: %w", name, err)
	}
	nuid = info.NUID
	data, err := o.readChunks(ctx, info)
	if err != nil {
		return Snapshot{}, nuid, fmt.Errorf("snapshot %s: %w", name, err)
	}
	s := Snapshot{Version: info.Metadata[metaVersion], Data: data}
	if s.Position, err = strconv.ParseUint(info.Metadata[metaPosition], 10, 64); err != nil {
		return Snapshot{}, nuid, fmt.Errorf("snapshot %s: position: %w", name, ErrCorrupt)
	}
	d, err := hex.DecodeString(info.Metadata[metaDigest])
	if err != nil || len(d) != sha256.Size {
		return Snapshot{}, nuid, fmt.Errorf("snapshot %s: digest: %w", name, ErrCorrupt)
	}
	copy(s.Digest[:], d)
	if err := s.Verify(); err != nil {
		return Snapshot{}, nuid, fmt.Errorf("snapshot %s at %d: %w", name, s.Position, err)
	}
	return s, nuid, nil
}

// readChunks reads an object's chunks with batches of direct gets, into
// one buffer of its size. Not through the client's Get: its ordered push
// consumer read purchasing's 232 MB snapshot at ten years of history so
// slowly that its default 5 s bound ended every read, and without the bound
// a read took minutes; direct gets read it as the store reads a stream. The
// snapshot's own digest, checked by the caller, covers the bytes.
func (o *ObjectStore) readChunks(ctx context.Context, info *natsjs.ObjectInfo) ([]byte, error) {
	if info.Size > maxPrealloc {
		return nil, fmt.Errorf("%w: %d bytes", ErrCorrupt, info.Size)
	}
	data := make([]byte, 0, info.Size)
	subject := "$O." + o.bucket + ".C." + info.NUID
	next := uint64(1)
	for got := uint32(0); got < info.Chunks; {
		n, last, err := o.readPage(ctx, subject, next, &data)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: %d of %d chunks", errMissingChunks, got, info.Chunks)
		}
		got += n
		next = last + 1
	}
	if uint64(len(data)) != info.Size {
		return nil, fmt.Errorf("%w: %d bytes of %d", errMissingChunks, len(data), info.Size)
	}
	return data, nil
}

// errMissingChunks: the chunks read are not the object's (it was replaced,
// its chunks purged, while it was read).
var errMissingChunks = errors.New("chunks missing")

// readPage appends one batch of chunks from sequence next to data: how
// many, and the last one's sequence.
func (o *ObjectStore) readPage(ctx context.Context, subject string, next uint64, data *[]byte) (uint32, uint64, error) {
	pctx, cancel := context.WithTimeout(ctx, pageWithin)
	defer cancel()
	msgs, err := jetstreamext.GetBatch(pctx, o.js, "OBJ_"+o.bucket, chunkBatch, jetstreamext.GetBatchSeq(next), jetstreamext.GetBatchSubject(subject))
	if err != nil {
		return 0, 0, err
	}
	var n uint32
	var last uint64
	for raw, err := range msgs {
		if errors.Is(err, jetstreamext.ErrNoMessages) {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		*data = append(*data, raw.Data...)
		n, last = n+1, raw.Sequence
	}
	if n == 0 {
		// The batch iterator ends silently on a timeout.
		if err := pctx.Err(); err != nil {
			return 0, 0, err
		}
	}
	return n, last, nil
}

// Save replaces the named snapshot.
func (o *ObjectStore) Save(ctx context.Context, name string, s Snapshot) error {
	obs, err := o.bucketFor(ctx)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", name, err)
	}
	_, err = obs.Put(ctx, natsjs.ObjectMeta{Name: name, Metadata: map[string]string{
		metaPosition: strconv.FormatUint(s.Position, 10),
		metaVersion:  s.Version,
		metaDigest:   hex.EncodeToString(s.Digest[:]),
	}}, bytes.NewReader(s.Data))
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", name, err)
	}
	return nil
}

// found is the bucket, looked up once found.
func (o *ObjectStore) found(ctx context.Context) (natsjs.ObjectStore, error) {
	o.mu.Lock()
	obs := o.obs
	o.mu.Unlock()
	if obs != nil {
		return obs, nil
	}
	obs, err := o.js.ObjectStore(ctx, o.bucket)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.obs = obs
	o.mu.Unlock()
	return obs, nil
}

func (o *ObjectStore) bucketFor(ctx context.Context) (natsjs.ObjectStore, error) {
	obs, err := o.found(ctx)
	if err == nil {
		return obs, nil
	}
	if !errors.Is(err, natsjs.ErrBucketNotFound) && !errors.Is(err, natsjs.ErrStreamNotFound) {
		return nil, err
	}
	// Created, never updated: a second replica creating it at the same
	// time with the same configuration gets the same bucket.
	obs, err = o.js.CreateObjectStore(ctx, natsjs.ObjectStoreConfig{Bucket: o.bucket, Replicas: o.replicas,
		Description: "carecoop read-model snapshots", Storage: natsjs.FileStorage, Compression: true})
	if errors.Is(err, natsjs.ErrBucketExists) {
		return o.js.ObjectStore(ctx, o.bucket)
	}
	return obs, err
}
