package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// The issue's "done when": the referral journey of the seeded demo shows,
// in the dev outbox, the providers told of the referral, the commissioner
// told of each offer, and the winner and the others told of the decision;
// each demo person reads their own.
func TestDevOutboxShowsTheReferralJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the carecoop binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "carecoop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	notifyAddr := freeAddr(t)
	cmd := exec.Command(bin, "dev", "--data", data, "--nats-addr", freeAddr(t), "--framework-addr", freeAddr(t), "--purchasing-addr", freeAddr(t),
		"--demand-addr", freeAddr(t), "--monitoring-addr", freeAddr(t), "--notify-addr", notifyAddr, "--portal-addr", freeAddr(t))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
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
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	select {
	case banner := <-ready:
		if !strings.Contains(banner, notifyAddr) {
			t.Errorf("the banner does not name the notify service's address %s:\n%s", notifyAddr, banner)
		}
	case err := <-done:
		t.Fatalf("carecoop dev exited: %v", err)
	case <-time.After(4 * time.Minute):
		t.Fatal("carecoop dev not ready after 4 minutes")
	}

	key, err := auth.LoadOrCreateDevKey(data)
	if err != nil {
		t.Fatal(err)
	}
	as := func(subject, org, role string) notifyv1.NotifyServiceClient {
		tok, err := auth.IssueToken(key, auth.Principal{Subject: subject, Organisation: org, Roles: []string{role}}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		c, err := grpcserver.NewClient(notifyAddr, tok)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return notifyv1.NewNotifyServiceClient(c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	platform := as("carecoop-dev", auth.OrgPlatform, auth.PlatformAdmin)
	byTemplate := map[string][]*notifyv1.OutboxMessage{}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := platform.ListOutbox(ctx, &notifyv1.ListOutboxRequest{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		byTemplate = map[string][]*notifyv1.OutboxMessage{}
		for _, m := range res.GetMessages() {
			byTemplate[m.GetTemplate()] = append(byTemplate[m.GetTemplate()], m)
		}
		complete := true
		for _, want := range []string{"referral-received", "offer-received", "offer-accepted", "offer-not-accepted"} {
			complete = complete && len(byTemplate[want]) > 0
		}
		if complete {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox lacks part of the referral journey: %d referral-received, %d offer-received, %d offer-accepted, %d offer-not-accepted",
				len(byTemplate["referral-received"]), len(byTemplate["offer-received"]), len(byTemplate["offer-accepted"]), len(byTemplate["offer-not-accepted"]))
		}
		time.Sleep(200 * time.Millisecond)
	}

	a14CheckReferralJourney(t, byTemplate)

	// The demo commissioner and the demo responder read their own.
	offer := byTemplate["offer-received"][0]
	org := offer.GetRecipient().GetOrganisation()
	mine, err := as(devSubject(auth.CouncilCommissioner, org), org, auth.CouncilCommissioner).ListMyNotifications(ctx, &notifyv1.ListMyNotificationsRequest{Limit: 1000})
	if err != nil || !containsNotification(mine, offer.GetNotificationId()) {
		t.Fatalf("the demo commissioner of %s does not read %s: %v", org, offer.GetNotificationId(), err)
	}
	referral := byTemplate["referral-received"][0]
	org = referral.GetRecipient().GetOrganisation()
	mine, err = as(devSubject(auth.ProviderResponder, org), org, auth.ProviderResponder).ListMyNotifications(ctx, &notifyv1.ListMyNotificationsRequest{Limit: 1000})
	if err != nil || !containsNotification(mine, referral.GetNotificationId()) {
		t.Fatalf("the demo responder of %s does not read %s: %v", org, referral.GetNotificationId(), err)
	}
}

func containsNotification(res *notifyv1.ListNotificationsResponse, id string) bool {
	for _, n := range res.GetNotifications() {
		if n.GetNotificationId() == id {
			return true
		}
	}
	return false
}

// a14CheckReferralJourney checks the journey of each awarded demo referral
// in the outbox: every provider whose offer was decided was told of the
// referral, the commissioner was told of each of those offers (one
// offer-received cause per offer), the winner was told it won and each
// other offerer that it did not; and at least one referral had others.
func a14CheckReferralJourney(t *testing.T, byTemplate map[string][]*notifyv1.OutboxMessage) {
	t.Helper()
	ref := func(m *notifyv1.OutboxMessage) string { return m.GetLink()[strings.LastIndex(m.GetLink(), "/")+1:] }
	orgs := func(template string) map[string]map[string]bool { // referral → organisations told
		out := map[string]map[string]bool{}
		for _, m := range byTemplate[template] {
			if out[ref(m)] == nil {
				out[ref(m)] = map[string]bool{}
			}
			out[ref(m)][m.GetRecipient().GetOrganisation()] = true
		}
		return out
	}
	told, won, lost := orgs("referral-received"), orgs("offer-accepted"), orgs("offer-not-accepted")
	offers := map[string]map[string]bool{} // referral → offer-received causes
	for _, m := range byTemplate["offer-received"] {
		if offers[ref(m)] == nil {
			offers[ref(m)] = map[string]bool{}
		}
		offers[ref(m)][m.GetCauseEventId()] = true
	}
	withOthers := 0
	for r, winners := range won {
		if len(winners) != 1 {
			t.Errorf("referral %s: %d winners told", r, len(winners))
		}
		for org := range winners {
			if lost[r][org] {
				t.Errorf("referral %s: %s told it won and lost", r, org)
			}
		}
		decided := len(winners) + len(lost[r])
		if len(offers[r]) != decided {
			t.Errorf("referral %s: the commissioner told of %d offers, %d decided", r, len(offers[r]), decided)
		}
		for _, group := range []map[string]bool{winners, lost[r]} {
			for org := range group {
				if !told[r][org] {
					t.Errorf("referral %s: %s told of the decision, never of the referral", r, org)
				}
			}
		}
		if len(lost[r]) > 0 {
			withOthers++
		}
	}
	if len(won) == 0 || withOthers == 0 {
		t.Errorf("%d awarded referrals, %d with other offerers told; want some of each", len(won), withOthers)
	}
}
