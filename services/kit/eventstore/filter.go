package eventstore

import "strings"

// MatchesAny reports whether subject (a stream's subject, as
// StreamID.Subject gives it) matches one of the NATS subject filters that
// Subscribe takes: '*' one token, '>' one or more at the end. Every backend
// filters with it, so a filter means the same on each.
func MatchesAny(subject string, filters []string) bool {
	for _, f := range filters {
		if SubjectMatches(subject, f) {
			return true
		}
	}
	return false
}

// SubjectMatches reports whether subject matches one filter.
func SubjectMatches(subject, filter string) bool {
	for {
		ft, frest, fmore := strings.Cut(filter, ".")
		if ft == ">" && !fmore {
			return subject != ""
		}
		st, srest, smore := strings.Cut(subject, ".")
		if st == "" || ft != "*" && ft != st {
			return false
		}
		if !fmore || !smore {
			return fmore == smore
		}
		filter, subject = frest, srest
	}
}
