package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer and Audience are the only accepted "iss" and "aud" claims.
const (
	Issuer   = "carecoop"
	Audience = "carecoop"
)

// Leeway is the clock skew tolerated when checking exp and iat.
const Leeway = 30 * time.Second

// maxTokenLen bounds what is handed to the JWT parser.
const maxTokenLen = 8 << 10

// ErrInvalidToken marks every verification failure: malformed, wrong
// algorithm, bad signature, expired, wrong issuer or audience, invalid
// organisation or roles.
var ErrInvalidToken = errors.New("auth: invalid token")

// claims is the JWT body.
type claims struct {
	jwt.RegisteredClaims
	Org   string   `json:"org"`
	Roles []string `json:"roles"`
}

// Verifier authenticates a bearer token.
type Verifier interface {
	// Verify checks the token and returns its principal; the error wraps
	// ErrInvalidToken.
	Verify(ctx context.Context, token string) (Principal, error)
}

// KeyID is the RFC 7638 JWK thumbprint of an Ed25519 public key; IssueToken
// puts it in the "kid" header, so the same key published in a JWKS under this
// id is found directly.
func KeyID(pub ed25519.PublicKey) string {
	// Members in lexicographic order, no whitespace (RFC 7638 §3.2, RFC 8037 §2).
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// IssueToken signs a token for p valid for ttl from now. It refuses an
// invalid principal.
func IssueToken(key ed25519.PrivateKey, p Principal, ttl time.Duration) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", errors.New("auth: issue token: not an Ed25519 private key")
	}
	if ttl <= 0 {
		return "", errors.New("auth: issue token: ttl must be positive")
	}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("auth: issue token: %w", err)
	}
	now := time.Now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   p.Subject,
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Org:   p.Organisation,
		Roles: p.Roles,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = KeyID(key.Public().(ed25519.PublicKey))
	return t.SignedString(key)
}

var parser = jwt.NewParser(
	jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), // rejects "none", HS*, RS*, ES*...
	jwt.WithIssuer(Issuer),
	jwt.WithAudience(Audience),
	jwt.WithExpirationRequired(),
	jwt.WithIssuedAt(),
	jwt.WithLeeway(Leeway),
)

func verify(token string, keyFunc jwt.Keyfunc) (Principal, error) {
	if token == "" {
		return Principal{}, fmt.Errorf("%w: empty", ErrInvalidToken)
	}
	if len(token) > maxTokenLen {
		return Principal{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, maxTokenLen)
	}
	var c claims
	if _, err := parser.ParseWithClaims(token, &c, keyFunc); err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.IssuedAt == nil {
		return Principal{}, fmt.Errorf("%w: missing iat", ErrInvalidToken)
	}
	p := Principal{Subject: c.Subject, Organisation: c.Org, Roles: c.Roles}
	if err := p.Validate(); err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return p, nil
}

// keyVerifier checks tokens against one Ed25519 public key.
type keyVerifier struct{ pub ed25519.PublicKey }

// NewKeyVerifier verifies tokens signed by the private half of pub, whatever
// their "kid".
func NewKeyVerifier(pub ed25519.PublicKey) (Verifier, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("auth: not an Ed25519 public key")
	}
	return keyVerifier{pub: pub}, nil
}

// NewPublicKeyFileVerifier reads a PEM (PKIX "PUBLIC KEY") Ed25519 public key,
// such as <dataDir>/dev-signing-key.pub.pem, and verifies tokens with it.
func NewPublicKeyFileVerifier(path string) (Verifier, error) {
	pub, err := LoadPublicKey(path)
	if err != nil {
		return nil, err
	}
	return NewKeyVerifier(pub)
}

func (v keyVerifier) Verify(_ context.Context, token string) (Principal, error) {
	return verify(token, func(*jwt.Token) (any, error) { return v.pub, nil })
}

// jwksVerifier checks tokens against the keys of a remote JWK Set.
type jwksVerifier struct{ kf keyfunc.Keyfunc }

// NewJWKSVerifier verifies tokens against the JWK Set at jwksURL (the
// production setting: the identity provider's published keys). The set is
// fetched once before returning — an unreachable or malformed set is an
// error, so a misconfigured service fails at start — then refreshed hourly
// and on an unknown "kid" (rate limited), until ctx ends. Refresh failures
// are logged through log/slog's default logger.
//
// The URL must be https, except on a loopback host (tests, local tools).
func NewJWKSVerifier(ctx context.Context, jwksURL string) (Verifier, error) {
	u, err := url.Parse(jwksURL)
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS URL: %w", err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return nil, fmt.Errorf("auth: JWKS URL %q: must be https (http only on loopback)", jwksURL)
	}
	failFirst := false
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, keyfunc.Override{
		HTTPTimeout:               10 * time.Second,
		NoErrorReturnFirstHTTPReq: &failFirst,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", jwksURL, err)
	}
	return jwksVerifier{kf: kf}, nil
}

func (v jwksVerifier) Verify(ctx context.Context, token string) (Principal, error) {
	return verify(token, v.kf.KeyfuncCtx(ctx))
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
