package servicecmd

import (
	"context"
	"flag"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/tracing"
)

// EnvMetricsAddr is the environment variable -metrics-addr defaults to.
const EnvMetricsAddr = "CARECOOP_METRICS_ADDR"

// ObsFlags are how a process is observed: its Prometheus metrics port and
// where its traces go. Every service and the portal take the same flags.
type ObsFlags struct{ metricsAddr, otlpEndpoint string }

// Register adds -metrics-addr and -otlp-endpoint to fs.
func (f *ObsFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.metricsAddr, "metrics-addr", os.Getenv(EnvMetricsAddr),
		"address of the Prometheus metrics port, served at /metrics apart from the service's own port, e.g. :9090 (default $"+EnvMetricsAddr+"; empty: no metrics)")
	fs.StringVar(&f.otlpEndpoint, "otlp-endpoint", "",
		"OTLP/gRPC collector URL that traces are sent to, e.g. http://otel-collector:4317 (default $"+tracing.EnvEndpoint+" and the other standard OTEL_ variables; none: no tracing)")
}

// Start serves the metrics of the named service on -metrics-addr (nil
// metrics when it is empty) and turns tracing on if an OTLP endpoint is
// configured, until ctx ends; stop flushes the traces not yet sent.
func (f ObsFlags) Start(ctx context.Context, name string, log *zap.Logger) (m *metrics.Metrics, stop func(), err error) {
	shutdown, err := tracing.Setup(ctx, name, f.otlpEndpoint)
	if err != nil {
		return nil, nil, err
	}
	stop = func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := shutdown(sctx); err != nil {
			log.Warn("tracing: spans not flushed", zap.Error(err))
		}
	}
	if tracing.Enabled() {
		log.Info("tracing on: spans exported over OTLP")
	}
	if f.metricsAddr == "" {
		return nil, stop, nil
	}
	m = metrics.New(name)
	if _, err := metrics.Serve(ctx, f.metricsAddr, m, log); err != nil {
		stop()
		return nil, nil, err
	}
	return m, stop, nil
}
