package grpcapi

import (
	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

func method(name string) string {
	return "/" + demandv1.DemandService_ServiceDesc.ServiceName + "/" + name
}

var (
	// readers of aggregates: the consortium, its member councils' people and
	// the platform; which consortium's figures is checked by the queries.
	readers = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer, auth.PlatformAdmin, auth.Auditor}
	// the market position statement is published to providers too.
	market = append([]string{auth.ProviderAdmin, auth.ProviderResponder}, readers...)
)

// Policy is who may call each RPC.
var Policy = auth.Policy{
	method("SubmitNeedsReturn"): {Roles: []string{auth.CouncilAnalyst, auth.CouncilCommissioner}},
	// Withdrawing takes a council's figures out of every aggregate: a
	// decision on its needs data, which its analyst prepares (DOMAIN.md).
	method("WithdrawNeedsReturn"): {Roles: []string{auth.CouncilAnalyst}},
	method("SetDisclosurePolicy"): {Roles: []string{auth.ConsortiumLead}},
	// Which consortium's policy (the lead's own, a member council's, any
	// for the platform) is decided by GetDisclosurePolicy.
	method("GetDisclosurePolicy"): {Roles: readers},

	method("GetDemand"):                  {Roles: readers},
	method("GetDemandSeries"):            {Roles: readers},
	method("GetSufficiency"):             {Roles: readers},
	method("GetPriceBenchmarks"):         {Roles: readers},
	method("GetOutOfArea"):               {Roles: readers},
	method("GetForecast"):                {Roles: readers},
	method("GetMarketPositionStatement"): {Roles: market},
	method("ExportTable"):                {Roles: readers},
	// What each sees of the list is decided by ListNeedsReturns.
	method("ListNeedsReturns"): {Roles: readers},
}
