package web

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// ruleWords say the framework service's rules as a lead reads them: the
// service's own messages name API fields, ids and ISO dates. A rule not
// listed keeps the service's message.
var ruleWords = map[string]func(fw *frameworkv1.Framework) string{
	"framework.weights_sum_100":          fixed("The quality and price weights must add up to 100"),
	"framework.term_end_after_start":     fixed("The end of the initial term must be after its start"),
	"framework.term_max_4_years":         fixed("A framework may run at most 4 years from its start, every extension option included (Procurement Act 2023, section 47): end the initial term earlier or shorten the extension options"),
	"framework.price_band_order":         fixed("A lot's lowest weekly price must not be more than its highest"),
	"framework.member_councils_required": fixed("Choose at least one member council"),
	"framework.amend_only_draft":         status1("The terms can be changed only while the framework is a draft: it is %s"),
	"framework.open_only_draft":          status1("Only a draft opens for bids: the framework is %s"),
	"framework.close_in_future":          fixed("The closing date and time must be in the future"),
	"framework.no_scoring_before_close":  closes("Bids are scored after bidding closes, %s"),
	"framework.no_award_before_close":    closes("The framework is awarded after bidding closes, %s, and the bids are scored"),
	"framework.not_evaluating":           status1("Bids are scored and the framework awarded only between the close of bidding and the award: the framework is %s"),
	"framework.activate_only_awarded":    status1("Only an awarded framework can be activated: the framework is %s"),
	"framework.standstill": func(fw *frameworkv1.Framework) string {
		ends, err := time.Parse(time.DateOnly, fw.GetStandstillEnds())
		if err != nil {
			return "The framework cannot be activated until the standstill period after the contract award notice has ended"
		}
		return "The framework cannot be activated yet: the standstill period after the contract award notice ends on " + view.Date(fw.GetStandstillEnds()) +
			", so a bidder may still challenge the award. You can activate it from " + view.Date(ends.AddDate(0, 0, 1).Format(time.DateOnly))
	},
	"framework.notice_not_in_future": fixed("The contract award notice must already be published: enter today's date or an earlier one"),
	"framework.not_active":           status1("Only an active framework can be extended: the framework is %s"),
	"framework.no_extension_left": func(fw *frameworkv1.Framework) string {
		return "Every extension option has been used: the framework ends on " + view.Date(fw.GetCurrentEnd())
	},
	"framework.ended":               status1("The framework is %s: nothing can change it any more"),
	"framework.uplift_not_pending":  fixed("This price uplift has already been decided"),
	"framework.not_awarded":         status1("Providers are suspended or reinstated only once the framework is awarded: it is %s"),
	"framework.not_admitted":        fixed("The provider is not admitted to this lot"),
	"framework.already_suspended":   fixed("The provider is already suspended on this lot"),
	"framework.not_suspended":       fixed("The provider is not suspended on this lot"),
	"framework.already_member":      fixed("The council is already a member of this framework"),
	"framework.not_member":          fixed("The council is not a member of this framework"),
	"framework.last_member_council": fixed("The last member council cannot be removed: add another council first"),
}

func fixed(msg string) func(*frameworkv1.Framework) string {
	return func(*frameworkv1.Framework) string { return msg }
}

func status1(format string) func(*frameworkv1.Framework) string {
	return func(fw *frameworkv1.Framework) string {
		st := "in another state"
		if fw != nil {
			st = strings.ToLower(view.Words(fw.GetStatus()))
		}
		return fmt.Sprintf(format, st)
	}
}

func closes(format string) func(*frameworkv1.Framework) string {
	return func(fw *frameworkv1.Framework) string {
		if fw.GetBidsCloseAt() == nil {
			return fmt.Sprintf(format, "at its closing time")
		}
		return fmt.Sprintf(format, "on "+view.When(fw.GetBidsCloseAt()))
	}
}

// inWords is err with a framework rule said in words (fw, when known, the
// framework it was refused on). Other errors pass unchanged; nil stays nil.
func inWords(err error, fw *frameworkv1.Framework) error {
	return sayRule(err, func(rule string) (string, bool) {
		words, known := ruleWords[rule]
		if !known {
			return "", false
		}
		return words(fw), true
	})
}

// mapFields is err with each field violation's path rewritten by to: a
// violation of one of several commands a form sends (bids[2].quality_score
// for the third bid's ScoreBid) lands on that part of the form.
func mapFields(err error, to func(path string) string) error {
	st, ok := status.FromError(err)
	if err == nil || !ok || st.Code() != codes.InvalidArgument {
		return err
	}
	var br *errdetails.BadRequest
	for _, d := range st.Details() {
		if b, ok := d.(*errdetails.BadRequest); ok {
			br = b
		}
	}
	if br == nil {
		return err
	}
	out := &errdetails.BadRequest{}
	for _, v := range br.GetFieldViolations() {
		out.FieldViolations = append(out.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: to(v.GetField()), Description: v.GetDescription(), Reason: v.GetReason()})
	}
	mapped, derr := status.New(codes.InvalidArgument, st.Message()).WithDetails(out)
	if derr != nil {
		return err
	}
	return mapped.Err()
}
