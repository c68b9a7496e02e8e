package jetstream

import "github.com/carecoop/carecoop/services/kit/eventstore"

// KnowTip makes s believe sid's last commit is at version and position, as
// if this process had appended or read it: what a lagging replica's answer
// is checked against.
func (s *Store) KnowTip(sid eventstore.StreamID, version, position uint64) {
	s.versions.put(sid.Subject(), tip{version: version, seq: position})
}
