package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// A caller's mistake is never INTERNAL: bad values are INVALID_ARGUMENT
// with the fields named, a broken rule FAILED_PRECONDITION naming it, a
// role without the right PERMISSION_DENIED, another organisation NOT_FOUND.
func TestRefusals(t *testing.T) {
	h := newHarness(t)
	sam := h.commissioner("352", "sam")
	_, err := sam.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "x", Email: "not an email", Roles: []string{"Bad Role"}})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	fields := servicetest.FieldViolations(t, err)
	for _, f := range []string{"request_id", "name", "email", "roles[0]"} {
		if !slices.Contains(fields, f) {
			t.Errorf("violations %v lack %s", fields, f)
		}
	}
	// A role of another kind of organisation: the field named.
	_, err = sam.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0001", Name: "Sam", Email: "sam@352.example", Roles: []string{auth.ProviderAdmin}})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	// Another council's contacts do not exist for this one.
	_, err = sam.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0002", Organisation: "council:353", Name: "Sam", Email: "sam@352.example", Roles: []string{auth.CouncilCommissioner}})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = sam.ListContacts(h.Ctx, &notifyv1.ListContactsRequest{Organisation: "council:353"})
	servicetest.WantCode(t, err, codes.NotFound)
	// A viewer does not manage contacts; only the platform admin reads failures.
	_, err = h.n("v", auth.CouncilOrg("352"), auth.CouncilViewer).SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0003", Name: "V", Email: "v@352.example", Roles: []string{auth.CouncilViewer}})
	servicetest.WantCode(t, err, codes.PermissionDenied)

	// Not a contact yet: preferences name the rule.
	_, err = sam.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0001", DailyDigest: true})
	servicetest.WantRule(t, err, domain.RuleNotAContact)
	servicetest.Must(sam.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0004", Name: "Sam", Email: "sam@352.example", Roles: []string{auth.CouncilCommissioner}, Subject: "sam"})).OK(t)
	_, err = sam.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0002", Off: []string{domain.TOfferReceived}})
	servicetest.WantRule(t, err, domain.RuleTemplateMandatory)
	_, err = sam.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0003", Off: []string{"no-such-template"}})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	res := servicetest.Must(sam.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0004", Off: []string{domain.TAllOffersIn}, DailyDigest: true})).OK(t)
	got := servicetest.Must(sam.GetPreferences(h.Ctx, &notifyv1.GetPreferencesRequest{MinPosition: res.GetPosition()})).OK(t)
	if !got.GetDailyDigest() || !slices.Equal(got.GetOff(), []string{domain.TAllOffersIn}) {
		t.Fatalf("preferences %v", got)
	}
	// A stale expected version is ABORTED, nothing written.
	_, err = sam.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0005", ExpectedVersion: 7})
	servicetest.WantCode(t, err, codes.Aborted)

	// Unknown notification: NOT_FOUND.
	_, err = sam.GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: "n-00000000000000000000"})
	servicetest.WantCode(t, err, codes.NotFound)
	tpls := servicetest.Must(sam.ListTemplates(h.Ctx, &notifyv1.ListTemplatesRequest{})).OK(t)
	if len(tpls.GetTemplates()) != len(domain.Templates) {
		t.Fatalf("templates %d", len(tpls.GetTemplates()))
	}
}
