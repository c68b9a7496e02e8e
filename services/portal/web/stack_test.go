package web_test

import (
	"strconv"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	demand "github.com/carecoop/carecoop/services/demand/server"
	framework "github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	monitoring "github.com/carecoop/carecoop/services/monitoring/server"
	notify "github.com/carecoop/carecoop/services/notify/server"
	"github.com/carecoop/carecoop/services/portal/browsertest"
	"github.com/carecoop/carecoop/services/portal/server"
	"github.com/carecoop/carecoop/services/portal/web"
	purchasing "github.com/carecoop/carecoop/services/purchasing/server"
)

// stack is the whole platform for one browser test: NATS, the five
// services, the portal and a headless Chromium. Setup that is not the
// journey under test goes through gRPC with the people's own tokens.
type stack struct {
	*servicetest.Env
	t      testing.TB
	portal *server.Running
	*browsertest.Browser
	addrs map[string]string
}

// The demo people of the test stack, by name.
var stackPeople = []web.Person{
	{Name: "Amara Okafor", Organisation: auth.ConsortiumOrg("north-west"), Role: auth.ConsortiumLead, Group: "Consortium leads"},
	{Name: "Ben Hartley", Organisation: auth.ConsortiumOrg("yorkshire-humber"), Role: auth.ConsortiumLead, Group: "Consortium leads"},
	{Name: "Chloe Byrne", Organisation: auth.CouncilOrg("352"), Role: auth.CouncilCommissioner, Group: "Councils"},
	{Name: "Dev Patel", Organisation: auth.CouncilOrg("352"), Role: auth.CouncilAnalyst, Group: "Councils"},
	{Name: "Priya Shah", Organisation: auth.ProviderOrg("pennine-pathways"), Role: auth.ProviderAdmin, Group: "Providers"},
	{Name: "Sam Okoro", Organisation: auth.ProviderOrg("northern-lights-care"), Role: auth.ProviderAdmin, Group: "Providers"},
	{Name: "Ines Auditor", Organisation: auth.OrgPlatform, Role: auth.Auditor, Group: "Platform"},
	{Name: "Dana Reed", Organisation: auth.CouncilOrg("352"), Role: auth.CouncilViewer, Group: "Councils"},
	{Name: "Erin Walsh", Organisation: auth.CouncilOrg("353"), Role: auth.CouncilCommissioner, Group: "Councils"},
	{Name: "Fola Adeyemi", Organisation: auth.CouncilOrg("353"), Role: auth.CouncilAnalyst, Group: "Councils"},
	{Name: "Rafi Khan", Organisation: auth.ProviderOrg("pennine-pathways"), Role: auth.ProviderResponder, Group: "Providers"},
	{Name: "Tom Reid", Organisation: auth.ProviderOrg("little-oaks-care"), Role: auth.ProviderAdmin, Group: "Providers"},
	{Name: "Pat Morgan", Organisation: auth.OrgPlatform, Role: auth.PlatformAdmin, Group: "Platform"},
}

// start is the stack's clock at the start: the services decide by it.
var stackStart = time.Date(2026, time.December, 3, 9, 0, 0, 0, time.UTC)

func newStack(t *testing.T) *stack {
	t.Helper()
	s := startStack(t)
	s.Browser = browsertest.New(t, s.portal.URL)
	return s
}

// startStack is the stack without the browser (benchmarks).
func startStack(t testing.TB) *stack {
	t.Helper()
	env := servicetest.New(t, stackStart)
	s := &stack{Env: env, t: t, addrs: map[string]string{}}
	fw, err := framework.Start(env.Ctx, framework.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fw.Stop)
	pu, err := purchasing.Start(env.Ctx, purchasing.Config{Addr: "127.0.0.1:0", Store: env.NewStore(), Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pu.Stop)
	de, err := demand.Start(env.Ctx, demand.Config{Addr: "127.0.0.1:0", Store: env.NewStore(), Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(de.Stop)
	mo, err := monitoring.Start(env.Ctx, monitoring.Config{Addr: "127.0.0.1:0", Store: env.NewStore(), Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mo.Stop)
	// Notifications go to the dev outbox, as in `carecoop dev`; the
	// calendar's sweep and the digests are left to notify's own tests.
	no, err := notify.Start(env.Ctx, notify.Config{Addr: "127.0.0.1:0", Store: env.NewStore(), Verifier: env.Verifier, Clock: env.Clock.Now},
		notify.WithDev(true), notify.WithPortalURL("http://portal.invalid"), notify.WithDigests(false), notify.WithSweepEvery(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(no.Stop)
	s.addrs = map[string]string{"framework": fw.Addr.String(), "purchasing": pu.Addr.String(), "demand": de.Addr.String(), "monitoring": mo.Addr.String(),
		"notify": no.Addr.String()}
	nc, err := env.NATS.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := server.Start(env.Ctx, server.Config{Addr: "127.0.0.1:0", Framework: s.addrs["framework"], Purchasing: s.addrs["purchasing"],
		Demand: s.addrs["demand"], Monitoring: s.addrs["monitoring"], Notify: s.addrs["notify"], JetStream: js, Key: env.Key(), DevPeople: stackPeople, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	s.portal = p
	return s
}

// signIn signs the browser in as the named demo person.
func (s *stack) signIn(name string) {
	s.t.Helper()
	for i, p := range stackPeople {
		if p.Name == name {
			s.Visit("/sign-in")
			s.Follow(`form[action="/dev/sign-in"]:has(input[name="person"][value="` + strconv.Itoa(i) + `"]) button`)
			return
		}
	}
	s.t.Fatalf("no demo person %q", name)
}

func (s *stack) conn(service, org, role string) *grpc.ClientConn {
	return s.Dial(s.addrs[service], s.Token("test:"+role+"@"+org, org, role))
}

// Clients for setup, as one organisation and role.
func (s *stack) framework(org, role string) frameworkv1.FrameworkServiceClient {
	return frameworkv1.NewFrameworkServiceClient(s.conn("framework", org, role))
}

func (s *stack) purchasing(org, role string) purchasingv1.PurchasingServiceClient {
	return purchasingv1.NewPurchasingServiceClient(s.conn("purchasing", org, role))
}

func (s *stack) demand(org, role string) demandv1.DemandServiceClient {
	return demandv1.NewDemandServiceClient(s.conn("demand", org, role))
}

func (s *stack) monitoring(org, role string) monitoringv1.MonitoringServiceClient {
	return monitoringv1.NewMonitoringServiceClient(s.conn("monitoring", org, role))
}

func (s *stack) notify(org, role string) notifyv1.NotifyServiceClient {
	return notifyv1.NewNotifyServiceClient(s.conn("notify", org, role))
}
