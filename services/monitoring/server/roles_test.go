package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// Each role at the door: what it may not call is PERMISSION_DENIED before
// anything else is looked at; what it may call gets past the door (its
// answer may still be NOT_FOUND or a rule, decided by the application).
func TestRolesAtTheDoor(t *testing.T) {
	h := newHarness(t)
	calls := map[string]func(c monitoringv1.MonitoringServiceClient) error{
		"SetRiskPolicy": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.SetRiskPolicy(h.Ctx, &monitoringv1.SetRiskPolicyRequest{RequestId: "roles-policy", ReturnDueWorkingDays: 10, Reason: "roles",
				Indicators: []*monitoringv1.IndicatorRule{{Indicator: monitoringv1.Indicator_INDICATOR_OFSTED_GRADE, Amber: 3, Red: 4, WindowMonths: 1}}})
			return err
		},
		"SubmitMonitoringReturn": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.SubmitMonitoringReturn(h.Ctx, &monitoringv1.SubmitMonitoringReturnRequest{RequestId: "roles-return", Urn: "SC100001", Period: "2026-10", Figures: figures()})
			return err
		},
		"RecordOfstedJudgement": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.RecordOfstedJudgement(h.Ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: "roles-ofsted", Urn: "SC100001",
				Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, InspectionDate: "2026-10-01", InspectionType: "full"})
			return err
		},
		"EndPlacement": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.EndPlacement(h.Ctx, &monitoringv1.EndPlacementRequest{RequestId: "roles-end", ContractId: "pl-none", EndDate: "2026-10-01", ReasonCode: "E4A"})
			return err
		},
		"RaiseFinancialWarning": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.RaiseFinancialWarning(h.Ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: "roles-warning", Level: 1, Summary: "roles"})
			return err
		},
		"GetOutcomesReport": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.GetOutcomesReport(h.Ctx, &monitoringv1.GetOutcomesReportRequest{Consortium: consortium, Measure: "stability"})
			return err
		},
		"AcknowledgeAlert": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.AcknowledgeAlert(h.Ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: "roles-ack", AlertId: "no-such-alert"})
			return err
		},
		"ListContracts": func(c monitoringv1.MonitoringServiceClient) error {
			_, err := c.ListContracts(h.Ctx, &monitoringv1.ListContractsRequest{})
			return err
		},
	}
	allowed := map[string][]string{
		auth.ConsortiumLead:      {"SetRiskPolicy", "GetOutcomesReport", "AcknowledgeAlert", "ListContracts"},
		auth.CouncilCommissioner: {"EndPlacement", "GetOutcomesReport", "AcknowledgeAlert", "ListContracts"},
		auth.CouncilViewer:       {"GetOutcomesReport", "AcknowledgeAlert", "ListContracts"},
		auth.ProviderAdmin:       {"SubmitMonitoringReturn", "RaiseFinancialWarning", "AcknowledgeAlert", "ListContracts"},
		auth.ProviderResponder:   {"SubmitMonitoringReturn", "AcknowledgeAlert", "ListContracts"},
		auth.Auditor:             {"GetOutcomesReport", "ListContracts"},
		auth.PlatformAdmin:       {"RecordOfstedJudgement", "GetOutcomesReport", "ListContracts"},
	}
	orgs := map[string]string{
		auth.ConsortiumLead: auth.ConsortiumOrg(consortium), auth.CouncilCommissioner: auth.CouncilOrg("352"), auth.CouncilViewer: auth.CouncilOrg("352"),
		auth.ProviderAdmin: auth.ProviderOrg(provA), auth.ProviderResponder: auth.ProviderOrg(provA), auth.Auditor: auth.OrgPlatform, auth.PlatformAdmin: auth.OrgPlatform,
	}
	for role, may := range allowed {
		c := h.m("roles."+role, orgs[role], role)
		for name, call := range calls {
			err := call(c)
			denied := status.Code(err) == codes.PermissionDenied
			want := true
			for _, m := range may {
				if m == name {
					want = false
				}
			}
			if denied != want {
				t.Errorf("%s calling %s: %v (denied %t, want denied %t)", role, name, err, denied, want)
			}
		}
	}
}
