package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carecoop/carecoop/services/portal/ocds"
)

// TestExportOcdsFromTheDevStack starts `carecoop dev` as a user would and
// runs `carecoop export-ocds` against it with a prefix for the north-west
// consortium: the package on stdout and every release in it validate
// against OCDS 1.1.5 with the Lots and Techniques extensions; the seeded
// framework, DPS, placements and call-off are there under the prefix (another
// consortium's under the development one); and neither
// a bid the panel did not admit nor the words of a referral, an offer or
// a decision are.
func TestExportOcdsFromTheDevStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the carecoop binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "carecoop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)}
	dev := startDev(t, bin, data, addrs...)
	defer dev.stop(t)

	cmd := exec.Command(bin, "export-ocds", "--data", data, "--framework-addr", addrs[1], "--purchasing-addr", addrs[2],
		"--ocds-prefix", "north-west=ocds-abc123")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("export-ocds: %v\n%s", err, stderr.String())
	}
	v, err := ocds.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Package(out); err != nil {
		t.Fatalf("the package does not validate: %v", err)
	}
	rels, err := ocds.ReleasesOf(out)
	if err != nil {
		t.Fatal(err)
	}
	stories := map[string][]string{} // kind of process → tags in order
	var fwReleases strings.Builder
	for _, raw := range rels {
		if err := v.Release(raw); err != nil {
			t.Errorf("a release does not validate: %v\n%s", err, raw)
		}
		var r struct {
			OCID   string   `json:"ocid"`
			Tag    []string `json:"tag"`
			Tender struct {
				ProcuringEntity struct {
					ID string `json:"id"`
				} `json:"procuringEntity"`
			} `json:"tender"`
			RelatedProcesses []struct {
				Identifier string `json:"identifier"`
			} `json:"relatedProcesses"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		// The north-west's processes under its prefix; another
		// consortium's under the development one.
		prefix := ocds.DevelopmentPrefix + "-"
		if r.Tender.ProcuringEntity.ID == "consortium:north-west" {
			prefix = "ocds-abc123-"
		}
		if !strings.HasPrefix(r.OCID, prefix) {
			t.Errorf("ocid %s of %s is not under %s", r.OCID, r.Tender.ProcuringEntity.ID, prefix)
			continue
		}
		if prefix != "ocds-abc123-" {
			continue
		}
		kind := strings.SplitN(strings.TrimPrefix(r.OCID, prefix), "-", 2)[0]
		stories[kind] = append(stories[kind], strings.Join(r.Tag, "+"))
		if kind == "pl" && len(r.RelatedProcesses) == 1 && strings.HasPrefix(r.RelatedProcesses[0].Identifier, "ocds-abc123-fw-") {
			stories["call-off"] = append(stories["call-off"], strings.Join(r.Tag, "+"))
		}
		if kind == "fw" {
			fwReleases.Write(raw)
		}
	}
	// The active framework (tender, award, contract) and the open tender.
	if got := strings.Join(stories["fw"], " "); strings.Count(got, "tender") < 2 ||
		!strings.Contains(got, "award") || !strings.Contains(got, "contract") {
		t.Errorf("framework releases: %s", got)
	}
	if got := stories["dps"]; len(got) < 2 || got[0] != "tender" || got[1] != "award" {
		t.Errorf("DPS releases: %v", got)
	}
	if got := stories["pl"]; len(got) == 0 || got[0] != "award+contract" {
		t.Errorf("placement releases: %v", got)
	}
	// The seeded direct award under the framework's lot 1.
	if got := stories["call-off"]; len(got) != 1 {
		t.Errorf("call-offs related to the framework: %v", got)
	}
	// Bids under a lot's quality threshold were not admitted: their prices
	// are nowhere in the frameworks' releases.
	thresholds := map[string]uint32{}
	for _, l := range demoTerms().GetLots() {
		thresholds[l.GetLotId()] = l.GetQualityThreshold()
	}
	for _, b := range demoBids {
		if b.quality < thresholds[b.lot] {
			if price := fmt.Sprintf("%d.%02d", b.pence/100, b.pence%100); strings.Contains(fwReleases.String(), price) {
				t.Errorf("the framework's releases publish %s's losing bid of %s", b.provider, price)
			}
		}
	}
	for _, words := range []string{"within reach of current school", "Registered manager has reviewed", "Moderated panel score",
		"Evaluation panel recommendation", "social worker", "young people", "Permanent teams"} {
		if strings.Contains(string(out), words) {
			t.Errorf("the export publishes %q", words)
		}
	}
}

// export-ocds says what it does on -h, and refuses a prefix that is none
// and a data directory where no stack ever ran, on stderr.
func TestExportOcdsHelpAndRefusals(t *testing.T) {
	bin := buildCarecoop(t)
	stdout, stderr, code := runCarecoop(t, bin, "export-ocds", "-h")
	for _, want := range []string{"usage: carecoop export-ocds [flags]", "OCDS 1.1 release package", "-ocds-prefix", "ocds-devonly", "-since"} {
		if code != 0 || stderr != "" || !strings.Contains(stdout, want) {
			t.Errorf("export-ocds -h: exit %d, stderr %q; stdout lacks %q:\n%s", code, stderr, want, stdout)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ocds-prefix", "north-west=abc"}, "want consortium=ocds-xxxxxx"},
		{[]string{"--data", t.TempDir()}, "no carecoop stack"},
		{[]string{"--limit", "-1"}, "--limit"},
	} {
		stdout, stderr, code := runCarecoop(t, bin, append([]string{"export-ocds"}, c.args...)...)
		if code == 0 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("export-ocds %s: exit %d, stdout %q, stderr %q; want %q", strings.Join(c.args, " "), code, stdout, stderr, c.want)
		}
	}
}
