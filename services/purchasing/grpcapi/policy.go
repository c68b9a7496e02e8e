package grpcapi

import (
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

func method(name string) string {
	return "/" + purchasingv1.PurchasingService_ServiceDesc.ServiceName + "/" + name
}

var (
	lead         = []string{auth.ConsortiumLead}
	providerAdm  = []string{auth.ProviderAdmin, auth.PlatformAdmin}
	responders   = []string{auth.ProviderResponder, auth.ProviderAdmin}
	commissioner = []string{auth.CouncilCommissioner}
	everyone     = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder, auth.PlatformAdmin, auth.Auditor}
	// referralReaders: referrals hold a child's needs; analysts read only
	// aggregates (the demand service), so they are not here.
	referralReaders = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder, auth.PlatformAdmin, auth.Auditor}
)

// Policy is who may call each RPC. Whose data a caller may touch (its own
// provider, its own council's referrals, its own consortium's DPS) is
// checked by the domain and the queries.
var Policy = auth.Policy{
	method("RegisterProvider"):      {Roles: providerAdm},
	method("UpdateProviderProfile"): {Roles: providerAdm},
	method("AddSetting"):            {Roles: providerAdm},
	method("UpdateSetting"):         {Roles: providerAdm},
	method("RemoveSetting"):         {Roles: providerAdm},
	method("RecordAccreditation"):   {Roles: providerAdm},
	method("PublishVacancy"):        {Roles: responders},
	method("WithdrawVacancy"):       {Roles: responders},

	method("CreateDps"):         {Roles: lead},
	method("OpenDps"):           {Roles: lead},
	method("CloseDps"):          {Roles: lead},
	method("ApplyToDps"):        {Roles: providerAdm},
	method("AdmitProvider"):     {Roles: lead},
	method("RejectApplication"): {Roles: lead},
	method("SuspendProvider"):   {Roles: lead},
	method("ReinstateProvider"): {Roles: lead},
	method("RemoveProvider"):    {Roles: lead},

	method("CreateReferral"):      {Roles: commissioner},
	method("MakeOffer"):           {Roles: responders},
	method("DeclineReferral"):     {Roles: responders},
	method("AwardPlacement"):      {Roles: commissioner},
	method("WithdrawReferral"):    {Roles: commissioner},
	method("ExtendOfferDeadline"): {Roles: commissioner},

	method("GetProvider"):      {Roles: everyone},
	method("ListProviders"):    {Roles: everyone},
	method("ListVacancies"):    {Roles: everyone},
	method("GetDps"):           {Roles: everyone},
	method("ListDps"):          {Roles: everyone},
	method("ListApplications"): {Roles: []string{auth.ConsortiumLead, auth.ProviderAdmin, auth.PlatformAdmin, auth.Auditor}},
	method("ListReferrals"):    {Roles: referralReaders},
	method("GetReferral"):      {Roles: referralReaders},
	method("ExplainMatch"):     {Roles: referralReaders},
	method("ListPlacements"):   {Roles: referralReaders},
	// Providers' people read the logs of their own agreements and block
	// contracts; the log of a DPS or a referral is NOT_FOUND to them.
	method("GetDecisionLog"): {Roles: referralReaders},
}
