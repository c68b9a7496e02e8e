package main

import (
	"flag"
	"fmt"
	"io"
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	p := auth.Principal{Subject: *sub, Organisation: *org, Roles: splitList(*roles)}
	if p.Subject == "" && len(p.Roles) > 0 {
		p.Subject = p.Roles[0] + "@" + *org
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	key, err := auth.LoadOrCreateDevKey(*data)
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

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
