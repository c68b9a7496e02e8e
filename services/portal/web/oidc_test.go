package web_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/browsertest"
	"github.com/carecoop/carecoop/services/portal/web"
)

// The test identity provider's groups (Entra ID puts group object ids in
// the groups claim).
const (
	groupManchesterCommissioners = "9f2c6d1e-3b7a-4c55-8e0f-1a2b3c4d5e6f"
	groupManchesterAnalysts      = "1c7e2a90-5d3b-4f8e-9a61-2b3c4d5e6f70"
	groupNorthWestLead           = "5a0b9c8d-7e6f-4a3b-8c2d-1e0f9a8b7c6d"
	groupSalfordCommissioners    = "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
	groupEveryone                = "0e1d2c3b-4a59-4687-9766-554433221100"
)

// The rules the tests' portal uses.
var oidcRules = []web.OIDCRule{
	{Claim: "groups", Value: groupManchesterCommissioners, Organisation: "council:352", Role: auth.CouncilCommissioner},
	{Claim: "groups", Value: groupManchesterAnalysts, Organisation: "council:352", Role: auth.CouncilAnalyst},
	{Claim: "groups", Value: groupSalfordCommissioners, Organisation: "council:355", Role: auth.CouncilCommissioner},
	// A consortium lead is usually a council officer too: the lead's
	// organisation wins.
	{Claim: "groups", Value: groupNorthWestLead, Organisation: "consortium:north-west", Role: auth.ConsortiumLead, Priority: 1},
	// Entra ID app roles come in the roles claim.
	{Claim: "roles", Value: "Carecoop.Auditor", Organisation: "platform", Role: auth.Auditor},
}

// idpUser is the person the test provider signs in (it auto-consents).
type idpUser struct {
	Sub, Name, Email string
	Groups, Roles    []string
}

// grant is an authorization code the test provider issued.
type grant struct {
	user                   idpUser
	redirectURI, challenge string
	nonce                  string
	used                   bool
	expires                time.Time
}

// testIdP is an OpenID Connect provider written for the tests, following
// OIDC Core 1.0 and Discovery 1.0, OAuth 2.0 (RFC 6749) and PKCE (RFC
// 7636): discovery, JWKS, an authorization endpoint that consents for the
// configured person at once, and a token endpoint that checks the client's
// secret, the code (known, unused, unexpired, same redirect URI) and the
// PKCE verifier, and answers with an RS256 ID token.
type testIdP struct {
	t        *testing.T
	srv      *httptest.Server
	issuer   string
	key      *rsa.PrivateKey
	kid      string
	clientID string
	secret   string
	redirect string

	mu     sync.Mutex
	user   idpUser
	grants map[string]*grant
	codes  []string
	// refused are the token endpoint's refusals, with the reason.
	refused []string
	// Misbehaviour for the next sign-ins (see misbehave).
	tamperState bool
	answerCode  string
	tweak       func(claims map[string]any)
	signer      *rsa.PrivateKey
}

var (
	rsaOnce          sync.Once
	rsaKey, rsaOther *rsa.PrivateKey
)

func rsaKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err == nil {
			rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
		}
		if err != nil {
			panic(err)
		}
	})
	return rsaKey, rsaOther
}

// newIdP starts the provider on http://localhost:<port>: another site
// than the portal on 127.0.0.1, as a real provider is.
func newIdP(t *testing.T) *testIdP {
	t.Helper()
	key, _ := rsaKeys(t)
	idp := &testIdP{t: t, key: key, kid: "test-key-1", clientID: "carecoop-portal-test", secret: "s3cret-" + b64(randomBytes(12)), grants: map[string]*grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", idp.discovery)
	mux.HandleFunc("GET /jwks", idp.jwks)
	mux.HandleFunc("GET /authorize", idp.authorize)
	mux.HandleFunc("POST /token", idp.token)
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	_, port, _ := net.SplitHostPort(idp.srv.Listener.Addr().String())
	idp.issuer = "http://localhost:" + port
	return idp
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// signIn sets who the provider signs in next, behaving well.
func (idp *testIdP) signIn(u idpUser) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.user = u
	idp.tamperState, idp.answerCode, idp.tweak, idp.signer = false, "", nil, nil
}

// misbehave changes how the provider answers from now on.
func (idp *testIdP) misbehave(fn func(idp *testIdP)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	fn(idp)
}

func (idp *testIdP) issuedCodes() []string {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return slices.Clone(idp.codes)
}

func (idp *testIdP) refusals() []string {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return slices.Clone(idp.refused)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (idp *testIdP) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                idp.issuer,
		"authorization_endpoint":                idp.issuer + "/authorize",
		"token_endpoint":                        idp.issuer + "/token",
		"jwks_uri":                              idp.issuer + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "name", "email", "groups", "roles"},
	})
}

func (idp *testIdP) jwks(w http.ResponseWriter, _ *http.Request) {
	pub := idp.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": idp.kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authorize consents at once for the configured person. A request that
// names an unknown client or an unregistered redirect URI is refused
// here, never redirected (RFC 6749 §4.1.2.1); other errors go back to the
// client.
func (idp *testIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != idp.clientID || q.Get("redirect_uri") != idp.redirect {
		http.Error(w, "unknown client or redirect URI", http.StatusBadRequest)
		return
	}
	state := q.Get("state")
	back := func(params url.Values) {
		if state != "" {
			params.Set("state", state)
		}
		http.Redirect(w, r, idp.redirect+"?"+params.Encode(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"openid is required"}})
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		back(url.Values{"error": {"invalid_request"}, "error_description": {"PKCE with S256 is required"}})
		return
	case q.Get("nonce") == "":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"a nonce is required"}})
		return
	}
	idp.mu.Lock()
	code := b64(randomBytes(24))
	idp.grants[code] = &grant{user: idp.user, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
		nonce: q.Get("nonce"), expires: time.Now().Add(time.Minute)}
	idp.codes = append(idp.codes, code)
	if idp.answerCode != "" {
		code = idp.answerCode
	}
	if idp.tamperState {
		last := byte('A')
		if state[len(state)-1] == 'A' {
			last = 'B'
		}
		state = state[:len(state)-1] + string(last)
	}
	idp.mu.Unlock()
	back(url.Values{"code": {code}})
}

// token exchanges a code (OIDC Core §3.1.3).
func (idp *testIdP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// client_secret_basic: each part form-encoded (RFC 6749 §2.3.1).
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	idp.mu.Lock()
	defer idp.mu.Unlock()
	refuse := func(code int, e, why string) {
		idp.refused = append(idp.refused, e+": "+why)
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="test-idp"`)
		}
		writeJSON(w, code, map[string]string{"error": e, "error_description": why})
	}
	if id != idp.clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(idp.secret)) != 1 {
		refuse(http.StatusUnauthorized, "invalid_client", "wrong client or secret")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		refuse(http.StatusBadRequest, "unsupported_grant_type", r.PostForm.Get("grant_type"))
		return
	}
	g := idp.grants[r.PostForm.Get("code")]
	switch {
	case g == nil:
		refuse(http.StatusBadRequest, "invalid_grant", "unknown code")
		return
	case g.used:
		refuse(http.StatusBadRequest, "invalid_grant", "code already used")
		return
	}
	g.used = true
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case time.Now().After(g.expires):
		refuse(http.StatusBadRequest, "invalid_grant", "code expired")
		return
	case r.PostForm.Get("redirect_uri") != g.redirectURI:
		refuse(http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	case b64(sum[:]) != g.challenge:
		refuse(http.StatusBadRequest, "invalid_grant", "PKCE verifier does not match the challenge")
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": idp.issuer, "sub": g.user.Sub, "aud": idp.clientID, "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "auth_time": now.Unix(), "nonce": g.nonce, "name": g.user.Name, "email": g.user.Email,
	}
	if g.user.Groups != nil {
		claims["groups"] = g.user.Groups
	}
	if g.user.Roles != nil {
		claims["roles"] = g.user.Roles
	}
	if idp.tweak != nil {
		idp.tweak(claims)
	}
	signer := idp.key
	if idp.signer != nil {
		signer = idp.signer
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": b64(randomBytes(24)), "token_type": "Bearer", "expires_in": 3600,
		"scope": "openid profile email", "id_token": signJWT(idp.t, signer, idp.kid, claims)})
}

// signJWT is a JWS compact serialisation, RS256 (RFC 7515, RFC 7518 §3.3).
func signJWT(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Error(err)
	}
	input := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Error(err)
	}
	return input + "." + b64(sig)
}

// oidcPortal serves the portal with the provider as its sign-in (and the
// demo people too when dev), sessions in a real NATS; the services are
// not running (no page here calls them).
func oidcPortal(t *testing.T, idp *testIdP, dev bool) *httptest.Server {
	t.Helper()
	cfg := withoutServices(t)
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	idp.redirect = srv.URL + web.OIDCCallbackPath
	cfg.OIDC = &web.OIDCConfig{ProviderName: "Manchester City Council", Issuer: idp.issuer, ClientID: idp.clientID,
		ClientSecretEnv: "TEST_OIDC_SECRET", ClientSecret: idp.secret, RedirectURL: idp.redirect, Rules: oidcRules}
	if dev {
		cfg.DevPeople = people
	}
	w, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	handler = w.Handler()
	return srv
}

var (
	chloe = idpUser{Sub: "entra-oid-chloe", Name: "Chloe Byrne", Email: "chloe.byrne@manchester.example",
		Groups: []string{groupEveryone, groupManchesterCommissioners}}
	nobody = idpUser{Sub: "entra-oid-nobody", Name: "Noel Body", Email: "noel.body@manchester.example", Groups: []string{groupEveryone}}
)

// In a real Chromium: a council commissioner in the mapped group signs in
// with the provider and lands on the page asked for, as council 352; a
// person in no mapped group is refused; a tampered state, a replayed
// code, a wrong nonce, an expired ID token, a wrong audience, a wrong
// issuer and a signature by another key each end the sign-in without a
// session. Only OIDC is configured: there is no demo sign-in.
func TestOIDCSignInInABrowser(t *testing.T) {
	idp := newIdP(t)
	srv := oidcPortal(t, idp, false)
	b := browsertest.New(t, srv.URL)
	signedOut := func(when string) {
		t.Helper()
		b.Visit("/")
		if loc := b.Location(); !strings.HasPrefix(loc, "/sign-in") {
			t.Fatalf("%s: / went to %s, want the sign-in page (no session)", when, loc)
		}
	}

	// The commissioner asks for a page, signs in, and lands on it.
	idp.signIn(chloe)
	// A page that needs no service (none runs here): the notifications page
	// of a portal without notify.
	b.Visit("/notifications?from=alert")
	if loc := b.Location(); loc != "/sign-in?next="+url.QueryEscape("/notifications?from=alert") {
		t.Fatalf("signed out, /notifications?from=alert went to %s", loc)
	}
	b.Contains("Sign in to carecoop", "Sign in with Manchester City Council")
	if main := b.Text("main"); strings.Contains(main, "demo person") {
		t.Fatalf("only OIDC is configured, yet the sign-in page offers demo people:\n%s", main)
	}
	b.Follow(`a.govuk-button`)
	if loc := b.Location(); loc != "/notifications?from=alert" {
		t.Fatalf("after signing in: %s, want the page asked for", loc)
	}
	b.Contains("Notifications are not set up on this portal")
	if header := b.Text("header"); !strings.Contains(header, "Signed in as Chloe Byrne, council commissioner, council 352") {
		t.Fatalf("header: %q", header)
	}
	firstCode := idp.issuedCodes()[0]
	b.Follow(`form[action="/sign-out"] button`)
	signedOut("after signing out")

	// The demo sign-in does not exist.
	b.Visit("/dev/sign-in")
	b.Contains("Page not found")

	// Someone in no mapped group is refused, and told what to do.
	idp.signIn(nobody)
	b.Visit("/sign-in")
	b.Follow(`a.govuk-button`)
	b.Contains("Your account is not set up for carecoop", "You signed in to Manchester City Council as Noel Body.",
		"Ask your organisation's administrator to give your account access to carecoop.", "Sign in with a different account")
	signedOut("a person in no mapped group")

	// Each broken check ends the sign-in on the same page, without a session.
	for _, c := range []struct {
		name string
		fn   func(*testIdP)
	}{
		{"a tampered state", func(idp *testIdP) { idp.tamperState = true }},
		{"a replayed code", func(idp *testIdP) { idp.answerCode = firstCode }},
		{"a wrong nonce", func(idp *testIdP) { idp.tweak = func(c map[string]any) { c["nonce"] = b64(randomBytes(16)) } }},
		{"an expired ID token", func(idp *testIdP) {
			idp.tweak = func(c map[string]any) {
				c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-time.Minute).Unix()
			}
		}},
		{"a wrong audience", func(idp *testIdP) { idp.tweak = func(c map[string]any) { c["aud"] = "another-client" } }},
		{"a wrong issuer", func(idp *testIdP) { idp.tweak = func(c map[string]any) { c["iss"] = "http://localhost:1" } }},
		{"another key's signature", func(idp *testIdP) { _, idp.signer = rsaKeys(t) }},
	} {
		idp.signIn(chloe)
		idp.misbehave(c.fn)
		// The button was followed above; here its link is visited.
		b.Visit("/sign-in/oidc?next=%2F%3Fcase%3D1")
		if loc := b.Location(); !strings.HasPrefix(loc, "/sign-in/callback") {
			t.Fatalf("%s: ended on %s, want the callback's refusal", c.name, loc)
		}
		b.Contains("Sign-in did not finish", "so you are not signed in", "Sign in again")
		signedOut(c.name)
	}
	// The replayed code reached the provider, which refused it.
	if r := idp.refusals(); !slices.Contains(r, "invalid_grant: code already used") {
		t.Fatalf("the provider's refusals %v: want the replayed code refused", r)
	}
}

// newJar is a client that follows the redirects through the provider and
// back, keeping cookies as a browser does.
func newJar(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// getPage is the page at u (after redirects), as text.
func getPage(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return res, html.UnescapeString(readAll(t, res))
}

// Who gets which organisation and roles: every role of the one
// organisation a person's groups map to; a higher priority settles two
// organisations; two at the same priority are refused; an app role (a
// custom claim) maps too; the name falls back to the email.
func TestOIDCClaimRules(t *testing.T) {
	idp := newIdP(t)
	srv := oidcPortal(t, idp, false)
	for _, c := range []struct {
		name   string
		user   idpUser
		status int
		want   string
	}{
		// Each home page asks the services, which do not run here: the
		// header shows who signed in, as whom.
		{"two roles of one council", idpUser{Sub: "a", Name: "Dev Patel", Groups: []string{groupManchesterAnalysts, groupManchesterCommissioners}},
			0, "Signed in as Dev Patel, council commissioner, council 352"},
		{"the lead's priority wins over a council", idpUser{Sub: "b", Name: "Amara Okafor", Groups: []string{groupManchesterCommissioners, groupNorthWestLead}},
			0, "Signed in as Amara Okafor, consortium lead, consortium north-west"},
		{"two councils are ambiguous", idpUser{Sub: "c", Name: "Sam Two", Groups: []string{groupManchesterCommissioners, groupSalfordCommissioners}},
			http.StatusForbidden, "Your account is set up for more than one organisation"},
		{"an Entra app role", idpUser{Sub: "d", Name: "Ines Auditor", Email: "ines@platform.example", Roles: []string{"Carecoop.Auditor"}},
			0, "Signed in as Ines Auditor, auditor, the platform"},
		{"the name falls back to the email", idpUser{Sub: "e", Email: "e@manchester.example", Groups: []string{groupManchesterCommissioners}},
			0, "Signed in as e@manchester.example, council commissioner, council 352"},
	} {
		t.Run(c.name, func(t *testing.T) {
			idp.signIn(c.user)
			res, body := getPage(t, newJar(t), srv.URL+"/sign-in/oidc")
			refused := res.StatusCode == http.StatusForbidden
			if refused != (c.status == http.StatusForbidden) || !strings.Contains(body, c.want) {
				t.Fatalf("status %d, want %s showing %q:\n%s", res.StatusCode, map[bool]string{true: "403", false: "signed in"}[c.status == http.StatusForbidden], c.want, body)
			}
		})
	}
}

// In `carecoop dev` with a provider configured, both sign-ins are offered:
// the provider's button, and the demo people a link away.
func TestOIDCAndDevSignInBothOffered(t *testing.T) {
	idp := newIdP(t)
	srv := oidcPortal(t, idp, true)
	c := newJar(t)
	res, body := getPage(t, c, srv.URL+"/sign-in?next=%2Fframeworks")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with Manchester City Council") ||
		!strings.Contains(body, `href="/dev/sign-in?next=%2Fframeworks"`) || !strings.Contains(body, `href="/sign-in/oidc?next=%2Fframeworks"`) {
		t.Fatalf("the sign-in page (%d) does not offer both sign-ins:\n%s", res.StatusCode, body)
	}
	res, body = getPage(t, c, srv.URL+"/dev/sign-in?next=%2Fframeworks")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in as a demo person") || !strings.Contains(body, "Amara Okafor") {
		t.Fatalf("the demo people's page (%d):\n%s", res.StatusCode, body)
	}
}

// Without dev people, nothing of the demo sign-in answers, and a sign-in
// never leads to another site, whatever next says.
func TestOIDCOnlyHasNoDemoSignIn(t *testing.T) {
	idp := newIdP(t)
	srv := oidcPortal(t, idp, false)
	c := newJar(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.PostForm(srv.URL+"/dev/sign-in", url.Values{"person": {"0"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusSeeOther || len(c.Jar.Cookies(mustURL(srv.URL))) > 0 {
		t.Fatalf("a demo sign-in with only OIDC answered %d and set %v", res.StatusCode, c.Jar.Cookies(mustURL(srv.URL)))
	}
	idp.signIn(chloe)
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		c := newJar(t)
		res, body := getPage(t, c, srv.URL+"/sign-in/oidc?next="+url.QueryEscape(next))
		last := res.Request.URL
		// Home asks the services, which do not run here: the header says
		// who signed in.
		if last.Host != mustURL(srv.URL).Host || last.Path != "/" || last.RawQuery != "" || !strings.Contains(body, "Signed in as Chloe Byrne") {
			t.Fatalf("next=%s: ended on %v (%d), want the portal's home page", next, last, res.StatusCode)
		}
	}
}

// The configuration is checked at start, every mistake named.
func TestOIDCConfigIsChecked(t *testing.T) {
	env := map[string]string{"PORTAL_OIDC_SECRET": "from-the-environment"}
	getenv := func(k string) string { return env[k] }
	good := `{"issuer": "https://login.microsoftonline.com/tenant/v2.0", "client_id": "c", "client_secret_env": "PORTAL_OIDC_SECRET",
	  "redirect_url": "https://portal.example/sign-in/callback",
	  "rules": [{"claim": "groups", "value": "g", "organisation": "council:352", "role": "council_commissioner"}]}`
	cfg, err := web.ParseOIDCConfig([]byte(good), getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientSecret != "from-the-environment" || cfg.SubjectClaim != "sub" || !slices.Contains(cfg.Scopes, "openid") {
		t.Fatalf("defaults and secret: %+v", cfg)
	}
	for _, c := range []struct{ name, json, want string }{
		{"unknown role", `"rules": [{"claim": "groups", "value": "g", "organisation": "council:352", "role": "council_boss"}]`, `role "council_boss" is not a carecoop role`},
		{"role of another kind", `"rules": [{"claim": "groups", "value": "g", "organisation": "consortium:north-west", "role": "council_commissioner"}]`,
			`role "council_commissioner" is for council organisations, not consortium:north-west`},
		{"bad organisation", `"rules": [{"claim": "groups", "value": "g", "organisation": "council:Manchester", "role": "council_commissioner"}]`,
			`organisation "council:Manchester" is not consortium:<slug>, council:<LA code>, provider:<id> or platform`},
		{"no rules", `"rules": []`, "rules: there are none"},
		{"a rule without a value", `"rules": [{"claim": "groups", "organisation": "council:352", "role": "council_commissioner"}]`, "claim and value are both needed"},
		{"a misspelt field", `"rules": [{"claim": "groups", "value": "g", "organization": "council:352", "role": "council_commissioner"}]`, `unknown field "organization"`},
		{"the secret in the file", `"client_secret": "oops"`, "client_secret must not be in the file"},
		{"the secret's variable unset", `"client_secret_env": "NOT_SET"`, "NOT_SET (client_secret_env) is not set"},
		{"plain http", `"issuer": "http://login.example"`, "must be https"},
		{"another callback", `"redirect_url": "https://portal.example/callback"`, "the path must be /sign-in/callback"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m map[string]any
			_ = json.Unmarshal([]byte(good), &m)
			var over map[string]any
			if err := json.Unmarshal([]byte("{"+c.json+"}"), &over); err != nil {
				t.Fatal(err)
			}
			for k, v := range over {
				m[k] = v
			}
			data, _ := json.Marshal(m)
			_, err := web.ParseOIDCConfig(data, getenv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}

// The README's example configuration (Entra ID) is one the portal takes.
func TestOIDCReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Signing in")
	if !ok {
		t.Fatal("README has no Signing in section")
	}
	m := regexp.MustCompile("(?s)```json\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("the Signing in section has no json block")
	}
	cfg, err := web.ParseOIDCConfig([]byte(m[1]), func(k string) string { return "secret-of-" + k })
	if err != nil {
		t.Fatalf("the README's configuration: %v", err)
	}
	if len(cfg.Rules) == 0 || !strings.HasPrefix(cfg.Issuer, "https://login.microsoftonline.com/") {
		t.Fatalf("the README's configuration: %+v", cfg)
	}
}
