package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// DefaultOfferWindow is how long providers have to offer when neither the
// commissioner nor the DPS's terms say.
const DefaultOfferWindow = 24 * time.Hour

// dlMaxWindow bounds a deadline: a referral is for a child who needs a
// place, so offers are not left open for more than a month.
const dlMaxWindow = 30 * 24 * time.Hour

// OfferWindow is the DPS's default time to offer.
func OfferWindow(terms *purchasingv1.DpsTerms) time.Duration {
	if h := terms.GetOfferWindowHours(); h > 0 {
		return time.Duration(h) * time.Hour
	}
	return DefaultOfferWindow
}

// dlOffersDueBy is a new referral's deadline: the commissioner's, which must
// lie ahead, or the DPS's window from now.
func dlOffersDueBy(asked, now time.Time, terms *purchasingv1.DpsTerms) (time.Time, error) {
	if asked.IsZero() {
		return now.Add(OfferWindow(terms)), nil
	}
	if err := dlCheck("offers_due_by", asked, now); err != nil {
		return time.Time{}, err
	}
	return asked, nil
}

func dlCheck(field string, t, now time.Time) error {
	if !t.After(now) {
		return domainerr.Field(field, "the deadline for offers (%s) must be in the future", FormatDeadline(t))
	}
	if t.Sub(now) > dlMaxWindow {
		return domainerr.Field(field, "the deadline for offers (%s) must be within 30 days", FormatDeadline(t))
	}
	return nil
}

// dlLondon: deadlines are told in England's time. The kit's calendar links
// the zone database in, so loading cannot fail on a host without one.
var dlLondon = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// FormatDeadline writes an instant as people in England read it, e.g.
// "14:30 on 3 December 2026".
func FormatDeadline(t time.Time) string { return t.In(dlLondon).Format("15:04 on 2 January 2006") }

// ExtendOfferDeadline gives providers longer to offer. Actor: a
// commissioner of the referring council.
type ExtendOfferDeadline struct {
	Actor       Actor
	Now         time.Time
	OffersDueBy time.Time
	Reason      string
}

func (c ExtendOfferDeadline) decideReferral(s ReferralState) ([]proto.Message, error) {
	if err := s.owner(c.Actor); err != nil {
		return nil, err
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	if err := dlCheck("offers_due_by", c.OffersDueBy, c.Now); err != nil {
		return nil, err
	}
	if !s.OffersDueBy.IsZero() && !c.OffersDueBy.After(s.OffersDueBy) {
		return nil, domainerr.Rule(RuleDeadlineOnlyLater, "offers on referral %s are already due by %s: an extension must be later", s.ReferralID, FormatDeadline(s.OffersDueBy))
	}
	ev := &purchasingv1.OfferDeadlineExtended{ReferralId: s.ReferralID, OffersDueBy: timestamppb.New(c.OffersDueBy), Reason: c.Reason}
	if !s.OffersDueBy.IsZero() {
		ev.Previous = timestamppb.New(s.OffersDueBy)
	}
	return one(ev)
}
