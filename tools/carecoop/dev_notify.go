package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"time"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// The dev stack's notifications go to the outbox (the portal's
// /dev/outbox), never to anyone. Its contacts are the demo people: each
// council's commissioner and the two consortia's leads, added by their admins
// as a real council would, and each provider's registered referrals
// contact linked to the demo responder's sign-in, so signing in as any of
// them shows their own notifications.

// devSubject is the sign-in subject the portal gives a demo person
// (services/portal/web/signin.go).
func devSubject(role, org string) string { return "demo:" + role + "@" + org }

func notifyClient(addr string, key ed25519.PrivateKey, org, role string) (notifyv1.NotifyServiceClient, func(), error) {
	tok, err := auth.IssueToken(key, auth.Principal{Subject: "carecoop-dev", Organisation: org, Roles: []string{role}}, 10*time.Minute)
	if err != nil {
		return nil, nil, err
	}
	c, err := grpcserver.NewClient(addr, tok)
	if err != nil {
		return nil, nil, err
	}
	return notifyv1.NewNotifyServiceClient(c), func() { c.Close() }, nil
}

// seedNotifyContacts adds the councils' and the lead's contacts (before
// the demo referrals, so their offers are notified); a retried request id
// changes nothing, so every start may run it.
func seedNotifyContacts(ctx context.Context, addr string, key ed25519.PrivateKey) error {
	type person struct{ org, role, name, email string }
	people := []person{
		{auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead, "Lead of the north-west consortium", "lead@" + demoConsortium + ".consortium.example"},
		{auth.ConsortiumOrg(secondConsortium), auth.ConsortiumLead, "Lead of the Yorkshire and the Humber consortium", "lead@" + secondConsortium + ".consortium.example"},
	}
	for _, c := range councilNames {
		people = append(people, person{auth.CouncilOrg(c.code), auth.CouncilCommissioner, "Commissioner, " + c.name, "commissioner@" + c.code + ".council.example"})
	}
	for _, p := range people {
		n, done, err := notifyClient(addr, key, p.org, p.role)
		if err != nil {
			return err
		}
		_, err = n.SetContact(ctx, &notifyv1.SetContactRequest{RequestId: "dev-contact-" + p.role, Name: p.name, Email: p.email, Roles: []string{p.role}, Subject: devSubject(p.role, p.org)})
		done()
		if err != nil {
			return fmt.Errorf("notify contact of %s: %w", p.org, err)
		}
	}
	return nil
}

// linkProviderResponders gives each registered provider's referrals
// contact (notify reads it from the provider's profile) the demo
// responder's sign-in, as the provider's admin would.
func linkProviderResponders(ctx context.Context, notifyAddr, purchasingAddr string, key ed25519.PrivateKey) error {
	pu, done, err := notifyPurchasingClient(purchasingAddr, key)
	if err != nil {
		return err
	}
	defer done()
	platform, donePlatform, err := notifyClient(notifyAddr, key, auth.OrgPlatform, auth.PlatformAdmin)
	if err != nil {
		return err
	}
	defer donePlatform()
	for token := ""; ; {
		res, err := pu.ListProviders(ctx, &purchasingv1.ListProvidersRequest{PageSize: 500, PageToken: token})
		if err != nil {
			return err
		}
		for _, p := range res.GetProviders() {
			org := auth.ProviderOrg(p.GetProviderId())
			cs, err := platform.ListContacts(ctx, &notifyv1.ListContactsRequest{Organisation: org, MinPosition: res.GetPosition()})
			if err != nil {
				return fmt.Errorf("notify contacts of %s: %w", org, err)
			}
			for _, c := range cs.GetContacts() {
				if !slices.Contains(c.GetRoles(), auth.ProviderResponder) {
					continue
				}
				_, err = platform.SetContact(ctx, &notifyv1.SetContactRequest{RequestId: "dev-responder-" + p.GetProviderId()[:min(len(p.GetProviderId()), 40)], Organisation: org,
					Name: c.GetName(), Email: c.GetEmail(), Roles: c.GetRoles(), Subject: devSubject(auth.ProviderResponder, org)})
				if err != nil {
					return fmt.Errorf("notify contact of %s: %w", org, err)
				}
				break
			}
		}
		if token = res.GetNextPageToken(); token == "" {
			return nil
		}
	}
}

func notifyPurchasingClient(addr string, key ed25519.PrivateKey) (purchasingv1.PurchasingServiceClient, func(), error) {
	tok, err := auth.IssueToken(key, auth.Principal{Subject: "carecoop-dev", Organisation: auth.OrgPlatform, Roles: []string{auth.PlatformAdmin}}, 10*time.Minute)
	if err != nil {
		return nil, nil, err
	}
	c, err := grpcserver.NewClient(addr, tok)
	if err != nil {
		return nil, nil, err
	}
	return purchasingv1.NewPurchasingServiceClient(c), func() { c.Close() }, nil
}
