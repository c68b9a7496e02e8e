package domain_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// given folds a council's history for one date into its state.
func given(events ...proto.Message) domain.ReturnState {
	s := domain.ReturnState{}
	for _, e := range events {
		s = domain.EvolveReturn(s, e)
	}
	return s
}

func submitted(n, children uint32) *demandv1.NeedsReturnSubmitted {
	return &demandv1.NeedsReturnSubmitted{ReturnId: "352-2026-03-31", Council: "352", AsAt: "2026-03-31", Children: children, Submission: n}
}

func withdrawn(n uint32) *demandv1.NeedsReturnWithdrawn {
	return &demandv1.NeedsReturnWithdrawn{ReturnId: "352-2026-03-31", Council: "352", AsAt: "2026-03-31", Submission: n, Reason: "wrong extract"}
}

func withdraw(n uint32) domain.WithdrawNeedsReturn {
	return domain.WithdrawNeedsReturn{Actor: analyst, Council: "352", AsAt: "2026-03-31", Submission: n, Reason: "Submitted with the wrong year's extract"}
}

func wantKind(t *testing.T, err error, kind domainerr.Kind) *domainerr.Error {
	t.Helper()
	de, ok := domainerr.As(err)
	if !ok || de.Kind != kind {
		t.Fatalf("error = %v, want kind %d", err, kind)
	}
	return de
}

// Withdrawing the submission that stands brings back the one before it;
// withdrawing that too leaves none.
func TestWithdrawTheCurrentSubmission(t *testing.T) {
	s := given(submitted(1, 40), submitted(2, 4))
	if s.Current() != 2 {
		t.Fatalf("before: current %d, want 2", s.Current())
	}
	evs, err := domain.DecideWithdrawal(s, withdraw(2))
	if err != nil {
		t.Fatal(err)
	}
	w := evs[0].(*demandv1.NeedsReturnWithdrawn)
	if w.GetReturnId() != "352-2026-03-31" || w.GetCouncil() != "352" || w.GetSubmission() != 2 || w.GetCurrentSubmission() != 1 || w.GetReason() == "" {
		t.Fatalf("withdrawn %v", w)
	}
	s = domain.EvolveReturn(s, w)
	if s.Current() != 1 {
		t.Fatalf("after withdrawing 2: current %d, want 1", s.Current())
	}
	evs, err = domain.DecideWithdrawal(s, withdraw(1))
	if err != nil {
		t.Fatal(err)
	}
	if w := evs[0].(*demandv1.NeedsReturnWithdrawn); w.GetCurrentSubmission() != 0 {
		t.Fatalf("withdrawing the last one standing leaves %d standing, want none", w.GetCurrentSubmission())
	}
}

// A superseded submission may be withdrawn too: the one that stands stays.
func TestWithdrawASupersededSubmission(t *testing.T) {
	evs, err := domain.DecideWithdrawal(given(submitted(1, 40), submitted(2, 41)), withdraw(1))
	if err != nil {
		t.Fatal(err)
	}
	if w := evs[0].(*demandv1.NeedsReturnWithdrawn); w.GetCurrentSubmission() != 2 {
		t.Fatalf("withdrawing a superseded submission: %d stands, want 2", w.GetCurrentSubmission())
	}
}

// After a withdrawal a new submission is numbered on and stands.
func TestSubmitAfterWithdrawal(t *testing.T) {
	s := given(submitted(1, 40), withdrawn(1))
	if s.Current() != 0 {
		t.Fatalf("current %d after withdrawing the only submission", s.Current())
	}
	evs, err := domain.DecideReturn(s, submit(cell("fostering", "5-9", 38)))
	if err != nil {
		t.Fatal(err)
	}
	if r := evs[0].(*demandv1.NeedsReturnSubmitted); r.GetSubmission() != 2 {
		t.Fatalf("resubmission numbered %d, want 2", r.GetSubmission())
	}
	if s = domain.EvolveReturn(s, evs[0]); s.Current() != 2 {
		t.Fatalf("the resubmission does not stand: current %d", s.Current())
	}
}

func TestWithdrawTwiceIsRefused(t *testing.T) {
	_, err := domain.DecideWithdrawal(given(submitted(1, 40), submitted(2, 4), withdrawn(2)), withdraw(2))
	wantRule(t, err, domain.RuleAlreadyWithdrawn)
}

// A submission never made, a date without returns and another council's
// return are all not found, and the answer names no other council.
func TestWithdrawWhatIsNotThere(t *testing.T) {
	for name, c := range map[string]struct {
		s   domain.ReturnState
		cmd domain.WithdrawNeedsReturn
	}{
		"submission 3 of 2":    {given(submitted(1, 40), submitted(2, 4)), withdraw(3)},
		"a date without any":   {given(), withdraw(1)},
		"submission 0":         {given(submitted(1, 40)), withdraw(0)},
		"council 353's return": {given(submitted(1, 40)), func() domain.WithdrawNeedsReturn { w := withdraw(1); w.Council = "353"; return w }()},
	} {
		_, err := domain.DecideWithdrawal(c.s, c.cmd)
		de := wantKind(t, err, domainerr.NotFound)
		if strings.Contains(de.Message, "353") {
			t.Errorf("%s: the refusal names the other council: %s", name, de.Message)
		}
	}
}

// Only the council's analyst withdraws: the commissioner, a viewer, the
// lead and a provider are refused.
func TestWithdrawOnlyByTheAnalyst(t *testing.T) {
	s := given(submitted(1, 40))
	for _, a := range []domain.Actor{
		{Subject: "c", Organisation: "council:352", Role: domain.RoleCouncilCommissioner},
		{Subject: "v", Organisation: "council:352", Role: "council_viewer"},
		lead, provider,
	} {
		c := withdraw(1)
		c.Actor = a
		_, err := domain.DecideWithdrawal(s, c)
		wantKind(t, err, domainerr.Denied)
	}
}

func TestWithdrawNeedsAReason(t *testing.T) {
	c := withdraw(1)
	c.Reason = "   "
	_, err := domain.DecideWithdrawal(given(submitted(1, 40)), c)
	if de := wantKind(t, err, domainerr.Invalid); de.Rule != "reason" {
		t.Fatalf("blank reason: %v", err)
	}
}

// A return naming another council than the caller's is refused without
// naming it; naming the caller's own is fine.
func TestSubmitForAnotherCouncilIsRefused(t *testing.T) {
	c := submit(cell("fostering", "5-9", 12))
	c.Council = "353"
	_, err := domain.DecideReturn(domain.ReturnState{}, c)
	if de := wantKind(t, err, domainerr.Denied); strings.Contains(de.Message, "353") {
		t.Errorf("the refusal names the other council: %s", de.Message)
	}
	c.Council = "352"
	if _, err := domain.DecideReturn(domain.ReturnState{}, c); err != nil {
		t.Fatalf("naming its own council: %v", err)
	}
}
