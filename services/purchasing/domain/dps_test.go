package domain_test

import (
	"testing"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

func createDps(a domain.Actor, terms *purchasingv1.DpsTerms) domain.CreateDps {
	return domain.CreateDps{Actor: a, Now: now, DpsID: dpsID, Terms: terms}
}

func apply(at time.Time, categories ...string) domain.ApplyToDps {
	return domain.ApplyToDps{Actor: acme, Now: at, ProviderID: acmeID, Provider: registeredFacts(acmeID), CategoryIDs: categories, Answers: answers()}
}

func admit(category string) domain.AdmitProvider {
	return domain.AdmitProvider{Actor: lead, Now: now, ProviderID: acmeID, Provider: registeredFacts(acmeID), CategoryID: category, Reason: "meets the criteria"}
}

func suspend(category string) domain.SuspendProvider {
	return domain.SuspendProvider{Actor: lead, Now: now, ProviderID: acmeID, CategoryID: category, Reason: "Inadequate judgement"}
}

func reinstate(category string) domain.ReinstateProvider {
	return domain.ReinstateProvider{Actor: lead, Now: now, ProviderID: acmeID, CategoryID: category, Reason: "re-inspected Good"}
}

func suspended(category string) *purchasingv1.ProviderSuspended {
	return &purchasingv1.ProviderSuspended{DpsId: dpsID, ProviderId: acmeID, CategoryId: category, Reason: "Inadequate judgement"}
}

func membership(t *testing.T, s domain.DpsState, category string) purchasingv1.MembershipStatus {
	t.Helper()
	m := s.Members[acmeID][category]
	if m == nil {
		t.Fatalf("acme has no membership in %s", category)
	}
	return m.Status
}

func TestCreateDps(t *testing.T) {
	s := givenDps().when(createDps(lead, dpsTerms())).thenEvents(t, dpsCreated())
	if !s.Exists() || s.Status != purchasingv1.DpsStatus_DPS_STATUS_DRAFT || s.Consortium != nw || s.DpsID != dpsID {
		t.Fatalf("after creating: %+v", s)
	}
	if c, ok := s.Category("fostering"); !ok || c.GetName() != "Independent fostering" {
		t.Fatalf("category fostering: %v %v", c, ok)
	}
	if _, ok := s.Category("secure"); ok {
		t.Fatal("found a category that is not in the terms")
	}
}

func TestCreateDpsOnlyByALead(t *testing.T) {
	for _, a := range []domain.Actor{
		commissioner, acme, platformAdmin,
		{Organisation: "council:352", Role: domain.RoleConsortiumLead}, // a lead's role without a consortium
		{Organisation: "consortium:north-west", Role: domain.RoleCouncilCommissioner},
	} {
		givenDps().when(createDps(a, dpsTerms())).thenForbidden(t)
	}
	// A lead creates it for its own consortium.
	givenDps().when(createDps(otherLead, dpsTerms())).thenEvents(t, &purchasingv1.DpsCreated{DpsId: dpsID, Consortium: "east", Terms: dpsTerms()})
}

func TestCreateDpsRules(t *testing.T) {
	givenDps(dpsCreated()).when(createDps(lead, dpsTerms())).thenRule(t, domain.RuleDpsAlreadyExists)
	givenDps().when(createDps(lead, dpsTermsWith(func(d *purchasingv1.DpsTerms) {
		d.Categories = append(d.Categories, &purchasingv1.Category{Id: "residential", Name: "Again",
			SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}})
	}))).thenRule(t, domain.RuleCategoryIDsUnique)
	givenDps().when(createDps(lead, dpsTermsWith(func(d *purchasingv1.DpsTerms) {
		d.SelectionCriteria = append(d.SelectionCriteria, &purchasingv1.SelectionCriterion{Id: "insurance", Question: "Again?"})
	}))).thenRule(t, domain.RuleCriterionIDsUnique)
	givenDps().when(createDps(lead, dpsTermsWith(func(d *purchasingv1.DpsTerms) {
		d.MemberCouncils = []string{"352", "353", "352"}
	}))).thenRule(t, domain.RuleMemberCouncilsUnique)
	// The end must be after today: today is refused, tomorrow accepted.
	givenDps().when(createDps(lead, dpsTermsWith(func(d *purchasingv1.DpsTerms) { d.EndsOn = today }))).thenRule(t, domain.RuleDpsEndsInFuture)
	givenDps().when(createDps(lead, dpsTermsWith(func(d *purchasingv1.DpsTerms) { d.EndsOn = yesterday }))).thenRule(t, domain.RuleDpsEndsInFuture)
	endsTomorrow := dpsTermsWith(func(d *purchasingv1.DpsTerms) { d.EndsOn = tomorrow })
	givenDps().when(createDps(lead, endsTomorrow)).thenEvents(t, &purchasingv1.DpsCreated{DpsId: dpsID, Consortium: nw, Terms: endsTomorrow})
	givenDps().when(createDps(lead, dpsTermsWith(func(d *purchasingv1.DpsTerms) { d.EndsOn = "March 2030" }))).thenInvalid(t, "terms.ends_on")
}

func TestOpenDps(t *testing.T) {
	open := domain.OpenDps{Actor: lead, Now: now}
	s := givenDps(draftDps()...).when(open).thenEvents(t, dpsOpened())
	if s.Status != purchasingv1.DpsStatus_DPS_STATUS_OPEN {
		t.Fatalf("status after opening: %v", s.Status)
	}
	givenDps(openDps()...).when(open).thenRule(t, domain.RuleDpsOpenOnlyDraft)
	givenDps(closedDps()...).when(open).thenRule(t, domain.RuleDpsOpenOnlyDraft)
	givenDps().when(open).thenMissing(t, domain.MissingDps)
	givenDps(draftDps()...).when(domain.OpenDps{Actor: otherLead, Now: now}).thenForbidden(t)
	givenDps(draftDps()...).when(domain.OpenDps{Actor: commissioner, Now: now}).thenForbidden(t)
}

func TestCloseDps(t *testing.T) {
	closeIt := domain.CloseDps{Actor: lead, Now: now, Reason: "re-procured"}
	s := givenDps(openDps()...).when(closeIt).thenEvents(t, &purchasingv1.DpsClosed{DpsId: dpsID, Reason: "re-procured"})
	if s.Status != purchasingv1.DpsStatus_DPS_STATUS_CLOSED {
		t.Fatalf("status after closing: %v", s.Status)
	}
	givenDps(draftDps()...).when(closeIt).thenRule(t, domain.RuleDpsNotOpen)
	givenDps(closedDps()...).when(closeIt).thenRule(t, domain.RuleDpsNotOpen)
	givenDps().when(closeIt).thenMissing(t, domain.MissingDps)
	givenDps(openDps()...).when(domain.CloseDps{Actor: otherLead, Now: now, Reason: "x"}).thenForbidden(t)
}

func TestApplyToDps(t *testing.T) {
	want := &purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: acmeID, ProviderName: "Acme Care", CategoryIds: []string{"residential"},
		Answers: answers(), ReceivedOn: today, DecisionDueOn: "2026-12-07"}
	c := apply(now, "residential")
	c.Provider.Name = "Acme Care"
	s := givenDps(openDps()...).when(c).thenEvents(t, want)
	m := s.Members[acmeID]["residential"]
	if m == nil || m.Status != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED || m.ReceivedOn != today || m.DecisionDueOn != "2026-12-07" {
		t.Fatalf("membership after applying: %+v", m)
	}
	if s.Admitted(acmeID, "residential") {
		t.Fatal("an applicant counts as admitted")
	}
	if s.Members[acmeID]["fostering"] != nil {
		t.Fatal("applying to residential made a fostering membership")
	}
}

func TestApplicationDecisionDue(t *testing.T) {
	for _, c := range []struct {
		name     string
		received time.Time
		due      string
	}{
		// Thu 18 Dec 2025: Christmas Day, Boxing Day and New Year's Day
		// skipped as well as weekends; the day of receipt does not count.
		{"christmas", time.Date(2025, 12, 18, 15, 0, 0, 0, time.UTC), "2026-01-06"},
		// Wed 1 Apr 2026: Good Friday (3 Apr) and Easter Monday (6 Apr) skipped.
		{"easter", time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC), "2026-04-17"},
		// Mon 23 Nov 2026: two plain weeks.
		{"plain", now, "2026-12-07"},
		// 23:30 UTC on Sun 31 May 2026 is 00:30 BST on Monday 1 June: received Monday.
		{"bst", time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC), "2026-06-15"},
		// Past GOV.UK's table (2028), the bank holidays are the rules'.
		// Fri 22 Dec 2028: 25 and 26 Dec, and Mon 1 Jan 2029, skipped.
		{"into 2029", time.Date(2028, 12, 22, 10, 0, 0, 0, time.UTC), "2029-01-10"},
		// Wed 21 Mar 2029: Good Friday (30 Mar) and Easter Monday (2 Apr) skipped.
		{"easter 2029", time.Date(2029, 3, 21, 10, 0, 0, 0, time.UTC), "2029-04-06"},
		// Sun 31 Mar 2030, the last day of the terms: two weeks, Easter after.
		{"last day", time.Date(2030, 3, 31, 12, 0, 0, 0, time.UTC), "2030-04-12"},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, _ := givenDps(openDps()...).when(apply(c.received, "residential")).thenOK(t)
			got := evs[0].(*purchasingv1.ApplicationReceived)
			if got.GetReceivedOn() != domain.FormatDate(domain.Today(c.received)) || got.GetDecisionDueOn() != c.due {
				t.Fatalf("received %s, due %s; want due %s", got.GetReceivedOn(), got.GetDecisionDueOn(), c.due)
			}
		})
	}
}

func TestApplyToDpsRules(t *testing.T) {
	givenDps(draftDps()...).when(apply(now, "residential")).thenRule(t, domain.RuleDpsNotOpen)
	givenDps(closedDps()...).when(apply(now, "residential")).thenRule(t, domain.RuleDpsNotOpen)
	givenDps().when(apply(now, "residential")).thenMissing(t, domain.MissingDps)
	// The terms end on 2030-03-31: open through that day (TestApplicationDecisionDue), ended the next.
	givenDps(openDps()...).when(apply(time.Date(2030, 4, 1, 9, 0, 0, 0, time.UTC), "residential")).thenRule(t, domain.RuleDpsEnded)

	unregistered := apply(now, "residential")
	unregistered.Provider = domain.ProviderFacts{}
	givenDps(openDps()...).when(unregistered).thenRule(t, domain.RuleProviderNotRegistered)

	forOther := apply(now, "residential")
	forOther.Actor = bright
	givenDps(openDps()...).when(forOther).thenForbidden(t)
	forOther.Actor = lead
	givenDps(openDps()...).when(forOther).thenForbidden(t)

	givenDps(openDps()...).when(apply(now, "residential", "secure")).thenRule(t, domain.RuleUnknownCategory)

	unanswered := apply(now, "residential")
	unanswered.Answers = answers()[:1]
	givenDps(openDps()...).when(unanswered).thenRule(t, domain.RuleCriteriaAnswered)
	unanswered.Answers = nil
	givenDps(openDps()...).when(unanswered).thenRule(t, domain.RuleCriteriaAnswered)

	unknownCriterion := apply(now, "residential")
	unknownCriterion.Answers = append(answers(), &purchasingv1.CriterionAnswer{CriterionId: "pricing", Answer: "cheap"})
	givenDps(openDps()...).when(unknownCriterion).thenRule(t, domain.RuleCriteriaAnswered)

	// A DPS without criteria needs no answers.
	noCriteria := &purchasingv1.DpsCreated{DpsId: dpsID, Consortium: nw, Terms: dpsTermsWith(func(d *purchasingv1.DpsTerms) { d.SelectionCriteria = nil })}
	noAnswers := apply(now, "residential")
	noAnswers.Answers = nil
	givenDps(noCriteria, dpsOpened()).when(noAnswers).thenOK(t)
}

func TestApplyAgain(t *testing.T) {
	givenDps(acmeApplied()...).when(apply(now, "residential")).thenRule(t, domain.RuleAlreadyApplied)
	givenDps(acmeAdmitted()...).when(apply(now, "fostering")).thenRule(t, domain.RuleAlreadyAdmitted)
	givenDps(append(acmeAdmitted(), suspended("residential"))...).when(apply(now, "residential")).thenRule(t, domain.RuleAlreadyAdmitted)
	// Rejected or removed, a provider may apply again.
	rejected := append(acmeApplied(), &purchasingv1.ApplicationRejected{DpsId: dpsID, ProviderId: acmeID, CategoryId: "fostering", Reason: "no fostering homes"})
	s := givenDps(rejected...).when(apply(now, "fostering")).thenEvents(t, &purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: acmeID,
		ProviderName: acmeID, CategoryIds: []string{"fostering"}, Answers: answers(), ReceivedOn: today, DecisionDueOn: "2026-12-07"})
	if membership(t, s, "fostering") != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
		t.Fatalf("fostering after re-applying: %v", membership(t, s, "fostering"))
	}
	removed := append(acmeAdmitted(), &purchasingv1.ProviderRemoved{DpsId: dpsID, ProviderId: acmeID, Reason: "contract breach"})
	givenDps(removed...).when(apply(now, "residential")).thenOK(t)
	// Another provider applying is unaffected.
	brightApplies := domain.ApplyToDps{Actor: bright, Now: now, ProviderID: brightID, Provider: registeredFacts(brightID), CategoryIDs: []string{"residential"}, Answers: answers()}
	givenDps(acmeAdmitted()...).when(brightApplies).thenOK(t)
}

func TestAdmitProvider(t *testing.T) {
	c := admit("residential")
	c.Provider.Name = "Acme Care"
	s := givenDps(acmeApplied()...).when(c).thenEvents(t, &purchasingv1.ProviderAdmitted{DpsId: dpsID, ProviderId: acmeID,
		CategoryId: "residential", Reason: "meets the criteria", ProviderName: "Acme Care", Consortium: nw})
	if !s.Admitted(acmeID, "residential") || s.Admitted(acmeID, "fostering") {
		t.Fatalf("admitted: residential %v, fostering %v", s.Admitted(acmeID, "residential"), s.Admitted(acmeID, "fostering"))
	}
	if membership(t, s, "fostering") != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
		t.Fatal("admitting to residential decided fostering too")
	}
}

func TestAdmitProviderRules(t *testing.T) {
	givenDps(openDps()...).when(admit("residential")).thenRule(t, domain.RuleNoPendingApplication)
	givenDps(acmeAdmitted()...).when(admit("residential")).thenRule(t, domain.RuleNoPendingApplication)
	givenDps(acmeApplied()...).when(admit("secure")).thenRule(t, domain.RuleUnknownCategory)

	expired := admit("residential")
	expired.Provider.ExpiredAccreditations = []purchasingv1.AccreditationKind{
		purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY, purchasingv1.AccreditationKind_ACCREDITATION_KIND_DBS_CHECKS}
	givenDps(acmeApplied()...).when(expired).thenRule(t, domain.RuleAccreditationExpired)

	byOther := admit("residential")
	byOther.Actor = otherLead
	givenDps(acmeApplied()...).when(byOther).thenForbidden(t)
	byOther.Actor = commissioner
	givenDps(acmeApplied()...).when(byOther).thenForbidden(t)
	byOther.Actor = acme
	givenDps(acmeApplied()...).when(byOther).thenForbidden(t)
	givenDps().when(admit("residential")).thenMissing(t, domain.MissingDps)
}

func TestRejectApplication(t *testing.T) {
	reject := domain.RejectApplication{Actor: lead, Now: now, ProviderID: acmeID, CategoryID: "fostering", Reason: "no fostering homes"}
	s := givenDps(acmeApplied()...).when(reject).thenEvents(t, &purchasingv1.ApplicationRejected{DpsId: dpsID, ProviderId: acmeID,
		CategoryId: "fostering", Reason: "no fostering homes"})
	if membership(t, s, "fostering") != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REJECTED || s.Admitted(acmeID, "fostering") {
		t.Fatalf("fostering after rejection: %v", membership(t, s, "fostering"))
	}
	givenDps(append(acmeApplied(), &purchasingv1.ApplicationRejected{DpsId: dpsID, ProviderId: acmeID, CategoryId: "fostering"})...).
		when(reject).thenRule(t, domain.RuleNoPendingApplication)
	givenDps(acmeAdmitted()...).when(reject).thenRule(t, domain.RuleNoPendingApplication)
	reject.CategoryID = "secure"
	givenDps(acmeApplied()...).when(reject).thenRule(t, domain.RuleUnknownCategory)
	reject.CategoryID, reject.Actor = "fostering", otherLead
	givenDps(acmeApplied()...).when(reject).thenForbidden(t)
}

func TestSuspendOneCategory(t *testing.T) {
	s := givenDps(acmeAdmitted()...).when(suspend("residential")).thenEvents(t, suspended("residential"))
	if s.Admitted(acmeID, "residential") || !s.Admitted(acmeID, "fostering") {
		t.Fatalf("after suspending residential: residential %v, fostering %v", s.Admitted(acmeID, "residential"), s.Admitted(acmeID, "fostering"))
	}
	if membership(t, s, "residential") != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED {
		t.Fatalf("residential: %v", membership(t, s, "residential"))
	}
	// Reinstated, admitted again.
	s = givenDps(append(acmeAdmitted(), suspended("residential"))...).when(reinstate("residential")).
		thenEvents(t, &purchasingv1.ProviderReinstated{DpsId: dpsID, ProviderId: acmeID, CategoryId: "residential", Reason: "re-inspected Good"})
	if !s.Admitted(acmeID, "residential") || !s.Admitted(acmeID, "fostering") {
		t.Fatal("not admitted everywhere after reinstatement")
	}
}

func TestSuspendAllCategories(t *testing.T) {
	s := givenDps(acmeAdmitted()...).when(suspend("")).thenEvents(t, suspended(""))
	for _, c := range []string{"residential", "fostering"} {
		if s.Admitted(acmeID, c) || membership(t, s, c) != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED {
			t.Fatalf("%s after suspending everywhere: %v", c, membership(t, s, c))
		}
	}
	s = givenDps(append(acmeAdmitted(), suspended(""))...).when(reinstate("")).
		thenEvents(t, &purchasingv1.ProviderReinstated{DpsId: dpsID, ProviderId: acmeID, Reason: "re-inspected Good"})
	if !s.Admitted(acmeID, "residential") || !s.Admitted(acmeID, "fostering") {
		t.Fatal("not admitted everywhere after reinstatement")
	}
	// Suspending everywhere while one category is still being decided
	// suspends only the admitted ones.
	partly := append(acmeApplied(), admittedTo(acmeID, "residential"))
	s = givenDps(partly...).when(suspend("")).thenEvents(t, suspended(""))
	if membership(t, s, "fostering") != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
		t.Fatalf("a pending application was suspended: %v", membership(t, s, "fostering"))
	}
}

func TestSuspendRules(t *testing.T) {
	givenDps(acmeApplied()...).when(suspend("residential")).thenRule(t, domain.RuleNotAdmitted)
	givenDps(acmeApplied()...).when(suspend("")).thenRule(t, domain.RuleNotAdmitted)
	givenDps(openDps()...).when(suspend("")).thenRule(t, domain.RuleNotAdmitted)
	givenDps(append(acmeAdmitted(), suspended("residential"))...).when(suspend("residential")).thenRule(t, domain.RuleNotAdmitted)
	givenDps(append(acmeAdmitted(), suspended(""))...).when(suspend("")).thenRule(t, domain.RuleNotAdmitted)
	givenDps(acmeAdmitted()...).when(suspend("secure")).thenRule(t, domain.RuleUnknownCategory)
	byOther := suspend("residential")
	byOther.Actor = otherLead
	givenDps(acmeAdmitted()...).when(byOther).thenForbidden(t)
}

func TestReinstateRules(t *testing.T) {
	givenDps(acmeAdmitted()...).when(reinstate("residential")).thenRule(t, domain.RuleNotSuspended)
	givenDps(acmeAdmitted()...).when(reinstate("")).thenRule(t, domain.RuleNotSuspended)
	givenDps(append(acmeAdmitted(), suspended("residential"))...).when(reinstate("fostering")).thenRule(t, domain.RuleNotSuspended)
	byOther := reinstate("residential")
	byOther.Actor = otherLead
	givenDps(append(acmeAdmitted(), suspended("residential"))...).when(byOther).thenForbidden(t)
}

func TestRemoveProvider(t *testing.T) {
	remove := domain.RemoveProvider{Actor: lead, Now: now, ProviderID: acmeID, Reason: "contract breach"}
	removedEvent := &purchasingv1.ProviderRemoved{DpsId: dpsID, ProviderId: acmeID, Reason: "contract breach"}
	s := givenDps(append(acmeAdmitted(), suspended("fostering"))...).when(remove).thenEvents(t, removedEvent)
	for _, c := range []string{"residential", "fostering"} {
		if s.Admitted(acmeID, c) || membership(t, s, c) != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REMOVED {
			t.Fatalf("%s after removal: %v", c, membership(t, s, c))
		}
	}
	// An applicant may be removed too.
	givenDps(acmeApplied()...).when(remove).thenEvents(t, removedEvent)
	givenDps(openDps()...).when(remove).thenRule(t, domain.RuleNotOnDps)
	givenDps(append(acmeAdmitted(), removedEvent)...).when(remove).thenRule(t, domain.RuleNotOnDps)
	rejected := append(openDps(), applied(acmeID, "2026-11-16", "2026-11-30", "fostering"),
		&purchasingv1.ApplicationRejected{DpsId: dpsID, ProviderId: acmeID, CategoryId: "fostering"})
	givenDps(rejected...).when(remove).thenRule(t, domain.RuleNotOnDps)
	remove.Actor = otherLead
	givenDps(acmeAdmitted()...).when(remove).thenForbidden(t)
}

func TestDecideDpsNoCommand(t *testing.T) {
	if _, err := domain.DecideDps(domain.InitialDps(), nil); err == nil {
		t.Fatal("a nil command was decided")
	}
}
