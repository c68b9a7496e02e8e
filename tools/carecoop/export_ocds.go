package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	framework "github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/portal/ocds"
	"github.com/carecoop/carecoop/services/portal/view"
	purchasing "github.com/carecoop/carecoop/services/purchasing/server"
)

const exportOcdsAbout = `Prints the platform's open contracting data as one OCDS 1.1 release package
(JSON) on stdout: every framework agreement, dynamic purchasing system and
placement award of every consortium, one release per published decision,
oldest first — the same releases as the portal's /ocds/releases. The package
is validated against OCDS 1.1.5 with the Lots and Techniques extensions before
it is printed. It reads the services as the platform's auditor, with a token
signed by the dev stack's key in --data (or --token).
`

func runExportOcds(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("export-ocds", flag.ContinueOnError)
	data := fs.String("data", ".carecoop", "data directory of the dev stack (holds its signing key)")
	token := fs.String("token", "", "a service token of the platform's auditor to read with, instead of one signed by the dev stack's key")
	fwAddr := fs.String("framework-addr", framework.DefaultAddr, "framework service gRPC address")
	puAddr := fs.String("purchasing-addr", purchasing.DefaultAddr, "purchasing service gRPC address")
	since := fs.Uint64("since", 0, "only the releases after this position (a release id ends in its position)")
	limit := fs.Int("limit", 0, "at most this many releases (0: all); where the next ones start is said on stderr")
	uri := fs.String("uri", "urn:carecoop:export-ocds", "the package's uri, where it will be published")
	var prefixes ocds.Prefixes
	fs.Var(&prefixes, "ocds-prefix", ocds.FlagUsage)
	if err := parseFlags(fs, args, out, exportOcdsAbout); err != nil {
		return err
	}
	if err := prefixes.OrEnv(os.Getenv); err != nil {
		return err
	}
	if *limit < 0 {
		return errors.New("export-ocds: --limit must be 0 (all) or more")
	}
	tok := *token
	if tok == "" {
		key, err := stackKey(*data)
		if err != nil {
			return err
		}
		if tok, err = auth.IssueToken(key, ocds.Reader, 10*time.Minute); err != nil {
			return err
		}
	}
	fwConn, err := grpcserver.NewClient(*fwAddr, tok)
	if err != nil {
		return err
	}
	defer fwConn.Close()
	puConn, err := grpcserver.NewClient(*puAddr, tok)
	if err != nil {
		return err
	}
	defer puConn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in, err := ocds.Fetch(ctx, frameworkv1.NewFrameworkServiceClient(fwConn), purchasingv1.NewPurchasingServiceClient(puConn))
	if err != nil {
		return fmt.Errorf("export-ocds: %w", err)
	}
	all := ocds.Build(in, ocds.Options{Prefixes: prefixes, CouncilName: view.CouncilName})
	n := *limit
	if n == 0 {
		n = len(all) + 1
	}
	page, next := ocds.Page(all, *since, n)
	if next != 0 {
		fmt.Fprintf(os.Stderr, "export-ocds: more releases follow: --since %d gives them\n", next)
	}
	b, err := json.MarshalIndent(ocds.NewPackage(*uri, page, "", time.Now()), "", "  ")
	if err != nil {
		return err
	}
	if len(page) > 0 { // an empty package cannot be valid: OCDS asks for one release at least
		v, err := ocds.NewValidator()
		if err != nil {
			return err
		}
		if err := v.Package(b); err != nil {
			return fmt.Errorf("export-ocds: the package does not validate, so it is not printed: %w", err)
		}
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}
