package app

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// ListNeedsReturns lists the needs returns submitted, every submission with
// whether it is withdrawn and which one stands. A council's people see their
// own council's in full. A consortium lead and the platform see, for each
// member council, the dates it submitted for, when, and what is withdrawn
// or stands: no counts (a council's figures reach them only through
// disclosure control), and no people, sources or reasons (those are the
// council's).
func (s *Service) ListNeedsReturns(ctx context.Context, p auth.Principal, consortium, asAt string, minPosition uint64) (*demandv1.ListNeedsReturnsResponse, error) {
	out := &demandv1.ListNeedsReturnsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		councils, own, err := m.returnListers(p, consortium)
		if err != nil {
			return err
		}
		for _, la := range councils {
			for date, subs := range m.history[la] {
				if asAt != "" && date != asAt {
					continue
				}
				standing := m.returns[la][date]
				for _, sub := range subs {
					out.Returns = append(out.Returns, sub.listed(standing, own))
				}
			}
		}
		return nil
	})
	slices.SortFunc(out.Returns, func(a, b *demandv1.NeedsReturnSubmission) int {
		return cmp.Or(cmp.Compare(b.GetAsAt(), a.GetAsAt()), cmp.Compare(a.GetCouncil(), b.GetCouncil()), cmp.Compare(b.GetSubmission(), a.GetSubmission()))
	})
	out.Position = pos
	return out, err
}

// returnListers says whose returns a caller may list, and whether in full:
// a council its own (in full; a consortium, if named, must be one it is a
// member of), a consortium lead its consortium's members (its own consortium
// unless it names another, which it is then told does not exist), the
// platform a consortium it names.
func (m *ReadModel) returnListers(p auth.Principal, slug string) (councils []string, own bool, err error) {
	switch p.OrgKind() {
	case auth.OrgCouncil:
		if slug != "" {
			if _, _, err := m.reader(p, slug, false); err != nil {
				return nil, false, err
			}
		}
		return []string{p.OrgID()}, true, nil
	case auth.OrgConsortium:
		if slug == "" {
			slug = p.OrgID()
		}
	case auth.OrgPlatform:
		if slug == "" {
			return nil, false, domainerr.Field("consortium", "name the consortium whose needs returns to list")
		}
	}
	c, _, err := m.reader(p, slug, false)
	if err != nil {
		return nil, false, err
	}
	return slices.Sorted(maps.Keys(c.members)), false, nil
}

// listed is the submission as ListNeedsReturns shows it; standing is the
// council's return that stands for the date, own whether the reader is the
// council.
func (s *submissionRM) listed(standing *demandv1.NeedsReturnSubmitted, own bool) *demandv1.NeedsReturnSubmission {
	out := &demandv1.NeedsReturnSubmission{Council: s.ev.GetCouncil(), AsAt: s.ev.GetAsAt(), Submission: s.ev.GetSubmission(),
		SubmittedAt: timestamppb.New(s.at), Withdrawn: s.withdrawn, Current: s.ev == standing}
	if s.withdrawn {
		out.WithdrawnAt = timestamppb.New(s.withdrawnAt)
	}
	if own {
		out.SubmittedBy, out.Children, out.Source = s.by, s.ev.GetChildren(), s.ev.GetSource()
		if s.withdrawn {
			out.WithdrawnBy, out.WithdrawalReason = s.withdrawnBy, s.reason
		}
	}
	return out
}
