package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// TestDevStackEndToEnd starts `carecoop dev` as a user would, drives it over
// gRPC with a token from `carecoop token`, stops it with Ctrl-C and starts it
// again on the same data.
func TestDevStackEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the carecoop binary")
	}
	devStackEndToEnd(t)
}

// devStackEndToEnd is the end-to-end run: the store is whatever
// CARECOOP_STORE names (TestDevStackEndToEndOnESDB sets it).
func devStackEndToEnd(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "carecoop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	natsAddr, fwAddr, puAddr, deAddr, moAddr, portalAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	addrs := []string{natsAddr, fwAddr, puAddr, deAddr, moAddr, portalAddr}

	first := startDev(t, bin, data, addrs...)
	if !strings.Contains(first.output, "seeded the north-west demo data") {
		t.Fatalf("first start did not seed the demo:\n%s", first.output)
	}
	for _, want := range []string{"http://" + portalAddr, natsAddr, fwAddr, puAddr, deAddr, moAddr, "token --data", "monitoring demo:"} {
		if !strings.Contains(first.output, want) {
			t.Errorf("start-up banner does not mention %q:\n%s", want, first.output)
		}
	}
	// The portal's demo sign-in lists the lead, the councils' people and
	// every seeded provider's.
	signIn, err := http.Get("http://" + portalAddr + "/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(signIn.Body)
	signIn.Body.Close()
	for _, want := range []string{"Lead of the north-west consortium", "Commissioner, Manchester (352)", "Admin, Northern Lights", "Responder, Northern Lights", "Auditor"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the portal's sign-in page does not list %q", want)
		}
	}

	// Health answers without a token.
	conn, err := grpc.NewClient(fwAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if h, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, %v", h, err)
	}

	council := client(t, token(t, bin, data, "council:352", "council_commissioner"), fwAddr)
	list, err := council.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// The demo has one active framework and one tender open for bids.
	var fw, tender *frameworkv1.Framework
	for _, f := range list.GetFrameworks() {
		switch f.GetStatus() {
		case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE:
			fw = f
		case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS:
			tender = f
		}
	}
	if len(list.GetFrameworks()) != 2 || fw == nil || tender == nil {
		t.Fatalf("Manchester sees %d frameworks, want the active demo framework and the open tender: %v", len(list.GetFrameworks()), list.GetFrameworks())
	}
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE || len(fw.GetLots()) != 3 || len(fw.GetMemberCouncils()) != 10 {
		t.Fatalf("demo framework: status %v, %d lots, %d members; want active, 3 lots, the 10 Greater Manchester councils",
			fw.GetStatus(), len(fw.GetLots()), len(fw.GetMemberCouncils()))
	}
	for _, l := range fw.GetLots() {
		if len(l.GetProviders()) == 0 {
			t.Errorf("lot %s has no admitted providers", l.GetTerms().GetLotId())
		}
	}
	placements := checkPurchasingDemo(ctx, t, bin, data, puAddr)
	checkDemandDemo(ctx, t, bin, data, deAddr)
	monitoringBefore := checkMonitoringDemo(ctx, t, bin, data, moAddr, placements)

	// Providers registered once, in purchasing; the framework learned their
	// names from purchasing's events alone (it never calls purchasing).
	named, err := council.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw.GetFrameworkId(), MinPosition: placements.GetPosition()})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range named.GetLots() {
		for _, p := range l.GetProviders() {
			if p.GetProviderName() == "" {
				t.Errorf("lot %s shows provider %s without its name", l.GetTerms().GetLotId(), p.GetProviderId())
			}
			if p.GetProviderId() == "northern-lights-care" && p.GetProviderName() != "Northern Lights" {
				t.Errorf("northern-lights-care is shown as %q, want its trading name from purchasing", p.GetProviderName())
			}
		}
	}
	log, err := council.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: fw.GetFrameworkId()})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, d := range log.GetDecisions() {
		kinds = append(kinds, d.GetDecision())
		// The seeded award shows its standstill, over before the activation.
		if d.GetDecision() == "FrameworkAwarded" && (!strings.Contains(d.GetSummary(), "standstill ends "+fw.GetStandstillEnds()) || fw.GetStandstillEnds() == "") {
			t.Errorf("the seeded award does not show the standstill (ends %q): %s", fw.GetStandstillEnds(), d.GetSummary())
		}
		if d.GetActor().GetSubject() == "" || d.GetOccurredAt() == nil {
			t.Errorf("decision %s lacks who or when", d.GetDecision())
		}
	}
	joined := strings.Join(kinds, " ")
	for _, want := range []string{"FrameworkDrafted", "FrameworkOpenedForBids", "BidSubmitted", "BidScored", "FrameworkAwarded", "FrameworkActivated"} {
		if !strings.Contains(joined, want) {
			t.Errorf("decision log lacks %s: %s", want, joined)
		}
	}

	// The lead acts: a suspension, read back through min_position.
	lead := client(t, token(t, bin, data, "consortium:north-west", "consortium_lead"), fwAddr)
	target := fw.GetLots()[0].GetProviders()[0].GetProviderId()
	res, err := lead.SuspendProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "e2e-suspend-1", FrameworkId: fw.GetFrameworkId(),
		LotId: fw.GetLots()[0].GetTerms().GetLotId(), ProviderId: target, Reason: "Inadequate Ofsted judgement pending review"})
	if err != nil {
		t.Fatal(err)
	}
	after, err := lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw.GetFrameworkId(), MinPosition: res.GetPosition()})
	if err != nil {
		t.Fatal(err)
	}
	if st := after.GetLots()[0].GetProviders()[0].GetStatus(); st != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED {
		t.Fatalf("after SuspendProvider the provider is %v", st)
	}

	first.stop(t)

	second := startDev(t, bin, data, addrs...)
	defer second.stop(t)
	if strings.Contains(second.output, "seeded") {
		t.Fatalf("second start seeded again:\n%s", second.output)
	}
	council = client(t, token(t, bin, data, "council:352", "council_commissioner"), fwAddr)
	again, err := council.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw.GetFrameworkId()})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(again, after) {
		t.Fatalf("after restart the framework differs:\nbefore %v\nafter  %v", after, again)
	}
	lead2 := purchasingClient(t, token(t, bin, data, "consortium:north-west", "consortium_lead"), puAddr)
	placementsAgain, err := lead2.ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	placementsAgain.Position, placements.Position = 0, 0
	if !proto.Equal(placementsAgain, placements) {
		t.Fatalf("after restart the placements differ:\nbefore %v\nafter  %v", placements, placementsAgain)
	}
	monitoringAfter := monitoringAnswers(ctx, t, bin, data, moAddr, monitoringBefore.redCouncil)
	for i, before := range monitoringBefore.answers {
		if !proto.Equal(before, monitoringAfter[i]) {
			t.Errorf("after restart monitoring answers differently:\nbefore %v\nafter  %v", before, monitoringAfter[i])
		}
	}
}

// checkPurchasingDemo checks the seeded market as its users would see it and
// places one more child: referral, offer, award. It returns the lead's list
// of placements.
func checkPurchasingDemo(ctx context.Context, t *testing.T, bin, data, addr string) *purchasingv1.ListPlacementsResponse {
	t.Helper()
	lead := purchasingClient(t, token(t, bin, data, "consortium:north-west", "consortium_lead"), addr)
	providers, err := lead.ListProviders(ctx, &purchasingv1.ListProvidersRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	settings := uint32(0)
	for _, p := range providers.GetProviders() {
		settings += p.GetSettings()
	}
	if len(providers.GetProviders()) != 40 || settings != 120 {
		t.Fatalf("demo market has %d providers with %d settings, want 40 with 120", len(providers.GetProviders()), settings)
	}
	dps, err := lead.ListDps(ctx, &purchasingv1.ListDpsRequest{Consortium: "north-west"})
	if err != nil {
		t.Fatal(err)
	}
	if len(dps.GetDps()) != 1 || dps.GetDps()[0].GetStatus() != purchasingv1.DpsStatus_DPS_STATUS_OPEN || dps.GetDps()[0].GetAdmittedProviders() < 30 {
		t.Fatalf("demo DPS: %v", dps.GetDps())
	}
	dpsID := dps.GetDps()[0].GetDpsId()

	council := purchasingClient(t, token(t, bin, data, "council:352", "council_commissioner"), addr)
	mine, err := council.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, r := range mine.GetReferrals() {
		if r.GetCouncil() != "352" {
			t.Errorf("Manchester sees council %s's referral", r.GetCouncil())
		}
		if r.GetStatus() == purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN && len(r.GetOffers()) > 0 {
			live++
		}
	}
	if live == 0 {
		t.Errorf("Manchester has no live referral with offers in the demo")
	}

	ref, err := council.CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "e2e-referral-1", DpsId: dpsID, Need: &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 13, Sex: purchasingv1.Sex_SEX_MALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_TODAY,
		HomeOutcode: "M14", MaxDistanceMiles: 25, StartBy: time.Now().AddDate(0, 0, 3).Format("2006-01-02"), WeeklyBudgetPence: 700000,
		ExpectedDurationWeeks: 26, Needs: []string{"emotional_behavioural"}}})
	if err != nil {
		t.Fatal(err)
	}
	view, err := council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref.GetId(), MinPosition: ref.GetPosition()})
	if err != nil {
		t.Fatal(err)
	}
	if len(view.GetMatches()) == 0 {
		t.Fatalf("a residential referral from M14 matched nothing in the demo market")
	}
	m := view.GetMatches()[0]
	responder := purchasingClient(t, token(t, bin, data, "provider:"+m.GetProviderId(), "provider_responder"), addr)
	offer, err := responder.MakeOffer(ctx, &purchasingv1.MakeOfferRequest{RequestId: "e2e-offer-1", ReferralId: ref.GetId(), SettingUrn: m.GetSettingUrn(),
		WeeklyPricePence: 560000, AvailableFrom: time.Now().Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	award, err := council.AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "e2e-award-1", ReferralId: ref.GetId(), OfferId: offer.GetOfferId(),
		Reason: "Nearest Good home with a vacancy, within budget"})
	if err != nil {
		t.Fatal(err)
	}
	placements, err := lead.ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{MinPosition: award.GetPosition()})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range placements.GetPlacements() {
		found = found || p.GetPlacementId() == award.GetPlacementId()
	}
	if !found || len(placements.GetPlacements()) < 7 {
		t.Fatalf("the lead sees %d placements (want the demo's past awards and %s)", len(placements.GetPlacements()), award.GetPlacementId())
	}
	return placements
}

// checkDemandDemo checks the seeded needs returns as a council sees them:
// its own figures in full, the consortium's protected.
func checkDemandDemo(ctx context.Context, t *testing.T, bin, data, addr string) {
	t.Helper()
	conn, err := grpcserver.NewClient(addr, token(t, bin, data, "council:352", "council_analyst"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	got, err := demandv1.NewDemandServiceClient(conn).GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: "north-west", Dimensions: []string{"placement_group", "age_band"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetCouncils() != 10 || got.GetAsAt() != "2025-03-31" {
		t.Fatalf("demand as at %s from %d councils, want the ten councils' 2025-03-31 returns", got.GetAsAt(), got.GetCouncils())
	}
	if got.GetOwnTable().GetTotal().GetCount() == 0 || got.GetConsortiumTable().GetTotal().GetCount() <= got.GetOwnTable().GetTotal().GetCount() {
		t.Fatalf("own total %d, consortium total %d", got.GetOwnTable().GetTotal().GetCount(), got.GetConsortiumTable().GetTotal().GetCount())
	}
	for _, c := range got.GetConsortiumTable().GetCells() {
		if n := c.GetCount(); n > 0 && n < got.GetThreshold() {
			t.Errorf("cell %v publishes %d children, under the threshold %d", c.GetValues(), n, got.GetThreshold())
		}
	}
}

// monitoringDemo is what monitoring answered before the restart.
type monitoringDemo struct {
	redCouncil string
	answers    []proto.Message
}

// checkMonitoringDemo checks the seeded monitoring demo as the lead and a
// placing council see it: contracts from every award (with months of
// history), a red provider with its reasons and an alert, a missing and late
// returns, and the burden of returns.
func checkMonitoringDemo(ctx context.Context, t *testing.T, bin, data, addr string, placements *purchasingv1.ListPlacementsResponse) monitoringDemo {
	t.Helper()
	lead := monitoringClient(t, token(t, bin, data, "consortium:north-west", "consortium_lead"), addr)
	// Contracts come from purchasing's awards asynchronously: wait for the
	// one this test awarded too.
	var contracts *monitoringv1.ListContractsResponse
	byPlacement := map[string]*monitoringv1.Contract{}
	for deadline := time.Now().Add(30 * time.Second); ; {
		var err error
		if contracts, err = lead.ListContracts(ctx, &monitoringv1.ListContractsRequest{Consortium: "north-west"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range contracts.GetContracts() {
			byPlacement[c.GetPlacementId()] = c
		}
		missing := 0
		for _, p := range placements.GetPlacements() {
			if byPlacement[p.GetPlacementId()] == nil {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitoring has no contract for %d of the %d placements", missing, len(placements.GetPlacements()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	history, framework := false, 0
	threeMonthsAgo := time.Now().AddDate(0, -3, 0).Format("2006-01-02")
	for _, c := range contracts.GetContracts() {
		history = history || c.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT && c.GetStartDate() < threeMonthsAgo
		if c.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK {
			framework++
		}
	}
	if !history || framework == 0 {
		t.Errorf("the lead sees %d contracts, with a placement started 3 months ago: %v, framework contracts: %d", len(contracts.GetContracts()), history, framework)
	}

	risks, err := lead.ListRiskLevels(ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: "north-west", AtLeast: monitoringv1.RiskLevel_RISK_LEVEL_RED})
	if err != nil {
		t.Fatal(err)
	}
	var red *monitoringv1.ProviderRisk
	redCouncil := ""
	for _, p := range risks.GetProviders() {
		for _, c := range contracts.GetContracts() {
			if c.GetProviderId() == p.GetProviderId() && c.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT {
				red, redCouncil = p, c.GetCouncil()
			}
		}
	}
	if red == nil {
		t.Fatalf("no placed provider is red: %v", risks.GetProviders())
	}
	ofsted := false
	for _, r := range red.GetReasons() {
		ofsted = ofsted || r.GetIndicator() == monitoringv1.Indicator_INDICATOR_OFSTED_GRADE && r.GetDetail() != ""
	}
	if !ofsted || !red.GetSuspended() {
		t.Errorf("red provider %s: suspended %v, reasons %v; want suspended for its Inadequate judgement", red.GetProviderId(), red.GetSuspended(), red.GetReasons())
	}

	answers := monitoringAnswers(ctx, t, bin, data, addr, redCouncil)
	alerts := answers[2].(*monitoringv1.ListAlertsResponse)
	told := false
	for _, a := range alerts.GetAlerts() {
		told = told || a.GetProviderId() == red.GetProviderId() && a.GetTo() == monitoringv1.RiskLevel_RISK_LEVEL_RED && a.GetChildrenPlaced() > 0
	}
	if !told {
		t.Errorf("council %s, placing at red provider %s, was not alerted: %v", redCouncil, red.GetProviderId(), alerts.GetAlerts())
	}
	compliance := answers[3].(*monitoringv1.ReturnCompliance)
	if len(compliance.GetMissing()) == 0 || len(compliance.GetLate()) == 0 || compliance.GetFiled() == 0 {
		t.Errorf("return compliance: %d filed, %d late, %d missing; want the demo's history with one missing",
			compliance.GetFiled(), len(compliance.GetLate()), len(compliance.GetMissing()))
	}
	burden := answers[4].(*monitoringv1.MonitoringBurden)
	if burden.GetTotal().GetReturnsFiled() != compliance.GetFiled() {
		t.Errorf("burden counts %d returns filed, compliance %d", burden.GetTotal().GetReturnsFiled(), compliance.GetFiled())
	}
	return monitoringDemo{redCouncil: redCouncil, answers: answers}
}

// monitoringAnswers asks monitoring what the restart must not change, with
// the read positions cleared.
func monitoringAnswers(ctx context.Context, t *testing.T, bin, data, addr, council string) []proto.Message {
	t.Helper()
	lead := monitoringClient(t, token(t, bin, data, "consortium:north-west", "consortium_lead"), addr)
	placing := monitoringClient(t, token(t, bin, data, "council:"+council, "council_commissioner"), addr)
	contracts, err := lead.ListContracts(ctx, &monitoringv1.ListContractsRequest{Consortium: "north-west"})
	if err != nil {
		t.Fatal(err)
	}
	risks, err := lead.ListRiskLevels(ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: "north-west"})
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := placing.ListAlerts(ctx, &monitoringv1.ListAlertsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	compliance, err := lead.ListReturnCompliance(ctx, &monitoringv1.ListReturnComplianceRequest{Consortium: "north-west"})
	if err != nil {
		t.Fatal(err)
	}
	burden, err := lead.GetMonitoringBurden(ctx, &monitoringv1.GetMonitoringBurdenRequest{Consortium: "north-west"})
	if err != nil {
		t.Fatal(err)
	}
	contracts.Position, risks.Position, alerts.Position, compliance.Position, burden.Position = 0, 0, 0, 0, 0
	return []proto.Message{contracts, risks, alerts, compliance, burden}
}

func monitoringClient(t *testing.T, tok, addr string) monitoringv1.MonitoringServiceClient {
	t.Helper()
	conn, err := grpcserver.NewClient(addr, tok)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return monitoringv1.NewMonitoringServiceClient(conn)
}

func purchasingClient(t *testing.T, tok, addr string) purchasingv1.PurchasingServiceClient {
	t.Helper()
	conn, err := grpcserver.NewClient(addr, tok)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return purchasingv1.NewPurchasingServiceClient(conn)
}

type devProcess struct {
	cmd    *exec.Cmd
	output string
	done   chan error
}

// startDev starts `carecoop dev` on addrs: NATS, framework, purchasing,
// demand, monitoring.
func startDev(t *testing.T, bin, data string, addrs ...string) *devProcess {
	t.Helper()
	portalAddr := freeAddr(t)
	if len(addrs) > 5 {
		portalAddr = addrs[5]
	}
	cmd := exec.Command(bin, "dev", "--data", data, "--nats-addr", addrs[0], "--framework-addr", addrs[1], "--purchasing-addr", addrs[2],
		"--demand-addr", addrs[3], "--monitoring-addr", addrs[4], "--notify-addr", freeAddr(t), "--portal-addr", portalAddr)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		p.done <- cmd.Wait()
	}()
	var b strings.Builder
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("carecoop dev exited before it was ready:\n%s", b.String())
			}
			b.WriteString(line + "\n")
			if line == readyLine {
				p.output = b.String()
				go func() {
					for range lines {
					}
				}()
				return p
			}
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatalf("carecoop dev not ready after 2 minutes:\n%s", b.String())
		}
	}
}

// stop is Ctrl-C: the process must exit cleanly and promptly.
func (p *devProcess) stop(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("carecoop dev exited with %v after Ctrl-C", err)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatal("carecoop dev did not stop within 30s of Ctrl-C")
	}
}

func token(t *testing.T, bin, data, org, role string) string {
	t.Helper()
	out, err := exec.Command(bin, "token", "--data", data, "--org", org, "--role", role).Output()
	if err != nil {
		t.Fatalf("carecoop token: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func client(t *testing.T, tok, addr string) frameworkv1.FrameworkServiceClient {
	t.Helper()
	conn, err := grpcserver.NewClient(addr, tok)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return frameworkv1.NewFrameworkServiceClient(conn)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
