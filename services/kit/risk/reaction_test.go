package risk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/risk"
)

var at = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)

type applied struct {
	id string
	c  risk.Change
}

// reaction records what it is asked to apply; refuse and fail name the
// targets that answer with a refusal or an error.
func reaction(providerOnly bool, refuse, fail string, got *[]applied, waited *uint64) risk.Reaction {
	return risk.Reaction{
		Durable: "test-risk-levels", Subject: "service:test", Role: "consortium_policy", ProviderOnly: providerOnly,
		Wait: func(_ context.Context, pos uint64) error { *waited = pos; return nil },
		Targets: func(consortium string) []string {
			return []string{consortium + "-1", consortium + "-2", consortium + "-3"}
		},
		Apply: func(_ context.Context, id string, c risk.Change) error {
			switch id {
			case refuse:
				return domainerr.Rule("test.refused", "no")
			case fail:
				return errors.New("store unavailable")
			}
			*got = append(*got, applied{id, c})
			return nil
		},
		Now: func() time.Time { return at },
	}
}

func recorded(ev *monitoringv1.RiskLevelChanged) eventstore.RecordedEvent {
	return eventstore.RecordedEvent{EventID: "evt-1", Position: 42, CorrelationID: "corr-1", Event: ev}
}

func TestASuspensionReachesEveryTargetWithItsCauseAndWords(t *testing.T) {
	var got []applied
	var waited uint64
	r := reaction(false, "", "", &got, &waited)
	ev := &monitoringv1.RiskLevelChanged{Consortium: "nw", ProviderId: "acme", ProviderName: "Acme Care", SettingUrn: "SC100001",
		Scope: monitoringv1.RiskScope_RISK_SCOPE_SETTING, To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND,
		Reasons: []*monitoringv1.RiskReason{{Detail: "Ofsted judged Inadequate on 2026-11-02"}, {Detail: "  "}}}
	if err := r.Handle(context.Background(), recorded(ev)); err != nil {
		t.Fatal(err)
	}
	if waited != 42 {
		t.Errorf("waited for position %d, want the event's 42", waited)
	}
	if len(got) != 3 {
		t.Fatalf("applied to %d targets, want 3", len(got))
	}
	for _, a := range got {
		c := a.c
		if !c.Suspend || c.SettingURN != "SC100001" || c.ProviderID != "acme" || c.Consortium != "nw" || c.Level != "red" {
			t.Errorf("%s: change %+v", a.id, c)
		}
		if c.Description != "risk red for setting SC100001 (Ofsted judged Inadequate on 2026-11-02)" {
			t.Errorf("description %q", c.Description)
		}
		if c.Actor != (eventstore.Actor{Subject: "service:test", Organisation: "consortium:nw", Role: "consortium_policy"}) {
			t.Errorf("actor %+v", c.Actor)
		}
		if c.Meta.RequestID != "bus:test-risk-levels:evt-1" || c.Meta.CausationID != "evt-1" || c.Meta.CorrelationID != "corr-1" ||
			!c.Meta.OccurredAt.Equal(at) || !c.Now.Equal(at) {
			t.Errorf("meta %+v now %v", c.Meta, c.Now)
		}
	}
}

func TestAProviderLevelCoversEverySettingAndIsNamedByItsId(t *testing.T) {
	var got []applied
	var waited uint64
	ev := &monitoringv1.RiskLevelChanged{Consortium: "nw", ProviderId: "acme", SettingUrn: "SC100001",
		Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER, To: monitoringv1.RiskLevel_RISK_LEVEL_GREEN, Action: monitoringv1.RiskAction_RISK_ACTION_REINSTATE}
	if err := reaction(true, "", "", &got, &waited).Handle(context.Background(), recorded(ev)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].c.Suspend || got[0].c.SettingURN != "" || got[0].c.Description != "risk green for provider acme" {
		t.Fatalf("got %+v", got)
	}
}

func TestLevelsThatAskNothingChangeNothing(t *testing.T) {
	cases := map[string]struct {
		providerOnly bool
		ev           *monitoringv1.RiskLevelChanged
	}{
		"action none": {ev: &monitoringv1.RiskLevelChanged{Consortium: "nw", ProviderId: "acme", Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER,
			To: monitoringv1.RiskLevel_RISK_LEVEL_AMBER, Action: monitoringv1.RiskAction_RISK_ACTION_NONE}},
		"a setting, to a service of providers": {providerOnly: true, ev: &monitoringv1.RiskLevelChanged{Consortium: "nw", ProviderId: "acme", SettingUrn: "SC1",
			Scope: monitoringv1.RiskScope_RISK_SCOPE_SETTING, To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND}},
		"a setting without its urn": {ev: &monitoringv1.RiskLevelChanged{Consortium: "nw", ProviderId: "acme",
			Scope: monitoringv1.RiskScope_RISK_SCOPE_SETTING, To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND}},
		"no consortium": {ev: &monitoringv1.RiskLevelChanged{ProviderId: "acme", Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER,
			To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND}},
		"no provider": {ev: &monitoringv1.RiskLevelChanged{Consortium: "nw", Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER,
			To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND}},
	}
	for name, tc := range cases {
		var got []applied
		var waited uint64
		if err := reaction(tc.providerOnly, "", "", &got, &waited).Handle(context.Background(), recorded(tc.ev)); err != nil || len(got) != 0 {
			t.Errorf("%s: err %v, applied %+v", name, err, got)
		}
	}
}

func TestARefusalSkipsItsTargetAndAFailureIsRedelivered(t *testing.T) {
	ev := &monitoringv1.RiskLevelChanged{Consortium: "nw", ProviderId: "acme", Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER,
		To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND}
	var got []applied
	var waited uint64
	if err := reaction(false, "nw-2", "", &got, &waited).Handle(context.Background(), recorded(ev)); err != nil {
		t.Fatalf("a refusal is not retried, got %v", err)
	}
	if len(got) != 2 || got[0].id != "nw-1" || got[1].id != "nw-3" {
		t.Fatalf("applied %+v, want nw-1 and nw-3", got)
	}
	got = nil
	if err := reaction(false, "", "nw-2", &got, &waited).Handle(context.Background(), recorded(ev)); err == nil {
		t.Fatal("a failing target must fail the event, so the bus delivers it again")
	}
}

func TestLevelName(t *testing.T) {
	for l, want := range map[monitoringv1.RiskLevel]string{
		monitoringv1.RiskLevel_RISK_LEVEL_GREEN: "green", monitoringv1.RiskLevel_RISK_LEVEL_AMBER: "amber",
		monitoringv1.RiskLevel_RISK_LEVEL_RED: "red", monitoringv1.RiskLevel_RISK_LEVEL_UNSPECIFIED: "unknown",
	} {
		if got := risk.LevelName(l); got != want {
			t.Errorf("LevelName(%v) = %q, want %q", l, got, want)
		}
	}
}
