package server_test

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/prototext"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
	"github.com/carecoop/carecoop/services/purchasing/grpcapi"
)

// Agreements over real gRPC: an award in the market draws an agreement (the
// reaction runs in the background, so the test polls for it), both parties
// accept it, a variation follows; every RPC with its own organisation,
// another (NOT_FOUND), a wrong role (PERMISSION_DENIED) and malformed input.

// agrAs is AgreementService as one person.
func (h *harness) agrAs(subject, org, role string) purchasingv1.AgreementServiceClient {
	h.t.Helper()
	return purchasingv1.NewAgreementServiceClient(h.Dial(h.svc.Addr.String(), h.Token(subject, org, role)))
}

func (h *harness) agrCouncil(la string) purchasingv1.AgreementServiceClient {
	return h.agrAs("commissioner."+la, auth.CouncilOrg(la), auth.CouncilCommissioner)
}

func (h *harness) agrAdmin(provider string) purchasingv1.AgreementServiceClient {
	return h.agrAs("admin."+provider, auth.ProviderOrg(provider), auth.ProviderAdmin)
}

func (h *harness) agrLead() purchasingv1.AgreementServiceClient {
	return h.agrAs("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
}

// agrAward makes the market, a referral from council 352, an offer by
// Northern Lights at Fallowfield House from 1 December at £4,500 a week and
// its award; it returns the placement id and the agreement once drawn.
func (h *harness) agrAward() (string, *purchasingv1.AgreementView) {
	h.t.Helper()
	dpsID := h.market()
	refID := h.refer(dpsID, "refer-agr-1", standardNeed()).GetId()
	off := h.offer(provA, refID, fallowfield, 450000, "2026-12-01")
	awarded := must(h.council("352").AwardPlacement(h.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-agr-1", ReferralId: refID,
		OfferId: off.GetOfferId(), Reason: "Nearest to school; meets every need"})).OK(h.t)
	return awarded.GetPlacementId(), h.agrWait(domain.AgreementIDFor(awarded.GetPlacementId()))
}

// agrWait polls until the reaction has drawn the agreement.
func (h *harness) agrWait(id string) *purchasingv1.AgreementView {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, err := h.agrCouncil("352").GetAgreement(h.Ctx, &purchasingv1.GetAgreementRequest{AgreementId: id, MinPosition: h.LastPosition()})
		if err == nil {
			return v
		}
		servicetest.WantCode(h.t, err, codes.NotFound)
		if time.Now().After(deadline) {
			h.t.Fatalf("agreement %s was not drawn", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func agrAccept(id string, v *purchasingv1.AgreementView, reqID string) *purchasingv1.AcceptAgreementRequest {
	last := v.GetVersions()[len(v.GetVersions())-1]
	return &purchasingv1.AcceptAgreementRequest{RequestId: reqID, AgreementId: id, Version: last.GetTerms().GetVersion(), Digest: last.GetDigest()}
}

func TestAgreementIsDrawnOnAwardAndLockedOnceBothPartiesAccept(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	placement, v := h.agrAward()
	id := v.GetAgreementId()
	terms := v.GetVersions()[0].GetTerms()
	if v.GetStatus() != purchasingv1.AgreementStatus_AGREEMENT_STATUS_AWAITING_ACCEPTANCE || v.GetVersionAwaiting() != 1 || v.GetVersionInForce() != 0 {
		t.Fatalf("drawn agreement: %s, awaiting %d, in force %d", v.GetStatus(), v.GetVersionAwaiting(), v.GetVersionInForce())
	}
	if terms.GetPlacementId() != placement || terms.GetCouncil() != "352" || terms.GetProviderId() != provA || terms.GetProviderName() != "Northern Lights" ||
		terms.GetSettingName() != "Fallowfield House" || terms.GetStartDate() != "2026-12-01" || len(terms.GetPrices()) != 1 ||
		terms.GetPrices()[0].GetWeeklyPricePence() != 450000 || terms.GetDpsTitle() != dpsTerms().GetTitle() ||
		terms.GetCategoryName() != "Residential children's homes" || !strings.Contains(terms.GetPriceIncludes(), "school transport") {
		t.Fatalf("terms drawn: %v", terms)
	}
	if d := v.GetVersions()[0].GetDigest(); d != domain.AgreementDigest(terms) {
		t.Fatalf("digest %s is not the terms' (%s)", d, domain.AgreementDigest(terms))
	}
	// Nothing about the child: not its needs, nor the council's words.
	text := prototext.Format(v)
	for _, word := range []string{"missing_from_care", "emotional_behavioural", "south Manchester", "Nearest to school", "M14"} {
		if strings.Contains(text, word) {
			t.Errorf("the agreement carries %q from the referral", word)
		}
	}

	// Who reads it: the parties and the lead; nobody else.
	must(h.agrAdmin(provA).GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id})).OK(t)
	must(h.agrLead().GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id})).OK(t)
	for _, c := range []purchasingv1.AgreementServiceClient{h.agrCouncil("353"), h.agrAdmin(provB),
		h.agrAs("ben.hartley", auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead)} {
		_, err := c.GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id})
		servicetest.WantCode(t, err, codes.NotFound)
		if l := must(c.ListAgreements(ctx, &purchasingv1.ListAgreementsRequest{})).OK(t); len(l.GetAgreements()) != 0 {
			t.Errorf("another organisation lists %d agreements", len(l.GetAgreements()))
		}
	}
	analyst := h.agrAs("analyst.352", auth.CouncilOrg("352"), auth.CouncilAnalyst)
	_, err := analyst.GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = analyst.ListAgreements(ctx, &purchasingv1.ListAgreementsRequest{})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.agrCouncil("352").GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: "AGR 1"})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	for _, c := range []purchasingv1.AgreementServiceClient{h.agrCouncil("352"), h.agrAdmin(provA), h.agrLead()} {
		if l := must(c.ListAgreements(ctx, &purchasingv1.ListAgreementsRequest{})).OK(t); len(l.GetAgreements()) != 1 || l.GetAgreements()[0].GetAgreementId() != id {
			t.Errorf("a party or the lead lists %v", l.GetAgreements())
		}
	}

	// Accepting: the wrong role, another organisation, malformed input.
	responder := h.agrAs("referrals."+provA, auth.ProviderOrg(provA), auth.ProviderResponder)
	_, err = responder.AcceptAgreement(ctx, agrAccept(id, v, "accept-responder"))
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.agrCouncil("353").AcceptAgreement(ctx, agrAccept(id, v, "accept-353"))
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.agrAdmin(provB).AcceptAgreement(ctx, agrAccept(id, v, "accept-provb"))
	servicetest.WantCode(t, err, codes.NotFound)
	bad := agrAccept(id, v, "accept-bad")
	bad.Version, bad.Digest = 0, "not-a-digest"
	_, err = h.agrCouncil("352").AcceptAgreement(ctx, bad)
	servicetest.WantCode(t, err, codes.InvalidArgument)
	if got := servicetest.FieldViolations(t, err); strings.Join(got, ",") != "version,digest" && strings.Join(got, ",") != "digest,version" {
		t.Errorf("violations %v, want version and digest", got)
	}
	stale := agrAccept(id, v, "accept-stale-digest")
	stale.Digest = strings.Repeat("a", 64)
	_, err = h.agrCouncil("352").AcceptAgreement(ctx, stale)
	servicetest.WantRule(t, err, domain.RuleAgreementDigest)

	// The council accepts, then the provider: locked.
	h.Clock.Advance(time.Hour)
	acceptedAt := h.Clock.Now()
	res := must(h.agrCouncil("352").AcceptAgreement(ctx, agrAccept(id, v, "accept-352-v1"))).OK(t)
	if res.GetLocked() || res.GetVersion() != 1 || res.GetAgreementId() != id {
		t.Fatalf("first acceptance answered %v", res)
	}
	_, err = h.agrCouncil("352").AcceptAgreement(ctx, agrAccept(id, v, "accept-352-v1-again"))
	servicetest.WantRule(t, err, domain.RuleAgreementAlreadyAccepted)
	res = must(h.agrAdmin(provA).AcceptAgreement(ctx, agrAccept(id, v, "accept-provider-v1"))).OK(t)
	if !res.GetLocked() {
		t.Fatalf("the second acceptance did not lock: %v", res)
	}
	_, err = h.agrAdmin(provA).AcceptAgreement(ctx, agrAccept(id, v, "accept-provider-v1-again"))
	servicetest.WantRule(t, err, domain.RuleAgreementLocked)
	v = must(h.agrLead().GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id, MinPosition: res.GetPosition()})).OK(t)
	accs := v.GetVersions()[0].GetAcceptances()
	if v.GetStatus() != purchasingv1.AgreementStatus_AGREEMENT_STATUS_IN_FORCE || len(accs) != 2 || accs[0].GetSubject() != "commissioner.352" ||
		accs[0].GetRole() != auth.CouncilCommissioner || !accs[0].GetAcceptedAt().AsTime().Equal(acceptedAt) || accs[1].GetSubject() != "admin."+provA {
		t.Fatalf("in force: %s with acceptances %v", v.GetStatus(), accs)
	}

	// A variation: the provider proposes an uplift; until both accept, version 1 stands.
	vary := &purchasingv1.ProposeVariationRequest{RequestId: "vary-uplift", AgreementId: id, NewWeeklyPricePence: 470000, PriceFrom: "2027-04-05",
		Reason: "Annual uplift agreed with the consortium"}
	_, err = h.agrAs("viewer.352", auth.CouncilOrg("352"), auth.CouncilViewer).ProposeVariation(ctx, vary)
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.agrAdmin(provB).ProposeVariation(ctx, vary)
	servicetest.WantCode(t, err, codes.NotFound)
	malformed := &purchasingv1.ProposeVariationRequest{RequestId: "vary-bad", AgreementId: id, NewWeeklyPricePence: 470000, PriceFrom: "2027-02-30", Reason: "x"}
	_, err = h.agrAdmin(provA).ProposeVariation(ctx, malformed)
	servicetest.WantCode(t, err, codes.InvalidArgument)
	res = must(h.agrAdmin(provA).ProposeVariation(ctx, vary)).OK(t)
	if res.GetVersion() != 2 {
		t.Fatalf("variation answered %v", res)
	}
	v = must(h.agrCouncil("352").GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id, MinPosition: res.GetPosition()})).OK(t)
	if v.GetStatus() != purchasingv1.AgreementStatus_AGREEMENT_STATUS_VARIATION_PROPOSED || v.GetVersionInForce() != 1 || len(v.GetCostSchedule()) != 1 {
		t.Fatalf("with a variation proposed: %s, in force %d, schedule %v", v.GetStatus(), v.GetVersionInForce(), v.GetCostSchedule())
	}
	must(h.agrCouncil("352").AcceptAgreement(ctx, agrAccept(id, v, "accept-352-v2"))).OK(t)
	res = must(h.agrAdmin(provA).AcceptAgreement(ctx, agrAccept(id, v, "accept-provider-v2"))).OK(t)
	v = must(h.agrCouncil("352").GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id, MinPosition: res.GetPosition()})).OK(t)
	if !res.GetLocked() || v.GetVersionInForce() != 2 || len(v.GetCostSchedule()) != 2 || v.GetCostSchedule()[0].GetToDate() != "2027-04-04" {
		t.Fatalf("after both accept the variation: in force %d, schedule %v", v.GetVersionInForce(), v.GetCostSchedule())
	}
}

func TestARedeliveredAwardDrawsOneAgreement(t *testing.T) {
	h := newHarness(t)
	placement, v := h.agrAward()
	events, err := h.store.ReadStream(h.Ctx, eventstore.StreamID{Context: "purchasing", Aggregate: "referral", ID: "ref-" + strings.TrimPrefix(placement, "pl-")})
	if err != nil {
		t.Fatal(err)
	}
	var award eventstore.RecordedEvent
	for _, e := range events {
		if _, ok := e.Event.(*purchasingv1.PlacementAwarded); ok {
			award = e
		}
	}
	if err := h.svc.Agreements.React(h.Ctx, award); err != nil {
		t.Fatal(err)
	}
	stream, err := h.store.ReadStream(h.Ctx, eventstore.StreamID{Context: "purchasing", Aggregate: "agreement", ID: v.GetAgreementId()})
	if err != nil {
		t.Fatal(err)
	}
	if len(stream) != 1 || stream[0].CausationID != award.EventID {
		t.Fatalf("agreement stream holds %d events (first caused by %q), want the one drawn by %s", len(stream), stream[0].CausationID, award.EventID)
	}
}

// agrPdfObjects checks the file's structure as a reader would: the header,
// the cross-reference table that startxref points to, and each object where
// the table says it starts. It returns the number of objects.
func agrPdfObjects(t *testing.T, pdf []byte) int {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatalf("not a PDF: starts %q", pdf[:min(len(pdf), 16)])
	}
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	at, _ := strconv.Atoi(string(m[1]))
	xref := pdf[at:]
	if !bytes.HasPrefix(xref, []byte("xref")) {
		t.Fatalf("startxref %d does not point at the cross-reference table", at)
	}
	hdr := regexp.MustCompile(`^xref\s+0 (\d+)\s+`).FindSubmatch(xref)
	if hdr == nil {
		t.Fatal("malformed cross-reference table")
	}
	n, _ := strconv.Atoi(string(hdr[1]))
	entries := regexp.MustCompile(`(\d{10}) (\d{5}) ([nf])`).FindAllSubmatch(xref, n)
	if len(entries) != n {
		t.Fatalf("%d cross-reference entries, want %d", len(entries), n)
	}
	for obj, e := range entries {
		if string(e[3]) != "n" {
			continue
		}
		off, _ := strconv.Atoi(string(e[1]))
		if want := strconv.Itoa(obj) + " 0 obj"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Fatalf("object %d is not at offset %d", obj, off)
		}
	}
	return n
}

func TestAgreementPdfIsAPdfCarryingTheDigest(t *testing.T) {
	h := newHarness(t)
	_, v := h.agrAward()
	id := v.GetAgreementId()
	must(h.agrCouncil("352").AcceptAgreement(h.Ctx, agrAccept(id, v, "accept-352-pdf"))).OK(t)
	pdf := must(h.agrAdmin(provA).GetAgreementPdf(h.Ctx, &purchasingv1.GetAgreementPdfRequest{AgreementId: id, MinPosition: h.LastPosition()})).OK(t)
	digest := v.GetVersions()[0].GetDigest()
	if pdf.GetDigest() != digest || pdf.GetVersion() != 1 || pdf.GetFilename() != id+"-v1.pdf" {
		t.Fatalf("pdf answer: %s v%d %s", pdf.GetFilename(), pdf.GetVersion(), pdf.GetDigest())
	}
	if n := agrPdfObjects(t, pdf.GetPdf()); n < 5 {
		t.Fatalf("%d objects", n)
	}
	for _, want := range []string{digest, "carecoop", "Northern Lights", "Fallowfield House", "commissioner.352", "Not yet accepted", "4,500.00 a week"} {
		if !bytes.Contains(pdf.GetPdf(), []byte(want)) {
			t.Errorf("the PDF does not carry %q", want)
		}
	}
	_, err := h.agrAdmin(provB).GetAgreementPdf(h.Ctx, &purchasingv1.GetAgreementPdfRequest{AgreementId: id})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.agrAs("analyst.352", auth.CouncilOrg("352"), auth.CouncilAnalyst).GetAgreementPdf(h.Ctx, &purchasingv1.GetAgreementPdfRequest{AgreementId: id})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.agrCouncil("352").GetAgreementPdf(h.Ctx, &purchasingv1.GetAgreementPdfRequest{AgreementId: id, Version: 7})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.agrCouncil("352").GetAgreementPdf(h.Ctx, &purchasingv1.GetAgreementPdfRequest{AgreementId: "pl-1"})
	servicetest.WantCode(t, err, codes.InvalidArgument)
}

func TestPaymentsDueAndSpendFollowTheAgreementAndThePlacementsEnd(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	placement, v := h.agrAward()
	id := v.GetAgreementId()
	must(h.agrCouncil("352").AcceptAgreement(ctx, agrAccept(id, v, "accept-352-pay"))).OK(t)
	must(h.agrAdmin(provA).AcceptAgreement(ctx, agrAccept(id, v, "accept-provider-pay"))).OK(t)

	// Monitoring records the placement's end on Sunday 13 December.
	ended := &monitoringv1.ContractEnded{ContractId: placement, EndDate: "2026-12-13", ReasonCode: "E11", Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT,
		Council: "352", ProviderId: provA, SettingUrn: fallowfield}
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "commissioner.352", Organisation: "council:352", Role: auth.CouncilCommissioner}, RequestID: "end-" + placement}
	if _, err := h.store.Append(ctx, eventstore.StreamID{Context: "monitoring", Aggregate: "contract", ID: placement}, eventstore.Any, meta, ended); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for v.GetPlacementEndedOn() == "" {
		if time.Now().After(deadline) {
			t.Fatal("the placement's end was not recorded on the agreement")
		}
		time.Sleep(20 * time.Millisecond)
		v = must(h.agrCouncil("352").GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: id, MinPosition: h.LastPosition()})).OK(t)
	}

	weeks := &purchasingv1.ListPaymentsDueRequest{FromWeek: "2026-11-30", ToWeek: "2026-12-14", MinPosition: h.LastPosition()}
	// The start week from Tuesday (6/7 of £4,500), a full week, then the
	// week after the end: nothing.
	wantLines := []struct {
		week   string
		days   uint32
		amount int64
	}{{"2026-11-30", 6, 385714}, {"2026-12-07", 7, 450000}}
	for _, c := range []purchasingv1.AgreementServiceClient{h.agrCouncil("352"), h.agrAdmin(provA), h.agrLead()} {
		due := must(c.ListPaymentsDue(ctx, weeks)).OK(t)
		if len(due.GetLines()) != len(wantLines) || len(due.GetDue()) != 2 || due.GetTotalPence() != 835714 {
			t.Fatalf("payments due %v", due)
		}
		for i, w := range wantLines {
			l := due.GetLines()[i]
			if l.GetWeekCommencing() != w.week || l.GetDays() != w.days || l.GetAmountPence() != w.amount || !l.GetAgreed() || l.GetCouncil() != "352" || l.GetProviderId() != provA {
				t.Errorf("line %d: %v, want %s %d days %d", i, l, w.week, w.days, w.amount)
			}
		}
	}
	for _, c := range []purchasingv1.AgreementServiceClient{h.agrCouncil("353"), h.agrAdmin(provB)} {
		if due := must(c.ListPaymentsDue(ctx, weeks)).OK(t); len(due.GetLines()) != 0 || due.GetTotalPence() != 0 {
			t.Errorf("another organisation is told of payments: %v", due)
		}
	}
	_, err := h.agrAs("referrals."+provA, auth.ProviderOrg(provA), auth.ProviderResponder).ListPaymentsDue(ctx, weeks)
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.agrCouncil("352").ListPaymentsDue(ctx, &purchasingv1.ListPaymentsDueRequest{FromWeek: "2026-12-01", ToWeek: "2026-12-14"})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	_, err = h.agrCouncil("352").ListPaymentsDue(ctx, &purchasingv1.ListPaymentsDueRequest{FromWeek: "2026-13-01", ToWeek: "2026-12-14"})
	servicetest.WantCode(t, err, codes.InvalidArgument)

	spend := must(h.agrLead().GetConsortiumSpend(ctx, &purchasingv1.GetConsortiumSpendRequest{FromWeek: "2026-11-30", ToWeek: "2026-12-14"})).OK(t)
	if spend.GetTotalPence() != 835714 || len(spend.GetRows()) != 1 || spend.GetRows()[0].GetProviderId() != provA || spend.GetRows()[0].GetPlacements() != 1 ||
		len(spend.GetCategories()) != 1 || spend.GetCategories()[0].GetCategoryName() != "Residential children's homes" {
		t.Fatalf("spend %v", spend)
	}
	other := must(h.agrAs("ben.hartley", auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead).GetConsortiumSpend(ctx,
		&purchasingv1.GetConsortiumSpendRequest{FromWeek: "2026-11-30", ToWeek: "2026-12-14"})).OK(t)
	if other.GetTotalPence() != 0 || len(other.GetRows()) != 0 {
		t.Errorf("another consortium's lead reads spend %v", other)
	}
	_, err = h.agrCouncil("352").GetConsortiumSpend(ctx, &purchasingv1.GetConsortiumSpendRequest{FromWeek: "2026-11-30", ToWeek: "2026-12-14"})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.agrLead().GetConsortiumSpend(ctx, &purchasingv1.GetConsortiumSpendRequest{FromWeek: "2026-12-14", ToWeek: "2026-11-30"})
	servicetest.WantCode(t, err, codes.InvalidArgument)
}

// Every RPC of AgreementService has a policy entry, and every entry is one.
func TestAgreementPolicyCoversEveryRPC(t *testing.T) {
	gs := grpc.NewServer()
	grpcapi.RegisterAgreements(gs, nil)
	if err := grpcserver.CheckPolicyCoverage(gs, grpcapi.AgrPolicy); err != nil {
		t.Fatal(err)
	}
	if err := grpcapi.AgrPolicy.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(grpcapi.AgrPolicy) != len(purchasingv1.AgreementService_ServiceDesc.Methods) {
		t.Fatalf("%d policy entries for %d RPCs", len(grpcapi.AgrPolicy), len(purchasingv1.AgreementService_ServiceDesc.Methods))
	}
}
