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
// consortia the provider works with and the platform. Returns older than
// the model holds whole are read from the setting's stream, as the model's
// position saw them.
func (s *Service) ListMonitoringReturns(ctx context.Context, p auth.Principal, urn, fromPeriod, toPeriod string, minPosition uint64) (*monitoringv1.ListMonitoringReturnsResponse, error) {
	out := &monitoringv1.ListMonitoringReturnsResponse{}
	// stored: months in range left in the store, with whether each was late.
	stored := map[domain.Month]bool{}
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
		in := func(mo domain.Month) bool {
			period := mo.String()
			return (from == "" || period >= from) && (to == "" || period <= to)
		}
		st.old.each(func(r oldReturn) bool {
			if in(r.month) {
				stored[r.month] = st.evidence.Month(r.month).Late
			}
			return true
		})
		for _, rr := range st.returns {
			if in(rr.month) {
				out.Returns = append(out.Returns, returnView(rr.decode(), st.evidence.Month(rr.month).Late))
			}
		}
		return nil
	})
	if err == nil && len(stored) > 0 {
		err = s.storedReturns(ctx, urn, pos, stored, out)
	}
	sort.Slice(out.Returns, func(i, j int) bool { return out.Returns[i].GetPeriod() < out.Returns[j].GetPeriod() })
	out.Position = pos
	return out, err
}

// storedReturns adds to out the latest revision, as at pos, of each of
// the setting's months in want, read from its stream.
func (s *Service) storedReturns(ctx context.Context, urn string, pos uint64, want map[domain.Month]bool, out *monitoringv1.ListMonitoringReturnsResponse) error {
	events, err := s.store.ReadStream(ctx, stream(SettingAggregate, urn))
	if err != nil {
		return err
	}
	latest := map[domain.Month]*monitoringv1.MonitoringReturnSubmitted{}
	for _, e := range events {
		r, ok := e.Event.(*monitoringv1.MonitoringReturnSubmitted)
		if !ok || e.Position > pos {
			continue
		}
		if mo, ok := domain.ParseMonth(r.GetPeriod()); ok {
			if _, wanted := want[mo]; wanted {
				latest[mo] = r
			}
		}
	}
	for mo, r := range latest {
		out.Returns = append(out.Returns, returnView(r, want[mo]))
	}
	return nil
}

func returnView(r *monitoringv1.MonitoringReturnSubmitted, late bool) *monitoringv1.MonitoringReturn {
	return &monitoringv1.MonitoringReturn{
		Urn: r.GetUrn(), ProviderId: r.GetProviderId(), Period: r.GetPeriod(), Figures: proto.Clone(r.GetFigures()).(*monitoringv1.ReturnFigures),
		DueOn: r.GetDueOn(), Late: late, SubmittedAt: r.GetSubmittedAt(), Revision: r.GetRevision(),
	}
}
