package app

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Who a referral was sent to, kept as the varints of the gaps between
// interned provider indexes, answers exactly as the set of ids its matches
// named: for every provider in them, none outside them, and after a second
// match adds to them.
func TestSentToAnswersAsTheSetItsMatchesNamed(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	for round := range 100 {
		m := NewReadModel(nil)
		var names []string
		for i := range 300 + rng.IntN(20000) {
			names = append(names, "provider-"+strconv.Itoa(i))
		}
		// Another referral names every provider first, in a shuffled order,
		// so indexes are not in the order this referral's matches name them.
		other := []*purchasingv1.MatchedSetting{}
		for _, i := range rng.Perm(len(names)) {
			other = append(other, &purchasingv1.MatchedSetting{ProviderId: names[i]})
		}
		apply := func(id string, ev proto.Message) {
			t.Helper()
			e := eventstore.RecordedEvent{StreamID: eventstore.StreamID{Context: Context, Aggregate: ReferralAggregate, ID: id}, Event: ev}
			if err := m.Apply([]eventstore.RecordedEvent{e}); err != nil {
				t.Fatal(err)
			}
		}
		apply("ref-other", &purchasingv1.ReferralCreated{ReferralId: "ref-other"})
		apply("ref-other", &purchasingv1.ReferralMatched{ReferralId: "ref-other", Matches: other})
		apply("ref-this", &purchasingv1.ReferralCreated{ReferralId: "ref-this"})
		want := map[string]bool{}
		for range 1 + round%2 {
			var matches []*purchasingv1.MatchedSetting
			for range rng.IntN(250) {
				n := names[rng.IntN(len(names))]
				want[n] = true
				matches = append(matches, &purchasingv1.MatchedSetting{ProviderId: n})
			}
			apply("ref-this", &purchasingv1.ReferralMatched{ReferralId: "ref-this", Matches: matches})
		}
		r := m.referrals["ref-this"]
		for _, n := range names {
			if got := m.wasSentTo(r, n); got != want[n] {
				t.Fatalf("round %d: sent to %s: %v, want %v", round, n, got, want[n])
			}
		}
		if m.wasSentTo(r, "never-named") || !m.wasSentTo(m.referrals["ref-other"], names[0]) {
			t.Fatalf("round %d: sent to a provider never named, or not to one named", round)
		}
	}
}
