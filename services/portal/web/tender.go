package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// A provider's frameworks: tenders open for bids, its bid on each lot
// (amended until bidding closes), its own scores and rank once the
// framework is awarded, and its price uplift requests. The framework service shows a
// provider only its own bids, scores, rank and uplifts.

func (s *Server) tenderRoutes() {
	s.page("GET /tenders", providerAdmin, s.tenderList)
	s.page("GET /tenders/{id}", providerAdmin, s.tenderFramework)
	for _, m := range []string{"GET", "POST"} {
		s.page(m+" /tenders/{id}/lots/{lot}/bid", providerAdmin, s.tenderBid)
		s.page(m+" /tenders/{id}/lots/{lot}/uplift", providerAdmin, s.tenderUplift)
	}
}

// tenderQuestions are the quality questions a first bid answers on a
// framework drafted before its terms carried questions of their own: the
// ones every children's placement tender asks. An amended bid keeps the
// questions it answered.
var tenderQuestions = []string{
	"How will you keep children safe, including from exploitation and going missing?",
	"How will you keep children close to their families, schools and communities?",
	"How do you recruit, train and keep your staff?",
}

// tenderOwn is the provider's own admission to a lot, or nil.
func tenderOwn(lot *frameworkv1.Lot, provider string) *frameworkv1.LotProvider {
	for _, lp := range lot.GetProviders() {
		if lp.GetProviderId() == provider {
			return lp
		}
	}
	return nil
}

func tenderDecided(st frameworkv1.FrameworkStatus) bool {
	switch st {
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED, frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE, frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED,
		frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED, frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_TERMINATED:
		return true
	}
	return false
}

func tenderRunning(st frameworkv1.FrameworkStatus) bool {
	return st == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE || st == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED
}

func (s *Server) tenderList(q *rq) error {
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	bids, err := s.framework.ListBids(q.ctx, &frameworkv1.ListBidsRequest{})
	if err != nil {
		return err
	}
	own := q.sess.Principal.OrgID()
	bidsOn := map[string]int{}
	for _, b := range bids.GetBids() {
		bidsOn[b.GetFrameworkId()]++
	}
	var open, yours []view.TenderRow
	for _, fw := range fws.GetFrameworks() {
		row := view.TenderRow{Framework: fw, Bids: bidsOn[fw.GetFrameworkId()]}
		for _, l := range fw.GetLots() {
			if tenderOwn(l, own) != nil {
				row.Admitted++
			}
		}
		switch {
		case fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS:
			open = append(open, row)
		case row.Bids > 0 || row.Admitted > 0:
			yours = append(yours, row)
		}
	}
	q.page.Title = "Frameworks"
	return q.render(view.Tenders(q.page, open, yours))
}

// tenderGet reads the framework the path names (NOT_FOUND for a draft the
// provider may not see).
func (s *Server) tenderGet(q *rq) (*frameworkv1.Framework, error) {
	return s.framework.GetFramework(q.ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: q.r.PathValue("id"), MinPosition: q.at()})
}

func (s *Server) tenderFramework(q *rq) error {
	fw, err := s.tenderGet(q)
	if err != nil {
		return err
	}
	bids, err := s.framework.ListBids(q.ctx, &frameworkv1.ListBidsRequest{FrameworkId: fw.GetFrameworkId()})
	if err != nil {
		return err
	}
	ups, err := s.framework.ListPriceUplifts(q.ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: fw.GetFrameworkId()})
	if err != nil {
		return err
	}
	own := q.sess.Principal.OrgID()
	base := "/tenders/" + fw.GetFrameworkId()
	v := view.TenderView{Framework: fw}
	switch st := fw.GetStatus(); st {
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS:
		v.Note = "Bidding closes on " + view.When(fw.GetBidsCloseAt()) + ". You can change your bid on a lot until then."
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING:
		v.Note = "Bidding closed on " + view.When(fw.GetBidsCloseAt()) + ". The consortium is scoring the bids; you see your scores and rank here once it awards the framework."
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED:
		v.Note = "The framework is awarded. Price uplifts can be asked for once it is active."
	}
	for _, l := range fw.GetLots() {
		id := l.GetTerms().GetLotId()
		tl := view.TenderLot{Lot: l, Own: tenderOwn(l, own), Decided: tenderDecided(fw.GetStatus())}
		for _, b := range bids.GetBids() {
			if b.GetLotId() == id && b.GetProviderId() == own {
				tl.Bid = b
			}
		}
		for _, u := range ups.GetUplifts() {
			if u.GetLotId() == id && u.GetProviderId() == own {
				tl.Uplifts = append(tl.Uplifts, u)
			}
		}
		if fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS {
			tl.BidHref = base + "/lots/" + id + "/bid"
		}
		if tenderRunning(fw.GetStatus()) && tl.Own != nil && tl.Own.GetStatus() == frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE && !tenderPending(tl.Uplifts) {
			tl.UpliftHref = base + "/lots/" + id + "/uplift"
		}
		v.Lots = append(v.Lots, tl)
	}
	q.page.Title = fw.GetTitle()
	return q.render(view.Tender(q.page, v))
}

func tenderPending(ups []*frameworkv1.PriceUplift) bool {
	for _, u := range ups {
		if u.GetStatus() == frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING {
			return true
		}
	}
	return false
}

// tenderLot is the lot the path names, with the framework; NOT_FOUND when
// the framework has no such lot.
func (s *Server) tenderLot(q *rq) (*frameworkv1.Framework, *frameworkv1.Lot, error) {
	fw, err := s.tenderGet(q)
	if err != nil {
		return nil, nil, err
	}
	for _, l := range fw.GetLots() {
		if l.GetTerms().GetLotId() == q.r.PathValue("lot") {
			return fw, l, nil
		}
	}
	return nil, nil, status.Error(codes.NotFound, "no such lot")
}

// tenderRuleWords say the framework service's rules on a provider's bid
// and uplift as the provider reads them.
func tenderRuleWords(fw *frameworkv1.Framework, lot *frameworkv1.Lot) map[string]string {
	band := lot.GetTerms().GetPriceBand()
	return map[string]string{
		"framework.no_bids_after_close":       "Bidding closed on " + view.When(fw.GetBidsCloseAt()) + ": bids can no longer be submitted or changed",
		"framework.not_open_for_bids":         "The framework is not open for bids",
		"framework.answer_every_question":     "Answer every quality question of the framework",
		"framework.answer_known_question":     "Answer the framework's quality questions shown on this page",
		"framework.answer_each_question_once": "Answer each quality question once",
		"framework.answer_word_limit":         "Keep each answer within its question's word limit",
		"framework.bid_within_price_band":     fmt.Sprintf("Bid within the lot's weekly price band, %s to %s", view.Pounds(band.GetMinWeeklyPence()), view.Pounds(band.GetMaxWeeklyPence())),
		"framework.uplift_requires_admission": "You can ask for a price uplift only on a lot you are admitted to, not suspended from, while the framework is active",
		"framework.one_pending_uplift":        "Your last price uplift on this lot is still waiting for the consortium's decision",
		"framework.uplift_not_backdated":      "The new price must start today or later",
	}
}

// tenderForm shows a bid's or an uplift's form (the shared command page).
func (q *rq) tenderForm(fw *frameworkv1.Framework, lot *frameworkv1.Lot, heading, button string, intro []string, fields []templ.Component) error {
	q.page.Title = heading
	return q.render(view.FrameworkAction(q.page, view.ActionForm{Caption: fw.GetTitle() + ": " + lot.GetTerms().GetName(), Heading: heading,
		Back: "/tenders/" + fw.GetFrameworkId(), Intro: intro, Fields: fields, RequestID: formRequestID(q.r), Action: q.r.URL.Path, Button: button}))
}

func (s *Server) tenderBid(q *rq) error {
	fw, lot, err := s.tenderLot(q)
	if err != nil {
		return err
	}
	base := "/tenders/" + fw.GetFrameworkId()
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS {
		return q.done(base, 0, "")
	}
	lotID := lot.GetTerms().GetLotId()
	bids, err := s.framework.ListBids(q.ctx, &frameworkv1.ListBidsRequest{FrameworkId: fw.GetFrameworkId()})
	if err != nil {
		return err
	}
	var bid *frameworkv1.Bid
	for _, b := range bids.GetBids() {
		if b.GetLotId() == lotID && b.GetProviderId() == q.sess.Principal.OrgID() {
			bid = b
		}
	}
	// The framework's own questions, answered by id; a framework without
	// them takes free answers to the standard questions.
	own := fw.GetQualityQuestions()
	var questions []*frameworkv1.QualityQuestion
	for _, text := range tenderQuestions {
		questions = append(questions, &frameworkv1.QualityQuestion{Text: text})
	}
	if len(own) > 0 {
		questions = own
	}
	v := url.Values{}
	if bid != nil {
		if len(own) == 0 {
			questions = nil
		}
		for i, a := range bid.GetQualityAnswers() {
			if len(own) == 0 {
				questions = append(questions, &frameworkv1.QualityQuestion{Text: a.GetQuestion()})
				v.Set(tenderAnswerID(i), a.GetAnswer())
				continue
			}
			for j, qn := range own {
				if qn.GetQuestionId() == a.GetQuestionId() {
					v.Set(tenderAnswerID(j), a.GetAnswer())
				}
			}
		}
		v.Set("weekly_price_pence", poundsValue(bid.GetWeeklyPricePence()))
	}
	if q.r.Method == http.MethodPost {
		if err := q.r.ParseForm(); err != nil {
			return err
		}
		v = q.r.PostForm
	}
	heading, button, banner := "Bid on this lot", "Submit bid", "Your bid on "+lot.GetTerms().GetName()+" is submitted"
	if bid != nil {
		heading, button, banner = "Change your bid", "Save changed bid", "Your bid on "+lot.GetTerms().GetName()+" is changed"
	}
	band := lot.GetTerms().GetPriceBand()
	show := func(errs []view.FieldError) error {
		fields := []templ.Component{view.FrameworkPounds(view.Field{ID: "weekly_price_pence", Label: "Weekly price", Width: "10", Value: v.Get("weekly_price_pence"), Errors: errs,
			Hint: "In pounds, for example 4,250: between " + view.Pounds(band.GetMinWeeklyPence()) + " and " + view.Pounds(band.GetMaxWeeklyPence()) + "."})}
		for i, qn := range questions {
			fields = append(fields, view.TenderAnswer(view.Field{ID: tenderAnswerID(i), Label: qn.GetText(), Value: v.Get(tenderAnswerID(i)), Errors: errs}, int(qn.GetWordLimit())))
		}
		return q.tenderForm(fw, lot, heading, button, []string{
			fmt.Sprintf("Bids are scored on quality (%d%%) and price (%d%%). A bid needs a quality score of at least %d out of 100 to be admitted.",
				fw.GetQualityWeight(), fw.GetPriceWeight(), lot.GetTerms().GetQualityThreshold()),
			"You can change your bid until bidding closes on " + view.When(fw.GetBidsCloseAt()) + ". Other providers do not see your bid.",
		}, fields)
	}
	if q.r.Method == http.MethodGet {
		return show(nil)
	}
	var p problems
	pence, ok := parsePence(v.Get("weekly_price_pence"))
	if !ok || pence <= 0 {
		p.add("weekly_price_pence", "Enter the weekly price in pounds, for example 4,250")
	}
	var answers []*frameworkv1.QualityAnswer
	for i, qn := range questions {
		a := strings.TrimSpace(v.Get(tenderAnswerID(i)))
		switch limit := int(qn.GetWordLimit()); {
		case a == "":
			p.add(tenderAnswerID(i), "Answer: "+qn.GetText())
		case limit > 0 && len(strings.Fields(a)) > limit:
			p.add(tenderAnswerID(i), fmt.Sprintf("Your answer to “%s” must be %s words or fewer: it has %s", qn.GetText(), view.TenderNumber(limit), view.TenderNumber(len(strings.Fields(a)))))
		}
		answers = append(answers, &frameworkv1.QualityAnswer{QuestionId: qn.GetQuestionId(), Question: qn.GetText(), Answer: a})
	}
	if len(p) > 0 {
		return q.refuse(show, p...)
	}
	return q.command(func(id string) (uint64, error) {
		res, err := s.framework.SubmitBid(q.ctx, &frameworkv1.SubmitBidRequest{RequestId: id, FrameworkId: fw.GetFrameworkId(), LotId: lotID,
			WeeklyPricePence: pence, QualityAnswers: answers})
		err = mapFields(err, func(path string) string {
			// An answer's violation lands on its text box.
			if strings.HasPrefix(path, "quality_answers[") && !strings.Contains(path, ".") {
				return path + ".answer"
			}
			return path
		})
		return res.GetPosition(), inWords(inboxInWords(err, tenderRuleWords(fw, lot)), fw)
	}, base, banner, show)
}

// tenderAnswerID is the field of the i-th quality answer (the id a field
// violation of quality_answers[i].answer maps to).
func tenderAnswerID(i int) string { return "quality_answers-" + strconv.Itoa(i) + "-answer" }

func (s *Server) tenderUplift(q *rq) error {
	fw, lot, err := s.tenderLot(q)
	if err != nil {
		return err
	}
	base := "/tenders/" + fw.GetFrameworkId()
	own := tenderOwn(lot, q.sess.Principal.OrgID())
	if own == nil || !tenderRunning(fw.GetStatus()) {
		return q.done(base, 0, "")
	}
	v := url.Values{}
	if q.r.Method == http.MethodPost {
		if err := q.r.ParseForm(); err != nil {
			return err
		}
		v = q.r.PostForm
	}
	today := s.cfg.Now().In(ukTime).Format("2 1 2006")
	show := func(errs []view.FieldError) error {
		from := inboxDateValues(v, "effective_from")
		return q.tenderForm(fw, lot, "Ask for a price uplift", "Send request", []string{
			"Your price on this lot is " + view.Pounds(own.GetWeeklyPricePence()) + " a week. The consortium approves or rejects your request and tells you why.",
		}, []templ.Component{
			view.FrameworkPounds(view.Field{ID: "requested_weekly_pence", Label: "New weekly price", Width: "10", Value: v.Get("requested_weekly_pence"), Errors: errs,
				Hint: "In pounds, more than " + view.Pounds(own.GetWeeklyPricePence()) + "."}),
			view.DateInput(view.DateField{ID: "effective_from", Label: "When should the new price start?", Hint: "Today or later, for example " + today,
				Day: from[0], Month: from[1], Year: from[2], Errors: errs}),
			view.Textarea(view.Field{ID: "justification", Label: "Why do you need the uplift?", Value: v.Get("justification"), Errors: errs,
				Hint: "For example, the cost increases behind it: pay awards, energy, insurance."}),
		})
	}
	if q.r.Method == http.MethodGet {
		return show(nil)
	}
	var p problems
	pence, ok := parsePence(v.Get("requested_weekly_pence"))
	if !ok || pence <= 0 {
		p.add("requested_weekly_pence", "Enter the new weekly price in pounds, for example 4,400")
	}
	from, okFrom := parseDate(dateParts(q.r, "effective_from"))
	if !okFrom {
		p.add("effective_from-day", "Enter the date the new price starts as a real date, for example "+today)
	}
	if strings.TrimSpace(v.Get("justification")) == "" {
		p.add("justification", "Enter why you need the uplift")
	}
	if len(p) > 0 {
		return q.refuse(show, p...)
	}
	words := tenderRuleWords(fw, lot)
	words["framework.uplift_must_increase"] = "The new weekly price must be more than your price now, " + view.Pounds(own.GetWeeklyPricePence())
	return q.command(func(id string) (uint64, error) {
		res, err := s.framework.RequestPriceUplift(q.ctx, &frameworkv1.RequestPriceUpliftRequest{RequestId: id, FrameworkId: fw.GetFrameworkId(),
			LotId: lot.GetTerms().GetLotId(), RequestedWeeklyPence: pence, EffectiveFrom: from, Justification: strings.TrimSpace(v.Get("justification"))})
		return res.GetPosition(), inWords(inboxInWords(err, words), fw)
	}, base, "Your price uplift request is sent to the consortium", show)
}
