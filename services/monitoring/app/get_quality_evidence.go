package app

import (
	"context"
	"sort"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// GetQualityEvidence gathers a setting's quality evidence: Ofsted
// judgements, quality visits (follow-ups overdue flagged), incidents,
// feedback, and complaints from the last 12 months' returns.
func (s *Service) GetQualityEvidence(ctx context.Context, p auth.Principal, urn string, minPosition uint64) (*monitoringv1.QualityEvidence, error) {
	today := domain.Today(s.now())
	out := &monitoringv1.QualityEvidence{Urn: urn}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		st, err := m.visibleSetting(p, urn)
		if err != nil {
			return err
		}
		out.ProviderId, out.ProviderName = st.providerID, m.providerNames[st.providerID]
		visits := decodeEach(st.visits, func() *monitoringv1.QualityVisitRecorded { return &monitoringv1.QualityVisitRecorded{} })
		for _, j := range decodeEach(st.ofsted, func() *monitoringv1.OfstedJudgementRecorded { return &monitoringv1.OfstedJudgementRecorded{} }) {
			out.Ofsted = append(out.Ofsted, &monitoringv1.OfstedJudgement{Urn: j.GetUrn(), Grade: j.GetGrade(), InspectionDate: j.GetInspectionDate(), InspectionType: j.GetInspectionType()})
		}
		sort.Slice(out.Ofsted, func(i, j int) bool { return out.Ofsted[i].GetInspectionDate() > out.Ofsted[j].GetInspectionDate() })
		for _, v := range visits {
			out.Visits = append(out.Visits, &monitoringv1.QualityVisit{
				VisitId: v.GetVisitId(), Council: v.GetCouncil(), Consortium: v.GetConsortium(), VisitedOn: v.GetVisitedOn(), Rating: v.GetRating(), Findings: v.GetFindings(),
				Actions: v.GetActions(), FollowUpOn: v.GetFollowUpOn(), FollowUpOverdue: followUpOverdue(visits, v, today),
			})
		}
		for _, i := range decodeEach(st.incidents, func() *monitoringv1.IncidentNotified { return &monitoringv1.IncidentNotified{} }) {
			out.Incidents = append(out.Incidents, &monitoringv1.Incident{IncidentId: i.GetIncidentId(), Type: i.GetType(), OccurredOn: i.GetOccurredOn(), Summary: i.GetSummary(), Serious: i.GetSerious()})
		}
		for _, f := range decodeEach(st.feedback, func() *monitoringv1.FeedbackRecorded { return &monitoringv1.FeedbackRecorded{} }) {
			out.Feedback = append(out.Feedback, &monitoringv1.Feedback{From: f.GetFrom(), Score: f.GetScore(), Themes: f.GetThemes(), ReceivedOn: f.GetReceivedOn(), RecordedBy: f.GetRecordedBy()})
		}
		cur := domain.MonthOf(domain.ParseDate(today))
		for mo := cur - 12; mo < cur; mo++ {
			f := st.evidence.Month(mo)
			out.Complaints_12M += f.Complaints
			out.ComplaintsUpheld_12M += f.Upheld
		}
		return nil
	})
	out.Position = pos
	return out, err
}

// followUpOverdue: the follow-up date has passed and the same council (or
// consortium) has not visited again since.
func followUpOverdue(visits []*monitoringv1.QualityVisitRecorded, v *monitoringv1.QualityVisitRecorded, today string) bool {
	if v.GetFollowUpOn() == "" || v.GetFollowUpOn() >= today {
		return false
	}
	for _, later := range visits {
		if later.GetCouncil() == v.GetCouncil() && later.GetConsortium() == v.GetConsortium() && later.GetVisitedOn() > v.GetVisitedOn() {
			return false
		}
	}
	return true
}
