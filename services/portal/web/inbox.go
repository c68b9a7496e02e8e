package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// A provider's referrals inbox: the referrals councils sent it (the
// purchasing service shows a provider only those, with its own matches,
// offers and declines), answered with an offer or a decline.

func (s *Server) providerWorkRoutes() {
	s.page("GET /inbox", providerStaff, s.inboxList)
	s.page("GET /inbox/{id}", providerStaff, s.inboxReferral)
	for _, m := range []string{"GET", "POST"} {
		s.page(m+" /inbox/{id}/offer", providerStaff, s.inboxOffer)
		s.page(m+" /inbox/{id}/decline", providerStaff, s.inboxDecline)
	}
	s.tenderRoutes()
}

// inboxCategories names DPS categories, each DPS read once a page.
type inboxCategories struct {
	q    *rq
	dpss map[string]*purchasingv1.DpsView
}

func (c *inboxCategories) name(dpsID, category string) string {
	if c.dpss == nil {
		c.dpss = map[string]*purchasingv1.DpsView{}
	}
	d, ok := c.dpss[dpsID]
	if !ok {
		d, _ = c.q.s.purchasing.GetDps(c.q.ctx, &purchasingv1.GetDpsRequest{DpsId: dpsID})
		c.dpss[dpsID] = d
	}
	for _, cat := range d.GetTerms().GetCategories() {
		if cat.GetId() == category {
			return cat.GetName()
		}
	}
	// A category the DPS no longer lists: its id in words.
	return capitalise(strings.ReplaceAll(category, "-", " "))
}

// inboxChild is a referral's child in one line: "Male, 14, Residential
// children's homes".
func inboxChild(n *purchasingv1.Need, category string) string {
	sex := "Female"
	if n.GetSex() == purchasingv1.Sex_SEX_MALE {
		sex = "Male"
	}
	return sex + ", " + strconv.Itoa(int(n.GetAgeYears())) + ", " + category
}

// inboxList is the provider's open referrals whole (few: those waiting
// for its answer, then those answered) and a page of those the council
// decided, newest first (thousands over the years).
func (s *Server) inboxList(q *rq) error {
	open, err := s.refListAll(q, &purchasingv1.ListReferralsRequest{Status: purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN})
	if err != nil {
		return err
	}
	pages := tokenPagesOf(q, "from", "closed-heading")
	decided, next, err := s.inboxDecided(q, pages.token())
	if err != nil {
		return err
	}
	cats := &inboxCategories{q: q}
	row := func(r *purchasingv1.ReferralView) view.InboxRow {
		row := view.InboxRow{Referral: r, Council: view.CouncilName(r.GetCouncil()),
			Need: inboxChild(r.GetNeed(), cats.name(r.GetDpsId(), r.GetNeed().GetCategoryId()))}
		row.Due, _ = s.dlDeadline(r)
		return row
	}
	var waiting, answered, closed []view.InboxRow
	for _, r := range open {
		if text, _ := view.InboxStanding(r); text == "Waiting for your answer" {
			waiting = append(waiting, row(r))
		} else {
			answered = append(answered, row(r))
		}
	}
	for _, r := range decided {
		closed = append(closed, row(r))
	}
	pager := pages.pager(next)
	q.page.Title = pages.title("Referrals", pager)
	return q.render(view.InboxList(q.page, waiting, answered, closed, pages.number(), pager))
}

// inboxDecided is a page of the decided referrals sent to the provider,
// newest first, from token ("" for the newest), and the token of the next
// page ("" when none follows). Purchasing filters by one status and a
// decided referral has two (awarded, withdrawn), so it reads all and skips
// the open ones, asking each time for only as many as the page still
// lacks: the token it answers then starts exactly after the last one
// shown. Open referrals are few, so that is one read or two.
func (s *Server) inboxDecided(q *rq, token string) ([]*purchasingv1.ReferralView, string, error) {
	var out []*purchasingv1.ReferralView
	for {
		res, err := s.purchasing.ListReferrals(q.ctx, &purchasingv1.ListReferralsRequest{PageSize: uint32(refPerPage - len(out)), PageToken: token, MinPosition: q.at()})
		if err != nil {
			return nil, "", err
		}
		for _, r := range res.GetReferrals() {
			if r.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN {
				out = append(out, r)
			}
		}
		if token = res.GetNextPageToken(); token == "" || len(out) == refPerPage {
			return out, token, nil
		}
	}
}

// inboxGet reads the referral the path names, as the person may see it
// (NOT_FOUND for one not sent to their organisation).
func (s *Server) inboxGet(q *rq) (*purchasingv1.ReferralView, error) {
	return s.purchasing.GetReferral(q.ctx, &purchasingv1.GetReferralRequest{ReferralId: q.r.PathValue("id"), MinPosition: q.at()})
}

// inboxOfferable are the settings the provider may offer: the referral is open, the provider has not declined it
// and one of its matched settings is not yet offered.
func inboxOfferable(r *purchasingv1.ReferralView) []*purchasingv1.MatchedSetting {
	if r.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN || len(r.GetDeclines()) > 0 {
		return nil
	}
	var out []*purchasingv1.MatchedSetting
	for _, m := range r.GetMatches() {
		offered := false
		for _, o := range r.GetOffers() {
			offered = offered || (o.GetSettingUrn() == m.GetSettingUrn() && o.GetStatus() == purchasingv1.OfferStatus_OFFER_STATUS_OPEN)
		}
		if !offered {
			out = append(out, m)
		}
	}
	return out
}

// inboxDeclinable: open, not declined, no offer waiting.
func inboxDeclinable(r *purchasingv1.ReferralView) bool {
	if r.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN || len(r.GetDeclines()) > 0 {
		return false
	}
	for _, o := range r.GetOffers() {
		if o.GetStatus() == purchasingv1.OfferStatus_OFFER_STATUS_OPEN {
			return false
		}
	}
	return true
}

func (s *Server) inboxReferral(q *rq) error {
	r, err := s.inboxGet(q)
	if err != nil {
		return err
	}
	cats := &inboxCategories{q: q}
	category := cats.name(r.GetDpsId(), r.GetNeed().GetCategoryId())
	v := view.InboxReferralView{Referral: r, Council: view.CouncilName(r.GetCouncil()), Need: view.InboxNeedRows(r.GetNeed(), category)}
	v.Due, v.DuePassed = s.dlDeadline(r)
	base := "/inbox/" + r.GetReferralId()
	if len(inboxOfferable(r)) > 0 && !v.DuePassed {
		v.Offer = base + "/offer"
	}
	if inboxDeclinable(r) {
		v.Decline = base + "/decline"
	}
	q.page.Title = inboxChild(r.GetNeed(), category)
	return q.render(view.InboxReferral(q.page, v))
}

// inboxRuleWords say the purchasing service's rules on an answer as a
// provider reads them (the service's own name settings and referrals by id).
func inboxRuleWords(r *purchasingv1.ReferralView) map[string]string {
	return map[string]string{
		"purchasing.offer_over_budget":       "The weekly price must not be more than the council's weekly budget of " + view.Pounds(r.GetNeed().GetWeeklyBudgetPence()),
		"purchasing.referral_not_open":       "The council has withdrawn this referral",
		"purchasing.already_awarded":         "The council has already placed the child",
		"purchasing.setting_not_matched":     "Choose one of your homes or services this referral was sent to",
		"purchasing.setting_already_offered": "You already have an offer waiting on this referral",
		"purchasing.already_declined":        "You have declined this referral",
		"purchasing.offer_deadline_passed":   dlClosedWords(r),
	}
}

// inboxInWords is err with a service rule said in words from words (by
// the rule's identifier); other errors pass unchanged.
func inboxInWords(err error, words map[string]string) error { return sayRule(err, inTable(words)) }

// inboxForm shows an answer's form page (the shared command page), with
// 422 when it shows errors.
func (q *rq) inboxForm(r *purchasingv1.ReferralView, heading, button string, intro []string, fields []templ.Component) error {
	q.page.Title = heading
	back := "/inbox/" + r.GetReferralId()
	return q.render(view.FrameworkAction(q.page, view.ActionForm{Caption: "Referral from " + view.CouncilName(r.GetCouncil()), Heading: heading, Back: back,
		Intro: intro, Fields: fields, RequestID: formRequestID(q.r), Action: q.r.URL.Path, Button: button}))
}

func (s *Server) inboxOffer(q *rq) error {
	r, err := s.inboxGet(q)
	if err != nil {
		return err
	}
	settings := inboxOfferable(r)
	if len(settings) == 0 {
		return q.done("/inbox/"+r.GetReferralId(), 0, "")
	}
	v := url.Values{}
	if q.r.Method == http.MethodPost {
		if err := q.r.ParseForm(); err != nil {
			return err
		}
		v = q.r.PostForm
	} else if len(settings) == 1 {
		v.Set("setting_urn", settings[0].GetSettingUrn())
	}
	show := func(errs []view.FieldError) error {
		var opts []view.Option
		for _, m := range settings {
			opts = append(opts, view.Option{Value: m.GetSettingUrn(), Text: m.GetSettingName(),
				Hint: view.DpsSettingType(m.GetSettingType()) + " in " + m.GetOutcode() + ", " + strconv.FormatFloat(m.GetDistanceMiles(), 'f', 1, 64) +
					" miles away; Ofsted " + strings.ToLower(view.Words(m.GetOfstedGrade())) + "; " + strconv.Itoa(int(m.GetFreePlaces())) + " free"})
		}
		from := inboxDateValues(v, "available_from")
		return q.inboxForm(r, "Make an offer", "Send offer", []string{"The council sees your offer with those of other providers and chooses one. It does not see other providers' prices, nor do they see yours."},
			[]templ.Component{
				view.Radios(view.Field{ID: "setting_urn", Label: "Which home or service are you offering?", Options: opts, Value: v.Get("setting_urn"), Errors: errs}),
				view.FrameworkPounds(view.Field{ID: "weekly_price_pence", Label: "Weekly price", Width: "10", Value: v.Get("weekly_price_pence"), Errors: errs,
					Hint: "In pounds, for example 4,250. The council's weekly budget is " + view.Pounds(r.GetNeed().GetWeeklyBudgetPence()) + "."}),
				view.DateInput(view.DateField{ID: "available_from", Label: "When can the child move in?", Hint: "For example, " + inboxExampleDate(r.GetNeed().GetStartBy()),
					Day: from[0], Month: from[1], Year: from[2], Errors: errs}),
				view.Textarea(view.Field{ID: "note", Label: "Anything the council should know (optional)", Value: v.Get("note"), Errors: errs,
					Hint: "Do not write the child's name, date of birth or address."}),
			})
	}
	if q.r.Method == http.MethodGet {
		return show(nil)
	}
	var p problems
	urn := v.Get("setting_urn")
	if urn == "" {
		p.add("setting_urn", "Select the home or service you are offering")
	}
	pence, okPrice := parsePence(v.Get("weekly_price_pence"))
	if !okPrice || pence <= 0 {
		p.add("weekly_price_pence", "Enter the weekly price in pounds, for example 4,250")
	}
	from, okFrom := parseDate(dateParts(q.r, "available_from"))
	if !okFrom {
		p.add("available_from-day", "Enter the date the child can move in as a real date, for example "+inboxExampleDate(r.GetNeed().GetStartBy()))
	}
	if len(p) > 0 {
		return q.refuse(show, p...)
	}
	return q.command(func(id string) (uint64, error) {
		res, err := s.purchasing.MakeOffer(q.ctx, &purchasingv1.MakeOfferRequest{RequestId: id, ReferralId: r.GetReferralId(), SettingUrn: urn,
			WeeklyPricePence: pence, AvailableFrom: from, Note: strings.TrimSpace(v.Get("note"))})
		return res.GetPosition(), inboxInWords(err, inboxRuleWords(r))
	}, "/inbox/"+r.GetReferralId(), "Your offer is sent to "+view.CouncilName(r.GetCouncil())+" council", show)
}

func (s *Server) inboxDecline(q *rq) error {
	r, err := s.inboxGet(q)
	if err != nil {
		return err
	}
	if !inboxDeclinable(r) {
		return q.done("/inbox/"+r.GetReferralId(), 0, "")
	}
	v := url.Values{}
	if q.r.Method == http.MethodPost {
		if err := q.r.ParseForm(); err != nil {
			return err
		}
		v = q.r.PostForm
	}
	show := func(errs []view.FieldError) error {
		var opts []view.Option
		for n := int32(1); n < int32(len(purchasingv1.DeclineReason_name)); n++ {
			opts = append(opts, view.Option{Value: strconv.Itoa(int(n)), Text: view.InboxDeclineReason(purchasingv1.DeclineReason(n))})
		}
		return q.inboxForm(r, "Decline the referral", "Decline referral", []string{"The council sees your reason. You cannot offer on this referral once you decline it."},
			[]templ.Component{
				view.Radios(view.Field{ID: "reason", Label: "Why are you declining?", Options: opts, Value: v.Get("reason"), Errors: errs}),
				view.Textarea(view.Field{ID: "note", Label: "Tell the council more (optional)", Value: v.Get("note"), Errors: errs,
					Hint: "Do not write the child's name, date of birth or address."}),
			})
	}
	if q.r.Method == http.MethodGet {
		return show(nil)
	}
	n, _ := strconv.Atoi(v.Get("reason"))
	if _, known := purchasingv1.DeclineReason_name[int32(n)]; !known || n == 0 {
		return q.refuse(show, []view.FieldError{{Field: "reason", Message: "Select why you are declining"}}...)
	}
	return q.command(func(id string) (uint64, error) {
		res, err := s.purchasing.DeclineReferral(q.ctx, &purchasingv1.DeclineReferralRequest{RequestId: id, ReferralId: r.GetReferralId(),
			Reason: purchasingv1.DeclineReason(n), Note: strings.TrimSpace(v.Get("note"))})
		return res.GetPosition(), inboxInWords(err, inboxRuleWords(r))
	}, "/inbox/"+r.GetReferralId(), "You declined the referral: "+view.CouncilName(r.GetCouncil())+" council is told your reason", show)
}

// inboxDateValues are a date field's day, month and year as posted.
func inboxDateValues(v url.Values, id string) []string {
	return []string{v.Get(id + "-day"), v.Get(id + "-month"), v.Get(id + "-year")}
}

// inboxExampleDate is a date as a date field's hint writes it: "14 12 2026".
func inboxExampleDate(iso string) string {
	parts := strings.Split(iso, "-")
	if len(parts) != 3 {
		return "14 12 2026"
	}
	d, _ := strconv.Atoi(parts[2])
	m, _ := strconv.Atoi(parts[1])
	return strconv.Itoa(d) + " " + strconv.Itoa(m) + " " + parts[0]
}
