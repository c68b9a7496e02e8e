package web

import (
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// A registration number is a Companies House number (8 letters and
// numbers) or a charity number (6 or 7 numbers), told apart by its form.
func TestProviderRegistrationNumber(t *testing.T) {
	for _, c := range []struct {
		typed, company, charity string
		ok                      bool
	}{
		{"01234567", "01234567", "", true},
		{"sc 123456", "SC123456", "", true},
		{"1123456", "", "1123456", true},
		{"112345", "", "112345", true},
		{"12345678", "12345678", "", true},
		{"1234", "", "", false},
		{"SC12345", "", "", false},
		{"", "", "", false},
	} {
		n := provNumber(c.typed)
		if ok := provNumberError(n) == ""; ok != c.ok {
			t.Errorf("%q: accepted %v, want %v", c.typed, ok, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		p := &purchasingv1.ProviderProfile{}
		provSetNumber(p, n)
		if p.GetCompaniesHouseNumber() != c.company || p.GetCharityNumber() != c.charity {
			t.Errorf("%q: Companies House %q, charity %q; want %q, %q", c.typed, p.GetCompaniesHouseNumber(), p.GetCharityNumber(), c.company, c.charity)
		}
	}
}
