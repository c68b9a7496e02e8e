package web

// OpenID Connect sign-in: the organisation's identity provider says who the
// person is; the configuration's claim rules say which carecoop
// organisation and roles that makes them; the portal then starts a session
// and signs the short-lived service tokens itself (server.go).
//
// The flow is the authorization code flow with PKCE (S256), state and
// nonce. What the callback must check them against is kept in a cookie
// the portal signs with its key, named after the flow's state (so two tabs
// can sign in at once), HttpOnly, SameSite=Lax, for ten minutes; the
// callback clears it whatever happens. A state that matches no cookie the
// portal signed, a code the provider refuses (used already, or without
// this flow's PKCE verifier), an ID token from another issuer, for another
// client, expired, or with another nonce: each ends on a "Sign-in did not
// finish" page, never in a session.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/coreos/go-oidc/v3/oidc"
	"go.uber.org/zap"
	"golang.org/x/oauth2"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// OIDCCallbackPath is where the identity provider sends the person back:
// the redirect URL registered with the provider ends with it.
const OIDCCallbackPath = "/sign-in/callback"

// oidcFlowTTL is how long a sign-in may take at the provider.
const oidcFlowTTL = 10 * time.Minute

// OIDCConfig is the OpenID Connect sign-in of a real deployment: the JSON
// file cmd/portal reads with -oidc-config (README, "Signing in").
type OIDCConfig struct {
	// ProviderName is shown on the button: "Sign in with <ProviderName>".
	ProviderName string `json:"provider_name"`
	// Issuer is the provider's issuer URL; its discovery document is at
	// <Issuer>/.well-known/openid-configuration.
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientSecretEnv names the environment variable holding the client
	// secret: the secret is never in the file.
	ClientSecretEnv string `json:"client_secret_env"`
	// RedirectURL is the portal's callback as registered with the
	// provider: https://<portal>/sign-in/callback.
	RedirectURL string `json:"redirect_url"`
	// Scopes asked for ("openid" is always among them; default openid,
	// profile, email).
	Scopes []string `json:"scopes"`
	// SubjectClaim names the person for good: it is the subject of their
	// service tokens, so the decision log records it (default "sub").
	SubjectClaim string `json:"subject_claim"`
	// NameClaims are tried in order for the name the portal shows
	// (default name, preferred_username, email).
	NameClaims []string `json:"name_claims"`
	// Rules map the provider's claims to an organisation and roles.
	Rules []OIDCRule `json:"rules"`

	// ClientSecret is read from the environment variable ClientSecretEnv.
	ClientSecret string `json:"-"`
}

// OIDCRule gives a person whose ID token has Value in Claim (the claim's
// value, or one of its values when it is a list, as Entra ID's groups and
// roles are) Role in Organisation.
//
// A person matching rules of one organisation gets every role those rules
// give. Matching rules of two organisations is ambiguous, and refused,
// unless the rules' Priority settles it: the organisation of the matching
// rules with the highest priority wins (ties between organisations at that
// priority are still refused), with every role its matching rules give.
type OIDCRule struct {
	Claim        string `json:"claim"`
	Value        string `json:"value"`
	Organisation string `json:"organisation"`
	Role         string `json:"role"`
	Priority     int    `json:"priority,omitempty"`
}

// LoadOIDCConfig reads and checks an OIDC configuration file; getenv
// (os.Getenv when nil) gives the client secret.
func LoadOIDCConfig(path string, getenv func(string) string) (*OIDCConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oidc config: %w", err)
	}
	c, err := ParseOIDCConfig(data, getenv)
	if err != nil {
		return nil, fmt.Errorf("oidc config %s: %w", path, err)
	}
	return c, nil
}

// ParseOIDCConfig reads an OIDC configuration (JSON), fills the defaults,
// reads the client secret from the environment and checks it all (Check).
func ParseOIDCConfig(data []byte, getenv func(string) string) (*OIDCConfig, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, ok := raw["client_secret"]; ok {
		return nil, errors.New("client_secret must not be in the file: put the secret in an environment variable and name it in client_secret_env")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c OIDCConfig
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	if c.ClientSecretEnv != "" {
		c.ClientSecret = getenv(c.ClientSecretEnv)
		if c.ClientSecret == "" {
			return nil, fmt.Errorf("the environment variable %s (client_secret_env) is not set: it must hold the client secret", c.ClientSecretEnv)
		}
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Check fills the defaults and reports every mistake in the configuration
// at once: URLs, the client, and each rule's organisation and role (a role
// must be known and belong to its organisation's kind, as kit/auth says).
func (c *OIDCConfig) Check() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.ProviderName == "" {
		c.ProviderName = "your organisation's account"
	}
	if err := checkURL(c.Issuer); err != nil {
		bad("issuer: %w", err)
	}
	if c.ClientID == "" {
		bad("client_id is missing")
	}
	if c.ClientSecretEnv == "" {
		bad("client_secret_env is missing: name the environment variable that holds the client secret")
	} else if c.ClientSecret == "" {
		bad("the client secret (from %s) is empty", c.ClientSecretEnv)
	}
	if err := checkURL(c.RedirectURL); err != nil {
		bad("redirect_url: %w", err)
	} else if u, _ := url.Parse(c.RedirectURL); u.Path != OIDCCallbackPath {
		bad("redirect_url: the path must be %s (the portal's callback), not %q", OIDCCallbackPath, u.Path)
	}
	if len(c.Scopes) == 0 {
		c.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			bad("scopes: %q is not a scope", s)
		}
	}
	if !slices.Contains(c.Scopes, oidc.ScopeOpenID) {
		c.Scopes = append([]string{oidc.ScopeOpenID}, c.Scopes...)
	}
	if c.SubjectClaim == "" {
		c.SubjectClaim = "sub"
	}
	if len(c.NameClaims) == 0 {
		c.NameClaims = []string{"name", "preferred_username", "email"}
	}
	if len(c.Rules) == 0 {
		bad("rules: there are none, so nobody could sign in")
	}
	for i, r := range c.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		if r.Claim == "" || r.Value == "" {
			bad("%s: claim and value are both needed", at)
		}
		if r.Priority < 0 {
			bad("%s: priority must not be negative", at)
		}
		kind, _, err := auth.ParseOrg(r.Organisation)
		if err != nil {
			bad("%s: organisation %q is not consortium:<slug>, council:<LA code>, provider:<id> or platform", at, r.Organisation)
			continue
		}
		rk, ok := auth.RoleOrgKind(r.Role)
		switch {
		case !ok:
			bad("%s: role %q is not a carecoop role (%s)", at, r.Role, strings.Join(auth.AllRoles(), ", "))
		case rk != kind:
			bad("%s: role %q is for %s organisations, not %s", at, r.Role, rk, r.Organisation)
		}
	}
	return errors.Join(errs...)
}

// checkURL accepts an absolute https URL, or http on a loopback host (a
// provider or portal on the developer's own machine).
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || s == "" || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must have no query or fragment", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("%q must be https (plain http only on loopback)", s)
}

// Sign-in refusals: which one the person sees.
var (
	errNotSetUp  = errors.New("no rule matches the account")
	errAmbiguous = errors.New("the account matches rules of more than one organisation")
)

// principal maps a verified ID token's claims to the person's principal
// and the name the portal shows.
func (c *OIDCConfig) principal(claims map[string]any) (auth.Principal, string, error) {
	name := ""
	for _, n := range c.NameClaims {
		if v, ok := claims[n].(string); ok && strings.TrimSpace(v) != "" {
			name = strings.TrimSpace(v)
			break
		}
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	subject, _ := claims[c.SubjectClaim].(string)
	if name == "" {
		name = subject
	}
	var matched []OIDCRule
	for _, r := range c.Rules {
		if claimHas(claims[r.Claim], r.Value) {
			matched = append(matched, r)
		}
	}
	if len(matched) == 0 {
		return auth.Principal{}, name, errNotSetUp
	}
	top := matched[0].Priority
	for _, r := range matched {
		top = max(top, r.Priority)
	}
	var orgs []string
	for _, r := range matched {
		if r.Priority == top && !slices.Contains(orgs, r.Organisation) {
			orgs = append(orgs, r.Organisation)
		}
	}
	if len(orgs) > 1 {
		return auth.Principal{}, name, fmt.Errorf("%w: %s", errAmbiguous, strings.Join(orgs, ", "))
	}
	p := auth.Principal{Subject: subject, Organisation: orgs[0]}
	for _, r := range matched {
		if r.Organisation == p.Organisation && !slices.Contains(p.Roles, r.Role) {
			p.Roles = append(p.Roles, r.Role)
		}
	}
	if err := p.Validate(); err != nil {
		return auth.Principal{}, name, fmt.Errorf("claim %s: %w", c.SubjectClaim, err)
	}
	return p, name, nil
}

// claimHas reports whether a claim is want or, as a list, holds it.
func claimHas(claim any, want string) bool {
	switch v := claim.(type) {
	case string:
		return v == want
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

// oidcClient is the provider as discovered: discovery happens on the
// first sign-in (and again after a failure), so a provider that is down
// when the portal starts does not stop it.
type oidcClient struct {
	cfg  *OIDCConfig
	http *http.Client
	now  func() time.Time

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func (o *oidcClient) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, o.http)
}

// ready discovers the provider once.
func (o *oidcClient) ready(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.oauth != nil {
		return o.oauth, o.verifier, nil
	}
	p, err := oidc.NewProvider(o.ctx(ctx), o.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc discovery at %s: %w", o.cfg.Issuer, err)
	}
	var meta struct {
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	_ = p.Claims(&meta)
	ep := p.Endpoint()
	// client_secret_basic is the default when the provider lists none.
	ep.AuthStyle = oauth2.AuthStyleInHeader
	if len(meta.AuthMethods) > 0 && !slices.Contains(meta.AuthMethods, "client_secret_basic") && slices.Contains(meta.AuthMethods, "client_secret_post") {
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	o.oauth = &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: ep, RedirectURL: o.cfg.RedirectURL, Scopes: o.cfg.Scopes}
	// The key set is fetched with the portal's client and refetched when a
	// token names a key it has not seen (key rotation).
	o.verifier = p.VerifierContext(o.ctx(context.Background()), &oidc.Config{ClientID: o.cfg.ClientID, Now: o.now})
	return o.oauth, o.verifier, nil
}

// oidcFlow is what the callback checks: kept in the signed flow cookie.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"next"`
	Expires  int64  `json:"exp"`
}

// oidcCookieSigning separates the flow cookie's signatures from anything
// else the key signs (service tokens sign "<header>.<claims>").
const oidcCookieSigning = "carecoop portal oidc flow\n"

func (s *Server) oidcCookieName(state string) string {
	if s.cfg.Secure {
		return "__Host-carecoop-oidc-" + state
	}
	return "carecoop-oidc-" + state
}

func (s *Server) setFlowCookie(w http.ResponseWriter, f oidcFlow) error {
	payload, err := json.Marshal(f)
	if err != nil {
		return err
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	sig := ed25519.Sign(s.cfg.Key, []byte(oidcCookieSigning+body))
	http.SetCookie(w, &http.Cookie{Name: s.oidcCookieName(f.State), Value: body + "." + base64.RawURLEncoding.EncodeToString(sig),
		Path: "/", MaxAge: int(oidcFlowTTL / time.Second), HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// takeFlow is the flow the state names, if this browser holds a cookie the
// portal signed for it that has not expired; the cookie is cleared.
func (s *Server) takeFlow(w http.ResponseWriter, r *http.Request, state string) (oidcFlow, error) {
	var f oidcFlow
	if len(state) != 22 || strings.Trim(state, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return f, errors.New("state is malformed")
	}
	c, err := r.Cookie(s.oidcCookieName(state))
	if err != nil {
		return f, errors.New("no sign-in was started here with this state")
	}
	http.SetCookie(w, &http.Cookie{Name: c.Name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	body, sig64, ok := strings.Cut(c.Value, ".")
	sig, err := base64.RawURLEncoding.DecodeString(sig64)
	if !ok || err != nil || !ed25519.Verify(s.cfg.Key.Public().(ed25519.PublicKey), []byte(oidcCookieSigning+body), sig) {
		return f, errors.New("the flow cookie is not the portal's")
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(payload, &f) != nil {
		return f, errors.New("the flow cookie is malformed")
	}
	if subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 {
		return f, errors.New("the state is not the flow's")
	}
	if s.cfg.Now().Unix() > f.Expires {
		return f, errors.New("the sign-in took longer than " + oidcFlowTTL.String())
	}
	return f, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// localPath is next if it is a path on this site, else "/": the sign-in
// never sends anyone to another site.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// oidcRoutes adds the OIDC sign-in when it is configured, and the demo
// people's own page when both sign-ins are offered (dev with OIDC).
func (s *Server) oidcRoutes() error {
	if s.cfg.OIDC == nil {
		return nil
	}
	if err := s.cfg.OIDC.Check(); err != nil {
		return fmt.Errorf("portal: oidc: %w", err)
	}
	s.oidc = &oidcClient{cfg: s.cfg.OIDC, http: &http.Client{Timeout: 15 * time.Second}, now: s.cfg.Now}
	s.mux.HandleFunc("GET /sign-in/oidc", s.oidcStart)
	s.mux.HandleFunc("GET "+OIDCCallbackPath, s.oidcCallback)
	if len(s.cfg.DevPeople) > 0 {
		s.mux.HandleFunc("GET /dev/sign-in", s.devPeople)
	}
	return nil
}

// oidcSignIn is the sign-in page with the provider's button.
func (s *Server) oidcSignIn(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	start := "/sign-in/oidc"
	demo := ""
	if next != "/" {
		start += "?next=" + url.QueryEscape(next)
	}
	if len(s.cfg.DevPeople) > 0 {
		demo = "/dev/sign-in"
		if next != "/" {
			demo += "?next=" + url.QueryEscape(next)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = view.OIDCSignIn(view.Page{Title: "Sign in", Dev: len(s.cfg.DevPeople) > 0}, s.cfg.OIDC.ProviderName, templ.SafeURL(start), templ.SafeURL(demo)).Render(r.Context(), w)
}

// oidcStart sends the person to the provider with a new flow's state,
// nonce and PKCE challenge. It is a GET (a link): the form-action CSP
// would stop a form's redirect to the provider, and starting a sign-in
// changes nothing a cross-site request could abuse — the callback only
// completes a flow this browser started.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	oauth, _, err := s.oidc.ready(r.Context())
	if err != nil {
		s.log.Error("portal: oidc", zap.Error(err))
		s.oidcRefuse(w, r, http.StatusServiceUnavailable, "Sorry, there is a problem with the service",
			[]string{"Signing in with " + s.cfg.OIDC.ProviderName + " is not working at the moment. Try again later."})
		return
	}
	f := oidcFlow{State: randomToken(16), Nonce: randomToken(16), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(r.URL.Query().Get("next")), Expires: s.cfg.Now().Add(oidcFlowTTL).Unix()}
	if err := s.setFlowCookie(w, f); err != nil {
		s.log.Error("portal: oidc flow cookie", zap.Error(err))
		http.Error(w, "Sorry, there is a problem with the service.", http.StatusInternalServerError)
		return
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce)}
	if r.URL.Query().Get("prompt") == "select_account" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "select_account"))
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, oauth.AuthCodeURL(f.State, opts...), http.StatusSeeOther)
}

// oidcCallback completes a flow: the state against this browser's flow
// cookie, the code exchanged with the PKCE verifier, the ID token verified
// (signature, issuer, audience, expiry; nonce and azp here), the claims
// mapped; then the session, and the page the person asked for.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	f, err := s.takeFlow(w, r, q.Get("state"))
	if err != nil {
		s.oidcDidNotFinish(w, r, "state", err)
		return
	}
	if e := q.Get("error"); e != "" {
		s.log.Info("portal: oidc: the provider ended the sign-in", zap.String("error", e), zap.String("description", q.Get("error_description")))
		s.oidcRefuse(w, r, http.StatusUnauthorized, "Sign-in did not finish",
			[]string{s.cfg.OIDC.ProviderName + " did not sign you in, so you are not signed in to carecoop."},
			view.NavItem{Href: "/sign-in", Text: "Sign in again"})
		return
	}
	oauth, verifier, err := s.oidc.ready(r.Context())
	if err != nil {
		s.log.Error("portal: oidc", zap.Error(err))
		s.oidcRefuse(w, r, http.StatusServiceUnavailable, "Sorry, there is a problem with the service",
			[]string{"Signing in with " + s.cfg.OIDC.ProviderName + " is not working at the moment. Try again later."})
		return
	}
	ctx := s.oidc.ctx(r.Context())
	tok, err := oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var refused *oauth2.RetrieveError
		if !errors.As(err, &refused) {
			s.log.Error("portal: oidc: token endpoint", zap.Error(err))
			s.oidcRefuse(w, r, http.StatusServiceUnavailable, "Sorry, there is a problem with the service",
				[]string{"Signing in with " + s.cfg.OIDC.ProviderName + " is not working at the moment. Try again later."})
			return
		}
		s.oidcDidNotFinish(w, r, "code", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.oidcDidNotFinish(w, r, "id_token", errors.New("the token response has no id_token"))
		return
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		s.oidcDidNotFinish(w, r, "id_token", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		s.oidcDidNotFinish(w, r, "nonce", errors.New("the ID token's nonce is not the flow's"))
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		s.oidcDidNotFinish(w, r, "claims", err)
		return
	}
	// OIDC Core 3.1.3.7: with several audiences, azp must name this client.
	if azp, _ := claims["azp"].(string); len(idt.Audience) > 1 && azp != s.cfg.OIDC.ClientID {
		s.oidcDidNotFinish(w, r, "azp", fmt.Errorf("azp %q with audiences %v", azp, idt.Audience))
		return
	}
	p, name, err := s.cfg.OIDC.principal(claims)
	switch {
	case errors.Is(err, errNotSetUp), errors.Is(err, errAmbiguous):
		s.log.Info("portal: oidc: signed in at the provider but refused", zap.String("subject", idt.Subject), zap.Error(err))
		heading, why := "Your account is not set up for carecoop", "Ask your organisation's administrator to give your account access to carecoop."
		if errors.Is(err, errAmbiguous) {
			heading, why = "Your account is set up for more than one organisation", "carecoop cannot tell which organisation to sign you in for. Ask your organisation's administrator to set your account up for one."
		}
		s.oidcRefuse(w, r, http.StatusForbidden, heading, []string{"You signed in to " + s.cfg.OIDC.ProviderName + " as " + name + ".", why},
			view.NavItem{Href: "/sign-in/oidc?prompt=select_account", Text: "Sign in with a different account"})
		return
	case err != nil:
		s.oidcDidNotFinish(w, r, "claims", err)
		return
	}
	sess, err := s.cfg.Sessions.New(r.Context(), p, name)
	if err != nil {
		s.log.Error("portal: starting a session", zap.Error(err))
		http.Error(w, "Sorry, there is a problem with the service.", http.StatusInternalServerError)
		return
	}
	s.log.Info("portal: signed in", zap.String("subject", p.Subject), zap.String("organisation", p.Organisation), zap.Strings("roles", p.Roles))
	s.setSessionCookie(w, sess.ID)
	http.Redirect(w, r, localPath(f.Next), http.StatusSeeOther)
}

// oidcDidNotFinish refuses a sign-in that failed a check: the person sees
// that they are not signed in (never why, which is for the log).
func (s *Server) oidcDidNotFinish(w http.ResponseWriter, r *http.Request, check string, err error) {
	s.log.Warn("portal: oidc sign-in refused", zap.String("check", check), zap.Error(err))
	s.oidcRefuse(w, r, http.StatusBadRequest, "Sign-in did not finish",
		[]string{"We could not confirm who you are with " + s.cfg.OIDC.ProviderName + ", so you are not signed in.",
			"This happens when a sign-in link is used twice or takes too long. Start again from the sign-in page."},
		view.NavItem{Href: "/sign-in", Text: "Sign in again"})
}

func (s *Server) oidcRefuse(w http.ResponseWriter, r *http.Request, code int, heading string, lines []string, links ...view.NavItem) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := view.OIDCRefused(view.Page{Title: heading, Dev: len(s.cfg.DevPeople) > 0}, heading, lines, links).Render(r.Context(), w); err != nil {
		s.log.Warn("portal: writing a sign-in page", zap.Error(err))
	}
}
