package servicetest_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)
	c := servicetest.NewClock(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Minute)
	if want := start.Add(90 * time.Minute); !c.Now().Equal(want) {
		t.Fatalf("after Advance, Now = %v, want %v", c.Now(), want)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatalf("after Set, Now = %v, want %v", c.Now(), start)
	}
}

// The assertion helpers read errors as the kit's grpcserver encodes them.
func TestAssertionsReadGRPCServerErrors(t *testing.T) {
	rule := grpcserver.StatusOf(domainerr.Rule("test.some_rule", "the thing is %s", "wrong")).Err()
	servicetest.WantRule(t, rule, "test.some_rule")
	field := grpcserver.StatusOf(domainerr.Field("setting.outcode", "unknown outcode")).Err()
	if got := servicetest.FieldViolations(t, field); len(got) != 1 || got[0] != "setting.outcode" {
		t.Fatalf("FieldViolations = %v, want [setting.outcode]", got)
	}
	servicetest.WantCode(t, grpcserver.StatusOf(domainerr.Forbidden("no")).Err(), codes.PermissionDenied)
}

// Env's tokens are accepted by Env's verifier, with the principal intact.
func TestEnvTokens(t *testing.T) {
	e := servicetest.New(t, time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC))
	tok := e.Token("amara.okafor", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	p, err := e.Verifier.Verify(e.Ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "amara.okafor" || p.Organisation != "consortium:north-west" || !p.HasRole(auth.ConsortiumLead) {
		t.Fatalf("principal = %+v", p)
	}
	if pos := e.LastPosition(); pos != 0 {
		t.Fatalf("a new store is at position %d, want 0", pos)
	}
	if e.NewStore() == nil {
		t.Fatal("NewStore returned nil")
	}
}
