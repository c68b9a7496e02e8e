package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A Template is one kind of message: who it is for, whether it may wait
// for a digest, and its words. Its placeholders ((name)) take only the
// personalisation keys in Keys, none of which is about a child: a message
// says that something happened and links to the portal, where the person
// signs in to read the rest.
type Template struct {
	ID    string
	Title string
	// Roles it goes to, within the organisation concerned.
	Roles []string
	// Roles that may not turn it off.
	MandatoryFor []string
	// Urgent: never held for a digest (referrals and alerts).
	Urgent  bool
	Subject string
	Body    string
}

// Keys are every personalisation key a template may use. None of them may
// carry a child's need, age, sex, area or any free text from a referral:
// TestTemplatesSayNothingAboutAChild holds this.
var Keys = map[string]string{
	"reference": "the platform's id of the referral, application or framework",
	"council":   "the council, as its DfE LA code",
	"provider":  "the provider's name",
	"setting":   "a setting's Ofsted URN (\"setting SC123456\"), or the provider as a whole",
	"dps":       "the DPS's name",
	"framework": "the framework's id",
	"level":     "a risk level (green, amber, red)",
	"decision":  "admitted or rejected",
	"deadline":  "a date a decision is due, or the time offers on a referral close",
	"count":     "a number of notifications",
	"date":      "a calendar date",
	"period":    "a month, YYYY-MM",
	"link":      "the portal page it is about",
}

// The templates' ids.
const (
	TReferralReceived     = "referral-received"
	TOfferReceived        = "offer-received"
	TAllOffersIn          = "all-offers-in"
	TOfferAccepted        = "offer-accepted"
	TOfferNotAccepted     = "offer-not-accepted"
	TReferralWithdrawn    = "referral-withdrawn"
	TEarlyWarning         = "early-warning-alert"
	TApplicationReceived  = "dps-application-received"
	TDpsDecision          = "dps-decision"
	TPriceUpliftRequested = "price-uplift-requested"
	TProviderSuspended    = "provider-suspended"
	TDailyDigest          = "daily-digest"
	TNoOfferYet           = "referral-no-offer"
	// TOffersClosing: a referral's deadline for offers is near and the
	// provider has not answered.
	TOffersClosing       = "referral-offers-closing"
	TApplicationDueSoon  = "dps-application-due-soon"
	TApplicationOverdue  = "dps-application-overdue"
	TTenderClosed        = "tender-closed"
	TAccreditationExpiry = "accreditation-expiring"
	TReturnDueSoon       = "monitoring-return-due"
	TReturnOverdue       = "monitoring-return-overdue"
)

const footer = "\n\nSign in to carecoop to see the details: this email does not contain them.\n\n((link))"

// Templates are every message the platform sends.
var Templates = []Template{
	{ID: TReferralReceived, Title: "A referral is sent to your organisation", Roles: []string{RoleProviderResponder}, MandatoryFor: []string{RoleProviderResponder}, Urgent: true,
		Subject: "New referral ((reference)) from council ((council))",
		Body:    "Council ((council)) has sent your organisation a referral through carecoop. Please read it and make an offer or decline. Offers close ((deadline))." + footer},
	{ID: TOfferReceived, Title: "An offer on your council's referral", Roles: []string{RoleCouncilCommissioner}, MandatoryFor: []string{RoleCouncilCommissioner}, Urgent: true,
		Subject: "An offer on referral ((reference))",
		Body:    "((provider)) has made an offer on referral ((reference)). Compare the offers in carecoop." + footer},
	{ID: TAllOffersIn, Title: "Every provider has answered your council's referral", Roles: []string{RoleCouncilCommissioner},
		Subject: "Every provider has answered referral ((reference))",
		Body:    "Every provider sent referral ((reference)) has made an offer or declined. It is ready for your decision." + footer},
	{ID: TOfferAccepted, Title: "The council accepted your offer", Roles: []string{RoleProviderResponder, RoleProviderAdmin}, MandatoryFor: []string{RoleProviderResponder}, Urgent: true,
		Subject: "Your offer on referral ((reference)) was accepted",
		Body:    "Council ((council)) accepted your organisation's offer on referral ((reference))." + footer},
	{ID: TOfferNotAccepted, Title: "The council chose another offer", Roles: []string{RoleProviderResponder},
		Subject: "Referral ((reference)): another offer was chosen",
		Body:    "Council ((council)) has placed referral ((reference)) with another provider. Thank you for your offer." + footer},
	{ID: TReferralWithdrawn, Title: "A referral you offered on was withdrawn", Roles: []string{RoleProviderResponder},
		Subject: "Referral ((reference)) was withdrawn",
		Body:    "Council ((council)) withdrew referral ((reference)), so your offer is closed." + footer},
	{ID: TEarlyWarning, Title: "An early-warning alert about a home where your council places", Roles: []string{RoleCouncilCommissioner}, MandatoryFor: []string{RoleCouncilCommissioner}, Urgent: true,
		Subject: "Early warning: ((provider)) is now ((level))",
		Body:    "The early-warning risk level of ((provider)) changed to ((level)), for ((setting)). Your council has an alert about it." + footer},
	{ID: TApplicationReceived, Title: "A provider applied to your DPS", Roles: []string{RoleConsortiumLead},
		Subject: "((provider)) applied to ((dps))",
		Body:    "((provider)) applied to join ((dps)). The decision is due by ((deadline))." + footer},
	{ID: TDpsDecision, Title: "The decision on your DPS application", Roles: []string{RoleProviderAdmin}, MandatoryFor: []string{RoleProviderAdmin},
		Subject: "Your application to ((dps)): ((decision))",
		Body:    "The consortium has decided your organisation's application to ((dps)): ((decision))." + footer},
	{ID: TPriceUpliftRequested, Title: "A provider asks for a price uplift", Roles: []string{RoleConsortiumLead},
		Subject: "((provider)) asks for a price uplift on framework ((framework))",
		Body:    "((provider)) has asked for a price uplift on framework ((framework)). Approve or reject it in carecoop." + footer},
	{ID: TProviderSuspended, Title: "A provider suspended by early warning", Roles: []string{RoleConsortiumLead}, MandatoryFor: []string{RoleConsortiumLead}, Urgent: true,
		Subject: "((provider)) is suspended from matching",
		Body:    "Your consortium's early-warning policy suspended ((provider)) (risk level ((level)))." + footer},
	{ID: TOffersClosing, Title: "Offers on a referral sent to you close soon", Roles: []string{RoleProviderResponder}, MandatoryFor: []string{RoleProviderResponder}, Urgent: true,
		Subject: "Offers on referral ((reference)) close ((deadline))",
		Body:    "Council ((council)) asked for offers on referral ((reference)) by ((deadline)), and your organisation has not answered it yet. Make an offer or decline before then." + footer},
	{ID: TNoOfferYet, Title: "No offer yet on your council's referral", Roles: []string{RoleCouncilCommissioner}, MandatoryFor: []string{RoleCouncilCommissioner}, Urgent: true,
		Subject: "No offer yet on referral ((reference))",
		Body:    "No provider has made an offer on referral ((reference)) in its first ((count)) hours. You may want to widen it or look elsewhere." + footer},
	{ID: TApplicationDueSoon, Title: "A DPS application's decision is due soon", Roles: []string{RoleConsortiumLead},
		Subject: "Decide ((provider))'s application to ((dps)) by ((deadline))",
		Body:    "The decision on ((provider))'s application to ((dps)) is due by ((deadline)), within 10 working days of its receipt." + footer},
	{ID: TApplicationOverdue, Title: "A DPS application's decision is overdue", Roles: []string{RoleConsortiumLead}, MandatoryFor: []string{RoleConsortiumLead},
		Subject: "Overdue: ((provider))'s application to ((dps))",
		Body:    "The decision on ((provider))'s application to ((dps)) was due by ((deadline)) and is overdue." + footer},
	{ID: TTenderClosed, Title: "A tender closed and its bids wait to be scored", Roles: []string{RoleConsortiumLead},
		Subject: "Framework ((framework)) closed: ((count)) bids to score",
		Body:    "Bidding on framework ((framework)) has closed. ((count)) bids wait to be scored." + footer},
	{ID: TAccreditationExpiry, Title: "An accreditation expires within 30 days", Roles: []string{RoleProviderAdmin}, MandatoryFor: []string{RoleProviderAdmin},
		Subject: "Your accreditation ((reference)) expires on ((date))",
		Body:    "Your organisation's accreditation ((reference)) expires on ((date)). Record the renewed one, or your applications and matching will wait on it." + footer},
	{ID: TReturnDueSoon, Title: "A monthly monitoring return is due within 3 working days", Roles: []string{RoleProviderResponder, RoleProviderAdmin},
		Subject: "Monitoring return for ((setting)), ((period)): due by ((date))",
		Body:    "The monthly monitoring return for ((setting)) for ((period)) is due by ((date)). One return serves every council placing there." + footer},
	{ID: TReturnOverdue, Title: "A monthly monitoring return is overdue", Roles: []string{RoleProviderResponder, RoleProviderAdmin}, MandatoryFor: []string{RoleProviderAdmin},
		Subject: "Overdue: monitoring return for ((setting)), ((period))",
		Body:    "The monthly monitoring return for ((setting)) for ((period)) was due by ((date)) and has not been filed. Returns missing move your early-warning risk level." + footer},
	{ID: TDailyDigest, Title: "Your daily digest", Roles: nil,
		Subject: "carecoop: ((count)) notifications on ((date))",
		Body:    "((count)) things that concern you happened on carecoop on ((date)). Read them on your notifications page." + footer},
}

// TemplateByID finds a template.
func TemplateByID(id string) (Template, bool) {
	i := slices.IndexFunc(Templates, func(t Template) bool { return t.ID == id })
	if i < 0 {
		return Template{}, false
	}
	return Templates[i], true
}

// Mandatory reports whether a person holding roles may not turn t off.
func (t Template) Mandatory(roles []string) bool {
	for _, r := range roles {
		if slices.Contains(t.MandatoryFor, r) {
			return true
		}
	}
	return false
}

// For reports whether t goes to a person holding roles.
func (t Template) For(roles []string) bool {
	for _, r := range roles {
		if slices.Contains(t.Roles, r) {
			return true
		}
	}
	return false
}

var placeholder = regexp.MustCompile(`\(\(([a-z_]+)\)\)`)

// Placeholders are the personalisation keys t uses.
func (t Template) Placeholders() []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(t.Subject+"\n"+t.Body, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// Render fills t's placeholders; a missing key is an error (a template and
// its trigger disagree), a key not in Keys too.
func (t Template) Render(p map[string]string) (subject, body string, err error) {
	var missing []string
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			k := m[2 : len(m)-2]
			v, ok := p[k]
			if _, known := Keys[k]; !ok || !known {
				missing = append(missing, k)
			}
			return v
		})
	}
	subject, body = fill(t.Subject), fill(t.Body)
	if len(missing) > 0 {
		return "", "", fmt.Errorf("template %s: no value for %s", t.ID, strings.Join(missing, ", "))
	}
	return subject, body, nil
}
