package web

import (
	"context"
	"strings"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// calloffWords is a referral's call-off as its page says it: the
// framework's title and the lot's name (read as the person; their ids if
// the framework cannot be read), the method, and the platform's reason.
func (s *Server) calloffWords(ctx context.Context, co *purchasingv1.CallOff) *view.RefCallOff {
	if co == nil {
		return nil
	}
	w := &view.RefCallOff{Framework: "framework " + co.GetFrameworkId(), Lot: "lot " + co.GetLotId(), Method: "further competition among the lot's providers",
		Reason: strings.TrimSuffix(co.GetReason(), ".")}
	if co.GetMethod() == purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD {
		w.Method = "direct award to the highest-ranked provider with a suitable vacancy"
	}
	if fw, err := s.framework.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: co.GetFrameworkId()}); err == nil {
		w.Framework = fw.GetTitle()
		for _, l := range fw.GetLots() {
			if l.GetTerms().GetLotId() == co.GetLotId() && l.GetTerms().GetName() != "" {
				w.Lot = "lot " + l.GetTerms().GetName()
			}
		}
	}
	return w
}
