package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/carecoop/carecoop/services/kit/servicecmd"
)

// The hours after which a referral with no offer is told of are the
// deployment's to choose, in whole hours.
func TestNoOfferAfterIsAFlag(t *testing.T) {
	f := registerFlags()
	set := func(name, value string) {
		t.Helper()
		if err := flag.Set(name, value); err != nil {
			t.Fatal(err)
		}
	}
	set("channel", "outbox")
	set("portal-url", "https://carecoop.example")
	set("no-offer-after", "6h")
	if _, err := f.options(servicecmd.Env{}); err != nil {
		t.Fatalf("6h: %v", err)
	}
	for _, bad := range []string{"90m", "30m"} {
		set("no-offer-after", bad)
		if _, err := f.options(servicecmd.Env{}); err == nil || !strings.Contains(err.Error(), "whole number of hours") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
