package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// seedBlockIfEmpty seeds the block-contract demo unless the consortium's
// lead already sees a contract: Wigan reserves, as a soft block, one place
// at a home its open seeded residential referral ranked below the first;
// the provider accepts; a new referral from Wigan with the same need is
// offered that place first. (Wigan, so the README's Manchester referral
// keeps its ranks; an open referral, as a closed one keeps no matches.) minPosition is a position the purchasing
// demo is at or before.
func seedBlockIfEmpty(ctx context.Context, addr string, key ed25519.PrivateKey, minPosition uint64) error {
	s := &purchasingSeeder{key: key, addr: addr, clients: map[string]purchasingv1.PurchasingServiceClient{}}
	defer s.close()
	blk := func(org, role string) (purchasingv1.BlockContractServiceClient, error) {
		tok, err := auth.IssueToken(key, auth.Principal{Subject: role + "@" + org, Organisation: org, Roles: []string{role}}, time.Hour)
		if err != nil {
			return nil, err
		}
		conn, err := grpcserver.NewClient(addr, tok)
		if err != nil {
			return nil, err
		}
		s.conns = append(s.conns, conn)
		return purchasingv1.NewBlockContractServiceClient(conn), nil
	}
	lead, err := blk(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return err
	}
	existing, err := lead.ListBlockContracts(ctx, &purchasingv1.ListBlockContractsRequest{MinPosition: minPosition})
	if err != nil {
		return err
	}
	if len(existing.GetContracts()) > 0 {
		return nil
	}
	const la = "359"
	council, err := s.as(auth.CouncilOrg(la), auth.CouncilCommissioner)
	if err != nil {
		return err
	}
	// Lists come a page at a time, newest first, without matches: the
	// oldest residential referral with two matches is read whole.
	var model *purchasingv1.ReferralView
	req := &purchasingv1.ListReferralsRequest{MinPosition: minPosition, PageSize: 1000}
	for {
		refs, err := council.ListReferrals(ctx, req)
		if err != nil {
			return err
		}
		for _, r := range refs.GetReferrals() {
			if r.GetNeed().GetCategoryId() != "residential" {
				continue
			}
			whole, err := council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: r.GetReferralId(), MinPosition: minPosition})
			if err != nil {
				return err
			}
			if len(whole.GetMatches()) >= 2 {
				model = whole
			}
		}
		if req.PageToken = refs.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if model == nil {
		return fmt.Errorf("block contract demo: Wigan has no residential referral matched to a home it did not award")
	}
	awarded := map[string]bool{}
	for _, o := range model.GetOffers() {
		awarded[o.GetSettingUrn()] = o.GetStatus() == purchasingv1.OfferStatus_OFFER_STATUS_ACCEPTED
	}
	var second *purchasingv1.MatchedSetting
	for _, m := range model.GetMatches()[1:] {
		if !awarded[m.GetSettingUrn()] {
			second = m
			break
		}
	}
	if second == nil {
		return fmt.Errorf("block contract demo: Wigan has no residential referral matched to a home it did not award")
	}
	today := time.Now()
	buyer, err := blk(auth.CouncilOrg(la), auth.CouncilCommissioner)
	if err != nil {
		return err
	}
	res, err := buyer.ReserveCapacity(ctx, &purchasingv1.ReserveCapacityRequest{RequestId: "seed-block-359", ProviderId: second.GetProviderId(),
		Settings: []*purchasingv1.ReservedSetting{{Urn: second.GetSettingUrn(), Places: 1}}, StartsOn: today.Format(time.DateOnly),
		EndsOn: today.AddDate(1, 0, -1).Format(time.DateOnly), WeeklyPricePence: 520000, Kind: purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK,
		Consortium: demoConsortium, Note: "A year's trial of a place held first for Wigan's children"})
	if err != nil {
		return fmt.Errorf("block contract demo: reserve: %w", err)
	}
	provider, err := blk(auth.ProviderOrg(second.GetProviderId()), auth.ProviderAdmin)
	if err != nil {
		return err
	}
	if _, err := provider.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "seed-block-359-accept", ContractId: res.GetId(),
		Reason: "We can hold a place at this home for Wigan"}); err != nil {
		return fmt.Errorf("block contract demo: accept: %w", err)
	}
	need := proto.Clone(model.GetNeed()).(*purchasingv1.Need)
	if start := today.AddDate(0, 0, 7).Format(time.DateOnly); need.GetStartBy() < start {
		need.StartBy = start
	}
	ref, err := council.CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "seed-referral-block", DpsId: model.GetDpsId(), Need: need})
	if err != nil {
		return fmt.Errorf("block contract demo: referral: %w", err)
	}
	view, err := council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref.GetId(), MinPosition: ref.GetPosition()})
	if err != nil {
		return err
	}
	if m := view.GetMatches(); len(m) == 0 || m[0].GetSettingUrn() != second.GetSettingUrn() {
		return fmt.Errorf("block contract demo: the reserved place %s was not offered first", second.GetSettingUrn())
	}
	return nil
}
