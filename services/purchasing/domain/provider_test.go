package domain_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

func register(a domain.Actor, p *purchasingv1.ProviderProfile) domain.RegisterProvider {
	return domain.RegisterProvider{Actor: a, Now: now, ProviderID: acmeID, Profile: p}
}

func addSetting(a domain.Actor, s *purchasingv1.Setting) domain.AddSetting {
	return domain.AddSetting{Actor: a, Now: now, Setting: s}
}

func updateSetting(s *purchasingv1.Setting) domain.UpdateSetting {
	return domain.UpdateSetting{Actor: acme, Now: now, Setting: s, Reason: "re-inspected"}
}

func publish(urn string, places uint32, from string) domain.PublishVacancy {
	return domain.PublishVacancy{Actor: acmeResponder, Now: now, URN: urn, FreePlaces: places, AvailableFrom: from}
}

func TestRegisterProvider(t *testing.T) {
	s := givenProvider().when(register(acme, profile())).thenEvents(t, registered())
	if !s.Registered() || s.ProviderID != acmeID || s.Name() != "Acme Care" {
		t.Fatalf("after registering: registered %v, id %q, name %q", s.Registered(), s.ProviderID, s.Name())
	}
	if len(s.Settings) != 0 || len(s.Accreditations) != 0 {
		t.Fatalf("a new provider has settings %v and accreditations %v", s.Settings, s.Accreditations)
	}
}

func TestRegisterProviderOnce(t *testing.T) {
	givenProvider(registered()).when(register(acme, profile())).thenRule(t, domain.RuleProviderAlreadyRegistered)
	// Even the platform admin cannot register it twice.
	givenProvider(registered()).when(register(platformAdmin, profile())).thenRule(t, domain.RuleProviderAlreadyRegistered)
}

func TestRegisterProviderWho(t *testing.T) {
	// Another provider's people, a council, a lead: denied.
	for _, a := range []domain.Actor{bright, commissioner, lead, {}} {
		givenProvider().when(register(a, profile())).thenForbidden(t)
	}
	// The platform role needs the platform organisation, and the reverse.
	givenProvider().when(register(domain.Actor{Organisation: "council:352", Role: domain.RolePlatformAdmin}, profile())).thenForbidden(t)
	givenProvider().when(register(domain.Actor{Organisation: "platform", Role: domain.RoleProviderAdmin}, profile())).thenForbidden(t)
	// An empty provider id is nobody's, even with an empty provider organisation.
	givenProvider().when(domain.RegisterProvider{Actor: domain.Actor{Organisation: "provider:"}, Now: now, Profile: profile()}).thenForbidden(t)
	// A platform admin onboarding a provider may.
	givenProvider().when(register(platformAdmin, profile())).thenEvents(t, registered())
}

func TestRegisterProviderHeadOffice(t *testing.T) {
	p := profile()
	p.HeadOfficeOutcode = "ZZ9"
	givenProvider().when(register(acme, p)).thenInvalid(t, "profile.head_office_outcode")
	// No head office outcode is allowed.
	p.HeadOfficeOutcode = ""
	givenProvider().when(register(acme, p)).thenEvents(t, &purchasingv1.ProviderRegistered{ProviderId: acmeID, Profile: p})
}

func TestDisplayNameFallsBackToLegalName(t *testing.T) {
	p := profile()
	p.TradingName = ""
	s := givenProvider(&purchasingv1.ProviderRegistered{ProviderId: acmeID, Profile: p}).state()
	if s.Name() != "Acme Care Limited" {
		t.Fatalf("name without a trading name: %q", s.Name())
	}
	if domain.DisplayName(nil) != "" {
		t.Fatal("a nil profile has a name")
	}
}

func TestUpdateProviderProfile(t *testing.T) {
	p := profile()
	p.TradingName = "Acme Children's Homes"
	s := givenProvider(registered()).when(domain.UpdateProviderProfile{Actor: acme, Now: now, Profile: p}).
		thenEvents(t, &purchasingv1.ProviderProfileUpdated{ProviderId: acmeID, Profile: p})
	if s.Name() != "Acme Children's Homes" {
		t.Fatalf("name after update: %q", s.Name())
	}
	givenProvider().when(domain.UpdateProviderProfile{Actor: acme, Now: now, Profile: p}).thenMissing(t, domain.MissingProvider)
	givenProvider(registered()).when(domain.UpdateProviderProfile{Actor: bright, Now: now, Profile: p}).thenForbidden(t)
	givenProvider(registered()).when(domain.UpdateProviderProfile{Actor: platformAdmin, Now: now, Profile: p}).
		thenEvents(t, &purchasingv1.ProviderProfileUpdated{ProviderId: acmeID, Profile: p})
	p.HeadOfficeOutcode = "ZZ9"
	givenProvider(registered()).when(domain.UpdateProviderProfile{Actor: acme, Now: now, Profile: p}).thenInvalid(t, "profile.head_office_outcode")
}

func TestAddSetting(t *testing.T) {
	s := givenProvider(registered()).when(addSetting(acme, oakHouse())).thenEvents(t, settingAdded(oakHouse()))
	st := s.Settings["SC100001"]
	if st == nil || st.Removed || st.FreePlaces != 0 || st.AvailableFrom != "" || !proto.Equal(st.Setting, oakHouse()) {
		t.Fatalf("setting after adding: %+v", st)
	}
}

func TestAddSettingNormalisesOutcode(t *testing.T) {
	in := settingWith(func(s *purchasingv1.Setting) { s.Outcode = "m14" })
	s := givenProvider(registered()).when(addSetting(acme, in)).thenEvents(t, settingAdded(oakHouse()))
	if got := s.Settings["SC100001"].Setting.GetOutcode(); got != "M14" {
		t.Fatalf("stored outcode %q, want M14", got)
	}
	if in.GetOutcode() != "m14" {
		t.Fatalf("the command's setting was changed: outcode %q", in.GetOutcode())
	}
	// A full postcode yields its outcode.
	in = settingWith(func(s *purchasingv1.Setting) { s.Outcode = "m14 5ab" })
	givenProvider(registered()).when(addSetting(acme, in)).thenEvents(t, settingAdded(oakHouse()))
}

func TestAddSettingRules(t *testing.T) {
	given := givenProvider(registered())
	given.when(addSetting(acme, settingWith(func(s *purchasingv1.Setting) { s.Outcode = "ZZ9" }))).thenInvalid(t, "setting.outcode")
	given.when(addSetting(acme, settingWith(func(s *purchasingv1.Setting) { s.Outcode = "" }))).thenInvalid(t, "setting.outcode")
	// A graded setting needs its inspection date.
	given.when(addSetting(acme, settingWith(func(s *purchasingv1.Setting) { s.OfstedDate = "" }))).thenRule(t, domain.RuleOfstedDateRequired)
	// Not yet inspected needs none (elmHouse has none).
	given.when(addSetting(acme, elmHouse())).thenEvents(t, settingAdded(elmHouse()))
	// The inspection date cannot be in the future; today is fine.
	given.when(addSetting(acme, settingWith(func(s *purchasingv1.Setting) { s.OfstedDate = tomorrow }))).thenRule(t, domain.RuleOfstedDateNotFuture)
	onToday := settingWith(func(s *purchasingv1.Setting) { s.OfstedDate = today })
	given.when(addSetting(acme, onToday)).thenEvents(t, settingAdded(onToday))
	given.when(addSetting(acme, settingWith(func(s *purchasingv1.Setting) { s.OfstedDate = "10/03/2026" }))).thenInvalid(t, "setting.ofsted_date")
	// Once only, while live.
	givenProvider(registered(), settingAdded(oakHouse())).when(addSetting(acme, oakHouse())).thenRule(t, domain.RuleSettingAlreadyAdded)
	// Who.
	givenProvider().when(addSetting(acme, oakHouse())).thenMissing(t, domain.MissingProvider)
	given.when(addSetting(bright, oakHouse())).thenForbidden(t)
	given.when(addSetting(commissioner, oakHouse())).thenForbidden(t)
}

func TestAddSettingAgainAfterRemoval(t *testing.T) {
	history := events(registered(), settingAdded(oakHouse()), vacancy("SC100001", 2, today),
		&purchasingv1.SettingRemoved{ProviderId: acmeID, Urn: "SC100001", Reason: "closed"})
	s := givenProvider(history...).when(addSetting(acme, oakHouse())).thenEvents(t, settingAdded(oakHouse()))
	if st := s.Settings["SC100001"]; st.Removed || st.FreePlaces != 0 {
		t.Fatalf("re-added setting: %+v", st)
	}
}

func TestUpdateSetting(t *testing.T) {
	changed := settingWith(func(s *purchasingv1.Setting) {
		s.Outcode = "sk1"
		s.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING
	})
	want := settingWith(func(s *purchasingv1.Setting) {
		s.Outcode = "SK1"
		s.OfstedGrade = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING
	})
	s := givenProvider(registered(), settingAdded(oakHouse())).when(updateSetting(changed)).
		thenEvents(t, &purchasingv1.SettingUpdated{ProviderId: acmeID, Setting: want, Reason: "re-inspected"})
	if !proto.Equal(s.Settings["SC100001"].Setting, want) {
		t.Fatalf("setting after update: %v", s.Settings["SC100001"].Setting)
	}
}

func TestUpdateSettingRules(t *testing.T) {
	live := givenProvider(registered(), settingAdded(oakHouse()))
	givenProvider(registered()).when(updateSetting(oakHouse())).thenMissing(t, domain.MissingSetting)
	givenProvider().when(updateSetting(oakHouse())).thenMissing(t, domain.MissingProvider)
	givenProvider(registered(), settingAdded(oakHouse()), &purchasingv1.SettingRemoved{ProviderId: acmeID, Urn: "SC100001", Reason: "closed"}).
		when(updateSetting(oakHouse())).thenRule(t, domain.RuleSettingRemoved)
	live.when(updateSetting(settingWith(func(s *purchasingv1.Setting) { s.Outcode = "ZZ9" }))).thenInvalid(t, "setting.outcode")
	live.when(updateSetting(settingWith(func(s *purchasingv1.Setting) { s.OfstedDate = "" }))).thenRule(t, domain.RuleOfstedDateRequired)
	live.when(updateSetting(settingWith(func(s *purchasingv1.Setting) { s.OfstedDate = "2027-01-01" }))).thenRule(t, domain.RuleOfstedDateNotFuture)
	live.when(domain.UpdateSetting{Actor: bright, Now: now, Setting: oakHouse(), Reason: "x"}).thenForbidden(t)
}

func TestUpdateSettingCapsFreePlaces(t *testing.T) {
	// 3 free places, then the home is registered for 2: 2 free.
	fewer := settingWith(func(s *purchasingv1.Setting) { s.RegisteredPlaces = 2 })
	_, after := givenProvider(registered(), settingAdded(oakHouse()), vacancy("SC100001", 3, today)).when(updateSetting(fewer)).thenOK(t)
	if got := after.Settings["SC100001"].FreePlaces; got != 2 {
		t.Fatalf("free places after the registration shrank to 2: %d", got)
	}
}

func TestRemoveSetting(t *testing.T) {
	remove := domain.RemoveSetting{Actor: acme, Now: now, URN: "SC100001", Reason: "closed"}
	s := givenProvider(registered(), settingAdded(oakHouse()), vacancy("SC100001", 2, today)).when(remove).
		thenEvents(t, &purchasingv1.SettingRemoved{ProviderId: acmeID, Urn: "SC100001", Reason: "closed"})
	if st := s.Settings["SC100001"]; !st.Removed || st.FreePlaces != 0 || st.AvailableFrom != "" {
		t.Fatalf("removed setting: %+v", st)
	}
	givenProvider(registered(), settingAdded(oakHouse()), &purchasingv1.SettingRemoved{ProviderId: acmeID, Urn: "SC100001"}).
		when(remove).thenRule(t, domain.RuleSettingRemoved)
	givenProvider(registered()).when(remove).thenMissing(t, domain.MissingSetting)
	remove.Actor = bright
	givenProvider(registered(), settingAdded(oakHouse())).when(remove).thenForbidden(t)
}

func TestRecordAccreditation(t *testing.T) {
	insurance := accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, "2027-03-31")
	s := givenProvider(registered()).when(domain.RecordAccreditation{Actor: acme, Now: now, Accreditation: insurance}).
		thenEvents(t, &purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: insurance})
	if !proto.Equal(s.Accreditations[insurance.GetKind()], insurance) {
		t.Fatalf("accreditations: %v", s.Accreditations)
	}
	// A renewal replaces the one of the same kind.
	renewed := accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, "2028-03-31")
	s = givenProvider(registered(), &purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: insurance}).
		when(domain.RecordAccreditation{Actor: acme, Now: now, Accreditation: renewed}).
		thenEvents(t, &purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: renewed})
	if len(s.Accreditations) != 1 || s.Accreditations[renewed.GetKind()].GetExpiresOn() != "2028-03-31" {
		t.Fatalf("accreditations after renewal: %v", s.Accreditations)
	}
	bad := accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_DBS_CHECKS, "31/03/2027")
	givenProvider(registered()).when(domain.RecordAccreditation{Actor: acme, Now: now, Accreditation: bad}).thenInvalid(t, "accreditation.expires_on")
	givenProvider(registered()).when(domain.RecordAccreditation{Actor: bright, Now: now, Accreditation: insurance}).thenForbidden(t)
	givenProvider().when(domain.RecordAccreditation{Actor: acme, Now: now, Accreditation: insurance}).thenMissing(t, domain.MissingProvider)
}

func TestAccreditationExpired(t *testing.T) {
	a := accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY, today)
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{now, false}, // its expiry day: still valid
		{time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC), false}, // to the end of it
		{time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), true},     // expired the next day
		{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), false},
	} {
		if got := domain.Expired(a, c.at); got != c.want {
			t.Errorf("expiring %s, at %s: expired %v, want %v", today, c.at, got, c.want)
		}
	}
	// Days are England's: 23:30 UTC on 30 June is 00:30 BST on 1 July.
	summer := accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_DBS_CHECKS, "2026-06-30")
	if !domain.Expired(summer, time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)) {
		t.Error("expiring 2026-06-30: not expired at 00:30 BST on 1 July")
	}
	if domain.Expired(summer, time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC)) {
		t.Error("expiring 2026-06-30: expired at 23:30 BST on 30 June")
	}
	// An unreadable date counts as expired.
	if !domain.Expired(accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_DBS_CHECKS, "soon"), now) {
		t.Error("an unreadable expiry date is not expired")
	}
}

func TestExpiredAccreditations(t *testing.T) {
	kinds := []purchasingv1.AccreditationKind{
		purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE,
		purchasingv1.AccreditationKind_ACCREDITATION_KIND_EMPLOYERS_LIABILITY_INSURANCE,
		purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY,
	}
	s := givenProvider(registered(),
		&purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: accreditation(kinds[0], yesterday)},
		&purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: accreditation(kinds[1], today)},
		&purchasingv1.AccreditationRecorded{ProviderId: acmeID, Accreditation: accreditation(kinds[2], "2025-01-01")},
	).state()
	got := s.ExpiredAccreditations(now)
	slices.Sort(got)
	if want := []purchasingv1.AccreditationKind{kinds[0], kinds[2]}; !slices.Equal(got, want) {
		t.Fatalf("expired on %s: %v, want %v", today, got, want)
	}
	if got := s.ExpiredAccreditations(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)); len(got) != 1 || got[0] != kinds[2] {
		t.Fatalf("expired on 2026-11-20: %v", got)
	}
	if got := givenProvider(registered()).state().ExpiredAccreditations(now); len(got) != 0 {
		t.Fatalf("none recorded, expired: %v", got)
	}
}

func TestPublishVacancy(t *testing.T) {
	history := withSettings()
	want := &purchasingv1.VacancyPublished{ProviderId: acmeID, Urn: "SC100001", FreePlaces: 2, AvailableFrom: "2026-12-01",
		SettingType: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, Outcode: "M14", PublishedAt: timestamppb.New(now)}
	s := givenProvider(history...).when(publish("SC100001", 2, "2026-12-01")).thenEvents(t, want)
	if st := s.Settings["SC100001"]; st.FreePlaces != 2 || st.AvailableFrom != "2026-12-01" {
		t.Fatalf("after publishing: %+v", st)
	}
	// All the registered places may be free, not one more.
	givenProvider(history...).when(publish("SC100002", 2, today)).thenOK(t)
	givenProvider(history...).when(publish("SC100002", 3, today)).thenRule(t, domain.RuleVacancyWithinPlaces)
	givenProvider(history...).when(publish("SC100001", 5, today)).thenRule(t, domain.RuleVacancyWithinPlaces)
	// A removed setting takes no vacancy; an unknown one is missing.
	removed := append(withSettings(), &purchasingv1.SettingRemoved{ProviderId: acmeID, Urn: "SC100001", Reason: "closed"})
	givenProvider(removed...).when(publish("SC100001", 1, today)).thenRule(t, domain.RuleSettingRemoved)
	givenProvider(history...).when(publish("SC999999", 1, today)).thenMissing(t, domain.MissingSetting)
	givenProvider(history...).when(publish("SC100001", 1, "1 December")).thenInvalid(t, "available_from")
	givenProvider(history...).when(domain.PublishVacancy{Actor: bright, Now: now, URN: "SC100001", FreePlaces: 1, AvailableFrom: today}).thenForbidden(t)
}

func TestWithdrawVacancy(t *testing.T) {
	withdraw := domain.WithdrawVacancy{Actor: acmeResponder, Now: now, URN: "SC100001", Reason: "filled"}
	withVacancy := append(withSettings(), vacancy("SC100001", 2, today))
	s := givenProvider(withVacancy...).when(withdraw).
		thenEvents(t, &purchasingv1.VacancyWithdrawn{ProviderId: acmeID, Urn: "SC100001", Reason: "filled"})
	if st := s.Settings["SC100001"]; st.FreePlaces != 0 || st.AvailableFrom != "" {
		t.Fatalf("after withdrawing: %+v", st)
	}
	givenProvider(withSettings()...).when(withdraw).thenRule(t, domain.RuleNoVacancy)
	givenProvider(append(withVacancy, &purchasingv1.VacancyWithdrawn{ProviderId: acmeID, Urn: "SC100001"})...).when(withdraw).thenRule(t, domain.RuleNoVacancy)
	givenProvider(append(withVacancy, &purchasingv1.SettingRemoved{ProviderId: acmeID, Urn: "SC100001"})...).when(withdraw).thenRule(t, domain.RuleSettingRemoved)
	withdraw.Actor = bright
	givenProvider(withVacancy...).when(withdraw).thenForbidden(t)
}

func TestDecideProviderNoCommand(t *testing.T) {
	if _, err := domain.DecideProvider(domain.InitialProvider(), nil); err == nil {
		t.Fatal("a nil command was decided")
	}
}
