package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/channel/govuknotify"
)

// GOV.UK Notify keeps answering 429 then 503: the client retries, then the
// notification is recorded as failed, which the platform admin sees (and
// nobody else may ask for); the event is not delivered again for it, and
// a restart does not send it again.
func TestNotifyFailuresAreRetriedThenRecordedForThePlatformAdmin(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if n%2 == 1 {
			w.WriteHeader(429)
			fmt.Fprint(w, `{"status_code": 429, "errors": [{"error": "RateLimitError", "message": "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"}]}`)
			return
		}
		w.WriteHeader(503)
		fmt.Fprint(w, `{"status_code": 503, "errors": [{"error": "Exception", "message": "Service unavailable"}]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := govuknotify.New("carecoop-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
		map[string]string{govuknotify.DefaultTemplateKey: "f33517ff-2a88-4f6e-b855-c550268ce08a"})
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL, c.Backoff, c.MaxBackoff, c.Attempts = srv.URL, time.Millisecond, 2*time.Millisecond, 4
	h := newHarness(t, app.WithChannel(c))
	h.registerProvider("alder")
	h.append("purchasing", "referral", "ref-9", &purchasingv1.ReferralCreated{ReferralId: "ref-9", Council: "352", DpsId: "dps-1"},
		&purchasingv1.ReferralMatched{ReferralId: "ref-9", Matches: []*purchasingv1.MatchedSetting{{ProviderId: "alder"}}})

	var failed *notifyv1.ListNotificationsResponse
	h.eventually("the failure to be recorded", func() bool {
		failed = servicetest.Must(h.platform().ListDeliveryFailures(h.Ctx, &notifyv1.ListDeliveryFailuresRequest{})).OK(t)
		return len(failed.GetNotifications()) == 1
	})
	f := failed.GetNotifications()[0]
	if f.GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_FAILED || f.GetAttempts() != 4 || f.GetChannel() != notifyv1.Channel_CHANNEL_GOVUK_NOTIFY ||
		f.GetRecipient().GetEmail() != "referrals@alder.example" || f.GetTemplate() != "referral-received" {
		t.Fatalf("failure: %v", f)
	}
	if want := "GOV.UK Notify 503 Exception: Service unavailable (after 4 attempts)"; f.GetFailure() != want {
		t.Fatalf("failure says %q, want %q", f.GetFailure(), want)
	}
	if calls.Load() != 4 {
		t.Fatalf("%d calls to Notify, want 4", calls.Load())
	}
	_, err = h.commissioner("352", "sam").ListDeliveryFailures(h.Ctx, &notifyv1.ListDeliveryFailuresRequest{})
	servicetest.WantCode(t, err, codes.PermissionDenied)

	h.restart()
	h.settle()
	if calls.Load() != 4 {
		t.Fatalf("a restart called Notify again: %d calls", calls.Load())
	}
	if got := servicetest.Must(h.platform().GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: f.GetNotificationId(), MinPosition: h.LastPosition()})).OK(t); got.GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_FAILED {
		t.Fatalf("after restart: %v", got)
	}
	_ = auth.PlatformAdmin
}
