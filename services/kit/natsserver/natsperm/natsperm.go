// Package natsperm is who may do what on NATS: each service connects as
// its own user, which may publish events only on its own context's subjects
// (carecoop.evt.<context>.>) and use the JetStream API only as far as the
// kit's event store, bus consumers and read models need, and may write only
// its own consumers' dead letters. The operator user (Operator) reads and
// marks every dead letter, and nothing else.
//
// This is the one table: the embedded server of `carecoop dev` applies it
// (package natsserver), the standalone services connect by it
// (servicecmd), and a test checks that deploy/nats/*.conf grants the same.
package natsperm

import (
	"fmt"
	"slices"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Stream is the event stream the permissions are about.
const Stream = jetstream.DefaultStreamName

// durables are each service's bus consumers (bus.Config.Durable). Only a
// service may create, pull from and acknowledge its own; a new reaction's
// durable must be added here, or the server refuses its acknowledgements.
var durables = map[string][]string{
	"framework":  {"framework-risk-levels", "framework-call-offs"},
	"purchasing": {"purchasing-risk-levels", "purchasing-vacancies", "purchasing-agreements"},
	"demand":     nil,
	"monitoring": {"monitoring-contracts", "monitoring-risk"},
	"notify":     {"notify-events"},
}

// Services are the contexts that connect to NATS, each as the user of the
// same name.
func Services() []string {
	return []string{"framework", "purchasing", "demand", "monitoring", "notify"}
}

// Operator is the user of the people who run the platform: `carecoop
// dead-letters` lists and replays dead letters with it.
const Operator = "operator"

// Portal is the web portal's user: it keeps its sessions in one key-value
// bucket (PortalSessions) and touches nothing else — no events, no stream.
const Portal = "portal"

// PortalSessions is the portal's sessions bucket.
const PortalSessions = "CARECOOP_PORTAL_SESSIONS"

// Relay is the user of the relay that copies commits from EventStoreDB to
// the event stream when ESDB is the store of record (eventstore/esdb): it
// alone publishes every context's events, and keeps its checkpoint in one
// bucket (RelayCheckpoints).
const Relay = "relay"

// RelayCheckpoints is the relay's checkpoint bucket (esdb.RelayBucket).
const RelayCheckpoints = "CARECOOP_ESDB_RELAY"

// Users are every NATS user: the services', the operator's, the portal's
// and the relay's.
func Users() []string { return append(Services(), Operator, Portal, Relay) }

// Durables are the durable consumers a service owns.
func Durables(service string) []string { return slices.Clone(durables[service]) }

// InboxPrefix is the prefix of a service's reply subjects: a service may
// subscribe only under its own, so it cannot read replies meant for another.
// Connect with nats.CustomInboxPrefix(InboxPrefix(service)).
func InboxPrefix(service string) string { return "_INBOX." + service }

// Permissions are a user's subject permissions, in nats-server's terms.
type Permissions struct {
	PublishAllow   []string
	PublishDeny    []string
	SubscribeAllow []string
}

// For returns a user's permissions: a service's, or the operator's.
func For(service string) (Permissions, error) {
	switch service {
	case Operator:
		return operator(), nil
	case Portal:
		return portal(), nil
	case Relay:
		return relay(), nil
	}
	own, ok := durables[service]
	if !ok {
		return Permissions{}, fmt.Errorf("natsperm: no NATS user for service %q", service)
	}
	api := "$JS.API."
	p := Permissions{
		PublishAllow: []string{
			// Its own events, and no one else's: the point of the table.
			eventstore.ContextFilter(service),
			// jetstream.New creates the stream when there is none; creating
			// it again with another configuration is refused by the server.
			// No update: a service changing the stream's configuration (a
			// subject transform, a republish) could forge another context's
			// events, so the store never updates it.
			api + "STREAM.CREATE." + Stream,
			// LastPosition.
			api + "STREAM.INFO." + Stream,
			// Loads, tips and the read models' probes are direct gets;
			// reading every context's events is allowed (no forging).
			api + "DIRECT.GET." + Stream,
			api + "DIRECT.GET." + Stream + "." + eventstore.SubjectPrefix + ".>",
			// Read models follow the stream through ordered consumers, which
			// nats.go names at random (<nuid>_<n>): consumer names are one
			// subject token, so creating and pulling cannot be limited to the
			// service's own names. Other services' durables are denied below.
			// (An ordered consumer's delete after a reset is refused; the
			// server drops it after five idle minutes.)
			api + "CONSUMER.CREATE." + Stream + ".*",
			api + "CONSUMER.CREATE." + Stream + ".*.>", // a single filter subject rides in the subject
			api + "CONSUMER.MSG.NEXT." + Stream + ".*",
		},
		// Replies (API answers, pulled messages) come to its own inboxes.
		SubscribeAllow: []string{InboxPrefix(service) + ".>"},
	}
	p.PublishAllow = append(p.PublishAllow, snapshotSubjects(service)...)
	for _, d := range own {
		p.PublishAllow = append(p.PublishAllow,
			api+"CONSUMER.INFO."+Stream+"."+d,
			// Ack, Nak, InProgress and Term of its own durables only:
			// $JS.ACK.<stream>.<consumer>.…, and the v2 form
			// $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.… that a
			// server feature flag turns on.
			"$JS.ACK."+Stream+"."+d+".>",
			"$JS.ACK.*.*."+Stream+"."+d+".>",
			// Its own durable's dead letters (keys <durable>.<position>):
			// recorded, deleted or marked failed again after a replay.
			bus.DeadLetterSubject(d+".>"),
			// Watching them: a consumer named at random whose filter rides
			// in the subject, so it cannot be another durable's letters
			// (the server refuses a body whose filter differs).
			api+"CONSUMER.CREATE."+bus.DeadLetterStream+".*."+bus.DeadLetterSubject(d+".>"),
		)
	}
	if len(own) > 0 {
		p.PublishAllow = append(p.PublishAllow,
			// The bus opens the dead-letter bucket, creating it when there
			// is none (never updating it); it pulls from its watch
			// consumers, named at random.
			api+"STREAM.INFO."+bus.DeadLetterStream,
			api+"STREAM.CREATE."+bus.DeadLetterStream,
			api+"CONSUMER.MSG.NEXT."+bus.DeadLetterStream+".*",
		)
	}
	for _, other := range Services() {
		if other == service {
			continue
		}
		for _, d := range durables[other] {
			// Neither redefine (a filter that skips events) nor steal
			// messages from another service's durable.
			p.PublishDeny = append(p.PublishDeny,
				api+"CONSUMER.CREATE."+Stream+"."+d,
				api+"CONSUMER.CREATE."+Stream+"."+d+".>",
				api+"CONSUMER.MSG.NEXT."+Stream+"."+d,
			)
		}
	}
	return p, nil
}

// snapshotSubjects let a service keep its read models' snapshots in its
// own object store bucket (package snapshot): create it, write, read and
// replace objects in it. No other service's bucket: snapshots hold what a
// context computed, for it alone.
func snapshotSubjects(service string) []string {
	api := "$JS.API."
	bucket := snapshot.Bucket(service)
	stream := "OBJ_" + bucket
	return []string{
		"$O." + bucket + ".>",
		api + "STREAM.CREATE." + stream,
		api + "STREAM.INFO." + stream,
		// A save purges the chunks of the object it replaces.
		api + "STREAM.PURGE." + stream,
		api + "DIRECT.GET." + stream,
		api + "DIRECT.GET." + stream + ".>",
		// A load reads the chunks through an ordered push consumer (its
		// deliveries come to the service's own inbox) and answers its flow
		// control.
		api + "CONSUMER.CREATE." + stream,
		api + "CONSUMER.CREATE." + stream + ".>",
		api + "CONSUMER.DELETE." + stream + ".>",
		"$JS.FC." + stream + ".>",
	}
}

// operator may read and change every dead letter (mark it for replay,
// delete it) and nothing else: no events, no streams, no consumers of the
// event stream.
func operator() Permissions {
	api := "$JS.API."
	return Permissions{
		PublishAllow: []string{
			bus.DeadLetterSubject(">"),
			api + "STREAM.INFO." + bus.DeadLetterStream,
			// Reading a letter by key.
			api + "DIRECT.GET." + bus.DeadLetterStream + "." + bus.DeadLetterSubject(">"),
			// Listing: consumers named at random over the bucket.
			api + "CONSUMER.CREATE." + bus.DeadLetterStream + ".*." + bus.DeadLetterSubject(">"),
			api + "CONSUMER.MSG.NEXT." + bus.DeadLetterStream + ".*",
		},
		SubscribeAllow: []string{InboxPrefix(Operator) + ".>"},
	}
}

// portal may create, read and write its sessions bucket only.
func portal() Permissions {
	api := "$JS.API."
	kvStream := "KV_" + PortalSessions
	return Permissions{
		PublishAllow: []string{
			"$KV." + PortalSessions + ".>",
			// Creating a bucket asks the account's JetStream limits first.
			api + "INFO",
			api + "STREAM.CREATE." + kvStream,
			api + "STREAM.INFO." + kvStream,
			api + "DIRECT.GET." + kvStream,
			api + "DIRECT.GET." + kvStream + ".>",
		},
		SubscribeAllow: []string{InboxPrefix(Portal) + ".>"},
	}
}

// relay may publish every context's events (the copy of what ESDB stored),
// create and read the event stream, and keep its checkpoint bucket.
func relay() Permissions {
	api := "$JS.API."
	kvStream := "KV_" + RelayCheckpoints
	return Permissions{
		PublishAllow: []string{
			eventstore.SubjectPrefix + ".>",
			api + "INFO",
			api + "STREAM.CREATE." + Stream,
			api + "STREAM.INFO." + Stream,
			// The last relayed message, read on start.
			api + "DIRECT.GET." + Stream,
			"$KV." + RelayCheckpoints + ".>",
			api + "STREAM.CREATE." + kvStream,
			api + "STREAM.INFO." + kvStream,
			api + "DIRECT.GET." + kvStream,
			api + "DIRECT.GET." + kvStream + ".>",
		},
		SubscribeAllow: []string{InboxPrefix(Relay) + ".>"},
	}
}
