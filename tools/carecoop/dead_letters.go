package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

const deadLettersUsage = `usage: carecoop dead-letters <list|replay> [flags]

An event a reaction's handler kept failing on is given up (after its retries)
and recorded as a dead letter in the NATS bucket CARECOOP_DEAD_LETTERS: the
reaction (durable), the commit's position, the event and the error.

  list    the dead letters, of one durable with --durable
  replay  mark a durable's letter (--position N, or --all of them) for replay:
          the service handles the event again, deletes the letter if that
          succeeds and marks it failed-again otherwise

Replaying is an operator's decision, never automatic: an old event handled
after newer ones may undo them (an old RED after a newer GREEN suspends the
provider again), so look at what followed it first.

Connects as the operator: --nats-creds, or NATS_USER and NATS_PASSWORD, or the
dev stack's <--data>/nats-credentials/operator.env.
Run 'carecoop dead-letters <list|replay> -h' for the flags.
`

func runDeadLetters(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("dead-letters: list or replay?\n\n" + deadLettersUsage)
	}
	switch args[0] {
	case "list":
		return runDeadLettersList(args[1:], out)
	case "replay":
		return runDeadLettersReplay(args[1:], out)
	case "-h", "--help", "help":
		_, err := fmt.Fprint(out, deadLettersUsage)
		return err
	}
	return fmt.Errorf("dead-letters: unknown command %q\n\n%s", args[0], deadLettersUsage)
}

// natsConn are the flags that reach NATS as the operator.
type natsConn struct {
	url, data, creds, ca, cert, key string
}

func (c *natsConn) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "nats", nats.DefaultURL, "NATS URL(s), comma-separated")
	fs.StringVar(&c.data, "data", ".carecoop", "data directory of the dev stack, whose nats-credentials/operator.env is used without NATS_USER or --nats-creds")
	fs.StringVar(&c.creds, "nats-creds", "", "NATS credentials file (user JWT and NKey seed)")
	fs.StringVar(&c.ca, "nats-ca", "", "CA certificates (PEM) that sign the NATS servers' certificates")
	fs.StringVar(&c.cert, "nats-cert", "", "client certificate (PEM) for NATS servers that ask for one")
	fs.StringVar(&c.key, "nats-key", "", "private key (PEM) of --nats-cert")
}

// connect reaches NATS as the operator: --nats-creds, else NATS_USER and
// NATS_PASSWORD, else the dev stack's operator credentials in --data.
func (c *natsConn) connect() (natsjs.JetStream, func(), error) {
	opts := []nats.Option{nats.Name("carecoop-dead-letters"), nats.MaxReconnects(0), nats.Timeout(5 * time.Second)}
	user := natsperm.Operator
	switch {
	case c.creds != "":
		opts = append(opts, nats.UserCredentials(c.creds))
	case os.Getenv("NATS_USER") != "":
		user = os.Getenv("NATS_USER")
		opts = append(opts, nats.UserInfo(user, os.Getenv("NATS_PASSWORD")))
	default:
		path := natsserver.CredentialsFile(c.data, natsperm.Operator)
		pw, err := readOperatorPassword(path)
		if err != nil {
			return nil, nil, fmt.Errorf("no NATS credentials: give --nats-creds, set NATS_USER and NATS_PASSWORD, or --data of a dev stack (%w)", err)
		}
		opts = append(opts, nats.UserInfo(natsperm.Operator, pw))
	}
	// The operator's user may subscribe only under its own inbox prefix.
	opts = append(opts, nats.CustomInboxPrefix(natsperm.InboxPrefix(user)))
	if c.ca != "" {
		opts = append(opts, nats.RootCAs(c.ca))
	}
	if (c.cert == "") != (c.key == "") {
		return nil, nil, errors.New("--nats-cert and --nats-key go together")
	}
	if c.cert != "" {
		opts = append(opts, nats.ClientCert(c.cert, c.key))
	}
	nc, err := nats.Connect(c.url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w", c.url, err)
	}
	js, err := natsjs.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return js, nc.Close, nil
}

// readOperatorPassword reads NATS_PASSWORD from a dev credentials file
// (NATS_USER must be the operator). It never creates one: a password the
// running server does not know would not help.
func readOperatorPassword(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok {
			vars[k] = v
		}
	}
	if vars["NATS_USER"] != natsperm.Operator || vars["NATS_PASSWORD"] == "" {
		return "", fmt.Errorf("%s: want NATS_USER=%s and NATS_PASSWORD=…", path, natsperm.Operator)
	}
	return vars["NATS_PASSWORD"], nil
}

func runDeadLettersList(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("dead-letters list", flag.ContinueOnError)
	var conn natsConn
	conn.register(fs)
	durable := fs.String("durable", "", "only this reaction's letters (e.g. purchasing-risk-levels)")
	asJSON := fs.Bool("json", false, "print the letters as a JSON array")
	if err := parseFlags(fs, args, out, "Lists the dead letters: the events reactions gave up on, with the error.\n"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("dead-letters list: unexpected %q", fs.Args())
	}
	js, closeConn, err := conn.connect()
	if err != nil {
		return err
	}
	defer closeConn()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	letters, err := bus.ListDeadLetters(ctx, js, *durable)
	if err != nil {
		return err
	}
	slices.SortStableFunc(letters, func(a, b bus.DeadLetter) int {
		return cmpLetters(a, b)
	})
	if *asJSON {
		if letters == nil {
			letters = []bus.DeadLetter{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(letters)
	}
	return printLetters(out, letters)
}

// cmpLetters orders letters by durable, then position.
func cmpLetters(a, b bus.DeadLetter) int {
	if c := strings.Compare(a.Durable, b.Durable); c != 0 {
		return c
	}
	switch {
	case a.Position < b.Position:
		return -1
	case a.Position > b.Position:
		return 1
	}
	return 0
}

func printLetters(out io.Writer, letters []bus.DeadLetter) error {
	if len(letters) == 0 {
		_, err := fmt.Fprintln(out, "no dead letters")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DURABLE\tPOSITION\tSTATE\tDELIVERED\tDIED AT\tEVENT TYPE\tEVENT ID\tSUBJECT")
	for _, l := range letters {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\n", l.Durable, l.Position, l.State, l.Delivered,
			l.DiedAt.UTC().Format(time.RFC3339), orDash(l.EventType), orDash(l.EventID), l.Subject)
		fmt.Fprintf(tw, "  error: %s\n", l.Error)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out, "%d dead letters\n", len(letters))
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runDeadLettersReplay(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("dead-letters replay", flag.ContinueOnError)
	var conn natsConn
	conn.register(fs)
	durable := fs.String("durable", "", "the reaction whose letter to replay (required)")
	position := fs.Uint64("position", 0, "the letter's position (the commit's position in the event stream)")
	all := fs.Bool("all", false, "replay every letter of --durable, in position order")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for the service to replay (0: do not wait)")
	if err := parseFlags(fs, args, out, "Marks a durable's dead letters for replay; the service handles each event again and\ndeletes its letter if that succeeds. Replaying is your decision: an old event\nhandled after newer ones may undo them.\n"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("dead-letters replay: unexpected %q", fs.Args())
	}
	if *durable == "" || (*position != 0) == *all {
		return errors.New("dead-letters replay: give --durable and either --position or --all")
	}
	js, closeConn, err := conn.connect()
	if err != nil {
		return err
	}
	defer closeConn()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+*wait)
	defer cancel()

	positions := []uint64{*position}
	if *all {
		letters, err := bus.ListDeadLetters(ctx, js, *durable)
		if err != nil {
			return err
		}
		slices.SortFunc(letters, cmpLetters)
		positions = positions[:0]
		for _, l := range letters {
			positions = append(positions, l.Position)
		}
		if len(positions) == 0 {
			_, err := fmt.Fprintf(out, "%s has no dead letters\n", *durable)
			return err
		}
	}
	marked := map[uint64]bus.DeadLetter{}
	for _, p := range positions {
		l, err := bus.RequestReplay(ctx, js, *durable, p)
		if err != nil {
			return err
		}
		marked[p] = l
		fmt.Fprintf(out, "%s: marked for replay (%s %s)\n", l.Key(), orDash(l.EventType), l.Subject)
	}
	if *wait <= 0 {
		return nil
	}
	return awaitReplays(ctx, js, out, marked, *wait)
}

// awaitReplays reports each marked letter's outcome: replayed (deleted) or
// failed again. It fails if any failed again or was still waiting for the
// service after wait.
func awaitReplays(ctx context.Context, js natsjs.JetStream, out io.Writer, marked map[uint64]bus.DeadLetter, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	failed := 0
	for len(marked) > 0 {
		for p, before := range marked {
			l, err := bus.DeadLetterState(ctx, js, before.Durable, p)
			switch {
			case errors.Is(err, bus.ErrNoDeadLetter):
				fmt.Fprintf(out, "%s: replayed; the letter is deleted\n", before.Key())
				delete(marked, p)
			case err != nil:
				return err
			case l.State == bus.StateFailedAgain:
				fmt.Fprintf(out, "%s: failed again: %s\n", before.Key(), l.Error)
				failed++
				delete(marked, p)
			}
		}
		if len(marked) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d letters still marked for replay after %s: the service replays them when its reaction runs (is it running?)", len(marked), wait)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if failed > 0 {
		return fmt.Errorf("%d replays failed again", failed)
	}
	return nil
}
