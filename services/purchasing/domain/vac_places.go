package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// Vacancies follow awards: an award takes its places from the setting's
// vacancy on the provider's own stream (TakePlace, the reaction to
// PlacementAwarded), and a placement's end gives them back (FreePlace, the
// reaction to monitoring's ContractEnded). An award is refused when the
// provider's stream shows too few free places (AwardPlacement.Vacancy);
// two awards that race past that check are both kept and the second is
// flagged overbooked, since a child has been placed in both.

// RoleSystem is the role of purchasing's own reactions.
const RoleSystem = "system"

// PlaceHold is the places one placement holds at a setting.
type PlaceHold struct {
	URN    string
	Places uint32
}

// Vacancy is what the provider's stream says of the offered setting when a
// placement is awarded.
type Vacancy struct {
	FreePlaces uint32
}

// placesOf is how many places a placement needs: the child's and each
// brother's or sister's.
func placesOf(siblings uint32) uint32 { return 1 + siblings }

func (s *ProviderState) applyPlace(e proto.Message) {
	if s.Held == nil {
		s.Held = map[string]PlaceHold{}
	}
	switch e := e.(type) {
	case *purchasingv1.PlaceTaken:
		s.Held[e.GetPlacementId()] = PlaceHold{URN: e.GetUrn(), Places: e.GetPlaces()}
		if st := s.Settings[e.GetUrn()]; st != nil {
			st.FreePlaces = e.GetFreePlaces()
		}
	case *purchasingv1.PlaceFreed:
		delete(s.Held, e.GetPlacementId())
		if st := s.Settings[e.GetUrn()]; st != nil {
			st.FreePlaces = e.GetFreePlaces()
		}
	}
}

// TakePlace takes an awarded placement's places at its setting. Actor:
// purchasing's reaction (RoleSystem).
type TakePlace struct {
	Actor Actor
	Now   time.Time
	Award *purchasingv1.PlacementAwarded
	// AwardedAt is when the award was recorded: a vacancy published after
	// it already counts the placement.
	AwardedAt time.Time
}

// FreePlace gives back the places a placement held. Actor: purchasing's
// reaction (RoleSystem).
type FreePlace struct {
	Actor       Actor
	Now         time.Time
	PlacementID string
	Reason      string
}

func vacSystem(a Actor) error {
	if a.Role != RoleSystem {
		return domainerr.Forbidden("%s may not take or free places: only purchasing's own reaction to awards and endings does", a.describe())
	}
	return nil
}

func (c TakePlace) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := vacSystem(c.Actor); err != nil {
		return nil, err
	}
	if !s.Registered() {
		return nil, domainerr.Missing(MissingProvider, "there is no such provider")
	}
	aw := c.Award
	if _, held := s.Held[aw.GetPlacementId()]; held {
		return nil, nil // this award's places are taken already
	}
	st := s.Settings[aw.GetSettingUrn()]
	if st == nil {
		return nil, domainerr.Missing(MissingSetting, "provider %s has no setting %s", s.ProviderID, aw.GetSettingUrn())
	}
	places := placesOf(aw.GetSiblingCount())
	ev := &purchasingv1.PlaceTaken{ProviderId: s.ProviderID, Urn: aw.GetSettingUrn(), PlacementId: aw.GetPlacementId(), ReferralId: aw.GetReferralId(),
		Places: places, FreePlaces: st.FreePlaces}
	switch {
	case !st.PublishedAt.IsZero() && st.PublishedAt.After(c.AwardedAt):
		ev.CountedInVacancy = true
	case st.FreePlaces < places:
		ev.Overbooked, ev.FreePlaces = true, 0
	default:
		ev.FreePlaces = st.FreePlaces - places
	}
	return one(ev)
}

func (c FreePlace) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := vacSystem(c.Actor); err != nil {
		return nil, err
	}
	h, held := s.Held[c.PlacementID]
	if !s.Registered() || !held {
		return nil, nil // a placement made outside the platform, or freed already
	}
	free := h.Places
	if st := s.Settings[h.URN]; st != nil {
		free = min(st.FreePlaces+h.Places, st.Setting.GetRegisteredPlaces())
	}
	return one(&purchasingv1.PlaceFreed{ProviderId: s.ProviderID, Urn: h.URN, PlacementId: c.PlacementID, Places: h.Places, FreePlaces: free, Reason: c.Reason})
}

// vacCheck refuses an award whose setting has too few free places.
func vacCheck(v *Vacancy, urn string, siblings uint32) error {
	if v == nil {
		return nil
	}
	if need := placesOf(siblings); v.FreePlaces < need {
		return domainerr.Rule(RuleNoFreePlace, "setting %s has %d free place(s) and this placement needs %d: another placement has taken it. Ask the provider whether a place is free and to publish its vacancy again",
			urn, v.FreePlaces, need)
	}
	return nil
}
