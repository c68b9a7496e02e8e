package server_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// faultKillDeadline is each command's deadline under the kill: shorter
// than the outage, so commands sent while the service is down go
// unacknowledged and are retried after the restart.
const faultKillDeadline = 2 * time.Second

// The framework service runs as its own process (the real binary, built
// here) on NATS; under a stream of commands it is killed with SIGKILL,
// stays down a few seconds, and starts again. Every command not
// acknowledged is sent again with its request id until it is. Counted
// from the store: every command is stored exactly once (0 lost, 0
// duplicated), whether its first answer was lost with the process or not.
func TestFaultKillUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the service and kills it")
	}
	env := servicetest.New(t, start)
	dir := t.TempDir()
	bin := filepath.Join(dir, "framework")
	build := exec.Command("go", "build", "-o", bin, "../cmd/framework")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pubPEM, err := auth.EncodePublicKeyPEM(env.Key().Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "signing.pub.pem")
	if err := os.WriteFile(keyFile, pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()

	logFile, err := os.Create(filepath.Join(dir, "service.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			t.Logf("the service's log:\n%s", out[max(0, len(out)-8000):])
		}
	})
	run := func() *exec.Cmd {
		cmd := exec.Command(bin, "-listen", addr, "-nats", env.NATS.ClientURL(), "-jwt-public-key", keyFile)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	tok := env.Token("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
	conn := env.Dial(addr, tok)
	client := frameworkv1.NewFrameworkServiceClient(conn)
	health := healthpb.NewHealthClient(conn)
	waitServing := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(env.Ctx, 2*time.Minute)
		defer cancel()
		for {
			res, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
			if err == nil && res.GetStatus() == healthpb.HealthCheckResponse_SERVING {
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("the service is not SERVING: %v", err)
			}
			time.Sleep(50 * time.Millisecond) // polling a process starting up
		}
	}
	proc := run()
	waitServing()

	send := func(id string) error {
		ctx, cancel := context.WithTimeout(env.Ctx, faultKillDeadline)
		defer cancel()
		_, err := client.DraftFramework(ctx, &frameworkv1.DraftFrameworkRequest{RequestId: id, Terms: gmTerms()})
		return err
	}
	stop := make(chan struct{})
	var mu sync.Mutex
	var sent []string
	unacked := map[string]error{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("kill-%d-%06d", w, i)
				err := send(id)
				mu.Lock()
				sent = append(sent, id)
				if err != nil {
					unacked[id] = err
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(1500 * time.Millisecond) // commands flowing
	if err := proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	t.Log("killed the service with SIGKILL")
	time.Sleep(3 * time.Second) // down, longer than a command's deadline
	run()
	waitServing()
	time.Sleep(time.Second) // commands after the restart
	close(stop)
	wg.Wait()

	// The unacknowledged again, with their request ids, until acknowledged.
	retried := 0
	for id, first := range unacked {
		for attempt := 0; ; attempt++ {
			err := send(id)
			if err == nil {
				break
			}
			if attempt == 10 {
				t.Fatalf("%s (first answer %v) still fails after the restart: %v", id, first, err)
			}
		}
		retried++
	}

	// Count from the store: each command's FrameworkDrafted, by request id.
	ctx, cancel := context.WithTimeout(env.Ctx, time.Minute)
	defer cancel()
	last := env.LastPosition()
	stored := map[string]int{}
	errDone := errors.New("read to the end")
	// Every commit (no filter), so that the last one ends the read.
	err = env.Store.Subscribe(ctx, 0, nil, func(commit []eventstore.RecordedEvent) error {
		for _, e := range commit {
			if _, ok := e.Event.(*frameworkv1.FrameworkDrafted); ok {
				stored[e.RequestID[strings.LastIndex(e.RequestID, "/")+1:]]++
			}
		}
		if commit[0].Position >= last {
			return errDone
		}
		return nil
	})
	if !errors.Is(err, errDone) {
		t.Fatal(err)
	}
	lost, duplicated := 0, 0
	for _, id := range sent {
		switch stored[id] {
		case 0:
			lost++
		case 1:
		default:
			duplicated++
		}
	}
	t.Logf("%d commands, %d unacknowledged at first and retried; stored: %d, %d lost, %d duplicated", len(sent), retried, len(stored), lost, duplicated)
	if lost > 0 || duplicated > 0 || len(stored) != len(sent) {
		t.Errorf("%d commands stored %d times: %d lost, %d duplicated", len(sent), len(stored), lost, duplicated)
	}
	if retried == 0 {
		t.Error("no command went unacknowledged: the kill did not fall under load")
	}
}
