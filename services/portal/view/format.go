package view

import (
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/carecoop/carecoop/services/kit/money"
)

// london is where the platform's users are: times are shown in UK time.
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// Pounds shows integer pence as pounds and pence: 412550 → "£4,125.50".
func Pounds(pence int64) string { return money.Pence(pence).String() }

// Date shows an API date (YYYY-MM-DD) as the design system writes dates:
// "3 December 2026". Anything else is shown as it is.
func Date(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return d.Format("2 January 2006")
}

// When shows a timestamp in UK time: "3 December 2026 at 2:05pm".
func When(ts *timestamppb.Timestamp) string {
	if ts == nil || (ts.GetSeconds() == 0 && ts.GetNanos() == 0) {
		return ""
	}
	t := ts.AsTime().In(london)
	return t.Format("2 January 2006") + " at " + strings.ToLower(t.Format("3:04PM"))
}

// Words shows an enum value as words: FRAMEWORK_STATUS_OPEN_FOR_BIDS →
// "Open for bids". The unspecified value shows as nothing.
func Words(e protoreflect.Enum) string {
	if e == nil || e.Number() == 0 {
		return ""
	}
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return ""
	}
	name := string(v.Name())
	// Drop the enum's own prefix (its name in upper snake case).
	prefix := upperSnake(string(e.Descriptor().Name())) + "_"
	name = strings.TrimPrefix(name, prefix)
	w := strings.ToLower(strings.ReplaceAll(name, "_", " "))
	return strings.ToUpper(w[:1]) + w[1:]
}

func upperSnake(camel string) string {
	var b strings.Builder
	for i, r := range camel {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// count writes n with the singular or plural phrase: "1 decision waits",
// "3 decisions wait".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func joinComma(list []string) string { return strings.Join(list, ", ") }

// nameOr is a name, or the id while the name is unknown.
func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// optionID is the id of a radio or checkbox: the field's own for the first
// (the error summary links to it), then field-2, field-3…
func optionID(field string, i int) string {
	if i == 0 {
		return field
	}
	return field + "-" + strconv.Itoa(i+1)
}

// FieldID is the form field id for an API field path
// ("terms.lots[0].name" → "terms-lots-0-name"), so a service's field
// violation links to the field that holds it.
func FieldID(path string) string {
	r := strings.NewReplacer(".", "-", "[", "-", "]", "")
	return r.Replace(path)
}
