package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// A council's referrals: the list with how fast the market answered, one
// referral with where it went and why, its offers side by side (kept
// current while it is open), award and withdraw. The viewer reads the same
// pages and never acts; who sees which referral is the service's answer to
// the person's own token (another council's referral is not found).

// refExplained is how many of the best-ranked matches the page explains
// (one ExplainMatch each); the rest are listed with their facts.
const refExplained = 10

// refPoll is how often a live offers region asks for the referral again.
// Purchasing has no watch RPC for the portal to follow (only monitoring's
// alerts stream). A query's min_position waits (at most 5 s) until the read
// model has applied a position the caller names; GetReferral answers no
// position, and one past the last seen is passed at once by any other
// context's commit, so waiting on it would spin, not wait. So the stream
// polls GetReferral as the person — one in-memory read a page every 2 s —
// and sends the region only when the referral's version has moved.
const refPoll = 2 * time.Second

func (s *Server) referralRoutes() {
	s.page("GET /referrals", councilReaders, s.referralList)
	s.referralNewRoutes()
	s.page("GET /referrals/{id}", councilReaders, s.referralPage)
	s.page("GET /referrals/{id}/offers/events", councilReaders, s.referralOfferEvents)
	s.page("GET /referrals/{id}/offers/{offer}/award", commissioner, s.referralAwardForm)
	s.page("POST /referrals/{id}/offers/{offer}/award", commissioner, s.awardPlacement)
	s.page("GET /referrals/{id}/withdraw", commissioner, s.referralWithdrawForm)
	s.page("POST /referrals/{id}/withdraw", commissioner, s.withdrawReferral)
	s.dlRoutes()
}

// refCategories are the DPS categories' names by DPS and category id, and
// the DPS titles, of the referrals listed.
type refCategories struct {
	titles map[string]string
	names  map[string]map[string]string
}

func (s *Server) refCategories(ctx context.Context, dpsIDs ...string) (refCategories, error) {
	c := refCategories{titles: map[string]string{}, names: map[string]map[string]string{}}
	for _, id := range dpsIDs {
		if _, ok := c.names[id]; ok {
			continue
		}
		d, err := s.purchasing.GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: id})
		if err != nil {
			return c, err
		}
		c.titles[id] = d.GetTerms().GetTitle()
		c.names[id] = map[string]string{}
		for _, cat := range d.GetTerms().GetCategories() {
			c.names[id][cat.GetId()] = cat.GetName()
		}
	}
	return c, nil
}

func (c refCategories) name(dpsID, cat string) string {
	if n := c.names[dpsID][cat]; n != "" {
		return n
	}
	return cat
}

// refRows are referrals as list rows.
func (s *Server) refRows(ctx context.Context, refs []*purchasingv1.ReferralView) ([]view.RefRow, error) {
	var ids []string
	for _, r := range refs {
		ids = append(ids, r.GetDpsId())
	}
	cats, err := s.refCategories(ctx, ids...)
	if err != nil {
		return nil, err
	}
	rows := make([]view.RefRow, 0, len(refs))
	for _, r := range refs {
		row := view.RefRow{ID: r.GetReferralId(), Child: view.RefChild(r.GetNeed()), Category: cats.name(r.GetDpsId(), r.GetNeed().GetCategoryId()),
			Sent: view.When(r.GetCreatedAt()), Status: r.GetStatus()}
		for _, o := range r.GetOffers() {
			if o.GetStatus() == purchasingv1.OfferStatus_OFFER_STATUS_OPEN {
				row.Offers++
			}
		}
		if r.GetFirstOfferAt() != nil {
			row.FirstOffer = view.RefDuration(r.GetSecondsToFirstOffer())
		}
		if r.GetAwardedAt() != nil {
			row.Placement = view.RefDuration(r.GetSecondsToPlacement())
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// refPerPage is how many referrals a list shows at a time: a council makes
// a hundred or more a year, and a provider is sent thousands over the years.
const refPerPage = 50

// referralList is a page of the council's referrals, newest first: one
// ListReferrals page, however many the council has made.
func (s *Server) referralList(q *rq) error {
	pages := tokenPagesOf(q, "from", "")
	res, err := s.purchasing.ListReferrals(q.ctx, &purchasingv1.ListReferralsRequest{PageSize: refPerPage, PageToken: pages.token(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	rows, err := s.refRows(q.ctx, res.GetReferrals())
	if err != nil {
		return err
	}
	pager := pages.pager(res.GetNextPageToken())
	q.page.Title = pages.title("Referrals", pager)
	return q.render(view.RefList(q.page, rows, pages.number(), pager, q.sess.Principal.HasAnyRole(auth.CouncilCommissioner)))
}

// commissionerHome is the commissioner's start page (and the viewer's, to
// read): open referrals with offers to decide, then those waiting for one.
func (s *Server) commissionerHome(q *rq) error {
	res, err := s.refListAll(q, &purchasingv1.ListReferralsRequest{Status: purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN})
	if err != nil {
		return err
	}
	rows, err := s.refRows(q.ctx, res)
	if err != nil {
		return err
	}
	var offers, decision []view.RefRow
	for _, r := range rows {
		if r.Offers > 0 {
			decision = append(decision, r)
		} else {
			offers = append(offers, r)
		}
	}
	return q.render(view.RefHome(q.page, q.sess.Principal.OrgID(), offers, decision, q.sess.Principal.HasAnyRole(auth.CouncilCommissioner)))
}

// refLoad reads a referral for its page; with matches, why each of the
// best-ranked settings matched too (not needed by the live region).
func (s *Server) refLoad(ctx context.Context, p auth.Principal, id string, at uint64, matches bool) (view.RefPageData, *purchasingv1.ReferralView, error) {
	v, err := s.purchasing.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: id, MinPosition: at})
	if err != nil {
		return view.RefPageData{}, nil, err
	}
	cats, err := s.refCategories(ctx, v.GetDpsId())
	if err != nil {
		return view.RefPageData{}, nil, err
	}
	catID := v.GetNeed().GetCategoryId()
	category := cats.name(v.GetDpsId(), catID)
	d := view.RefPageData{ID: id, Child: refSentence(view.RefChild(v.GetNeed())), Category: category, Dps: cats.titles[v.GetDpsId()],
		Sent: view.When(v.GetCreatedAt()), Status: v.GetStatus(), Need: refNeedRows(v.GetNeed(), category, false),
		Matched: int(v.GetMatchedSettings()), CanAct: p.HasAnyRole(auth.CouncilCommissioner) && v.GetStatus() == purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN}
	if v.GetFirstOfferAt() != nil {
		d.FirstOffer = view.RefDuration(v.GetSecondsToFirstOffer())
	}
	if v.GetAwardedAt() != nil {
		d.Placement = view.RefDuration(v.GetSecondsToPlacement())
	}
	d.OffersDueBy, d.DeadlinePassed = s.dlDeadline(v)
	d.CallOff = s.calloffWords(ctx, v.GetCallOff())
	if v.GetStatus() == purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN {
		d.Live = "/referrals/" + id + "/offers/events?version=" + strconv.FormatUint(v.GetVersion(), 10)
	}
	names, err := s.refProviderNames(ctx, v)
	if err != nil {
		return d, nil, err
	}
	if d.Region, err = s.refRegion(ctx, p, v, names); err != nil {
		return d, nil, err
	}
	for i, o := range d.Region.Offers {
		if o.O.GetStatus() == purchasingv1.OfferStatus_OFFER_STATUS_ACCEPTED {
			d.Placed = &d.Region.Offers[i]
		}
	}
	if matches {
		if d.Matches, err = s.refMatches(ctx, v, names, category); err != nil {
			return d, nil, err
		}
	}
	return d, v, nil
}

func refSentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// refProviderNames are the names of the providers a referral went to or
// heard from (one ListProviders, not one GetProvider each).
func (s *Server) refProviderNames(ctx context.Context, v *purchasingv1.ReferralView) (map[string]string, error) {
	names := map[string]string{}
	if len(v.GetMatches()) == 0 && len(v.GetDeclines()) == 0 {
		return names, nil
	}
	res, err := s.purchasing.ListProviders(ctx, &purchasingv1.ListProvidersRequest{PageSize: 1000})
	if err != nil {
		return nil, err
	}
	for _, p := range res.GetProviders() {
		names[p.GetProviderId()] = p.GetTradingName()
		if p.GetTradingName() == "" {
			names[p.GetProviderId()] = p.GetLegalName()
		}
	}
	return names, nil
}

func refName(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return n
	}
	return id
}

// refRegion is the offers region: each offer with its setting's Ofsted
// judgement from the register and its provider's risk level from
// monitoring, and the declines.
func (s *Server) refRegion(ctx context.Context, p auth.Principal, v *purchasingv1.ReferralView, names map[string]string) (view.RefRegion, error) {
	open := v.GetStatus() == purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN
	r := view.RefRegion{Open: open, Budget: view.Pounds(v.GetNeed().GetWeeklyBudgetPence()) + " a week"}
	risks := s.refRisks(ctx, v)
	providers := map[string]*purchasingv1.ProviderView{}
	for _, o := range v.GetOffers() {
		pv, ok := providers[o.GetProviderId()]
		if !ok {
			var err error
			if pv, err = s.purchasing.GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: o.GetProviderId()}); err != nil {
				return r, err
			}
			providers[o.GetProviderId()] = pv
		}
		ro := view.RefOffer{O: o, Grade: view.Words(o.GetOfstedGrade())}
		for _, st := range pv.GetSettings() {
			if st.GetSetting().GetUrn() == o.GetSettingUrn() {
				ro.Grade, ro.Inspected = view.Words(st.GetSetting().GetOfstedGrade()), view.Date(st.GetSetting().GetOfstedDate())
			}
		}
		ro.Risk, ro.RiskClass = view.RefRisk(0)
		if pr := risks[o.GetProviderId()]; pr != nil {
			ro.Risk, ro.RiskClass = view.RefRisk(pr.GetLevel())
			for _, why := range pr.GetReasons() {
				ro.RiskWhy = append(ro.RiskWhy, why.GetDetail())
			}
			if pr.GetSuspended() {
				ro.RiskWhy = append(ro.RiskWhy, "Suspended by the consortium's early-warning policy")
			}
		}
		if open && o.GetStatus() == purchasingv1.OfferStatus_OFFER_STATUS_OPEN && p.HasAnyRole(auth.CouncilCommissioner) {
			ro.Award = "/referrals/" + v.GetReferralId() + "/offers/" + o.GetOfferId() + "/award"
		}
		r.Offers = append(r.Offers, ro)
	}
	for _, d := range v.GetDeclines() {
		r.Declines = append(r.Declines, view.RefDecline{Provider: refName(names, d.GetProviderId()), Reason: view.Words(d.GetReason()),
			Note: d.GetNote(), When: view.When(d.GetDeclinedAt())})
	}
	return r, nil
}

// refRisks are the risk levels monitoring gives the referral's providers
// under the DPS's consortium, as the council may read them. A council
// monitoring does not know as a member, or a provider it has not assessed,
// shows as not assessed: the comparison still stands without it.
func (s *Server) refRisks(ctx context.Context, v *purchasingv1.ReferralView) map[string]*monitoringv1.ProviderRisk {
	out := map[string]*monitoringv1.ProviderRisk{}
	if len(v.GetOffers()) == 0 {
		return out
	}
	res, err := s.monitoring.ListRiskLevels(ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: v.GetConsortium()})
	if err != nil {
		if c := status.Code(err); c != codes.NotFound && c != codes.InvalidArgument {
			s.log.Warn("portal: reading risk levels for a referral's offers", zap.Error(err))
		}
		return out
	}
	for _, pr := range res.GetProviders() {
		out[pr.GetProviderId()] = pr
	}
	return out
}

// refMatches are the settings the referral went to, best ranked first;
// the first refExplained with the reasons recorded when they matched.
func (s *Server) refMatches(ctx context.Context, v *purchasingv1.ReferralView, names map[string]string, category string) ([]view.RefMatch, error) {
	ms := v.GetMatches()
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].GetRank() < ms[j].GetRank() })
	out := make([]view.RefMatch, len(ms))
	var wg sync.WaitGroup
	errs := make([]error, len(ms))
	for i, m := range ms {
		out[i] = view.RefMatch{Rank: int(m.GetRank()), Provider: refName(names, m.GetProviderId()), Setting: m.GetSettingName() + " (" + m.GetSettingUrn() + ", " + m.GetOutcode() + ")",
			Kind: view.DpsSettingType(m.GetSettingType()), Distance: refMiles(m.GetDistanceMiles()) + " from home", Grade: view.Words(m.GetOfstedGrade()),
			Free: strconv.Itoa(int(m.GetFreePlaces())) + " free"}
		if i >= refExplained {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex, err := s.purchasing.ExplainMatch(ctx, &purchasingv1.ExplainMatchRequest{ReferralId: v.GetReferralId(), SettingUrn: m.GetSettingUrn()})
			if err != nil {
				errs[i] = err
				return
			}
			for _, r := range ex.GetReasons() {
				about, detail := view.RefReason(r, v.GetNeed().GetCategoryId(), category)
				out[i].Reasons = append(out[i].Reasons, view.RefMatchReason{About: about, Detail: detail})
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func refMiles(m float64) string { return strconv.FormatFloat(m, 'f', 1, 64) + " miles" }

// referralPage is one referral.
func (s *Server) referralPage(q *rq) error {
	d, _, err := s.refLoad(q.ctx, q.sess.Principal, q.r.PathValue("id"), q.at(), true)
	if err != nil {
		return err
	}
	q.page.Title = d.Child
	return q.render(view.RefPage(q.page, d))
}

// referralOfferEvents keeps a referral's offers region current: the region
// again whenever the referral changes from the version the page showed,
// until it is awarded or withdrawn.
func (s *Server) referralOfferEvents(q *rq) error {
	id := q.r.PathValue("id")
	shown, _ := strconv.ParseUint(q.r.URL.Query().Get("version"), 10, 64)
	p := q.sess.Principal
	// Nothing to stream for a referral the person may not see (404) or one
	// already settled: 204 tells the browser not to reconnect.
	v, err := s.purchasing.GetReferral(q.ctx, &purchasingv1.GetReferralRequest{ReferralId: id})
	if err != nil {
		return err
	}
	if v.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN && v.GetVersion() == shown {
		q.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	// One poll a call: each call gets a fresh token from q.live, and a
	// quiet referral outlives one.
	return q.live(func(ctx context.Context) (templ.Component, bool, error) {
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(refPoll):
		}
		v, err := s.purchasing.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: id})
		if err != nil || v.GetVersion() == shown {
			return nil, false, err
		}
		shown = v.GetVersion()
		names, err := s.refProviderNames(ctx, v)
		if err != nil {
			return nil, false, err
		}
		region, err := s.refRegion(ctx, p, v, names)
		if err != nil {
			return nil, false, err
		}
		return view.RefOffers(region), v.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN, nil
	})
}

// refOffer is the offer the address names, on a referral the commissioner
// may still decide.
func (s *Server) refOffer(q *rq) (view.RefPageData, view.RefOffer, uint64, error) {
	d, v, err := s.refLoad(q.ctx, q.sess.Principal, q.r.PathValue("id"), q.at(), false)
	if err != nil {
		return d, view.RefOffer{}, 0, err
	}
	for _, o := range d.Region.Offers {
		if o.O.GetOfferId() == q.r.PathValue("offer") && o.Award != "" {
			return d, o, v.GetVersion(), nil
		}
	}
	return d, view.RefOffer{}, 0, status.Error(codes.NotFound, "no such open offer")
}

func refAwardReason(errs []view.FieldError, value string) view.Field {
	return view.Field{ID: "reason", Label: "Why this offer?", Hint: "Recorded in the referral's decision log, for example: closest to school, Good Ofsted, within budget. Nothing that could identify the child.",
		Value: value, Errors: errs}
}

func (s *Server) referralAwardForm(q *rq) error {
	d, o, version, err := s.refOffer(q)
	if err != nil {
		return err
	}
	q.page.Title = "Award the placement"
	return q.render(view.RefAward(q.page, d, o, refAwardReason(nil, ""), newRequestID(), version))
}

// awardPlacement awards the offer with the commissioner's reason.
func (s *Server) awardPlacement(q *rq) error {
	d, o, version, err := s.refOffer(q)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	again := func(errs []view.FieldError) error {
		q.page.Title = "Award the placement"
		return q.render(view.RefAward(q.page, d, o, refAwardReason(errs, reason), formRequestID(q.r), version))
	}
	if n := len([]rune(reason)); n < 3 || n > 2000 {
		msg := "Enter why you chose this offer"
		if n > 0 {
			msg = "The reason must be 3 to 2,000 characters"
		}
		return q.refuse(again, view.FieldError{Field: "reason", Message: msg})
	}
	seen, _ := strconv.ParseUint(q.r.PostFormValue("version"), 10, 64)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.AwardPlacement(q.ctx, &purchasingv1.AwardPlacementRequest{RequestId: requestID, ReferralId: d.ID,
			OfferId: o.O.GetOfferId(), Reason: reason, ExpectedVersion: seen})
		return res.GetPosition(), err
	}, "/referrals/"+d.ID, "The placement is awarded to "+o.O.GetProviderName()+": the other offers are closed", again)
}

func refWithdrawFields(errs []view.FieldError, reason, note string) (view.Field, view.Field) {
	return view.Field{ID: "reason", Label: "Why are you withdrawing it?", Options: view.RefWithdrawal, Value: reason, Errors: errs},
		view.Field{ID: "note", Label: "Anything to add (optional)", Hint: "Nothing that could identify the child.", Value: note, Errors: errs}
}

func (s *Server) referralWithdrawForm(q *rq) error {
	d, v, err := s.refLoad(q.ctx, q.sess.Principal, q.r.PathValue("id"), q.at(), false)
	if err != nil {
		return err
	}
	if !d.CanAct {
		return status.Error(codes.NotFound, "the referral is settled")
	}
	reason, note := refWithdrawFields(nil, "", "")
	q.page.Title = "Withdraw the referral"
	return q.render(view.RefWithdraw(q.page, d, reason, note, newRequestID(), v.GetVersion()))
}

// withdrawReferral withdraws the referral with a reason.
func (s *Server) withdrawReferral(q *rq) error {
	d, v, err := s.refLoad(q.ctx, q.sess.Principal, q.r.PathValue("id"), q.at(), false)
	if err != nil {
		return err
	}
	if !d.CanAct {
		return status.Error(codes.NotFound, "the referral is settled")
	}
	reason, note := strings.TrimSpace(q.r.PostFormValue("reason")), strings.TrimSpace(q.r.PostFormValue("note"))
	again := func(errs []view.FieldError) error {
		r, n := refWithdrawFields(errs, reason, note)
		q.page.Title = "Withdraw the referral"
		return q.render(view.RefWithdraw(q.page, d, r, n, formRequestID(q.r), v.GetVersion()))
	}
	code, _ := strconv.Atoi(reason)
	if view.RefOption(view.RefWithdrawal, reason) == "" {
		return q.refuse(again, view.FieldError{Field: "reason", Message: "Select why you are withdrawing the referral"})
	}
	seen, _ := strconv.ParseUint(q.r.PostFormValue("version"), 10, 64)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.WithdrawReferral(q.ctx, &purchasingv1.WithdrawReferralRequest{RequestId: requestID, ReferralId: d.ID,
			Reason: purchasingv1.ReferralWithdrawalReason(code), Note: note, ExpectedVersion: seen})
		return res.GetPosition(), err
	}, "/referrals/"+d.ID, "The referral is withdrawn: the providers are told it is closed", again)
}

// refListAll reads every page of a ListReferrals (as of the request's
// position), for lists that are few (open referrals) or shown whole.
func (s *Server) refListAll(q *rq, req *purchasingv1.ListReferralsRequest) ([]*purchasingv1.ReferralView, error) {
	req.PageSize, req.MinPosition = 1000, q.at()
	var out []*purchasingv1.ReferralView
	for {
		res, err := s.purchasing.ListReferrals(q.ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, res.GetReferrals()...)
		if req.PageToken = res.GetNextPageToken(); req.PageToken == "" {
			return out, nil
		}
	}
}
