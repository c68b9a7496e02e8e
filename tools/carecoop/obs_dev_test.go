package main

import (
	"net/http"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/carecoop/carecoop/services/kit/metrics"
)

// `carecoop dev` serves each service's metrics on its own port: every
// service its gRPC calls (pre-created for each method) and read models,
// the portal its HTTP requests once it has served one.
func TestObsDevServesEachServicesMetrics(t *testing.T) {
	bin := buildCarecoop(t)
	portal := freeAddr(t)
	args := []string{"dev", "--no-seed", "--data", filepath.Join(t.TempDir(), "data"), "--nats-addr", freeAddr(t), "--framework-addr", freeAddr(t),
		"--purchasing-addr", freeAddr(t), "--demand-addr", freeAddr(t), "--monitoring-addr", freeAddr(t), "--notify-addr", freeAddr(t), "--portal-addr", portal}
	at := map[string]string{}
	for _, s := range obsDevMetrics {
		at[s.name] = freeAddr(t)
		args = append(args, "--"+s.name+"-metrics-addr", at[s.name])
	}
	dev := startBareDev(t, bin, args)
	if res, err := http.Get("http://" + portal + "/"); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}

	for _, s := range obsDevMetrics {
		res, err := http.Get("http://" + at[s.name] + metrics.Path)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		fams, err := metrics.Parse(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		want := []string{"go_goroutines", "carecoop_http_requests_total"}
		if s.name != "portal" {
			want = []string{"grpc_server_handled_total", metrics.ReadModelLag, metrics.ReadModelReady}
		}
		for _, name := range want {
			if _, ok := fams.Value(name, map[string]string{"service": s.name}); !ok {
				t.Errorf("%s's metrics have no %s{service=%q}: %v", s.name, name, s.name, fams.Names())
			}
		}
	}
	if err := dev.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := <-dev.done; err != nil {
		t.Fatalf("carecoop dev after Ctrl-C: %v", err)
	}
}
