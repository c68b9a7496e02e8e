package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// `carecoop esdb-relay` as an operator runs it beside standalone services:
// the NATS user relay (natsperm's permissions, its password from the
// environment) copies what is appended to EventStoreDB onto the event
// stream a service's user then reads.
func TestESDBRelayCommand(t *testing.T) {
	bin := buildCarecoop(t)
	if _, stderr, code := runCarecoop(t, bin, "esdb-relay", "-store", "jetstream"); code != 1 || !strings.Contains(stderr, "must be an esdb://") {
		t.Fatalf("esdb-relay on jetstream: exit %d, %s", code, stderr)
	}

	dir := t.TempDir()
	creds, err := natsserver.LoadOrCreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	users, err := natsserver.ServiceUsers(creds)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := natsserver.Start(natsserver.Options{DataDir: dir, Port: -1, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	srv := esdbtest.Start(t)

	cmd := exec.Command(bin, "esdb-relay", "-store", srv.URL(), "-nats", ns.ClientURL())
	cmd.Env = append(os.Environ(), "NATS_USER="+natsperm.Relay, "NATS_PASSWORD="+creds[natsperm.Relay])
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })

	es, err := esdb.New(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	sid, _ := eventstore.NewStreamID("framework", "framework", "fw-relay-cli")
	res, err := es.Append(t.Context(), sid, eventstore.NoStream, eventstore.Metadata{}, wrapperspb.String("relayed"))
	if err != nil {
		t.Fatal(err)
	}

	nc, err := ns.Connect(creds.ConnectOptions("monitoring")...)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		if st, err := js.Stream(ctx, jetstream.DefaultStreamName); err == nil {
			if m, err := st.GetLastMsgForSubject(ctx, sid.Subject()); err == nil {
				if m.Header.Get(jetstream.HeaderPosition) == strconv.FormatUint(res.Position, 10) {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("the commit never reached the event stream")
		case err := <-exited:
			t.Fatalf("esdb-relay exited: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Fatalf("esdb-relay after Ctrl-C: %v", err)
	}
	exited <- nil // for the cleanup
}
