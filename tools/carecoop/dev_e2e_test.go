package main

import (
	"bufio"
	"context"
	"net"
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

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// TestDevStackEndToEnd starts `carecoop dev` as a user would, drives it over
// gRPC with a token from `carecoop token`, stops it with Ctrl-C and starts it
// again on the same data.
func TestDevStackEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the carecoop binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "carecoop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	natsAddr, fwAddr := freeAddr(t), freeAddr(t)

	first := startDev(t, bin, data, natsAddr, fwAddr)
	if !strings.Contains(first.output, "seeded the north-west demo data") {
		t.Fatalf("first start did not seed the demo:\n%s", first.output)
	}
	for _, want := range []string{natsAddr, fwAddr, "token --data"} {
		if !strings.Contains(first.output, want) {
			t.Errorf("start-up banner does not mention %q:\n%s", want, first.output)
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
	if len(list.GetFrameworks()) != 1 {
		t.Fatalf("Manchester sees %d frameworks, want the one demo framework", len(list.GetFrameworks()))
	}
	fw := list.GetFrameworks()[0]
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE || len(fw.GetLots()) != 3 || len(fw.GetMemberCouncils()) != 10 {
		t.Fatalf("demo framework: status %v, %d lots, %d members; want active, 3 lots, the 10 Greater Manchester councils",
			fw.GetStatus(), len(fw.GetLots()), len(fw.GetMemberCouncils()))
	}
	for _, l := range fw.GetLots() {
		if len(l.GetProviders()) == 0 {
			t.Errorf("lot %s has no admitted providers", l.GetTerms().GetLotId())
		}
	}
	log, err := council.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: fw.GetFrameworkId()})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, d := range log.GetDecisions() {
		kinds = append(kinds, d.GetDecision())
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

	second := startDev(t, bin, data, natsAddr, fwAddr)
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
}

type devProcess struct {
	cmd    *exec.Cmd
	output string
	done   chan error
}

func startDev(t *testing.T, bin, data, natsAddr, fwAddr string) *devProcess {
	t.Helper()
	cmd := exec.Command(bin, "dev", "--data", data, "--nats-addr", natsAddr, "--framework-addr", fwAddr)
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
