package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/portal/browsertest"
	"github.com/carecoop/carecoop/services/portal/session"
	"github.com/carecoop/carecoop/services/portal/web"
)

var people = []web.Person{
	{Name: "Amara Okafor", Organisation: "consortium:north-west", Role: auth.ConsortiumLead, Group: "Consortium"},
	{Name: "Priya Shah", Organisation: "provider:pennine-pathways", Role: auth.ProviderAdmin, Group: "Providers"},
}

// portal serves the portal over httptest (TLS if secure), with real NATS
// sessions. The services are not running: these tests stop before any
// call to them.
// withoutServices is a portal configuration with sessions in a real NATS
// and a fresh signing key; the services are not running (the tests using
// it stop before any page calls them).
func withoutServices(t *testing.T) web.Config {
	t.Helper()
	nc, _ := natstest.JetStream(t)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.Open(context.Background(), js, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	nowhere, err := grpc.NewClient("127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nowhere.Close() })
	return web.Config{Conns: web.Conns{Framework: nowhere, Purchasing: nowhere, Demand: nowhere, Monitoring: nowhere}, Sessions: sessions, Key: key}
}

func portal(t *testing.T, dev, secure bool) (*httptest.Server, ed25519.PrivateKey) {
	t.Helper()
	cfg := withoutServices(t)
	cfg.Secure = secure
	key := cfg.Key
	if dev {
		cfg.DevPeople = people
	}
	w, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	if secure {
		srv = httptest.NewTLSServer(w.Handler())
	} else {
		srv = httptest.NewServer(w.Handler())
	}
	t.Cleanup(srv.Close)
	return srv, key
}

func client(t *testing.T, srv *httptest.Server) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// The dev sign-in page lists the demo people and signs in as one; a
// provider's session cannot reach a lead's page; every page passes axe.
func TestDevSignInInABrowser(t *testing.T) {
	srv, _ := portal(t, true, false)
	b := browsertest.New(t, srv.URL)
	b.Visit("/")
	if loc := b.Location(); !strings.HasPrefix(loc, "/sign-in") {
		t.Fatalf("signed out, / went to %s, want the sign-in page", loc)
	}
	b.Contains("Sign in as a demo person", "Amara Okafor", "Priya Shah", "provider admin")
	b.Follow(`form[action="/dev/sign-in"]:has(input[value="1"]) button`)
	// Her home asks the services, which do not run here: the header says who
	// signed in.
	if header := b.Text("header"); !strings.Contains(header, "Signed in as Priya Shah, provider admin") {
		t.Fatalf("header after signing in: %q", header)
	}
	b.Visit("/frameworks")
	b.Contains("You cannot see this page")
	b.Follow(`form[action="/sign-out"] button`)
	if loc := b.Location(); loc != "/sign-in" {
		t.Fatalf("after signing out: %s", loc)
	}
}

// Outside dev mode there is no demo sign-in: not listed, not accepted.
func TestNoDevSignInOutsideDev(t *testing.T) {
	srv, _ := portal(t, false, false)
	c := client(t, srv)
	res, err := c.Get(srv.URL + "/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res)
	if strings.Contains(body, "demo person") || strings.Contains(body, "Amara") {
		t.Fatalf("the sign-in page offers demo people outside dev:\n%s", body)
	}
	res, err = c.PostForm(srv.URL+"/dev/sign-in", url.Values{"person": {"0"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusSeeOther || len(c.Jar.Cookies(mustURL(srv.URL))) > 0 {
		t.Fatalf("a demo sign-in outside dev answered %d and set %v", res.StatusCode, c.Jar.Cookies(mustURL(srv.URL)))
	}
}

// A form posted from another site is refused; every answer carries the
// security headers; over TLS the session cookie is Secure, HttpOnly and
// host-only, and HSTS is sent.
func TestFormsAndCookiesAreProtected(t *testing.T) {
	srv, _ := portal(t, true, true)
	c := client(t, srv)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/dev/sign-in", strings.NewReader("person=0"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || len(res.Cookies()) > 0 {
		t.Fatalf("a cross-site sign-in answered %d with cookies %v, want 403 and none", res.StatusCode, res.Cookies())
	}

	res, err = c.PostForm(srv.URL+"/dev/sign-in", url.Values{"person": {"0"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("sign-in set %d cookies", len(cookies))
	}
	ck := cookies[0]
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || !strings.HasPrefix(ck.Name, "__Host-") || ck.Domain != "" {
		t.Fatalf("session cookie %+v: want Secure, HttpOnly, SameSite=Lax, __Host- and host-only", ck)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy":   "script-src 'self'",
		"Strict-Transport-Security": "max-age=",
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "same-origin",
	} {
		if got := res.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to contain %q", h, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q allows inline script or framing", csp)
	}
}

// The portal publishes the key it signs service tokens with; a token it
// signs verifies against that JWKS, as the services do (-jwks-url).
func TestJWKSVerifiesThePortalsTokens(t *testing.T) {
	srv, key := portal(t, false, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := auth.NewJWKSVerifier(ctx, srv.URL+"/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{Subject: "amara", Organisation: "consortium:north-west", Roles: []string{auth.ConsortiumLead}}
	tok, err := auth.IssueToken(key, p, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(ctx, tok)
	if err != nil || got.Organisation != p.Organisation {
		t.Fatalf("verified %+v, %v", got, err)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}
