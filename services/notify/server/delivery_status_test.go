package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/channel/govuknotify"
)

// notifyStatuses answers as GOV.UK Notify: a POST of an email is accepted
// (201, the id named after the address), a GET of a notification answers
// with the status the test has set for that address.
type notifyStatuses struct {
	mu     sync.Mutex
	status map[string]string // email → Notify's status
	gets   int
}

var notifyIDs = map[string]string{"referrals@alder.example": "740e5834-3a29-46b4-9a6f-16142fde533a", "referrals@birch.example": "8f9cbb2e-6b1d-4c43-a2a6-0d1a7f0c5e11"}

func (f *notifyStatuses) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodPost && r.URL.Path == "/v2/notifications/email" {
		var body struct {
			EmailAddress string `json:"email_address"`
			Reference    string `json:"reference"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id": %q, "reference": %q, "content": {"subject": "s", "body": "b", "from_email": "carecoop@notifications.service.gov.uk"}}`, notifyIDs[body.EmailAddress], body.Reference)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/v2/notifications/"); ok && r.Method == http.MethodGet {
		f.gets++
		for email, nid := range notifyIDs {
			if nid == id {
				fmt.Fprintf(w, `{"id": %q, "email_address": %q, "type": "email", "status": %q}`, id, email, f.status[email])
				return
			}
		}
	}
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, `{"status_code": 404, "errors": [{"error": "NoResultFound", "message": "No result found"}]}`)
}

func (f *notifyStatuses) set(email, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[email] = status
}

func (f *notifyStatuses) asked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

// GOV.UK Notify's delivery status: the sweep asks what became of each
// message Notify accepted until it gives its final word, recorded once: a
// bounce (permanent-failure) joins the platform admin's failures in plain
// words, a delivery is shown as delivered, a message still sending is asked
// about again; once every word is final nothing is asked again, after a
// restart either.
func TestNotifyDeliveryStatusIsRecordedOnce(t *testing.T) {
	f := &notifyStatuses{status: map[string]string{"referrals@alder.example": "sending", "referrals@birch.example": "permanent-failure"}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := govuknotify.New("carecoop-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
		map[string]string{govuknotify.DefaultTemplateKey: "f33517ff-2a88-4f6e-b855-c550268ce08a"})
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL, c.Backoff = srv.URL, time.Millisecond
	h := newHarness(t, app.WithChannel(c))
	h.registerProvider("alder")
	h.registerProvider("birch")
	// Alder's admin gives its referrals contact a sign-in, so Ria reads hers.
	servicetest.Must(h.n("ann", auth.ProviderOrg("alder"), auth.ProviderAdmin).SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0001", Name: "Ria",
		Email: "referrals@alder.example", Roles: []string{auth.ProviderResponder}, Subject: "ria"})).OK(t)
	h.append("purchasing", "referral", "ref-1", &purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1"},
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{{ProviderId: "alder"}, {ProviderId: "birch"}}})
	rias := func() *notifyv1.Notification {
		ns := servicetest.Must(h.n("ria", auth.ProviderOrg("alder"), auth.ProviderResponder).ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t).GetNotifications()
		if len(ns) != 1 {
			return nil
		}
		return ns[0]
	}
	failures := func() []*notifyv1.Notification {
		return servicetest.Must(h.platform().ListDeliveryFailures(h.Ctx, &notifyv1.ListDeliveryFailuresRequest{MinPosition: h.LastPosition()})).OK(t).GetNotifications()
	}
	// Both handed over (their outcomes are one commit).
	h.eventually("both sent", func() bool {
		n := rias()
		return n != nil && n.GetStatus() == notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT
	})
	sweep := func() {
		t.Helper()
		if err := h.notify.App.Sweep(h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	sweep()
	if f.asked() != 2 {
		t.Fatalf("Notify asked %d times, want 2", f.asked())
	}
	failed := failures()
	if len(failed) != 1 || failed[0].GetRecipient().GetEmail() != "referrals@birch.example" || failed[0].GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_UNDELIVERED ||
		failed[0].GetFailure() != "the email address does not exist or its provider refused the message" {
		t.Fatalf("failures after the first sweep: %v", failed)
	}
	if got := rias(); got.GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT {
		t.Fatalf("alder's, still sending: %v", got)
	}
	f.set("referrals@alder.example", "delivered")
	sweep()
	if got := rias(); got.GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_DELIVERED || got.GetFailure() != "" {
		t.Fatalf("alder's, delivered: %v", got)
	}
	asked := f.asked()
	if asked != 3 {
		t.Fatalf("Notify asked %d times, want 3 (both, then alder's again)", asked)
	}
	sweep()
	h.restart()
	sweep()
	if f.asked() != asked {
		t.Fatalf("asked again after every word was final: %d", f.asked())
	}
	if n := len(failures()); n != 1 {
		t.Fatalf("%d failures after a restart, want 1", n)
	}
}
