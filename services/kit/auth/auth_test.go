package auth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/carecoop/carecoop/services/kit/auth"
)

func TestParseOrg(t *testing.T) {
	tests := []struct {
		org      string
		kind, id string
		ok       bool
	}{
		{"consortium:north-west", auth.OrgConsortium, "north-west", true},
		{"consortium:a", auth.OrgConsortium, "a", true},
		{"consortium:" + strings.Repeat("a", 63), auth.OrgConsortium, strings.Repeat("a", 63), true},
		{"consortium:" + strings.Repeat("a", 64), "", "", false},
		{"consortium:-nw", "", "", false},
		{"consortium:North", "", "", false},
		{"consortium:", "", "", false},
		{"council:352", auth.OrgCouncil, "352", true},
		{"council:35", "", "", false},
		{"council:3521", "", "", false},
		{"council:abc", "", "", false},
		{"provider:acme-care", auth.OrgProvider, "acme-care", true},
		{"provider:a", "", "", false}, // at least two characters
		{"provider:ab", auth.OrgProvider, "ab", true},
		{"provider:Acme", "", "", false},
		{"platform", auth.OrgPlatform, "", true},
		{"platform:x", "", "", false},
		{"school:1", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		kind, id, err := auth.ParseOrg(tt.org)
		if (err == nil) != tt.ok || kind != tt.kind || id != tt.id {
			t.Errorf("ParseOrg(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.org, kind, id, err, tt.kind, tt.id, tt.ok)
		}
		if err != nil && !errors.Is(err, auth.ErrInvalidPrincipal) {
			t.Errorf("ParseOrg(%q) error %v does not wrap ErrInvalidPrincipal", tt.org, err)
		}
	}
}

func TestPrincipalValidate(t *testing.T) {
	tests := []struct {
		name string
		p    auth.Principal
		ok   bool
	}{
		{"consortium lead", auth.Principal{"alice", "consortium:north-west", []string{auth.ConsortiumLead}}, true},
		{"council roles", auth.Principal{"bob", "council:352", []string{auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer}}, true},
		{"provider roles", auth.Principal{"carol", "provider:acme", []string{auth.ProviderAdmin, auth.ProviderResponder}}, true},
		{"platform roles", auth.Principal{"dan", "platform", []string{auth.PlatformAdmin, auth.Auditor}}, true},
		{"lead in a council", auth.Principal{"x", "council:352", []string{auth.ConsortiumLead}}, false},
		{"commissioner in a provider", auth.Principal{"x", "provider:acme", []string{auth.CouncilCommissioner}}, false},
		{"provider admin on the platform", auth.Principal{"x", "platform", []string{auth.ProviderAdmin}}, false},
		{"auditor in a consortium", auth.Principal{"x", "consortium:nw", []string{auth.Auditor}}, false},
		{"one bad role among good", auth.Principal{"x", "council:352", []string{auth.CouncilViewer, auth.PlatformAdmin}}, false},
		{"unknown role", auth.Principal{"x", "council:352", []string{"council_boss"}}, false},
		{"no roles", auth.Principal{"x", "council:352", nil}, false},
		{"no subject", auth.Principal{"", "council:352", []string{auth.CouncilViewer}}, false},
		{"control chars in subject", auth.Principal{"a\nb", "council:352", []string{auth.CouncilViewer}}, false},
		{"bad org", auth.Principal{"x", "council:9", []string{auth.CouncilViewer}}, false},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, auth.ErrInvalidPrincipal) {
			t.Errorf("%s: %v does not wrap ErrInvalidPrincipal", tt.name, err)
		}
	}
}

func TestPrincipalHelpers(t *testing.T) {
	p := auth.Principal{Subject: "bob", Organisation: "council:352", Roles: []string{auth.CouncilAnalyst}}
	if p.OrgKind() != auth.OrgCouncil || p.OrgID() != "352" {
		t.Errorf("OrgKind, OrgID = %q, %q", p.OrgKind(), p.OrgID())
	}
	if !p.HasRole(auth.CouncilAnalyst) || p.HasRole(auth.CouncilViewer) {
		t.Error("HasRole")
	}
	if !p.HasAnyRole(auth.CouncilViewer, auth.CouncilAnalyst) || p.HasAnyRole() {
		t.Error("HasAnyRole")
	}
	plat := auth.Principal{Subject: "dan", Organisation: "platform", Roles: []string{auth.Auditor}}
	if plat.OrgKind() != auth.OrgPlatform || plat.OrgID() != "" {
		t.Errorf("platform OrgKind, OrgID = %q, %q", plat.OrgKind(), plat.OrgID())
	}
	bad := auth.Principal{Organisation: "nonsense"}
	if bad.OrgKind() != "" || bad.OrgID() != "" {
		t.Error("malformed org should have empty kind and id")
	}
	if got := auth.ConsortiumOrg("nw") + " " + auth.CouncilOrg("352") + " " + auth.ProviderOrg("acme"); got != "consortium:nw council:352 provider:acme" {
		t.Errorf("org builders: %q", got)
	}
	if len(auth.AllRoles()) != 8 {
		t.Errorf("AllRoles = %v", auth.AllRoles())
	}
	for _, r := range auth.AllRoles() {
		if _, ok := auth.RoleOrgKind(r); !ok {
			t.Errorf("RoleOrgKind(%q) unknown", r)
		}
	}
}

func TestPolicy(t *testing.T) {
	const draft = "/carecoop.framework.v1.FrameworkService/DraftFramework"
	pol := auth.Policy{draft: {Roles: []string{auth.ConsortiumLead}}}
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	lead := auth.Principal{Subject: "a", Organisation: "consortium:nw", Roles: []string{auth.ConsortiumLead}}
	viewer := auth.Principal{Subject: "b", Organisation: "council:352", Roles: []string{auth.CouncilViewer}}

	if err := pol.Authorize(draft, lead); err != nil {
		t.Errorf("lead: %v", err)
	}
	if err := pol.Authorize(draft, viewer); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("viewer: %v, want ErrForbidden", err)
	}
	if err := pol.Authorize("/carecoop.framework.v1.FrameworkService/Other", lead); !errors.Is(err, auth.ErrNoPolicy) {
		t.Errorf("unlisted: %v, want ErrNoPolicy", err)
	}

	bad := auth.Policy{
		"DraftFramework":               {Roles: []string{auth.ConsortiumLead}},
		"/pkg.Svc/NoRoles":             {},
		"/pkg.Svc/UnknownRole":         {Roles: []string{"boss"}},
		"/pkg.Svc/Fine":                {Roles: []string{auth.Auditor}},
		"/pkg.Svc/Bad/Method/Too/Deep": {Roles: []string{auth.Auditor}},
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad policy")
	}
	for _, want := range []string{"DraftFramework", "NoRoles", "UnknownRole", "Too/Deep"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error does not mention %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "Fine") {
		t.Errorf("Validate error mentions a good entry: %v", err)
	}
}

func TestKeyIDIsRFC7638Thumbprint(t *testing.T) {
	// RFC 8037 appendix A.3.
	x, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := auth.KeyID(ed25519.PublicKey(x)), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Errorf("KeyID = %q, want %q", got, want)
	}
}

func TestIssueTokenRefusesInvalidInput(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	good := auth.Principal{Subject: "a", Organisation: "consortium:nw", Roles: []string{auth.ConsortiumLead}}
	if _, err := auth.IssueToken(key, auth.Principal{Subject: "a", Organisation: "council:352", Roles: []string{auth.ConsortiumLead}}, 60e9); err == nil {
		t.Error("issued a token for an incompatible role")
	}
	if _, err := auth.IssueToken(key, good, 0); err == nil {
		t.Error("issued a token with zero ttl")
	}
	if _, err := auth.IssueToken(nil, good, 60e9); err == nil {
		t.Error("issued a token without a key")
	}
}

// A service serving several gRPC services checks one table holding every
// entry, and merging changes none of the tables it was given.
func TestMergePolicies(t *testing.T) {
	a := auth.Policy{"/a.A/One": {Roles: []string{auth.ConsortiumLead}}}
	b := auth.Policy{"/b.B/Two": {Roles: []string{auth.CouncilCommissioner}}}
	m := auth.Merge(a, b)
	if len(m) != 2 || len(m["/b.B/Two"].Roles) != 1 {
		t.Fatalf("Merge = %v", m)
	}
	m["/c.C/Three"] = auth.Rule{}
	if len(a) != 1 || len(b) != 1 {
		t.Fatal("Merge changed a table it was given")
	}
}
