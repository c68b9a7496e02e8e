// Package govuknotify is a small client of GOV.UK Notify's REST API
// (https://docs.notifications.service.gov.uk/rest-api.html), enough to send
// an email from a template: there is no official Go client.
//
//   - Authentication: each request carries a bearer JWT signed with HS256
//     with the API key's secret, its claims iss (the service id) and iat
//     (now; Notify refuses a token more than 30 seconds off its clock).
//     An API key is "<key name>-<service id>-<secret>", both ids UUIDs.
//   - Sending: POST /v2/notifications/email with template_id,
//     email_address, personalisation and reference (the platform's
//     notification id, so a message can be traced in Notify); 201 answers
//     with Notify's id of the notification.
//   - Delivery status: GET /v2/notifications/{id} answers with the
//     notification and its status: created and sending until it is
//     delivered, or a permanent-failure (no such address), temporary-failure
//     (inbox full, or refused for 72 hours) or technical-failure (Notify's).
//   - Errors: a JSON body {"status_code": n, "errors": [{"error": type,
//     "message": text}]}. 429 (RateLimitError, TooManyRequestsError) and
//     5xx are retried with exponential backoff (a Retry-After is honoured
//     when longer); anything else (400 BadRequestError, 403 AuthError) is
//     refused at once. After the last attempt the error is returned, and
//     the service records the notification as failed.
package govuknotify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/notify/channel"
)

// DefaultBaseURL is GOV.UK Notify's API.
const DefaultBaseURL = "https://api.notifications.service.gov.uk"

// DefaultTemplateKey in Templates is the Notify template used for any
// platform template not mapped on its own: a template whose subject is
// ((subject)) and body ((body)).
const DefaultTemplateKey = "default"

// Client sends emails through GOV.UK Notify.
type Client struct {
	// BaseURL is DefaultBaseURL unless set (tests).
	BaseURL   string
	ServiceID string
	secret    []byte
	// Templates maps the platform's template ids to Notify template ids
	// (UUIDs), DefaultTemplateKey for all others.
	Templates map[string]string
	HTTP      *http.Client
	// Attempts is how many times a message is tried (4 unless set).
	Attempts int
	// Backoff is the first wait before a retry, doubled each time with
	// jitter (500 ms unless set), at most MaxBackoff (8 s unless set).
	Backoff, MaxBackoff time.Duration
	// Now is the clock the tokens' iat is read from.
	Now func() time.Time
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ParseAPIKey splits a Notify API key into its service id and secret.
func ParseAPIKey(key string) (serviceID, secret string, err error) {
	key = strings.TrimSpace(key)
	if len(key) < 74 || key[len(key)-37] != '-' || key[len(key)-74] != '-' {
		return "", "", errors.New("govuknotify: an API key is <key name>-<service id>-<secret key>")
	}
	serviceID, secret = key[len(key)-73:len(key)-37], key[len(key)-36:]
	if !uuidRE.MatchString(serviceID) || !uuidRE.MatchString(secret) {
		return "", "", errors.New("govuknotify: an API key ends with two UUIDs, the service id and the secret key")
	}
	return serviceID, secret, nil
}

// New returns a client for apiKey, sending with the Notify templates given
// (DefaultTemplateKey at least).
func New(apiKey string, templates map[string]string) (*Client, error) {
	id, secret, err := ParseAPIKey(apiKey)
	if err != nil {
		return nil, err
	}
	for k, v := range templates {
		if !uuidRE.MatchString(v) {
			return nil, fmt.Errorf("govuknotify: template %s: %q is not a Notify template id (a UUID)", k, v)
		}
	}
	if templates[DefaultTemplateKey] == "" {
		return nil, fmt.Errorf("govuknotify: no %q template (one whose subject is ((subject)) and body ((body)))", DefaultTemplateKey)
	}
	return &Client{ServiceID: id, secret: []byte(secret), Templates: templates}, nil
}

// Kind is CHANNEL_GOVUK_NOTIFY.
func (c *Client) Kind() notifyv1.Channel { return notifyv1.Channel_CHANNEL_GOVUK_NOTIFY }

// APIError is an error Notify answered with.
type APIError struct {
	StatusCode int
	Errors     []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (e *APIError) Error() string {
	var parts []string
	for _, x := range e.Errors {
		parts = append(parts, x.Error+": "+x.Message)
	}
	if len(parts) == 0 {
		parts = append(parts, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("GOV.UK Notify %d %s", e.StatusCode, strings.Join(parts, "; "))
}

// Retryable: rate limited, or Notify's own failure.
func (e *APIError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

type sendRequest struct {
	EmailAddress    string            `json:"email_address"`
	TemplateID      string            `json:"template_id"`
	Personalisation map[string]string `json:"personalisation,omitempty"`
	Reference       string            `json:"reference,omitempty"`
}

type sendResponse struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
}

// Send sends m, retrying rate limits and server errors.
func (c *Client) Send(ctx context.Context, m channel.Message) (channel.Result, error) {
	template := c.Templates[m.Template]
	if template == "" {
		template = c.Templates[DefaultTemplateKey]
	}
	p := map[string]string{"subject": m.Subject, "body": m.Body}
	for k, v := range m.Personalisation {
		p[k] = v
	}
	body, err := json.Marshal(sendRequest{EmailAddress: m.To, TemplateID: template, Personalisation: p, Reference: m.NotificationID})
	if err != nil {
		return channel.Result{}, err
	}
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	var res channel.Result
	for i := 1; ; i++ {
		res.Attempts = uint32(i)
		id, retryAfter, err := c.post(ctx, "/v2/notifications/email", body)
		if err == nil {
			res.Reference = id
			return res, nil
		}
		var api *APIError
		retryable := errors.As(err, &api) && api.Retryable() || !errors.As(err, &api) && ctx.Err() == nil
		if !retryable || i >= attempts {
			if i > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, i)
			}
			return res, err
		}
		wait := max(c.backoff(i), retryAfter)
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// backoff is the wait before attempt n+1: Backoff·2^(n-1), jittered down
// by up to a half, at most MaxBackoff.
func (c *Client) backoff(n int) time.Duration {
	base, limit := c.Backoff, c.MaxBackoff
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if limit <= 0 {
		limit = 8 * time.Second
	}
	d := min(base<<(n-1), limit)
	return d/2 + rand.N(d/2+1)
}

// token is a fresh bearer token.
func (c *Client) token() (string, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": c.ServiceID, "iat": now().Unix()}).SignedString(c.secret)
}

func (c *Client) post(ctx context.Context, path string, body []byte) (id string, retryAfter time.Duration, err error) {
	data, retryAfter, err := c.call(ctx, http.MethodPost, path, body)
	if err != nil {
		return "", retryAfter, err
	}
	var ok sendResponse
	if err := json.Unmarshal(data, &ok); err != nil || ok.ID == "" {
		return "", 0, errors.New("GOV.UK Notify: an answer without a notification id")
	}
	return ok.ID, 0, nil
}

// call makes one request; an answer other than 200 or 201 is an *APIError.
func (c *Client) call(ctx context.Context, method, path string, body []byte) (data []byte, retryAfter time.Duration, err error) {
	tok, err := c.token()
	if err != nil {
		return nil, 0, err
	}
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, r)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "carecoop-notify")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("GOV.UK Notify: %w", err)
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("GOV.UK Notify: reading the answer: %w", err)
	}
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		return data, 0, nil
	}
	api := &APIError{StatusCode: resp.StatusCode}
	_ = json.Unmarshal(data, api) // a proxy's HTML 502 still is a 502
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = min(time.Duration(s)*time.Second, time.Minute)
	}
	return nil, retryAfter, api
}

// undelivered says in plain words why Notify could not deliver an email.
var undelivered = map[string]string{
	"permanent-failure": "the email address does not exist or its provider refused the message",
	"temporary-failure": "the inbox was full or refused the message for 72 hours",
	"technical-failure": "GOV.UK Notify could not send it because of a technical failure",
}

// DeliveryStatus asks Notify what became of the notification it accepted
// with id reference (one attempt: the service asks again later).
func (c *Client) DeliveryStatus(ctx context.Context, reference string) (channel.Report, error) {
	if !uuidRE.MatchString(reference) {
		return channel.Report{}, fmt.Errorf("govuknotify: %q is not a Notify notification id", reference)
	}
	data, _, err := c.call(ctx, http.MethodGet, "/v2/notifications/"+reference, nil)
	if err != nil {
		return channel.Report{}, err
	}
	var n struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(data, &n); err != nil || n.Status == "" {
		return channel.Report{}, errors.New("GOV.UK Notify: a notification without a status")
	}
	r := channel.Report{Status: n.Status}
	switch detail, failed := undelivered[n.Status]; {
	case n.Status == "delivered":
		r.Final, r.Delivered = true, true
	case failed:
		r.Final, r.Detail = true, detail
	}
	return r, nil
}
