package chart

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestChartsDraw draws each kind of chart and checks it is an SVG in the
// portal's font stack; DEM_CHART_DIR keeps them for a look.
func TestChartsDraw(t *testing.T) {
	nan := math.NaN()
	charts := map[string]func() ([]byte, error){
		"bars": func() ([]byte, error) {
			return Bars("Children by placement", "Children", []string{"Fostering", "Children's homes", "Other"},
				[]Series{{Name: "Your council", Values: []float64{12, 4, 1}}, {Name: "The consortium pooled", Values: []float64{40, nan, 7}}})
		},
		"bar": func() ([]byte, error) {
			return Bars("Children by age", "Children", []string{"Under 1", "1 to 4"}, []Series{{Name: "Pooled", Values: []float64{2, 3}}})
		},
		"lines": func() ([]byte, error) {
			return Lines("Over time", "Children", []string{"2024-03-31", "2025-03-31", "2026-03-31"},
				[]Series{{Name: "Fostering", Values: []float64{10, nan, 14}}, {Name: "Other", Values: []float64{3, 4, 5}}})
		},
		"fan": func() ([]byte, error) {
			return Fan("Forecast", "Children", []string{"2025", "2026", "2027", "2028"}, []float64{20, 24}, []float64{24, 22, 21}, []float64{24, 26, 28}, []float64{24, 30, 35})
		},
		"ranges": func() ([]byte, error) {
			return Ranges("Weekly fees", "£ a week", []string{"Children's homes", "Fostering"}, []float64{4000, nan}, []float64{5000, nan}, []float64{6500, nan})
		},
	}
	dir := os.Getenv("DEM_CHART_DIR")
	for name, draw := range charts {
		b, err := draw()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Contains(b, []byte("<svg")) || bytes.Contains(b, []byte("Liberation")) {
			t.Errorf("%s: not an SVG in the portal's fonts", name)
		}
		if dir != "" {
			_ = os.WriteFile(filepath.Join(dir, name+".svg"), b, 0o644)
		}
	}
	if _, err := Bars("Nothing", "", nil, nil); err == nil {
		t.Error("an empty chart was drawn")
	}
}
