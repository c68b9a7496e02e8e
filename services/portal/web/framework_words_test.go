package web

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

func rule(id, msg string) error {
	st, _ := status.New(codes.FailedPrecondition, id+": "+msg).WithDetails(&errdetails.PreconditionFailure{
		Violations: []*errdetails.PreconditionFailure_Violation{{Type: id, Subject: id, Description: msg}}})
	return st.Err()
}

// A rule the portal knows is said in its words; another keeps the service's.
func TestInWords(t *testing.T) {
	fw := &frameworkv1.Framework{Status: frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS}
	errs, _ := formErrors(inWords(rule("framework.activate_only_awarded", "framework fw-1 is open for bids: only an awarded framework can be activated"), fw), view.FieldID)
	if len(errs) != 1 || errs[0].Message != "Only an awarded framework can be activated: the framework is open for bids" {
		t.Errorf("known rule: %+v", errs)
	}
	errs, _ = formErrors(inWords(rule("framework.something_new", "the service's own words"), fw), view.FieldID)
	if len(errs) != 1 || errs[0].Message != "The service's own words" {
		t.Errorf("unknown rule: %+v", errs)
	}
	if inWords(nil, fw) != nil {
		t.Error("nil is not nil")
	}
}

// A violation of one of a form's several commands lands on that part.
func TestMapFields(t *testing.T) {
	st, _ := status.New(codes.InvalidArgument, "invalid").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "reason", Description: "must be at least 3 characters"}}})
	errs, ok := formErrors(mapFields(st.Err(), func(p string) string { return "bids[2]." + p }), view.FieldID)
	if !ok || len(errs) != 1 || errs[0].Field != "bids-2-reason" {
		t.Errorf("mapped: %+v", errs)
	}
}

func TestStepOfField(t *testing.T) {
	for id, want := range map[string]struct {
		page string
		lot  int
	}{
		"terms-title": {"title", 0}, "terms-term_end": {"term", 0}, "terms-price_weight": {"weighting", 0},
		"terms-member_councils-2": {"councils", 0}, "terms-lots-3-price_band": {"lot", 3}, "reason": {"", 0},
		"terms-extension_options_months-0": {"extensions", 0},
	} {
		if page, lot := stepOfField(id); page != want.page || lot != want.lot {
			t.Errorf("stepOfField(%q) = %q %d, want %q %d", id, page, lot, want.page, want.lot)
		}
	}
}
