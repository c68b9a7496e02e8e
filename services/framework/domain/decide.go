package domain

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/carecoop/carecoop/services/kit/domainerr"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
)

const (
	statusDraft      = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT
	statusOpen       = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS
	statusEvaluating = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING
	statusAwarded    = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED
	statusActive     = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE
	statusExtended   = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED
	statusExpired    = frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED
)

// Decide decides a command against the framework's state: the events to
// append, or why not (a *domainerr.Error). It never changes s.
func Decide(s State, c Command) ([]proto.Message, error) {
	if c == nil {
		return nil, fmt.Errorf("framework: no command")
	}
	return c.decide(s)
}

// one wraps a single event.
func one(e proto.Message) ([]proto.Message, error) { return []proto.Message{e}, nil }

// describeStatus is a status in words, for messages.
func describeStatus(st frameworkv1.FrameworkStatus) string {
	switch st {
	case statusDraft:
		return "a draft"
	case statusOpen:
		return "open for bids"
	case statusEvaluating:
		return "being evaluated"
	case statusAwarded:
		return "awarded"
	case statusActive:
		return "active"
	case statusExtended:
		return "active (extended)"
	case statusExpired:
		return "expired"
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_TERMINATED:
		return "terminated"
	}
	return "not yet drafted"
}

func (s State) exists() error {
	if !s.Exists() {
		return domainerr.Missing(MissingFramework, "there is no such framework: check the framework id, or draft the framework first")
	}
	return nil
}

func (s State) notEnded() error {
	if s.Ended() {
		return domainerr.Rule(RuleEnded, "framework %s is %s: nothing can change it any more; draft a new framework instead", s.FrameworkID, describeStatus(s.Status))
	}
	return nil
}

// lead admits the lead of the framework's own consortium, on a framework
// that exists and has not ended.
func (s State) lead(a Actor) error {
	if err := s.exists(); err != nil {
		return err
	}
	if !a.isLeadOf(s.Consortium) {
		return domainerr.Forbidden("only the lead of the consortium that runs framework %s manages it; you act as %s", s.FrameworkID, a.describe())
	}
	return s.notEnded()
}

// provider admits a provider admin, on a framework that exists and has not
// ended, and returns its provider id.
func (s State) provider(a Actor, doing string) (string, error) {
	if err := s.exists(); err != nil {
		return "", err
	}
	id := a.provider()
	if a.Role != RoleProviderAdmin || id == "" {
		return "", domainerr.Forbidden("only a provider admin, acting for a provider, may %s; you act as %s", doing, a.describe())
	}
	return id, s.notEnded()
}

func required(path, value, what string) error {
	if strings.TrimSpace(value) == "" {
		return domainerr.Field(path, "give %s", what)
	}
	return nil
}

func requireReason(reason string) error {
	return required("reason", reason, "a reason: it is recorded with the decision for the governance record")
}

func (s State) lot(lotID string) (*frameworkv1.LotTerms, error) {
	l, ok := s.Lot(lotID)
	if !ok {
		return nil, domainerr.Missing(MissingLot, "framework %s has no lot %q: use one of %s", s.FrameworkID, lotID, strings.Join(s.lotIDs(), ", "))
	}
	return l, nil
}

func (s State) lotIDs() []string {
	ids := make([]string, 0, len(s.Terms.GetLots()))
	for _, l := range s.Terms.GetLots() {
		ids = append(ids, l.GetLotId())
	}
	return ids
}

func (s State) isRunning() bool { return s.Status == statusActive || s.Status == statusExtended }

func (c DraftFramework) decide(s State) ([]proto.Message, error) {
	slug := c.Actor.consortium()
	if c.Actor.Role != RoleConsortiumLead || slug == "" {
		return nil, domainerr.Forbidden("only a consortium lead drafts frameworks; you act as %s", c.Actor.describe())
	}
	if s.Exists() {
		return nil, domainerr.Rule(RuleAlreadyExists, "framework %s already exists (it is %s): draft with a new request id, or amend the existing draft", s.FrameworkID, describeStatus(s.Status))
	}
	if err := required("framework_id", c.FrameworkID, "the framework an id"); err != nil {
		return nil, err
	}
	if err := validateTerms(c.Terms); err != nil {
		return nil, err
	}
	return one(&frameworkv1.FrameworkDrafted{FrameworkId: c.FrameworkID, Consortium: slug, Terms: proto.CloneOf(c.Terms)})
}

func (c AmendFramework) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	if s.Status != statusDraft {
		return nil, domainerr.Rule(RuleAmendOnlyDraft, "framework %s is %s: its terms can be amended only while it is a draft", s.FrameworkID, describeStatus(s.StatusAt(c.Now)))
	}
	if err := validateTerms(c.Terms); err != nil {
		return nil, err
	}
	return one(&frameworkv1.FrameworkAmended{FrameworkId: s.FrameworkID, Terms: proto.CloneOf(c.Terms), Reason: c.Reason})
}

func checkLACode(code string) error {
	if !isLACode(code) {
		return domainerr.Field("la_code", "%q is not an LA code: use the council's three-digit DfE code, e.g. \"352\"", code)
	}
	return nil
}

func (c AddMemberCouncil) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := checkLACode(c.LACode); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	if s.IsMember(c.LACode) {
		return nil, domainerr.Rule(RuleAlreadyMember, "council %s is already a member of framework %s", c.LACode, s.FrameworkID)
	}
	return one(&frameworkv1.MemberCouncilAdded{FrameworkId: s.FrameworkID, LaCode: c.LACode, Reason: c.Reason})
}

func (c RemoveMemberCouncil) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := checkLACode(c.LACode); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	if !s.IsMember(c.LACode) {
		return nil, domainerr.Rule(RuleNotMember, "council %s is not a member of framework %s; its members are %s", c.LACode, s.FrameworkID, strings.Join(s.MemberCouncils, ", "))
	}
	if len(s.MemberCouncils) == 1 {
		return nil, domainerr.Rule(RuleLastMemberCouncil, "council %s is the only member of framework %s: add another council before removing it, or terminate the framework", c.LACode, s.FrameworkID)
	}
	return one(&frameworkv1.MemberCouncilRemoved{FrameworkId: s.FrameworkID, LaCode: c.LACode, Reason: c.Reason})
}

func (c OpenForBids) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if c.BidsCloseAt.IsZero() {
		return nil, domainerr.Field("bids_close_at", "give the moment bidding closes")
	}
	if s.Status != statusDraft {
		return nil, domainerr.Rule(RuleOpenOnlyDraft, "framework %s is %s: only a draft opens for bids", s.FrameworkID, describeStatus(s.StatusAt(c.Now)))
	}
	if !c.BidsCloseAt.After(c.Now) {
		return nil, domainerr.Rule(RuleCloseInFuture, "bids_close_at %s is not in the future (now is %s): choose a later closing time",
			c.BidsCloseAt.UTC().Format("2006-01-02 15:04:05Z"), c.Now.UTC().Format("2006-01-02 15:04:05Z"))
	}
	return one(&frameworkv1.FrameworkOpenedForBids{FrameworkId: s.FrameworkID, BidsCloseAt: timestamppb.New(c.BidsCloseAt)})
}

func (c SubmitBid) decide(s State) ([]proto.Message, error) {
	providerID, err := s.provider(c.Actor, "bid")
	if err != nil {
		return nil, err
	}
	if err := required("lot_id", c.LotID, "the lot you bid on"); err != nil {
		return nil, err
	}
	if c.WeeklyPricePence <= 0 {
		return nil, domainerr.Field("weekly_price_pence", "give a weekly price above zero, in pence")
	}
	if len(c.QualityAnswers) == 0 {
		return nil, domainerr.Field("quality_answers", "answer the lot's quality questions: a bid needs at least one answer")
	}
	for i, a := range c.QualityAnswers {
		if strings.TrimSpace(a.GetAnswer()) == "" {
			return nil, domainerr.Field(fmt.Sprintf("quality_answers[%d]", i), "quality answer %d needs an answer", i+1)
		}
	}
	switch st := s.StatusAt(c.Now); st {
	case statusOpen:
	case statusDraft:
		return nil, domainerr.Rule(RuleNotOpenForBids, "framework %s has not opened for bids yet: bid once the consortium publishes it", s.FrameworkID)
	default:
		return nil, domainerr.Rule(RuleNoBidsAfterClose, "bidding on framework %s closed at %s: bids can no longer be submitted or amended",
			s.FrameworkID, s.BidsCloseAt.UTC().Format("2006-01-02 15:04:05Z"))
	}
	lot, err := s.lot(c.LotID)
	if err != nil {
		return nil, err
	}
	if band := lot.GetPriceBand(); c.WeeklyPricePence < band.GetMinWeeklyPence() || c.WeeklyPricePence > band.GetMaxWeeklyPence() {
		return nil, domainerr.Rule(RuleBidWithinPriceBand, "a weekly price of %s is outside lot %q's price band of %s to %s: bid within the band",
			pounds(c.WeeklyPricePence), c.LotID, pounds(band.GetMinWeeklyPence()), pounds(band.GetMaxWeeklyPence()))
	}
	answers, err := bidAnswers(s.Terms.GetQualityQuestions(), c.QualityAnswers)
	if err != nil {
		return nil, err
	}
	if _, amending := s.Bid(c.LotID, providerID); amending {
		return one(&frameworkv1.BidAmended{FrameworkId: s.FrameworkID, LotId: c.LotID, ProviderId: providerID, WeeklyPricePence: c.WeeklyPricePence, QualityAnswers: answers})
	}
	return one(&frameworkv1.BidSubmitted{FrameworkId: s.FrameworkID, LotId: c.LotID, ProviderId: providerID, WeeklyPricePence: c.WeeklyPricePence, QualityAnswers: answers})
}

// ScoreDecimals is the precision of every score: two decimal places, as an
// evaluation panel writes them (83.14, never 83.14193548387097).
const ScoreDecimals = 2

// roundScore rounds half away from zero to ScoreDecimals places.
func roundScore(x float64) float64 { return math.Round(x*100) / 100 }

// PriceScore is lowest ÷ price × 100, to two decimal places: 100 for the
// cheapest bid on a lot.
func PriceScore(lowestPence, pricePence int64) float64 {
	if pricePence <= 0 {
		return 0
	}
	return roundScore(float64(lowestPence) * 100 / float64(pricePence))
}

// TotalScore weighs the quality and price scores: (quality × quality weight
// + price score × price weight) / 100, to two decimal places.
func TotalScore(quality uint32, priceScore float64, qualityWeight, priceWeight uint32) float64 {
	return roundScore((float64(quality)*float64(qualityWeight) + priceScore*float64(priceWeight)) / 100)
}

func (c ScoreBid) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := required("lot_id", c.LotID, "the lot of the bid"); err != nil {
		return nil, err
	}
	if err := required("provider_id", c.ProviderID, "the provider whose bid you score"); err != nil {
		return nil, err
	}
	if c.QualityScore > 100 {
		return nil, domainerr.Field("quality_score", "a quality score of %d is out of range: score from 0 to 100", c.QualityScore)
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	switch st := s.StatusAt(c.Now); st {
	case statusEvaluating:
	case statusOpen:
		return nil, domainerr.Rule(RuleNoScoringBeforeClose, "bidding on framework %s closes at %s: score bids after it closes",
			s.FrameworkID, s.BidsCloseAt.UTC().Format("2006-01-02 15:04:05Z"))
	default:
		return nil, domainerr.Rule(RuleNotEvaluating, "framework %s is %s: bids are scored only between the close of bidding and the award", s.FrameworkID, describeStatus(st))
	}
	if _, err := s.lot(c.LotID); err != nil {
		return nil, err
	}
	bid, ok := s.Bid(c.LotID, c.ProviderID)
	if !ok {
		return nil, domainerr.Missing(MissingBid, "provider %s made no bid on lot %q of framework %s", c.ProviderID, c.LotID, s.FrameworkID)
	}
	lowest := bid.WeeklyPricePence
	for _, b := range s.bids[c.LotID] {
		lowest = min(lowest, b.WeeklyPricePence)
	}
	ps := PriceScore(lowest, bid.WeeklyPricePence)
	return one(&frameworkv1.BidScored{
		FrameworkId: s.FrameworkID, LotId: c.LotID, ProviderId: c.ProviderID,
		QualityScore: c.QualityScore, PriceScore: ps,
		TotalScore: TotalScore(c.QualityScore, ps, s.Terms.GetQualityWeight(), s.Terms.GetPriceWeight()),
		Reason:     c.Reason,
	})
}

func (c AwardFramework) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	if len(c.Lots) == 0 {
		return nil, domainerr.Field("lots", "name the providers to admit on at least one lot")
	}
	for i, l := range c.Lots {
		if err := required(fmt.Sprintf("lots[%d].lot_id", i), l.LotID, "the lot of each award decision"); err != nil {
			return nil, err
		}
		if len(l.ProviderIDs) == 0 {
			return nil, domainerr.Field(fmt.Sprintf("lots[%d].provider_ids", i), "name at least one provider to admit to lot %q", l.LotID)
		}
		for j, p := range l.ProviderIDs {
			if err := required(fmt.Sprintf("lots[%d].provider_ids[%d]", i, j), p, "each provider's id"); err != nil {
				return nil, err
			}
		}
	}
	notice, standstillEnds, err := sstPeriod(c.NoticePublishedOn, c.Now)
	if err != nil {
		return nil, err
	}
	switch st := s.StatusAt(c.Now); st {
	case statusEvaluating:
	case statusOpen:
		return nil, domainerr.Rule(RuleNoAwardBeforeClose, "bidding on framework %s closes at %s: award after it closes and the bids are scored",
			s.FrameworkID, s.BidsCloseAt.UTC().Format("2006-01-02 15:04:05Z"))
	default:
		return nil, domainerr.Rule(RuleNotEvaluating, "framework %s is %s: it can be awarded only once, after bidding closes", s.FrameworkID, describeStatus(st))
	}
	awarded := &frameworkv1.FrameworkAwarded{FrameworkId: s.FrameworkID, Reason: c.Reason,
		NoticePublishedOn: notice.Format(DateLayout), StandstillEnds: standstillEnds.Format(DateLayout)}
	named := map[string]bool{}
	for _, l := range c.Lots {
		lot, err := s.lot(l.LotID)
		if err != nil {
			return nil, err
		}
		if named[l.LotID] {
			return nil, domainerr.Rule(RuleLotAwardedOnce, "lot %q is named twice in the award: name each lot once with all its providers", l.LotID)
		}
		named[l.LotID] = true
		var bids []Bid
		for _, p := range l.ProviderIDs {
			b, ok := s.Bid(l.LotID, p)
			switch {
			case slices.ContainsFunc(bids, func(b Bid) bool { return b.ProviderID == p }):
				return nil, domainerr.Rule(RuleProviderNamedOnce, "provider %s is named twice for lot %q: name each provider once", p, l.LotID)
			case !ok:
				return nil, domainerr.Rule(RuleAwardRequiresScoredBid, "provider %s made no bid on lot %q: only providers with a scored bid can be admitted", p, l.LotID)
			case !b.Scored:
				return nil, domainerr.Rule(RuleAwardRequiresScoredBid, "the bid of provider %s on lot %q has not been scored: score it before the award", p, l.LotID)
			case b.QualityScore < lot.GetQualityThreshold():
				return nil, domainerr.Rule(RuleQualityThreshold, "provider %s scored %d for quality on lot %q, below the lot's threshold of %d: it cannot be admitted",
					p, b.QualityScore, l.LotID, lot.GetQualityThreshold())
			}
			bids = append(bids, b)
		}
		slices.SortFunc(bids, rankOrder)
		award := &frameworkv1.LotAward{LotId: l.LotID}
		for i, b := range bids {
			award.Admitted = append(award.Admitted, &frameworkv1.AdmittedProvider{
				ProviderId: b.ProviderID, Rank: uint32(i + 1), TotalScore: b.TotalScore, WeeklyPricePence: b.WeeklyPricePence,
			})
		}
		awarded.Lots = append(awarded.Lots, award)
	}
	return one(awarded)
}

// rankOrder ranks bids: total score descending, then lower price, then
// provider id.
func rankOrder(a, b Bid) int {
	switch {
	case a.TotalScore != b.TotalScore:
		if a.TotalScore > b.TotalScore {
			return -1
		}
		return 1
	case a.WeeklyPricePence != b.WeeklyPricePence:
		if a.WeeklyPricePence < b.WeeklyPricePence {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ProviderID, b.ProviderID)
}

func (c ActivateFramework) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	if s.Status != statusAwarded {
		return nil, domainerr.Rule(RuleActivateOnlyAwarded, "framework %s is %s: only an awarded framework can be activated", s.FrameworkID, describeStatus(s.StatusAt(c.Now)))
	}
	if err := s.sstOver(c.Now); err != nil {
		return nil, err
	}
	return one(&frameworkv1.FrameworkActivated{FrameworkId: s.FrameworkID, Reason: c.Reason})
}

func (c ExtendFramework) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	if !s.isRunning() {
		return nil, domainerr.Rule(RuleNotActive, "framework %s is %s: only an active framework can be extended", s.FrameworkID, describeStatus(s.StatusAt(c.Now)))
	}
	options := s.Terms.GetExtensionOptionsMonths()
	if s.ExtensionsUsed >= len(options) {
		return nil, domainerr.Rule(RuleNoExtensionLeft, "framework %s has used all %d of its extension options: it ends on %s", s.FrameworkID, len(options), s.CurrentEnd)
	}
	end, ok := parseDate(s.CurrentEnd)
	if !ok {
		return nil, fmt.Errorf("framework %s: current end %q is not a date", s.FrameworkID, s.CurrentEnd)
	}
	months := options[s.ExtensionsUsed]
	return one(&frameworkv1.FrameworkExtended{
		FrameworkId: s.FrameworkID, Months: months,
		NewEnd: AddMonths(end, int(months)).Format(DateLayout), Reason: c.Reason,
	})
}

func (c ExpireFramework) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if !s.isRunning() {
		return nil, domainerr.Rule(RuleNotActive, "framework %s is %s: only an active framework expires; terminate it instead", s.FrameworkID, describeStatus(s.StatusAt(c.Now)))
	}
	end, ok := parseDate(s.CurrentEnd)
	if !ok {
		return nil, fmt.Errorf("framework %s: current end %q is not a date", s.FrameworkID, s.CurrentEnd)
	}
	if !dateOf(c.Now).After(end) {
		return nil, domainerr.Rule(RuleNotYetEnded, "framework %s runs until %s inclusive: it can expire from the day after", s.FrameworkID, s.CurrentEnd)
	}
	return one(&frameworkv1.FrameworkExpired{FrameworkId: s.FrameworkID, End: s.CurrentEnd})
}

func (c TerminateFramework) decide(s State) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	return one(&frameworkv1.FrameworkTerminated{FrameworkId: s.FrameworkID, Reason: c.Reason})
}

func (c RequestPriceUplift) decide(s State) ([]proto.Message, error) {
	providerID, err := s.provider(c.Actor, "request a price uplift")
	if err != nil {
		return nil, err
	}
	if err := required("lot_id", c.LotID, "the lot the uplift is for"); err != nil {
		return nil, err
	}
	if c.RequestedWeeklyPence <= 0 {
		return nil, domainerr.Field("requested_weekly_pence", "give the requested weekly price above zero, in pence")
	}
	from, ok := parseDate(c.EffectiveFrom)
	if !ok {
		return nil, domainerr.Field("effective_from", "effective_from %q is not a date: write it as YYYY-MM-DD", c.EffectiveFrom)
	}
	if err := required("justification", c.Justification, "a justification for the uplift (e.g. the cost increases behind it)"); err != nil {
		return nil, err
	}
	if _, err := s.lot(c.LotID); err != nil {
		return nil, err
	}
	if !s.isRunning() {
		return nil, domainerr.Rule(RuleUpliftRequiresAdmission, "framework %s is %s: price uplifts are requested only while it is active", s.FrameworkID, describeStatus(s.StatusAt(c.Now)))
	}
	adm, ok := s.Admission(c.LotID, providerID)
	if !ok {
		return nil, domainerr.Rule(RuleUpliftRequiresAdmission, "provider %s is not admitted to lot %q: only admitted providers request price uplifts", providerID, c.LotID)
	}
	if adm.Suspended {
		return nil, domainerr.Rule(RuleUpliftRequiresAdmission, "provider %s is suspended from lot %q: it can request an uplift once reinstated", providerID, c.LotID)
	}
	if u, pending := s.pendingUplift(c.LotID, providerID); pending {
		return nil, domainerr.Rule(RuleOnePendingUplift, "uplift %s for lot %q is still awaiting a decision: wait for it before asking again", u.ID, c.LotID)
	}
	if c.RequestedWeeklyPence <= adm.WeeklyPricePence {
		return nil, domainerr.Rule(RuleUpliftMustIncrease, "the requested %s a week is not above the current %s on lot %q: ask for a higher price",
			pounds(c.RequestedWeeklyPence), pounds(adm.WeeklyPricePence), c.LotID)
	}
	if today := dateOf(c.Now); from.Before(today) {
		return nil, domainerr.Rule(RuleUpliftNotBackdated, "effective_from %s is in the past: an uplift takes effect from today (%s) or later",
			c.EffectiveFrom, today.Format(DateLayout))
	}
	return one(&frameworkv1.PriceUpliftRequested{
		FrameworkId: s.FrameworkID, UpliftId: upliftID(len(s.uplifts) + 1), LotId: c.LotID, ProviderId: providerID,
		CurrentWeeklyPence: adm.WeeklyPricePence, RequestedWeeklyPence: c.RequestedWeeklyPence,
		EffectiveFrom: c.EffectiveFrom, Justification: c.Justification,
	})
}

// pendingToDecide finds the pending uplift a lead approves or rejects.
func (s State) pendingToDecide(actor Actor, id, reason string) (Uplift, error) {
	if err := s.lead(actor); err != nil {
		return Uplift{}, err
	}
	if err := required("uplift_id", id, "the id of the uplift, e.g. \"up-1\""); err != nil {
		return Uplift{}, err
	}
	if err := requireReason(reason); err != nil {
		return Uplift{}, err
	}
	u, ok := s.Uplift(id)
	if !ok {
		return Uplift{}, domainerr.Missing(MissingUplift, "framework %s has no price uplift %q", s.FrameworkID, id)
	}
	if u.Status != frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING {
		verb := "approved"
		if u.Status == frameworkv1.UpliftStatus_UPLIFT_STATUS_REJECTED {
			verb = "rejected"
		}
		return Uplift{}, domainerr.Rule(RuleUpliftNotPending, "uplift %s was already %s: the provider may request a new one", id, verb)
	}
	return u, nil
}

func (c ApprovePriceUplift) decide(s State) ([]proto.Message, error) {
	u, err := s.pendingToDecide(c.Actor, c.UpliftID, c.Reason)
	if err != nil {
		return nil, err
	}
	return one(&frameworkv1.PriceUpliftApproved{
		FrameworkId: s.FrameworkID, UpliftId: u.ID, LotId: u.LotID, ProviderId: u.ProviderID,
		NewWeeklyPence: u.RequestedWeeklyPence, EffectiveFrom: u.EffectiveFrom, Reason: c.Reason,
	})
}

func (c RejectPriceUplift) decide(s State) ([]proto.Message, error) {
	u, err := s.pendingToDecide(c.Actor, c.UpliftID, c.Reason)
	if err != nil {
		return nil, err
	}
	return one(&frameworkv1.PriceUpliftRejected{FrameworkId: s.FrameworkID, UpliftId: u.ID, LotId: u.LotID, ProviderId: u.ProviderID, Reason: c.Reason})
}

// admissionToChange finds the admission a lead suspends or reinstates.
func (s State) admissionToChange(actor Actor, now time.Time, lotID, providerID, reason string) (Admission, error) {
	if err := s.lead(actor); err != nil {
		return Admission{}, err
	}
	if err := required("lot_id", lotID, "the lot"); err != nil {
		return Admission{}, err
	}
	if err := required("provider_id", providerID, "the provider"); err != nil {
		return Admission{}, err
	}
	if err := requireReason(reason); err != nil {
		return Admission{}, err
	}
	if s.Status != statusAwarded && !s.isRunning() {
		return Admission{}, domainerr.Rule(RuleNotAwarded, "framework %s is %s: providers are suspended or reinstated only after the award", s.FrameworkID, describeStatus(s.StatusAt(now)))
	}
	if _, err := s.lot(lotID); err != nil {
		return Admission{}, err
	}
	a, ok := s.Admission(lotID, providerID)
	if !ok {
		return Admission{}, domainerr.Rule(RuleNotAdmitted, "provider %s is not admitted to lot %q of framework %s", providerID, lotID, s.FrameworkID)
	}
	return a, nil
}

func (c SuspendProvider) decide(s State) ([]proto.Message, error) {
	a, err := s.admissionToChange(c.Actor, c.Now, c.LotID, c.ProviderID, c.Reason)
	if err != nil {
		return nil, err
	}
	if a.Suspended {
		return nil, domainerr.Rule(RuleAlreadySuspended, "provider %s is already suspended from lot %q: the reason is in the decision log", c.ProviderID, c.LotID)
	}
	return one(&frameworkv1.ProviderSuspendedFromLot{FrameworkId: s.FrameworkID, LotId: c.LotID, ProviderId: c.ProviderID, Reason: c.Reason})
}

func (c ReinstateProvider) decide(s State) ([]proto.Message, error) {
	a, err := s.admissionToChange(c.Actor, c.Now, c.LotID, c.ProviderID, c.Reason)
	if err != nil {
		return nil, err
	}
	if !a.Suspended {
		return nil, domainerr.Rule(RuleNotSuspended, "provider %s is not suspended from lot %q: there is nothing to reinstate", c.ProviderID, c.LotID)
	}
	return one(&frameworkv1.ProviderReinstatedOnLot{FrameworkId: s.FrameworkID, LotId: c.LotID, ProviderId: c.ProviderID, Reason: c.Reason})
}

func (c ApplyRiskAction) decide(s State) ([]proto.Message, error) {
	if err := s.exists(); err != nil {
		return nil, err
	}
	if !c.Actor.isPolicyOf(s.Consortium) {
		return nil, domainerr.Forbidden("only the early-warning policy of the consortium that runs framework %s suspends on it; you act as %s", s.FrameworkID, c.Actor.describe())
	}
	if err := required("provider_id", c.ProviderID, "the provider"); err != nil {
		return nil, err
	}
	if err := requireReason(c.Reason); err != nil {
		return nil, err
	}
	// Lots are live only from the award until the framework ends, as for
	// the lead's suspensions.
	if s.Status != statusAwarded && !s.isRunning() {
		return nil, nil
	}
	var out []proto.Message
	for _, l := range s.Terms.GetLots() {
		a, ok := s.Admission(l.GetLotId(), c.ProviderID)
		switch {
		case !ok:
		case c.Suspend && !a.Suspended:
			out = append(out, &frameworkv1.ProviderSuspendedFromLot{FrameworkId: s.FrameworkID, LotId: l.GetLotId(), ProviderId: c.ProviderID,
				Reason: c.Reason, ByMonitoring: true})
		case !c.Suspend && a.Suspended && a.ByMonitoring:
			out = append(out, &frameworkv1.ProviderReinstatedOnLot{FrameworkId: s.FrameworkID, LotId: l.GetLotId(), ProviderId: c.ProviderID,
				Reason: c.Reason, ByMonitoring: true})
		}
	}
	return out, nil
}
