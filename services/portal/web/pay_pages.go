package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Payments: what a council owes each provider each week under its
// placement agreements (and what a provider is owed), as a page and as CSV
// for the council's finance system; and the consortium's spend by category
// and provider for its lead.

var payReaders = []string{auth.CouncilCommissioner, auth.CouncilViewer, auth.ProviderAdmin, auth.ConsortiumLead}

func (s *Server) payRoutes() {
	s.page("GET /payments", payReaders, s.payPage)
	s.page("GET /payments.csv", payReaders, s.payCSV)
	s.page("GET /spend", leadOnly, s.paySpend)
}

// payMonday is the Monday of d's week.
func payMonday(d time.Time) time.Time {
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// payRange is the weeks asked for (?from=&to=, any day of each week, or
// the from-day… fields of the page's form): by default three weeks back to
// four ahead. A date that cannot be read is an error on its field.
func (s *Server) payRange(r *http.Request) (from, to time.Time, errs []view.FieldError) {
	today := payMonday(s.cfg.Now().In(ukTime))
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	from, to = today.AddDate(0, 0, -21), today.AddDate(0, 0, 28)
	read := func(id string, into *time.Time) {
		v := r.URL.Query()
		raw := v.Get(id)
		if raw == "" && (v.Get(id+"-day") != "" || v.Get(id+"-month") != "" || v.Get(id+"-year") != "") {
			d, ok := parseDate([]string{v.Get(id + "-day"), v.Get(id + "-month"), v.Get(id + "-year")})
			if !ok {
				errs = append(errs, view.FieldError{Field: id + "-day", Message: "Enter a real date, for example 7 12 2026"})
				return
			}
			raw = d
		}
		if raw == "" {
			return
		}
		d, err := time.Parse(time.DateOnly, raw)
		if err != nil {
			errs = append(errs, view.FieldError{Field: id + "-day", Message: "Enter a real date, for example 7 12 2026"})
			return
		}
		*into = payMonday(d)
	}
	read("from", &from)
	read("to", &to)
	if len(errs) == 0 && to.Before(from) {
		errs = append(errs, view.FieldError{Field: "to-day", Message: "The last week must be on or after the first"})
	}
	if len(errs) == 0 && to.Sub(from) > 103*7*24*time.Hour {
		errs = append(errs, view.FieldError{Field: "to-day", Message: "Choose at most two years of weeks"})
	}
	return from, to, errs
}

func payDateField(id, label string, d time.Time, errs []view.FieldError) view.DateField {
	return view.DateField{ID: id, Label: label, Day: strconv.Itoa(d.Day()), Month: strconv.Itoa(int(d.Month())), Year: strconv.Itoa(d.Year()), Errors: errs}
}

func (s *Server) payPage(q *rq) error {
	from, to, errs := s.payRange(q.r)
	d := view.PayPageData{From: payDateField("from", "From the week of", from, errs), To: payDateField("to", "To the week of", to, errs),
		ShowCouncil:  !q.sess.Principal.HasAnyRole(auth.CouncilCommissioner, auth.CouncilViewer),
		ShowProvider: !q.sess.Principal.HasAnyRole(auth.ProviderAdmin)}
	q.page.Title = "Payments due"
	if len(errs) > 0 {
		q.page.Errors = errs
		q.w.WriteHeader(http.StatusUnprocessableEntity)
		return q.render(view.PayPage(q.page, d))
	}
	res, err := s.agrClient().ListPaymentsDue(q.ctx, &purchasingv1.ListPaymentsDueRequest{FromWeek: from.Format(time.DateOnly), ToWeek: to.Format(time.DateOnly), MinPosition: q.at()})
	if err != nil {
		return err
	}
	d.Due, d.Total = res.GetDue(), res.GetTotalPence()
	d.CSV = "/payments.csv?" + url.Values{"from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}}.Encode()
	for _, l := range res.GetLines() {
		if !l.GetAgreed() {
			d.Unagreed = true
		}
	}
	return q.render(view.PayPage(q.page, d))
}

// payColumns head the CSV: one row per placement per week.
var payColumns = []string{"Week commencing", "Council code", "Council", "Provider ID", "Provider", "Placement", "Agreement", "Ofsted URN",
	"Days", "Weekly price (GBP)", "Amount due (GBP)", "Agreement accepted by both"}

// payCSV is the payments due as CSV for a finance system.
func (s *Server) payCSV(q *rq) error {
	from, to, errs := s.payRange(q.r)
	if len(errs) > 0 {
		http.Error(q.w, "The weeks asked for are not dates: "+errs[0].Message, http.StatusBadRequest)
		return nil
	}
	res, err := s.agrClient().ListPaymentsDue(q.ctx, &purchasingv1.ListPaymentsDueRequest{FromWeek: from.Format(time.DateOnly), ToWeek: to.Format(time.DateOnly), MinPosition: q.at()})
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	q.w.Header().Set("Content-Disposition", `attachment; filename="payments-due-`+from.Format(time.DateOnly)+`-to-`+to.Format(time.DateOnly)+`.csv"`)
	q.w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(q.w)
	if err := cw.Write(payColumns); err != nil {
		return err
	}
	for _, l := range res.GetLines() {
		agreed := "no"
		if l.GetAgreed() {
			agreed = "yes"
		}
		row := []string{l.GetWeekCommencing(), l.GetCouncil(), view.CouncilName(l.GetCouncil()), l.GetProviderId(), l.GetProviderName(), l.GetPlacementId(),
			l.GetAgreementId(), l.GetSettingUrn(), strconv.Itoa(int(l.GetDays())), payDecimal(l.GetWeeklyPricePence()), payDecimal(l.GetAmountPence()), agreed}
		for i := range row {
			row[i] = csvInert(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// payDecimal is pence as a plain decimal a finance system reads: 385714 → "3857.14".
func payDecimal(pence int64) string {
	sign := ""
	if pence < 0 {
		sign, pence = "-", -pence
	}
	return sign + strconv.FormatInt(pence/100, 10) + "." + strconv.FormatInt(100+pence%100, 10)[1:]
}

// paySpend is the consortium's spend by category and provider.
func (s *Server) paySpend(q *rq) error {
	from, to, errs := s.payRange(q.r)
	d := view.PaySpendData{From: payDateField("from", "From the week of", from, errs), To: payDateField("to", "To the week of", to, errs)}
	q.page.Title = "The consortium's spend"
	if len(errs) > 0 {
		q.page.Errors = errs
		q.w.WriteHeader(http.StatusUnprocessableEntity)
		return q.render(view.PaySpend(q.page, d))
	}
	res, err := s.agrClient().GetConsortiumSpend(q.ctx, &purchasingv1.GetConsortiumSpendRequest{FromWeek: from.Format(time.DateOnly), ToWeek: to.Format(time.DateOnly), MinPosition: q.at()})
	if err != nil {
		return err
	}
	d.Spend = res
	return q.render(view.PaySpend(q.page, d))
}
