// Package auth is who is calling and what they may do: the Principal carried
// by a bearer JWT, the role and organisation vocabulary of DOMAIN.md, token
// issuing (development) and verification (Ed25519 public key or a JWKS URL),
// and the declarative per-service Policy table.
//
// # Two layers of authorization
//
// A Policy answers "may a caller with these roles invoke this RPC at all?".
// It is checked by the gRPC server bootstrap (services/kit/grpcserver) before
// the request is validated or reaches a handler; an RPC without an entry is
// refused.
//
// Data scoping — "the framework belongs to your consortium", "a council sees
// its own referrals", "a provider sees only its own bids" — needs the data,
// so it is NOT done here: the application layer (app/ of each service) reads
// the Principal with FromContext and compares OrgKind/OrgID with the
// aggregate or read model it loaded, returning a domainerr.Forbidden error
// (mapped to PERMISSION_DENIED) when they do not match.
//
// # Tokens
//
// Tokens are EdDSA (Ed25519) JWTs with the claims sub, org, roles, iss
// ("carecoop"), aud ("carecoop"), iat and exp. In development a key is
// created on disk by LoadOrCreateDevKey and tokens are minted with
// IssueToken; in production an identity provider signs them and services
// verify with NewJWKSVerifier.
package auth

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Organisation kinds: the part before the colon of Principal.Organisation.
const (
	OrgConsortium = "consortium"
	OrgCouncil    = "council"
	OrgProvider   = "provider"
	OrgPlatform   = "platform"
)

// Role identifiers, as they appear in tokens and policy tables (DOMAIN.md).
const (
	ConsortiumLead      = "consortium_lead"
	CouncilCommissioner = "council_commissioner"
	CouncilAnalyst      = "council_analyst"
	CouncilViewer       = "council_viewer"
	ProviderAdmin       = "provider_admin"
	ProviderResponder   = "provider_responder"
	PlatformAdmin       = "platform_admin"
	Auditor             = "auditor"
)

// roleKinds maps every known role to the only organisation kind that may hold it.
var roleKinds = map[string]string{
	ConsortiumLead:      OrgConsortium,
	CouncilCommissioner: OrgCouncil,
	CouncilAnalyst:      OrgCouncil,
	CouncilViewer:       OrgCouncil,
	ProviderAdmin:       OrgProvider,
	ProviderResponder:   OrgProvider,
	PlatformAdmin:       OrgPlatform,
	Auditor:             OrgPlatform,
}

// AllRoles lists every role identifier, sorted.
func AllRoles() []string {
	rs := make([]string, 0, len(roleKinds))
	for r := range roleKinds {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}

// RoleOrgKind is the organisation kind that may hold role; ok is false for an
// unknown role.
func RoleOrgKind(role string) (kind string, ok bool) {
	kind, ok = roleKinds[role]
	return kind, ok
}

var (
	consortiumSlugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	councilCodeRE    = regexp.MustCompile(`^[0-9]{3}$`)
	providerIDRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
)

// ErrInvalidPrincipal marks a principal (or token claims) that is malformed:
// bad organisation, unknown role, a role its organisation may not hold.
var ErrInvalidPrincipal = errors.New("auth: invalid principal")

// ParseOrg splits and checks an organisation identifier:
// "consortium:<slug>", "council:<3-digit LA code>", "provider:<id>" or
// "platform" (whose id is "").
func ParseOrg(org string) (kind, id string, err error) {
	if org == OrgPlatform {
		return OrgPlatform, "", nil
	}
	kind, id, ok := strings.Cut(org, ":")
	if !ok {
		return "", "", fmt.Errorf("%w: organisation %q is not kind:id", ErrInvalidPrincipal, org)
	}
	var re *regexp.Regexp
	switch kind {
	case OrgConsortium:
		re = consortiumSlugRE
	case OrgCouncil:
		re = councilCodeRE
	case OrgProvider:
		re = providerIDRE
	default:
		return "", "", fmt.Errorf("%w: unknown organisation kind %q", ErrInvalidPrincipal, kind)
	}
	if !re.MatchString(id) {
		return "", "", fmt.Errorf("%w: organisation %q: id does not match %s", ErrInvalidPrincipal, org, re)
	}
	return kind, id, nil
}

// ValidateOrg reports whether org is a well-formed organisation identifier.
func ValidateOrg(org string) error {
	_, _, err := ParseOrg(org)
	return err
}

// ConsortiumOrg, CouncilOrg and ProviderOrg build organisation identifiers;
// the result is not checked (use ValidateOrg).
func ConsortiumOrg(slug string) string { return OrgConsortium + ":" + slug }

// CouncilOrg builds "council:<LA code>".
func CouncilOrg(laCode string) string { return OrgCouncil + ":" + laCode }

// ProviderOrg builds "provider:<id>".
func ProviderOrg(id string) string { return OrgProvider + ":" + id }

// Principal is an authenticated caller.
type Principal struct {
	// Subject identifies the person or machine (JWT "sub").
	Subject string
	// Organisation is "consortium:<slug>", "council:<LA code>",
	// "provider:<id>" or "platform".
	Organisation string
	// Roles held in that organisation (at least one).
	Roles []string
}

// OrgKind is "consortium", "council", "provider" or "platform" ("" if the
// organisation is malformed).
func (p Principal) OrgKind() string {
	kind, _, err := ParseOrg(p.Organisation)
	if err != nil {
		return ""
	}
	return kind
}

// OrgID is the part of the organisation after the colon ("" for platform or
// a malformed organisation).
func (p Principal) OrgID() string {
	_, id, err := ParseOrg(p.Organisation)
	if err != nil {
		return ""
	}
	return id
}

// HasRole reports whether the principal holds role.
func (p Principal) HasRole(role string) bool { return slices.Contains(p.Roles, role) }

// HasAnyRole reports whether the principal holds at least one of roles.
func (p Principal) HasAnyRole(roles ...string) bool {
	return slices.ContainsFunc(roles, p.HasRole)
}

// maxSubjectLen bounds the subject so it is safe to log and store.
const maxSubjectLen = 256

// Validate checks the subject, the organisation, and that every role is known
// and may be held by the organisation's kind (consortium_lead only in a
// consortium, council_* in a council, provider_* in a provider,
// platform_admin and auditor on the platform).
func (p Principal) Validate() error {
	if p.Subject == "" || len(p.Subject) > maxSubjectLen || strings.ContainsFunc(p.Subject, isControl) {
		return fmt.Errorf("%w: subject must be 1..%d printable characters", ErrInvalidPrincipal, maxSubjectLen)
	}
	kind, _, err := ParseOrg(p.Organisation)
	if err != nil {
		return err
	}
	if len(p.Roles) == 0 {
		return fmt.Errorf("%w: no roles", ErrInvalidPrincipal)
	}
	for _, r := range p.Roles {
		rk, ok := roleKinds[r]
		if !ok {
			return fmt.Errorf("%w: unknown role %q", ErrInvalidPrincipal, r)
		}
		if rk != kind {
			return fmt.Errorf("%w: role %q is for %s organisations, not %q", ErrInvalidPrincipal, r, rk, p.Organisation)
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
