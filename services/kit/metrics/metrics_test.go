package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/metrics"
)

// Serve answers GET /metrics over HTTP with the service's series only, and
// nothing else; without an address it serves nothing.
func TestObsServeScrapesOverHTTP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := metrics.New("framework")
	m.ObserveAppend("framework.framework", 3*time.Millisecond, nil, false)
	m.ObserveAppend("framework.framework", time.Millisecond, errors.New("wrong expected version"), true)
	if err := m.WatchReadModels(func(context.Context) ([]metrics.ReadModelStatus, error) {
		return []metrics.ReadModelStatus{{Name: "framework", Lag: 7, Ready: true}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	addr, err := metrics.Serve(ctx, "127.0.0.1:0", m, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + addr.String() + metrics.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", res.Status)
	}
	fams, err := metrics.Parse(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{metrics.AppendSeconds, map[string]string{"service": "framework", "outcome": "ok"}, 1},
		{metrics.AppendSeconds, map[string]string{"service": "framework", "outcome": "conflict"}, 1},
		{metrics.AppendConflicts, map[string]string{"service": "framework", "aggregate": "framework.framework"}, 1},
		{metrics.ReadModelLag, map[string]string{"service": "framework", "read_model": "framework"}, 7},
		{metrics.ReadModelReady, map[string]string{"service": "framework", "read_model": "framework"}, 1},
		{"go_goroutines", map[string]string{"service": "framework"}, -1}, // present, any value
	} {
		got, ok := fams.Value(c.name, c.labels)
		if !ok || (c.want >= 0 && got != c.want) {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if res, err := http.Get("http://" + addr.String() + "/"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /: %v %v, want 404", res.Status, err)
	}

	if addr, err := metrics.Serve(ctx, "", m, nil); addr != nil || err != nil {
		t.Errorf("Serve without an address: %v %v, want nothing served", addr, err)
	}
}

// A nil *Metrics, what code far from a server finds when metrics are off,
// records nothing and does not fail.
func TestObsNilMetricsDoNothing(t *testing.T) {
	m := metrics.FromContext(context.Background())
	if m != nil {
		t.Fatalf("FromContext of a bare context: %v", m)
	}
	m.ObserveAppend("x.y", time.Second, nil, false)
	m.Delivered("c", 2)
	m.Settled("c", metrics.BusDead)
}
