package domain

import (
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// CriterionBlockContract is the reason a match carries when its setting is
// a place reserved for the referring buyer: the referral is sent to every
// match at once, so the reason tells the provider and the council why that
// place heads the list.
const CriterionBlockContract = "block_contract"

// BlkCovers reports whether a contract's reserved places are the buyer's
// for a referral by council through consortium's DPS: a council's contract
// covers that council's referrals, a consortium's its DPSs' referrals.
func BlkCovers(c *purchasingv1.BlockContractReserved, council, consortium string) bool {
	if c.GetCouncil() != "" {
		return c.GetCouncil() == council
	}
	return c.GetConsortium() == consortium
}

// BlkReservedPlace is a setting with a reserved place free under a
// contract covering the referral.
type BlkReservedPlace struct {
	ContractID string
	Kind       purchasingv1.BlockKind
}

// BlkOfferedFirst puts the matches at reserved settings at the top of the
// list, in their own rank order, the others after them in theirs, numbers
// them again and gives each reserved match a reason naming its contract.
// Matching has already judged each setting: a reserved place is offered
// first only if it meets the child's needs and has a vacancy. The given
// matches are left unchanged.
func BlkOfferedFirst(matches []*purchasingv1.MatchedSetting, reserved map[string]BlkReservedPlace) []*purchasingv1.MatchedSetting {
	if len(reserved) == 0 {
		return matches
	}
	var first, rest []*purchasingv1.MatchedSetting
	for _, m := range matches {
		if r, ok := reserved[m.GetSettingUrn()]; ok {
			c := proto.Clone(m).(*purchasingv1.MatchedSetting)
			c.Reasons = append([]*purchasingv1.MatchReason{{Criterion: CriterionBlockContract, Met: true, Detail: blkReasonDetail(r)}}, c.GetReasons()...)
			first = append(first, c)
		} else {
			rest = append(rest, m)
		}
	}
	if len(first) == 0 {
		return matches
	}
	out := make([]*purchasingv1.MatchedSetting, 0, len(matches))
	for i, m := range append(first, rest...) {
		if m.GetRank() != uint32(i+1) {
			if i >= len(first) { // one of the given matches: renumber a copy
				m = proto.Clone(m).(*purchasingv1.MatchedSetting)
			}
			m.Rank = uint32(i + 1)
		}
		out = append(out, m)
	}
	return out
}

func blkReasonDetail(r BlkReservedPlace) string {
	if r.Kind == purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK {
		return "a place reserved for you under soft-block contract " + r.ContractID + ": offered first"
	}
	return "a place reserved for you under block contract " + r.ContractID + " (paid for while empty): offered first"
}

// BlkReasonContract is the contract a match was offered first under ("" when
// it was not).
func BlkReasonContract(ms *purchasingv1.MatchedSetting) string {
	for _, r := range ms.GetReasons() {
		if r.GetCriterion() != CriterionBlockContract {
			continue
		}
		for _, f := range strings.Fields(r.GetDetail()) {
			if strings.HasPrefix(f, "blk-") {
				return strings.TrimRight(f, ":,.")
			}
		}
	}
	return ""
}

// BlkStay is one placement under a contract: from Start to End, the day
// the child left (empty while the placement goes on); the place is used
// from its first day up to the day before End.
type BlkStay struct {
	Start, End string
}

// BlkWeeks reports a contract's use per week of its term, each week from
// the term's start day, up to today (days to come are not counted, so the
// current week may be short): place-days used by stays (never more than
// the places reserved on any day), place-days empty, and what empty places
// cost — for a block the weekly price per place pro rata per day, for a
// soft block nothing. offered lists the days referrals were offered a
// reserved place first.
func BlkWeeks(c *purchasingv1.BlockContractReserved, endsOn string, stays []BlkStay, offered []string, today string) []*purchasingv1.BlockWeek {
	start, err1 := time.Parse(DateLayout, c.GetStartsOn())
	end, err2 := time.Parse(DateLayout, min(endsOn, today))
	if err1 != nil || err2 != nil || end.Before(start) {
		return nil
	}
	places := uint32(0)
	for _, s := range c.GetSettings() {
		places += s.GetPlaces()
	}
	var out []*purchasingv1.BlockWeek
	var w *purchasingv1.BlockWeek
	for d, i := start, 0; !d.After(end); d, i = d.AddDate(0, 0, 1), i+1 {
		day := FormatDate(d)
		if i%7 == 0 {
			w = &purchasingv1.BlockWeek{WeekStarting: day}
			out = append(out, w)
		}
		used := uint32(0)
		for _, s := range stays {
			if s.Start <= day && (s.End == "" || day < s.End) {
				used++
			}
		}
		used = min(used, places)
		w.Days++
		w.ReservedPlaceDays += places
		w.UsedPlaceDays += used
		w.EmptyPlaceDays += places - used
	}
	for _, w := range out {
		w.PlacesUsed = float64(w.GetUsedPlaceDays()) / float64(w.GetDays())
		w.PlacesEmpty = float64(w.GetEmptyPlaceDays()) / float64(w.GetDays())
		if c.GetKind() == purchasingv1.BlockKind_BLOCK_KIND_BLOCK {
			// Pro rata per day, rounded to the nearest penny.
			w.EmptyCostPence = (int64(w.GetEmptyPlaceDays())*c.GetWeeklyPricePence() + 3) / 7
		}
		for _, o := range offered {
			if o >= w.GetWeekStarting() && o < FormatDate(mustDate(w.GetWeekStarting()).AddDate(0, 0, 7)) {
				w.OfferedFirst++
			}
		}
	}
	return out
}

func mustDate(s string) time.Time {
	d, _ := time.Parse(DateLayout, s)
	return d
}
