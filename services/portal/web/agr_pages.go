package web

import (
	"net/http"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Placement agreements: the council's commissioner and the provider's admin
// read and accept each placement's agreement, download it as a PDF and
// propose changes; viewers, responders and the consortium's lead read.
// The purchasing service decides who may see and do what; these pages only
// offer what it would allow.

var (
	agrReaders = []string{auth.CouncilCommissioner, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder, auth.ConsortiumLead}
	agrParties = []string{auth.CouncilCommissioner, auth.ProviderAdmin}
)

// agrRules are the agreement rules a form can still break (another tab,
// the other party), in the person's words.
var agrRules = map[string]string{
	"agreement_already_accepted":     "Your side has already accepted this version of the agreement.",
	"agreement_locked":               "Both sides have already accepted this agreement: it is locked. Propose a change instead.",
	"agreement_version_not_awaiting": "The agreement has changed since you opened it. Read it again before accepting.",
	"agreement_digest_mismatch":      "The agreement has changed since you opened it. Read it again before accepting.",
	"agreement_not_in_force":         "Both sides accept the agreement before it can be changed.",
	"agreement_variation_pending":    "A change is already waiting for acceptance: accept it first.",
}

func (s *Server) agrRoutes() {
	s.page("GET /agreements", agrReaders, s.agrList)
	s.page("GET /agreements/{id}", agrReaders, s.agrShow)
	s.page("POST /agreements/{id}/accept", agrParties, s.agrAccept)
	s.page("GET /agreements/{id}/pdf", agrReaders, s.agrPdf)
	s.page("GET /agreements/{id}/variation", agrParties, s.agrVariationPage)
	s.page("POST /agreements/{id}/variation", agrParties, s.agrVary)
	s.page("GET /placements/{id}/agreement", agrReaders, s.agrOfPlacement)
	s.payRoutes()
}

func (s *Server) agrClient() purchasingv1.AgreementServiceClient {
	return purchasingv1.NewAgreementServiceClient(s.cfg.Conns.Purchasing)
}

// agrMyParty is the party the person acts for, if they may accept.
func agrMyParty(p auth.Principal) purchasingv1.AgreementParty {
	switch {
	case p.HasAnyRole(auth.CouncilCommissioner):
		return purchasingv1.AgreementParty_AGREEMENT_PARTY_COUNCIL
	case p.HasAnyRole(auth.ProviderAdmin):
		return purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER
	}
	return purchasingv1.AgreementParty_AGREEMENT_PARTY_UNSPECIFIED
}

// agrShown is the version a page shows: the one awaiting acceptance, else
// the one in force; and the one in force (nil if none).
func agrShown(v *purchasingv1.AgreementView) (shown, inForce *purchasingv1.AgreementVersionView) {
	vs := v.GetVersions()
	if n := v.GetVersionInForce(); n > 0 && int(n) <= len(vs) {
		inForce = vs[n-1]
	}
	shown = inForce
	if n := v.GetVersionAwaiting(); n > 0 && int(n) <= len(vs) {
		shown = vs[n-1]
	}
	if shown == nil && len(vs) > 0 {
		shown = vs[len(vs)-1]
	}
	return shown, inForce
}

func agrAccepted(v *purchasingv1.AgreementVersionView, party purchasingv1.AgreementParty) bool {
	for _, a := range v.GetAcceptances() {
		if a.GetParty() == party {
			return true
		}
	}
	return false
}

func (s *Server) agrList(q *rq) error {
	res, err := s.agrClient().ListAgreements(q.ctx, &purchasingv1.ListAgreementsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	party := agrMyParty(q.sess.Principal)
	var rows []view.AgrRow
	for _, v := range res.GetAgreements() {
		shown, _ := agrShown(v)
		t := shown.GetTerms()
		row := view.AgrRow{ID: v.GetAgreementId(), Council: t.GetCouncil(), Provider: t.GetProviderName(), Home: t.GetSettingName(), Start: t.GetStartDate(), Status: v.GetStatus()}
		if row.Home == "" {
			row.Home = t.GetSettingUrn()
		}
		if cs := v.GetCostSchedule(); len(cs) > 0 {
			row.WeeklyPence = cs[len(cs)-1].GetWeeklyPricePence()
		}
		row.YouMustAccept = party != 0 && v.GetVersionAwaiting() != 0 && !agrAccepted(shown, party)
		rows = append(rows, row)
	}
	// Newest first.
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	q.page.Title = "Placement agreements"
	return q.render(view.AgrList(q.page, rows, q.sess.Principal.HasAnyRole(payReaders...), q.sess.Principal.HasAnyRole(auth.ConsortiumLead)))
}

func (s *Server) agrGet(q *rq) (*purchasingv1.AgreementView, error) {
	return s.agrClient().GetAgreement(q.ctx, &purchasingv1.GetAgreementRequest{AgreementId: q.r.PathValue("id"), MinPosition: q.at()})
}

func (s *Server) agrShow(q *rq) error {
	v, err := s.agrGet(q)
	if err != nil {
		return err
	}
	return s.agrRender(q, v, newRequestID())
}

func (s *Server) agrRender(q *rq, v *purchasingv1.AgreementView, requestID string) error {
	shown, inForce := agrShown(v)
	party := agrMyParty(q.sess.Principal)
	d := view.AgrPageData{View: v, Shown: shown, InForce: inForce, RequestID: requestID}
	if party != 0 {
		d.CanAccept = v.GetVersionAwaiting() != 0 && !agrAccepted(shown, party)
		d.CanVary = v.GetVersionInForce() != 0 && v.GetVersionAwaiting() == 0
		d.Party = "your council"
		if party == purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER {
			d.Party = "your organisation"
		}
	}
	q.page.Title = "Placement agreement"
	return q.render(view.AgrPage(q.page, d))
}

// agrAccept records the person's acceptance of the version they read.
func (s *Server) agrAccept(q *rq) error {
	id := q.r.PathValue("id")
	version, _ := strconv.ParseUint(q.r.PostFormValue("version"), 10, 32)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.agrClient().AcceptAgreement(q.ctx, &purchasingv1.AcceptAgreementRequest{RequestId: requestID, AgreementId: id,
			Version: uint32(version), Digest: q.r.PostFormValue("digest")})
		if err != nil {
			return 0, sayRule(err, inTable(agrRules))
		}
		return res.GetPosition(), nil
	}, "/agreements/"+id, "You accepted the agreement", func(errs []view.FieldError) error {
		v, err := s.agrGet(q)
		if err != nil {
			return err
		}
		return s.agrRender(q, v, newRequestID())
	})
}

// agrPdf downloads one version's PDF (the latest unless ?version=).
func (s *Server) agrPdf(q *rq) error {
	version, _ := strconv.ParseUint(q.r.URL.Query().Get("version"), 10, 32)
	res, err := s.agrClient().GetAgreementPdf(q.ctx, &purchasingv1.GetAgreementPdfRequest{AgreementId: q.r.PathValue("id"), Version: uint32(version), MinPosition: q.at()})
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/pdf")
	q.w.Header().Set("Content-Disposition", `attachment; filename="`+csvFileName(res.GetFilename())+`"`)
	q.w.Header().Set("Cache-Control", "no-store")
	_, err = q.w.Write(res.GetPdf())
	return err
}

// agrOfPlacement sends the person from a placement to its agreement.
func (s *Server) agrOfPlacement(q *rq) error {
	res, err := s.agrClient().ListAgreements(q.ctx, &purchasingv1.ListAgreementsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	for _, v := range res.GetAgreements() {
		if len(v.GetVersions()) > 0 && v.GetVersions()[0].GetTerms().GetPlacementId() == q.r.PathValue("id") {
			http.Redirect(q.w, q.r, "/agreements/"+v.GetAgreementId(), http.StatusSeeOther)
			return nil
		}
	}
	return status.Error(codes.NotFound, "no agreement for this placement")
}

func (s *Server) agrVariationForm(q *rq, v *purchasingv1.AgreementView, errs []view.FieldError, requestID string) error {
	_, inForce := agrShown(v)
	if inForce == nil || v.GetVersionAwaiting() != 0 {
		return status.Error(codes.NotFound, "no change can be proposed now")
	}
	f := view.AgrVariationForm{View: v, Current: inForce.GetTerms(), RequestID: requestID,
		Price: view.Field{ID: "new_weekly_price_pence", Label: "New weekly price, in pounds (optional)", Hint: "Leave empty to keep the price. For example, 4750",
			Value: q.r.PostFormValue("new_weekly_price_pence"), Errors: errs, Width: "10"},
		PriceFrom: plcDateField(q.r, "price_from", "From when does the new price apply?", "Only with a new price. For example, 5 4 2027", errs),
		EndDate:   plcDateField(q.r, "end_date", "New end date of the placement (optional)", "For example, 30 11 2027", errs),
		Reason:    view.Field{ID: "reason", Label: "Why is the agreement changing?", Hint: "Do not name the child or give dates of birth.", Value: q.r.PostFormValue("reason"), Errors: errs},
	}
	q.page.Title = "Propose a change to the agreement"
	return q.render(view.AgrVariation(q.page, f))
}

func (s *Server) agrVariationPage(q *rq) error {
	v, err := s.agrGet(q)
	if err != nil {
		return err
	}
	return s.agrVariationForm(q, v, nil, newRequestID())
}

// agrVary proposes the change after the portal's own checks (a price in
// pounds, real dates, something changed, a reason); the service checks
// everything again.
func (s *Server) agrVary(q *rq) error {
	v, err := s.agrGet(q)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error { return s.agrVariationForm(q, v, errs, formRequestID(q.r)) }
	var errs problems
	var price int64
	if raw := q.r.PostFormValue("new_weekly_price_pence"); raw != "" {
		p, ok := parsePence(raw)
		if !ok || p <= 0 {
			errs.add("new_weekly_price_pence", "Enter the new weekly price in pounds, for example 4750")
		}
		price = p
	}
	agrOptDate := func(id, what string) string {
		parts := dateParts(q.r, id)
		if parts[0] == "" && parts[1] == "" && parts[2] == "" {
			return ""
		}
		d, ok := parseDate(parts)
		if !ok {
			errs.add(id+"-day", capitalise(what)+" must be a real date, for example 5 4 2027")
		}
		return d
	}
	from := agrOptDate("price_from", "the date the new price applies from")
	end := agrOptDate("end_date", "the end date")
	switch {
	case price > 0 && from == "" && len(errs) == 0:
		errs.add("price_from-day", "Enter the date the new price applies from")
	case price == 0 && from != "" && len(errs) == 0:
		errs.add("new_weekly_price_pence", "Enter the new weekly price, or leave the date empty")
	case price == 0 && end == "" && len(errs) == 0:
		errs.add("new_weekly_price_pence", "Enter a new weekly price, a new end date, or both")
	}
	reason := q.r.PostFormValue("reason")
	if len(reason) < 3 {
		errs.add("reason", "Enter why the agreement is changing")
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	id := v.GetAgreementId()
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.agrClient().ProposeVariation(q.ctx, &purchasingv1.ProposeVariationRequest{RequestId: requestID, AgreementId: id,
			NewWeeklyPricePence: price, PriceFrom: from, EndDate: end, Reason: reason, ExpectedVersion: v.GetStreamVersion()})
		if err != nil {
			return 0, sayRule(err, inTable(agrRules))
		}
		return res.GetPosition(), nil
	}, "/agreements/"+id, "You proposed a change: it applies once both sides accept it", again)
}
