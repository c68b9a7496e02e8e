package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/carecoop/carecoop/services/portal/browsertest"
)

// TestScreenshots writes PNGs of the portal's main pages for each kind of
// user over the seeded demo stack into $CARECOOP_SCREENSHOTS (make
// screenshots: docs/screenshots), checking each page with axe on the way.
// Skipped unless asked for.
func TestScreenshots(t *testing.T) {
	out := os.Getenv("CARECOOP_SCREENSHOTS")
	if out == "" {
		t.Skip("set CARECOOP_SCREENSHOTS to a directory (make screenshots)")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := buildCarecoop(t)
	portalAddr := freeAddr(t)
	dev := startDev(t, bin, filepath.Join(dir, "data"), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), portalAddr)
	defer dev.stop(t)
	b := browsertest.New(t, "http://"+portalAddr)
	shot := func(name string) {
		t.Helper()
		b.Axe()
		if err := os.WriteFile(filepath.Join(out, name+".png"), b.Screenshot(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// as signs in as the demo person of an organisation and role, found on
	// the sign-in page by its cells (the list's order depends on the seed).
	as := func(org, role string) {
		t.Helper()
		b.Visit("/sign-in")
		i := b.Eval(`(() => { const r = [...document.querySelectorAll("tbody tr")].find(r => r.cells[1].textContent.trim() === ` +
			strconv.Quote(org) + ` && r.cells[2].textContent.trim() === ` + strconv.Quote(role) + `);
			return r ? r.querySelector("input[name=person]").value : "" })()`)
		if i == "" {
			t.Fatalf("no demo person %s of %s on the sign-in page", role, org)
		}
		b.Follow(`form[action="/dev/sign-in"]:has(input[name="person"][value="` + i + `"]) button`)
	}
	// pages visits each path (or, for a selector, follows the first link it
	// matches on the page before) and shoots it.
	pages := func(list ...[2]string) {
		t.Helper()
		for _, p := range list {
			if p[0][0] == '/' {
				b.Visit(p[0])
			} else {
				b.Follow(p[0])
			}
			shot(p[1])
		}
	}

	b.Visit("/sign-in")
	shot("sign-in")

	as("consortium:north-west", "consortium lead")
	pages([2]string{"/", "lead-home"}, [2]string{"/frameworks", "lead-frameworks"}, [2]string{"/dps", "lead-dps"},
		[2]string{"/consortium", "lead-consortium"}, [2]string{"/decisions", "lead-decisions"})

	as("council:352", "council commissioner")
	pages([2]string{"/", "commissioner-home"}, [2]string{"/referrals", "commissioner-referrals"},
		[2]string{`#main-content table a[href^="/referrals/ref-"]`, "commissioner-referral"},
		[2]string{"/referrals/new/child", "commissioner-place-a-child"},
		[2]string{"/placements", "commissioner-placements"},
		[2]string{`#main-content table a[href^="/placements/"]`, "commissioner-placement"},
		[2]string{"/alerts", "commissioner-alerts"}, [2]string{"/demand", "council-demand"},
		[2]string{"/notifications", "commissioner-notifications"}, [2]string{"/dev/outbox", "dev-outbox"})

	as("council:352", "council analyst")
	pages([2]string{"/", "analyst-home"}, [2]string{"/needs", "analyst-needs"}, [2]string{"/needs/new", "analyst-needs-new"})

	as("provider:pennine-pathways", "provider admin")
	pages([2]string{"/", "provider-home"}, [2]string{"/organisation", "provider-organisation"}, [2]string{"/memberships", "provider-memberships"},
		[2]string{"/vacancies", "provider-vacancies"}, [2]string{"/inbox", "provider-inbox"}, [2]string{"/tenders", "provider-tenders"})

	as("provider:pennine-pathways", "provider responder")
	pages([2]string{"/", "provider-responder-home"})

	as("provider:mersey-vale-fostering", "provider admin")
	pages([2]string{"/returns", "provider-monitoring"})

	as("platform", "auditor")
	pages([2]string{"/decisions", "auditor-decisions"})

	as("platform", "platform admin")
	pages([2]string{"/platform/health", "platform-health"}, [2]string{"/platform/organisations", "platform-organisations"})
}
