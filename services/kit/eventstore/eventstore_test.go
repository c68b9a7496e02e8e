package eventstore_test

import (
	"strings"
	"testing"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Issue 10, item 3: "north" + "west-northern-lights-care" spelt the same
// risk stream as "north-west" + "northern-lights-care". Composed ids are
// unambiguous by construction: different lists of parts, different ids.
func TestComposedIDsNeverCollide(t *testing.T) {
	words := []string{"north", "west", "north-west", "west-northern-lights-care", "northern-lights-care", "lights-care",
		"fw-0a1b", "lot-1", "lot", "1", "1-care", "352", "a_b", "", strings.Repeat("x", 70), strings.Repeat("x", 69)}
	seen := map[string][]string{}
	try := func(parts ...string) {
		id := eventstore.ComposeID(parts...)
		if _, err := eventstore.NewStreamID("monitoring", "risk", id); err != nil {
			t.Errorf("ComposeID(%q) = %q is no stream id: %v", parts, id, err)
		}
		key := strings.Join(parts, "\x00") + "\x01" + string(rune(len(parts)))
		if prev, ok := seen[id]; ok && strings.Join(prev, "\x00")+"\x01"+string(rune(len(prev))) != key {
			t.Errorf("ComposeID(%q) and ComposeID(%q) are both %q", prev, parts, id)
		}
		seen[id] = parts
	}
	for _, a := range words {
		try(a)
		for _, b := range words {
			try(a, b)
			for _, c := range words {
				try(a, b, c)
			}
		}
	}
	if got := eventstore.ComposeID("north-west", "northern-lights-care"); got != "north-west_northern-lights-care" {
		t.Errorf("a plain pair composes as %q: ids people type should stay readable", got)
	}
}
