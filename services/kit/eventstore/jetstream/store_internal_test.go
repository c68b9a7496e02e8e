package jetstream

import "testing"

func TestStreamSequence(t *testing.T) {
	for reply, want := range map[string]uint64{
		"$JS.ACK.CARECOOP_EVENTS.cons_1.1.43.1.1795428379877934894.99":              43,
		"$JS.ACK._.ACCHASH.CARECOOP_EVENTS.cons_1.2.7001.2.1795428379877934894.0.x": 7001,
		"$JS.ACK.hub.ACCHASH.S.c.1.5.1.1795428379877934894.0":                       5,
	} {
		got, err := streamSequence(reply)
		if err != nil || got != want {
			t.Errorf("streamSequence(%q) = %d, %v; want %d", reply, got, err, want)
		}
	}
	for _, bad := range []string{"", "_INBOX.abc", "$JS.ACK.S.c.1.x.1.2.3", "$JS.ACK.a.b.c.d.e.f.g.h.i.j"[:20]} {
		if _, err := streamSequence(bad); err == nil {
			t.Errorf("streamSequence(%q) succeeded", bad)
		}
	}
}
