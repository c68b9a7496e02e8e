package aggregate

import (
	"strings"
	"time"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Request is what every command carries besides its own fields, the same in
// every service.
type Request struct {
	Principal auth.Principal
	// Role is the role the caller acts in (the one its policy entry matched).
	Role          string
	RequestID     string
	CorrelationID string
	// ExpectedVersion, when non-zero, makes the command fail as stale
	// (ABORTED) if the aggregate has moved on since the caller read it.
	ExpectedVersion uint64
}

// Key is the request id as stored: request ids are chosen by clients, so two
// callers may pick the same one, and only the same caller sending it again is
// a retry. The client's id is the part after the last '/' (request ids never
// contain one): see ClientRequestID.
func (r Request) Key() string {
	if r.RequestID == "" {
		return ""
	}
	return r.Principal.Organisation + "/" + r.Principal.Subject + "/" + r.RequestID
}

// Meta is the metadata of the commit of a command decided at now.
func (r Request) Meta(now time.Time) eventstore.Metadata {
	return eventstore.Metadata{
		Actor:         eventstore.Actor{Subject: r.Principal.Subject, Organisation: r.Principal.Organisation, Role: r.Role},
		CorrelationID: r.CorrelationID,
		RequestID:     r.Key(),
		OccurredAt:    now,
	}
}

// ClientRequestID is the client's own request id in a stored request key.
func ClientRequestID(key string) string {
	return key[strings.LastIndexByte(key, '/')+1:]
}
