package web

import (
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// platOrganisations lists the providers and the consortia with their
// member councils, as the services know them.
func (s *Server) platOrganisations(q *rq) error {
	orgs, err := s.platOrgs(q, true)
	if err != nil {
		return err
	}
	q.page.Title = "Organisations"
	return q.render(view.PlatformOrganisationsPage(q.page, orgs))
}

func (s *Server) platOrgs(q *rq, councils bool) (view.PlatformOrganisations, error) {
	var o view.PlatformOrganisations
	providers, err := s.platProviders(q)
	if err != nil {
		return o, err
	}
	for _, p := range providers {
		o.Providers = append(o.Providers, view.PlatformProviderRow{ID: p.GetProviderId(), Name: platProviderName(p),
			Settings: p.GetSettings(), Places: p.GetRegisteredPlaces(), FreePlaces: p.GetFreePlaces()})
	}
	o.Consortia, err = s.platConsortia(q, councils)
	return o, err
}

// platProvider is one provider's settings with their Ofsted judgements,
// read at the position of a judgement just recorded (purchasing follows
// monitoring's settings).
func (s *Server) platProvider(q *rq) error {
	pv, err := s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: q.r.PathValue("id"), MinPosition: q.at()})
	if err != nil {
		return err
	}
	v := view.PlatformProvider{ID: pv.GetProviderId(), Name: platNameOr(pv.GetProfile().GetLegalName(), pv.GetProviderId())}
	for _, sv := range pv.GetSettings() {
		st := sv.GetSetting()
		v.Settings = append(v.Settings, view.PlatformSetting{URN: st.GetUrn(), Name: st.GetName(), Type: view.Words(st.GetType()),
			Grade: platNameOr(view.Words(st.GetOfstedGrade()), "Not yet inspected"), InspectedOn: view.Date(st.GetOfstedDate()),
			Places: st.GetRegisteredPlaces(), Removed: sv.GetRemoved()})
	}
	q.page.Title = v.Name
	return q.render(view.PlatformProviderPage(q.page, v))
}

// platOfstedSetting is the provider and setting a judgement is for: a
// setting the provider does not have is not found.
func (s *Server) platOfstedSetting(q *rq) (view.PlatformOfstedForm, error) {
	id, urn := q.r.PathValue("id"), q.r.PathValue("urn")
	pv, err := s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: id})
	if err != nil {
		return view.PlatformOfstedForm{}, err
	}
	for _, sv := range pv.GetSettings() {
		if st := sv.GetSetting(); st.GetUrn() == urn && !sv.GetRemoved() {
			return view.PlatformOfstedForm{ProviderID: id, ProviderName: platNameOr(pv.GetProfile().GetLegalName(), id), URN: urn, SettingName: st.GetName(),
				Date: view.DateField{ID: "inspection_date", Label: "Date of the inspection", Hint: "For example, 20 11 2026"}}, nil
		}
	}
	return view.PlatformOfstedForm{}, status.Error(codes.NotFound, "no such setting")
}

func (s *Server) platOfstedForm(q *rq) error {
	f, err := s.platOfstedSetting(q)
	if err != nil {
		return err
	}
	f.RequestID = newRequestID()
	q.page.Title = "Record an Ofsted judgement"
	return q.render(view.PlatformOfsted(q.page, f))
}

// platRecordOfsted records the judgement (monitoring: only the platform
// may). What the form can check it checks first, in its own words; what
// the service refuses comes back on the form.
func (s *Server) platRecordOfsted(q *rq) error {
	f, err := s.platOfstedSetting(q)
	if err != nil {
		return err
	}
	r := q.r
	f.RequestID = formRequestID(r)
	f.Grade, f.InspectionType = r.PostFormValue("grade"), r.PostFormValue("inspection_type")
	parts := dateParts(r, "inspection_date")
	f.Date.Day, f.Date.Month, f.Date.Year = parts[0], parts[1], parts[2]
	show := func(errs []view.FieldError) error {
		f.Date.Errors = errs
		q.page.Title = "Record an Ofsted judgement"
		return q.render(view.PlatformOfsted(q.page, f))
	}

	var errs []view.FieldError
	grade, gerr := strconv.Atoi(f.Grade)
	if gerr != nil || grade < 1 || grade > 4 {
		errs = append(errs, view.FieldError{Field: "grade", Message: "Select the overall judgement"})
	}
	date, ok := "", false
	switch {
	case strings.Join(parts, "") == "":
		errs = append(errs, view.FieldError{Field: "inspection_date-day", Message: "Enter the date of the inspection"})
	default:
		if date, ok = parseDate(parts); !ok {
			errs = append(errs, view.FieldError{Field: "inspection_date-day", Message: "The date of the inspection must be a real date"})
		} else if date > s.cfg.Now().In(ukTime).Format("2006-01-02") {
			errs = append(errs, view.FieldError{Field: "inspection_date-day", Message: "The date of the inspection must be today or in the past"})
		}
	}
	switch f.InspectionType {
	case "full", "interim", "monitoring":
	default:
		errs = append(errs, view.FieldError{Field: "inspection_type", Message: "Select the type of inspection"})
	}
	if len(errs) > 0 {
		return q.refuse(show, errs...)
	}

	g := purchasingv1.OfstedGrade(grade)
	return q.command(func(id string) (uint64, error) {
		res, err := s.monitoring.RecordOfstedJudgement(q.ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: id, Urn: f.URN, Grade: g,
			InspectionDate: date, InspectionType: f.InspectionType})
		return res.GetPosition(), err
	}, "/platform/organisations/providers/"+f.ProviderID, "Ofsted judgement recorded: "+f.SettingName+" is "+strings.ToLower(view.Words(g)), show)
}
