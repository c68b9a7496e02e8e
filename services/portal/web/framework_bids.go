package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Evaluation: every bid on a lot side by side to score, then the award of
// the providers ranked by score.

func (s *Server) bidRoutes() {
	s.page("GET /frameworks/{id}/bids", leadOnly, s.bidsOverview)
	s.page("GET /frameworks/{id}/lots/{lot}/bids", leadOnly, s.scoreLot)
	s.page("POST /frameworks/{id}/lots/{lot}/bids", leadOnly, s.scoreLot)
	s.page("GET /frameworks/{id}/award", leadOnly, s.award)
	s.page("POST /frameworks/{id}/award", leadOnly, s.award)
}

// bidsByLot are the framework's bids, lot by lot, as the service lists them.
func (s *Server) bidsByLot(q *rq, fw *frameworkv1.Framework) (map[string][]*frameworkv1.Bid, error) {
	res, err := s.framework.ListBids(q.ctx, &frameworkv1.ListBidsRequest{FrameworkId: fw.GetFrameworkId(), MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	out := map[string][]*frameworkv1.Bid{}
	for _, b := range res.GetBids() {
		out[b.GetLotId()] = append(out[b.GetLotId()], b)
	}
	return out, nil
}

// bidsOverview is each lot's bids, how many are scored, and the way to the
// award.
func (s *Server) bidsOverview(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	bids, err := s.bidsByLot(q, fw)
	if err != nil {
		return err
	}
	var lots []view.BidsLot
	unscored := 0
	for _, l := range fw.GetLots() {
		bl := view.BidsLot{Name: l.GetTerms().GetName(), Bids: len(bids[l.GetTerms().GetLotId()]),
			Href: "/frameworks/" + fw.GetFrameworkId() + "/lots/" + l.GetTerms().GetLotId() + "/bids"}
		for _, b := range bids[l.GetTerms().GetLotId()] {
			if b.GetScored() {
				bl.Scored++
			}
		}
		unscored += bl.Bids - bl.Scored
		lots = append(lots, bl)
	}
	q.page.Title = "Bids"
	evaluating := fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING
	return q.render(view.FrameworkBids(q.page, fw, lots, unscored, evaluating))
}

var lotIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// scoreLot is every bid on one lot side by side: price, answers, and a
// quality score and its reason for each. One save sends a ScoreBid for
// each bid given a new score, each with the form's request id and the
// bid's row, so sending the form again scores nothing twice.
func (s *Server) scoreLot(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	lotID := q.r.PathValue("lot")
	var lot *frameworkv1.Lot
	for _, l := range fw.GetLots() {
		if l.GetTerms().GetLotId() == lotID {
			lot = l
		}
	}
	if lot == nil || !lotIDPattern.MatchString(lotID) {
		return status.Error(codes.NotFound, "no such lot")
	}
	all, err := s.bidsByLot(q, fw)
	if err != nil {
		return err
	}
	bids := all[lotID]
	show := func(v url.Values, errs []view.FieldError, requestID string) error {
		rows := make([]view.ScoreRow, len(bids))
		for n, b := range bids {
			r := view.ScoreRow{Bid: b, Provider: providerName(b.GetProviderName(), b.GetProviderId()), N: n}
			if v == nil {
				if b.GetScored() {
					r.Score, r.Reason = strconv.Itoa(int(b.GetQualityScore())), b.GetScoreReason()
				}
			} else {
				r.Score, r.Reason = v.Get(scoreID(n, "quality_score")), v.Get(scoreID(n, "reason"))
			}
			rows[n] = r
		}
		q.page.Title = "Score the bids on " + lot.GetTerms().GetName()
		form := view.ScoreForm{Framework: fw, Lot: lot, Rows: rows, Errors: errs, RequestID: requestID,
			Editable: fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING,
			Action:   q.r.URL.Path, Back: "/frameworks/" + fw.GetFrameworkId() + "/bids"}
		return q.render(view.ScoreLot(q.page, form))
	}
	if q.r.Method == http.MethodGet {
		return show(nil, nil, newRequestID())
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	v := q.r.PostForm
	type scoring struct {
		n      int
		bid    *frameworkv1.Bid
		score  int
		reason string
	}
	var todo []scoring
	var p problems
	for n := 0; ; n++ {
		provider := v.Get(scoreID(n, "provider_id"))
		if provider == "" {
			break
		}
		i := slices.IndexFunc(bids, func(b *frameworkv1.Bid) bool { return b.GetProviderId() == provider })
		if i < 0 {
			return status.Error(codes.NotFound, "no such bid")
		}
		b := bids[i]
		name := providerName(b.GetProviderName(), b.GetProviderId())
		raw, reason := strings.TrimSpace(v.Get(scoreID(n, "quality_score"))), strings.TrimSpace(v.Get(scoreID(n, "reason")))
		if raw == "" && reason == "" {
			continue
		}
		score, ok := parseWhole(raw, 0, 100)
		if !ok {
			p.add(scoreID(n, "quality_score"), "Enter "+name+"'s quality score as a whole number from 0 to 100")
		}
		if reason == "" {
			p.add(scoreID(n, "reason"), "Enter the reason for "+name+"'s score")
		}
		if !ok || reason == "" {
			continue
		}
		if b.GetScored() && int(b.GetQualityScore()) == score && b.GetScoreReason() == reason {
			continue // as recorded: nothing to send
		}
		todo = append(todo, scoring{n: n, bid: b, score: score, reason: reason})
	}
	if len(p) == 0 && len(todo) == 0 {
		p.add(scoreID(0, "quality_score"), "Enter a quality score and its reason for at least one bid")
	}
	if len(p) > 0 {
		return q.refuse(func(p []view.FieldError) error { return show(v, p, formRequestID(q.r)) }, p...)
	}
	next := "/frameworks/" + fw.GetFrameworkId() + "/bids"
	banner := fmt.Sprintf("%s scored on %s", countWords(len(todo), "bid", "bids"), lot.GetTerms().GetName())
	return q.command(func(requestID string) (uint64, error) {
		var pos uint64
		for _, sc := range todo {
			// No expected version: each score moves the framework on, and a
			// form sent again after a refusal must not refuse its own scores.
			res, err := s.framework.ScoreBid(q.ctx, &frameworkv1.ScoreBidRequest{RequestId: requestID + "-" + strconv.Itoa(sc.n), FrameworkId: fw.GetFrameworkId(),
				LotId: lotID, ProviderId: sc.bid.GetProviderId(), QualityScore: uint32(sc.score), Reason: sc.reason})
			if err != nil {
				n := sc.n
				return 0, inWords(mapFields(err, func(path string) string { return fmt.Sprintf("bids[%d].%s", n, path) }), fw)
			}
			pos = res.GetPosition()
		}
		return pos, nil
	}, next, banner, func(errs []view.FieldError) error {
		// Scores sent before the refusal are kept: show them as they are now.
		if fresh, err := s.bidsByLot(q, fw); err == nil {
			bids = fresh[lotID]
		}
		return show(v, errs, formRequestID(q.r))
	})
}

// scoreID is the id of a field of the n-th bid's row: the service's field
// path under bids[n], so its violations land on the row.
func scoreID(n int, field string) string { return view.FieldID(fmt.Sprintf("bids[%d].%s", n, field)) }

// ranked are a lot's scored bids in the order the award ranks them: total
// score, then the lower price, then the provider id.
func ranked(bids []*frameworkv1.Bid) []*frameworkv1.Bid {
	var out []*frameworkv1.Bid
	for _, b := range bids {
		if b.GetScored() {
			out = append(out, b)
		}
	}
	slices.SortStableFunc(out, func(a, b *frameworkv1.Bid) int {
		switch {
		case a.GetTotalScore() != b.GetTotalScore():
			if a.GetTotalScore() > b.GetTotalScore() {
				return -1
			}
			return 1
		case a.GetWeeklyPricePence() != b.GetWeeklyPricePence():
			if a.GetWeeklyPricePence() < b.GetWeeklyPricePence() {
				return -1
			}
			return 1
		}
		return strings.Compare(a.GetProviderId(), b.GetProviderId())
	})
	return out
}

// award is the award: for each lot its scored bids ranked, the providers
// to admit (every one at or above the lot's quality threshold, to start
// with), and the reason.
func (s *Server) award(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	all, err := s.bidsByLot(q, fw)
	if err != nil {
		return err
	}
	var v url.Values
	if q.r.Method == http.MethodPost {
		if err := q.r.ParseForm(); err != nil {
			return err
		}
		v = q.r.PostForm
	}
	build := func(errs []view.FieldError) []view.AwardLot {
		var lots []view.AwardLot
		for i, l := range fw.GetLots() {
			id := l.GetTerms().GetLotId()
			al := view.AwardLot{Lot: l, Index: i, Field: view.Field{ID: view.FieldID(fmt.Sprintf("lots[%d].provider_ids", i)),
				Label: "Providers to admit to " + l.GetTerms().GetName(), Hint: "In rank order. Only bids at or above the quality threshold of " +
					strconv.Itoa(int(l.GetTerms().GetQualityThreshold())) + " can be admitted.", Errors: errs}}
			for _, b := range all[id] {
				if !b.GetScored() {
					al.Unscored++
				}
			}
			for rank, b := range ranked(all[id]) {
				name := providerName(b.GetProviderName(), b.GetProviderId())
				eligible := b.GetQualityScore() >= l.GetTerms().GetQualityThreshold()
				al.Rows = append(al.Rows, view.AwardRow{Rank: rank + 1, Bid: b, Provider: name, Eligible: eligible})
				if eligible {
					al.Field.Options = append(al.Field.Options, view.Option{Value: b.GetProviderId(), Text: fmt.Sprintf("%d. %s", rank+1, name),
						Hint: fmt.Sprintf("Total score %.2f: quality %d, price %.2f; %s a week", b.GetTotalScore(), b.GetQualityScore(), b.GetPriceScore(), view.Pounds(b.GetWeeklyPricePence()))})
					if v == nil {
						al.Field.Values = append(al.Field.Values, b.GetProviderId())
					}
				}
			}
			if v != nil {
				al.Field.Values = v[al.Field.ID]
			}
			lots = append(lots, al)
		}
		return lots
	}
	show := func(errs []view.FieldError, requestID string) error {
		q.page.Title = "Award the framework"
		form := view.AwardForm{Framework: fw, Lots: build(errs), RequestID: requestID, Version: strconv.FormatUint(fw.GetVersion(), 10),
			Reason: view.Field{ID: "reason", Label: "Reason for the award", Hint: "It is recorded with the award, in the framework's decision history.", Value: v.Get("reason"), Errors: errs},
			Notice: view.DateField{ID: "notice_published_on", Label: "When was the contract award notice published? (optional)",
				Hint: "Leave it blank if it is published today. The standstill period of 8 working days starts that day, and the framework can be activated only after it. For example, 3 12 2026",
				Day:  v.Get("notice_published_on-day"), Month: v.Get("notice_published_on-month"), Year: v.Get("notice_published_on-year"), Errors: errs},
			Open: fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING}
		return q.render(view.Award(q.page, form))
	}
	if q.r.Method == http.MethodGet {
		return show(nil, newRequestID())
	}
	var lots []*frameworkv1.LotAwardDecision
	var formIndex []int // the form's lot index of each decision sent
	admitted := 0
	for i, l := range fw.GetLots() {
		chosen := v[view.FieldID(fmt.Sprintf("lots[%d].provider_ids", i))]
		if len(chosen) == 0 {
			continue
		}
		lots = append(lots, &frameworkv1.LotAwardDecision{LotId: l.GetTerms().GetLotId(), ProviderIds: chosen})
		formIndex = append(formIndex, i)
		admitted += len(chosen)
	}
	var p problems
	if len(lots) == 0 {
		p.add(view.FieldID("lots[0].provider_ids"), "Select at least one provider to admit")
	}
	if strings.TrimSpace(v.Get("reason")) == "" {
		p.add("reason", "Enter the reason for the award")
	}
	notice, ok := sstNoticeDay(v)
	if !ok {
		p.add("notice_published_on-day", "Enter the date the contract award notice was published as a real date, for example 3 12 2026, or leave it blank")
	}
	if len(p) > 0 {
		return q.refuse(func(p []view.FieldError) error { return show(p, formRequestID(q.r)) }, p...)
	}
	version, _ := strconv.ParseUint(v.Get("version"), 10, 64)
	banner := fmt.Sprintf("Framework awarded: %s admitted to %s", countWords(admitted, "provider", "providers"), countWords(len(lots), "lot", "lots"))
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.framework.AwardFramework(q.ctx, &frameworkv1.AwardFrameworkRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(),
			Lots: lots, Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version, NoticePublishedOn: notice})
		err = mapFields(err, func(path string) string {
			var k int
			var rest string
			if n, _ := fmt.Sscanf(path, "lots[%d]", &k); n == 1 && k < len(formIndex) {
				_, rest, _ = strings.Cut(path, "]")
				return fmt.Sprintf("lots[%d]%s", formIndex[k], rest)
			}
			if path == "notice_published_on" {
				return "notice_published_on-day"
			}
			return path
		})
		return res.GetPosition(), inWords(err, fw)
	}, "/frameworks/"+fw.GetFrameworkId(), banner, func(errs []view.FieldError) error {
		if now, err := s.framework.GetFramework(q.ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw.GetFrameworkId()}); err == nil {
			fw = now
		}
		return show(errs, formRequestID(q.r))
	})
}

// sstNoticeDay is the award form's notice day, YYYY-MM-DD: "" when left
// blank (the service takes today), ok false when it is not a date.
func sstNoticeDay(v url.Values) (day string, ok bool) {
	parts := []string{strings.TrimSpace(v.Get("notice_published_on-day")), strings.TrimSpace(v.Get("notice_published_on-month")), strings.TrimSpace(v.Get("notice_published_on-year"))}
	if parts[0] == "" && parts[1] == "" && parts[2] == "" {
		return "", true
	}
	return parseDate(parts)
}
