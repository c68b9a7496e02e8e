package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carecoop/carecoop/services/portal/view"
)

// What the framework pages read from their forms, as people type it: money
// in pounds, dates in three parts, times as "5pm" or "17:30". The services
// take pence, YYYY-MM-DD and instants; turning one into the other is the
// portal's job, so these errors are the portal's own.

// ukTime is where the lead is: a closing time is typed in UK time.
var ukTime = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// parsePence reads an amount in pounds ("3500", "£3,500.50") as pence.
func parsePence(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "£"))
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, false
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || strings.Trim(whole, "0123456789") != "" {
		return 0, false
	}
	if hasFrac && (len(frac) == 0 || len(frac) > 2 || strings.Trim(frac, "0123456789") != "") {
		return 0, false
	}
	pounds, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	pence := int64(0)
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		pence, _ = strconv.ParseInt(frac, 10, 64)
	}
	return pounds*100 + pence, true
}

// poundsValue shows pence as a form field value: "3500" or "3500.50".
func poundsValue(pence int64) string {
	if pence%100 == 0 {
		return strconv.FormatInt(pence/100, 10)
	}
	return strconv.FormatInt(pence/100, 10) + "." + strconv.FormatInt(100+pence%100, 10)[1:]
}

// parseWhole reads a whole number from lo to hi.
func parseWhole(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// dateParts are the day, month and year a date field was sent with.
func dateParts(r *http.Request, id string) []string {
	return []string{strings.TrimSpace(r.PostFormValue(id + "-day")), strings.TrimSpace(r.PostFormValue(id + "-month")), strings.TrimSpace(r.PostFormValue(id + "-year"))}
}

// parseDate reads day, month and year as YYYY-MM-DD, rejecting dates the
// calendar does not have (30 February).
func parseDate(parts []string) (string, bool) {
	d, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	y, err3 := strconv.Atoi(parts[2])
	// Four digits: Atoi also takes "-001" and "+202", which are no year.
	if err1 != nil || err2 != nil || err3 != nil || len(parts[2]) != 4 || strings.Trim(parts[2], "0123456789") != "" || m < 1 || m > 12 || d < 1 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// parseClock reads a time of day: "17:30", "17.30", "5pm", "5:30pm",
// "midday", "midnight".
func parseClock(s string) (hour, minute int, ok bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	switch s {
	case "midday", "noon":
		return 12, 0, true
	case "midnight":
		return 0, 0, true
	}
	pm, am := strings.HasSuffix(s, "pm"), strings.HasSuffix(s, "am")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "pm"), "am")
	h, m, hasMin := strings.Cut(strings.ReplaceAll(s, ".", ":"), ":")
	hour, err := strconv.Atoi(h)
	// Atoi takes a sign: "-1:30" and "17:-1" are no time (FuzzParseClock).
	if err != nil || h == "" || hour < 0 {
		return 0, 0, false
	}
	if hasMin {
		if len(m) != 2 {
			return 0, 0, false
		}
		if minute, err = strconv.Atoi(m); err != nil || minute < 0 || minute > 59 {
			return 0, 0, false
		}
	}
	switch {
	case pm || am:
		if hour < 1 || hour > 12 {
			return 0, 0, false
		}
		if hour == 12 {
			hour = 0
		}
		if pm {
			hour += 12
		}
	case hour > 23 || !hasMin:
		return 0, 0, false
	}
	return hour, minute, true
}

// parseMonths reads extension options: "12, 12" or "12 and 6" → [12 12].
func parseMonths(s string) ([]uint32, bool) {
	s = strings.NewReplacer(" and ", ",", "months", "", "month", "", ";", ",").Replace(strings.ToLower(s))
	var out []uint32
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, ok := parseWhole(part, 1, 48)
		if !ok {
			return nil, false
		}
		out = append(out, uint32(n))
	}
	return out, true
}

// monthsValue shows extension options as the field takes them: "12, 12".
func monthsValue(months []uint32) string {
	parts := make([]string, len(months))
	for i, m := range months {
		parts[i] = strconv.Itoa(int(m))
	}
	return strings.Join(parts, ", ")
}

// problems gathers a form's own errors, in the order of its fields.
type problems []view.FieldError

func (p *problems) add(field, msg string) {
	*p = append(*p, view.FieldError{Field: field, Message: msg})
}
