package domain

import (
	"maps"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// SettingState is a setting's monitoring record: what the rules need of it.
type SettingState struct {
	// Revision of the latest return per period.
	Returns map[string]uint32
	// Judgements by inspection date, and the latest.
	Judgements  map[string]purchasingv1.OfstedGrade
	LatestGrade purchasingv1.OfstedGrade
	LatestDate  string
	Visits      int
	Incidents   int
}

// EvolveSetting applies one event (FoldSetting of one).
func EvolveSetting(s SettingState, e proto.Message) SettingState {
	return FoldSetting(s, []proto.Message{e})
}

// FoldSetting applies events in order. It never changes the state it is
// given: it copies the returns and judgements once and changes the copy,
// so a state may be shared and a long stream loads in linear time.
func FoldSetting(s SettingState, events []proto.Message) SettingState {
	s.Returns, s.Judgements = maps.Clone(s.Returns), maps.Clone(s.Judgements)
	for _, e := range events {
		s.apply(e)
	}
	return s
}

// apply changes s, which must be the caller's own copy, by one event.
func (s *SettingState) apply(e proto.Message) {
	switch e := e.(type) {
	case *monitoringv1.MonitoringReturnSubmitted:
		if s.Returns == nil {
			s.Returns = map[string]uint32{}
		}
		s.Returns[e.GetPeriod()] = e.GetRevision()
	case *monitoringv1.OfstedJudgementRecorded:
		if s.Judgements == nil {
			s.Judgements = map[string]purchasingv1.OfstedGrade{}
		}
		s.Judgements[e.GetInspectionDate()] = e.GetGrade()
		if e.GetInspectionDate() >= s.LatestDate {
			s.LatestGrade, s.LatestDate = e.GetGrade(), e.GetInspectionDate()
		}
	case *monitoringv1.QualityVisitRecorded:
		s.Visits++
	case *monitoringv1.IncidentNotified:
		s.Incidents++
	}
}

// SettingFacts are what the rules need to know about a setting from
// elsewhere: its provider (from purchasing's register) and whether the
// acting council places there.
type SettingFacts struct {
	URN        string
	ProviderID string
	// CouncilPlaces: the acting council has, or had, a placement at the
	// setting.
	CouncilPlaces bool
	// LeadWorksWith: the acting consortium lead's consortium works with the
	// setting's provider (a DPS membership, a framework lot, a contract).
	LeadWorksWith bool
}

// ownedBy checks that a provider actor acts for the setting's provider.
func (f SettingFacts) ownedBy(a Actor) error {
	if a.Provider() != f.ProviderID {
		return domainerr.Rule(RuleNotSettingProvider, "setting %s belongs to another provider: a provider files for its own settings", f.URN)
	}
	return nil
}

// SubmitReturn is a provider's monthly return for one setting.
type SubmitReturn struct {
	Actor      Actor
	Now        time.Time
	Facts      SettingFacts
	Period     string
	Figures    *monitoringv1.ReturnFigures
	Correction bool
	// DueWorkingDays is the policy's working days after the month's end.
	DueWorkingDays int
}

// DecideReturn decides SubmitReturn.
func DecideReturn(s SettingState, c SubmitReturn) ([]proto.Message, error) {
	if err := c.Facts.ownedBy(c.Actor); err != nil {
		return nil, err
	}
	m, ok := ParseMonth(c.Period)
	if !ok {
		return nil, domainerr.Field("period", "%q is not a month YYYY-MM", c.Period)
	}
	today := Today(c.Now)
	if m.Last().Format(DateLayout) >= today {
		return nil, domainerr.Rule(RulePeriodNotEnded, "the return for %s can be filed from %s, once the month has ended", c.Period, m.Last().AddDate(0, 0, 1).Format(DateLayout))
	}
	prev := s.Returns[c.Period]
	switch {
	case prev > 0 && !c.Correction:
		return nil, domainerr.Rule(RuleReturnAlreadyFiled, "the return for %s was already filed; set correction to replace it", c.Period)
	case prev == 0 && c.Correction:
		return nil, domainerr.Rule(RuleNothingToCorrect, "there is no return for %s to correct", c.Period)
	}
	if err := consistent(c.Figures); err != nil {
		return nil, err
	}
	due := DueOn(m, c.DueWorkingDays).Format(DateLayout)
	return []proto.Message{&monitoringv1.MonitoringReturnSubmitted{
		Urn: c.Facts.URN, ProviderId: c.Facts.ProviderID, Period: c.Period, Figures: c.Figures,
		DueOn: due, Late: today > due, SubmittedAt: timestamppb.New(c.Now), Revision: prev + 1,
	}}, nil
}

// consistent checks the figures against each other (each is range-checked
// by the API).
func consistent(f *monitoringv1.ReturnFigures) error {
	switch {
	case f.GetOccupiedPlaces() > float64(f.GetRegisteredPlaces()):
		return domainerr.Rule(RuleFiguresInconsistent, "occupied places (%.1f) exceed registered places (%d)", f.GetOccupiedPlaces(), f.GetRegisteredPlaces())
	case f.GetComplaintsUpheld() > f.GetComplaints():
		return domainerr.Rule(RuleFiguresInconsistent, "complaints upheld (%d) exceed complaints (%d)", f.GetComplaintsUpheld(), f.GetComplaints())
	case f.GetChildrenRepeatedlyMissing()*3 > f.GetMissingEpisodes():
		return domainerr.Rule(RuleFiguresInconsistent, "%d children missing three times or more need at least %d missing episodes, not %d",
			f.GetChildrenRepeatedlyMissing(), f.GetChildrenRepeatedlyMissing()*3, f.GetMissingEpisodes())
	case f.GetFeedbackResponses() == 0 && f.GetFeedbackScore() != 0:
		return domainerr.Rule(RuleFiguresInconsistent, "a feedback score needs feedback responses")
	case f.GetFeedbackResponses() > 0 && f.GetFeedbackScore() < 1:
		return domainerr.Rule(RuleFiguresInconsistent, "with %d feedback responses the mean score is between 1 and 5", f.GetFeedbackResponses())
	}
	return nil
}

// RecordOfsted records an Ofsted judgement of a setting.
type RecordOfsted struct {
	Actor          Actor
	Now            time.Time
	Facts          SettingFacts
	Grade          purchasingv1.OfstedGrade
	InspectionDate string
	InspectionType string
}

// DecideOfsted decides RecordOfsted. The same judgement recorded again
// (same date and grade) changes nothing; a different grade for a date
// already recorded is refused.
func DecideOfsted(s SettingState, c RecordOfsted) ([]proto.Message, error) {
	// A judgement is a fact from Ofsted, not a buyer's opinion: it suspends
	// providers, so only the platform's feed of published judgements records one.
	if c.Actor.Organisation != "platform" {
		return nil, domainerr.Forbidden("only the platform records Ofsted judgements, as Ofsted publishes them; councils record quality visits")
	}
	if c.InspectionDate > Today(c.Now) {
		return nil, domainerr.Rule(RuleDateInFuture, "inspection date %s is in the future", c.InspectionDate)
	}
	if g, ok := s.Judgements[c.InspectionDate]; ok {
		if g == c.Grade {
			return nil, nil
		}
		return nil, domainerr.Rule(RuleJudgementRecorded, "a judgement of %s on %s is already recorded", gradeName(g), c.InspectionDate)
	}
	prev := purchasingv1.OfstedGrade_OFSTED_GRADE_UNSPECIFIED
	if d := latestBefore(s, c.InspectionDate); d != "" {
		prev = s.Judgements[d]
	}
	return []proto.Message{&monitoringv1.OfstedJudgementRecorded{
		Urn: c.Facts.URN, ProviderId: c.Facts.ProviderID, Grade: c.Grade, InspectionDate: c.InspectionDate,
		InspectionType: c.InspectionType, PreviousGrade: prev,
	}}, nil
}

func latestBefore(s SettingState, date string) string {
	best := ""
	for d := range s.Judgements {
		if d < date && d > best {
			best = d
		}
	}
	return best
}

func gradeName(g purchasingv1.OfstedGrade) string {
	switch g {
	case purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING:
		return "Outstanding"
	case purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD:
		return "Good"
	case purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT:
		return "Requires improvement"
	case purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE:
		return "Inadequate"
	}
	return "not graded"
}

// RecordVisit is a quality-assurance visit by a placing council's officer or
// by a consortium lead.
type RecordVisit struct {
	Actor      Actor
	Now        time.Time
	Facts      SettingFacts
	VisitID    string
	VisitedOn  string
	Rating     monitoringv1.VisitRating
	Findings   string
	Actions    []*monitoringv1.VisitAction
	FollowUpOn string
}

// DecideVisit decides RecordVisit.
func DecideVisit(_ SettingState, c RecordVisit) ([]proto.Message, error) {
	switch {
	case c.Actor.Council() != "" && c.Facts.CouncilPlaces, c.Actor.Consortium() != "" && c.Facts.LeadWorksWith:
	case c.Actor.Consortium() != "":
		return nil, domainerr.Rule(RuleNotPlacedThere, "your consortium does not work with the provider of setting %s", c.Facts.URN)
	default:
		return nil, domainerr.Rule(RuleNotPlacedThere, "your council has no placement at setting %s: quality visits are made by placing councils", c.Facts.URN)
	}
	if c.VisitedOn > Today(c.Now) {
		return nil, domainerr.Rule(RuleDateInFuture, "visit date %s is in the future", c.VisitedOn)
	}
	if c.FollowUpOn != "" && c.FollowUpOn < c.VisitedOn {
		return nil, domainerr.Rule(RuleFollowUpBeforeVisit, "follow-up date %s is before the visit on %s", c.FollowUpOn, c.VisitedOn)
	}
	for i, a := range c.Actions {
		if a.GetDueOn() < c.VisitedOn {
			// The action's own words stay out of the message: user text is
			// never echoed into errors or logs.
			return nil, domainerr.Rule(RuleFollowUpBeforeVisit, "action %d is due on %s, before the visit on %s", i+1, a.GetDueOn(), c.VisitedOn)
		}
	}
	return []proto.Message{&monitoringv1.QualityVisitRecorded{
		Urn: c.Facts.URN, ProviderId: c.Facts.ProviderID, VisitId: c.VisitID, Council: c.Actor.Council(), Consortium: c.Actor.Consortium(), VisitedOn: c.VisitedOn,
		Rating: c.Rating, Findings: c.Findings, Actions: c.Actions, FollowUpOn: c.FollowUpOn,
	}}, nil
}

// SeriousIncident reports whether an incident type counts as serious for
// the early-warning indicator.
func SeriousIncident(t monitoringv1.IncidentType) bool {
	switch t {
	case monitoringv1.IncidentType_INCIDENT_TYPE_DEATH, monitoringv1.IncidentType_INCIDENT_TYPE_SERIOUS_INJURY,
		monitoringv1.IncidentType_INCIDENT_TYPE_ALLEGATION_AGAINST_STAFF, monitoringv1.IncidentType_INCIDENT_TYPE_CHILD_SEXUAL_EXPLOITATION:
		return true
	}
	return false
}

// NotifyIncident is a provider telling of a notifiable incident.
type NotifyIncident struct {
	Actor      Actor
	Now        time.Time
	Facts      SettingFacts
	IncidentID string
	Type       monitoringv1.IncidentType
	OccurredOn string
	Summary    string
}

// DecideIncident decides NotifyIncident.
func DecideIncident(_ SettingState, c NotifyIncident) ([]proto.Message, error) {
	if err := c.Facts.ownedBy(c.Actor); err != nil {
		return nil, err
	}
	if c.OccurredOn > Today(c.Now) {
		return nil, domainerr.Rule(RuleDateInFuture, "occurred_on %s is in the future", c.OccurredOn)
	}
	return []proto.Message{&monitoringv1.IncidentNotified{
		Urn: c.Facts.URN, ProviderId: c.Facts.ProviderID, IncidentId: c.IncidentID, Type: c.Type,
		OccurredOn: c.OccurredOn, Summary: c.Summary, Serious: SeriousIncident(c.Type),
	}}, nil
}

// RecordFeedback is feedback from a child, family or professional, recorded
// by a placing council or the provider.
type RecordFeedback struct {
	Actor      Actor
	Now        time.Time
	Facts      SettingFacts
	From       monitoringv1.FeedbackFrom
	Score      uint32
	Themes     []string
	ReceivedOn string
}

// DecideFeedback decides RecordFeedback.
func DecideFeedback(_ SettingState, c RecordFeedback) ([]proto.Message, error) {
	by := c.Actor.Council()
	if by == "" {
		if err := c.Facts.ownedBy(c.Actor); err != nil {
			return nil, err
		}
		by = c.Actor.Organisation
	} else if !c.Facts.CouncilPlaces {
		return nil, domainerr.Rule(RuleNotPlacedThere, "your council has no placement at setting %s", c.Facts.URN)
	}
	if c.ReceivedOn > Today(c.Now) {
		return nil, domainerr.Rule(RuleDateInFuture, "received_on %s is in the future", c.ReceivedOn)
	}
	return []proto.Message{&monitoringv1.FeedbackRecorded{
		Urn: c.Facts.URN, ProviderId: c.Facts.ProviderID, From: c.From, Score: c.Score, Themes: c.Themes,
		ReceivedOn: c.ReceivedOn, RecordedBy: by,
	}}, nil
}
