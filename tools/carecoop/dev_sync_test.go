package main

import (
	"testing"
	"time"
)

func TestParseSync(t *testing.T) {
	for v, want := range map[string]struct {
		always   bool
		interval time.Duration
		ok       bool
	}{
		"always": {true, 0, true},
		"2m":     {false, 2 * time.Minute, true},
		"10s":    {false, 10 * time.Second, true},
		"0s":     {ok: false},
		"-1s":    {ok: false},
		"never":  {ok: false},
		"":       {ok: false},
	} {
		always, interval, err := parseSync(v)
		if (err == nil) != want.ok || always != want.always || interval != want.interval {
			t.Errorf("parseSync(%q) = %v, %s, %v; want %v, %s, ok %v", v, always, interval, err, want.always, want.interval, want.ok)
		}
	}
}
