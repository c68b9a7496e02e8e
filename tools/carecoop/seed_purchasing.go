package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// The purchasing demo: about forty providers with three settings each over
// north-west outcodes, the consortium's DPS with admitted providers, live
// referrals with offers, and past awards — all sent through the API as the
// people who would send them. Names, numbers and URNs are invented.

// nwOutcodes are north-west outcodes, Greater Manchester first.
var nwOutcodes = []string{
	"M1", "M8", "M11", "M14", "M16", "M20", "M21", "M22", "M23", "M24", "M25", "M26", "M27", "M28", "M29", "M30",
	"M33", "M34", "M35", "M38", "M40", "M41", "M43", "M44", "M45", "M46", "SK1", "SK2", "SK4", "SK6", "SK7", "SK8",
	"SK14", "SK15", "OL1", "OL2", "OL4", "OL6", "OL8", "OL9", "OL10", "OL11", "OL12", "OL16", "BL1", "BL2", "BL3",
	"BL4", "BL5", "BL8", "BL9", "WN1", "WN2", "WN3", "WN5", "WN6", "WN7", "WA1", "WA3", "WA5", "WA14", "WA15",
	"L4", "L8", "L15", "L17", "L25", "PR1", "PR2", "PR7", "BB1", "BB2", "BB5", "CH41", "LA1", "FY1", "CW1",
}

// The framework demo's providers come first so that the framework service
// shows their names once purchasing publishes their registrations.
var demoProviderNames = []struct{ id, legal, trading string }{
	{"northern-lights-care", "Northern Lights Care Ltd", "Northern Lights"},
	{"pennine-pathways", "Pennine Pathways Ltd", ""},
	{"irwell-house", "Irwell House Children's Services Ltd", "Irwell House"},
	{"moorside-childrens-services", "Moorside Children's Services CIC", "Moorside"},
	{"bridgewater-care", "Bridgewater Care Group Ltd", "Bridgewater Care"},
}

var placeWords = []string{"Oakfield", "Beechwood", "Mersey Vale", "Tameside", "Ribble", "Calder", "Hollins", "Kersal", "Saddleworth", "Marple",
	"Heaton", "Astley", "Brinnington", "Chadderton", "Didsbury", "Etherow", "Fairfield", "Goyt", "Hindley", "Irlam", "Kearsley", "Lowton",
	"Mossley", "Norden", "Orrell", "Prestwich", "Queensway", "Radcliffe", "Stalybridge", "Tottington", "Urmston", "Walkden", "Worsley",
	"Whitefield", "Bramhall"}

var kindWords = []string{"Care", "Children's Homes", "Fostering", "Family Placements", "Young People's Services", "Homes", "Support"}

// category of the DPS and what its settings look like.
type demoCategory struct {
	id, name    string
	settingType purchasingv1.SettingType
	places      []uint32
	specialisms [][]string
}

var demoCategories = []demoCategory{
	{"residential", "Residential children's homes", purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, []uint32{1, 2, 3, 4, 4},
		[][]string{{"emotional_behavioural", "mental_health"}, {"emotional_behavioural", "sexual_exploitation", "missing_from_care"}, {"solo_placement", "emotional_behavioural", "criminal_exploitation"}, {"learning_disability", "autism", "complex_health"}, {"emotional_behavioural", "therapeutic", "self_harm"}}},
	{"fostering-standard", "Fostering: standard", purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY, []uint32{20, 30, 45},
		[][]string{{"sibling_groups"}, {"parent_and_child"}, {"unaccompanied_asylum_seeking", "esol"}}},
	{"fostering-enhanced", "Fostering: enhanced and therapeutic", purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY, []uint32{12, 18},
		[][]string{{"therapeutic", "emotional_behavioural"}, {"therapeutic", "autism", "learning_disability"}}},
	{"supported-16-plus", "Supported accommodation 16+", purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION, []uint32{4, 6, 8},
		[][]string{{"unaccompanied_asylum_seeking", "esol"}, {"criminal_exploitation", "substance_misuse"}, {"mental_health"}}},
	{"send-school", "SEND residential and day schools", purchasingv1.SettingType_SETTING_TYPE_SPECIAL_SCHOOL, []uint32{30, 60},
		[][]string{{"autism", "education_on_site"}, {"learning_disability", "physical_disability", "education_on_site", "bsl"}}},
}

func demoDpsTerms() *purchasingv1.DpsTerms {
	t := &purchasingv1.DpsTerms{
		Title:       "North West Children's Placements Dynamic Purchasing System",
		Description: "One route to market for the ten Greater Manchester councils: children's homes, fostering, supported accommodation and SEND schools. Providers may apply at any time.",
		SelectionCriteria: []*purchasingv1.SelectionCriterion{
			{Id: "safeguarding", Question: "Describe your safeguarding leadership and how learning from incidents reaches every home."},
			{Id: "local-offer", Question: "How do you keep children close to their families, schools and communities in the north west?"},
		},
		MemberCouncils:        greaterManchester,
		MinOfstedGrade:        purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD,
		AcceptNotYetInspected: true,
		EndsOn:                "2029-02-23",
	}
	for _, c := range demoCategories {
		t.Categories = append(t.Categories, &purchasingv1.Category{Id: c.id, Name: c.name, SettingTypes: []purchasingv1.SettingType{c.settingType}})
	}
	return t
}

type demoProvider struct {
	id, legal, trading string
	category           demoCategory
	settings           []*purchasingv1.Setting
	expiredInsurance   bool
}

// demoProviders builds the forty providers from a fixed seed, so every
// start of a fresh stack gets the same demo.
func demoProviders(today time.Time) []demoProvider {
	rng := rand.New(rand.NewPCG(2026, 11))
	var out []demoProvider
	urn := 512000
	for i := 0; i < 40; i++ {
		var p demoProvider
		if i < len(demoProviderNames) {
			n := demoProviderNames[i]
			p.id, p.legal, p.trading = n.id, n.legal, n.trading
			p.category = demoCategories[0]
		} else {
			place := placeWords[(i-len(demoProviderNames))%len(placeWords)]
			p.category = demoCategories[[]int{0, 0, 0, 1, 1, 2, 3, 3, 4}[rng.IntN(9)]]
			kind := kindWords[rng.IntN(len(kindWords))]
			switch p.category.settingType {
			case purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME:
				if kind == "Fostering" || kind == "Family Placements" {
					kind = "Children's Homes"
				}
			case purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY:
				kind = "Fostering"
			case purchasingv1.SettingType_SETTING_TYPE_SPECIAL_SCHOOL:
				kind = "Schools"
			case purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION:
				kind = "Young People's Services"
			}
			p.legal = place + " " + kind + " Ltd"
			p.id = strings.ToLower(strings.NewReplacer(" ", "-", "'", "").Replace(place + " " + kind))
		}
		p.expiredInsurance = i == 17
		for j := 0; j < 3; j++ {
			urn += 1 + rng.IntN(40)
			grade := []purchasingv1.OfstedGrade{1, 2, 2, 2, 2, 2, 3, 3, 5}[rng.IntN(9)]
			if i == 23 && j == 0 {
				grade = purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE
			}
			inspected := ""
			if grade != purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED {
				inspected = today.AddDate(0, -1-rng.IntN(30), -rng.IntN(28)).Format("2006-01-02")
			}
			prefix := "SC"
			if p.category.settingType == purchasingv1.SettingType_SETTING_TYPE_SPECIAL_SCHOOL {
				prefix = "1"
			}
			p.settings = append(p.settings, &purchasingv1.Setting{
				Urn:              fmt.Sprintf("%s%06d", prefix, urn),
				Name:             fmt.Sprintf("%s %s", placeWords[rng.IntN(len(placeWords))], []string{"House", "Lodge", "View", "Court", "Branch", "Centre"}[rng.IntN(6)]),
				Type:             p.category.settingType,
				RegisteredPlaces: p.category.places[rng.IntN(len(p.category.places))],
				Outcode:          nwOutcodes[rng.IntN(len(nwOutcodes))],
				Specialisms:      p.category.specialisms[rng.IntN(len(p.category.specialisms))],
				OfstedGrade:      grade,
				OfstedDate:       inspected,
				PetsOnSite:       rng.IntN(4) == 0,
			})
		}
		out = append(out, p)
	}
	return out
}

// purchasingSeeder sends purchasing commands as the people who would.
type purchasingSeeder struct {
	key     ed25519.PrivateKey
	addr    string
	conns   []*grpc.ClientConn
	clients map[string]purchasingv1.PurchasingServiceClient
}

func (s *purchasingSeeder) as(org, role string) (purchasingv1.PurchasingServiceClient, error) {
	k := org + "|" + role
	if c, ok := s.clients[k]; ok {
		return c, nil
	}
	tok, err := auth.IssueToken(s.key, auth.Principal{Subject: role + "@" + org, Organisation: org, Roles: []string{role}}, time.Hour)
	if err != nil {
		return nil, err
	}
	conn, err := grpcserver.NewClient(s.addr, tok)
	if err != nil {
		return nil, err
	}
	s.conns = append(s.conns, conn)
	c := purchasingv1.NewPurchasingServiceClient(conn)
	s.clients[k] = c
	return c, nil
}

func (s *purchasingSeeder) close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// seedPurchasingIfEmpty seeds the purchasing demo unless the consortium
// already has a DPS.
func seedPurchasingIfEmpty(ctx context.Context, addr string, key ed25519.PrivateKey) (bool, error) {
	s := &purchasingSeeder{key: key, addr: addr, clients: map[string]purchasingv1.PurchasingServiceClient{}}
	defer s.close()
	lead, err := s.as(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return false, err
	}
	existing, err := lead.ListDps(ctx, &purchasingv1.ListDpsRequest{Consortium: demoConsortium})
	if err != nil {
		return false, err
	}
	if len(existing.GetDps()) > 0 {
		return false, nil
	}
	return true, s.seed(ctx, lead, time.Now())
}

func (s *purchasingSeeder) seed(ctx context.Context, lead purchasingv1.PurchasingServiceClient, now time.Time) error {
	today := now.Format("2006-01-02")
	providers := demoProviders(now)
	for i, p := range providers {
		admin, err := s.as(auth.ProviderOrg(p.id), auth.ProviderAdmin)
		if err != nil {
			return err
		}
		profile := &purchasingv1.ProviderProfile{
			LegalName: p.legal, TradingName: p.trading,
			Registration: &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: fmt.Sprintf("%08d", 9100000+i*7919)},
			Contacts: []*purchasingv1.Contact{
				{Name: "Referrals team", Role: "referrals", Email: "referrals@" + p.id + ".example", Phone: "0161 496 0" + fmt.Sprintf("%03d", i)},
				{Name: "Contracts manager", Role: "contracts", Email: "contracts@" + p.id + ".example"},
			},
			HeadOfficeOutcode: p.settings[0].GetOutcode(),
		}
		if _, err := admin.RegisterProvider(ctx, &purchasingv1.RegisterProviderRequest{RequestId: fmt.Sprintf("seed-register-%02d", i), ProviderId: p.id, Profile: profile}); err != nil {
			return fmt.Errorf("register %s: %w", p.id, err)
		}
		for _, st := range p.settings {
			if _, err := admin.AddSetting(ctx, &purchasingv1.AddSettingRequest{RequestId: "seed-setting-" + st.GetUrn(), ProviderId: p.id, Setting: st}); err != nil {
				return fmt.Errorf("setting %s of %s: %w", st.GetUrn(), p.id, err)
			}
		}
		insuranceExpiry := now.AddDate(1, 0, 0).Format("2006-01-02")
		switch {
		case p.expiredInsurance:
			insuranceExpiry = now.AddDate(0, 0, -9).Format("2006-01-02")
		case p.id == "pennine-pathways":
			// Due for renewal: its admin's home says so.
			insuranceExpiry = now.AddDate(0, 0, 45).Format("2006-01-02")
		}
		for _, a := range []*purchasingv1.Accreditation{
			{Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, Reference: "PL-" + p.id, ExpiresOn: insuranceExpiry},
			{Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY, Reference: "SG-2026-" + fmt.Sprint(i), ExpiresOn: now.AddDate(0, 8, 0).Format("2006-01-02")},
		} {
			if _, err := admin.RecordAccreditation(ctx, &purchasingv1.RecordAccreditationRequest{RequestId: fmt.Sprintf("seed-acc-%02d-%d", i, a.GetKind()), ProviderId: p.id, Accreditation: a}); err != nil {
				return fmt.Errorf("accreditation of %s: %w", p.id, err)
			}
		}
		responder, err := s.as(auth.ProviderOrg(p.id), auth.ProviderResponder)
		if err != nil {
			return err
		}
		for j, st := range p.settings {
			if (i+j)%3 == 2 {
				continue // no vacancy here today
			}
			free := min(st.GetRegisteredPlaces(), uint32(1+(i+j)%3))
			if _, err := responder.PublishVacancy(ctx, &purchasingv1.PublishVacancyRequest{RequestId: "seed-vacancy-" + st.GetUrn(), ProviderId: p.id,
				Urn: st.GetUrn(), FreePlaces: free, AvailableFrom: today}); err != nil {
				return fmt.Errorf("vacancy at %s: %w", st.GetUrn(), err)
			}
		}
	}

	created, err := lead.CreateDps(ctx, &purchasingv1.CreateDpsRequest{RequestId: "seed-nw-dps-create", Terms: demoDpsTerms()})
	if err != nil {
		return fmt.Errorf("create DPS: %w", err)
	}
	dpsID := created.GetId()
	if _, err := lead.OpenDps(ctx, &purchasingv1.OpenDpsRequest{RequestId: "seed-nw-dps-open", DpsId: dpsID}); err != nil {
		return fmt.Errorf("open DPS: %w", err)
	}
	answers := []*purchasingv1.CriterionAnswer{
		{CriterionId: "safeguarding", Answer: "A named safeguarding lead on the board; monthly incident reviews shared with every registered manager."},
		{CriterionId: "local-offer", Answer: "Our homes are across Greater Manchester; we hold places for member councils and keep children in their schools."},
	}
	for i, p := range providers {
		admin, _ := s.as(auth.ProviderOrg(p.id), auth.ProviderAdmin)
		if _, err := admin.ApplyToDps(ctx, &purchasingv1.ApplyToDpsRequest{RequestId: fmt.Sprintf("seed-apply-%02d", i), DpsId: dpsID, ProviderId: p.id,
			CategoryIds: []string{p.category.id}, Answers: answers}); err != nil {
			return fmt.Errorf("application of %s: %w", p.id, err)
		}
		decide := &purchasingv1.DecideApplicationRequest{RequestId: fmt.Sprintf("seed-decide-%02d", i), DpsId: dpsID, ProviderId: p.id, CategoryId: p.category.id}
		switch {
		case p.expiredInsurance || i >= 37:
			// Left for the lead to decide: the expired insurance blocks
			// admission until it is renewed; the last three arrived today.
		case i == 31:
			decide.Reason = "Selection criteria not met: no safeguarding lead named at board level"
			if _, err := lead.RejectApplication(ctx, decide); err != nil {
				return fmt.Errorf("reject %s: %w", p.id, err)
			}
		default:
			decide.Reason = "Meets the selection criteria; Ofsted registration and insurance checked"
			if _, err := lead.AdmitProvider(ctx, decide); err != nil {
				return fmt.Errorf("admit %s: %w", p.id, err)
			}
		}
	}
	if _, err := lead.SuspendProvider(ctx, &purchasingv1.ProviderMembershipRequest{RequestId: "seed-suspend-23", DpsId: dpsID,
		ProviderId: providers[23].id, Reason: "Inadequate Ofsted judgement at one home: suspended from new referrals pending an improvement plan"}); err != nil {
		return fmt.Errorf("suspend: %w", err)
	}
	if err := s.seedSecondConsortium(ctx); err != nil {
		return err
	}
	return s.seedReferrals(ctx, dpsID, now)
}

// secondConsortium is a neighbouring consortium with a DPS just opened, so
// the demo providers have one open to them and the auditor more than one
// consortium to read.
const secondConsortium = "yorkshire-humber"

func (s *purchasingSeeder) seedSecondConsortium(ctx context.Context) error {
	lead, err := s.as(auth.ConsortiumOrg(secondConsortium), auth.ConsortiumLead)
	if err != nil {
		return err
	}
	terms := &purchasingv1.DpsTerms{
		Title:       "Yorkshire and the Humber Fostering Dynamic Purchasing System",
		Description: "Independent fostering for five West Yorkshire councils, open to new agencies at any time.",
		SelectionCriteria: []*purchasingv1.SelectionCriterion{
			{Id: "carer-support", Question: "How do you recruit, train and support foster carers, day and night?"},
		},
		MemberCouncils:        []string{"380", "381", "382", "383", "384"},
		MinOfstedGrade:        purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD,
		AcceptNotYetInspected: true,
		EndsOn:                "2029-02-23",
	}
	for _, c := range demoCategories {
		if c.settingType == purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY {
			terms.Categories = append(terms.Categories, &purchasingv1.Category{Id: c.id, Name: c.name, SettingTypes: []purchasingv1.SettingType{c.settingType}})
		}
	}
	created, err := lead.CreateDps(ctx, &purchasingv1.CreateDpsRequest{RequestId: "seed-yh-dps-create", Terms: terms})
	if err != nil {
		return fmt.Errorf("create the %s DPS: %w", secondConsortium, err)
	}
	if _, err := lead.OpenDps(ctx, &purchasingv1.OpenDpsRequest{RequestId: "seed-yh-dps-open", DpsId: created.GetId()}); err != nil {
		return fmt.Errorf("open the %s DPS: %w", secondConsortium, err)
	}
	return nil
}

// demoReferral is a need the seed refers; awarded ones become past placements.
type demoReferral struct {
	council, home, category string
	age                     uint32
	sex                     purchasingv1.Sex
	needs                   []string
	budget                  int64
	award                   bool
	decline                 bool
}

var demoReferrals = []demoReferral{
	{"352", "M14", "residential", 14, purchasingv1.Sex_SEX_MALE, []string{"emotional_behavioural"}, 650000, true, false},
	{"353", "SK4", "residential", 12, purchasingv1.Sex_SEX_FEMALE, []string{"emotional_behavioural"}, 600000, true, true},
	{"354", "M24", "fostering-standard", 7, purchasingv1.Sex_SEX_FEMALE, nil, 110000, true, false},
	{"356", "OL1", "residential", 15, purchasingv1.Sex_SEX_FEMALE, []string{"emotional_behavioural"}, 700000, true, false},
	{"357", "OL16", "supported-16-plus", 17, purchasingv1.Sex_SEX_MALE, nil, 250000, true, false},
	{"358", "WN5", "residential", 13, purchasingv1.Sex_SEX_MALE, nil, 650000, true, false},
	{"352", "M8", "residential", 15, purchasingv1.Sex_SEX_FEMALE, []string{"emotional_behavioural"}, 700000, false, true},
	{"355", "BL3", "fostering-standard", 4, purchasingv1.Sex_SEX_MALE, nil, 120000, false, false},
	{"359", "M33", "residential", 11, purchasingv1.Sex_SEX_MALE, nil, 650000, false, false},
	{"350", "BL1", "supported-16-plus", 16, purchasingv1.Sex_SEX_FEMALE, nil, 250000, false, false},
}

func (s *purchasingSeeder) seedReferrals(ctx context.Context, dpsID string, now time.Time) error {
	today := now.Format("2006-01-02")
	for i, d := range demoReferrals {
		council, err := s.as(auth.CouncilOrg(d.council), auth.CouncilCommissioner)
		if err != nil {
			return err
		}
		need := &purchasingv1.Need{
			CategoryId: d.category, AgeYears: d.age, Sex: d.sex, NeededBy: purchasingv1.NeededBy_NEEDED_BY_LESS_THAN_5_DAYS,
			HomeOutcode: d.home, MaxDistanceMiles: 25, StartBy: now.AddDate(0, 0, 7).Format("2006-01-02"),
			WeeklyBudgetPence: d.budget, ExpectedDurationWeeks: 52, Needs: d.needs,
			CulturalNeeds: purchasingv1.CulturalNeeds_CULTURAL_NEEDS_NOT_REQUIRED, LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_NO_PREFERENCE,
			Pets: purchasingv1.Pets_PETS_CAN, FosterCare: purchasingv1.Suitability_SUITABILITY_NOT_SPECIFIED,
			ResidentialCare: purchasingv1.Suitability_SUITABILITY_NOT_SPECIFIED, SupportedAccommodation: purchasingv1.Suitability_SUITABILITY_NOT_SPECIFIED,
			Risks:             &purchasingv1.Risks{Missing: i%3 == 0, SelfHarm: i%4 == 1},
			PreferredLocation: "within reach of current school",
		}
		ref, err := council.CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: fmt.Sprintf("seed-referral-%02d", i), DpsId: dpsID, Need: need})
		if err != nil {
			return fmt.Errorf("referral %d: %w", i, err)
		}
		view, err := council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref.GetId(), MinPosition: ref.GetPosition()})
		if err != nil {
			return err
		}
		var offers []string
		seen := map[string]bool{}
		for k, m := range view.GetMatches() {
			if seen[m.GetProviderId()] || len(seen) == 3 {
				continue
			}
			seen[m.GetProviderId()] = true
			responder, err := s.as(auth.ProviderOrg(m.GetProviderId()), auth.ProviderResponder)
			if err != nil {
				return err
			}
			if d.decline && k == 0 {
				if _, err := responder.DeclineReferral(ctx, &purchasingv1.DeclineReferralRequest{RequestId: fmt.Sprintf("seed-decline-%02d", i), ReferralId: ref.GetId(),
					Reason: purchasingv1.DeclineReason_DECLINE_REASON_MATCHING_RISK, Note: "Current group of young people would not be a safe match"}); err != nil {
					return fmt.Errorf("decline on referral %d: %w", i, err)
				}
				continue
			}
			price := d.budget - int64(25000*(k+1)) - int64(i*1500)
			off, err := responder.MakeOffer(ctx, &purchasingv1.MakeOfferRequest{RequestId: fmt.Sprintf("seed-offer-%02d-%d", i, k), ReferralId: ref.GetId(),
				SettingUrn: m.GetSettingUrn(), WeeklyPricePence: price, AvailableFrom: today, Note: "Registered manager has reviewed the referral; placement plan meeting can be held this week"})
			if err != nil {
				return fmt.Errorf("offer on referral %d: %w", i, err)
			}
			offers = append(offers, off.GetOfferId())
		}
		// An award needs a free place: when an earlier award took the
		// offered home's last one, the next offer is awarded instead.
		for k, o := range offers {
			if !d.award {
				break
			}
			_, err := council.AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: fmt.Sprintf("seed-award-%02d", i), ReferralId: ref.GetId(),
				OfferId: o, Reason: "Nearest suitable home with a Good or better judgement, within budget; the child's social worker agrees"})
			if err == nil {
				break
			}
			if status.Code(err) != codes.FailedPrecondition || k == len(offers)-1 {
				return fmt.Errorf("award referral %d: %w", i, err)
			}
		}
	}
	return nil
}
