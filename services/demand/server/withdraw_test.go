package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

func withdrawal(reqID, la, asAt string, submission uint32) *demandv1.WithdrawNeedsReturnRequest {
	return &demandv1.WithdrawNeedsReturnRequest{RequestId: reqID, Council: la, AsAt: asAt, Submission: submission, Reason: "Submitted with the wrong extract"}
}

// streamLen is how many events a council's returns for a date hold.
func (h *harness) streamLen(la, asAt string) int {
	h.t.Helper()
	events, err := h.Store.ReadStream(h.Ctx, returnStream(la, asAt))
	if err != nil {
		h.t.Fatal(err)
	}
	return len(events)
}

// answers is everything built from the needs returns, as 352's analyst and
// the lead read it now, positions cleared so answers at different
// positions compare.
func (h *harness) answers() map[string]proto.Message {
	h.t.Helper()
	ctx, pos := h.Ctx, h.pos()
	out := map[string]proto.Message{}
	for name, c := range map[string]demandv1.DemandServiceClient{"analyst of 352": h.analyst("352"), "lead": h.dlead()} {
		d := must(c.GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, Dimensions: []string{"placement_group", "age_band"}, MinPosition: pos})).OK(h.t)
		d.Position = 0
		out["GetDemand by "+name] = d
		ly := must(c.GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, AsAt: lastYear, Dimensions: []string{"need"}, MinPosition: pos})).OK(h.t)
		ly.Position = 0
		out["GetDemand "+lastYear+" by "+name] = ly
		s := must(c.GetDemandSeries(ctx, &demandv1.GetDemandSeriesRequest{Consortium: consortium, Dimension: "placement_group", MinPosition: pos})).OK(h.t)
		s.Position = 0
		out["GetDemandSeries by "+name] = s
		oa := must(c.GetOutOfArea(ctx, &demandv1.GetOutOfAreaRequest{Consortium: consortium, MinPosition: pos})).OK(h.t)
		oa.Position = 0
		out["GetOutOfArea by "+name] = oa
		fc := must(c.GetForecast(ctx, &demandv1.GetForecastRequest{Consortium: consortium, Years: 3, MinPosition: pos})).OK(h.t)
		fc.Position = 0
		out["GetForecast by "+name] = fc
		ms := must(c.GetMarketPositionStatement(ctx, &demandv1.GetMarketPositionStatementRequest{Consortium: consortium, Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_MARKDOWN, MinPosition: pos})).OK(h.t)
		ms.Position = 0
		out["GetMarketPositionStatement by "+name] = ms
		ex := must(c.ExportTable(ctx, &demandv1.ExportTableRequest{Consortium: consortium, Table: "demand", Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_CSV, MinPosition: pos})).OK(h.t)
		ex.Position = 0
		out["ExportTable by "+name] = ex
	}
	return out
}

func sameAnswers(t *testing.T, when string, want, got map[string]proto.Message) {
	t.Helper()
	for name, w := range want {
		if !proto.Equal(w, got[name]) {
			t.Errorf("%s, %s differs:\nwant %v\ngot  %v", when, name, w, got[name])
		}
	}
}

// The import-903 mix-up: a token of council 353 used for a return that
// names council 352 is refused, without naming 352, and nothing is recorded
// for either council; naming its own council, or none, is accepted.
func TestReturnForAnotherCouncilIsRefused(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.dps()
	before := h.pos()

	mixup := small(thisYear, 40)
	mixup.RequestId, mixup.Council = "import903-352-mixup", "352"
	for name, c := range map[string]demandv1.DemandServiceClient{"analyst of 353": h.analyst("353"), "commissioner of 353": h.commissioner("353")} {
		_, err := c.SubmitNeedsReturn(ctx, mixup)
		if st := servicetest.WantCode(t, err, codes.PermissionDenied); strings.Contains(st.Message(), "352") {
			t.Errorf("%s: the refusal names the other council: %s", name, st.Message())
		}
	}
	if h.pos() != before || h.streamLen("352", thisYear) != 0 || h.streamLen("353", thisYear) != 0 {
		t.Fatalf("a refused return was recorded (position %d → %d)", before, h.pos())
	}

	own := small(thisYear, 9)
	own.RequestId, own.Council = "return-353-own", "353"
	if res := must(h.analyst("353").SubmitNeedsReturn(ctx, own)).OK(t); res.GetId() != "353-"+thisYear || res.GetSubmission() != 1 {
		t.Errorf("naming its own council: %v", res)
	}
	unnamed := small(thisYear, 11)
	unnamed.RequestId = "return-353-unnamed"
	if res := must(h.analyst("353").SubmitNeedsReturn(ctx, unnamed)).OK(t); res.GetSubmission() != 2 {
		t.Errorf("naming no council: %v", res)
	}
	got := must(h.analyst("352").GetDemand(ctx, byPlacement(thisYear, h.pos()))).OK(t)
	if got.GetCouncils() != 1 || got.GetOwnTable().GetTotal().GetCount() != 0 || got.GetConsortiumTable().GetTotal().GetCount() != 11 {
		t.Errorf("352 reads %d councils, own total %v, consortium total %v: want only 353's 11 children", got.GetCouncils(),
			got.GetOwnTable().GetTotal(), got.GetConsortiumTable().GetTotal())
	}

	bad := small(thisYear, 9)
	bad.RequestId, bad.Council = "return-353-badcode", "35"
	if got := servicetest.FieldViolations(t, must(h.analyst("353").SubmitNeedsReturn(ctx, bad)).Err); !slices.Equal(got, []string{"council"}) {
		t.Errorf("council 35: violations %v", got)
	}
}

// Withdrawing a mistaken submission brings back the one before it in every
// answer built from the returns, and survives a restart; withdrawing the
// one before it too leaves the council without a return for the date.
func TestWithdrawBringsBackThePreviousReturn(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.dps()
	subs := pooled()
	h.submit(subs)
	before := h.answers()

	// The wrong extract: 4 children instead of 302.
	wrong := small(thisYear, 4)
	wrong.RequestId = "return-352-wrong-extract"
	if res := must(h.analyst("352").SubmitNeedsReturn(ctx, wrong)).OK(t); res.GetSubmission() != 2 {
		t.Fatalf("the second return for %s answered %v", thisYear, res)
	}
	if d := h.demandOf(h.analyst("352"), "", []string{"placement_group"}, nil); d.GetOwnTable().GetTotal().GetCount() != 4 {
		t.Fatalf("the mistaken return does not stand: own total %v", d.GetOwnTable().GetTotal())
	}

	req := withdrawal("withdraw-352-wrong-extract", "352", thisYear, 2)
	res := must(h.analyst("352").WithdrawNeedsReturn(ctx, req)).OK(t)
	if res.GetId() != "352-"+thisYear || res.GetSubmission() != 2 || res.GetStreamVersion() != 3 {
		t.Errorf("withdrawal answered %v", res)
	}
	// A retry answers the same and withdraws nothing more.
	if again := must(h.analyst("352").WithdrawNeedsReturn(ctx, req)).OK(t); !proto.Equal(again, res) || h.streamLen("352", thisYear) != 3 {
		t.Errorf("retried withdrawal answered %v, first %v", again, res)
	}
	withdrawn := h.answers()
	sameAnswers(t, "after the withdrawal", before, withdrawn)

	// Withdrawing it again (another request) breaks a rule; a submission
	// never made is not found. Neither changes anything.
	pos := h.pos()
	_, err := h.analyst("352").WithdrawNeedsReturn(ctx, withdrawal("withdraw-352-again", "352", thisYear, 2))
	servicetest.WantRule(t, err, domain.RuleAlreadyWithdrawn)
	_, err = h.analyst("352").WithdrawNeedsReturn(ctx, withdrawal("withdraw-352-nine", "352", thisYear, 9))
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.analyst("352").WithdrawNeedsReturn(ctx, withdrawal("withdraw-352-2019", "352", "2019-03-31", 1))
	servicetest.WantCode(t, err, codes.NotFound)
	if h.pos() != pos {
		t.Errorf("refused withdrawals wrote to the store")
	}

	// A restarted service rebuilds the same answers from the stream.
	h.restartDemand()
	sameAnswers(t, "after a restart", withdrawn, h.answers())

	// Withdrawing submission 1 too: 352 has no return as at thisYear, and
	// the date's tables are 353's alone.
	must(h.analyst("352").WithdrawNeedsReturn(ctx, withdrawal("withdraw-352-first", "352", thisYear, 1))).OK(t)
	got := h.demandOf(h.analyst("352"), thisYear, []string{"placement_group"}, nil)
	if want := truth(subs, thisYear, []string{"placement_group"}, "353")[""]; got.GetCouncils() != 1 || got.GetOwnTable().GetTotal().GetCount() != 0 || int(got.GetConsortiumTable().GetTotal().GetCount()) != want {
		t.Errorf("with 352's returns withdrawn: %d councils, own total %v, consortium total %v (want 353's %d)", got.GetCouncils(),
			got.GetOwnTable().GetTotal(), got.GetConsortiumTable().GetTotal(), want)
	}
	// A new return for the date stands again.
	again := small(thisYear, 30)
	again.RequestId = "return-352-resubmitted"
	if res := must(h.analyst("352").SubmitNeedsReturn(ctx, again)).OK(t); res.GetSubmission() != 3 {
		t.Errorf("the resubmission answered %v, want submission 3", res)
	}
	if d := h.demandOf(h.analyst("352"), thisYear, []string{"placement_group"}, nil); d.GetOwnTable().GetTotal().GetCount() != 30 || d.GetCouncils() != 2 {
		t.Errorf("after resubmitting: own total %v from %d councils", d.GetOwnTable().GetTotal(), d.GetCouncils())
	}
}

// Only the council's own analyst withdraws. Its commissioner, a viewer, the
// lead, a provider and the platform are refused; another council's analyst
// is told the return does not exist, even when it has one of its own for
// the date; bad input names its fields. None of it changes anything.
func TestWithdrawWhoMay(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.dps()
	must(h.analyst("352").SubmitNeedsReturn(ctx, small(thisYear, 12))).OK(t)
	must(h.commissioner("353").SubmitNeedsReturn(ctx, small(thisYear, 9))).OK(t)
	pos := h.pos()

	req := withdrawal("withdraw-352-1", "352", thisYear, 1)
	for name, c := range map[string]demandv1.DemandServiceClient{
		"commissioner of 352": h.commissioner("352"), "viewer of 352": h.viewer("352"), "lead": h.dlead(),
		"provider admin": h.providerAdmin(provA), "auditor": h.auditor(),
	} {
		_, err := c.WithdrawNeedsReturn(ctx, req)
		if st := servicetest.WantCode(t, err, codes.PermissionDenied); st.Message() == "" {
			t.Errorf("%s: refused without saying why", name)
		}
	}
	_, err := h.analyst("353").WithdrawNeedsReturn(ctx, req)
	if st := servicetest.WantCode(t, err, codes.NotFound); strings.Contains(st.Message(), "352") {
		t.Errorf("the refusal names council 352: %s", st.Message())
	}

	bad := &demandv1.WithdrawNeedsReturnRequest{RequestId: "withdraw-bad-input", Council: "35x", AsAt: "31/03/2026", Submission: 0, Reason: ""}
	got := servicetest.FieldViolations(t, must(h.analyst("352").WithdrawNeedsReturn(ctx, bad)).Err)
	slices.Sort(got)
	if !slices.Equal(got, []string{"as_at", "council", "reason", "submission"}) {
		t.Errorf("bad withdrawal: violations %v", got)
	}

	if h.pos() != pos {
		t.Errorf("refused withdrawals wrote to the store")
	}
	if d := must(h.viewer("354").GetDemand(ctx, byPlacement(thisYear, h.pos()))).OK(t); d.GetCouncils() != 2 || d.GetConsortiumTable().GetTotal().GetCount() != 21 {
		t.Errorf("after refused withdrawals: %d councils, total %v; want both returns standing", d.GetCouncils(), d.GetConsortiumTable().GetTotal())
	}
	// The analyst of 352 may.
	must(h.analyst("352").WithdrawNeedsReturn(ctx, req)).OK(t)
}

// A council lists its own returns in full; the lead and the platform see
// which member council submitted for which date and when, what is
// withdrawn and what stands, without counts, people, sources or reasons.
func TestListNeedsReturns(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.dps()
	at := func() *timestamppb.Timestamp { return timestamppb.New(h.Clock.Now()) }

	ly := small(lastYear, 30)
	ly.Source = "ssda903-import"
	must(h.analyst("352").SubmitNeedsReturn(ctx, ly)).OK(t)
	lyAt := at()
	h.Clock.Advance(time.Hour)
	must(h.analyst("352").SubmitNeedsReturn(ctx, small(thisYear, 32))).OK(t)
	firstAt := at()
	h.Clock.Advance(time.Hour)
	second := small(thisYear, 3)
	second.RequestId = "return-352-second"
	must(h.commissioner("352").SubmitNeedsReturn(ctx, second)).OK(t)
	secondAt := at()
	h.Clock.Advance(time.Hour)
	must(h.commissioner("353").SubmitNeedsReturn(ctx, small(thisYear, 9))).OK(t)
	otherAt := at()
	h.Clock.Advance(time.Hour)
	must(h.analyst("352").WithdrawNeedsReturn(ctx, withdrawal("withdraw-352-second", "352", thisYear, 2))).OK(t)
	withdrawnAt := at()
	pos := h.pos()

	own := []*demandv1.NeedsReturnSubmission{
		{Council: "352", AsAt: thisYear, Submission: 2, SubmittedAt: secondAt, SubmittedBy: "commissioner.352", Children: 3, Source: "api",
			Withdrawn: true, WithdrawnAt: withdrawnAt, WithdrawnBy: "analyst.352", WithdrawalReason: "Submitted with the wrong extract"},
		{Council: "352", AsAt: thisYear, Submission: 1, SubmittedAt: firstAt, SubmittedBy: "analyst.352", Children: 32, Source: "api", Current: true},
		{Council: "352", AsAt: lastYear, Submission: 1, SubmittedAt: lyAt, SubmittedBy: "analyst.352", Children: 30, Source: "ssda903-import", Current: true},
	}
	for name, c := range map[string]demandv1.DemandServiceClient{"analyst of 352": h.analyst("352"), "viewer of 352": h.viewer("352")} {
		for _, slug := range []string{"", consortium} {
			got := must(c.ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{Consortium: slug, MinPosition: pos})).OK(t)
			wantList(t, name+" (consortium "+slug+")", got.GetReturns(), own)
		}
	}
	got := must(h.analyst("352").ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{AsAt: lastYear, MinPosition: pos})).OK(t)
	wantList(t, "352's as at "+lastYear, got.GetReturns(), own[2:])

	// 353 sees its own only.
	got = must(h.commissioner("353").ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{MinPosition: pos})).OK(t)
	wantList(t, "commissioner of 353", got.GetReturns(), []*demandv1.NeedsReturnSubmission{
		{Council: "353", AsAt: thisYear, Submission: 1, SubmittedAt: otherAt, SubmittedBy: "commissioner.353", Children: 9, Source: "api", Current: true},
	})

	// The lead and the platform: who submitted when, no more.
	consortiumView := []*demandv1.NeedsReturnSubmission{
		{Council: "352", AsAt: thisYear, Submission: 2, SubmittedAt: secondAt, Withdrawn: true, WithdrawnAt: withdrawnAt},
		{Council: "352", AsAt: thisYear, Submission: 1, SubmittedAt: firstAt, Current: true},
		{Council: "353", AsAt: thisYear, Submission: 1, SubmittedAt: otherAt, Current: true},
		{Council: "352", AsAt: lastYear, Submission: 1, SubmittedAt: lyAt, Current: true},
	}
	for name, q := range map[string]struct {
		c    demandv1.DemandServiceClient
		slug string
	}{"lead": {h.dlead(), ""}, "lead naming it": {h.dlead(), consortium}, "auditor": {h.auditor(), consortium}} {
		got := must(q.c.ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{Consortium: q.slug, MinPosition: pos})).OK(t)
		wantList(t, name, got.GetReturns(), consortiumView)
	}
	_, err := h.auditor().ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{MinPosition: pos})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"consortium"}) {
		t.Errorf("the platform naming no consortium: violations %v", got)
	}

	// Outsiders: a council that is not a member, another consortium's lead.
	_, err = h.analyst("999").ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{Consortium: consortium, MinPosition: pos})
	servicetest.WantCode(t, err, codes.NotFound)
	if got := must(h.analyst("999").ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{MinPosition: pos})).OK(t); len(got.GetReturns()) != 0 {
		t.Errorf("council 999 lists %v", got.GetReturns())
	}
	for _, slug := range []string{"", consortium} {
		_, err = h.otherLead().ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{Consortium: slug, MinPosition: pos})
		if st := servicetest.WantCode(t, err, codes.NotFound); strings.Contains(st.Message(), "352") {
			t.Errorf("another lead is told about members: %s", st.Message())
		}
	}
	_, err = h.providerAdmin(provA).ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{Consortium: consortium, MinPosition: pos})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.analyst("352").ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{AsAt: "2026-3-31", MinPosition: pos})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"as_at"}) {
		t.Errorf("malformed as_at: violations %v", got)
	}
}

func wantList(t *testing.T, who string, got, want []*demandv1.NeedsReturnSubmission) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s lists %d submissions, want %d: %v", who, len(got), len(want), got)
		return
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("%s, entry %d:\ngot  %v\nwant %v", who, i, got[i], want[i])
		}
	}
}
