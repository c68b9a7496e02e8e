package money_test

import (
	"testing"

	"github.com/carecoop/carecoop/services/kit/money"
)

func TestPenceAsPounds(t *testing.T) {
	for _, c := range []struct {
		p            money.Pence
		exact, whole string
	}{
		{0, "£0.00", "£0"},
		{5, "£0.05", "£0"},
		{50, "£0.50", "£1"},
		{412550, "£4,125.50", "£4,126"},
		{100000000, "£1,000,000.00", "£1,000,000"},
		{-5, "-£0.05", "-£0"},
		{-412549, "-£4,125.49", "-£4,125"},
	} {
		if got := c.p.String(); got != c.exact {
			t.Errorf("%d pence = %q, want %q", int64(c.p), got, c.exact)
		}
		if got := c.p.WholePounds(); got != c.whole {
			t.Errorf("%d pence in whole pounds = %q, want %q", int64(c.p), got, c.whole)
		}
	}
}
