package server_test

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 16: ListReferrals answers a page at a time, newest first, without
// matches, so that a list stays within a message whatever the history (at
// 17 months of national use the platform's whole list was 10.8 MB, past
// the 4 MiB a gRPC client takes by default). Paging never repeats or skips
// a referral, even when new ones are made between pages.
func TestListReferralsPagesNewestFirstWithoutMatches(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	var made []string // oldest first
	for i := range 5 {
		made = append(made, h.refer(dpsID, fmt.Sprintf("referral-pages-%04d", i), standardNeed()).GetId())
	}
	council := h.council("352")
	page := func(size uint32, token string) *purchasingv1.ListReferralsResponse {
		t.Helper()
		return must(council.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{PageSize: size, PageToken: token, MinPosition: h.LastPosition()})).OK(t)
	}
	first := page(2, "")
	// A referral made between pages is on no later page: pages go back in time.
	late := h.refer(dpsID, "referral-pages-late", standardNeed()).GetId()
	var got []string
	for p := first; ; p = page(2, p.GetNextPageToken()) {
		if len(p.GetReferrals()) > 2 {
			t.Fatalf("a page of %d referrals, asked for 2", len(p.GetReferrals()))
		}
		for _, v := range p.GetReferrals() {
			got = append(got, v.GetReferralId())
			if len(v.GetMatches()) != 0 || v.GetMatchedSettings() == 0 {
				t.Errorf("%s listed with %d matches and matched_settings %d; want none listed and the count", v.GetReferralId(), len(v.GetMatches()), v.GetMatchedSettings())
			}
		}
		if p.GetNextPageToken() == "" {
			break
		}
	}
	want := []string{made[4], made[3], made[2], made[1], made[0]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages list %v, want newest first %v", got, want)
	}
	// The first page now starts with the late one; GetReferral still gives
	// the matches.
	if p := page(0, ""); len(p.GetReferrals()) != 6 || p.GetReferrals()[0].GetReferralId() != late || p.GetNextPageToken() != "" {
		t.Errorf("the default page lists %d referrals, first %s, next %q; want all 6, %s first", len(p.GetReferrals()), p.GetReferrals()[0].GetReferralId(), p.GetNextPageToken(), late)
	}
	if v := must(council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: late, MinPosition: h.LastPosition()})).OK(t); len(v.GetMatches()) == 0 {
		t.Error("GetReferral gives no matches")
	}

	for _, bad := range []*purchasingv1.ListReferralsRequest{{PageToken: "next"}, {PageToken: "-1"}, {PageSize: 1001}} {
		_, err := council.ListReferrals(ctx, bad)
		servicetest.WantCode(t, err, codes.InvalidArgument)
	}
}
