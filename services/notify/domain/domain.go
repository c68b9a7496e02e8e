// Package domain is the notifications context's rules, pure Go with no I/O
// and no clock. Deciders:
//   - a cause (cause.go): the notifications one event of another context
//     caused, decided once, and their delivery;
//   - an organisation's directory (directory.go): the contacts its admin
//     added;
//   - a person (person.go): what they chose to receive, what they read;
//   - a person's daily digest (digest.go).
//
// Who is told what is in templates.go (the messages, which say that
// something happened and link to the portal, never anything about a child)
// and recipients.go (contacts by role, preferences, digest).
package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Roles the domain knows.
const (
	RoleConsortiumLead      = "consortium_lead"
	RoleCouncilCommissioner = "council_commissioner"
	RoleCouncilAnalyst      = "council_analyst"
	RoleCouncilViewer       = "council_viewer"
	RoleProviderAdmin       = "provider_admin"
	RoleProviderResponder   = "provider_responder"
	RolePlatformAdmin       = "platform_admin"
	RoleAuditor             = "auditor"
)

// Rule ids (stable: clients and tests match on them).
const (
	RuleNotYourOrganisation = "notify.not_your_organisation"
	RuleRoleNotOfOrg        = "notify.role_not_of_organisation"
	RuleTemplateMandatory   = "notify.template_mandatory"
	RuleUnknownTemplate     = "notify.unknown_template"
	RuleNotAContact         = "notify.not_a_contact"
	RuleOutboxDevOnly       = "notify.outbox_dev_only"
	RuleSubjectTaken        = "notify.subject_already_a_contact"
)

// Actor is who issues a command.
type Actor struct {
	Subject      string
	Organisation string
	Role         string
}

// OrgKind is "council", "provider", "consortium" or "platform".
func OrgKind(org string) string {
	kind, _, _ := strings.Cut(org, ":")
	return kind
}

// roleKinds: which organisations hold each role.
var roleKinds = map[string]string{
	RoleConsortiumLead: "consortium", RoleCouncilCommissioner: "council", RoleCouncilAnalyst: "council", RoleCouncilViewer: "council",
	RoleProviderAdmin: "provider", RoleProviderResponder: "provider", RolePlatformAdmin: "platform", RoleAuditor: "platform",
}

// RoleOfKind reports whether role belongs to organisations of kind.
func RoleOfKind(role, kind string) bool { return roleKinds[role] == kind }

// OrgStreamID names an organisation's stream ("council:352" → "council_352").
func OrgStreamID(org string) string {
	kind, id, _ := strings.Cut(org, ":")
	if id == "" {
		return kind
	}
	return eventstore.ComposeID(kind, id)
}

// PersonID is a person's stable id in an organisation: derived from their
// email, so a provider's registered contact and one its admin sets with the
// same address are the same person.
func PersonID(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "p-" + hex.EncodeToString(sum[:8])
}

// PersonStreamID names a person's stream.
func PersonStreamID(org, personID string) string {
	kind, id, _ := strings.Cut(org, ":")
	return eventstore.ComposeID(kind, id, personID)
}

// NotificationID names a notification after its cause, recipient and
// template, so deciding again names the same one.
func NotificationID(causeEventID, org, personID, template string) string {
	sum := sha256.Sum256([]byte(causeEventID + "|" + org + "|" + personID + "|" + template))
	return "n-" + hex.EncodeToString(sum[:10])
}
