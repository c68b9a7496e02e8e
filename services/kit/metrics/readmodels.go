package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ReadModelStatus is how far one read model has followed the store.
type ReadModelStatus struct {
	Name string
	// Lag is how many store positions it has still to apply.
	Lag   uint64
	Ready bool
}

// statusTimeout bounds one scrape's question to the read models (it asks
// the store for its last position).
const statusTimeout = 5 * time.Second

var (
	lagDesc = prometheus.NewDesc(ReadModelLag,
		"Store positions a read model has still to apply (0 when it has caught up).", []string{"read_model"}, nil)
	readyDesc = prometheus.NewDesc(ReadModelReady,
		"1 while a read model follows the store, 0 while it is failing.", []string{"read_model"}, nil)
)

// readModels asks the service at each scrape, so the figures are those of
// the moment, from the same source as the StatusService.
type readModels struct {
	status func(ctx context.Context) ([]ReadModelStatus, error)
}

// WatchReadModels exports the lag and readiness of the service's read
// models, as status reports them when scraped.
func (m *Metrics) WatchReadModels(status func(ctx context.Context) ([]ReadModelStatus, error)) error {
	return m.Register(readModels{status: status})
}

func (r readModels) Describe(ch chan<- *prometheus.Desc) {
	ch <- lagDesc
	ch <- readyDesc
}

func (r readModels) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	models, err := r.status(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(lagDesc, err)
		return
	}
	for _, rm := range models {
		ready := 0.0
		if rm.Ready {
			ready = 1
		}
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(rm.Lag), rm.Name)
		ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, ready, rm.Name)
	}
}
