// Package session keeps the portal's sign-ins server-side, in a NATS
// key-value bucket: a portal restart or a second portal replica keeps them,
// and the browser holds only an unguessable id.
package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// Bucket is the key-value bucket of the portal's sessions: the only thing
// the portal's NATS user may touch.
const Bucket = natsperm.PortalSessions

// Defaults of Options.
const (
	DefaultIdle     = 30 * time.Minute
	DefaultLifetime = 12 * time.Hour
)

// ErrNone is returned for a session that does not exist or has expired.
var ErrNone = errors.New("session: none")

// Session is one signed-in person.
type Session struct {
	ID string `json:"-"`
	// Principal is who the portal signs service tokens for.
	Principal auth.Principal `json:"principal"`
	// Name is how the person is shown.
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	// Banner is shown once, on the next page (a command's success).
	Banner string `json:"banner,omitempty"`
	// Forms holds question flows in progress, by flow name: the answers
	// given so far, field by field.
	Forms map[string]map[string][]string `json:"forms,omitempty"`
}

// Options configure Open.
type Options struct {
	// Idle is how long a session lasts without a request (DefaultIdle).
	Idle time.Duration
	// Lifetime is the longest a session lasts at all (DefaultLifetime).
	Lifetime time.Duration
	// Replicas of the bucket (1 unless on a cluster).
	Replicas int
	// Now is the clock (tests).
	Now func() time.Time
}

// Store is the sessions bucket.
type Store struct {
	kv   natsjs.KeyValue
	opts Options
}

// Open creates the bucket if there is none and returns the store. The
// bucket's TTL is the lifetime, so an abandoned session is removed by NATS.
func Open(ctx context.Context, js natsjs.JetStream, opts Options) (*Store, error) {
	if opts.Idle <= 0 {
		opts.Idle = DefaultIdle
	}
	if opts.Lifetime <= 0 {
		opts.Lifetime = DefaultLifetime
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	kv, err := js.KeyValue(ctx, Bucket)
	if errors.Is(err, natsjs.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, natsjs.KeyValueConfig{
			Bucket: Bucket, Description: "carecoop portal sessions", TTL: opts.Lifetime,
			History: 1, Storage: natsjs.FileStorage, Replicas: opts.Replicas,
		})
		if errors.Is(err, natsjs.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("session: bucket %s: %w", Bucket, err)
	}
	return &Store{kv: kv, opts: opts}, nil
}

// New starts a session for p.
func (s *Store) New(ctx context.Context, p auth.Principal, name string) (*Session, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	sess := &Session{ID: id, Principal: p, Name: name, CreatedAt: now, LastSeen: now}
	return sess, s.Save(ctx, sess)
}

// Get returns the session id names, if it exists and has not expired; it
// marks it seen now (saving at most once a minute).
func (s *Store) Get(ctx context.Context, id string) (*Session, error) {
	if !validID(id) {
		return nil, ErrNone
	}
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, natsjs.ErrKeyNotFound) {
		return nil, ErrNone
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(e.Value(), &sess); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	sess.ID = id
	now := s.opts.Now()
	if now.Sub(sess.LastSeen) > s.opts.Idle || now.Sub(sess.CreatedAt) > s.opts.Lifetime {
		_ = s.Delete(ctx, id)
		return nil, ErrNone
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		sess.LastSeen = now
		if err := s.Save(ctx, &sess); err != nil {
			return nil, err
		}
	}
	return &sess, nil
}

// Save writes the session.
func (s *Store) Save(ctx context.Context, sess *Session) error {
	data, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, sess.ID, data); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// Delete ends the session.
func (s *Store) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	if err := s.kv.Delete(ctx, id); err != nil && !errors.Is(err, natsjs.ErrKeyNotFound) {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// An id is 32 random bytes in hex: unguessable, and a valid key.
func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func validID(id string) bool {
	if len(id) != 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
