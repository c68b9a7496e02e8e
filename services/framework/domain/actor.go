package domain

import "strings"

// Roles the domain checks (the identifiers used in tokens and policy tables).
const (
	RoleConsortiumLead = "consortium_lead"
	RoleProviderAdmin  = "provider_admin"
	// RoleConsortiumPolicy is a consortium's standing policy acting through a
	// service (the early-warning policy reacting to a risk level), not a person.
	RoleConsortiumPolicy = "consortium_policy"
)

// Actor is who issues a command, as the transport authenticated them.
//
// Organisation is "consortium:<slug>", "council:<LA code>" or
// "provider:<id>"; Role is the one role the caller acts in for this command
// (the role the RPC's policy entry matched). Consortium and ProviderID are the
// organisation's slug or id, split out so the rules read plainly; NewActor
// fills them. When they are left empty the domain reads them from
// Organisation, so Actor{Subject: s, Organisation: o, Role: r} works too.
type Actor struct {
	Subject      string
	Organisation string
	Role         string
	// Consortium is the slug when Organisation is "consortium:<slug>".
	Consortium string
	// ProviderID is the id when Organisation is "provider:<id>".
	ProviderID string
}

// NewActor returns the actor with Consortium or ProviderID taken from organisation.
func NewActor(subject, organisation, role string) Actor {
	a := Actor{Subject: subject, Organisation: organisation, Role: role}
	a.Consortium = a.consortium()
	a.ProviderID = a.provider()
	return a
}

func (a Actor) consortium() string {
	if a.Consortium != "" {
		return a.Consortium
	}
	slug, ok := strings.CutPrefix(a.Organisation, "consortium:")
	if !ok {
		return ""
	}
	return slug
}

func (a Actor) provider() string {
	if a.ProviderID != "" {
		return a.ProviderID
	}
	id, ok := strings.CutPrefix(a.Organisation, "provider:")
	if !ok {
		return ""
	}
	return id
}

// isPolicyOf reports whether a is the standing policy of the consortium slug.
func (a Actor) isPolicyOf(slug string) bool {
	return a.Role == RoleConsortiumPolicy && slug != "" && a.consortium() == slug
}

// isLeadOf reports whether a is a consortium lead of the consortium slug.
func (a Actor) isLeadOf(slug string) bool {
	return a.Role == RoleConsortiumLead && slug != "" && a.consortium() == slug
}

func (a Actor) describe() string {
	org := a.Organisation
	if org == "" {
		org = "no organisation"
	}
	role := a.Role
	if role == "" {
		role = "no role"
	}
	return role + " of " + org
}
