package jetstream

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// Defaults of the stream and of the store.
const (
	DefaultStreamName = "CARECOOP_EVENTS"
	// DefaultDuplicateWindow is how long a request id is remembered by the
	// server. Ten minutes covers client retries with backoff and a service
	// restart in between; the window costs memory per commit in it.
	DefaultDuplicateWindow = 10 * time.Minute
	DefaultReplicas        = 1
	// DefaultVersionCacheSize bounds the streamID → (version, last sequence)
	// cache that saves the append path a round trip.
	DefaultVersionCacheSize = 1 << 16
	// DefaultReadBatch is the page size of ReadStream's batched direct gets.
	DefaultReadBatch = 1024
	// DefaultSubscribeBatch is how many messages Subscribe keeps in flight.
	DefaultSubscribeBatch = 4096
	// DefaultRequestTimeout bounds one request to the server: a publish
	// acknowledged in milliseconds when a leader is there, or a page of a
	// read.
	DefaultRequestTimeout = 2 * time.Second
)

type config struct {
	streamName       string
	duplicateWindow  time.Duration
	replicas         int
	versionCacheSize int
	readBatch        int
	subscribeBatch   int
	serverFilters    bool
	now              func() time.Time
	log              *zap.Logger
	// openAttemptTimeout bounds each of New's tries, so a request lost to
	// a leader election is asked again rather than waited on.
	openAttemptTimeout time.Duration
	// requestTimeout bounds each request to the server (a publish, a page
	// of a read) whatever the caller's deadline, so a request lost with a
	// dying leader is asked again, or reported transient, in time for the
	// caller to retry.
	requestTimeout time.Duration
	// publishPatience is how long Append keeps publishing a commit that
	// gets no answer before it reports the transient error.
	publishPatience time.Duration
}

func defaultConfig() config {
	return config{
		streamName:       DefaultStreamName,
		duplicateWindow:  DefaultDuplicateWindow,
		replicas:         DefaultReplicas,
		versionCacheSize: DefaultVersionCacheSize,
		readBatch:        DefaultReadBatch,
		subscribeBatch:   DefaultSubscribeBatch,
		now:              time.Now,
		log:              zap.NewNop(),

		openAttemptTimeout: 2 * time.Second,
		requestTimeout:     DefaultRequestTimeout,
		publishPatience:    10 * time.Second,
	}
}

// Option configures New.
type Option func(*config) error

// WithStreamName names the JetStream stream (default DefaultStreamName).
func WithStreamName(name string) Option {
	return func(c *config) error {
		if name == "" {
			return fmt.Errorf("stream name must not be empty")
		}
		c.streamName = name
		return nil
	}
}

// WithDuplicateWindow sets how long a request id is deduplicated.
func WithDuplicateWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("duplicate window must be positive, got %s", d)
		}
		c.duplicateWindow = d
		return nil
	}
}

// WithReplicas sets the stream's replica count (3 in a clustered deployment).
func WithReplicas(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 5 {
			return fmt.Errorf("replicas must be 1..5, got %d", n)
		}
		c.replicas = n
		return nil
	}
}

// WithVersionCacheSize bounds the number of streams whose tip is cached; 0
// disables the cache (every append with an expected version then reads the
// stream's last commit first).
func WithVersionCacheSize(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("version cache size must not be negative, got %d", n)
		}
		c.versionCacheSize = n
		return nil
	}
}

// ConnOptions are the NATS connection options a store's connection should
// have. A batch of direct gets (every ReadStream) opens a synchronous
// subscription whose buffer nats.go sizes by the connection's sync queue
// length, 65,536 messages (512 KiB) unless set: allocated and zeroed for
// every aggregate loaded. A batch is at most DefaultReadBatch messages and
// an end marker, so twice that is room enough (a store given a larger
// WithReadBatch needs nats.SyncQueueLen of more than that batch).
func ConnOptions() []nats.Option {
	return []nats.Option{nats.SyncQueueLen(2 * DefaultReadBatch)}
}

// WithReadBatch sets how many commits one ReadStream round trip fetches.
func WithReadBatch(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("read batch must be positive, got %d", n)
		}
		c.readBatch = n
		return nil
	}
}

// WithSubscribeBatch sets how many messages a subscription pulls ahead.
func WithSubscribeBatch(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("subscribe batch must be positive, got %d", n)
		}
		c.subscribeBatch = n
		return nil
	}
}

// WithClock sets the clock that stamps OccurredAt when the caller leaves it zero.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("clock must not be nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger receives what New logs while it waits for the stream (each
// try that failed on a transient error, at warn level).
func WithLogger(log *zap.Logger) Option {
	return func(c *config) error {
		if log == nil {
			return fmt.Errorf("logger must not be nil")
		}
		c.log = log
		return nil
	}
}

// WithRequestTimeout bounds each request to the server (DefaultRequestTimeout).
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("request timeout must be positive, got %s", d)
		}
		c.requestTimeout = d
		return nil
	}
}

// WithServerFilters makes Subscribe hand several filters to the server, as
// it did before issue 16, instead of reading the whole stream and matching
// subjects itself: cheaper only for a subscriber that follows a tiny part
// of a stream with few subjects. BenchmarkProjectionCatchUp's baseline.
func WithServerFilters() Option {
	return func(c *config) error {
		c.serverFilters = true
		return nil
	}
}
