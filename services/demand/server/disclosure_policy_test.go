package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

func policyOf(slug string, pos uint64) *demandv1.GetDisclosurePolicyRequest {
	return &demandv1.GetDisclosurePolicyRequest{Consortium: slug, MinPosition: pos}
}

// The disclosure policy can be read back: the defaults until the lead sets
// one, then the last one set with its reason, who set it, when and the
// version a change must expect. The consortium's lead, its member
// councils' people and the platform read it; another consortium's lead and
// a council that is not a member are told the consortium does not exist; a
// provider is refused.
func TestGetDisclosurePolicy(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	platform := h.d("platform.admin", auth.OrgPlatform, auth.PlatformAdmin)

	// The lead reads its own consortium's before it has a DPS: the defaults.
	got := must(h.dlead().GetDisclosurePolicy(ctx, policyOf("", h.pos()))).OK(t)
	if got.GetConsortium() != consortium || !got.GetIsDefault() || got.GetThreshold() != threshold || got.GetMinPriceProviders() != 3 ||
		got.GetVersion() != 0 || got.GetReason() != "" || got.GetSetBy() != "" || got.GetSetAt() != nil {
		t.Errorf("before any policy the lead reads %v", got)
	}
	// The platform does not know a consortium without a DPS or a policy.
	_, err := platform.GetDisclosurePolicy(ctx, policyOf(consortium, h.pos()))
	servicetest.WantCode(t, err, codes.NotFound)

	h.dps()
	pos := h.pos()
	// Member councils' people, the lead (naming it or not) and the platform
	// read the defaults.
	readers := map[string]demandv1.DemandServiceClient{
		"viewer of 354": h.viewer("354"), "analyst of 352": h.analyst("352"), "commissioner of 353": h.commissioner("353"),
		"lead": h.dlead(), "auditor": h.auditor(), "platform admin": platform,
	}
	for name, c := range readers {
		got := must(c.GetDisclosurePolicy(ctx, policyOf(consortium, pos))).OK(t)
		if !got.GetIsDefault() || got.GetThreshold() != threshold || got.GetMinPriceProviders() != 3 || got.GetPosition() < pos {
			t.Errorf("%s reads %v", name, got)
		}
	}

	// Another consortium's lead, a council that is not a member, a
	// consortium nobody knows: NOT_FOUND, naming nobody.
	for name, c := range map[string]demandv1.DemandServiceClient{"lead of yorkshire-humber": h.otherLead(), "analyst of 999": h.analyst("999")} {
		_, err := c.GetDisclosurePolicy(ctx, policyOf(consortium, pos))
		if st := servicetest.WantCode(t, err, codes.NotFound); strings.Contains(st.Message(), "352") {
			t.Errorf("%s is told about members: %s", name, st.Message())
		}
	}
	for name, c := range map[string]demandv1.DemandServiceClient{"analyst of 352": h.analyst("352"), "auditor": h.auditor(), "lead": h.dlead()} {
		_, err := c.GetDisclosurePolicy(ctx, policyOf("nowhere", pos))
		if servicetest.WantCode(t, err, codes.NotFound) == nil {
			t.Errorf("%s: consortium nowhere", name)
		}
	}
	// A provider may not read it at all.
	_, err = h.providerAdmin(provA).GetDisclosurePolicy(ctx, policyOf(consortium, pos))
	servicetest.WantCode(t, err, codes.PermissionDenied)
	// Only a lead has a consortium of its own to default to.
	for _, c := range []demandv1.DemandServiceClient{h.analyst("352"), h.auditor()} {
		_, err := c.GetDisclosurePolicy(ctx, policyOf("", pos))
		if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"consortium"}) {
			t.Errorf("no consortium named: violations %v", got)
		}
	}
	_, err = h.dlead().GetDisclosurePolicy(ctx, policyOf("North West", pos))
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"consortium"}) {
		t.Errorf("a malformed consortium: violations %v", got)
	}

	// The other consortium's lead sets its own: north-west's is unchanged,
	// and that lead reads back its own.
	must(h.otherLead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-yh-0001", Threshold: 7, MinPriceProviders: 4,
		Reason: "Yorkshire board decision"})).OK(t)
	yh := must(h.otherLead().GetDisclosurePolicy(ctx, policyOf("", h.pos()))).OK(t)
	if yh.GetConsortium() != "yorkshire-humber" || yh.GetIsDefault() || yh.GetThreshold() != 7 || yh.GetMinPriceProviders() != 4 {
		t.Errorf("the other lead reads its own as %v", yh)
	}
	if got := must(h.viewer("354").GetDisclosurePolicy(ctx, policyOf(consortium, h.pos()))).OK(t); !got.GetIsDefault() || got.GetThreshold() != threshold {
		t.Errorf("another consortium's policy changed north-west's: %v", got)
	}

	// The lead sets north-west's: every reader sees it, with who, when and why.
	h.Clock.Advance(90 * time.Minute)
	set := must(h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-nw-0001", Threshold: 10, MinPriceProviders: 4,
		Reason: "Small councils in the consortium"})).OK(t)
	for name, c := range readers {
		got := must(c.GetDisclosurePolicy(ctx, policyOf(consortium, set.GetPosition()))).OK(t)
		if got.GetIsDefault() || got.GetThreshold() != 10 || got.GetMinPriceProviders() != 4 || got.GetReason() != "Small councils in the consortium" ||
			got.GetSetBy() != "amara.okafor" || !got.GetSetAt().AsTime().Equal(start.Add(90*time.Minute)) || got.GetVersion() != set.GetStreamVersion() {
			t.Errorf("%s reads %v after the lead set it (version %d)", name, got, set.GetStreamVersion())
		}
	}

	// The version read is what a change expects: a stale one is ABORTED,
	// the one read is accepted.
	seen := must(h.dlead().GetDisclosurePolicy(ctx, policyOf("", h.pos()))).OK(t)
	must(h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-nw-0002", Threshold: 8, MinPriceProviders: 3,
		Reason: "Board agreed 8", ExpectedVersion: seen.GetVersion()})).OK(t)
	_, err = h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-nw-0003", Threshold: 9, MinPriceProviders: 3,
		Reason: "From a stale page", ExpectedVersion: seen.GetVersion()})
	servicetest.WantCode(t, err, codes.Aborted)
	if got := must(h.analyst("352").GetDisclosurePolicy(ctx, policyOf(consortium, h.pos()))).OK(t); got.GetThreshold() != 8 || got.GetVersion() != seen.GetVersion()+1 {
		t.Errorf("after the change and a stale one: %v", got)
	}

	// The policy survives a restart: it is read back from the stream.
	h.restartDemand()
	if got := must(h.dlead().GetDisclosurePolicy(ctx, policyOf("", h.pos()))).OK(t); got.GetThreshold() != 8 || got.GetReason() != "Board agreed 8" || got.GetSetBy() != "amara.okafor" {
		t.Errorf("after a restart: %v", got)
	}
}
