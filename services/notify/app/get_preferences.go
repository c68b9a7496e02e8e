package app

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetPreferences is what the caller chose to receive (everything, at once,
// until they choose).
func (s *Service) GetPreferences(ctx context.Context, p auth.Principal, minPosition uint64) (*notifyv1.Preferences, error) {
	var out *notifyv1.Preferences
	_, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		me := m.me(p)
		if me == nil {
			return notAContact()
		}
		out = m.prefs[personKey(p.Organisation, me.GetPersonId())]
		if out == nil {
			out = &notifyv1.Preferences{Organisation: p.Organisation, PersonId: me.GetPersonId()}
		}
		return nil
	})
	return out, err
}
