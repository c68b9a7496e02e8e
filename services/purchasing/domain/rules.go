package domain

// Stable identifiers of the rules the deciders enforce: the Rule of a
// domainerr.Error. Tests and clients match on them, so never rename one.
const (
	// Provider registry.
	RuleProviderAlreadyRegistered = "purchasing.provider_already_registered"
	RuleSettingAlreadyAdded       = "purchasing.setting_already_added"
	RuleSettingRemoved            = "purchasing.setting_removed"
	RuleOfstedDateRequired        = "purchasing.ofsted_date_required"
	RuleOfstedDateNotFuture       = "purchasing.ofsted_date_not_future"
	RuleVacancyWithinPlaces       = "purchasing.vacancy_within_registered_places"
	RuleNoVacancy                 = "purchasing.no_vacancy_published"

	// Dynamic purchasing system.
	RuleDpsAlreadyExists     = "purchasing.dps_already_exists"
	RuleCategoryIDsUnique    = "purchasing.category_ids_unique"
	RuleCriterionIDsUnique   = "purchasing.criterion_ids_unique"
	RuleMemberCouncilsUnique = "purchasing.member_councils_unique"
	RuleDpsEndsInFuture      = "purchasing.dps_ends_in_future"
	RuleDpsOpenOnlyDraft     = "purchasing.dps_open_only_draft"
	RuleDpsNotOpen           = "purchasing.dps_not_open"
	// RuleDpsEnded: after its ends_on date a DPS takes no applications or
	// referrals, though nobody has closed it yet.
	RuleDpsEnded              = "purchasing.dps_ended"
	RuleUnknownCategory       = "purchasing.unknown_category"
	RuleCriteriaAnswered      = "purchasing.selection_criteria_answered"
	RuleProviderNotRegistered = "purchasing.provider_not_registered"
	RuleAlreadyApplied        = "purchasing.already_applied"
	RuleAlreadyAdmitted       = "purchasing.already_admitted"
	RuleNoPendingApplication  = "purchasing.no_pending_application"
	RuleAccreditationExpired  = "purchasing.accreditation_expired"
	RuleNotAdmitted           = "purchasing.not_admitted"
	RuleNotSuspended          = "purchasing.not_suspended"
	RuleNotOnDps              = "purchasing.not_on_dps"

	// Referrals, offers and awards.
	RuleReferralAlreadyExists = "purchasing.referral_already_exists"
	RuleCouncilNotMember      = "purchasing.council_not_member"
	RuleStartByNotPast        = "purchasing.start_by_not_past"
	RuleReferralNotOpen       = "purchasing.referral_not_open"
	RuleSettingNotMatched     = "purchasing.setting_not_matched"
	RuleAlreadyOffered        = "purchasing.setting_already_offered"
	RuleAlreadyDeclined       = "purchasing.already_declined"
	RuleOfferOverBudget       = "purchasing.offer_over_budget"
	RuleOfferNotOpen          = "purchasing.offer_not_open"
	RuleAlreadyAwarded        = "purchasing.already_awarded"
	// RuleOfferDeadlinePassed: no offer after the referral's deadline.
	RuleOfferDeadlinePassed = "purchasing.offer_deadline_passed"
	// RuleDeadlineOnlyLater: an extension moves the deadline later.
	RuleDeadlineOnlyLater = "purchasing.offer_deadline_only_later"
	// RuleNoFreePlace: an award needs a free place at the offered setting.
	RuleNoFreePlace = "purchasing.no_free_place"

	// Call-offs from a framework lot.
	RuleCallOffNotMember   = "purchasing.call_off_council_not_member"
	RuleFrameworkNotActive = "purchasing.call_off_framework_not_active"
)

// What a command may name that does not exist (domainerr.Missing).
const (
	MissingProvider = "provider"
	MissingSetting  = "setting"
	MissingDps      = "dps"
	MissingReferral = "referral"
	MissingOffer    = "offer"
)
