package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/carecoop/carecoop/services/kit/auth"
)

var lead = auth.Principal{Subject: "alice", Organisation: "consortium:north-west", Roles: []string{auth.ConsortiumLead}}

func TestLoadOrCreateDevKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key1, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	priv := filepath.Join(dir, auth.DevKeyFile)
	pubPath := filepath.Join(dir, auth.DevPublicKeyFile)
	fi, err := os.Stat(priv)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("private key mode %o, want 600", mode)
	}
	data, _ := os.ReadFile(priv)
	if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("private key file is not PKCS#8 PEM:\n%s", data)
	}
	pub, err := auth.LoadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(key1.Public()) {
		t.Error("public key file does not match the private key")
	}

	key2, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !key1.Equal(key2) {
		t.Error("second load created a new key")
	}

	// A lost public key file is written again.
	if err := os.Remove(pubPath); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.LoadOrCreateDevKey(dir); err != nil {
		t.Fatal(err)
	}
	if pub2, err := auth.LoadPublicKey(pubPath); err != nil || !pub2.Equal(pub) {
		t.Errorf("public key not restored: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".tmp-key-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	// A corrupt key file is an error, not silently replaced.
	if err := os.WriteFile(priv, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.LoadOrCreateDevKey(dir); err == nil {
		t.Error("corrupt key file accepted")
	}
}

func TestTokenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewPublicKeyFileVerifier(filepath.Join(dir, auth.DevPublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{Subject: "bob", Organisation: "council:352", Roles: []string{auth.CouncilCommissioner, auth.CouncilViewer}}
	tok, err := auth.IssueToken(key, p, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != p.Subject || got.Organisation != p.Organisation || !slices.Equal(got.Roles, p.Roles) {
		t.Errorf("Verify = %+v, want %+v", got, p)
	}
}

// sign builds a token with arbitrary claims and method, for the negative cases.
func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func goodClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": "alice", "org": "consortium:north-west", "roles": []string{auth.ConsortiumLead},
		"iss": "carecoop", "aud": "carecoop", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	c[k] = v
	if v == nil {
		delete(c, k)
	}
	return c
}

func TestVerifyRejects(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	v, err := auth.NewKeyVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodEdDSA, key, goodClaims())); err != nil {
		t.Fatalf("control token rejected: %v", err)
	}
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"garbage", "not.a.jwt"},
		{"too long", strings.Repeat("a", 9000)},
		{"other key", sign(t, jwt.SigningMethodEdDSA, other, goodClaims())},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims())},
		{"HS256 keyed with the public key", sign(t, jwt.SigningMethodHS256, []byte(pub), goodClaims())},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKey, goodClaims())},
		{"expired", sign(t, jwt.SigningMethodEdDSA, key, with(with(goodClaims(), "exp", past.Unix()), "iat", past.Add(-time.Minute).Unix()))},
		{"no exp", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "exp", nil))},
		{"no iat", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "iat", nil))},
		{"iat in the future", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "iat", time.Now().Add(time.Hour).Unix()))},
		{"wrong iss", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "iss", "someone-else"))},
		{"no iss", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "iss", nil))},
		{"wrong aud", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "aud", "other"))},
		{"no sub", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "sub", nil))},
		{"bad org", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "org", "consortium:North West"))},
		{"no org", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "org", nil))},
		{"role of another org kind", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "roles", []string{auth.PlatformAdmin}))},
		{"unknown role", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "roles", []string{"root"}))},
		{"roles not an array", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "roles", auth.ConsortiumLead))},
		{"no roles", sign(t, jwt.SigningMethodEdDSA, key, with(goodClaims(), "roles", nil))},
	}
	for _, tt := range tests {
		p, err := v.Verify(t.Context(), tt.token)
		if err == nil {
			t.Errorf("%s: accepted as %+v", tt.name, p)
			continue
		}
		t.Logf("%s: %v", tt.name, err)
		if !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: %v does not wrap ErrInvalidToken", tt.name, err)
		}
	}
}

func TestJWKSVerifier(t *testing.T) {
	dir := t.TempDir()
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	jwk, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: auth.KeyID(pub), USE: jwkset.UseSig},
	})
	if err != nil {
		t.Fatal(err)
	}
	store := jwkset.NewMemoryStorage()
	if err := store.KeyWrite(t.Context(), jwk); err != nil {
		t.Fatal(err)
	}
	raw, err := store.JSONPublic(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel() // ends the refresh goroutine
	v, err := auth.NewJWKSVerifier(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.IssueToken(key, lead, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("JWKS verification: %v", err)
	}
	if p.Subject != lead.Subject || p.Organisation != lead.Organisation {
		t.Errorf("got %+v", p)
	}

	// Without a kid, every key of the set is tried.
	if _, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodEdDSA, key, goodClaims())); err != nil {
		t.Errorf("token without kid: %v", err)
	}

	// A key that is not in the set is refused; with a kid of a known key too.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	forged := jwt.NewWithClaims(jwt.SigningMethodEdDSA, goodClaims())
	forged.Header["kid"] = auth.KeyID(pub)
	fs, err := forged.SignedString(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), fs); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("forged token: %v", err)
	}
	if _, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodEdDSA, other, goodClaims())); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("token of another key without kid: %v", err)
	}
}

func TestJWKSVerifierConfigErrors(t *testing.T) {
	if _, err := auth.NewJWKSVerifier(t.Context(), "http://idp.example.com/jwks.json"); err == nil {
		t.Error("plain http to a remote host accepted")
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := auth.NewJWKSVerifier(t.Context(), srv.URL); err == nil {
		t.Error("unreachable JWK Set accepted")
	}
}
