package govuknotify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/carecoop/carecoop/services/notify/channel"
	"github.com/carecoop/carecoop/services/notify/channel/govuknotify"
)

const (
	serviceID  = "26785a09-ab16-4eb0-8407-a37497a57506"
	secret     = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	apiKey     = "carecoop_test-" + serviceID + "-" + secret
	templateID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
)

// fakeNotify answers as GOV.UK Notify's API documents: it checks the
// bearer token (HS256 with the key's secret, iss the service id, iat
// within 30 seconds) and the request body, then answers 201 with the
// notification, or the scripted error bodies.
type fakeNotify struct {
	t       *testing.T
	mu      sync.Mutex
	script  []int // status codes to answer with first, in order
	got     []map[string]any
	tries   int
	retryIn string
	// statuses: Notify's notification ids and their delivery status.
	statuses map[string]string
}

func (f *fakeNotify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	w.Header().Set("Content-Type", "application/json")
	fail := func(status int, kind, msg string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status_code": %d, "errors": [{"error": %q, "message": %q}]}`, status, kind, msg)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) { return []byte(secret), nil }, jwt.WithValidMethods([]string{"HS256"}))
	if !ok || err != nil || !parsed.Valid {
		fail(403, "AuthError", "Invalid token: signature, api token not found")
		return
	}
	iat, _ := claims.GetIssuedAt()
	if iss, _ := claims.GetIssuer(); iss != serviceID || iat == nil || time.Since(iat.Time).Abs() > 30*time.Second {
		fail(403, "AuthError", "Invalid token: iss field not provided or iat out of range")
		return
	}
	if id, isGet := strings.CutPrefix(r.URL.Path, "/v2/notifications/"); isGet && r.Method == http.MethodGet {
		status, known := f.statuses[id]
		if !known {
			fail(404, "NoResultFound", "No result found")
			return
		}
		fmt.Fprintf(w, `{"id": %q, "reference": "n-0123456789abcdef0123", "email_address": "referrals@pennine.example", "type": "email",
		  "status": %q, "template": {"id": %q, "version": 1, "uri": "https://api.notifications.service.gov.uk/v2/template/%s"},
		  "body": "b", "subject": "s", "created_at": "2026-12-03T09:00:00.000000Z", "created_by_name": null,
		  "sent_at": "2026-12-03T09:00:01.000000Z", "completed_at": "2026-12-03T09:00:05.000000Z"}`, id, status, templateID, templateID)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v2/notifications/email" {
		fail(404, "NotFound", "not found")
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		fail(400, "BadRequestError", "Content-Type must be application/json")
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(400, "BadRequestError", "Invalid JSON")
		return
	}
	f.got = append(f.got, body)
	if len(f.script) > 0 {
		status := f.script[0]
		f.script = f.script[1:]
		switch {
		case status == 429:
			if f.retryIn != "" {
				w.Header().Set("Retry-After", f.retryIn)
			}
			fail(429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds")
		case status >= 500:
			fail(status, "Exception", "Internal server error")
		default:
			fail(status, "BadRequestError", "Can't send to this recipient using a team-only API key")
		}
		return
	}
	if body["template_id"] != templateID || body["email_address"] == "" {
		fail(400, "ValidationError", "template_id is not a valid UUID")
		return
	}
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": %q,
	  "content": {"subject": "s", "body": "b", "from_email": "carecoop@notifications.service.gov.uk"},
	  "uri": "https://api.notifications.service.gov.uk/v2/notifications/740e5834-3a29-46b4-9a6f-16142fde533a",
	  "template": {"id": %q, "version": 1, "uri": "https://api.notifications.service.gov.uk/v2/template/%s"}}`,
		body["reference"], templateID, templateID)
}

func client(t *testing.T, f *fakeNotify) *govuknotify.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := govuknotify.New(apiKey, map[string]string{govuknotify.DefaultTemplateKey: templateID})
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL, c.Backoff, c.MaxBackoff = srv.URL, time.Millisecond, 5*time.Millisecond
	return c
}

var msg = channel.Message{NotificationID: "n-0123456789abcdef0123", To: "referrals@pennine.example", Template: "referral-received",
	Subject: "New referral ref-1 from council 352", Body: "Council 352 has sent …", Personalisation: map[string]string{"reference": "ref-1", "council": "352", "link": "https://portal/inbox/ref-1"}}

func TestSendsAsNotifyDocuments(t *testing.T) {
	f := &fakeNotify{t: t}
	res, err := client(t, f).Send(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reference != "740e5834-3a29-46b4-9a6f-16142fde533a" || res.Attempts != 1 {
		t.Fatalf("result %+v", res)
	}
	got := f.got[0]
	p, _ := got["personalisation"].(map[string]any)
	if got["email_address"] != msg.To || got["template_id"] != templateID || got["reference"] != msg.NotificationID ||
		p["subject"] != msg.Subject || p["body"] != msg.Body || p["link"] != "https://portal/inbox/ref-1" {
		t.Fatalf("request body %v", got)
	}
}

func TestRateLimitsAndServerErrorsAreRetriedThenFail(t *testing.T) {
	f := &fakeNotify{t: t, script: []int{429, 500, 503}}
	res, err := client(t, f).Send(context.Background(), msg)
	if err != nil || res.Attempts != 4 || f.tries != 4 {
		t.Fatalf("429, 500, 503 then 201: %+v, %v, %d tries", res, err, f.tries)
	}

	f = &fakeNotify{t: t, script: []int{429, 429, 502, 500, 500}}
	res, err = client(t, f).Send(context.Background(), msg)
	var api *govuknotify.APIError
	if !errors.As(err, &api) || api.StatusCode != 500 || res.Attempts != 4 || f.tries != 4 {
		t.Fatalf("always failing: %+v, %v, %d tries", res, err, f.tries)
	}
	if !strings.Contains(err.Error(), "Exception") || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Fatalf("error says %q", err)
	}
}

func TestARefusalIsNotRetried(t *testing.T) {
	f := &fakeNotify{t: t, script: []int{400}}
	res, err := client(t, f).Send(context.Background(), msg)
	var api *govuknotify.APIError
	if !errors.As(err, &api) || api.StatusCode != 400 || api.Errors[0].Error != "BadRequestError" || res.Attempts != 1 || f.tries != 1 {
		t.Fatalf("400: %+v %v %d", res, err, f.tries)
	}
	// A wrong secret is Notify's 403 AuthError, not retried either.
	c := client(t, &fakeNotify{t: t})
	bad, _ := govuknotify.New("carecoop_test-"+serviceID+"-00000000-0000-0000-0000-000000000000", map[string]string{govuknotify.DefaultTemplateKey: templateID})
	bad.BaseURL, bad.Backoff = c.BaseURL, time.Millisecond
	if _, err := bad.Send(context.Background(), msg); !errors.As(err, &api) || api.StatusCode != 403 {
		t.Fatalf("wrong secret: %v", err)
	}
	// A token from a clock 5 minutes off is refused by Notify.
	skewed := client(t, &fakeNotify{t: t})
	skewed.Now = func() time.Time { return time.Now().Add(-5 * time.Minute) }
	if _, err := skewed.Send(context.Background(), msg); !errors.As(err, &api) || api.StatusCode != 403 {
		t.Fatalf("skewed iat: %v", err)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := &fakeNotify{t: t, script: []int{429}, retryIn: "1"}
	began := time.Now()
	if _, err := client(t, f).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if time.Since(began) < time.Second {
		t.Fatalf("retried after %v, before Retry-After: 1", time.Since(began))
	}
}

func TestAPIKeys(t *testing.T) {
	id, s, err := govuknotify.ParseAPIKey(apiKey)
	if err != nil || id != serviceID || s != secret {
		t.Fatalf("%q %q %v", id, s, err)
	}
	for _, bad := range []string{"", "nope", serviceID + "-" + secret, "name-" + serviceID + "-not-a-uuid-at-all-0000000000000000"} {
		if _, _, err := govuknotify.ParseAPIKey(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := govuknotify.New(apiKey, nil); err == nil {
		t.Error("no default template accepted")
	}
}

// What became of a message Notify accepted: delivered, one of its three
// failures (final, in plain words), or still on its way (not final).
func TestDeliveryStatusAsNotifyDocuments(t *testing.T) {
	ids := []string{"740e5834-3a29-46b4-9a6f-16142fde533a", "8f9cbb2e-6b1d-4c43-a2a6-0d1a7f0c5e11", "0b4a5f43-7e0e-4b8f-9d61-3a8b4c2d1e00",
		"c3d2e1f0-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "11111111-2222-4333-8444-555555555555"}
	f := &fakeNotify{t: t, statuses: map[string]string{ids[0]: "delivered", ids[1]: "permanent-failure", ids[2]: "temporary-failure", ids[3]: "technical-failure", ids[4]: "sending"}}
	c := client(t, f)
	for i, want := range []channel.Report{
		{Final: true, Delivered: true, Status: "delivered"},
		{Final: true, Status: "permanent-failure", Detail: "the email address does not exist or its provider refused the message"},
		{Final: true, Status: "temporary-failure", Detail: "the inbox was full or refused the message for 72 hours"},
		{Final: true, Status: "technical-failure", Detail: "GOV.UK Notify could not send it because of a technical failure"},
		{Status: "sending"},
	} {
		got, err := c.DeliveryStatus(context.Background(), ids[i])
		if err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", f.statuses[ids[i]], got, err, want)
		}
	}
	var api *govuknotify.APIError
	if _, err := c.DeliveryStatus(context.Background(), "99999999-2222-4333-8444-555555555555"); !errors.As(err, &api) || api.StatusCode != 404 {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := c.DeliveryStatus(context.Background(), "../email"); err == nil {
		t.Error("a reference that is no Notify id was asked for")
	}
}
