package snapshot_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// A read model's state of compact structs and protobuf messages in wire
// form comes back as it went in; an empty map stays usable.
func TestCodecRoundTrip(t *testing.T) {
	type state struct {
		Names map[string]string
		Empty map[string]int
		Msgs  [][]byte
	}
	var w snapshot.Writer
	in := state{Names: map[string]string{"p1": "Irwell House"}, Msgs: snapshot.MarshalAll(&w, []*wrapperspb.StringValue{wrapperspb.String("a"), wrapperspb.String("b")})}
	if w.Err() != nil {
		t.Fatal(w.Err())
	}
	data, err := snapshot.Encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out state
	if err := snapshot.Decode(data, &out); err != nil {
		t.Fatal(err)
	}
	var r snapshot.Reader
	msgs := snapshot.UnmarshalEach(&r, out.Msgs, func() *wrapperspb.StringValue { return new(wrapperspb.StringValue) })
	if r.Err() != nil || len(msgs) != 2 || !proto.Equal(msgs[1], wrapperspb.String("b")) || out.Names["p1"] != "Irwell House" {
		t.Fatalf("round trip gave %v %v (%v)", out, msgs, r.Err())
	}
	empty := map[string]int{}
	snapshot.KeepMap(&empty, out.Empty)
	if empty == nil {
		t.Fatal("an empty map became nil")
	}
	snapshot.UnmarshalOne(&r, []byte{0xff}, new(wrapperspb.StringValue))
	if r.Err() == nil {
		t.Fatal("a broken message was read without an error")
	}
}
