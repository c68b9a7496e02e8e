package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// SetPreferences records what the caller chooses to receive: some
// notifications turned off (never one mandatory for their roles), and
// whether the non-urgent ones come as a daily digest, and the quiet hours
// in which they wait (nil: none).
func (s *Service) SetPreferences(ctx context.Context, r Request, off []string, dailyDigest bool, quiet *notifyv1.QuietHours) (Result, error) {
	if err := s.caughtUp(ctx); err != nil {
		return Result{}, err
	}
	m := s.model
	m.mu.RLock()
	me := m.me(r.Principal)
	m.mu.RUnlock()
	if me == nil {
		return Result{}, notAContact()
	}
	return handleRequest(ctx, s.people, r, stream(PersonAggregate, domain.PersonStreamID(r.Principal.Organisation, me.GetPersonId())), s.now(), func(st domain.PersonState) ([]proto.Message, error) {
		return domain.DecideSetPreferences(st, domain.SetPreferences{Organisation: r.Principal.Organisation, PersonID: me.GetPersonId(), Roles: me.GetRoles(), Off: off, DailyDigest: dailyDigest, QuietHours: quiet})
	})
}
