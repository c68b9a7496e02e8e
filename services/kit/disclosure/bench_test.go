package disclosure

import (
	"fmt"
	"math/rand"
	"testing"
)

// realisticSnapshot is a consortium of councils with children spread over six
// dimensions with skewed (Zipf-like) distributions, one record per council per
// occupied combination.
func realisticSnapshot(rng *rand.Rand, councils, childrenPerCouncil int) ([]Record, []Dimension) {
	sizes := []int{8, 5, 8, 6, 10, 5}
	dims := make([]Dimension, len(sizes))
	for d, k := range sizes {
		dims[d].Name = testDimNames[d]
		for v := range k {
			dims[d].Values = append(dims[d].Values, fmt.Sprintf("%c%d", 'a'+d, v))
		}
	}
	zipf := make([]*rand.Zipf, len(sizes))
	for d, k := range sizes {
		zipf[d] = rand.NewZipf(rng, 1.3, 2, uint64(k-1))
	}
	var records []Record
	for c := range councils {
		counts := map[string]*Record{}
		for range childrenPerCouncil {
			values := map[string]string{}
			key := ""
			for d := range dims {
				v := dims[d].Values[zipf[d].Uint64()]
				values[dims[d].Name] = v
				key += v + "|"
			}
			if r, ok := counts[key]; ok {
				r.Count++
			} else {
				counts[key] = &Record{Council: fmt.Sprintf("%03d", 300+c), Values: values, Count: 1}
			}
		}
		for _, r := range counts {
			records = append(records, *r)
		}
	}
	return records, dims
}

func BenchmarkProtect(b *testing.B) {
	for _, size := range []struct{ councils, children int }{{10, 400}, {40, 500}, {153, 530}} {
		rng := rand.New(rand.NewSource(1))
		records, dims := realisticSnapshot(rng, size.councils, size.children)
		for _, viewer := range []string{"", "301"} {
			b.Run(fmt.Sprintf("councils=%d/records=%d/viewer=%q", size.councils, len(records), viewer), func(b *testing.B) {
				for b.Loop() {
					if _, err := Protect(records, dims, 0, viewer); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
