package web

// provRules are the rules a provider's command can break, in the words the
// provider reads (the service's own name ids and codes). A rule not listed
// keeps the service's words.
var provRules = map[string]string{
	"purchasing.provider_already_registered":      "Your organisation is already registered: change its details instead.",
	"purchasing.setting_already_added":            "A setting with this URN is already on your profile: change it instead.",
	"purchasing.setting_removed":                  "This setting was removed: add it again to use it.",
	"purchasing.ofsted_date_required":             "Enter the date of the latest inspection: a setting with an Ofsted grade has been inspected.",
	"purchasing.ofsted_date_not_future":           "The date of the latest inspection must be today or in the past.",
	"purchasing.vacancy_within_registered_places": "Free places cannot be more than the setting's registered places.",
	"purchasing.no_vacancy_published":             "This setting has no vacancy to withdraw.",
	"purchasing.dps_not_open":                     "This DPS is not open to applications.",
	"purchasing.dps_ended":                        "This DPS has ended: it takes no more applications.",
	"purchasing.provider_not_registered":          "Register your organisation before you apply.",
	"purchasing.already_applied":                  "You have already applied to one of these categories, and the consortium has not decided yet.",
	"purchasing.already_admitted":                 "You are already admitted to one of these categories.",
	"purchasing.unknown_category":                 "The DPS has no such category.",
	"purchasing.selection_criteria_answered":      "Answer every question.",
	"purchasing.accreditation_expired":            "One of your accreditations has expired: record a current one first.",
}

// provRuleWords rewrites a broken rule's description in the provider's
// words, keeping the rule (so the form shows it as a rule).
func provRuleWords(err error) error { return sayRule(err, inTable(provRules)) }
