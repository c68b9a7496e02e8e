// Package domainerr is the small vocabulary of errors that pure domain code
// returns; transports map each kind to one gRPC code.
package domainerr

import (
	"errors"
	"fmt"
)

// Kind says what went wrong, from the caller's point of view.
type Kind int

const (
	// Precondition: a business rule forbids the command in the current state
	// (gRPC FAILED_PRECONDITION). Rule names the rule.
	Precondition Kind = iota + 1
	// NotFound: the thing the command names does not exist (NOT_FOUND).
	NotFound
	// Invalid: a field's value is wrong whatever the state (INVALID_ARGUMENT).
	Invalid
	// Denied: the caller may not do this to this thing (PERMISSION_DENIED).
	Denied
	// Conflict: the caller's view is stale (ABORTED).
	Conflict
)

// Error is a domain error.
type Error struct {
	Kind Kind
	// Rule is a stable identifier of the broken rule, e.g.
	// "framework.term_max_4_years"; for Invalid it is the field path.
	Rule    string
	Message string
}

func (e *Error) Error() string {
	if e.Rule == "" {
		return e.Message
	}
	return e.Rule + ": " + e.Message
}

func newErr(k Kind, rule, format string, args ...any) *Error {
	return &Error{Kind: k, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// Rule reports a broken business rule.
func Rule(rule, format string, args ...any) *Error {
	return newErr(Precondition, rule, format, args...)
}

// Missing reports something that does not exist.
func Missing(what, format string, args ...any) *Error {
	return newErr(NotFound, what, format, args...)
}

// Field reports a bad value in a field (path as in the request, e.g. "terms.lots[1].lot_id").
func Field(path, format string, args ...any) *Error {
	return newErr(Invalid, path, format, args...)
}

// Forbidden reports an actor acting outside its rights.
func Forbidden(format string, args ...any) *Error {
	return newErr(Denied, "", format, args...)
}

// Stale reports that the caller's expected version no longer holds.
func Stale(format string, args ...any) *Error {
	return newErr(Conflict, "", format, args...)
}

// As returns the domain error inside err, if any.
func As(err error) (*Error, bool) {
	var de *Error
	ok := errors.As(err, &de)
	return de, ok
}
