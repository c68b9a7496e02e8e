package app

import (
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// ReadModel is what the queries read: the needs return that stands for each
// council and date (the latest not withdrawn) and every submission made,
// consortia and their policies, and live demand and supply maintained from
// purchasing's events.
type ReadModel struct {
	mu sync.RWMutex

	consortia map[string]*consortiumRM
	dps       map[string]*dpsRM
	policies  map[string]*demandv1.DisclosurePolicySet
	// policySet: consortium → who set its policy last, when, at which version.
	policySet map[string]policyChange
	// returns: council → as-at date → the submission that stands.
	returns map[string]map[string]*demandv1.NeedsReturnSubmitted
	// history: council → as-at date → every submission, in order.
	history map[string]map[string][]*submissionRM
	// cells: council → as-at date → the standing submission's cells as
	// records, built once when it is applied. The records of one
	// combination of values share its number (combos) and its values map
	// (comboValues), so a query allocates no map.
	cells       map[string]map[string][]record
	combos      map[[6]string]int
	comboValues []map[string]string
	dates       []string // every as-at date with a return standing, sorted

	// generation moves on with every needs return and every change of
	// membership: protections cached for older generations are never used
	// again.
	generation uint64
	cache      protectedCache
	// live moves on with every purchasing event: sufficiency and prices
	// computed for an older value are never used again.
	live      uint64
	liveCache liveCache
	pooled    pooledCache

	referrals map[string]*liveReferral
	awards    []*award
	settings  map[string]*supplySetting // by URN
}

// submissionRM is one submission of a council's return for a date: what
// ListNeedsReturns shows of it.
type submissionRM struct {
	ev          *demandv1.NeedsReturnSubmitted
	at          time.Time
	by          string
	withdrawn   bool
	withdrawnAt time.Time
	withdrawnBy string
	reason      string
}

type consortiumRM struct {
	slug    string
	members map[string]bool // LA codes, from its DPSs
	dps     []string
}

type dpsRM struct {
	id, consortium string
	categories     []*purchasingv1.Category
	// admitted: category → provider → admitted and not suspended.
	admitted map[string]map[string]bool
}

// liveReferral is an open or closed referral as a demand signal.
type liveReferral struct {
	consortium, council, category, area, ageBand string
	open                                         bool
}

// award is met demand with its price.
type award struct {
	consortium, council, category, provider, area, distanceBand string
	pence                                                       int64
}

// supplySetting is a setting's places as supply.
type supplySetting struct {
	provider, area   string
	settingType      purchasingv1.SettingType
	registered       uint32
	published, taken uint32
	removed          bool
}

func (s *supplySetting) free() uint32 {
	if s.removed || s.taken >= s.published {
		return 0
	}
	return s.published - s.taken
}

// NewReadModel returns an empty read model.
func NewReadModel() *ReadModel {
	return &ReadModel{
		consortia: map[string]*consortiumRM{}, dps: map[string]*dpsRM{}, policies: map[string]*demandv1.DisclosurePolicySet{}, policySet: map[string]policyChange{},
		returns: map[string]map[string]*demandv1.NeedsReturnSubmitted{}, history: map[string]map[string][]*submissionRM{},
		cells: map[string]map[string][]record{}, combos: map[[6]string]int{},
		referrals: map[string]*liveReferral{}, settings: map[string]*supplySetting{},
	}
}

// Apply folds one commit (the projection runner's callback).
func (m *ReadModel) Apply(commit []eventstore.RecordedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range commit {
		m.apply(e)
	}
	return nil
}

func (m *ReadModel) consortium(slug string) *consortiumRM {
	c := m.consortia[slug]
	if c == nil {
		c = &consortiumRM{slug: slug, members: map[string]bool{}}
		m.consortia[slug] = c
	}
	return c
}

func (m *ReadModel) apply(re eventstore.RecordedEvent) {
	ev := re.Event
	if isPurchasing(ev) {
		m.live++
	}
	switch e := ev.(type) {
	case *demandv1.NeedsReturnSubmitted:
		byDate := m.history[e.GetCouncil()]
		if byDate == nil {
			byDate = map[string][]*submissionRM{}
			m.history[e.GetCouncil()] = byDate
		}
		byDate[e.GetAsAt()] = append(byDate[e.GetAsAt()], &submissionRM{ev: e, at: re.OccurredAt, by: re.Actor.Subject})
		m.stand(e.GetCouncil(), e.GetAsAt(), e)
	case *demandv1.NeedsReturnWithdrawn:
		subs := m.history[e.GetCouncil()][e.GetAsAt()]
		var standing *demandv1.NeedsReturnSubmitted
		for _, sub := range subs {
			if sub.ev.GetSubmission() == e.GetSubmission() {
				sub.withdrawn, sub.withdrawnAt, sub.withdrawnBy, sub.reason = true, re.OccurredAt, re.Actor.Subject, e.GetReason()
			}
			if !sub.withdrawn {
				standing = sub.ev
			}
		}
		if standing != m.returns[e.GetCouncil()][e.GetAsAt()] {
			m.stand(e.GetCouncil(), e.GetAsAt(), standing)
		}
	case *demandv1.DisclosurePolicySet:
		m.policies[e.GetConsortium()] = e
		m.policySet[e.GetConsortium()] = policyChange{at: re.OccurredAt, by: re.Actor.Subject, version: re.Version}
		m.live++

	case *purchasingv1.DpsCreated:
		c := m.consortium(e.GetConsortium())
		for _, la := range e.GetTerms().GetMemberCouncils() {
			c.members[la] = true
		}
		c.dps = append(c.dps, e.GetDpsId())
		m.generation++
		m.dps[e.GetDpsId()] = &dpsRM{id: e.GetDpsId(), consortium: e.GetConsortium(), categories: e.GetTerms().GetCategories(), admitted: map[string]map[string]bool{}}
	case *purchasingv1.ProviderAdmitted:
		m.setAdmitted(e.GetDpsId(), e.GetProviderId(), e.GetCategoryId(), true)
	case *purchasingv1.ProviderReinstated:
		m.setAdmitted(e.GetDpsId(), e.GetProviderId(), e.GetCategoryId(), true)
	case *purchasingv1.ProviderSuspended:
		m.setAdmitted(e.GetDpsId(), e.GetProviderId(), e.GetCategoryId(), false)
	case *purchasingv1.ProviderRemoved:
		m.setAdmitted(e.GetDpsId(), e.GetProviderId(), "", false)

	case *purchasingv1.SettingAdded:
		st := e.GetSetting()
		m.settings[st.GetUrn()] = &supplySetting{provider: e.GetProviderId(), area: domain.PostcodeArea(st.GetOutcode()), settingType: st.GetType(), registered: st.GetRegisteredPlaces()}
	case *purchasingv1.SettingUpdated:
		if s := m.settings[e.GetSetting().GetUrn()]; s != nil {
			st := e.GetSetting()
			s.area, s.settingType, s.registered = domain.PostcodeArea(st.GetOutcode()), st.GetType(), st.GetRegisteredPlaces()
		}
	case *purchasingv1.SettingRemoved:
		if s := m.settings[e.GetUrn()]; s != nil {
			s.removed = true
		}
	case *purchasingv1.VacancyPublished:
		if s := m.settings[e.GetUrn()]; s != nil {
			s.published, s.taken = e.GetFreePlaces(), 0
		}
	case *purchasingv1.VacancyWithdrawn:
		if s := m.settings[e.GetUrn()]; s != nil {
			s.published, s.taken = 0, 0
		}

	case *purchasingv1.ReferralCreated:
		n := e.GetNeed()
		m.referrals[e.GetReferralId()] = &liveReferral{consortium: e.GetConsortium(), council: e.GetCouncil(), category: n.GetCategoryId(),
			area: domain.PostcodeArea(n.GetHomeOutcode()), ageBand: domain.AgeBand(n.GetAgeYears()), open: true}
	case *purchasingv1.ReferralWithdrawn:
		if r := m.referrals[e.GetReferralId()]; r != nil {
			r.open = false
		}
	case *purchasingv1.PlacementAwarded:
		if r := m.referrals[e.GetReferralId()]; r != nil {
			r.open = false
		}
		if s := m.settings[e.GetSettingUrn()]; s != nil {
			s.taken += 1 + e.GetSiblingCount()
		}
		m.awards = append(m.awards, &award{consortium: e.GetConsortium(), council: e.GetCouncil(), category: e.GetCategoryId(), provider: e.GetProviderId(),
			area: domain.PostcodeArea(e.GetSettingOutcode()), distanceBand: domain.DistanceBand(e.GetDistanceMiles()), pence: e.GetWeeklyPricePence()})
	}
}

// stand makes r the council's return for the date that every aggregate
// uses; nil: the council has none for it.
func (m *ReadModel) stand(la, date string, r *demandv1.NeedsReturnSubmitted) {
	m.generation++
	if r == nil {
		delete(m.returns[la], date)
		delete(m.cells[la], date)
		for _, byDate := range m.returns {
			if byDate[date] != nil {
				return
			}
		}
		if i, found := slices.BinarySearch(m.dates, date); found {
			m.dates = slices.Delete(m.dates, i, i+1)
		}
		return
	}
	if m.returns[la] == nil {
		m.returns[la] = map[string]*demandv1.NeedsReturnSubmitted{}
		m.cells[la] = map[string][]record{}
	}
	m.returns[la][date] = r
	m.cells[la][date] = m.recordsOf(r)
	if i, found := slices.BinarySearch(m.dates, date); !found {
		m.dates = slices.Insert(m.dates, i, date)
	}
}

// recordsOf is a return's cells as records, each with its combination's
// number and values map, shared with every other cell of the same
// combination (the maps are never written after).
func (m *ReadModel) recordsOf(e *demandv1.NeedsReturnSubmitted) []record {
	out := make([]record, 0, len(e.GetCells()))
	for _, cell := range e.GetCells() {
		var k [6]string
		for i, d := range needsDimensionNames {
			k[i] = cellValue(cell, d)
		}
		n, ok := m.combos[k]
		if !ok {
			v := make(map[string]string, len(k))
			for i, d := range needsDimensionNames {
				v[d] = k[i]
			}
			n = len(m.comboValues)
			m.combos[k] = n
			m.comboValues = append(m.comboValues, v)
		}
		out = append(out, record{council: e.GetCouncil(), values: m.comboValues[n], count: int(cell.GetCount()), combo: n})
	}
	return out
}

func (m *ReadModel) setAdmitted(dpsID, provider, category string, admitted bool) {
	d := m.dps[dpsID]
	if d == nil {
		return
	}
	for _, c := range d.categories {
		if category != "" && c.GetId() != category {
			continue
		}
		set := d.admitted[c.GetId()]
		if set == nil {
			set = map[string]bool{}
			d.admitted[c.GetId()] = set
		}
		if admitted {
			set[provider] = true
		} else {
			delete(set, provider)
		}
	}
}

// policy is the consortium's threshold and minimum price providers.
func (m *ReadModel) policy(consortium string) (threshold, minProviders int) {
	if p := m.policies[consortium]; p != nil {
		return int(p.GetThreshold()), int(p.GetMinPriceProviders())
	}
	return domain.DefaultThreshold, domain.DefaultMinPriceProviders
}

// latestDate is the newest as-at date on or before asAt ("" = newest of all)
// for which a member council has a return.
func (m *ReadModel) latestDate(c *consortiumRM, asAt string) string {
	for i := len(m.dates) - 1; i >= 0; i-- {
		d := m.dates[i]
		if asAt != "" && d != asAt {
			continue
		}
		for la := range c.members {
			if m.returns[la][d] != nil {
				return d
			}
		}
	}
	return ""
}

// isPurchasing reports an event of the purchasing context.
func isPurchasing(ev any) bool {
	m, ok := ev.(interface{ ProtoReflect() protoreflect.Message })
	return ok && m.ProtoReflect().Descriptor().ParentFile().Package() == "carecoop.purchasing.v1"
}

// liveCache keeps each consortium's sufficiency (per viewer) and price rows
// until a purchasing event or a policy change: the live queries walk every
// setting, referral and award, and readers ask far more often than the
// market changes. Cached rows are shared: never change them.
type liveCache struct {
	mu     sync.Mutex
	suff   map[liveKey][]*demandv1.SufficiencyRow
	prices map[liveKey][]*demandv1.PriceRow
}

type liveKey struct {
	consortium, viewer string
	live               uint64
}

func (c *liveCache) sufficiency(k liveKey, build func() ([]*demandv1.SufficiencyRow, error)) ([]*demandv1.SufficiencyRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rows, ok := c.suff[k]; ok {
		return rows, nil
	}
	rows, err := build()
	if err != nil {
		return nil, err
	}
	if c.suff == nil || len(c.suff) > 1024 {
		c.suff = map[liveKey][]*demandv1.SufficiencyRow{}
	}
	c.suff[k] = rows
	return rows, nil
}

func (c *liveCache) priceRows(k liveKey, build func() []*demandv1.PriceRow) []*demandv1.PriceRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rows, ok := c.prices[k]; ok {
		return rows
	}
	rows := build()
	if c.prices == nil || len(c.prices) > 1024 {
		c.prices = map[liveKey][]*demandv1.PriceRow{}
	}
	c.prices[k] = rows
	return rows
}
