package grpcapi

import (
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

func method(name string) string {
	return "/" + frameworkv1.FrameworkService_ServiceDesc.ServiceName + "/" + name
}

var (
	lead      = []string{auth.ConsortiumLead}
	everyone  = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder, auth.PlatformAdmin, auth.Auditor}
	governors = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer, auth.PlatformAdmin, auth.Auditor}
)

// Policy is who may call each RPC. Which framework's data a caller may touch
// (its own consortium's, its own bids) is checked by the domain and the queries.
var Policy = auth.Policy{
	method("DraftFramework"):      {Roles: lead},
	method("AmendFramework"):      {Roles: lead},
	method("AddMemberCouncil"):    {Roles: lead},
	method("RemoveMemberCouncil"): {Roles: lead},
	method("OpenForBids"):         {Roles: lead},
	method("SubmitBid"):           {Roles: []string{auth.ProviderAdmin}},
	method("ScoreBid"):            {Roles: lead},
	method("AwardFramework"):      {Roles: lead},
	method("ActivateFramework"):   {Roles: lead},
	method("ExtendFramework"):     {Roles: lead},
	method("ExpireFramework"):     {Roles: lead},
	method("TerminateFramework"):  {Roles: lead},
	method("RequestPriceUplift"):  {Roles: []string{auth.ProviderAdmin}},
	method("ApprovePriceUplift"):  {Roles: lead},
	method("RejectPriceUplift"):   {Roles: lead},
	method("SuspendProvider"):     {Roles: lead},
	method("ReinstateProvider"):   {Roles: lead},

	method("GetFramework"):     {Roles: everyone},
	method("ListFrameworks"):   {Roles: everyone},
	method("ListBids"):         {Roles: []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder, auth.PlatformAdmin, auth.Auditor}},
	method("ListPriceUplifts"): {Roles: everyone},
	method("GetDecisionLog"):   {Roles: governors},
}
