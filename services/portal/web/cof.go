package web

import (
	"slices"
	"strings"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Placing a child as a call-off from a framework lot: one question early in
// the referral's flow, asked only when the commissioner's council is a
// member of a framework in force. The answer is kept as "cof-method": "dps"
// (the dynamic purchasing system, as without a framework) or the method,
// the framework and the lot, space-separated.

// cofViaDps is the answer that places the child through the DPS.
const cofViaDps = "dps"

// cofRules are the call-off rules the service may still find broken when
// the referral is sent (the council removed from the framework, the
// framework ended since the question was answered), in the person's words.
var cofRules = map[string]string{
	"purchasing.call_off_council_not_member":   "Your council is not a member of that framework, so it cannot call off from its lots. Place the child through the dynamic purchasing system instead.",
	"purchasing.call_off_framework_not_active": "That framework is no longer in force, so nothing can be called off from it. Place the child through the dynamic purchasing system instead.",
}

// cofOptions are the ways the commissioner's council may place a child:
// through the DPS, or by direct award or further competition under each
// lot with providers of each framework in force that has the council as a
// member, read as the person. Only the DPS: no such framework.
func (s *Server) cofOptions(q *rq) ([]view.Option, error) {
	list, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	la := q.sess.Principal.OrgID()
	out := []view.Option{{Value: cofViaDps, Text: "Through the dynamic purchasing system",
		Hint: "The referral goes to every admitted provider with a setting that can meet the child's needs."}}
	for _, fw := range list.GetFrameworks() {
		if st := fw.GetStatus(); st != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE && st != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED {
			continue
		}
		if !slices.Contains(fw.GetMemberCouncils(), la) {
			continue
		}
		for _, l := range fw.GetLots() {
			if len(l.GetProviders()) == 0 {
				continue
			}
			under := fw.GetTitle() + " lot " + l.GetTerms().GetName()
			ids := fw.GetFrameworkId() + " " + l.GetTerms().GetLotId()
			out = append(out,
				view.Option{Value: "direct " + ids, Text: "Direct award under " + under,
					Hint: "The referral goes to the highest-ranked provider of the lot with a suitable vacancy."},
				view.Option{Value: "further " + ids, Text: "Further competition under " + under,
					Hint: "Only the lot's providers are asked to offer."})
		}
	}
	return out, nil
}

// cofCallOff is the answer as CreateReferral takes it (nil: through the
// DPS).
func cofCallOff(d flowDraft) *purchasingv1.CallOff {
	parts := strings.Fields(d.get("cof-method"))
	if len(parts) != 3 {
		return nil
	}
	co := &purchasingv1.CallOff{FrameworkId: parts[1], LotId: parts[2], Method: purchasingv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION}
	if parts[0] == "direct" {
		co.Method = purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD
	}
	return co
}

// cofCheckRows puts the answer on check your answers after the kind of
// placement, when the question was asked.
func cofCheckRows(rows []view.DpsCheckRow, d flowDraft) []view.DpsCheckRow {
	if d.get("cof-offered") == "" || len(rows) == 0 {
		return rows
	}
	row := view.DpsCheckRow{ID: "cof-method", Key: "How the child is placed", Values: []string{d.get("cof-text")}, Href: refNew.change("method")}
	return slices.Insert(rows, 1, row)
}

// cofSaid says whether a refusal's message is one of cofRules' words.
func cofSaid(msg string) bool {
	for _, w := range cofRules {
		if w == msg {
			return true
		}
	}
	return false
}
