package aggregate

import "github.com/carecoop/carecoop/services/kit/eventstore"

// OnSnapshotSaved tells f of each snapshot save of r, once it has ended.
func OnSnapshotSaved[S any](r *Repository[S], f func(eventstore.StreamID, error)) {
	r.cache.persisted.onSaved = f
}
