package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/carecoop/carecoop/services/kit/auth"
)

func TestTokenIsTheLastLineAndVerifiesWithTheDevKey(t *testing.T) {
	data := t.TempDir()
	// The signing key `carecoop dev` makes on its first start.
	if _, err := auth.LoadOrCreateDevKey(data); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runToken([]string{"--data", data, "--org", "consortium:north-west", "--role", "consortium_lead"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	tok := lines[len(lines)-1]
	v, err := auth.NewPublicKeyFileVerifier(data + "/" + auth.DevPublicKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("the printed token does not verify with the dev stack's key: %v", err)
	}
	if p.Organisation != "consortium:north-west" || !p.HasRole(auth.ConsortiumLead) {
		t.Fatalf("token carries %+v", p)
	}
}

func TestTokenRefusesARoleTheOrganisationCannotHold(t *testing.T) {
	var out bytes.Buffer
	err := runToken([]string{"--data", t.TempDir(), "--org", "provider:acme-care", "--role", "consortium_lead"}, &out)
	if err == nil || out.Len() != 0 {
		t.Fatalf("a provider consortium lead got a token (%q, %v)", out.String(), err)
	}
}
