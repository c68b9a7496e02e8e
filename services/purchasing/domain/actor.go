package domain

import "strings"

// Roles the domain checks (the identifiers used in tokens and policy tables).
const (
	RoleConsortiumLead      = "consortium_lead"
	RoleCouncilCommissioner = "council_commissioner"
	RoleProviderAdmin       = "provider_admin"
	RoleProviderResponder   = "provider_responder"
	RolePlatformAdmin       = "platform_admin"
	// RoleConsortiumPolicy is a consortium's standing policy acting through a
	// service (e.g. the early-warning policy reacting to a risk level), not a person.
	RoleConsortiumPolicy = "consortium_policy"
)

// Actor is who issues a command, as the transport authenticated them.
// Organisation is "consortium:<slug>", "council:<LA code>",
// "provider:<id>" or "platform"; Role is the role the caller acts in.
type Actor struct {
	Subject      string
	Organisation string
	Role         string
}

// orgID is the part of Organisation after "<kind>:" when the kind matches.
func (a Actor) orgID(kind string) string {
	id, ok := strings.CutPrefix(a.Organisation, kind+":")
	if !ok {
		return ""
	}
	return id
}

// Consortium is the slug of a consortium actor's organisation.
func (a Actor) Consortium() string { return a.orgID("consortium") }

// Council is the LA code of a council actor's organisation.
func (a Actor) Council() string { return a.orgID("council") }

// Provider is the id of a provider actor's organisation.
func (a Actor) Provider() string { return a.orgID("provider") }

func (a Actor) platformAdmin() bool {
	return a.Role == RolePlatformAdmin && a.Organisation == "platform"
}

// actsFor reports whether a may act for provider id: its own people, or
// the platform's admins onboarding it.
func (a Actor) actsFor(providerID string) bool {
	return (a.Provider() == providerID && providerID != "") || a.platformAdmin()
}

func (a Actor) describe() string {
	org, role := a.Organisation, a.Role
	if org == "" {
		org = "no organisation"
	}
	if role == "" {
		role = "no role"
	}
	return role + " of " + org
}
