package domain

import (
	"fmt"
	"maps"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/geo"
)

// ProviderState is a provider's profile as its events built it.
type ProviderState struct {
	ProviderID     string
	Profile        *purchasingv1.ProviderProfile
	Settings       map[string]*SettingState // by URN
	Accreditations map[purchasingv1.AccreditationKind]*purchasingv1.Accreditation
	// Held are the places awarded placements hold, by placement id.
	Held map[string]PlaceHold
}

// SettingState is one setting with its live vacancy.
type SettingState struct {
	Setting       *purchasingv1.Setting
	Removed       bool
	FreePlaces    uint32
	AvailableFrom string
	// PublishedAt is when the vacancy was last published (zero before
	// events carried it).
	PublishedAt time.Time
}

// InitialProvider is the state before any event.
func InitialProvider() ProviderState { return ProviderState{} }

// Registered reports whether the provider has registered.
func (s ProviderState) Registered() bool { return s.Profile != nil }

// Name is the provider's display name: its trading name, else its legal name.
func (s ProviderState) Name() string { return DisplayName(s.Profile) }

// DisplayName is a profile's trading name, else its legal name.
func DisplayName(p *purchasingv1.ProviderProfile) string {
	if p.GetTradingName() != "" {
		return p.GetTradingName()
	}
	return p.GetLegalName()
}

// ExpiredAccreditations lists the kinds whose expiry date is before today.
func (s ProviderState) ExpiredAccreditations(now time.Time) []purchasingv1.AccreditationKind {
	var out []purchasingv1.AccreditationKind
	for k, a := range s.Accreditations {
		if Expired(a, now) {
			out = append(out, k)
		}
	}
	return out
}

// Expired reports whether an accreditation's expiry date has passed (it is
// valid through the whole of its expiry day).
func Expired(a *purchasingv1.Accreditation, now time.Time) bool {
	d, err := time.Parse(DateLayout, a.GetExpiresOn())
	return err != nil || d.Before(Today(now))
}

// EvolveProvider applies one event (FoldProvider of one).
func EvolveProvider(s ProviderState, e proto.Message) ProviderState {
	return FoldProvider(s, []proto.Message{e})
}

// FoldProvider applies events in order. It never changes the state it is
// given: it copies what events change once, then applies them to the copy,
// so a state may be shared and a long stream loads in linear time. Treat
// what a state holds as read-only.
func FoldProvider(s ProviderState, events []proto.Message) ProviderState {
	s.Settings = maps.Clone(s.Settings)
	for urn, st := range s.Settings {
		copied := *st
		s.Settings[urn] = &copied
	}
	s.Accreditations = maps.Clone(s.Accreditations)
	s.Held = maps.Clone(s.Held)
	for _, e := range events {
		s.apply(e)
	}
	return s
}

// apply changes s, which must be the caller's own copy, by one event.
func (s *ProviderState) apply(e proto.Message) {
	switch e := e.(type) {
	case *purchasingv1.ProviderRegistered:
		s.ProviderID = e.GetProviderId()
		s.Profile = e.GetProfile()
		s.Settings = map[string]*SettingState{}
		s.Accreditations = map[purchasingv1.AccreditationKind]*purchasingv1.Accreditation{}
	case *purchasingv1.ProviderProfileUpdated:
		s.Profile = e.GetProfile()
	case *purchasingv1.SettingAdded:
		s.Settings[e.GetSetting().GetUrn()] = &SettingState{Setting: e.GetSetting()}
	case *purchasingv1.SettingUpdated:
		if st := s.Settings[e.GetSetting().GetUrn()]; st != nil {
			st.Setting = e.GetSetting()
			st.FreePlaces = min(st.FreePlaces, e.GetSetting().GetRegisteredPlaces())
		}
	case *purchasingv1.SettingRemoved:
		if st := s.Settings[e.GetUrn()]; st != nil {
			st.Removed, st.FreePlaces, st.AvailableFrom = true, 0, ""
		}
	case *purchasingv1.AccreditationRecorded:
		s.Accreditations[e.GetAccreditation().GetKind()] = e.GetAccreditation()
	case *purchasingv1.VacancyPublished:
		if st := s.Settings[e.GetUrn()]; st != nil {
			st.FreePlaces, st.AvailableFrom = e.GetFreePlaces(), e.GetAvailableFrom()
			if e.GetPublishedAt() != nil {
				st.PublishedAt = e.GetPublishedAt().AsTime()
			}
		}
	case *purchasingv1.VacancyWithdrawn:
		if st := s.Settings[e.GetUrn()]; st != nil {
			st.FreePlaces, st.AvailableFrom = 0, ""
		}
	case *purchasingv1.PlaceTaken, *purchasingv1.PlaceFreed:
		s.applyPlace(e)
	}
}

// ProviderCommand is a command on a provider's profile.
type ProviderCommand interface {
	decideProvider(ProviderState) ([]proto.Message, error)
}

// DecideProvider decides a command against a provider's state.
func DecideProvider(s ProviderState, c ProviderCommand) ([]proto.Message, error) {
	if c == nil {
		return nil, fmt.Errorf("purchasing: no command")
	}
	return c.decideProvider(s)
}

// RegisterProvider registers a provider once on the platform.
// Actor: the provider's admin (or a platform admin onboarding it).
type RegisterProvider struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	Profile    *purchasingv1.ProviderProfile
}

// UpdateProviderProfile replaces the profile. Actor: the provider's admin.
type UpdateProviderProfile struct {
	Actor   Actor
	Now     time.Time
	Profile *purchasingv1.ProviderProfile
}

// AddSetting adds a home, agency branch or school. Actor: the provider's admin.
type AddSetting struct {
	Actor   Actor
	Now     time.Time
	Setting *purchasingv1.Setting
}

// UpdateSetting replaces a setting's details. Actor: the provider's admin.
type UpdateSetting struct {
	Actor   Actor
	Now     time.Time
	Setting *purchasingv1.Setting
	Reason  string
}

// RemoveSetting closes a setting. Actor: the provider's admin.
type RemoveSetting struct {
	Actor  Actor
	Now    time.Time
	URN    string
	Reason string
}

// RecordAccreditation records an accreditation, replacing one of the same kind.
type RecordAccreditation struct {
	Actor         Actor
	Now           time.Time
	Accreditation *purchasingv1.Accreditation
}

// PublishVacancy states a setting's free places. Actor: the provider's responder or admin.
type PublishVacancy struct {
	Actor         Actor
	Now           time.Time
	URN           string
	FreePlaces    uint32
	AvailableFrom string
}

// WithdrawVacancy says a setting has no free places any more.
type WithdrawVacancy struct {
	Actor  Actor
	Now    time.Time
	URN    string
	Reason string
}

func (s ProviderState) mayChange(a Actor) error {
	if !s.Registered() {
		return domainerr.Missing(MissingProvider, "there is no such provider: register the provider first")
	}
	if !a.actsFor(s.ProviderID) {
		return domainerr.Forbidden("%s may not change provider %s's profile: only the provider's own people may", a.describe(), s.ProviderID)
	}
	return nil
}

func (c RegisterProvider) decideProvider(s ProviderState) ([]proto.Message, error) {
	if !c.Actor.actsFor(c.ProviderID) {
		return nil, domainerr.Forbidden("%s may not register provider %s: a provider registers itself", c.Actor.describe(), c.ProviderID)
	}
	if s.Registered() {
		return nil, domainerr.Rule(RuleProviderAlreadyRegistered, "provider %s is already registered: a provider registers once; update the profile instead", c.ProviderID)
	}
	if err := checkProfile(c.Profile); err != nil {
		return nil, err
	}
	return one(&purchasingv1.ProviderRegistered{ProviderId: c.ProviderID, Profile: c.Profile})
}

func (c UpdateProviderProfile) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := s.mayChange(c.Actor); err != nil {
		return nil, err
	}
	if err := checkProfile(c.Profile); err != nil {
		return nil, err
	}
	return one(&purchasingv1.ProviderProfileUpdated{ProviderId: s.ProviderID, Profile: c.Profile})
}

func checkProfile(p *purchasingv1.ProviderProfile) error {
	if o := p.GetHeadOfficeOutcode(); o != "" && !geo.Known(o) {
		return domainerr.Field("profile.head_office_outcode", "unknown outcode %q: give the first half of a UK postcode, e.g. M14", o)
	}
	return nil
}

// checkSetting applies the rules every version of a setting must meet and
// returns it with its outcode normalised.
func checkSetting(st *purchasingv1.Setting, now time.Time) (*purchasingv1.Setting, error) {
	if !geo.Known(st.GetOutcode()) {
		return nil, domainerr.Field("setting.outcode", "unknown outcode %q: give the first half of a UK postcode, e.g. M14", st.GetOutcode())
	}
	graded := st.GetOfstedGrade() != purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED
	if graded && st.GetOfstedDate() == "" {
		return nil, domainerr.Rule(RuleOfstedDateRequired, "setting %s has an Ofsted grade but no inspection date: give ofsted_date", st.GetUrn())
	}
	if st.GetOfstedDate() != "" {
		d, err := parseDate("setting.ofsted_date", st.GetOfstedDate())
		if err != nil {
			return nil, err
		}
		if d.After(Today(now)) {
			return nil, domainerr.Rule(RuleOfstedDateNotFuture, "setting %s's inspection date %s is in the future", st.GetUrn(), st.GetOfstedDate())
		}
	}
	out := proto.Clone(st).(*purchasingv1.Setting)
	out.Outcode = geo.Normalise(st.GetOutcode())
	return out, nil
}

func (s ProviderState) liveSetting(urn string) (*SettingState, error) {
	st := s.Settings[urn]
	if st == nil {
		return nil, domainerr.Missing(MissingSetting, "provider %s has no setting with URN %s", s.ProviderID, urn)
	}
	if st.Removed {
		return nil, domainerr.Rule(RuleSettingRemoved, "setting %s was removed: add it again to use it", urn)
	}
	return st, nil
}

func (c AddSetting) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := s.mayChange(c.Actor); err != nil {
		return nil, err
	}
	if st := s.Settings[c.Setting.GetUrn()]; st != nil && !st.Removed {
		return nil, domainerr.Rule(RuleSettingAlreadyAdded, "setting %s is already on the profile: update it instead", c.Setting.GetUrn())
	}
	st, err := checkSetting(c.Setting, c.Now)
	if err != nil {
		return nil, err
	}
	return one(&purchasingv1.SettingAdded{ProviderId: s.ProviderID, Setting: st, ProviderName: s.Name()})
}

func (c UpdateSetting) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := s.mayChange(c.Actor); err != nil {
		return nil, err
	}
	if _, err := s.liveSetting(c.Setting.GetUrn()); err != nil {
		return nil, err
	}
	st, err := checkSetting(c.Setting, c.Now)
	if err != nil {
		return nil, err
	}
	return one(&purchasingv1.SettingUpdated{ProviderId: s.ProviderID, Setting: st, Reason: c.Reason})
}

func (c RemoveSetting) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := s.mayChange(c.Actor); err != nil {
		return nil, err
	}
	if _, err := s.liveSetting(c.URN); err != nil {
		return nil, err
	}
	return one(&purchasingv1.SettingRemoved{ProviderId: s.ProviderID, Urn: c.URN, Reason: c.Reason})
}

func (c RecordAccreditation) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := s.mayChange(c.Actor); err != nil {
		return nil, err
	}
	if _, err := parseDate("accreditation.expires_on", c.Accreditation.GetExpiresOn()); err != nil {
		return nil, err
	}
	return one(&purchasingv1.AccreditationRecorded{ProviderId: s.ProviderID, Accreditation: c.Accreditation})
}

func (c PublishVacancy) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := s.mayChange(c.Actor); err != nil {
		return nil, err
	}
	st, err := s.liveSetting(c.URN)
	if err != nil {
		return nil, err
	}
	if _, err := parseDate("available_from", c.AvailableFrom); err != nil {
		return nil, err
	}
	if c.FreePlaces > st.Setting.GetRegisteredPlaces() {
		return nil, domainerr.Rule(RuleVacancyWithinPlaces, "setting %s is registered for %d places: it cannot have %d free", c.URN, st.Setting.GetRegisteredPlaces(), c.FreePlaces)
	}
	return one(&purchasingv1.VacancyPublished{ProviderId: s.ProviderID, Urn: c.URN, FreePlaces: c.FreePlaces, AvailableFrom: c.AvailableFrom,
		SettingType: st.Setting.GetType(), Outcode: st.Setting.GetOutcode(), PublishedAt: timestamppb.New(c.Now)})
}

func (c WithdrawVacancy) decideProvider(s ProviderState) ([]proto.Message, error) {
	if err := s.mayChange(c.Actor); err != nil {
		return nil, err
	}
	st, err := s.liveSetting(c.URN)
	if err != nil {
		return nil, err
	}
	if st.FreePlaces == 0 {
		return nil, domainerr.Rule(RuleNoVacancy, "setting %s has no published vacancy to withdraw", c.URN)
	}
	return one(&purchasingv1.VacancyWithdrawn{ProviderId: s.ProviderID, Urn: c.URN, Reason: c.Reason})
}

// one wraps a single event.
func one(e proto.Message) ([]proto.Message, error) { return []proto.Message{e}, nil }
