package main

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/carecoop/carecoop/services/kit/auth"
)

func runToken(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	data := fs.String("data", ".carecoop", "data directory of the dev stack (holds its signing key)")
	org := fs.String("org", "", "organisation: consortium:<slug>, council:<LA code>, provider:<id> or platform")
	roles := fs.String("role", "", "role(s), comma-separated: "+strings.Join(auth.AllRoles(), ", "))
	sub := fs.String("sub", "", "subject (the person); defaults to <role>@<organisation>")
	ttl := fs.Duration("ttl", 12*time.Hour, "lifetime of the token")
	if err := parseFlags(fs, args, out, "Prints a development token, signed by the key of the dev stack in --data, alone\non its last line.\n"); err != nil {
		return err
	}
	p := auth.Principal{Subject: *sub, Organisation: *org, Roles: splitList(*roles)}
	if p.Subject == "" && len(p.Roles) > 0 {
		p.Subject = p.Roles[0] + "@" + *org
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	key, err := stackKey(*data)
	if err != nil {
		return err
	}
	tok, err := auth.IssueToken(key, p, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}

// stackKey returns the signing key of the dev stack in data. A directory
// where `carecoop dev` never ran has none, and a key made up here would sign
// tokens no service accepts, so that is an error, not a new key.
func stackKey(data string) (ed25519.PrivateKey, error) {
	if _, err := os.Stat(filepath.Join(data, auth.DevKeyFile)); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no carecoop stack in %s: run `carecoop dev --data %s` first", data, data)
	}
	return auth.LoadOrCreateDevKey(data)
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
