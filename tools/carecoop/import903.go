package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	demand "github.com/carecoop/carecoop/services/demand/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/ssda903"
)

// errNotSubmitted ends an import whose files have problems: the report has
// been printed and nothing was sent.
var errNotSubmitted = errors.New("nothing was submitted")

// runImport903 reads a council's SSDA903 extract on this machine, shows the
// counts it would submit, and submits only the counts: child-level rows never
// leave the machine. The request id is derived from the council, the date and
// the counts, so importing the same files again is applied once.
//
// Checks come before anything is asked or sent: a --token of another
// council than --la is refused (the service would record the counts as the
// token's council's); without --token, a --data holding no dev stack is
// refused (its key signs the token); and a return that counts no child is
// shown with a warning and needs a yes to the question, or --allow-empty
// under --yes.
func runImport903(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("import-903", flag.ContinueOnError)
	episodes := fs.String("episodes", "", "SSDA903 episodes CSV (required)")
	header := fs.String("header", "", "SSDA903 header CSV (required)")
	la := fs.String("la", "", "the council's three-digit DfE LA code (required)")
	asAt := fs.String("as-at", "", "the date to count children looked after on, YYYY-MM-DD (required)")
	addr := fs.String("demand-addr", demand.DefaultAddr, "demand service address")
	data := fs.String("data", ".carecoop", "dev stack data directory (signs a dev token when --token is not given)")
	token := fs.String("token", os.Getenv("CARECOOP_TOKEN"), "bearer token of a council analyst or commissioner (default $CARECOOP_TOKEN)")
	yes := fs.Bool("yes", false, "submit without asking")
	allowEmpty := fs.Bool("allow-empty", false, "with --yes, submit a return that counts no child (refused otherwise)")
	dryRun := fs.Bool("dry-run", false, "show the counts and submit nothing")
	if err := parseFlags(fs, args, stdout, `Reads a council's SSDA903 episodes and header extracts on this machine, shows
the counts of the needs return it would submit (by placement group, age band,
need, legal status, area and distance, and the year's transitions), and
submits only those counts to the demand service: no child-level row leaves
the machine. Without --token it signs a council analyst's token with the key
of the dev stack in --data.
`); err != nil {
		return err
	}
	if *episodes == "" || *header == "" || *la == "" || *asAt == "" {
		fs.Usage()
		return errors.New("--episodes, --header, --la and --as-at are required")
	}
	date, err := time.Parse("2006-01-02", *asAt)
	if err != nil {
		return fmt.Errorf("--as-at: %q is not a date (YYYY-MM-DD)", *asAt)
	}
	var key ed25519.PrivateKey
	if *token != "" {
		if err := tokenIsCouncils(*token, *la); err != nil {
			return err
		}
	} else if key, err = stackKey(*data); err != nil {
		return err
	}
	ret, err := read903(*episodes, *header, *la, date)
	if err != nil {
		var rep *ssda903.Report
		if errors.As(err, &rep) {
			fmt.Fprintf(stdout, "The extract has problems; fix them and import again:\n%s\n", rep.Error())
			return errNotSubmitted
		}
		return err
	}
	// The kit's summary: the portal's needs page shows the same words.
	fmt.Fprint(stdout, ret.Summary())
	empty := ret.Children == 0
	if empty {
		fmt.Fprintf(stdout, "Warning: no child in this extract was looked after on %s, so the return is empty. Submitted, it would stand for council %s as at %s in place of any earlier return, and count none of the council's children. Check --as-at and that the extract covers the year.\n", ret.AsAt, ret.LA, ret.AsAt)
	}
	if *dryRun {
		fmt.Fprintln(stdout, "Dry run: nothing was submitted.")
		return nil
	}
	if empty && *yes && !*allowEmpty {
		return fmt.Errorf("the return for council %s as at %s counts no child: nothing was submitted (--allow-empty with --yes submits it)", ret.LA, ret.AsAt)
	}
	if !*yes {
		what := "these counts"
		if empty {
			what = "this EMPTY return"
		}
		fmt.Fprintf(stdout, "Submit %s for council %s as at %s? Only the counts above leave this machine. [y/N] ", what, ret.LA, ret.AsAt)
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "Not submitted.")
			return nil
		}
	}
	tok := *token
	if tok == "" {
		if tok, err = auth.IssueToken(key, auth.Principal{Subject: "analyst@council:" + *la, Organisation: auth.CouncilOrg(*la), Roles: []string{auth.CouncilAnalyst}}, time.Hour); err != nil {
			return err
		}
	}
	conn, err := grpcserver.NewClient(*addr, tok)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := demandv1.NewDemandServiceClient(conn)
	// A withdrawal since the same files were last imported makes importing
	// them again a new submission, not a retry of the withdrawn one.
	listed, err := client.ListNeedsReturns(ctx, &demandv1.ListNeedsReturnsRequest{AsAt: ret.AsAt})
	if err != nil {
		return fmt.Errorf("reading the council's needs returns as at %s: %w", ret.AsAt, err)
	}
	withdrawals := 0
	for _, r := range listed.GetReturns() {
		if r.GetWithdrawn() {
			withdrawals++
		}
	}
	res, err := client.SubmitNeedsReturn(ctx, needsReturnRequest(ret, withdrawals))
	if err != nil {
		return fmt.Errorf("submitting the needs return: %w", err)
	}
	fmt.Fprintf(stdout, "Submitted needs return %s (submission %d, position %d).\n", res.GetId(), res.GetSubmission(), res.GetPosition())
	return nil
}

// tokenIsCouncils checks, before anything is asked or sent, that a bearer
// token is council la's: the service records a return as the token's
// council's. The token is only read here; the service verifies it.
func tokenIsCouncils(token, la string) error {
	var claims struct {
		Org string `json:"org"`
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("--token is not a bearer token (a JWT): nothing was submitted")
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		err = json.Unmarshal(body, &claims)
	}
	if err != nil || claims.Org == "" {
		return errors.New("--token names no organisation: nothing was submitted")
	}
	kind, code, _ := strings.Cut(claims.Org, ":")
	if kind != auth.OrgCouncil {
		return fmt.Errorf("--la is %s but the token is %s's, not a council's: nothing was submitted", la, claims.Org)
	}
	if code != la {
		return fmt.Errorf("--la is %s but the token is council %s's: nothing was submitted (use a token of council %s)", la, code, la)
	}
	return nil
}

func read903(episodesPath, headerPath, la string, asAt time.Time) (*ssda903.Return, error) {
	ep, err := os.Open(episodesPath)
	if err != nil {
		return nil, err
	}
	defer ep.Close()
	hd, err := os.Open(headerPath)
	if err != nil {
		return nil, err
	}
	defer hd.Close()
	return ssda903.Read(ep, hd, ssda903.Options{LA: la, AsAt: asAt, EpisodesName: filepath.Base(episodesPath), HeaderName: filepath.Base(headerPath)})
}

// needsReturnRequest turns the computed return into the API request: counts
// only, naming the council. The request id is a digest of what is sent, so
// the same extract imported twice is one submission, and a corrected one is
// a new one; withdrawals (of the council's returns for the date) tells one
// import of the same extract from another after a withdrawal.
func needsReturnRequest(r *ssda903.Return, withdrawals int) *demandv1.SubmitNeedsReturnRequest {
	req := &demandv1.SubmitNeedsReturnRequest{Council: r.LA, AsAt: r.AsAt, Source: "ssda903-import"}
	for _, c := range r.Cells {
		req.Cells = append(req.Cells, &demandv1.NeedsCell{PlacementGroup: c.PlacementGroup, AgeBand: c.AgeBand, Need: c.Need,
			LegalStatus: c.LegalStatus, Area: c.Area, DistanceBand: c.DistanceBand, Count: uint32(c.Count)})
	}
	t := r.Transitions
	req.Transitions = &demandv1.Transitions{From: t.From, To: t.To, Entries: u32(t.Entries), Exits: u32(t.Exits), Stayed: u32(t.Stayed)}
	for _, m := range t.Moves {
		req.Transitions.Moves = append(req.Transitions.Moves, &demandv1.Move{From: m.From, To: m.To, Count: uint32(m.Count)})
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|", r.LA, r.AsAt)
	for _, c := range req.Cells {
		fmt.Fprintf(h, "%s,%s,%s,%s,%s,%s,%d;", c.PlacementGroup, c.AgeBand, c.Need, c.LegalStatus, c.Area, c.DistanceBand, c.Count)
	}
	for _, k := range sortedKeys(t.Entries) {
		fmt.Fprintf(h, "e%s=%d;", k, t.Entries[k])
	}
	for _, k := range sortedKeys(t.Exits) {
		fmt.Fprintf(h, "x%s=%d;", k, t.Exits[k])
	}
	for _, k := range sortedKeys(t.Stayed) {
		fmt.Fprintf(h, "s%s=%d;", k, t.Stayed[k])
	}
	for _, m := range t.Moves {
		fmt.Fprintf(h, "m%s>%s=%d;", m.From, m.To, m.Count)
	}
	req.RequestId = "import903-" + r.LA + "-" + hex.EncodeToString(h.Sum(nil))[:24]
	if withdrawals > 0 {
		req.RequestId += fmt.Sprintf("-w%d", withdrawals)
	}
	return req
}

func u32(m map[string]int) map[string]uint32 {
	out := make(map[string]uint32, len(m))
	for k, v := range m {
		out[k] = uint32(v)
	}
	return out
}

func sortedKeys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sumMoves(ms []ssda903.Move) int {
	n := 0
	for _, m := range ms {
		n += m.Count
	}
	return n
}
