package metrics

import (
	"fmt"
	"io"
	"maps"
	"slices"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families is a scrape: metric families by name.
type Families map[string]*dto.MetricFamily

// Parse reads a scrape in Prometheus' text format.
func Parse(r io.Reader) (Families, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("metrics: parse scrape: %w", err)
	}
	return fams, nil
}

// Gather is m's registry as a scrape would show it.
func (m *Metrics) Gather() (Families, error) {
	list, err := m.reg.Gather()
	out := Families{}
	for _, f := range list {
		out[f.GetName()] = f
	}
	return out, err
}

// Value is the sum over the series of family name whose labels include
// want: a counter's or gauge's value, a histogram's count. ok is false
// when no series matches.
func (f Families) Value(name string, want map[string]string) (v float64, ok bool) {
	fam := f[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if !hasAll(labels, want) {
			continue
		}
		ok = true
		switch {
		case m.Counter != nil:
			v += m.GetCounter().GetValue()
		case m.Gauge != nil:
			v += m.GetGauge().GetValue()
		case m.Histogram != nil:
			v += float64(m.GetHistogram().GetSampleCount())
		case m.Untyped != nil:
			v += m.GetUntyped().GetValue()
		}
	}
	return v, ok
}

// Names are the families' names, sorted.
func (f Families) Names() []string { return slices.Sorted(maps.Keys(f)) }

func hasAll(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}
