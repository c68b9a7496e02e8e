package jetstream

import "testing"

func TestAppReplyMeta(t *testing.T) {
	for reply, want := range map[string][2]uint64{
		"$JS.ACK.CARECOOP_EVENTS.cons_1.1.43.1.1795428379877934894.99":              {43, 99},
		"$JS.ACK._.ACCHASH.CARECOOP_EVENTS.cons_1.2.7001.2.1795428379877934894.0.x": {7001, 0},
		"$JS.ACK.hub.ACCHASH.S.c.1.5.1.1795428379877934894.12":                      {5, 12},
		"$JS.ACK.hub.ACCHASH.S.c.1.5.1.1795428379877934894.12.x.y":                  {5, 12},
	} {
		seq, pending, err := appReplyMeta(reply)
		if err != nil || seq != want[0] || pending != want[1] {
			t.Errorf("appReplyMeta(%q) = %d, %d, %v; want %d, %d", reply, seq, pending, err, want[0], want[1])
		}
	}
	for _, bad := range []string{"", "_INBOX.abc", "$JS.ACK.S.c.1.x.1.2.3", "$JS.ACK.S.c.1.5.1.2", "$JS.ACK.S.c.1.5.1.2.3.4", "$JS.ACK.a.b.S.c.1.5.1.2.x"} {
		if _, _, err := appReplyMeta(bad); err == nil {
			t.Errorf("appReplyMeta(%q) succeeded", bad)
		}
	}
}

// Zero allocations is the point of appReplyMeta.
func TestAppReplyMetaAllocs(t *testing.T) {
	reply := "$JS.ACK._.ACCHASH.CARECOOP_EVENTS.cons_1.2.7001.2.1795428379877934894.0.x"
	if n := testing.AllocsPerRun(100, func() { _, _, _ = appReplyMeta(reply) }); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}
