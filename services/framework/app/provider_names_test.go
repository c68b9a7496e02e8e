package app

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// recorded is one event as the projection runner hands it over.
func recorded(stream eventstore.StreamID, version, position uint64, e proto.Message) eventstore.RecordedEvent {
	return eventstore.RecordedEvent{
		EventID: stream.String() + "-" + string(rune('0'+version)), StreamID: stream, Version: version,
		Position: position, CommitSize: 1, OccurredAt: time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC),
		Type: string(e.ProtoReflect().Descriptor().FullName()), Event: e,
	}
}

func providerStream(id string) eventstore.StreamID {
	return eventstore.StreamID{Context: purchasingContext, Aggregate: providerAggregate, ID: id}
}

// The directory names a provider by its trading name, else its legal name;
// a profile update renames it; other purchasing events, and framework events
// on a stream that happens to share the id, change nothing; and a bid
// recorded before its provider was registered is named once it is.
func TestProviderDirectory(t *testing.T) {
	m := NewReadModel()
	apply := func(e eventstore.RecordedEvent) {
		t.Helper()
		if err := m.Apply([]eventstore.RecordedEvent{e}); err != nil {
			t.Fatal(err)
		}
	}
	fw := streamOf("fw-1")
	apply(recorded(fw, 1, 1, &frameworkv1.FrameworkDrafted{FrameworkId: "fw-1", Consortium: "north-west", Terms: &frameworkv1.FrameworkTerms{
		Title: "Residential", Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Lot one"}},
	}}))
	apply(recorded(fw, 2, 2, &frameworkv1.BidSubmitted{FrameworkId: "fw-1", LotId: "lot-1", ProviderId: "acme-care", WeeklyPricePence: 400000}))
	bidName := func() string {
		t.Helper()
		m.mu.RLock()
		defer m.mu.RUnlock()
		return m.bid(m.frameworks["fw-1"].bids[bidKey{"lot-1", "acme-care"}]).GetProviderName()
	}
	if got := bidName(); got != "" {
		t.Fatalf("an unknown provider is named %q", got)
	}

	apply(recorded(providerStream("acme-care"), 1, 3, &purchasingv1.ProviderRegistered{ProviderId: "acme-care", Profile: &purchasingv1.ProviderProfile{LegalName: "Acme Care Holdings Ltd", TradingName: "Acme Care"}}))
	apply(recorded(providerStream("beta-homes"), 1, 4, &purchasingv1.ProviderRegistered{ProviderId: "beta-homes", Profile: &purchasingv1.ProviderProfile{LegalName: "Beta Homes Ltd", TradingName: "  "}}))
	if got := bidName(); got != "Acme Care" {
		t.Errorf("bid submitted before registration is named %q, want the trading name", got)
	}
	if got := m.ProviderName("beta-homes"); got != "Beta Homes Ltd" {
		t.Errorf("provider without a trading name is named %q, want the legal name", got)
	}

	apply(recorded(providerStream("acme-care"), 2, 5, &purchasingv1.SettingAdded{ProviderId: "acme-care", ProviderName: "Something Else", Setting: &purchasingv1.Setting{Urn: "SC000001"}}))
	apply(recorded(eventstore.StreamID{Context: purchasingContext, Aggregate: "dps", ID: "acme-care"}, 1, 6, &purchasingv1.ProviderRegistered{ProviderId: "acme-care", Profile: &purchasingv1.ProviderProfile{LegalName: "Not From A Provider Stream"}}))
	if got := m.ProviderName("acme-care"); got != "Acme Care" {
		t.Errorf("after events the directory ignores, named %q", got)
	}

	apply(recorded(providerStream("acme-care"), 3, 7, &purchasingv1.ProviderProfileUpdated{ProviderId: "acme-care", Profile: &purchasingv1.ProviderProfile{LegalName: "Acme Care Holdings Ltd", TradingName: "Acme Children's Homes"}}))
	if got := bidName(); got != "Acme Children's Homes" {
		t.Errorf("after a profile update the bid is named %q", got)
	}
	// Applying the same event again (a replay) changes nothing.
	apply(recorded(providerStream("acme-care"), 3, 7, &purchasingv1.ProviderProfileUpdated{ProviderId: "acme-care", Profile: &purchasingv1.ProviderProfile{LegalName: "Acme Care Holdings Ltd", TradingName: "Acme Children's Homes"}}))
	if got := m.ProviderName("acme-care"); got != "Acme Children's Homes" {
		t.Errorf("after a replayed update, named %q", got)
	}

	// Purchasing events leave the framework views alone.
	m.mu.RLock()
	v := m.frameworks["fw-1"]
	version, decisions := v.fw.GetVersion(), len(v.decisions)
	m.mu.RUnlock()
	if version != 2 || decisions != 2 {
		t.Errorf("framework at version %d with %d decisions after purchasing events, want 2 and 2", version, decisions)
	}
}
