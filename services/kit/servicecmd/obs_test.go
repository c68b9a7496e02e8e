package servicecmd

import (
	"context"
	"flag"
	"net"
	"net/http"
	"testing"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/metrics"
)

// -metrics-addr defaults to CARECOOP_METRICS_ADDR; the metrics are served
// there, and with neither there are none.
func TestObsMetricsAddrFlag(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv(EnvMetricsAddr, addr)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")

	var f ObsFlags
	fs := flag.NewFlagSet("framework", flag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, stop, err := f.Start(ctx, "framework", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if m == nil || m.Service() != "framework" {
		t.Fatalf("metrics %v, want the framework's", m)
	}
	res, err := http.Get("http://" + addr + metrics.Path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s on $%s: %s", metrics.Path, EnvMetricsAddr, res.Status)
	}

	var off ObsFlags
	fs = flag.NewFlagSet("framework", flag.ContinueOnError)
	off.Register(fs)
	if err := fs.Parse([]string{"--metrics-addr", ""}); err != nil {
		t.Fatal(err)
	}
	m, stop, err = off.Start(ctx, "framework", zap.NewNop())
	if err != nil || m != nil {
		t.Errorf("--metrics-addr \"\": metrics %v, %v; want none", m, err)
	}
	stop()
}
