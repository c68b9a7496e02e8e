package proto_test

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// creators make a new aggregate under an id of their own: nothing the
// caller could have read before, so no version to expect.
var creators = map[protoreflect.FullName]bool{
	"carecoop.framework.v1.DraftFrameworkRequest":    true,
	"carecoop.purchasing.v1.RegisterProviderRequest": true,
	"carecoop.purchasing.v1.CreateDpsRequest":        true,
	"carecoop.purchasing.v1.CreateReferralRequest":   true,
	"carecoop.purchasing.v1.ReserveCapacityRequest":  true,
	"carecoop.monitoring.v1.RecordPlacementRequest":  true,
}

// Issue 11, item 9 — one convention in every service: a command (a request
// with a request_id) that changes an aggregate which already exists takes
// the uint64 expected_version the caller last saw (0: do not check).
func TestEveryCommandOnAnExistingAggregateTakesExpectedVersion(t *testing.T) {
	for _, file := range services {
		svcs := file.Services()
		for i := range svcs.Len() {
			methods := svcs.Get(i).Methods()
			for j := range methods.Len() {
				in := methods.Get(j).Input()
				if in.Fields().ByName("request_id") == nil || creators[in.FullName()] {
					continue
				}
				ev := in.Fields().ByName("expected_version")
				switch {
				case ev == nil:
					t.Errorf("%s (%s): a command without expected_version", methods.Get(j).Name(), in.FullName())
				case ev.Kind() != protoreflect.Uint64Kind || ev.Cardinality() == protoreflect.Repeated:
					t.Errorf("%s: expected_version is %s, want a single uint64", in.FullName(), ev.Kind())
				}
			}
		}
	}
}
