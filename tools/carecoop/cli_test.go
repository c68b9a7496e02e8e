package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
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

	"github.com/carecoop/carecoop/services/kit/auth"
)

// buildCarecoop builds the command as a user runs it.
func buildCarecoop(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the carecoop binary")
	}
	bin := filepath.Join(t.TempDir(), "carecoop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runCarecoop runs the binary to its end: its stdout, stderr and exit code.
func runCarecoop(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("carecoop %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func TestHelpIsUsageOnStdoutAndExitsZero(t *testing.T) {
	bin := buildCarecoop(t)
	for _, c := range []struct {
		args []string
		want []string // on stdout
	}{
		{[]string{"-h"}, []string{"usage: carecoop <command>", "import-903"}},
		{[]string{"--help"}, []string{"usage: carecoop <command>"}},
		{[]string{"dev", "-h"}, []string{"usage: carecoop dev [flags]", "-nats-addr", "-no-seed"}},
		{[]string{"dev", "--help"}, []string{"usage: carecoop dev [flags]"}},
		{[]string{"simulate", "-h"}, []string{"usage: carecoop simulate [flags]", "-events", "-scale", "-seed"}},
		{[]string{"token", "-h"}, []string{"usage: carecoop token [flags]", "-org", "-role"}},
		{[]string{"token", "--org", "council:352", "--help"}, []string{"usage: carecoop token [flags]"}},
		{[]string{"import-903", "--help"}, []string{"usage: carecoop import-903 [flags]", "-episodes", "-header", "only those counts"}},
		// seed says what it seeds, and what it leaves to carecoop dev.
		{[]string{"seed", "-h"}, []string{"usage: carecoop seed [flags]", "-framework-addr", "north-west framework demo",
			"Greater Manchester", "drafted, opened for bids", "purchasing, demand and\nmonitoring demo data are seeded by 'carecoop dev'"}},
	} {
		stdout, stderr, code := runCarecoop(t, bin, c.args...)
		if code != 0 || stderr != "" {
			t.Errorf("carecoop %s: exit %d, stderr %q; want exit 0 and nothing on stderr", strings.Join(c.args, " "), code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("carecoop %s: stdout lacks %q:\n%s", strings.Join(c.args, " "), w, stdout)
			}
		}
	}
	// A mistake is still a failure, reported on stderr with the flags.
	stdout, stderr, code := runCarecoop(t, bin, "token", "--organisation", "council:352")
	if code == 0 || stdout != "" || !strings.Contains(stderr, "flag provided but not defined: -organisation") || !strings.Contains(stderr, "-org string") {
		t.Errorf("a bad flag: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestTokenAndImportNeedAStack(t *testing.T) {
	empty := t.TempDir()
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	for _, data := range []string{empty, missing} {
		want := fmt.Sprintf("no carecoop stack in %s: run `carecoop dev --data %s` first", data, data)
		var out bytes.Buffer
		err := runToken([]string{"--data", data, "--org", "council:352", "--role", "council_analyst"}, &out)
		if err == nil || err.Error() != want || out.Len() != 0 {
			t.Errorf("token --data %s: %v, printed %q; want the error %q", data, err, out.String(), want)
		}
		// Nothing is read or asked before the refusal.
		out.Reset()
		err = runImport903(importArgs(sampleEpisodes, "--data", data, "--demand-addr", "127.0.0.1:1"), strings.NewReader("y\n"), &out)
		if err == nil || err.Error() != want || out.Len() != 0 {
			t.Errorf("import-903 --data %s: %v, printed %q; want the error %q", data, err, out.String(), want)
		}
	}
	if _, err := os.Stat(filepath.Join(empty, auth.DevKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a signing key was made in %s: %v", empty, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was created: %v", missing, err)
	}
}

func TestImport903SaysTheFilesAreTheWrongWayRound(t *testing.T) {
	data := t.TempDir()
	if _, err := auth.LoadOrCreateDevKey(data); err != nil { // a dev stack's key
		t.Fatal(err)
	}
	// The same files, also with a byte order mark, lower-case names and CRLF.
	dir := t.TempDir()
	odd := func(path string) string {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		head, rest, _ := strings.Cut(string(raw), "\n")
		p := filepath.Join(dir, "odd-"+filepath.Base(path))
		if err := os.WriteFile(p, []byte("\ufeff"+strings.ToLower(head)+"\r\n"+strings.ReplaceAll(rest, "\n", "\r\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, files := range [][2]string{{sampleEpisodes, sampleHeader}, {odd(sampleEpisodes), odd(sampleHeader)}} {
		episodes, header := files[0], files[1]
		var out bytes.Buffer
		err := runImport903([]string{"--episodes", header, "--header", episodes, "--la", "352", "--as-at", sampleAsAt,
			"--data", data, "--demand-addr", "127.0.0.1:1", "--yes"}, strings.NewReader(""), &out)
		if !errors.Is(err, errNotSubmitted) {
			t.Fatalf("swapped files: %v, want errNotSubmitted\n%s", err, out.String())
		}
		// The kit says it (the portal's needs page shows the same report),
		// first, in the names of the files as given.
		lines := strings.Split(out.String(), "\n")
		want := fmt.Sprintf("%s:1: the files are the wrong way round: %s is a header file (SEX, DOB, ...) and %s an episodes file (DECOM, RNE, LS, ...); swap them",
			filepath.Base(header), filepath.Base(header), filepath.Base(episodes))
		if len(lines) < 3 || lines[0] != "The extract has problems; fix them and import again:" || lines[1] != want {
			t.Errorf("swapped files: the report does not begin with the line saying so:\n%s", out.String())
		}
	}
	// Two episodes files are not the wrong way round: only the report.
	var out bytes.Buffer
	err := runImport903([]string{"--episodes", sampleEpisodes, "--header", sampleEpisodes, "--la", "352", "--as-at", sampleAsAt,
		"--data", data, "--demand-addr", "127.0.0.1:1", "--yes"}, strings.NewReader(""), &out)
	if !errors.Is(err, errNotSubmitted) || strings.Contains(out.String(), "wrong way round") {
		t.Errorf("two episodes files: %v\n%s", err, out.String())
	}
}

// listen holds a loopback port, as another program would.
func listen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

func TestDevNamesAPortInUse(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, flag := range []string{"--nats-addr", "--purchasing-addr", "--monitoring-addr", "--notify-addr", "--portal-addr"} {
		taken := listen(t)
		addrs := map[string]string{"--nats-addr": freeAddr(t), "--framework-addr": freeAddr(t), "--purchasing-addr": freeAddr(t),
			"--demand-addr": freeAddr(t), "--monitoring-addr": freeAddr(t), "--notify-addr": freeAddr(t), "--portal-addr": freeAddr(t)}
		addrs[flag] = taken
		args := []string{"--no-seed", "--data", data}
		for f, a := range addrs {
			args = append(args, f, a)
		}
		// The same data directory each time: a refused start leaves it unlocked.
		err := runDev(args)
		want := flag + ": " + taken + " is in use"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s on a port in use: %v; want an error beginning %q", flag, err, want)
		}
	}
}

// TestDevRefusesASecondOnTheSameData runs `carecoop dev` twice on one data
// directory, as a user would (the same flags): the second is refused,
// naming the directory, and the first carries on; once the first is killed
// (kill -9), the directory is free.
func TestDevRefusesASecondOnTheSameData(t *testing.T) {
	bin := buildCarecoop(t)
	data := filepath.Join(t.TempDir(), "data")
	fwAddr := freeAddr(t)
	args := []string{"dev", "--no-seed", "--data", data, "--nats-addr", freeAddr(t), "--framework-addr", fwAddr,
		"--purchasing-addr", freeAddr(t), "--demand-addr", freeAddr(t), "--monitoring-addr", freeAddr(t), "--notify-addr", freeAddr(t), "--portal-addr", freeAddr(t)}
	first := startBareDev(t, bin, args)

	_, stderr, code := runCarecoop(t, bin, args...)
	want := fmt.Sprintf("carecoop: another carecoop dev (process %d) is using the data directory %s: stop it first, or give this one another --data\n",
		first.cmd.Process.Pid, data)
	if code != 1 || stderr != want {
		t.Errorf("a second carecoop dev on %s: exit %d, stderr %q; want exit 1 and %q", data, code, stderr, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := grpc.NewClient(fwAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if h, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("the first carecoop dev after the second was refused: health %v, %v", h, err)
	}

	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-first.done; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the first carecoop dev after kill -9: %v", err)
	}
	again := startBareDev(t, bin, args)
	if err := again.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := <-again.done; err != nil {
		t.Fatalf("carecoop dev after Ctrl-C: %v", err)
	}
}

// startBareDev starts the binary with args and returns once it is ready.
func startBareDev(t *testing.T, bin string, args []string) *devProcess {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, done: make(chan error, 1)}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == readyLine {
				ready <- true
			}
		}
		close(ready)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	if !<-ready {
		t.Fatalf("carecoop %s exited before it was ready: %v", strings.Join(args, " "), <-p.done)
	}
	return p
}
