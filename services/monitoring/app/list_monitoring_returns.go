package app

import (
	"context"
	"sort"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// ListMonitoringReturns lists a setting's returns, latest revision of each
// month, to its provider, the councils placing there, the leads of the
// consortia the provider works with and the platform.
func (s *Service) ListMonitoringReturns(ctx context.Context, p auth.Principal, urn, fromPeriod, toPeriod string, minPosition uint64) (*monitoringv1.ListMonitoringReturnsResponse, error) {
	out := &monitoringv1.ListMonitoringReturnsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		st, err := m.visibleSetting(p, urn)
		if err != nil {
			return err
		}
		from, to := fromPeriod, toPeriod
		if from == "" && to == "" {
			// The last 12 months with returns.
			if n := len(st.evidence.Months); n > 0 {
				last := st.evidence.First + domain.Month(n-1)
				from, to = (last - 11).String(), last.String()
			}
		}
		for _, rr := range st.returns {
			if period := rr.month.String(); (from == "" || period >= from) && (to == "" || period <= to) {
				r := rr.decode()
				out.Returns = append(out.Returns, &monitoringv1.MonitoringReturn{
					Urn: r.GetUrn(), ProviderId: r.GetProviderId(), Period: r.GetPeriod(), Figures: proto.Clone(r.GetFigures()).(*monitoringv1.ReturnFigures),
					DueOn: r.GetDueOn(), Late: st.evidence.Month(rr.month).Late, SubmittedAt: r.GetSubmittedAt(), Revision: r.GetRevision(),
				})
			}
		}
		sort.Slice(out.Returns, func(i, j int) bool { return out.Returns[i].GetPeriod() < out.Returns[j].GetPeriod() })
		return nil
	})
	out.Position = pos
	return out, err
}
