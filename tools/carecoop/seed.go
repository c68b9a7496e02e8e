package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	framework "github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// The demo: the north-west consortium, the ten Greater Manchester councils
// (DfE LA codes) and a handful of providers, with one active residential
// framework — created through the same RPCs a user would send, so the
// decision log tells its story.
const demoConsortium = "north-west"

var greaterManchester = []string{"350", "351", "352", "353", "354", "355", "356", "357", "358", "359"}

type demoBid struct {
	provider, lot string
	pence         int64
	quality       uint32
}

var demoBids = []demoBid{
	{"northern-lights-care", "lot-1", 465000, 82},
	{"northern-lights-care", "lot-2", 690000, 74},
	{"pennine-pathways", "lot-1", 430000, 71},
	{"pennine-pathways", "lot-3", 905000, 78},
	{"irwell-house", "lot-1", 512000, 88},
	{"irwell-house", "lot-2", 745000, 81},
	{"moorside-childrens-services", "lot-2", 655000, 58},
	{"moorside-childrens-services", "lot-3", 980000, 84},
	{"bridgewater-care", "lot-1", 399000, 55},
	{"bridgewater-care", "lot-3", 1120000, 73},
}

// demoQuestions are the residential framework's own quality questions,
// which every demo bid answers.
func demoQuestions() []*frameworkv1.QualityQuestion {
	return []*frameworkv1.QualityQuestion{
		{QuestionId: "q-1", Text: "How do you keep children close to home and school?", WordLimit: 500},
		{QuestionId: "q-2", Text: "How do you keep staff stable?", WordLimit: 500},
	}
}

func demoTerms() *frameworkv1.FrameworkTerms {
	lot := func(id, name, desc string, minP, maxP int64, threshold uint32) *frameworkv1.LotTerms {
		return &frameworkv1.LotTerms{LotId: id, Name: name, Description: desc,
			PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: minP, MaxWeeklyPence: maxP}, QualityThreshold: threshold}
	}
	return &frameworkv1.FrameworkTerms{
		Title:       "Greater Manchester Residential Children's Homes Framework 2026-2030",
		Category:    frameworkv1.Category_CATEGORY_RESIDENTIAL,
		Description: "Children's homes places for the ten Greater Manchester councils, bought together to place children closer to home.",
		Lots: []*frameworkv1.LotTerms{
			lot("lot-1", "Residential: emotional and behavioural needs", "Homes for children with emotional, behavioural and mental health needs.", 350000, 650000, 60),
			lot("lot-2", "Residential: complex needs and disabilities", "Homes for disabled children and children with complex health needs.", 450000, 900000, 65),
			lot("lot-3", "Residential: solo and crisis placements", "Solo or two-bed homes for children in crisis, available at short notice.", 600000, 1200000, 70),
		},
		MemberCouncils:         greaterManchester,
		TermStart:              "2026-04-01",
		TermEnd:                "2029-03-31",
		ExtensionOptionsMonths: []uint32{12},
		QualityWeight:          70,
		PriceWeight:            30,
		QualityQuestions:       demoQuestions(),
	}
}

func runSeed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	data := fs.String("data", ".carecoop", "data directory of the dev stack (holds its signing key)")
	addr := fs.String("framework-addr", framework.DefaultAddr, "framework service address")
	if err := parseFlags(fs, args, os.Stdout, `Sends the north-west framework demo to a running stack's framework service,
through the same RPCs a lead and providers would use: the Greater Manchester
residential children's homes framework (three lots, the ten Greater Manchester
councils as members), drafted, opened for bids, bid on by five providers,
scored, awarded (its contract award notice three weeks old, so the
standstill is over) and activated. It seeds nothing if the north-west consortium
already has a framework, and only the framework: the purchasing, demand and
monitoring demo data are seeded by 'carecoop dev' on its first start.
`); err != nil {
		return err
	}
	key, err := auth.LoadOrCreateDevKey(*data)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seeded, err := seedIfEmpty(ctx, *addr, key)
	if err == nil && !seeded {
		fmt.Println("the north-west consortium already has frameworks: nothing to seed")
	}
	return err
}

// seeder sends commands as the people who would send them.
type seeder struct {
	key   ed25519.PrivateKey
	addr  string
	conns []*grpc.ClientConn
}

func (s *seeder) client(org, role string) (frameworkv1.FrameworkServiceClient, error) {
	tok, err := auth.IssueToken(s.key, auth.Principal{Subject: role + "@" + org, Organisation: org, Roles: []string{role}}, time.Hour)
	if err != nil {
		return nil, err
	}
	conn, err := grpcserver.NewClient(s.addr, tok)
	if err != nil {
		return nil, err
	}
	s.conns = append(s.conns, conn)
	return frameworkv1.NewFrameworkServiceClient(conn), nil
}

func (s *seeder) close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// seedIfEmpty seeds the demo unless the consortium already has a framework.
func seedIfEmpty(ctx context.Context, addr string, key ed25519.PrivateKey) (bool, error) {
	s := &seeder{key: key, addr: addr}
	defer s.close()
	lead, err := s.client(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return false, err
	}
	existing, err := lead.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{Consortium: demoConsortium})
	if err != nil {
		return false, err
	}
	if len(existing.GetFrameworks()) > 0 {
		return false, nil
	}
	return true, s.seed(ctx, lead)
}

func (s *seeder) seed(ctx context.Context, lead frameworkv1.FrameworkServiceClient) error {
	drafted, err := lead.DraftFramework(ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "seed-nw-res-draft", Terms: demoTerms()})
	if err != nil {
		return fmt.Errorf("draft: %w", err)
	}
	id := drafted.GetFrameworkId()
	// Bidding is kept short so the first start is quick; a real tender runs weeks.
	closesAt := time.Now().Add(2 * time.Second)
	if _, err := lead.OpenForBids(ctx, &frameworkv1.OpenForBidsRequest{RequestId: "seed-nw-res-open", FrameworkId: id, BidsCloseAt: timestamppb.New(closesAt)}); err != nil {
		return fmt.Errorf("open for bids: %w", err)
	}
	for _, b := range demoBids {
		provider, err := s.client(auth.ProviderOrg(b.provider), auth.ProviderAdmin)
		if err != nil {
			return err
		}
		_, err = provider.SubmitBid(ctx, &frameworkv1.SubmitBidRequest{
			RequestId: "seed-bid-" + b.provider + "-" + b.lot, FrameworkId: id, LotId: b.lot, WeeklyPricePence: b.pence,
			QualityAnswers: []*frameworkv1.QualityAnswer{
				{QuestionId: "q-1", Answer: "Homes across Greater Manchester; we hold places for member councils and work with virtual schools."},
				{QuestionId: "q-2", Answer: "Permanent teams, low agency use, and a registered manager in post for each home."},
			},
		})
		if err != nil {
			return fmt.Errorf("bid by %s on %s: %w", b.provider, b.lot, err)
		}
	}
	select {
	case <-time.After(time.Until(closesAt) + 200*time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	for _, b := range demoBids {
		_, err := lead.ScoreBid(ctx, &frameworkv1.ScoreBidRequest{
			RequestId: "seed-score-" + b.provider + "-" + b.lot, FrameworkId: id, LotId: b.lot, ProviderId: b.provider,
			QualityScore: b.quality, Reason: "Moderated panel score of the quality answers",
		})
		if err != nil {
			return fmt.Errorf("score %s on %s: %w", b.provider, b.lot, err)
		}
	}
	// The framework runs from April 2026, so its contract award notice went
	// out three weeks ago (at least eight working days, whatever bank
	// holidays fall in them): the decision log shows the standstill, and it
	// has ended when the framework is activated below.
	award := &frameworkv1.AwardFrameworkRequest{RequestId: "seed-nw-res-award", FrameworkId: id,
		Reason:            "Evaluation panel recommendation: every bid at or above the lot's quality threshold is admitted",
		NoticePublishedOn: time.Now().AddDate(0, 0, -21).Format(time.DateOnly)}
	thresholds := map[string]uint32{}
	for _, l := range demoTerms().GetLots() {
		thresholds[l.GetLotId()] = l.GetQualityThreshold()
	}
	byLot := map[string][]string{}
	for _, b := range demoBids {
		if b.quality >= thresholds[b.lot] {
			byLot[b.lot] = append(byLot[b.lot], b.provider)
		}
	}
	for _, l := range []string{"lot-1", "lot-2", "lot-3"} {
		award.Lots = append(award.Lots, &frameworkv1.LotAwardDecision{LotId: l, ProviderIds: byLot[l]})
	}
	if _, err := lead.AwardFramework(ctx, award); err != nil {
		return fmt.Errorf("award: %w", err)
	}
	if _, err := lead.ActivateFramework(ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: "seed-nw-res-activate", FrameworkId: id,
		Reason: "Standstill period ended without challenge; call-offs may start"}); err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	return s.seedOpenTender(ctx, lead)
}

// seedOpenTender opens a second framework for bids, closing in four weeks,
// so providers have a tender to bid on and amend.
func (s *seeder) seedOpenTender(ctx context.Context, lead frameworkv1.FrameworkServiceClient) error {
	terms := &frameworkv1.FrameworkTerms{
		Title:       "Greater Manchester Fostering Framework 2027-2031",
		Category:    frameworkv1.Category_CATEGORY_FOSTERING_STANDARD,
		Description: "Independent fostering agency placements for the ten Greater Manchester councils, so more children live with a family near home.",
		Lots: []*frameworkv1.LotTerms{
			{LotId: "lot-1", Name: "Fostering: standard placements", Description: "Foster families for children without complex needs, short and long term.",
				PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 80000, MaxWeeklyPence: 140000}, QualityThreshold: 60},
			{LotId: "lot-2", Name: "Fostering: parent and child", Description: "Foster families for a parent and their baby, with assessment.",
				PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 150000, MaxWeeklyPence: 280000}, QualityThreshold: 65},
		},
		MemberCouncils:         greaterManchester,
		TermStart:              "2027-04-01",
		TermEnd:                "2031-03-31",
		ExtensionOptionsMonths: []uint32{},
		QualityWeight:          60,
		PriceWeight:            40,
		QualityQuestions: []*frameworkv1.QualityQuestion{
			{QuestionId: "q-1", Text: "How do you recruit, assess and support your foster carers?", WordLimit: 750},
			{QuestionId: "q-2", Text: "How will you keep children with their brothers and sisters, and close to their schools?", WordLimit: 500},
			{QuestionId: "q-3", Text: "How do you find a family quickly when a child needs one the same day?"},
		},
	}
	drafted, err := lead.DraftFramework(ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "seed-nw-fostering-draft", Terms: terms})
	if err != nil {
		return fmt.Errorf("draft the fostering framework: %w", err)
	}
	if _, err := lead.OpenForBids(ctx, &frameworkv1.OpenForBidsRequest{RequestId: "seed-nw-fostering-open", FrameworkId: drafted.GetFrameworkId(),
		BidsCloseAt: timestamppb.New(time.Now().AddDate(0, 0, 28))}); err != nil {
		return fmt.Errorf("open the fostering framework for bids: %w", err)
	}
	return nil
}
