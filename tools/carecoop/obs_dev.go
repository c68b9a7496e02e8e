package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/tracing"
)

// obsDevMetrics are the dev stack's metrics ports, one per service, fixed
// so a local Prometheus can scrape them (deploy/grafana).
var obsDevMetrics = []struct{ name, addr string }{
	{"framework", "127.0.0.1:9101"}, {"purchasing", "127.0.0.1:9102"}, {"demand", "127.0.0.1:9103"},
	{"monitoring", "127.0.0.1:9104"}, {"notify", "127.0.0.1:9105"}, {"portal", "127.0.0.1:9106"},
}

// obsDevFlags are `carecoop dev`'s metrics and tracing flags.
type obsDevFlags struct {
	addrs map[string]*string
	otlp  *string
}

func obsRegisterDevFlags(fs *flag.FlagSet) *obsDevFlags {
	f := &obsDevFlags{addrs: map[string]*string{}}
	for _, s := range obsDevMetrics {
		f.addrs[s.name] = fs.String(s.name+"-metrics-addr", s.addr, s.name+" Prometheus metrics address, served at /metrics (\"\": none)")
	}
	f.otlp = fs.String("otlp-endpoint", "", "OTLP/gRPC collector URL that traces are sent to, e.g. http://127.0.0.1:4317 (default $"+tracing.EnvEndpoint+"; none: no tracing)")
	return f
}

// start serves each service's metrics until ctx ends and turns tracing on
// if configured. A metrics port in use is said, not fatal: the stack runs
// without that service's metrics. The returned context carries the
// metrics for the services to find (metrics.ForService); lines say where
// they are served.
func (f *obsDevFlags) start(ctx context.Context, log *zap.Logger) (context.Context, []string, func(), error) {
	shutdown, err := tracing.Setup(ctx, "carecoop-dev", *f.otlp)
	if err != nil {
		return ctx, nil, nil, err
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = shutdown(sctx)
	}
	byName := map[string]*metrics.Metrics{}
	var lines []string
	for _, s := range obsDevMetrics {
		addr := *f.addrs[s.name]
		if addr == "" {
			continue
		}
		m := metrics.New(s.name)
		at, err := metrics.Serve(ctx, addr, m, log)
		if err != nil {
			lines = append(lines, fmt.Sprintf("carecoop dev: no metrics for %s: %v", s.name, err))
			continue
		}
		byName[s.name] = m
		lines = append(lines, fmt.Sprintf("carecoop dev: metrics of %-10s http://%s%s", s.name, at, metrics.Path))
	}
	if tracing.Enabled() {
		lines = append(lines, "carecoop dev: tracing on: spans exported over OTLP")
	}
	return metrics.WithServices(ctx, byName), lines, stop, nil
}
