package app

import (
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// The provider directory: every provider's display name, learned from the
// purchasing service's published provider events (never by calling it). The
// framework's own events carry provider ids only; queries put the names next
// to them when they answer, so a name that arrives after a bid, or changes
// later, shows on every answer from then on, whatever the order of events.

// The purchasing context registers providers on its provider streams,
// carecoop.evt.purchasing.provider.<provider_id>: the streams the directory follows.
const (
	purchasingContext = "purchasing"
	providerAggregate = "provider"
)

// providerFilter is the subject filter of the purchasing provider streams.
var providerFilter = eventstore.AggregateFilter(purchasingContext, providerAggregate)

// applyProvider folds one purchasing provider event into the directory.
// Other purchasing events on the provider streams (settings, vacancies) are
// ignored. Applying an event twice changes nothing.
func (m *ReadModel) applyProvider(e eventstore.RecordedEvent) {
	var id string
	var profile *purchasingv1.ProviderProfile
	switch ev := e.Event.(type) {
	case *purchasingv1.ProviderRegistered:
		id, profile = ev.GetProviderId(), ev.GetProfile()
	case *purchasingv1.ProviderProfileUpdated:
		id, profile = ev.GetProviderId(), ev.GetProfile()
	default:
		return
	}
	if id == "" {
		id = e.StreamID.ID
	}
	if name := displayName(profile); name != "" {
		m.providerNames[id] = name
	}
}

// displayName is the name a provider is known by: its trading name if it has
// one, else its legal name.
func displayName(p *purchasingv1.ProviderProfile) string {
	if n := strings.TrimSpace(p.GetTradingName()); n != "" {
		return n
	}
	return strings.TrimSpace(p.GetLegalName())
}

// ProviderName is the display name of a provider, "" while the purchasing
// service has published none.
func (m *ReadModel) ProviderName(id string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.providerName(id)
}

// providerName is ProviderName for callers holding m.mu.
func (m *ReadModel) providerName(id string) string {
	if id == "" {
		return ""
	}
	return m.providerNames[id]
}
