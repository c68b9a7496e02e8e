package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// story makes a little history: two placements, framework contracts, a
// return, a red judgement and its reactions.
func story(h *harness) {
	h.t.Helper()
	h.frameworkWithA()
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	h.place(dps, "353", "ref-353-b", provB, "SC200001")
	h.Clock.Set(time.Date(2026, time.December, 2, 10, 0, 0, 0, time.UTC))
	h.file(provA, "SC100001", "2026-11")
	ofsted(h, "SC200001", purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, "ofsted-sc200001-1")
	h.eventually("B red", func() bool { return h.level(provB).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_RED })
}

// answers is what the lead and a council see, to compare across restarts.
func (h *harness) answers() []proto.Message {
	h.t.Helper()
	p := h.pos()
	return []proto.Message{
		must(h.lead().ListContracts(h.Ctx, &monitoringv1.ListContractsRequest{MinPosition: p})).OK(h.t),
		must(h.lead().ListRiskLevels(h.Ctx, &monitoringv1.ListRiskLevelsRequest{MinPosition: p})).OK(h.t),
		must(h.viewer("353").ListAlerts(h.Ctx, &monitoringv1.ListAlertsRequest{MinPosition: p})).OK(h.t),
		must(h.lead().ListMonitoringReturns(h.Ctx, &monitoringv1.ListMonitoringReturnsRequest{Urn: "SC100001", MinPosition: p})).OK(h.t),
		must(h.lead().GetMonitoringBurden(h.Ctx, &monitoringv1.GetMonitoringBurdenRequest{Consortium: consortium, MinPosition: p})).OK(h.t),
	}
}

// drained waits until a durable consumer has nothing pending.
func (h *harness) drained(durable string) {
	h.t.Helper()
	js := h.Store.JetStream()
	h.eventually(durable+" drained", func() bool {
		c, err := js.Consumer(h.Ctx, h.Store.StreamName(), durable)
		if err != nil {
			return false
		}
		info, err := c.Info(h.Ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
}

// Every event consumed a second time changes nothing: with the reactions'
// consumers deleted, a restarted service reacts to the whole history
// again, and the store does not move. Its answers are the same.
func TestReactionsReplayedChangeNothing(t *testing.T) {
	h := newHarness(t)
	story(h)
	// Every reaction done, purchasing's and framework's included.
	for _, d := range []string{"monitoring-contracts", "monitoring-risk", "purchasing-risk-levels", "framework-risk-levels"} {
		h.drained(d)
	}
	before, answers := h.pos(), h.answers()

	h.monitoring.Stop()
	for _, d := range []string{"monitoring-contracts", "monitoring-risk"} {
		if err := h.Store.JetStream().DeleteConsumer(h.Ctx, h.Store.StreamName(), d); err != nil {
			t.Fatalf("delete %s: %v", d, err)
		}
	}
	h.startMonitoring(h.NewStore())
	for _, d := range []string{"monitoring-contracts", "monitoring-risk"} {
		h.drained(d)
	}
	if after := h.pos(); after != before {
		h.dumpAfter(before)
		t.Fatalf("replaying every event moved the store from %d to %d", before, after)
	}
	for i, a := range h.answers() {
		if !proto.Equal(withoutPosition(a), withoutPosition(answers[i])) {
			t.Errorf("answer %d after the replay:\n%v\nbefore:\n%v", i, a, answers[i])
		}
	}
}

// dumpAfter logs the commits after a position (to say what moved).
func (h *harness) dumpAfter(pos uint64) {
	ctx, cancel := context.WithTimeout(h.Ctx, time.Second)
	defer cancel()
	_ = h.Store.Subscribe(ctx, pos, nil, func(commit []eventstore.RecordedEvent) error {
		for _, e := range commit {
			h.t.Logf("%d %s %s causation %s request %s: %v", e.Position, e.StreamID, e.Type, e.CausationID, e.RequestID, e.Event)
		}
		return nil
	})
}

// A restarted service rebuilds the same answers from the stream.
func TestRestartAnswersTheSame(t *testing.T) {
	h := newHarness(t)
	story(h)
	answers := h.answers()
	h.restartMonitoring()
	// Restored from the snapshot saved at the stop: the answers compare it
	// with the model replayed from the start (issue 16).
	if r := h.monitoring.App.ReadModels()[0]; r.RestoredAt() == 0 {
		t.Error("the restarted model was replayed, not restored from its snapshot")
	}
	for i, a := range h.answers() {
		if !proto.Equal(withoutPosition(a), withoutPosition(answers[i])) {
			t.Errorf("answer %d after a restart:\n%v\nbefore:\n%v", i, a, answers[i])
		}
	}
}

// withoutPosition clears the read position every answer carries.
func withoutPosition(m proto.Message) proto.Message {
	c := proto.Clone(m)
	f := c.ProtoReflect().Descriptor().Fields().ByName("position")
	if f != nil {
		c.ProtoReflect().Clear(f)
	}
	return c
}
