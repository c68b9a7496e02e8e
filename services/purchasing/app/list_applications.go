package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ListApplications lists a DPS's requests to participate with their
// 10-working-day deadline; undecided ones past it are overdue. The running
// consortium and the platform see all; a provider its own. The answers to
// the selection criteria go to the running consortium and the applicant
// (viewAnswersFor).
func (s *Service) ListApplications(ctx context.Context, p auth.Principal, dpsID string, overdueOnly bool, minPosition uint64) (*purchasingv1.ListApplicationsResponse, error) {
	out := &purchasingv1.ListApplicationsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		d := m.dps[dpsID]
		if d == nil || (!runsDps(p, d) && provider(p) == "") {
			return notFound("DPS", dpsID)
		}
		today := domain.Today(m.now())
		for _, mem := range d.order {
			if !runsDps(p, d) && provider(p) != mem.provider {
				continue
			}
			a := &purchasingv1.Application{DpsId: d.id, ProviderId: mem.provider, ProviderName: mem.providerName, CategoryId: mem.category,
				Status: mem.status, ReceivedOn: mem.receivedOn, DecisionDueOn: mem.dueOn, DecidedOn: mem.decidedOn, DecidedBy: mem.decidedBy, Reason: mem.reason,
				Answers: viewAnswersFor(p, d, mem)}
			if mem.decidedOn == "" && mem.status == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
				due, _ := time.Parse(domain.DateLayout, mem.dueOn)
				if today.After(due) {
					a.Overdue = true
					a.WorkingDaysLeft = -int32(calendar.WorkingDaysBetween(due, today))
				} else {
					a.WorkingDaysLeft = int32(calendar.WorkingDaysBetween(today, due))
				}
			}
			if overdueOnly && !a.Overdue {
				continue
			}
			out.Applications = append(out.Applications, a)
		}
		return nil
	})
	out.Position = pos
	return out, err
}
