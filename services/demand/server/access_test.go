package server_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

func small(asAt string, n uint32) *demandv1.SubmitNeedsReturnRequest {
	return &demandv1.SubmitNeedsReturnRequest{RequestId: "small-" + asAt, AsAt: asAt, Cells: []*demandv1.NeedsCell{
		{PlacementGroup: "fostering", AgeBand: "5-9", Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: n},
	}}
}

func byPlacement(asAt string, pos uint64) *demandv1.GetDemandRequest {
	return &demandv1.GetDemandRequest{Consortium: consortium, AsAt: asAt, Dimensions: []string{"placement_group"}, MinPosition: pos}
}

// Who may submit, read and set the policy, and what each is told otherwise:
// people of other consortia and non-member councils are told the consortium
// does not exist, providers are refused, bad input names its fields.
func TestRolesAndInput(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.dps()

	// A council's analyst and its commissioner may submit.
	must(h.analyst("352").SubmitNeedsReturn(ctx, small(thisYear, 12))).OK(t)
	must(h.commissioner("353").SubmitNeedsReturn(ctx, small(thisYear, 9))).OK(t)

	// A viewer, a provider, a lead and the platform may not.
	for name, c := range map[string]demandv1.DemandServiceClient{
		"council viewer": h.viewer("354"), "provider admin": h.providerAdmin(provA), "consortium lead": h.dlead(), "auditor": h.auditor(),
	} {
		_, err := c.SubmitNeedsReturn(ctx, small(thisYear, 3))
		if st := servicetest.WantCode(t, err, codes.PermissionDenied); st.Message() == "" {
			t.Errorf("%s: refused without saying why", name)
		}
	}
	pos := h.pos()
	// A provider may not read the demand tables.
	_, err := h.providerAdmin(provA).GetDemand(ctx, byPlacement("", pos))
	servicetest.WantCode(t, err, codes.PermissionDenied)

	// Member councils' people, the lead and the platform read.
	for name, c := range map[string]demandv1.DemandServiceClient{
		"viewer of 354": h.viewer("354"), "analyst of 352": h.analyst("352"), "lead": h.dlead(), "auditor": h.auditor(),
	} {
		got := must(c.GetDemand(ctx, byPlacement("", pos))).OK(t)
		if got.GetAsAt() != thisYear || got.GetCouncils() != 2 || got.GetConsortiumTable().GetTotal().GetCount() != 21 || got.GetThreshold() != threshold {
			t.Errorf("%s reads %s from %d councils, total %v, threshold %d", name, got.GetAsAt(), got.GetCouncils(), got.GetConsortiumTable().GetTotal(), got.GetThreshold())
		}
	}
	// Not a member, another consortium's lead, a consortium without a DPS:
	// NOT_FOUND, as if it did not exist.
	for name, c := range map[string]demandv1.DemandServiceClient{
		"council 999": h.analyst("999"), "lead of yorkshire-humber": h.otherLead(),
	} {
		_, err := c.GetDemand(ctx, byPlacement("", pos))
		servicetest.WantCode(t, err, codes.NotFound)
		_, err = c.GetSufficiency(ctx, &demandv1.GetSufficiencyRequest{Consortium: consortium, MinPosition: pos})
		servicetest.WantCode(t, err, codes.NotFound)
		_, err = c.GetMarketPositionStatement(ctx, &demandv1.GetMarketPositionStatementRequest{Consortium: consortium, Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_MARKDOWN, MinPosition: pos})
		if st := servicetest.WantCode(t, err, codes.NotFound); strings.Contains(st.Message(), "352") {
			t.Errorf("%s is told about members: %s", name, st.Message())
		}
	}
	_, err = h.analyst("352").GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: "nowhere", Dimensions: []string{"placement_group"}, MinPosition: pos})
	servicetest.WantCode(t, err, codes.NotFound)

	// Only a lead sets the disclosure policy, and only its own consortium's.
	policy := &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-1", Threshold: 10, MinPriceProviders: 4, Reason: "Small councils in the consortium"}
	for _, c := range []demandv1.DemandServiceClient{h.analyst("352"), h.commissioner("353"), h.providerAdmin(provA), h.auditor()} {
		_, err := c.SetDisclosurePolicy(ctx, policy)
		servicetest.WantCode(t, err, codes.PermissionDenied)
	}
	must(h.otherLead().SetDisclosurePolicy(ctx, policy)).OK(t)
	if got := must(h.viewer("354").GetDemand(ctx, byPlacement("", h.pos()))).OK(t); got.GetThreshold() != threshold {
		t.Errorf("another consortium's policy changed north-west's threshold to %d", got.GetThreshold())
	}
	must(h.dlead().SetDisclosurePolicy(ctx, policy)).OK(t)
	if got := must(h.viewer("354").GetDemand(ctx, byPlacement("", h.pos()))).OK(t); got.GetThreshold() != 10 {
		t.Errorf("after the lead's policy the threshold is %d, want 10", got.GetThreshold())
	}
	_, err = h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-2", Threshold: 2, MinPriceProviders: 3, Reason: "Too low"})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"threshold"}) {
		t.Errorf("threshold 2: violations %v", got)
	}

	// Bad input names the fields.
	bad := small("2026-3-31", 0)
	bad.RequestId = "bad-input-1"
	got := servicetest.FieldViolations(t, must(h.analyst("352").SubmitNeedsReturn(ctx, bad)).Err)
	slices.Sort(got)
	if !slices.Equal(got, []string{"as_at", "cells[0].count"}) {
		t.Errorf("malformed as_at and count 0: violations %v", got)
	}
	_, err = h.analyst("352").GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, Dimensions: []string{"colour"}, MinPosition: pos})
	if got := servicetest.FieldViolations(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "dimensions") {
		t.Errorf("unknown dimension: violations %v", got)
	}
	_, err = h.analyst("352").GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, AsAt: "31/03/2026", Dimensions: []string{"need", "need"}, MinPosition: pos})
	got = servicetest.FieldViolations(t, err)
	slices.Sort(got)
	if !slices.Equal(got, []string{"as_at", "dimensions"}) {
		t.Errorf("malformed as_at and a repeated dimension: violations %v", got)
	}
	_, err = h.analyst("352").GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, Dimensions: []string{"need"}, Filters: map[string]string{"age_band": "16+"}, MinPosition: pos})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"filters"}) {
		t.Errorf("a filter on a dimension not grouped: violations %v", got)
	}
	_, err = h.analyst("352").GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, Dimensions: []string{"need"}, Filters: map[string]string{"need": "N9"}, MinPosition: pos})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"filters"}) {
		t.Errorf("a filter on a value the dimension does not have: violations %v", got)
	}

	// Rules: a future date, a repeated combination, an unknown group.
	_, err = h.analyst("352").SubmitNeedsReturn(ctx, small("2027-03-31", 4))
	servicetest.WantRule(t, err, domain.RuleAsAtNotFuture)
	rep := small(thisYear, 4)
	rep.RequestId = "repeated-cells"
	rep.Cells = append(rep.Cells, small(thisYear, 2).Cells[0])
	_, err = h.analyst("352").SubmitNeedsReturn(ctx, rep)
	servicetest.WantRule(t, err, domain.RuleCellsUnique)
	unknown := small(thisYear, 4)
	unknown.RequestId = "unknown-group"
	unknown.Cells[0].PlacementGroup = "boarding-school"
	_, err = h.analyst("352").SubmitNeedsReturn(ctx, unknown)
	servicetest.WantRule(t, err, domain.RuleUnknownPlacementGroup)

	// A legal status that matches the pattern but is no SSDA903 code is
	// refused: pooled, it would break every query of the consortium.
	odd := small(thisYear, 4)
	odd.RequestId = "unknown-legal-status"
	odd.Cells[0].LegalStatus = "X9"
	if got := servicetest.FieldViolations(t, must(h.analyst("352").SubmitNeedsReturn(ctx, odd)).Err); !slices.Equal(got, []string{"cells[0].legal_status"}) {
		t.Errorf("unknown legal status: violations %v", got)
	}

	// None of the refused returns changed what is pooled.
	if got := must(h.analyst("352").GetDemand(ctx, byPlacement("", h.pos()))).OK(t); got.GetOwnTable().GetTotal().GetCount() != 12 {
		t.Errorf("352's own total is %d after refused returns, want 12", got.GetOwnTable().GetTotal().GetCount())
	}
}
