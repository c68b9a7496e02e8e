// Package money is how the platform holds and shows money: integer pence of
// pounds sterling, in every service and on every API field (named *_pence),
// never a float.
package money

import (
	"fmt"
	"strconv"
)

// Currency is the one currency on the platform: English councils buy in
// pounds sterling. The API states it once, here and in the protos'
// comments, rather than on every amount.
const Currency = "GBP"

// Pence is an amount in whole pence.
type Pence int64

// String writes the amount as pounds and pence with thousands separators,
// e.g. 412550 → "£4,125.50", -5 → "-£0.05".
func (p Pence) String() string {
	sign, n := "", int64(p)
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s£%s.%02d", sign, thousands(n/100), n%100)
}

// WholePounds writes the amount rounded to the nearest pound (halves up),
// e.g. 412550 → "£4,126": for tables where pence are noise.
func (p Pence) WholePounds() string {
	sign, n := "", int64(p)
	if n < 0 {
		sign, n = "-", -n
	}
	return sign + "£" + thousands((n+50)/100)
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
