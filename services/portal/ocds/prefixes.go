package ocds

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// DevelopmentPrefix is the ocid prefix of a consortium without a registered
// one. It is not registered with the Open Contracting Partnership: data
// published with it is for development and tests only, and a deployment
// gives each consortium its own prefix (--ocds-prefix).
const DevelopmentPrefix = "ocds-devonly"

// PrefixEnv is the environment variable the portal and the CLI read
// prefixes from when no --ocds-prefix flag gives them: a comma-separated
// list of consortium=prefix.
const PrefixEnv = "CARECOOP_OCDS_PREFIX"

var (
	prefixRE     = regexp.MustCompile(`^ocds-[a-z0-9]{6,12}$`)
	consortiumRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

// Prefixes are the registered ocid prefixes by consortium slug. The zero
// value gives every consortium DevelopmentPrefix. It is a flag.Value: each
// --ocds-prefix consortium=ocds-xxxxxx adds one.
type Prefixes struct {
	by map[string]string
}

// For is the prefix of a consortium's processes.
func (p Prefixes) For(consortium string) string {
	if v, ok := p.by[consortium]; ok {
		return v
	}
	return DevelopmentPrefix
}

// Set adds consortium=prefix, or a comma-separated list of them.
func (p *Prefixes) Set(spec string) error {
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		slug, prefix, ok := strings.Cut(part, "=")
		if !ok || !consortiumRE.MatchString(slug) || !prefixRE.MatchString(prefix) {
			return fmt.Errorf("ocds prefix %q: want consortium=ocds-xxxxxx (a consortium slug and its registered prefix)", part)
		}
		if p.by == nil {
			p.by = map[string]string{}
		}
		p.by[slug] = prefix
	}
	return nil
}

// String lists the prefixes as Set reads them.
func (p *Prefixes) String() string {
	if p == nil {
		return ""
	}
	var out []string
	for slug, prefix := range p.by {
		out = append(out, slug+"="+prefix)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// Empty reports whether no prefix was given.
func (p Prefixes) Empty() bool { return len(p.by) == 0 }

// FlagUsage describes the --ocds-prefix flag of the portal and the CLI.
const FlagUsage = "a consortium's registered ocid prefix for open contracting data, consortium=ocds-xxxxxx (repeat for each, or a comma-separated list; default: $" +
	PrefixEnv + ", else " + DevelopmentPrefix + ", which is for development only)"

// OrEnv fills p from the environment variable PrefixEnv when no flag gave
// a prefix.
func (p *Prefixes) OrEnv(getenv func(string) string) error {
	if !p.Empty() {
		return nil
	}
	if err := p.Set(getenv(PrefixEnv)); err != nil {
		return fmt.Errorf("$%s: %w", PrefixEnv, err)
	}
	return nil
}
