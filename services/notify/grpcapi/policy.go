package grpcapi

import (
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

func method(name string) string {
	return "/" + notifyv1.NotifyService_ServiceDesc.ServiceName + "/" + name
}

var (
	// admins manage their organisation's contacts.
	admins = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.ProviderAdmin, auth.PlatformAdmin}
	// people: everyone who signs in has notifications and preferences.
	people = auth.AllRoles()
)

// Policy is who may call each RPC.
var Policy = auth.Policy{
	method("SetContact"):           {Roles: admins},
	method("RemoveContact"):        {Roles: admins},
	method("ListContacts"):         {Roles: admins},
	method("ListMyNotifications"):  {Roles: people},
	method("GetNotification"):      {Roles: people},
	method("MarkNotificationRead"): {Roles: people},
	method("ListTemplates"):        {Roles: people},
	method("GetPreferences"):       {Roles: people},
	method("SetPreferences"):       {Roles: people},
	method("ListDeliveryFailures"): {Roles: []string{auth.PlatformAdmin}},
	// The platform's people read all of a cause's log; an organisation's
	// admins what concerns it (the application filters).
	method("GetDecisionLog"): {Roles: []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.ProviderAdmin, auth.PlatformAdmin, auth.Auditor}},
	// Dev only (the application refuses elsewhere): the portal's /dev/outbox.
	method("ListOutbox"): {Roles: people},
}
