package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	demand "github.com/carecoop/carecoop/services/demand/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	purchasing "github.com/carecoop/carecoop/services/purchasing/server"
)

// The sample SSDA903 extract (synthetic) of the kit's ssda903 package.
var (
	sampleEpisodes = filepath.Join("..", "..", "services", "kit", "ssda903", "testdata", "episodes.csv")
	sampleHeader   = filepath.Join("..", "..", "services", "kit", "ssda903", "testdata", "header.csv")
)

const sampleAsAt = "2017-03-31"

// importEnv is a demand service (and the purchasing service, whose DPS
// makes council 352 a member of the north-west consortium) on a test NATS.
type importEnv struct {
	*servicetest.Env
	addr string
	c    demandv1.DemandServiceClient
}

func newImportEnv(t *testing.T) *importEnv {
	t.Helper()
	env := servicetest.New(t, time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC))
	p, err := purchasing.Start(env.Ctx, purchasing.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	d, err := demand.Start(env.Ctx, demand.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	lead := purchasingv1.NewPurchasingServiceClient(env.Dial(p.Addr.String(), env.Token("amara.okafor", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)))
	if _, err := lead.CreateDps(env.Ctx, &purchasingv1.CreateDpsRequest{RequestId: "dps-north-west-import", Terms: &purchasingv1.DpsTerms{
		Title: "North West children's placements DPS", Description: "Children's homes for Greater Manchester councils.",
		Categories: []*purchasingv1.Category{{Id: "residential", Name: "Residential children's homes",
			SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}}},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "safeguarding", Question: "Describe how you keep children safe."}},
		MemberCouncils:    []string{"352", "353"}, MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, EndsOn: "2029-02-23",
	}}); err != nil {
		t.Fatal(err)
	}
	e := &importEnv{Env: env, addr: d.Addr.String()}
	e.c = demandv1.NewDemandServiceClient(env.Dial(e.addr, e.analystToken()))
	return e
}

func (e *importEnv) analystToken() string {
	return e.Token("analyst.352", auth.CouncilOrg("352"), auth.CouncilAnalyst)
}

func (e *importEnv) returns(t *testing.T) []eventstore.RecordedEvent {
	t.Helper()
	events, err := e.Store.ReadStream(e.Ctx, eventstore.StreamID{Context: "demand", Aggregate: "return", ID: "352-" + sampleAsAt})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func importArgs(episodes string, extra ...string) []string {
	return append([]string{"--episodes", episodes, "--header", sampleHeader, "--la", "352", "--as-at", sampleAsAt}, extra...)
}

// A dry run prints the counts and sends nothing.
func TestImport903DryRun(t *testing.T) {
	e := newImportEnv(t)
	before := e.LastPosition()
	var out bytes.Buffer
	if err := runImport903(importArgs(sampleEpisodes, "--dry-run", "--demand-addr", e.addr, "--token", e.analystToken()), strings.NewReader(""), &out); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"SSDA903 needs return for LA 352, as at 2017-03-31", "Children looked after on 2017-03-31: 2100",
		"Placement group", "Age band", "Need (CIN)", "Legal status (LS)", "Year after 2016-03-31 up to 2017-03-31",
		"Dry run: nothing was submitted.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry run does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Submitted") {
		t.Errorf("the dry run says it submitted:\n%s", out.String())
	}
	if after := e.LastPosition(); after != before || len(e.returns(t)) != 0 {
		t.Errorf("the dry run wrote to the store (position %d → %d)", before, after)
	}
	// Without --yes, anything but yes submits nothing either.
	out.Reset()
	if err := runImport903(importArgs(sampleEpisodes, "--demand-addr", e.addr, "--token", e.analystToken()), strings.NewReader("n\n"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[y/N]") || !strings.Contains(out.String(), "Not submitted.") || e.LastPosition() != before {
		t.Errorf("answering no:\n%s", out.String())
	}
}

// A malformed extract gets a report naming file, line and column, and
// nothing is sent.
func TestImport903MalformedReport(t *testing.T) {
	raw, err := os.ReadFile(sampleEpisodes)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	fields := strings.Split(lines[2], ",") // line 3: the second episode
	fields[1] = "31/02/2016"               // DECOM: no such date
	lines[2] = strings.Join(fields, ",")
	bad := filepath.Join(t.TempDir(), "episodes-2017.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	// Council 352's token, signed by a key no service knows: nothing
	// listens at the address either, so a submission would fail.
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.IssueToken(key, auth.Principal{Subject: "analyst.352", Organisation: auth.CouncilOrg("352"), Roles: []string{auth.CouncilAnalyst}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = runImport903(importArgs(bad, "--yes", "--demand-addr", "127.0.0.1:1", "--token", tok), strings.NewReader(""), &out)
	if !errors.Is(err, errNotSubmitted) {
		t.Fatalf("malformed extract: error %v, want errNotSubmitted\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "episodes-2017.csv:3: DECOM:") || !strings.Contains(out.String(), "31/02/2016") {
		t.Errorf("the report does not name the file, line and column:\n%s", out.String())
	}
	if strings.Contains(out.String(), "Needs return for council") || strings.Contains(out.String(), "Submitted") {
		t.Errorf("a malformed extract was summarised or submitted:\n%s", out.String())
	}
	// No child's identifier is repeated in the report.
	child := fields[0]
	if strings.Contains(out.String(), child) {
		t.Errorf("the report names child %s:\n%s", child, out.String())
	}
}

var submitted = regexp.MustCompile(`Submitted needs return (\S+) \(submission (\d+), position (\d+)\)`)

// --yes submits the counts; importing the same files again is the same
// submission, and the demand service holds the counts the summary showed.
func TestImport903SubmitsOnce(t *testing.T) {
	e := newImportEnv(t)
	args := importArgs(sampleEpisodes, "--yes", "--demand-addr", e.addr, "--token", e.analystToken())
	var first, second bytes.Buffer
	if err := runImport903(args, strings.NewReader(""), &first); err != nil {
		t.Fatalf("import: %v\n%s", err, first.String())
	}
	if err := runImport903(args, strings.NewReader(""), &second); err != nil {
		t.Fatalf("import again: %v\n%s", err, second.String())
	}
	m1, m2 := submitted.FindStringSubmatch(first.String()), submitted.FindStringSubmatch(second.String())
	if m1 == nil || m2 == nil {
		t.Fatalf("no submission reported:\n%s\n%s", first.String(), second.String())
	}
	if m1[1] != "352-"+sampleAsAt || m2[1] != m1[1] || m1[2] != "1" || m2[2] != "1" || m2[3] != m1[3] {
		t.Errorf("first import %v, second %v: want the same return, submission 1, same position", m1[1:], m2[1:])
	}
	events := e.returns(t)
	if len(events) != 1 {
		t.Fatalf("the return's stream holds %d submissions, want 1", len(events))
	}
	sent := events[0].Event.(*demandv1.NeedsReturnSubmitted)
	if sent.GetChildren() != 2100 || sent.GetSource() != "ssda903-import" || sent.GetTransitions().GetTo() != sampleAsAt {
		t.Errorf("submitted %d children from %q, transitions to %q", sent.GetChildren(), sent.GetSource(), sent.GetTransitions().GetTo())
	}

	// The counts held are the summary's, along every dimension.
	ret, err := read903(sampleEpisodes, sampleHeader, "352", time.Date(2017, time.March, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for dim, want := range map[string]map[string]int{
		"placement_group": ret.Totals.PlacementGroup, "age_band": ret.Totals.AgeBand, "need": ret.Totals.Need,
		"legal_status": ret.Totals.LegalStatus, "area": ret.Totals.Area, "distance_band": ret.Totals.DistanceBand,
	} {
		got := servicetest.Must(e.c.GetDemand(e.Ctx, &demandv1.GetDemandRequest{Consortium: "north-west", AsAt: sampleAsAt, Dimensions: []string{dim}, MinPosition: e.LastPosition()})).OK(t)
		if got.GetOwnTable().GetTotal().GetCount() != 2100 || got.GetConsortiumTable().GetTotal().GetCount() != 2100 || got.GetCouncils() != 1 {
			t.Errorf("by %s: own total %v, consortium total %v from %d councils, want 2100", dim, got.GetOwnTable().GetTotal(), got.GetConsortiumTable().GetTotal(), got.GetCouncils())
		}
		have := map[string]int{}
		for _, c := range got.GetOwnTable().GetCells() {
			have[c.GetValues()[0]] = int(c.GetCount())
		}
		for k, n := range want {
			if n != 0 && have[k] != n {
				t.Errorf("by %s: %s holds %d, the summary shows %d", dim, k, have[k], n)
			}
			delete(have, k)
		}
		if len(have) != 0 {
			t.Errorf("by %s: the service holds %v, which the summary does not show", dim, have)
		}
	}
}

// A token of another council than --la is refused before anything is asked
// or sent, in one line naming both councils; so is a token of no council.
func TestImport903RefusesAnotherCouncilsToken(t *testing.T) {
	e := newImportEnv(t)
	before := e.LastPosition()
	oldham := e.Token("analyst.353", auth.CouncilOrg("353"), auth.CouncilAnalyst)
	for _, extra := range [][]string{{"--yes"}, nil, {"--dry-run"}} {
		var out bytes.Buffer
		args := importArgs(sampleEpisodes, append(extra, "--demand-addr", e.addr, "--token", oldham)...)
		err := runImport903(args, strings.NewReader("y\n"), &out)
		if err == nil || !strings.Contains(err.Error(), "352") || !strings.Contains(err.Error(), "353") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v with council 353's token and --la 352: error %v, want one line naming both", extra, err)
		}
		if strings.Contains(out.String(), "Submit") || strings.Contains(out.String(), "[y/N]") {
			t.Errorf("%v: asked or submitted with another council's token:\n%s", extra, out.String())
		}
	}
	lead := e.Token("amara.okafor", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	var out bytes.Buffer
	if err := runImport903(importArgs(sampleEpisodes, "--yes", "--demand-addr", e.addr, "--token", lead), strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "not a council") {
		t.Errorf("a lead's token: error %v", err)
	}
	if err := runImport903(importArgs(sampleEpisodes, "--yes", "--demand-addr", e.addr, "--token", "not-a-token"), strings.NewReader(""), &out); err == nil {
		t.Error("a token that is no JWT was used")
	}
	if after := e.LastPosition(); after != before {
		t.Errorf("refused imports wrote to the store (position %d → %d)", before, after)
	}
}

// A return counting no child (an as-at date before the extract's episodes)
// is shown with a warning; --yes alone refuses it, answering no sends
// nothing, and --yes --allow-empty submits it.
func TestImport903EmptyReturn(t *testing.T) {
	e := newImportEnv(t)
	const early = "2014-03-31"
	args := func(extra ...string) []string {
		return append([]string{"--episodes", sampleEpisodes, "--header", sampleHeader, "--la", "352", "--as-at", early,
			"--demand-addr", e.addr, "--token", e.analystToken()}, extra...)
	}
	before := e.LastPosition()
	var out bytes.Buffer
	err := runImport903(args("--yes"), strings.NewReader(""), &out)
	if err == nil || !strings.Contains(err.Error(), "counts no child") || !strings.Contains(err.Error(), "--allow-empty") {
		t.Errorf("--yes with an empty return: error %v", err)
	}
	if !strings.Contains(out.String(), "Children looked after on 2014-03-31: 0") || !strings.Contains(out.String(), "Warning: no child") {
		t.Errorf("the empty return is not shown with a warning:\n%s", out.String())
	}
	out.Reset()
	if err := runImport903(args(), strings.NewReader("n\n"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Submit this EMPTY return for council 352") || !strings.Contains(out.String(), "Not submitted.") {
		t.Errorf("asking about an empty return:\n%s", out.String())
	}
	if after := e.LastPosition(); after != before {
		t.Fatalf("an empty return was sent without being allowed (position %d → %d)", before, after)
	}
	out.Reset()
	if err := runImport903(args("--yes", "--allow-empty"), strings.NewReader(""), &out); err != nil {
		t.Fatalf("--allow-empty: %v\n%s", err, out.String())
	}
	if m := submitted.FindStringSubmatch(out.String()); m == nil || m[1] != "352-"+early || m[2] != "1" {
		t.Errorf("--allow-empty submitted %v:\n%s", m, out.String())
	}
}

// After the council withdraws an imported return, importing the same files
// again submits them anew (and they stand); importing once more is applied
// once.
func TestImport903AgainAfterWithdrawal(t *testing.T) {
	e := newImportEnv(t)
	args := importArgs(sampleEpisodes, "--yes", "--demand-addr", e.addr, "--token", e.analystToken())
	run := func() []string {
		t.Helper()
		var out bytes.Buffer
		if err := runImport903(args, strings.NewReader(""), &out); err != nil {
			t.Fatalf("import: %v\n%s", err, out.String())
		}
		m := submitted.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no submission reported:\n%s", out.String())
		}
		return m[1:]
	}
	own := func() uint32 {
		t.Helper()
		got := servicetest.Must(e.c.GetDemand(e.Ctx, &demandv1.GetDemandRequest{Consortium: "north-west", AsAt: sampleAsAt, Dimensions: []string{"placement_group"}, MinPosition: e.LastPosition()})).OK(t)
		return got.GetOwnTable().GetTotal().GetCount()
	}
	if first := run(); first[1] != "1" {
		t.Fatalf("first import: %v", first)
	}
	servicetest.Must(e.c.WithdrawNeedsReturn(e.Ctx, &demandv1.WithdrawNeedsReturnRequest{RequestId: "withdraw-import-1", Council: "352", AsAt: sampleAsAt,
		Submission: 1, Reason: "Imported before the extract was signed off"})).OK(t)
	if n := own(); n != 0 {
		t.Fatalf("after the withdrawal 352 still counts %d children as at %s", n, sampleAsAt)
	}
	again := run()
	if again[1] != "2" || own() != 2100 {
		t.Errorf("importing again after the withdrawal: %v, own total %d; want submission 2 standing with 2100 children", again, own())
	}
	if once := run(); once[1] != "2" || once[2] != again[2] {
		t.Errorf("importing once more: %v, want the same submission as %v", once, again)
	}
	if n := len(e.returns(t)); n != 3 {
		t.Errorf("the return's stream holds %d events, want 2 submissions and a withdrawal", n)
	}
}
