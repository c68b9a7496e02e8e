package ocds

import (
	"context"
	"fmt"
	"strings"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// Input is what the feed is built from: the services' read APIs' answers,
// as a caller who may read every consortium (the platform's auditor) gets
// them. It holds more than is published; Build reads only the fields it
// names.
type Input struct {
	Frameworks []FrameworkInput
	Dps        []DpsInput
	Placements []PlacementInput
}

// FrameworkInput is one framework with its decision log and price uplifts.
type FrameworkInput struct {
	Framework *frameworkv1.Framework
	Decisions []*frameworkv1.Decision
	Uplifts   []*frameworkv1.PriceUplift
}

// DpsInput is one DPS with its decision log.
type DpsInput struct {
	Dps       *purchasingv1.DpsView
	Decisions []*purchasingv1.Decision
}

// PlacementInput is one placement with its referral's decision log (only
// the award's position and time are read from it).
type PlacementInput struct {
	Placement *purchasingv1.Placement
	Decisions []*purchasingv1.Decision
}

// Fetch reads the Input through the services' gRPC APIs; ctx carries the
// caller's token. A draft framework or DPS is fetched but never published.
func Fetch(ctx context.Context, fw frameworkv1.FrameworkServiceClient, pu purchasingv1.PurchasingServiceClient) (*Input, error) {
	in := &Input{}
	fws, err := fw.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{})
	if err != nil {
		return nil, fmt.Errorf("list frameworks: %w", err)
	}
	for _, f := range fws.GetFrameworks() {
		if f.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT {
			continue
		}
		log, err := fw.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: f.GetFrameworkId()})
		if err != nil {
			return nil, fmt.Errorf("decision log of %s: %w", f.GetFrameworkId(), err)
		}
		ups, err := fw.ListPriceUplifts(ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: f.GetFrameworkId()})
		if err != nil {
			return nil, fmt.Errorf("price uplifts of %s: %w", f.GetFrameworkId(), err)
		}
		in.Frameworks = append(in.Frameworks, FrameworkInput{Framework: f, Decisions: log.GetDecisions(), Uplifts: ups.GetUplifts()})
	}
	dpss, err := pu.ListDps(ctx, &purchasingv1.ListDpsRequest{})
	if err != nil {
		return nil, fmt.Errorf("list DPSs: %w", err)
	}
	for _, d := range dpss.GetDps() {
		if d.GetStatus() == purchasingv1.DpsStatus_DPS_STATUS_DRAFT {
			continue
		}
		view, err := pu.GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: d.GetDpsId()})
		if err != nil {
			return nil, fmt.Errorf("DPS %s: %w", d.GetDpsId(), err)
		}
		log, err := pu.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: d.GetDpsId()})
		if err != nil {
			return nil, fmt.Errorf("decision log of %s: %w", d.GetDpsId(), err)
		}
		in.Dps = append(in.Dps, DpsInput{Dps: view, Decisions: log.GetDecisions()})
	}
	pls, err := pu.ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{})
	if err != nil {
		return nil, fmt.Errorf("list placements: %w", err)
	}
	for _, p := range pls.GetPlacements() {
		if !strings.HasPrefix(p.GetReferralId(), "ref-") {
			continue
		}
		log, err := pu.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: p.GetReferralId()})
		if err != nil {
			return nil, fmt.Errorf("decision log of %s: %w", p.GetReferralId(), err)
		}
		in.Placements = append(in.Placements, PlacementInput{Placement: p, Decisions: log.GetDecisions()})
	}
	return in, nil
}

// Reader is the identity the feed reads the services as: the platform's
// auditor, the least-privileged role that reads every consortium's
// frameworks, DPSs, placements and decision logs. What it reads is more
// than the public may see; Build publishes only its whitelist.
var Reader = auth.Principal{Subject: "ocds-feed", Organisation: auth.OrgPlatform, Roles: []string{auth.Auditor}}
