package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Every message is traced to its cause in a decision log: the referral's
// log holds each provider's notification decided and sent, caused by the
// ReferralMatched event. The platform admin and the auditor read all of
// it; a provider admin only its own organisation's entries; another
// provider, or a council told nothing by it, finds no such cause; a
// responder may not ask; a malformed or unknown id is refused.
func TestDecisionLogTracesEachMessageToItsCause(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"alder", "birch", "cedar"} {
		h.registerProvider(p)
	}
	h.append("purchasing", "referral", "ref-1", &purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1"},
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{{ProviderId: "alder"}, {ProviderId: "birch"}}})
	got := h.waitOutbox(2)
	n := servicetest.Must(h.platform().GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: got[0].GetNotificationId(), MinPosition: h.LastPosition()})).OK(t)
	cause := n.GetCauseEventId()
	if cause == "" || n.GetCauseType() != "carecoop.purchasing.v1.ReferralMatched" {
		t.Fatalf("notification's cause: %v", n)
	}
	ask := func(c notifyv1.NotifyServiceClient, id string) (*notifyv1.GetDecisionLogResponse, error) {
		return c.GetDecisionLog(h.Ctx, &notifyv1.GetDecisionLogRequest{CauseEventId: id, MinPosition: h.LastPosition()})
	}
	describeLog := func(l *notifyv1.GetDecisionLogResponse) string {
		var b strings.Builder
		for _, d := range l.GetDecisions() {
			b.WriteString("\n  " + d.GetDecision() + ": " + d.GetSummary())
		}
		return b.String()
	}

	for _, c := range []notifyv1.NotifyServiceClient{h.platform(), h.n("audrey", auth.OrgPlatform, auth.Auditor)} {
		l := servicetest.Must(ask(c, cause)).OK(t)
		want := []string{
			"NotificationDecided: referral-received decided for Referrals team <referrals@alder.example> (provider:alder)",
			"NotificationDecided: referral-received decided for Referrals team <referrals@birch.example> (provider:birch)",
			"NotificationSent: sent through the dev outbox",
			"NotificationSent: sent through the dev outbox",
		}
		if len(l.GetDecisions()) != len(want) {
			t.Fatalf("the platform's log:%s", describeLog(l))
		}
		for i, d := range l.GetDecisions() {
			if !strings.HasPrefix(d.GetDecision()+": "+d.GetSummary(), want[i]) {
				t.Errorf("entry %d: %s: %s, want %s", i, d.GetDecision(), d.GetSummary(), want[i])
			}
			if d.GetCausationId() != cause || d.GetNotificationId() == "" || d.GetOccurredAt() == nil || d.GetActor().GetSubject() != "service:notify" {
				t.Errorf("entry %d is not traced to its cause: %v", i, d)
			}
		}
	}

	traced := 0
	for _, d := range servicetest.Must(ask(h.platform(), cause)).OK(t).GetDecisions() {
		if d.GetNotificationId() == got[0].GetNotificationId() {
			traced++
		}
	}
	if traced != 2 {
		t.Fatalf("the message %s has %d entries in its cause's log, want 2 (decided, sent)", got[0].GetNotificationId(), traced)
	}

	// Alder's admin: alder's own entries only, nothing of birch's.
	l := servicetest.Must(ask(h.n("ann", auth.ProviderOrg("alder"), auth.ProviderAdmin), cause)).OK(t)
	if len(l.GetDecisions()) != 2 || strings.Contains(describeLog(l), "birch") {
		t.Fatalf("alder's admin reads:%s", describeLog(l))
	}
	// Nothing of the cause concerns cedar, nor council 352 (not told of its own referral being sent).
	_, err := ask(h.n("cid", auth.ProviderOrg("cedar"), auth.ProviderAdmin), cause)
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = ask(h.commissioner("352", "sam"), cause)
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = ask(h.n("ria", auth.ProviderOrg("alder"), auth.ProviderResponder), cause)
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = ask(h.platform(), "no/such id")
	servicetest.WantCode(t, err, codes.InvalidArgument)
	if f := servicetest.FieldViolations(t, err); len(f) != 1 || f[0] != "cause_event_id" {
		t.Errorf("violations %v", f)
	}
	_, err = ask(h.platform(), "0b4a5f43-7e0e-4b8f-9d61-3a8b4c2d1e00")
	servicetest.WantCode(t, err, codes.NotFound)
}
