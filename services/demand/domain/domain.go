// Package domain is the aggregated demand context's rules, pure Go with no
// I/O and no clock. Two deciders:
//   - a needs return: a council's counts as at one date; every submission is
//     kept, the latest not withdrawn is the one that stands;
//   - a disclosure policy: a consortium's suppression threshold.
package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/ssda903"
)

// Roles the domain checks.
const (
	RoleConsortiumLead      = "consortium_lead"
	RoleCouncilCommissioner = "council_commissioner"
	RoleCouncilAnalyst      = "council_analyst"
)

// Defaults of a consortium that has set no policy.
const (
	DefaultThreshold         = 5
	DefaultMinPriceProviders = 3
)

// Rule ids (stable: clients and tests match on them).
const (
	RuleAsAtNotFuture         = "demand.as_at_not_future"
	RuleCellsUnique           = "demand.cells_unique"
	RuleUnknownPlacementGroup = "demand.unknown_placement_group"
	RuleTransitionYear        = "demand.transition_year"
	RuleAlreadyWithdrawn      = "demand.return_already_withdrawn"
)

// PlacementGroups are the groups SSDA903 placement codes fall into, matching
// the DPS categories where one exists.
var PlacementGroups = []string{"fostering", "residential", "secure", "supported-16-plus", "send-school", "with-parents", "adoption", "temporary", "other"}

// Actor is who issues a command.
type Actor struct {
	Subject      string
	Organisation string
	Role         string
}

func (a Actor) orgID(kind string) string {
	id, ok := strings.CutPrefix(a.Organisation, kind+":")
	if !ok {
		return ""
	}
	return id
}

// Council is the LA code of a council actor.
func (a Actor) Council() string { return a.orgID("council") }

// Consortium is the slug of a consortium actor.
func (a Actor) Consortium() string { return a.orgID("consortium") }

// ReturnID names a council's returns for one date.
func ReturnID(council, asAt string) string { return council + "-" + asAt }

// ReturnState is a council's returns for one date.
type ReturnState struct {
	// Latest is the last submission, withdrawn or not.
	Latest      *demandv1.NeedsReturnSubmitted
	Submissions uint32
	// Withdrawn are the submissions withdrawn, in the order they were.
	Withdrawn []uint32
}

// EvolveReturn applies one event.
func EvolveReturn(s ReturnState, e proto.Message) ReturnState {
	switch r := e.(type) {
	case *demandv1.NeedsReturnSubmitted:
		s.Latest, s.Submissions = r, r.GetSubmission()
	case *demandv1.NeedsReturnWithdrawn:
		s.Withdrawn = slices.Concat(s.Withdrawn, []uint32{r.GetSubmission()})
	}
	return s
}

// Current is the submission that stands: the latest not withdrawn (0: none).
func (s ReturnState) Current() uint32 {
	for n := s.Submissions; n > 0; n-- {
		if !slices.Contains(s.Withdrawn, n) {
			return n
		}
	}
	return 0
}

// SubmitNeedsReturn is a council's return as at a date.
type SubmitNeedsReturn struct {
	Actor Actor
	Now   time.Time
	// Council is the LA code the request names ("": the actor's).
	Council     string
	AsAt        string
	Cells       []*demandv1.NeedsCell
	Transitions *demandv1.Transitions
	Costs       []*demandv1.WeeklyCost
	Forecasts   []*demandv1.CouncilForecast
	Source      string
	// LegalStatuses is the SSDA903 legal status code list a cell's status
	// must come from (the code lists are data, passed in).
	LegalStatuses []string
}

// DecideReturn decides a submission against the returns already made for the date.
func DecideReturn(s ReturnState, c SubmitNeedsReturn) ([]proto.Message, error) {
	la := c.Actor.Council()
	if la == "" || (c.Actor.Role != RoleCouncilAnalyst && c.Actor.Role != RoleCouncilCommissioner) {
		return nil, domainerr.Forbidden("%s may not submit a needs return: only a council's analyst or commissioner may", c.Actor.Role+" of "+c.Actor.Organisation)
	}
	if c.Council != "" && c.Council != la {
		// The other council is not named: a refusal tells nothing about it.
		return nil, domainerr.Forbidden("a council submits only its own needs return: the caller is of %s", c.Actor.Organisation)
	}
	asAt, err := time.Parse("2006-01-02", c.AsAt)
	if err != nil {
		return nil, domainerr.Field("as_at", "%q is not a date (YYYY-MM-DD)", c.AsAt)
	}
	if asAt.After(c.Now) {
		return nil, domainerr.Rule(RuleAsAtNotFuture, "a return counts children looked after on a past date; %s is in the future", c.AsAt)
	}
	seen := map[string]bool{}
	children := uint32(0)
	for i, cell := range c.Cells {
		if !knownGroup(cell.GetPlacementGroup()) {
			return nil, domainerr.Rule(RuleUnknownPlacementGroup, "cell %d: placement group %q is not one of %s", i, cell.GetPlacementGroup(), strings.Join(PlacementGroups, ", "))
		}
		if !slices.Contains(c.LegalStatuses, cell.GetLegalStatus()) {
			// Aggregates group by the code list: an unknown status would
			// have no place in any table.
			return nil, domainerr.Field(fmt.Sprintf("cells[%d].legal_status", i), "%q is not an SSDA903 legal status", cell.GetLegalStatus())
		}
		k := strings.Join([]string{cell.GetPlacementGroup(), cell.GetAgeBand(), cell.GetNeed(), cell.GetLegalStatus(), cell.GetArea(), cell.GetDistanceBand()}, "|")
		if seen[k] {
			return nil, domainerr.Rule(RuleCellsUnique, "cell %d repeats the combination %s: give each combination once with its count", i, strings.ReplaceAll(k, "|", ", "))
		}
		seen[k] = true
		children += cell.GetCount()
	}
	if t := c.Transitions; t != nil && t.GetTo() != "" && t.GetTo() != c.AsAt {
		return nil, domainerr.Rule(RuleTransitionYear, "transitions must cover the year to the as-at date %s, not to %s", c.AsAt, t.GetTo())
	}
	for _, g := range groupsOf(c.Transitions) {
		if !knownGroup(g) {
			return nil, domainerr.Rule(RuleUnknownPlacementGroup, "transitions name placement group %q, which is not one of %s", g, strings.Join(PlacementGroups, ", "))
		}
	}
	return []proto.Message{&demandv1.NeedsReturnSubmitted{
		ReturnId: ReturnID(la, c.AsAt), Council: la, AsAt: c.AsAt, Children: children, Cells: c.Cells, Transitions: c.Transitions,
		Costs: c.Costs, Forecasts: c.Forecasts, Submission: s.Submissions + 1, Source: c.Source,
	}}, nil
}

func knownGroup(g string) bool {
	for _, k := range PlacementGroups {
		if g == k {
			return true
		}
	}
	return false
}

func groupsOf(t *demandv1.Transitions) []string {
	var out []string
	for g := range t.GetEntries() {
		out = append(out, g)
	}
	for g := range t.GetExits() {
		out = append(out, g)
	}
	for g := range t.GetStayed() {
		out = append(out, g)
	}
	for _, m := range t.GetMoves() {
		out = append(out, m.GetFrom(), m.GetTo())
	}
	return out
}

// PolicyState is a consortium's disclosure policy.
type PolicyState struct{ Policy *demandv1.DisclosurePolicySet }

// EvolvePolicy applies one event.
func EvolvePolicy(s PolicyState, e proto.Message) PolicyState {
	if p, ok := e.(*demandv1.DisclosurePolicySet); ok {
		s.Policy = p
	}
	return s
}

// SetDisclosurePolicy sets the consortium's threshold. Actor: its lead.
type SetDisclosurePolicy struct {
	Actor             Actor
	Threshold         uint32
	MinPriceProviders uint32
	Reason            string
}

// DecidePolicy decides a policy change.
func DecidePolicy(_ PolicyState, c SetDisclosurePolicy) ([]proto.Message, error) {
	slug := c.Actor.Consortium()
	if c.Actor.Role != RoleConsortiumLead || slug == "" {
		return nil, domainerr.Forbidden("only a consortium lead sets its consortium's disclosure policy")
	}
	if c.Threshold < 3 {
		return nil, domainerr.Field("threshold", "a threshold below 3 would publish counts of one or two children")
	}
	if c.MinPriceProviders < 3 {
		return nil, domainerr.Field("min_price_providers", "price statistics need at least 3 providers, or one provider's prices could be worked out")
	}
	return []proto.Message{&demandv1.DisclosurePolicySet{Consortium: slug, Threshold: c.Threshold, MinPriceProviders: c.MinPriceProviders, Reason: c.Reason}}, nil
}

// AgeBand is the DfE age band of an age in whole years: the bands of the
// SSDA903 import (ssda903.AgeBand), so live signals and returns agree.
func AgeBand(age uint32) string { return ssda903.AgeBand(age) }

// PostcodeArea is the letters an outcode starts with ("SK4" → "SK").
func PostcodeArea(outcode string) string {
	for i, r := range outcode {
		if r >= '0' && r <= '9' {
			return outcode[:i]
		}
	}
	return outcode
}

// DistanceBand puts a distance in miles into the return's bands.
func DistanceBand(miles float64) string {
	switch {
	case miles < 5:
		return "0-5"
	case miles < 10:
		return "5-10"
	case miles < 20:
		return "10-20"
	case miles < 50:
		return "20-50"
	}
	return "50+"
}
