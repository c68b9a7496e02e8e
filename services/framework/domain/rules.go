package domain

// Stable identifiers of the business rules Decide enforces. They are the Rule
// of a domainerr.Error of kind Precondition; tests and clients match on them,
// so never rename one.
const (
	// RuleAlreadyExists: a framework id can be drafted only once.
	RuleAlreadyExists = "framework.already_exists"
	// RuleWeightsSum100: quality_weight + price_weight must be 100.
	RuleWeightsSum100 = "framework.weights_sum_100"
	// RuleTermEndAfterStart: term_end must be after term_start.
	RuleTermEndAfterStart = "framework.term_end_after_start"
	// RuleTermMax4Years: the term with every extension option used ends at
	// most 4 years after it starts (Procurement Act 2023 s.47).
	RuleTermMax4Years = "framework.term_max_4_years"
	// RuleLotsRequired: a framework has at least one lot.
	RuleLotsRequired = "framework.lots_required"
	// RuleLotIDsUnique: lot ids are unique within a framework.
	RuleLotIDsUnique = "framework.lot_ids_unique"
	// RulePriceBandOrder: a lot's minimum weekly price does not exceed its maximum.
	RulePriceBandOrder = "framework.price_band_order"
	// RuleMemberCouncilsRequired: a framework has at least one member council.
	RuleMemberCouncilsRequired = "framework.member_councils_required"
	// RuleMemberCouncilsUnique: a council is listed once.
	RuleMemberCouncilsUnique = "framework.member_councils_unique"
	// RuleQualityQuestionsMax: a framework asks at most MaxQualityQuestions
	// quality questions.
	RuleQualityQuestionsMax = "framework.quality_questions_max"
	// RuleQualityQuestionIDsUnique: question ids are unique within a framework.
	RuleQualityQuestionIDsUnique = "framework.quality_question_ids_unique"

	// RuleAmendOnlyDraft: terms change only while the framework is a draft.
	RuleAmendOnlyDraft = "framework.amend_only_draft"
	// RuleAlreadyMember: the council added is already a member.
	RuleAlreadyMember = "framework.already_member"
	// RuleNotMember: the council removed is not a member.
	RuleNotMember = "framework.not_member"
	// RuleLastMemberCouncil: the last member council cannot be removed.
	RuleLastMemberCouncil = "framework.last_member_council"

	// RuleOpenOnlyDraft: only a draft opens for bids.
	RuleOpenOnlyDraft = "framework.open_only_draft"
	// RuleCloseInFuture: bidding closes after the moment it opens.
	RuleCloseInFuture = "framework.close_in_future"
	// RuleNotOpenForBids: the framework has not opened for bids yet.
	RuleNotOpenForBids = "framework.not_open_for_bids"
	// RuleNoBidsAfterClose: bids are submitted or amended only before bids_close_at.
	RuleNoBidsAfterClose = "framework.no_bids_after_close"
	// RuleBidWithinPriceBand: a bid's weekly price lies within the lot's price band.
	RuleBidWithinPriceBand = "framework.bid_within_price_band"
	// RuleAnswerEveryQuestion: a bid on a framework with quality questions
	// answers every one of them.
	RuleAnswerEveryQuestion = "framework.answer_every_question"
	// RuleAnswerKnownQuestion: each answer names one of the framework's
	// quality questions (none, on a framework without questions).
	RuleAnswerKnownQuestion = "framework.answer_known_question"
	// RuleAnswerEachQuestionOnce: a question is answered once per bid.
	RuleAnswerEachQuestionOnce = "framework.answer_each_question_once"
	// RuleAnswerWordLimit: an answer keeps to its question's word limit.
	RuleAnswerWordLimit = "framework.answer_word_limit"

	// RuleNoScoringBeforeClose: bids are scored only after bidding closes.
	RuleNoScoringBeforeClose = "framework.no_scoring_before_close"
	// RuleNotEvaluating: scoring and award happen only while evaluating
	// (bidding closed, not yet awarded).
	RuleNotEvaluating = "framework.not_evaluating"
	// RuleNoAwardBeforeClose: the award comes only after bidding closes.
	RuleNoAwardBeforeClose = "framework.no_award_before_close"
	// RuleLotAwardedOnce: an award names each lot at most once.
	RuleLotAwardedOnce = "framework.lot_awarded_once"
	// RuleProviderNamedOnce: an award names a provider at most once per lot.
	RuleProviderNamedOnce = "framework.provider_named_once"
	// RuleAwardRequiresScoredBid: a provider is admitted only on a scored bid.
	RuleAwardRequiresScoredBid = "framework.award_requires_scored_bid"
	// RuleQualityThreshold: a provider is admitted only with a quality score
	// at or above the lot's quality threshold.
	RuleQualityThreshold = "framework.quality_threshold"

	// RuleNoticeNotInFuture: the contract award notice an award names has
	// been published: its day is today or earlier.
	RuleNoticeNotInFuture = "framework.notice_not_in_future"

	// RuleActivateOnlyAwarded: only an awarded framework is activated.
	RuleActivateOnlyAwarded = "framework.activate_only_awarded"
	// RuleStandstill: a framework is activated only after its standstill,
	// eight working days beginning with the day the contract award notice
	// was published (Procurement Act 2023 s.51).
	RuleStandstill = "framework.standstill"
	// RuleNotActive: extension and expiry need an active (or extended) framework.
	RuleNotActive = "framework.not_active"
	// RuleNoExtensionLeft: every extension option has been used.
	RuleNoExtensionLeft = "framework.no_extension_left"
	// RuleNotYetEnded: a framework expires only after its current end date.
	RuleNotYetEnded = "framework.not_yet_ended"
	// RuleEnded: nothing changes an expired or terminated framework.
	RuleEnded = "framework.ended"

	// RuleUpliftRequiresAdmission: only a provider admitted, and not
	// suspended, on the lot of an active framework asks for an uplift.
	RuleUpliftRequiresAdmission = "framework.uplift_requires_admission"
	// RuleOnePendingUplift: one pending uplift per provider per lot.
	RuleOnePendingUplift = "framework.one_pending_uplift"
	// RuleUpliftMustIncrease: the requested price is above the current price.
	RuleUpliftMustIncrease = "framework.uplift_must_increase"
	// RuleUpliftNotBackdated: an uplift takes effect today or later.
	RuleUpliftNotBackdated = "framework.uplift_not_backdated"
	// RuleUpliftNotPending: the uplift has already been approved or rejected.
	RuleUpliftNotPending = "framework.uplift_not_pending"

	// RuleNotAwarded: providers are suspended or reinstated only once the
	// framework is awarded (awarded, active or extended).
	RuleNotAwarded = "framework.not_awarded"
	// RuleNotAdmitted: the provider was not admitted to the lot.
	RuleNotAdmitted = "framework.not_admitted"
	// RuleAlreadySuspended: the provider is already suspended on the lot.
	RuleAlreadySuspended = "framework.already_suspended"
	// RuleNotSuspended: the provider is not suspended on the lot.
	RuleNotSuspended = "framework.not_suspended"
)

// What a NotFound domainerr.Error names (its Rule).
const (
	MissingFramework = "framework"
	MissingLot       = "lot"
	MissingBid       = "bid"
	MissingUplift    = "uplift"
)
