package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// The demand demo: each Greater Manchester council submits needs returns for
// three year ends, as its analyst would from its SSDA903 extract (counts
// only), with the year's transitions for forecasting. The children behind
// them are invented from a fixed seed, in roughly the national mix (about
// three quarters fostered).

var demoAsAt = []string{"2023-03-31", "2024-03-31", "2025-03-31"}

// demoMix is each placement group's share of children looked after.
var demoMix = []struct {
	group string
	share float64
}{
	{"fostering", 0.70}, {"residential", 0.11}, {"supported-16-plus", 0.07}, {"with-parents", 0.05},
	{"adoption", 0.03}, {"send-school", 0.01}, {"secure", 0.005}, {"temporary", 0.005}, {"other", 0.02},
}

func pick(rng *rand.Rand, weights []float64) int {
	x := rng.Float64()
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// demoReturn invents one council's return as at a date.
func demoReturn(rng *rand.Rand, children int, asAt string) *demandv1.SubmitNeedsReturnRequest {
	shares := make([]float64, len(demoMix))
	for i, m := range demoMix {
		shares[i] = m.share
	}
	ages := []string{"under 1", "1-4", "5-9", "10-15", "16+"}
	ageShare := []float64{0.05, 0.14, 0.18, 0.39, 0.24}
	legal := []string{"C2", "C1", "V2", "E1", "J2", "L1"}
	legalShare := []float64{0.72, 0.10, 0.12, 0.04, 0.01, 0.01}
	distance := []string{"0-5", "5-10", "10-20", "20-50", "50+", "unknown"}
	distanceShare := []float64{0.35, 0.2, 0.17, 0.13, 0.1, 0.05}
	needShare := []float64{0.65, 0.03, 0.02, 0.03, 0.11, 0.01, 0.01, 0.14}
	cells := map[string]*demandv1.NeedsCell{}
	stock := map[string]int{}
	for range children {
		g := demoMix[pick(rng, shares)].group
		age := ages[pick(rng, ageShare)]
		if g == "supported-16-plus" {
			age = "16+"
		}
		dist := distance[pick(rng, distanceShare)]
		area := "inside"
		switch dist {
		case "20-50", "50+":
			area = "outside"
		case "unknown":
			area = "unknown"
		}
		c := &demandv1.NeedsCell{PlacementGroup: g, AgeBand: age, Need: fmt.Sprintf("N%d", 1+pick(rng, needShare)),
			LegalStatus: legal[pick(rng, legalShare)], Area: area, DistanceBand: dist}
		k := strings.Join([]string{c.PlacementGroup, c.AgeBand, c.Need, c.LegalStatus, c.Area, c.DistanceBand}, "|")
		if cells[k] == nil {
			cells[k] = c
		}
		cells[k].Count++
		stock[g]++
	}
	end, _ := time.Parse("2006-01-02", asAt)
	t := &demandv1.Transitions{From: end.AddDate(-1, 0, 0).Format("2006-01-02"), To: asAt,
		Entries: map[string]uint32{}, Exits: map[string]uint32{}, Stayed: map[string]uint32{}}
	for _, m := range demoMix {
		n := stock[m.group]
		if n == 0 {
			continue
		}
		// Few fostered children move on to another kind of placement in a
		// year; more move from the others into foster care.
		exits, moves := n*30/100, n*8/100
		if m.group == "fostering" {
			moves = n * 15 / 1000
		}
		t.Entries[m.group] = uint32(n * 31 / 100)
		t.Exits[m.group] = uint32(exits)
		t.Stayed[m.group] = uint32(n - exits - moves)
		if moves > 0 {
			to := "fostering"
			if m.group == "fostering" {
				to = "residential"
			}
			t.Moves = append(t.Moves, &demandv1.Move{From: m.group, To: to, Count: uint32(moves)})
		}
	}
	req := &demandv1.SubmitNeedsReturnRequest{AsAt: asAt, Transitions: t, Source: "ssda903-import"}
	for _, m := range demoMix {
		for k, c := range cells {
			if strings.HasPrefix(k, m.group+"|") {
				req.Cells = append(req.Cells, c)
			}
		}
	}
	return req
}

// seedDemandIfEmpty submits the councils' returns unless Manchester has one.
// minPosition is the store's position after the purchasing seed, so that the
// demand service knows the consortium (from purchasing's DPS) before it answers.
func seedDemandIfEmpty(ctx context.Context, addr string, key ed25519.PrivateKey, minPosition uint64) (bool, error) {
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	client := func(org, role string) (demandv1.DemandServiceClient, error) {
		tok, err := auth.IssueToken(key, auth.Principal{Subject: role + "@" + org, Organisation: org, Roles: []string{role}}, time.Hour)
		if err != nil {
			return nil, err
		}
		conn, err := grpcserver.NewClient(addr, tok)
		if err != nil {
			return nil, err
		}
		conns = append(conns, conn)
		return demandv1.NewDemandServiceClient(conn), nil
	}
	manchester, err := client(auth.CouncilOrg("352"), auth.CouncilAnalyst)
	if err != nil {
		return false, err
	}
	have, err := manchester.GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: demoConsortium, Dimensions: []string{"placement_group"}, MinPosition: minPosition})
	if err != nil {
		return false, err
	}
	if have.GetOwnTable().GetTotal().GetCount() > 0 {
		return false, nil
	}
	rng := rand.New(rand.NewPCG(903, 2025))
	sizes := map[string]int{"350": 640, "351": 380, "352": 1390, "353": 560, "354": 600, "355": 720, "356": 430, "357": 520, "358": 390, "359": 610}
	for _, la := range greaterManchester {
		analyst, err := client(auth.CouncilOrg(la), auth.CouncilAnalyst)
		if err != nil {
			return false, err
		}
		for i, asAt := range demoAsAt {
			req := demoReturn(rng, sizes[la]*(100+3*i)/100, asAt)
			req.RequestId = "seed-return-" + la + "-" + asAt
			if _, err := analyst.SubmitNeedsReturn(ctx, req); err != nil {
				return false, fmt.Errorf("needs return of %s as at %s: %w", la, asAt, err)
			}
		}
	}
	return true, nil
}
