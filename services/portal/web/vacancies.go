package web

import (
	"strconv"
	"strings"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Vacancies: the free places at each of the provider's settings, which
// referrals are matched to. The provider's admin and responders publish
// and withdraw them (the service's policy lets both).

func (s *Server) provVacancyRoutes() {
	s.page("GET /vacancies", providerStaff, s.provVacancies)
	s.page("GET /vacancies/{urn}", providerStaff, s.provVacancyPage)
	s.page("POST /vacancies/{urn}", providerStaff, s.provPublishVacancy)
	s.page("GET /vacancies/{urn}/withdraw", providerStaff, s.provWithdrawVacancyPage)
	s.page("POST /vacancies/{urn}/withdraw", providerStaff, s.provWithdrawVacancy)
}

func (s *Server) provVacancies(q *rq) error {
	pv, err := s.provRequire(q)
	if err != nil || pv == nil {
		return err
	}
	q.page.Title = "Vacancies"
	return q.render(view.ProvVacanciesPage(q.page, pv, q.sess.Principal.HasAnyRole(auth.ProviderAdmin)))
}

// provVacancySetting is the setting of the path, on the person's own provider.
func (s *Server) provVacancySetting(q *rq) (*purchasingv1.ProviderView, *purchasingv1.SettingView, error) {
	pv, err := s.provOwn(q)
	if err != nil {
		return nil, nil, err
	}
	if pv == nil {
		return nil, nil, dpsNoPage
	}
	st, err := provSettingOf(pv, q.r.PathValue("urn"))
	return pv, st, err
}

// provVacancyPage publishes free places at a setting, or changes them.
func (s *Server) provVacancyPage(q *rq) error {
	pv, st, err := s.provVacancySetting(q)
	if err != nil {
		return err
	}
	f := view.ProvVacancyForm{Setting: st, Version: pv.GetVersion(), RequestID: newRequestID(), Date: []string{"", "", ""}}
	if st.GetFreePlaces() > 0 {
		f.Places = strconv.Itoa(int(st.GetFreePlaces()))
		if d, err := time.Parse(time.DateOnly, st.GetAvailableFrom()); err == nil {
			f.Date = []string{strconv.Itoa(d.Day()), strconv.Itoa(int(d.Month())), strconv.Itoa(d.Year())}
		}
	}
	q.page.Title = "Free places at " + st.GetSetting().GetName()
	return q.render(view.ProvVacancyPage(q.page, f))
}

func (s *Server) provPublishVacancy(q *rq) error {
	_, st, err := s.provVacancySetting(q)
	if err != nil {
		return err
	}
	f := view.ProvVacancyForm{Setting: st, Version: provVersion(q), RequestID: formRequestID(q.r), Places: strings.TrimSpace(q.r.PostFormValue("free_places")),
		Date: dateParts(q.r, "available_from")}
	var errs []view.FieldError
	places := st.GetSetting().GetRegisteredPlaces()
	n, ok := parseWhole(f.Places, 1, int(places))
	if !ok {
		errs = append(errs, view.FieldError{Field: "free_places", Message: "Enter the number of free places, from 1 to " + strconv.Itoa(int(places)) + " (the places it is registered for)"})
	}
	from, ok := parseDate(f.Date)
	switch {
	case f.Date[0] == "" && f.Date[1] == "" && f.Date[2] == "":
		errs = append(errs, view.FieldError{Field: "available_from-day", Message: "Enter the date the places are free from"})
	case !ok:
		errs = append(errs, view.FieldError{Field: "available_from-day", Message: "The date the places are free from must be a real date, for example 14 12 2026"})
	}
	again := func(errs []view.FieldError) error {
		for i, e := range errs {
			if e.Field == "available_from" {
				errs[i].Field = "available_from-day"
			}
		}
		q.page.Title = "Free places at " + st.GetSetting().GetName()
		return q.render(view.ProvVacancyPage(q.page, f))
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.PublishVacancy(q.ctx, &purchasingv1.PublishVacancyRequest{RequestId: requestID, ProviderId: provID(q), Urn: st.GetSetting().GetUrn(),
			FreePlaces: uint32(n), AvailableFrom: from, ExpectedVersion: f.Version})
		return res.GetPosition(), provRuleWords(err)
	}, "/vacancies", view.ProvVacancyBanner(st.GetSetting().GetName(), n, from), again)
}

func (s *Server) provWithdrawVacancyPage(q *rq) error {
	pv, st, err := s.provVacancySetting(q)
	if err != nil {
		return err
	}
	if st.GetFreePlaces() == 0 {
		return q.done("/vacancies", 0, "")
	}
	q.page.Title = "Withdraw the vacancy at " + st.GetSetting().GetName()
	return q.render(view.ProvWithdrawPage(q.page, st, pv.GetVersion(), view.Field{ID: "reason", Label: "Why are the places no longer free?",
		Hint: "For example: filled by a placement from outside the platform"}, newRequestID()))
}

func (s *Server) provWithdrawVacancy(q *rq) error {
	_, st, err := s.provVacancySetting(q)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	again := func(errs []view.FieldError) error {
		q.page.Title = "Withdraw the vacancy at " + st.GetSetting().GetName()
		return q.render(view.ProvWithdrawPage(q.page, st, provVersion(q), view.Field{ID: "reason", Label: "Why are the places no longer free?",
			Hint: "For example: filled by a placement from outside the platform", Value: reason, Errors: errs}, formRequestID(q.r)))
	}
	if len([]rune(reason)) < 3 {
		return q.refuse(again, view.FieldError{Field: "reason", Message: "Enter why the places are no longer free"})
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.WithdrawVacancy(q.ctx, &purchasingv1.WithdrawVacancyRequest{RequestId: requestID, ProviderId: provID(q), Urn: st.GetSetting().GetUrn(),
			Reason: reason, ExpectedVersion: provVersion(q)})
		return res.GetPosition(), provRuleWords(err)
	}, "/vacancies", "The vacancy at "+st.GetSetting().GetName()+" is withdrawn: it is no longer matched to referrals", again)
}
