package auth

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Rule says who may call one RPC.
type Rule struct {
	// Roles: the caller must hold at least one of them. A rule without roles
	// refuses everyone (and fails Policy.Validate).
	Roles []string
}

// Policy is a service's declarative authorization table, keyed by the full
// gRPC method name, e.g. "/carecoop.framework.v1.FrameworkService/DraftFramework".
// An RPC without an entry is refused. There are no public RPCs: the health and
// reflection services are exempted by the server bootstrap, not by a Policy.
//
// A Policy only checks roles; which organisation's data the caller may touch
// is decided by the application layer (see the package documentation).
type Policy map[string]Rule

// ErrNoPolicy is returned by Authorize for a method the table does not name.
var ErrNoPolicy = errors.New("no policy for method: refused")

// ErrForbidden is returned by Authorize when the caller lacks every role the
// method's rule accepts.
var ErrForbidden = errors.New("permission denied")

var methodRE = regexp.MustCompile(`^/[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/[A-Za-z_][A-Za-z0-9_]*$`)

// Authorize reports whether p may call method. The error wraps ErrNoPolicy
// or ErrForbidden.
func (pol Policy) Authorize(method string, p Principal) error {
	rule, ok := pol[method]
	if !ok {
		return fmt.Errorf("%s: %w", method, ErrNoPolicy)
	}
	if !p.HasAnyRole(rule.Roles...) {
		return fmt.Errorf("%w: %s requires one of the roles %s", ErrForbidden, method, strings.Join(rule.Roles, ", "))
	}
	return nil
}

// Validate checks the table itself: method names of the form
// "/package.Service/Method", and every rule naming at least one known role.
func (pol Policy) Validate() error {
	var errs []error
	methods := make([]string, 0, len(pol))
	for m := range pol {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	for _, m := range methods {
		if !methodRE.MatchString(m) {
			errs = append(errs, fmt.Errorf("policy: %q is not a full method name (/package.Service/Method)", m))
		}
		rule := pol[m]
		if len(rule.Roles) == 0 {
			errs = append(errs, fmt.Errorf("policy: %s: rule names no role", m))
		}
		for _, r := range rule.Roles {
			if _, ok := roleKinds[r]; !ok {
				errs = append(errs, fmt.Errorf("policy: %s: unknown role %q", m, r))
			}
		}
	}
	return errors.Join(errs...)
}

// Merge is one policy with the entries of each: a service serving several
// gRPC services (or the kit's StatusService) checks them all in one table.
func Merge(policies ...Policy) Policy {
	out := Policy{}
	for _, p := range policies {
		maps.Copy(out, p)
	}
	return out
}
