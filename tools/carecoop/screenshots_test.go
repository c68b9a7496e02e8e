package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/carecoop/carecoop/services/portal/browsertest"
)

// TestScreenshots writes PNGs of the portal's main pages over the seeded
// demo stack into $CARECOOP_SCREENSHOTS (make screenshots: docs/screenshots),
// checking each page with axe on the way. Skipped unless asked for.
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
		if err := os.WriteFile(filepath.Join(out, name+".png"), b.Screenshot(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.Visit("/sign-in")
	shot("sign-in")
	b.Follow(`form[action="/dev/sign-in"]:has(input[name="person"][value="0"]) button`)
	shot("lead-home")
	for _, page := range []struct{ path, name string }{
		{"/frameworks", "lead-frameworks"}, {"/dps", "lead-dps"}, {"/consortium", "lead-consortium"}, {"/decisions", "lead-decisions"},
	} {
		b.Visit(page.path)
		shot(page.name)
	}
}
