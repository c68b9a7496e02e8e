package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// TestReadmeExamples runs the examples of the README against a fresh stack,
// as a reader would, and checks that each shows what the README says it
// shows. The convention, for whoever edits README.md:
//
//   - Every ```sh block runs, in the README's order, in one bash session
//     (bash -euo pipefail): a variable or function one block defines is
//     there for the next. A command that fails fails the test, naming its
//     README line.
//   - A comment line "# → TEXT" after a command says what that command
//     prints (stdout and stderr): the output must contain TEXT, whitespace
//     ignored and "…" standing for any text. Lines "#  MORE" (a hash and at
//     least two spaces) right after it continue TEXT.
//   - "<!-- readme-test: skip (why) -->" on the line before a block leaves
//     the block out; the reason is required.
//
// The test plays the reader's part: it builds carecoop and starts a fresh
// `carecoop dev` (what `make run` starts) in a temporary directory, its data
// in .carecoop there, on free ports. Bash runs in that directory, where
// services/ links to the repository's (the import example's paths), with
// two shell functions: `go run ./tools/carecoop ARGS` runs the built binary
// (pointed at the test stack's demand service for import-903), and grpcurl
// (v1.9.3, installed from the Go module proxy as the README says) is called
// with the README's addresses 127.0.0.1:7101…7104 replaced by the test
// stack's. Standard input holds "y", the reader's answer to a question.
func TestReadmeExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds carecoop and grpcurl and runs a dev stack")
	}
	// The README's shell is bash with GNU coreutils (date -d, base64 -d).
	if err := exec.Command("bash", "-c", "date -d '+1 day' +%F && base64 -d </dev/null && mktemp -u").Run(); err != nil {
		t.Skipf("the README's examples need bash and GNU date, base64 and mktemp: %v", err)
	}
	blocks, err := readmeBlocks("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, steps, err := readmeScript(blocks)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "carecoop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	gobin := filepath.Join(dir, "gobin")
	install := exec.Command("go", "install", "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3")
	install.Dir, install.Env = dir, append(os.Environ(), "GOBIN="+gobin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("installing grpcurl from the Go module proxy: %v\n%s", err, out)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, "services"), filepath.Join(work, "services")); err != nil {
		t.Fatal(err)
	}
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)}
	data := filepath.Join(work, ".carecoop")
	dev := startDev(t, bin, data, addrs...)
	defer dev.stop(t)
	readmeSettle(t, bin, data, addrs)

	scriptFile := filepath.Join(dir, "readme.sh")
	if err := os.WriteFile(scriptFile, []byte(readmePrelude+script), 0o600); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(dir, "readme.out")
	out, err := os.Create(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", scriptFile)
	cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr = work, strings.NewReader("y\n"), out, out
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CARECOOP_TOKEN=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "README_CARECOOP="+bin, "README_GOBIN="+gobin,
		"README_FRAMEWORK="+addrs[1], "README_PURCHASING="+addrs[2], "README_DEMAND="+addrs[3], "README_MONITORING="+addrs[4])
	// Its own process group, so that nothing it started in the background
	// outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	runErr := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	transcript, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	outputs, last := readmeOutputs(string(transcript))
	if runErr != nil {
		if ctx.Err() != nil {
			t.Fatalf("the README's examples had not finished after 5 minutes; the last command started is at README.md:%d:\n%s", last, outputs[last])
		}
		t.Fatalf("the command at README.md:%d failed (%v):\n%s", last, runErr, outputs[last])
	}
	checked := 0
	for _, s := range steps {
		for _, want := range s.expect {
			got, ran := outputs[s.line]
			switch {
			case !ran:
				t.Errorf("README.md:%d never ran, so it cannot show %q", s.line, want)
			case !readmeShows(got, want):
				t.Errorf("README.md:%d shows\n  %s\nbut its output is:\n%s", s.line, want, got)
			default:
				checked++
			}
		}
	}
	t.Logf("ran %d README blocks (%d commands), %d outputs as the README shows them", len(blocks), len(steps), checked)
}

// readmeSettle waits until the stack holds what the README says the demo
// holds. `carecoop dev` says it is ready once monitoring has made its
// judgements and the framework has suspended the red provider on its lots;
// purchasing's suspension of that provider from matching and demand's read
// of the seeded returns follow through the event stream, each on its own.
func readmeSettle(t *testing.T, bin, data string, addrs []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lead := token(t, bin, data, "consortium:north-west", "consortium_lead")
	risks, err := monitoringClient(t, lead, addrs[4]).ListRiskLevels(ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: demoConsortium})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpcserver.NewClient(addrs[3], token(t, bin, data, "council:352", "council_analyst"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := demandv1.NewDemandServiceClient(conn).GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: demoConsortium,
		Dimensions: []string{"placement_group"}, MinPosition: risks.GetPosition()}); err != nil {
		t.Fatal(err)
	}
	purchasing := purchasingClient(t, lead, addrs[2])
	for {
		log, err := purchasing.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: "dps-3108071c11f3c9bb4fad"})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range log.GetDecisions() {
			if d.GetDecision() == "MatchingSuspended" && d.GetProviderId() == "northern-lights-care" {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("purchasing has not suspended northern-lights-care from matching a minute after the stack was ready")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// readmePrelude is what the test puts before the README's blocks: the
// reader's tools, pointed at the test's stack (see TestReadmeExamples).
const readmePrelude = `# The test's stand-ins for the reader's machine.
export PATH="$README_GOBIN:$PATH"
go() {
  if [ "${1-}" = run ] && [ "${2-}" = ./tools/carecoop ]; then
    shift 2
    if [ "${1-}" = import-903 ]; then set -- "$@" --demand-addr "$README_DEMAND"; fi
    "$README_CARECOOP" "$@"
  else
    command go "$@"
  fi
}
grpcurl() {
  local args=() a
  for a in "$@"; do
    case "$a" in
      127.0.0.1:7101) a=$README_FRAMEWORK ;;
      127.0.0.1:7102) a=$README_PURCHASING ;;
      127.0.0.1:7103) a=$README_DEMAND ;;
      127.0.0.1:7104) a=$README_MONITORING ;;
    esac
    args+=("$a")
  done
  command grpcurl "${args[@]}"
}
readme_step() { printf '\n@@readme-step %s@@\n' "$1"; }
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
`

var readmeStepMark = regexp.MustCompile(`(?m)^@@readme-step (\d+)@@\n`)

// readmeOutputs splits the transcript by command: what the command at each
// README line printed, and the line of the last command started.
func readmeOutputs(transcript string) (map[int]string, int) {
	out := map[int]string{}
	last := 0
	marks := readmeStepMark.FindAllStringSubmatchIndex(transcript, -1)
	for i, m := range marks {
		line, _ := strconv.Atoi(transcript[m[2]:m[3]])
		end := len(transcript)
		if i+1 < len(marks) {
			end = marks[i+1][0]
		}
		out[line] += transcript[m[1]:end]
		last = line
	}
	return out, last
}

// readmeBlock is one ```sh block: its lines and the README line of the first.
type readmeBlock struct {
	first int
	lines []string
}

var readmeSkip = regexp.MustCompile(`^<!-- readme-test: skip \((.+)\) -->$`)

// readmeBlocks returns the README's sh blocks that are not marked to skip.
func readmeBlocks(path string) ([]readmeBlock, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	skip, prev, n := false, "", 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh":
			cur = &readmeBlock{first: n + 1}
			skip = readmeSkip.MatchString(strings.TrimSpace(prev))
		case cur != nil && line == "```":
			if !skip {
				blocks = append(blocks, *cur)
			}
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, line)
		case strings.Contains(line, "readme-test:") && !readmeSkip.MatchString(strings.TrimSpace(line)):
			return nil, fmt.Errorf("README.md:%d: %q is not <!-- readme-test: skip (why) -->", n, line)
		}
		if strings.TrimSpace(line) != "" {
			prev = line
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: the sh block never ends", cur.first-1)
	}
	if len(blocks) == 0 {
		return nil, errors.New("README.md has no sh block to run")
	}
	return blocks, nil
}

// readmeStep is a command of the README: its line and what it shows.
type readmeStep struct {
	line   int
	expect []string
}

// readmeScript joins the blocks into one script, marking the start of every
// command so that its output can be told apart, and collects what each
// command shows.
func readmeScript(blocks []readmeBlock) (string, []*readmeStep, error) {
	var b strings.Builder
	var steps []*readmeStep
	for _, bl := range blocks {
		fmt.Fprintf(&b, "\n# README.md:%d\n", bl.first)
		var q readmeQuotes
		var step *readmeStep
		expecting := false // the previous line was a "# →" line or its continuation
		for i, line := range bl.lines {
			n := bl.first + i
			if q.open() {
				q.scan(line)
				b.WriteString(line + "\n")
				continue
			}
			trimmed := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(trimmed, "# →"):
				if step == nil {
					return "", nil, fmt.Errorf("README.md:%d: %q follows no command", n, trimmed)
				}
				step.expect = append(step.expect, strings.TrimSpace(strings.TrimPrefix(trimmed, "# →")))
				expecting = true
				continue
			case expecting && strings.HasPrefix(line, "#  "):
				step.expect[len(step.expect)-1] += " " + strings.TrimSpace(strings.TrimPrefix(line, "#"))
				continue
			}
			expecting = false
			if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
				step = &readmeStep{line: n}
				steps = append(steps, step)
				fmt.Fprintf(&b, "readme_step %d\n", n)
			}
			q.scan(line)
			b.WriteString(line + "\n")
		}
		if q.open() {
			return "", nil, fmt.Errorf("README.md:%d: the block ends inside a quote or a continued line", bl.first)
		}
	}
	return b.String(), steps, nil
}

// readmeQuotes follows shell quoting across lines, enough to tell where a
// command that spans lines (a quoted JSON body, a trailing backslash) ends.
type readmeQuotes struct {
	single, double, continued bool
}

func (q *readmeQuotes) open() bool { return q.single || q.double || q.continued }

func (q *readmeQuotes) scan(line string) {
	q.continued = false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case q.single:
			q.single = c != '\''
		case c == '\\':
			if i == len(line)-1 {
				q.continued = true
			}
			i++
		case q.double:
			q.double = c != '"'
		case c == '\'':
			q.single = true
		case c == '"':
			q.double = true
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return // a comment to the end of the line
		}
	}
}

// readmeShows reports whether output contains want, whitespace ignored and
// "…" in want standing for any text.
func readmeShows(output, want string) bool {
	out := readmeNoSpace(output)
	for _, part := range strings.Split(readmeNoSpace(want), "…") {
		i := strings.Index(out, part)
		if i < 0 {
			return false
		}
		out = out[i+len(part):]
	}
	return true
}

func readmeNoSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestReadmeConvention checks how the README test reads a block: where
// commands start, which output each "# →" line is about, and what counts as
// showing it.
func TestReadmeConvention(t *testing.T) {
	block := readmeBlock{first: 10, lines: []string{
		`X=$(grpcurl -d '{`,
		`  "a": "# not a comment"}' \`,
		`  host Svc/M); echo "$X"`,
		`# → {"id": "x-…", "position": "…"}`,
		`#     "more": 1`,
		`# a plain comment`,
		`echo "two \" words" # trailing comment`,
		`# → two`,
	}}
	script, steps, err := readmeScript([]readmeBlock{block})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].line != 10 || steps[1].line != 16 {
		t.Fatalf("steps %+v, want commands at lines 10 and 16", steps)
	}
	if want := `{"id": "x-…", "position": "…"} "more": 1`; len(steps[0].expect) != 1 || steps[0].expect[0] != want {
		t.Errorf("the first command shows %q, want [%q]", steps[0].expect, want)
	}
	if strings.Count(script, "readme_step ") != 2 || strings.Contains(script, "→") {
		t.Errorf("script:\n%s", script)
	}
	for _, c := range []struct {
		out, want string
		shows     bool
	}{
		{"{\n  \"id\": \"x-1\",\n  \"position\": \"7\",\n  \"more\": 1\n}", `{"id": "x-…", "position": "…"} "more": 1`, false},
		{"{\n  \"id\": \"x-1\",\n  \"position\": \"7\"\n}\n \"more\": 1", `{"id": "x-…", "position": "…"} "more": 1`, true},
		{`{"a": 1, "b": 2}`, `"b": 2, … "a": 1`, false},
		{`{"a": 1, "b": 2}`, `"a": …, "b": 2`, true},
	} {
		if got := readmeShows(c.out, c.want); got != c.shows {
			t.Errorf("readmeShows(%q, %q) = %v", c.out, c.want, got)
		}
	}
	if _, _, err := readmeScript([]readmeBlock{{first: 1, lines: []string{"# → orphan"}}}); err == nil {
		t.Error("a # → line before any command is accepted")
	}
	if _, _, err := readmeScript([]readmeBlock{{first: 1, lines: []string{`echo 'open`}}}); err == nil {
		t.Error("a block ending inside a quote is accepted")
	}
}
