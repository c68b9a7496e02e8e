package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/metrics"
)

// HostConfig is what Host needs to run one service.
type HostConfig struct {
	// Name of the service (logs).
	Name string
	// Addr to listen on (host:port; port 0 picks a free one).
	Addr     string
	Logger   *zap.Logger
	Verifier auth.Verifier
	Policy   auth.Policy
	// Start builds the service's read models and starts its consumers; they
	// run until the context ends (Stop cancels it). Until it returns, the
	// port answers health with NOT_SERVING and every other call UNAVAILABLE.
	Start func(ctx context.Context) error
	// Ready says whether the service's read models follow the store (nil)
	// or why not; while it is not nil, health reports NOT_SERVING. Nil:
	// ready once Start has returned.
	Ready func() error
	// Register adds the service's implementation to the gRPC server.
	Register func(grpc.ServiceRegistrar)
	// Stopped, if set, waits after Stop has ended the read models until
	// they have finished (their snapshots saved), or ctx ends.
	Stopped func(ctx context.Context)
	// Transport and Reflection: see Config.
	Transport  Transport
	Reflection bool
	// Metrics, if not nil, record the service's calls, appends, read
	// models and reactions (see package metrics).
	Metrics *metrics.Metrics
}

// Running is a service started by Host.
type Running struct {
	Addr net.Addr

	grpc    *Server
	cancel  context.CancelFunc
	stopped func(ctx context.Context)
	served  chan error    // Serve's result, for Done
	ended   chan struct{} // closed once Serve has returned
}

// Host starts a service the same way for every service and host process:
// read models first (so the first query is answered from a caught-up
// model), then gRPC with the kit's interceptors on cfg.Addr. It refuses
// plaintext beyond loopback (see Transport.CheckAddr) before anything starts.
func Host(ctx context.Context, cfg HostConfig) (*Running, error) {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if err := cfg.Transport.CheckAddr(cfg.Addr); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	// The read models and reactions find the metrics in their context.
	runCtx, cancel := context.WithCancel(metrics.WithContext(context.WithoutCancel(ctx), cfg.Metrics))
	gs, err := New(Config{Name: cfg.Name, Logger: log, Verifier: cfg.Verifier, Policy: cfg.Policy,
		Transport: cfg.Transport, Reflection: cfg.Reflection, Metrics: cfg.Metrics})
	if err != nil {
		cancel()
		return nil, err
	}
	if err := obsRegister(cfg, gs); err != nil {
		cancel()
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	lis, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s: listen on %s: %w", cfg.Name, cfg.Addr, err)
	}
	if err := gs.check(lis); err != nil { // reported here rather than by Done
		lis.Close()
		cancel()
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	// The port is open from here, so a readiness probe sees NOT_SERVING
	// while the read models are built, not a refused connection.
	gs.starting()
	r := &Running{Addr: lis.Addr(), grpc: gs, cancel: cancel, stopped: cfg.Stopped, served: make(chan error, 1), ended: make(chan struct{})}
	go func() {
		err := gs.Serve(lis)
		if errors.Is(err, grpc.ErrServerStopped) {
			err = nil // stopped before serving began: a stop, not a failure
		}
		r.served <- err
		close(r.ended)
	}()
	if cfg.Start != nil {
		if err := cfg.Start(runCtx); err != nil {
			r.Stop()
			return nil, fmt.Errorf("%s: building read model: %w", cfg.Name, err)
		}
	}
	gs.setReady(cfg.Name, true)
	if cfg.Ready != nil {
		go watchReady(runCtx, log, cfg.Name, gs, cfg.Ready)
	}
	log.Info(cfg.Name+" service listening", zap.String("addr", lis.Addr().String()))
	return r, nil
}

// readyEvery is how often watchReady asks the read models.
const readyEvery = 250 * time.Millisecond

// watchReady keeps health in step with the read models until ctx ends:
// NOT_SERVING while one is failing, SERVING again once it follows.
func watchReady(ctx context.Context, log *zap.Logger, name string, gs *Server, ready func() error) {
	t := time.NewTicker(readyEvery)
	defer t.Stop()
	serving := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := ready()
		if (err == nil) == serving {
			continue
		}
		serving = err == nil
		gs.setReady(name, serving)
		if serving {
			log.Info(name + " ready again: health SERVING")
		} else {
			log.Error(name+" not ready: health NOT_SERVING", zap.Error(err))
		}
	}
}

// Stop drains in-flight calls, then stops the read models and consumers.
// It may be called more than once, and after Done has reported.
func (r *Running) Stop() {
	r.grpc.GracefulStop()
	r.cancel()
	<-r.ended
	if r.stopped != nil {
		ctx, cancel := context.WithTimeout(context.Background(), stopWait)
		defer cancel()
		r.stopped(ctx)
	}
}

// stopWait bounds how long Stop waits for the read models to finish.
const stopWait = 30 * time.Second

// Done reports the end of serving (with its error, if any).
func (r *Running) Done() <-chan error { return r.served }
