package web

import (
	"slices"
	"testing"
)

func TestParsePence(t *testing.T) {
	for in, want := range map[string]int64{"3500": 350000, "£3,500": 350000, " 3,500.5 ": 350050, "4500.50": 450050, "0": 0, "0.07": 7} {
		if got, ok := parsePence(in); !ok || got != want {
			t.Errorf("parsePence(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-5", "3.505", "3.", "£", "three", "1,00,0.0.0", "12345678"} {
		if got, ok := parsePence(in); ok {
			t.Errorf("parsePence(%q) = %d, want refused", in, got)
		}
	}
	for pence, want := range map[int64]string{350000: "3500", 350050: "3500.50", 7: "0.07"} {
		if got := poundsValue(pence); got != want {
			t.Errorf("poundsValue(%d) = %q, want %q", pence, got, want)
		}
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string][2]int{"17:00": {17, 0}, "5pm": {17, 0}, "5:30 PM": {17, 30}, "12pm": {12, 0}, "12am": {0, 0},
		"9.15am": {9, 15}, "midday": {12, 0}, "midnight": {0, 0}, "00:05": {0, 5}} {
		if h, m, ok := parseClock(in); !ok || h != want[0] || m != want[1] {
			t.Errorf("parseClock(%q) = %d:%d %v; want %d:%d", in, h, m, ok, want[0], want[1])
		}
	}
	for _, in := range []string{"", "17", "25:00", "13pm", "0am", "5:3pm", "5:60", "noonish"} {
		if h, m, ok := parseClock(in); ok {
			t.Errorf("parseClock(%q) = %d:%d, want refused", in, h, m)
		}
	}
}

func TestParseDate(t *testing.T) {
	if got, ok := parseDate([]string{"1", "4", "2027"}); !ok || got != "2027-04-01" {
		t.Errorf("1 4 2027 = %q %v", got, ok)
	}
	for _, in := range [][]string{{"30", "2", "2027"}, {"1", "13", "2027"}, {"1", "4", "27"}, {"", "4", "2027"}, {"0", "4", "2027"}} {
		if got, ok := parseDate(in); ok {
			t.Errorf("parseDate(%v) = %q, want refused", in, got)
		}
	}
}

func TestParseMonths(t *testing.T) {
	for in, want := range map[string][]uint32{"": nil, "12, 12": {12, 12}, "12 and 6 months": {12, 6}, "24": {24}} {
		if got, ok := parseMonths(in); !ok || !slices.Equal(got, want) {
			t.Errorf("parseMonths(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"0", "49", "twelve", "12, -1"} {
		if got, ok := parseMonths(in); ok {
			t.Errorf("parseMonths(%q) = %v, want refused", in, got)
		}
	}
	if got := monthsValue([]uint32{12, 6}); got != "12, 6" {
		t.Errorf("monthsValue = %q", got)
	}
}
