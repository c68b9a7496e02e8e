package server_test

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/app"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// returnStream is where a council's returns for one date are kept.
func returnStream(la, asAt string) eventstore.StreamID {
	return eventstore.StreamID{Context: app.Context, Aggregate: app.ReturnAggregate, ID: la + "-" + asAt}
}

// A second return for the same date supersedes the first in every answer;
// both are kept.
func TestLaterReturnSupersedes(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.dps()
	stockport := h.commissioner("353")
	first := must(stockport.SubmitNeedsReturn(ctx, &demandv1.SubmitNeedsReturnRequest{RequestId: "return-353-first", AsAt: thisYear, Cells: []*demandv1.NeedsCell{
		{PlacementGroup: "fostering", AgeBand: "5-9", Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: 9},
		{PlacementGroup: "residential", AgeBand: "10-15", Need: "N4", LegalStatus: "C2", Area: "outside", DistanceBand: "20-50", Count: 6},
	}})).OK(t)
	if first.GetId() != "353-"+thisYear || first.GetStreamVersion() != 1 {
		t.Fatalf("first return answered %v", first)
	}
	// An earlier date's return stays as it is.
	must(stockport.SubmitNeedsReturn(ctx, &demandv1.SubmitNeedsReturnRequest{RequestId: "return-353-lastyear", AsAt: lastYear, Cells: []*demandv1.NeedsCell{
		{PlacementGroup: "fostering", AgeBand: "5-9", Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: 30},
	}})).OK(t)
	second := must(stockport.SubmitNeedsReturn(ctx, &demandv1.SubmitNeedsReturnRequest{RequestId: "return-353-corrected", AsAt: thisYear, Cells: []*demandv1.NeedsCell{
		{PlacementGroup: "fostering", AgeBand: "5-9", Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: 11},
		{PlacementGroup: "supported-16-plus", AgeBand: "16+", Need: "N8", LegalStatus: "V2", Area: "inside", DistanceBand: "5-10", Count: 7},
	}})).OK(t)
	if second.GetId() != first.GetId() || second.GetStreamVersion() != 2 || second.GetPosition() <= first.GetPosition() {
		t.Fatalf("corrected return answered %v after %v", second, first)
	}

	got := must(stockport.GetDemand(ctx, byPlacement(thisYear, h.pos()))).OK(t)
	want := map[string]uint32{"fostering": 11, "supported-16-plus": 7}
	for _, c := range got.GetOwnTable().GetCells() {
		if c.GetCount() != want[c.GetValues()[0]] {
			t.Errorf("own %s = %d, want %d", c.GetValues()[0], c.GetCount(), want[c.GetValues()[0]])
		}
		delete(want, c.GetValues()[0])
	}
	if len(want) != 0 || got.GetOwnTable().GetTotal().GetCount() != 18 {
		t.Errorf("own table %v misses %v", got.GetOwnTable(), want)
	}
	for _, c := range got.GetConsortiumTable().GetCells() {
		if c.GetValues()[0] == "residential" && (c.GetCount() != 0 || c.GetSuppressed()) {
			t.Errorf("the superseded residential children are still counted: %v", c)
		}
	}
	if tot := got.GetConsortiumTable().GetTotal(); tot.GetCount() != 18 || got.GetCouncils() != 1 {
		t.Errorf("consortium total %v from %d councils, want 18 from 1", tot, got.GetCouncils())
	}
	if old := must(stockport.GetDemand(ctx, byPlacement(lastYear, h.pos()))).OK(t); old.GetOwnTable().GetTotal().GetCount() != 30 {
		t.Errorf("the %s return became %v", lastYear, old.GetOwnTable().GetTotal())
	}

	// Both submissions are kept, numbered.
	events, err := h.Store.ReadStream(ctx, returnStream("353", thisYear))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("the stream holds %d events, want 2", len(events))
	}
	for i, e := range events {
		r, ok := e.Event.(*demandv1.NeedsReturnSubmitted)
		if !ok || r.GetSubmission() != uint32(i+1) {
			t.Errorf("event %d: %T %v", i, e.Event, e.Event)
		}
	}
	if r := events[0].Event.(*demandv1.NeedsReturnSubmitted); r.GetChildren() != 15 {
		t.Errorf("the first submission counts %d children, want 15", r.GetChildren())
	}
}

// A retried submission (the same request id) is applied once; a restarted
// service rebuilds the same answers from the stream.
func TestIdempotentAndRestartable(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	h.submit(pooled())
	h.place(dpsID, "352", "referral-restart-1", provA, "SC100001", 450000)
	h.refer(dpsID, "353", "referral-restart-2", "SK4")

	req := small(thisYear, 6)
	req.RequestId = "retried-return-354"
	once := must(h.analyst("354").SubmitNeedsReturn(ctx, req)).OK(t)
	twice := must(h.analyst("354").SubmitNeedsReturn(ctx, req)).OK(t)
	if !proto.Equal(once, twice) || once.GetStreamVersion() != 1 {
		t.Errorf("retried submission answered %v, first %v", twice, once)
	}
	if events, err := h.Store.ReadStream(ctx, returnStream("354", thisYear)); err != nil || len(events) != 1 {
		t.Errorf("the retried return's stream holds %d events (%v), want 1", len(events), err)
	}

	// Each answer is asked of the running service: the clients are looked
	// up at each call, so after the restart they reach the new one.
	who := map[string]func() demandv1.DemandServiceClient{
		"analyst of 352": func() demandv1.DemandServiceClient { return h.analyst("352") },
		"viewer of 354":  func() demandv1.DemandServiceClient { return h.viewer("354") },
		"lead":           func() demandv1.DemandServiceClient { return h.dlead() },
	}
	read := func() map[string]proto.Message {
		t.Helper()
		pos := h.pos()
		out := map[string]proto.Message{}
		add := func(name string, m proto.Message, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = m
		}
		for name, c := range who {
			for _, dims := range [][]string{{"placement_group"}, {"placement_group", "age_band"}, {"need", "legal_status"}} {
				m, err := c().GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, Dimensions: dims, MinPosition: pos})
				add(fmt.Sprintf("GetDemand %v by %s", dims, name), m, err)
			}
			m, err := c().GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: consortium, AsAt: lastYear, Dimensions: []string{"area"}, MinPosition: pos})
			add("GetDemand "+lastYear+" by "+name, m, err)
			s, err := c().GetDemandSeries(ctx, &demandv1.GetDemandSeriesRequest{Consortium: consortium, Dimension: "age_band", MinPosition: pos})
			add("GetDemandSeries by "+name, s, err)
			su, err := c().GetSufficiency(ctx, &demandv1.GetSufficiencyRequest{Consortium: consortium, MinPosition: pos})
			add("GetSufficiency by "+name, su, err)
			pr, err := c().GetPriceBenchmarks(ctx, &demandv1.GetPriceBenchmarksRequest{Consortium: consortium, MinPosition: pos})
			add("GetPriceBenchmarks by "+name, pr, err)
			oa, err := c().GetOutOfArea(ctx, &demandv1.GetOutOfAreaRequest{Consortium: consortium, MinPosition: pos})
			add("GetOutOfArea by "+name, oa, err)
			fc, err := c().GetForecast(ctx, &demandv1.GetForecastRequest{Consortium: consortium, Years: 3, MinPosition: pos})
			add("GetForecast by "+name, fc, err)
			ex, err := c().ExportTable(ctx, &demandv1.ExportTableRequest{Consortium: consortium, Table: "demand", Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_CSV, MinPosition: pos})
			add("ExportTable by "+name, ex, err)
			ms, err := c().GetMarketPositionStatement(ctx, &demandv1.GetMarketPositionStatementRequest{Consortium: consortium, Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_MARKDOWN, MinPosition: pos})
			add("GetMarketPositionStatement by "+name, ms, err)
		}
		return out
	}
	before := read()
	h.restartDemand()
	// Restored from the snapshot saved at the stop: the answers compare it
	// with the model replayed from the start (issue 16).
	if r := h.demand.App.ReadModels()[0]; r.RestoredAt() == 0 {
		t.Error("the restarted model was replayed, not restored from its snapshot")
	}
	after := read()
	for name, b := range before {
		if !proto.Equal(b, after[name]) {
			t.Errorf("%s differs after the restart:\nbefore %v\nafter  %v", name, b, after[name])
		}
	}
	// The figures survived, and the retried return counts once.
	d := after["GetDemand [placement_group] by analyst of 352"].(*demandv1.DemandTable)
	if d.GetCouncils() != 3 || d.GetOwnTable().GetTotal().GetCount() != 302 {
		t.Errorf("after the restart: %d councils, 352's own total %v", d.GetCouncils(), d.GetOwnTable().GetTotal())
	}
	if got := after["GetDemand [placement_group] by viewer of 354"].(*demandv1.DemandTable); got.GetOwnTable().GetTotal().GetCount() != 6 {
		t.Errorf("354's own total %v after a retried return, want 6", got.GetOwnTable().GetTotal())
	}

	// The restarted service takes new returns on the same streams.
	if res := must(h.analyst("354").SubmitNeedsReturn(ctx, &demandv1.SubmitNeedsReturnRequest{RequestId: "return-354-after-restart", AsAt: thisYear,
		Cells: small(thisYear, 8).GetCells()})).OK(t); res.GetStreamVersion() != 2 {
		t.Errorf("a new return after the restart has stream version %d, want 2", res.GetStreamVersion())
	}
}
