package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// agrSeedWait bounds the wait for purchasing's reaction to draw the
// seeded award's agreement.
const agrSeedWait = 30 * time.Second

// seedAgreementIfEmpty has both sides accept the agreement of the first
// seeded award, unless an agreement is already in force: the council's
// commissioner, then the provider's admin. The agreement is drawn by a
// reaction to the award, so it waits for it first.
func seedAgreementIfEmpty(ctx context.Context, addr string, key ed25519.PrivateKey) error {
	var conns []*grpc.ClientConn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	dial := func(org, role string) (*grpc.ClientConn, error) {
		tok, err := auth.IssueToken(key, auth.Principal{Subject: role + "@" + org, Organisation: org, Roles: []string{role}}, time.Hour)
		if err != nil {
			return nil, err
		}
		conn, err := grpcserver.NewClient(addr, tok)
		if err == nil {
			conns = append(conns, conn)
		}
		return conn, err
	}
	leadConn, err := dial(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return err
	}
	lead := purchasingv1.NewAgreementServiceClient(leadConn)
	existing, err := lead.ListAgreements(ctx, &purchasingv1.ListAgreementsRequest{})
	if err != nil {
		return err
	}
	for _, a := range existing.GetAgreements() {
		if a.GetVersionInForce() > 0 {
			return nil
		}
	}
	pls, err := purchasingv1.NewPurchasingServiceClient(leadConn).ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{})
	if err != nil {
		return err
	}
	if len(pls.GetPlacements()) == 0 {
		return nil
	}
	pl := pls.GetPlacements()[0]
	councilConn, err := dial(auth.CouncilOrg(pl.GetCouncil()), auth.CouncilCommissioner)
	if err != nil {
		return err
	}
	providerConn, err := dial(auth.ProviderOrg(pl.GetProviderId()), auth.ProviderAdmin)
	if err != nil {
		return err
	}
	council, provider := purchasingv1.NewAgreementServiceClient(councilConn), purchasingv1.NewAgreementServiceClient(providerConn)
	id := "agr-" + strings.TrimPrefix(pl.GetPlacementId(), "pl-")
	v, err := agrSeedAwait(ctx, council, id)
	if err != nil {
		return err
	}
	drawn := v.GetVersions()[0]
	for _, side := range []struct {
		who string
		c   purchasingv1.AgreementServiceClient
	}{{"council", council}, {"provider", provider}} {
		who, c := side.who, side.c
		if _, err := c.AcceptAgreement(ctx, &purchasingv1.AcceptAgreementRequest{RequestId: "seed-agreement-accept-" + who, AgreementId: id,
			Version: drawn.GetTerms().GetVersion(), Digest: drawn.GetDigest()}); err != nil {
			return fmt.Errorf("the %s accepting agreement %s: %w", who, id, err)
		}
	}
	return nil
}

// agrSeedAwait polls until the agreement has been drawn.
func agrSeedAwait(ctx context.Context, c purchasingv1.AgreementServiceClient, id string) (*purchasingv1.AgreementView, error) {
	deadline := time.Now().Add(agrSeedWait)
	for {
		v, err := c.GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id})
		if err == nil {
			return v, nil
		}
		if status.Code(err) != codes.NotFound || time.Now().After(deadline) {
			return nil, fmt.Errorf("waiting for agreement %s to be drawn: %w", id, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
