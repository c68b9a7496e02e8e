package metrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/carecoop/carecoop/services/kit/metrics"
)

const dashboardFile = "../../../deploy/grafana/carecoop.json"

// dashboard is the part of Grafana's dashboard model the test reads.
type dashboard struct {
	Title  string  `json:"title"`
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Type    string   `json:"type"`
	Title   string   `json:"title"`
	Panels  []panel  `json:"panels"` // a collapsed row's
	Targets []target `json:"targets"`
}

type target struct {
	Expr string `json:"expr"`
}

// exported is every series name a service's registry can hold, each one
// recorded once (a histogram also as its _bucket, _sum and _count).
func exported(t *testing.T) []string {
	t.Helper()
	m := metrics.New("test")
	g := grpc.NewServer()
	healthpb.RegisterHealthServer(g, health.NewServer())
	m.InitializeGRPC(g)
	m.ObserveAppend("a.b", time.Millisecond, nil, false)
	m.ObserveAppend("a.b", time.Millisecond, errors.New("conflict"), true)
	m.Delivered("c", 2)
	m.Settled("c", metrics.BusDead)
	if err := m.WatchReadModels(func(context.Context) ([]metrics.ReadModelStatus, error) {
		return []metrics.ReadModelStatus{{Name: "rm", Ready: true}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	m.InstrumentHTTP(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// grpc_server_handled_total and started_total are pre-created by
	// InitializeGRPC; the latency histogram too.
	fams, err := m.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, f := range fams {
		names = append(names, name)
		if f.GetType().String() == "HISTOGRAM" {
			names = append(names, name+"_bucket", name+"_sum", name+"_count")
		}
	}
	return names
}

// seriesRE finds the metric names in a PromQL expression: the names of
// the platform's and the middleware's series all start with one of these.
var seriesRE = regexp.MustCompile(`\b(?:grpc_server|carecoop|go|process)_[a-z0-9_]+`)

// The dashboard in deploy/grafana is valid JSON of Grafana's model, and
// every series it queries is one the services export: a renamed metric
// fails here, not as an empty panel in production.
func TestObsDashboardQueriesOnlyExportedSeries(t *testing.T) {
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("%s: no title, uid or panels", dashboardFile)
	}
	have := exported(t)
	queried := map[string]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q queries nothing", p.Title)
			}
			for _, tg := range p.Targets {
				names := seriesRE.FindAllString(tg.Expr, -1)
				if len(names) == 0 {
					t.Errorf("panel %q: %q queries no carecoop series", p.Title, tg.Expr)
				}
				for _, n := range names {
					queried[n] = true
					if !slices.Contains(have, n) {
						t.Errorf("panel %q queries %s, which no service exports", p.Title, n)
					}
				}
			}
		}
	}
	walk(d.Panels)
	// What the issue asks the dashboard to show.
	for _, n := range []string{"grpc_server_handled_total", "grpc_server_handling_seconds_bucket", metrics.AppendSeconds + "_bucket",
		metrics.AppendConflicts, metrics.ReadModelLag, metrics.BusRedeliveries, metrics.BusDeadLetters} {
		if !queried[n] {
			t.Errorf("the dashboard does not chart %s", n)
		}
	}
}
