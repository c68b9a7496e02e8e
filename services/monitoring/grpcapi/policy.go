package grpcapi

import (
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

func method(name string) string {
	return "/" + monitoringv1.MonitoringService_ServiceDesc.ServiceName + "/" + name
}

var (
	councils  = []string{auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer}
	providers = []string{auth.ProviderAdmin, auth.ProviderResponder}
	platform  = []string{auth.PlatformAdmin, auth.Auditor}
	// everyone with a stake in a contract; which contracts, settings and
	// consortia each may see is decided by the application.
	parties = join([]string{auth.ConsortiumLead}, councils, providers, platform)
	// the consortium side (no providers).
	buyers = join([]string{auth.ConsortiumLead}, councils, platform)
)

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Policy is who may call each RPC.
var Policy = auth.Policy{
	method("RecordPlacement"):          {Roles: []string{auth.CouncilCommissioner}},
	method("EndPlacement"):             {Roles: []string{auth.CouncilCommissioner}},
	method("RecordOutcome"):            {Roles: []string{auth.CouncilCommissioner}},
	method("SubmitMonitoringReturn"):   {Roles: providers},
	method("RecordOfstedJudgement"):    {Roles: []string{auth.PlatformAdmin}},
	method("RecordQualityVisit"):       {Roles: []string{auth.CouncilCommissioner, auth.ConsortiumLead}},
	method("NotifyIncident"):           {Roles: providers},
	method("RecordFeedback"):           {Roles: join([]string{auth.CouncilCommissioner}, providers)},
	method("RaiseFinancialWarning"):    {Roles: []string{auth.ProviderAdmin}},
	method("WithdrawFinancialWarning"): {Roles: []string{auth.ProviderAdmin}},
	method("SetRiskPolicy"):            {Roles: []string{auth.ConsortiumLead}},

	method("ListContracts"):         {Roles: parties},
	method("GetContract"):           {Roles: parties},
	method("ListMonitoringReturns"): {Roles: parties},
	method("ListReturnCompliance"):  {Roles: parties},
	method("GetMonitoringBurden"):   {Roles: parties},
	method("GetQualityEvidence"):    {Roles: parties},
	method("GetOutcomesReport"):     {Roles: buyers},
	method("GetRiskPolicy"):         {Roles: parties},
	method("ListRiskLevels"):        {Roles: parties},
	method("ListAlerts"):            {Roles: parties},
	method("AcknowledgeAlert"):      {Roles: []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder}},
	method("WatchAlerts"):           {Roles: parties},
	method("GetDecisionLog"):        {Roles: parties},
}
