package server_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/server"
)

// The harness runs the notifications service as production runs it, on a
// real NATS with JetStream (servicetest.Env) and real gRPC. The other
// contexts' events are appended to the same event stream as their services
// append them (their subjects, their protos), so the reaction consumes
// them through the kit's bus exactly as it would theirs. Reads pass the
// store's last position as min_position; what the reaction writes later is
// waited for with eventually.

// start is the services' clock: Thursday 3 December 2026, 09:00.
var start = time.Date(2026, time.December, 3, 9, 0, 0, 0, time.UTC)

type harness struct {
	*servicetest.Env
	t      *testing.T
	opts   []app.Option
	notify *server.Running

	mu      sync.Mutex
	clients map[string]notifyv1.NotifyServiceClient
}

func newHarness(t *testing.T, opts ...app.Option) *harness {
	t.Helper()
	h := &harness{Env: servicetest.New(t, start), t: t, opts: append([]app.Option{app.WithDev(true), app.WithPortalURL("https://portal.example"), app.WithDigests(false), app.WithSweepEvery(0)}, opts...)}
	h.startNotify(h.Store)
	t.Cleanup(func() { h.notify.Stop() })
	return h
}

func (h *harness) startNotify(store eventstore.Store) {
	h.t.Helper()
	log := zaptest.NewLogger(h.t, zaptest.Level(zap.WarnLevel))
	n, err := server.Start(h.Ctx, server.Config{Addr: "127.0.0.1:0", Store: store, Verifier: h.Verifier, Clock: h.Clock.Now, Logger: log}, h.opts...)
	if err != nil {
		h.t.Fatalf("notify: %v", err)
	}
	h.mu.Lock()
	h.notify, h.clients = n, map[string]notifyv1.NotifyServiceClient{}
	h.mu.Unlock()
}

// restart starts a new notifications service over a new connection:
// nothing survives but the stream and the durable consumer's position.
func (h *harness) restart() {
	h.t.Helper()
	h.notify.Stop()
	h.startNotify(h.NewStore())
}

func (h *harness) n(subject, org, role string) notifyv1.NotifyServiceClient {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := subject + "|" + org + "|" + role
	if c, ok := h.clients[k]; ok {
		return c
	}
	c := notifyv1.NewNotifyServiceClient(h.Dial(h.notify.Addr.String(), h.Token(subject, org, role)))
	h.clients[k] = c
	return c
}

// Callers.
func (h *harness) platform() notifyv1.NotifyServiceClient {
	return h.n("admin@platform", auth.OrgPlatform, auth.PlatformAdmin)
}

func (h *harness) commissioner(la, subject string) notifyv1.NotifyServiceClient {
	return h.n(subject, auth.CouncilOrg(la), auth.CouncilCommissioner)
}

// append writes another context's events as one commit, as its service would.
func (h *harness) append(context, aggregate, id string, events ...proto.Message) uint64 {
	h.t.Helper()
	res, err := h.Store.Append(h.Ctx, eventstore.StreamID{Context: context, Aggregate: aggregate, ID: id}, eventstore.Any,
		eventstore.Metadata{Actor: eventstore.Actor{Subject: "someone", Organisation: "platform", Role: "platform_admin"}, OccurredAt: h.Clock.Now()}, events...)
	if err != nil {
		h.t.Fatalf("append %s.%s.%s: %v", context, aggregate, id, err)
	}
	return res.Position
}

// registerProvider registers a provider with a referrals and a contracts contact.
func (h *harness) registerProvider(id string) {
	h.t.Helper()
	h.append("purchasing", "provider", id, &purchasingv1.ProviderRegistered{ProviderId: id, Profile: &purchasingv1.ProviderProfile{
		LegalName: strings.ToUpper(id[:1]) + id[1:] + " Ltd", Contacts: []*purchasingv1.Contact{
			{Name: "Referrals team", Role: "referrals", Email: "referrals@" + id + ".example"},
			{Name: "Contracts manager", Role: "contracts", Email: "contracts@" + id + ".example"},
		}}})
}

// outbox is every message in the dev outbox, oldest first.
func (h *harness) outbox() []*notifyv1.OutboxMessage {
	h.t.Helper()
	res := servicetest.Must(h.platform().ListOutbox(h.Ctx, &notifyv1.ListOutboxRequest{MinPosition: h.LastPosition()})).OK(h.t)
	out := res.GetMessages()
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// eventually waits for cond (the reaction runs behind the commands).
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle waits until the reaction has handled every event in the stream
// (its durable has nothing pending or unacknowledged: a message is acked
// once handled), so whatever it would send has been sent and a check that
// nothing more comes needs no sleep.
func (h *harness) settle() {
	h.t.Helper()
	src, ok := h.Store.(bus.Source)
	if !ok {
		h.t.Fatalf("the store %T is not a stream the reaction consumes", h.Store)
	}
	h.eventually("the reaction to handle every event", func() bool {
		c, err := src.JetStream().Consumer(h.Ctx, src.StreamName(), app.Durable)
		if err != nil {
			return false
		}
		info, err := c.Info(h.Ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
}

// waitOutbox waits until the outbox holds n messages and, every event
// handled, still holds n.
func (h *harness) waitOutbox(n int) []*notifyv1.OutboxMessage {
	h.t.Helper()
	var got []*notifyv1.OutboxMessage
	h.eventually("the outbox to hold messages", func() bool { got = h.outbox(); return len(got) >= n })
	h.settle()
	if got = h.outbox(); len(got) != n {
		h.t.Fatalf("outbox holds %d messages, want %d: %s", len(got), n, describe(got))
	}
	return got
}

func describe(ms []*notifyv1.OutboxMessage) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("\n  " + m.GetTemplate() + " → " + m.GetRecipient().GetEmail())
	}
	return b.String()
}

// sent counts the outbox's messages by "template → email".
func sent(ms []*notifyv1.OutboxMessage) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		out[m.GetTemplate()+" → "+m.GetRecipient().GetEmail()]++
	}
	return out
}
