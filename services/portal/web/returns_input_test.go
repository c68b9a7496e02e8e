package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

func TestReturnsNumbers(t *testing.T) {
	for _, c := range []struct {
		in      string
		decimal bool
		max     float64
		want    float64
	}{{"4", false, 500, 4}, {" 12 ", false, 5000, 12}, {"1,200", false, 5000, 1200}, {"3.5", true, 500, 3.5}, {"92.5%", true, 100, 92.5}, {"0", true, 5, 0}} {
		if got, ok := retNumber(c.in, c.decimal, c.max); !ok || got != c.want {
			t.Errorf("retNumber(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
	for _, c := range []struct {
		in      string
		decimal bool
		max     float64
	}{{"3.5", false, 500}, {"-1", false, 500}, {"501", false, 500}, {"5.5", true, 5}, {"lots", true, 100}, {"-0.5", true, 100}} {
		if got, ok := retNumber(c.in, c.decimal, c.max); ok {
			t.Errorf("retNumber(%q, decimal %v) = %v, want refused", c.in, c.decimal, got)
		}
	}
}

// Every figure is asked for except the incidents and the score; what was
// typed is kept for the form shown again.
func TestReturnsFiguresFromTheForm(t *testing.T) {
	form := url.Values{}
	for _, sec := range view.ReturnsSections {
		for _, f := range sec.Figures {
			form.Set("figures-"+f.Name, "2")
		}
	}
	form.Set("figures-staff_in_post", "")
	form.Set("figures-feedback_score", "")
	form.Set("figures-occupied_places", "two")
	form.Set(view.RetIncidentFieldID(monitoringv1.IncidentType_INCIDENT_TYPE_POLICE_INVOLVEMENT), "3")
	form.Add("figures-feedback_themes", "food")
	r := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f := view.ReturnsForm{Values: map[string]string{}}
	fig, errs := retFigures(r, &f)
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if strings.Join(fields, " ") != "figures-occupied_places figures-staff_in_post" {
		t.Fatalf("errors on %v, want occupied places and staff in post: %v", fields, errs)
	}
	if f.Values["figures-occupied_places"] != "two" {
		t.Errorf("the form lost what was typed: %q", f.Values["figures-occupied_places"])
	}
	if fig.GetRegisteredPlaces() != 2 || fig.GetFeedbackScore() != 0 || len(fig.GetIncidents()) != 1 || fig.GetIncidents()[0].GetCount() != 3 ||
		len(fig.GetFeedbackThemes()) != 1 {
		t.Errorf("figures read as %v", fig)
	}
}

func TestReturnsRefusalsInWords(t *testing.T) {
	for msg, want := range map[string]view.FieldError{
		"Occupied places (5.0) exceed registered places (4)":                            {Field: "figures-occupied_places", Message: "Places occupied on average cannot be more than the registered places"},
		"The return for 2026-11 was already filed; set correction to replace it":        {Message: "A return for November 2026 was filed while you were filling this in: go back to the setting and correct it instead"},
		"The return for 2026-11 can be filed from 2026-12-01, once the month has ended": {Message: "You can file the return for November 2026 once the month has ended"},
	} {
		got := retExplain([]view.FieldError{{Message: msg}}, "2026-11")
		if got[0] != want {
			t.Errorf("%q explained as %+v, want %+v", msg, got[0], want)
		}
	}
}

func TestReturnsReasonsInWords(t *testing.T) {
	for _, c := range []struct {
		r       *monitoringv1.RiskReason
		setting string
		want    string
	}{
		{&monitoringv1.RiskReason{Detail: "1 monthly returns overdue in the last 12 months", SettingUrn: "SC200001"}, "Heaton Norris House",
			"1 monthly return overdue in the last 12 months at Heaton Norris House"},
		{&monitoringv1.RiskReason{Detail: "Ofsted judged Inadequate on 2026-11-02"}, "", "Ofsted judged Inadequate on 2 November 2026"},
		{&monitoringv1.RiskReason{Detail: "10% of shifts covered by agency staff in the 3 months to 2026-11"}, "", "10% of shifts covered by agency staff in the 3 months to November 2026"},
		{&monitoringv1.RiskReason{Detail: "the provider has warned of a financial concern"}, "", "The provider has warned of a financial concern"},
	} {
		if got := view.RetReason(c.r, c.setting); got != c.want {
			t.Errorf("RetReason(%q) = %q, want %q", c.r.GetDetail(), got, c.want)
		}
	}
}
