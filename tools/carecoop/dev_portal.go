package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/web"
)

// councilNames name the demo consortium's member councils (greaterManchester).
var councilNames = []struct{ code, name string }{
	{"350", "Bolton"}, {"351", "Bury"}, {"352", "Manchester"}, {"353", "Oldham"}, {"354", "Rochdale"},
	{"355", "Salford"}, {"356", "Stockport"}, {"357", "Tameside"}, {"358", "Trafford"}, {"359", "Wigan"},
}

// devPeople are the people the dev portal's sign-in page lists: the
// north-west lead, each member council's commissioner, analyst and viewer,
// each registered provider's admin and responder (read from purchasing as
// the platform), the platform admin and an auditor.
func devPeople(ctx context.Context, key ed25519.PrivateKey, purchasingAddr string) ([]web.Person, error) {
	people := []web.Person{
		{Name: "Lead of the north-west consortium", Organisation: auth.ConsortiumOrg(demoConsortium), Role: auth.ConsortiumLead, Group: "Consortium"},
		{Name: "Lead of the Yorkshire and the Humber consortium", Organisation: auth.ConsortiumOrg(secondConsortium), Role: auth.ConsortiumLead, Group: "Consortium"},
	}
	for _, c := range councilNames {
		for _, r := range []struct{ role, title string }{
			{auth.CouncilCommissioner, "Commissioner"}, {auth.CouncilAnalyst, "Analyst"}, {auth.CouncilViewer, "Viewer"},
		} {
			people = append(people, web.Person{Name: r.title + ", " + c.name + " (" + c.code + ")", Organisation: auth.CouncilOrg(c.code), Role: r.role, Group: "Councils"})
		}
	}
	tok, err := auth.IssueToken(key, auth.Principal{Subject: "carecoop-dev", Organisation: auth.OrgPlatform, Roles: []string{auth.PlatformAdmin}}, time.Minute)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(purchasingAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	pu := purchasingv1.NewPurchasingServiceClient(conn)
	for token := ""; ; {
		res, err := pu.ListProviders(ctx, &purchasingv1.ListProvidersRequest{PageSize: 500, PageToken: token})
		if err != nil {
			return nil, fmt.Errorf("listing providers for the sign-in page: %w", err)
		}
		for _, p := range res.GetProviders() {
			name := p.GetTradingName()
			if name == "" {
				name = p.GetLegalName()
			}
			people = append(people,
				web.Person{Name: "Admin, " + name, Organisation: auth.ProviderOrg(p.GetProviderId()), Role: auth.ProviderAdmin, Group: "Providers"},
				web.Person{Name: "Responder, " + name, Organisation: auth.ProviderOrg(p.GetProviderId()), Role: auth.ProviderResponder, Group: "Providers"})
		}
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	return append(people,
		// A provider that has not registered yet: its admin starts at registration.
		web.Person{Name: "Admin, Little Oaks Care (not yet registered)", Organisation: auth.ProviderOrg("little-oaks-care"), Role: auth.ProviderAdmin, Group: "Providers"},
		web.Person{Name: "Platform admin", Organisation: auth.OrgPlatform, Role: auth.PlatformAdmin, Group: "Platform"},
		web.Person{Name: "Auditor", Organisation: auth.OrgPlatform, Role: auth.Auditor, Group: "Platform"}), nil
}
