package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

func TestDevNATSRefusesANonLoopbackAddress(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:4222", ":4222", "[::]:4222", "192.0.2.10:4222", "nats.example.org:4222"} {
		data := filepath.Join(t.TempDir(), "data")
		err := runDev([]string{"--data", data, "--nats-addr", addr})
		if err == nil || !strings.Contains(err.Error(), "loopback only") {
			t.Errorf("--nats-addr %s: %v, want a refusal saying loopback only", addr, err)
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("--nats-addr %s: the data directory was created before the refusal", addr)
		}
	}
}

// TestDevNATSNeedsTheGeneratedCredentials starts `carecoop dev` (without
// the demo) and knocks on its NATS: nothing gets in without a service's
// password from the data directory, and purchasing's cannot publish
// monitoring's events.
func TestDevNATSNeedsTheGeneratedCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the carecoop binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "carecoop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	natsAddr := freeAddr(t)
	cmd := exec.Command(bin, "dev", "--no-seed", "--data", data, "--nats-addr", natsAddr, "--framework-addr", freeAddr(t),
		"--purchasing-addr", freeAddr(t), "--demand-addr", freeAddr(t), "--monitoring-addr", freeAddr(t), "--notify-addr", freeAddr(t), "--portal-addr", freeAddr(t))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
			if sc.Text() == readyLine {
				ready <- b.String()
			}
		}
		close(ready)
		p.done <- cmd.Wait()
	}()
	defer p.stop(t)
	banner, ok := <-ready
	if !ok {
		t.Fatal("carecoop dev exited before it was ready")
	}
	if want := filepath.Join(data, natsserver.CredentialsDir); !strings.Contains(banner, want) {
		t.Errorf("the banner does not say where the NATS credentials are (%s):\n%s", want, banner)
	}

	url := "nats://" + natsAddr
	if nc, err := nats.Connect(url); !errors.Is(err, nats.ErrAuthorization) {
		if nc != nil {
			nc.Close()
		}
		t.Fatalf("connecting without credentials: %v, want an authorization violation", err)
	}
	for _, svc := range natsperm.Services() {
		fi, err := os.Stat(natsserver.CredentialsFile(data, svc))
		if err != nil {
			t.Fatalf("%s's credentials: %v", svc, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s's credentials have mode %v, want 0600", svc, fi.Mode().Perm())
		}
	}
	creds, err := natsserver.LoadOrCreateCredentials(data)
	if err != nil {
		t.Fatal(err)
	}
	// (No error handler: the violation is read from LastError, not printed.)
	nc, err := nats.Connect(url, append(creds.ConnectOptions("purchasing"), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))...)
	if err != nil {
		t.Fatalf("connecting as purchasing: %v", err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := js.Stream(ctx, natsperm.Stream); err != nil {
		t.Fatalf("purchasing reading the event stream's info: %v", err)
	}
	forged := "carecoop.evt.monitoring.risk.north-west-pennine-pathways"
	if err := nc.Publish(forged, []byte("forged")); err != nil {
		t.Fatal(err)
	}
	// The server's -ERR for the publish arrives before the PONG of the flush.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := nc.LastError(); !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), forged) {
		t.Fatalf("purchasing publishing on %s: last error %v, want a permissions violation", forged, err)
	}
}
