// Package ocds publishes the platform's contracting processes as Open
// Contracting Data Standard 1.1 releases, with the Lots and Techniques
// extensions: every framework agreement, dynamic purchasing system (DPS)
// and placement award, one ocid per process, one release per decision that
// changes what the public may know.
//
// The builder is a whitelist: it copies named fields of the services' read
// APIs into OCDS objects that declare only the fields the feed publishes.
// Nothing about a child (needs, age, sex, area, distance, start date, the
// setting), no bid that was not admitted, no score, no free text written
// by a person (reasons, justifications, notes) reaches it.
package ocds

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// Options are what the builder needs besides the data.
type Options struct {
	Prefixes Prefixes
	// CouncilName names a council by its DfE LA code; nil names it
	// "Council 352".
	CouncilName func(code string) string
}

// Build makes every release of in, ordered by the position of the
// decision each stands for (and so by date).
func Build(in *Input, opt Options) []Release {
	if opt.CouncilName == nil {
		opt.CouncilName = func(code string) string { return "Council " + code }
	}
	var out []Release
	calls := map[string]callOff{}
	for _, f := range in.Frameworks {
		out = append(out, opt.framework(f)...)
		opt.indexCallOffs(f, calls)
	}
	dps := map[string]*purchasingv1.DpsView{}
	for _, d := range in.Dps {
		dps[d.Dps.GetDpsId()] = d.Dps
		out = append(out, opt.dps(d)...)
	}
	for _, p := range in.Placements {
		if r, ok := opt.placement(p, dps[p.Placement.GetDpsId()], calls); ok {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Release) int {
		return cmp.Or(cmp.Compare(a.position, b.position), strings.Compare(a.OCID, b.OCID))
	})
	return out
}

// The words and codes the releases share.
const (
	weekUnit       = "week of a placement"
	noMaximum      = json.Number("1e9999") // the Techniques extension's "no maximum"
	relFramework   = "framework"
	langEnglish    = "en"
	initiationType = "tender"
)

var yes = func() *bool { b := true; return &b }

// emitter gathers one process's releases; decisions of the same commit
// make one release whose tags are theirs together.
type emitter struct {
	ocid string
	out  []Release
}

func (e *emitter) emit(pos uint64, at *timestamppb.Timestamp, tag string, r Release) {
	r.OCID, r.position, r.InitiationType, r.Language = e.ocid, pos, initiationType, langEnglish
	r.Date = dateTime(at.AsTime())
	r.ID = fmt.Sprintf("%s-%d", tag, pos)
	r.Tag = []string{tag}
	if n := len(e.out); n > 0 && e.out[n-1].position == pos {
		prev := e.out[n-1]
		r.Tag = append(prev.Tag, tag)
		r.ID = prev.ID
		e.out[n-1] = r
		return
	}
	e.out = append(e.out, r)
}

// --- frameworks ---

// fwState is what the public knows of a framework after each decision.
type fwState struct {
	opened, awarded, active bool
	ended                   string // "expired" or "terminated"
	awardedAt               string
	end                     string // the current last day
	extensions              int
	price                   map[string]int64 // lot/provider → weekly pence
	amendments              map[string][]Amendment
}

func (o Options) framework(f FrameworkInput) []Release {
	fw := f.Framework
	e := &emitter{ocid: o.Prefixes.For(fw.GetConsortium()) + "-" + fw.GetFrameworkId()}
	st := fwState{end: fw.GetTermEnd(), price: map[string]int64{}, amendments: map[string][]Amendment{}}
	// Prices as awarded: an approved uplift's "current" price is the one
	// before it, so the first approved uplift of a provider on a lot holds
	// the awarded price.
	uplifts := map[string][]*frameworkv1.PriceUplift{}
	for _, u := range f.Uplifts {
		if u.GetStatus() == frameworkv1.UpliftStatus_UPLIFT_STATUS_APPROVED {
			k := u.GetLotId() + "/" + u.GetProviderId()
			uplifts[k] = append(uplifts[k], u)
		}
	}
	for k := range uplifts {
		slices.SortStableFunc(uplifts[k], func(a, b *frameworkv1.PriceUplift) int {
			return a.GetDecidedAt().AsTime().Compare(b.GetDecidedAt().AsTime())
		})
	}
	for _, l := range fw.GetLots() {
		for _, p := range l.GetProviders() {
			k := l.GetTerms().GetLotId() + "/" + p.GetProviderId()
			st.price[k] = p.GetWeeklyPricePence()
			if us := uplifts[k]; len(us) > 0 {
				st.price[k] = us[0].GetCurrentWeeklyPence()
			}
		}
	}
	for _, d := range f.Decisions {
		at := d.GetOccurredAt()
		var tag string
		switch d.GetDecision() {
		case "FrameworkOpenedForBids":
			st.opened, tag = true, "tender"
		case "FrameworkAwarded":
			st.awarded, st.awardedAt, tag = true, dateTime(at.AsTime()), "award"
		case "FrameworkActivated":
			st.active, tag = true, "contract"
		case "FrameworkExtended":
			months := fw.GetExtensionOptionsMonths()
			if st.extensions >= len(months) {
				continue
			}
			st.end = addMonths(st.end, int(months[st.extensions]))
			st.extensions++
			if st.extensions == int(fw.GetExtensionsUsed()) && fw.GetCurrentEnd() != "" {
				st.end = fw.GetCurrentEnd() // the service's own reckoning wins
			}
			for k := range st.price {
				st.amendments[k] = append(st.amendments[k], Amendment{ID: fmt.Sprintf("extension-%d", st.extensions), Date: dateTime(at.AsTime()),
					Rationale: fmt.Sprintf("An extension option of %d months was used: the framework now ends on %s.", months[st.extensions-1], st.end)})
			}
			tag = "contractAmendment"
		case "PriceUpliftApproved":
			k := d.GetLotId() + "/" + d.GetProviderId()
			us := uplifts[k]
			if len(us) == 0 {
				continue
			}
			u := us[0]
			uplifts[k] = us[1:]
			st.price[k] = u.GetRequestedWeeklyPence()
			st.amendments[k] = append(st.amendments[k], Amendment{ID: u.GetUpliftId(), Date: dateTime(at.AsTime()),
				Rationale: fmt.Sprintf("A price uplift was approved: the weekly price is £%s from %s.", gbp(u.GetRequestedWeeklyPence()).Amount, u.GetEffectiveFrom())})
			tag = "contractAmendment"
		case "FrameworkExpired":
			st.ended, tag = "expired", "contractTermination"
		case "FrameworkTerminated":
			st.ended = "terminated"
			switch {
			case st.active:
				tag = "contractTermination"
			case st.awarded:
				tag = "awardCancellation"
			default:
				tag = "tenderCancellation"
			}
		default:
			continue
		}
		if !st.opened {
			continue // a draft is not published
		}
		e.emit(d.GetPosition(), at, tag, o.fwRelease(fw, st))
	}
	return e.out
}

func (o Options) fwRelease(fw *frameworkv1.Framework, st fwState) Release {
	lead := consortiumParty(fw.GetConsortium())
	r := Release{Parties: []Party{lead}, Buyer: &OrgRef{ID: lead.ID, Name: lead.Name}}
	for _, c := range fw.GetMemberCouncils() {
		r.Parties = append(r.Parties, Party{ID: "council:" + c, Name: o.CouncilName(c), Roles: []string{"buyer"}})
	}
	status := "active"
	switch {
	case st.ended == "terminated" && !st.awarded:
		status = "cancelled"
	case st.awarded:
		status = "complete"
	}
	t := &Tender{
		ID: fw.GetFrameworkId(), Title: fw.GetTitle(), Description: fw.GetDescription(), Status: status,
		ProcuringEntity:          &OrgRef{ID: lead.ID, Name: lead.Name},
		ProcurementMethod:        "open",
		ProcurementMethodDetails: "Open procedure to establish a framework agreement",
		MainProcurementCategory:  "services",
		AwardCriteria:            "ratedCriteria",
		AwardCriteriaDetails: fmt.Sprintf("Quality %d%%, price %d%%; a bid is admitted to a lot only if its quality score reaches the lot's threshold.",
			fw.GetQualityWeight(), fw.GetPriceWeight()),
		ContractPeriod: &Period{StartDate: dayStart(fw.GetTermStart()), EndDate: dayEnd(fw.GetTermEnd()), MaxExtentDate: dayEnd(maxExtent(fw))},
		Techniques: &Techniques{HasFrameworkAgreement: yes(), FrameworkAgreement: &FrameworkAgreement{
			// Councils call off by direct award to the highest-ranked
			// provider or by a further competition among the lot's.
			Method:              "withAndWithoutReopeningCompetition",
			MaximumParticipants: noMaximum,
			BuyerCategories:     fmt.Sprintf("The member councils of the %s consortium named as buyers", consortiumName(fw.GetConsortium())),
			Period:              &Period{StartDate: dayStart(fw.GetTermStart()), EndDate: dayEnd(st.end), MaxExtentDate: dayEnd(maxExtent(fw))},
		}},
	}
	if bc := fw.GetBidsCloseAt(); bc != nil {
		t.TenderPeriod = &Period{EndDate: dateTime(bc.AsTime())}
	}
	for _, l := range fw.GetLots() {
		lt := l.GetTerms()
		t.Lots = append(t.Lots, Lot{ID: lt.GetLotId(), Title: lt.GetName(), Description: lt.GetDescription(), Status: status})
		t.Items = append(t.Items, Item{ID: lt.GetLotId(), Description: "A week of a placement: " + lt.GetName(), RelatedLot: lt.GetLotId(), Unit: &Unit{Name: weekUnit}})
	}
	r.Tender = t
	if !st.awarded {
		return r
	}
	awardStatus := "pending" // awarded, not yet entered into (standstill)
	switch {
	case st.active:
		awardStatus = "active"
	case st.ended == "terminated":
		awardStatus = "cancelled"
	}
	seen := map[string]bool{}
	for _, l := range fw.GetLots() {
		lt := l.GetTerms()
		// By id, never by rank: the order would tell the ranks.
		providers := slices.Clone(l.GetProviders())
		slices.SortFunc(providers, func(a, b *frameworkv1.LotProvider) int { return strings.Compare(a.GetProviderId(), b.GetProviderId()) })
		for _, p := range providers {
			k := lt.GetLotId() + "/" + p.GetProviderId()
			sup := providerParty(p.GetProviderId(), p.GetProviderName())
			if !seen[sup.ID] {
				seen[sup.ID] = true
				r.Parties = append(r.Parties, sup)
			}
			item := Item{ID: lt.GetLotId(), Description: "A week of a placement: " + lt.GetName(), RelatedLot: lt.GetLotId(),
				Unit: &Unit{Name: weekUnit, Value: gbp(st.price[k])}}
			id := lt.GetLotId() + ":" + p.GetProviderId()
			r.Awards = append(r.Awards, Award{ID: id, Title: lt.GetName() + ": " + sup.Name, Status: awardStatus, Date: st.awardedAt,
				Suppliers: []OrgRef{{ID: sup.ID, Name: sup.Name}}, Items: []Item{item}, RelatedLots: []string{lt.GetLotId()}})
			if !st.active {
				continue
			}
			cs := "active"
			if st.ended != "" {
				cs = "terminated"
			}
			r.Contracts = append(r.Contracts, Contract{ID: id, AwardID: id, Title: lt.GetName() + ": " + sup.Name, Status: cs,
				Period: &Period{StartDate: dayStart(fw.GetTermStart()), EndDate: dayEnd(st.end), MaxExtentDate: dayEnd(maxExtent(fw))},
				Items:  []Item{item}, Amendments: slices.Clone(st.amendments[k])})
		}
	}
	slices.SortFunc(r.Parties[1+len(fw.GetMemberCouncils()):], func(a, b Party) int { return strings.Compare(a.ID, b.ID) })
	return r
}

// maxExtent is the last day the framework could reach with every
// extension option used.
func maxExtent(fw *frameworkv1.Framework) string {
	end := fw.GetTermEnd()
	for _, m := range fw.GetExtensionOptionsMonths() {
		end = addMonths(end, int(m))
	}
	return end
}

// callOff is what a placement's release says of the framework lot it was
// called off from.
type callOff struct {
	ocid, title, lotID, lotName string
	method                      frameworkv1.CallOffMethod
}

// indexCallOffs files a framework's call-offs under the id of the award
// each was recorded for: the framework records a call-off in reaction to
// purchasing's award (the decision's causation), and Framework.call_offs
// lists them in the order of those decisions. Neither read API carries
// the other's id, and a council may award two placements to one provider
// in the same instant, so nothing else tells them apart.
func (o Options) indexCallOffs(f FrameworkInput, calls map[string]callOff) {
	fw := f.Framework
	lots := map[string]string{}
	for _, l := range fw.GetLots() {
		lots[l.GetTerms().GetLotId()] = l.GetTerms().GetName()
	}
	i := 0
	for _, d := range f.Decisions {
		if d.GetDecision() != "CallOffRecorded" || i >= len(fw.GetCallOffs()) {
			continue
		}
		c := fw.GetCallOffs()[i]
		i++
		if d.GetCausationId() == "" {
			continue
		}
		calls[d.GetCausationId()] = callOff{ocid: o.Prefixes.For(fw.GetConsortium()) + "-" + fw.GetFrameworkId(), title: fw.GetTitle(),
			lotID: c.GetLotId(), lotName: lots[c.GetLotId()], method: c.GetMethod()}
	}
}

// --- dynamic purchasing systems ---

func (o Options) dps(in DpsInput) []Release {
	d := in.Dps
	e := &emitter{ocid: o.Prefixes.For(d.GetConsortium()) + "-" + d.GetDpsId()}
	// Only admissions that stand are published: a rejected application is
	// a losing bid, and a suspension's reasons are the consortium's.
	admitted := map[string][]string{} // provider → categories
	names := map[string]string{}
	for _, m := range d.GetMemberships() {
		if m.GetStatus() == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED {
			admitted[m.GetProviderId()] = append(admitted[m.GetProviderId()], m.GetCategoryId())
			names[m.GetProviderId()] = m.GetProviderName()
		}
	}
	// A DPS admits providers for years: each admission's release carries
	// that provider's awards alone (a compiled record merges awards and
	// parties by id), so the feed grows with admissions, not their square.
	var (
		opened, closed bool
		since          = map[string]string{} // provider → first admission
	)
	for _, dec := range in.Decisions {
		at := dec.GetOccurredAt()
		var tag string
		var newly []string
		switch dec.GetDecision() {
		case "DpsOpened":
			opened, tag = true, "tender"
		case "ProviderAdmitted":
			p := dec.GetProviderId()
			if _, ok := since[p]; ok || len(admitted[p]) == 0 {
				continue // admitted to another category (its awards are out already), or no longer
			}
			since[p] = dateTime(at.AsTime())
			newly, tag = []string{p}, "award"
		case "DpsClosed":
			closed, tag = true, "tenderUpdate"
		default:
			continue
		}
		if !opened {
			continue
		}
		if n := len(e.out); n > 0 && e.out[n-1].position == dec.GetPosition() {
			newly = append(providersOf(e.out[n-1]), newly...) // same commit: one release
		}
		e.emit(dec.GetPosition(), at, tag, o.dpsRelease(d, closed, newly, since, admitted, names))
	}
	return e.out
}

// providersOf are the providers a DPS release awards to, in order.
func providersOf(r Release) []string {
	var out []string
	for _, a := range r.Awards {
		id := strings.TrimPrefix(a.Suppliers[0].ID, "provider:")
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (o Options) dpsRelease(d *purchasingv1.DpsView, closed bool, order []string, since map[string]string, admitted map[string][]string, names map[string]string) Release {
	lead := consortiumParty(d.GetConsortium())
	terms := d.GetTerms()
	r := Release{Parties: []Party{lead}, Buyer: &OrgRef{ID: lead.ID, Name: lead.Name}}
	for _, c := range terms.GetMemberCouncils() {
		r.Parties = append(r.Parties, Party{ID: "council:" + c, Name: o.CouncilName(c), Roles: []string{"buyer"}})
	}
	status, dpsStatus := "active", "active"
	if closed {
		status, dpsStatus = "complete", "terminated"
	}
	t := &Tender{
		ID: d.GetDpsId(), Title: terms.GetTitle(), Description: terms.GetDescription(), Status: status,
		ProcuringEntity:          &OrgRef{ID: lead.ID, Name: lead.Name},
		ProcurementMethod:        "selective",
		ProcurementMethodDetails: "Dynamic purchasing system: providers may apply at any time until it ends",
		MainProcurementCategory:  "services",
		TenderPeriod:             &Period{EndDate: dayEnd(terms.GetEndsOn())},
		ContractPeriod:           &Period{EndDate: dayEnd(terms.GetEndsOn())},
		Techniques:               &Techniques{HasDynamicPurchasingSystem: yes(), DynamicPurchasingSystem: &DynamicPurchasingSystem{Type: "open", Status: dpsStatus}},
	}
	cats := map[string]string{}
	for _, c := range terms.GetCategories() {
		cats[c.GetId()] = c.GetName()
		t.Lots = append(t.Lots, Lot{ID: c.GetId(), Title: c.GetName(), Status: status})
		t.Items = append(t.Items, Item{ID: c.GetId(), Description: "A week of a placement: " + c.GetName(), RelatedLot: c.GetId(), Unit: &Unit{Name: weekUnit}})
	}
	r.Tender = t
	for _, p := range order {
		sup := providerParty(p, names[p])
		r.Parties = append(r.Parties, sup)
		for _, c := range admitted[p] {
			r.Awards = append(r.Awards, Award{ID: c + ":" + p, Title: cats[c] + ": " + sup.Name, Status: "active", Date: since[p],
				Suppliers: []OrgRef{{ID: sup.ID, Name: sup.Name}}, RelatedLots: []string{c}})
		}
	}
	return r
}

// --- placements ---

func (o Options) placement(in PlacementInput, d *purchasingv1.DpsView, calls map[string]callOff) (Release, bool) {
	p := in.Placement
	if d == nil {
		return Release{}, false // its DPS is not published
	}
	var award *purchasingv1.Decision
	for _, dec := range in.Decisions {
		if dec.GetDecision() == "PlacementAwarded" {
			award = dec
		}
	}
	if award == nil {
		return Release{}, false
	}
	e := &emitter{ocid: o.Prefixes.For(d.GetConsortium()) + "-" + p.GetPlacementId()}
	lead := consortiumParty(d.GetConsortium())
	council := Party{ID: "council:" + p.GetCouncil(), Name: o.CouncilName(p.GetCouncil()), Roles: []string{"buyer"}}
	sup := providerParty(p.GetProviderId(), p.GetProviderName())
	lead.Roles = []string{"procuringEntity"}
	r := Release{Parties: []Party{council, lead, sup}, Buyer: &OrgRef{ID: council.ID, Name: council.Name}}
	category := p.GetCategoryId()
	for _, c := range d.GetTerms().GetCategories() {
		if c.GetId() == p.GetCategoryId() {
			category = c.GetName()
		}
	}
	item := Item{ID: "1", Description: "A week of a placement: " + category, Unit: &Unit{Name: weekUnit, Value: gbp(p.GetWeeklyPricePence())}}
	t := &Tender{ID: p.GetPlacementId(), Status: "complete", ProcuringEntity: &OrgRef{ID: lead.ID, Name: lead.Name}, MainProcurementCategory: "services"}
	awarded := dateTime(p.GetAwardedAt().AsTime())
	a := Award{ID: p.GetPlacementId(), Status: "active", Date: awarded, Suppliers: []OrgRef{{ID: sup.ID, Name: sup.Name}}}
	if c, ok := calls[award.GetEventId()]; ok && award.GetEventId() != "" {
		competitive := c.method == frameworkv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION
		t.Competitive = &competitive
		t.ProcurementMethod, t.ProcurementMethodDetails = "direct", "Call-off by direct award under a framework lot"
		if competitive {
			t.ProcurementMethod, t.ProcurementMethodDetails = "selective", "Call-off by further competition among a framework lot's providers"
		}
		t.Techniques = &Techniques{HasFrameworkAgreement: yes()}
		t.Lots = []Lot{{ID: c.lotID, Title: c.lotName, Status: "complete"}}
		item.RelatedLot = c.lotID
		a.RelatedLots = []string{c.lotID}
		r.RelatedProcesses = []RelatedProcess{{ID: "1", Relationship: []string{relFramework}, Title: c.title, Scheme: "ocid", Identifier: c.ocid}}
	} else {
		t.ProcurementMethod, t.ProcurementMethodDetails = "selective", "Call-off from a dynamic purchasing system: the referral went to the admitted providers who could meet it"
		t.Techniques = &Techniques{HasDynamicPurchasingSystem: yes()}
		r.RelatedProcesses = []RelatedProcess{{ID: "1", Relationship: []string{relFramework}, Title: d.GetTerms().GetTitle(), Scheme: "ocid",
			Identifier: o.Prefixes.For(d.GetConsortium()) + "-" + d.GetDpsId()}}
	}
	a.Items = []Item{item}
	r.Tender = t
	r.Awards = []Award{a}
	r.Contracts = []Contract{{ID: p.GetPlacementId(), AwardID: p.GetPlacementId(), Status: "active", Items: []Item{item}}}
	e.emit(award.GetPosition(), p.GetAwardedAt(), "award", r)
	e.out[0].Tag = []string{"award", "contract"}
	return e.out[0], true
}

// --- parties, names and dates ---

func consortiumParty(slug string) Party {
	return Party{ID: "consortium:" + slug, Name: "The " + consortiumName(slug) + " consortium", Roles: []string{"buyer", "procuringEntity"}}
}

// consortiumName is a slug in words: "north-west" → "North West".
func consortiumName(slug string) string {
	words := strings.Split(slug, "-")
	for i, w := range words {
		if w != "" {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
	}
	return strings.Join(words, " ")
}

func providerParty(id, name string) Party {
	if name == "" {
		name = id
	}
	return Party{ID: "provider:" + id, Name: name, Roles: []string{"supplier"}}
}

func dateTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// dayStart and dayEnd are a YYYY-MM-DD day's first and last second (UK
// days are published in UTC).
func dayStart(day string) string {
	if day == "" {
		return ""
	}
	return day + "T00:00:00Z"
}

func dayEnd(day string) string {
	if day == "" {
		return ""
	}
	return day + "T23:59:59Z"
}

// addMonths moves a term's last day on by months, as the framework
// service does: a last day of a month stays the last day of a month.
func addMonths(day string, months int) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	y, m, dd := d.Date()
	endOfMonth := d.AddDate(0, 0, 1).Day() == 1
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if endOfMonth || dd > last {
		dd = last
	}
	return time.Date(first.Year(), first.Month(), dd, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}
