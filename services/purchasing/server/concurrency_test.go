package server_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// A hundred commissioners' clicks racing to award one referral with two
// open offers: exactly one placement is made; every other call is told the
// referral is already awarded, or (if contention outlasted the retries) to
// try again.
func TestConcurrentAwardsPlaceOnce(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	ref := h.refer(dpsID, "referral-2026-0100", standardNeed())
	offers := []string{
		h.offer(provA, ref.GetId(), fallowfield, 465000, "2026-11-30").GetOfferId(),
		h.offer(provB, ref.GetId(), heatonNorth, 438000, "2026-11-26").GetOfferId(),
	}
	manchester := h.council("352")

	const n = 100
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []*purchasingv1.CommandResponse
		errs = map[string]int{}
	)
	startLine := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startLine
			res, err := manchester.AwardPlacement(h.Ctx, &purchasingv1.AwardPlacementRequest{
				RequestId: fmt.Sprintf("award-race-%03d", i), ReferralId: ref.GetId(), OfferId: offers[i%2], Reason: "Best match of needs and location",
			})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins = append(wins, res)
				return
			}
			st := status.Convert(err)
			switch {
			case st.Code() == codes.FailedPrecondition && strings.HasPrefix(st.Message(), domain.RuleAlreadyAwarded+": "):
				errs["already_awarded"]++
			case st.Code() == codes.Aborted:
				errs["aborted"]++
			default:
				errs[st.Code().String()+": "+st.Message()]++
			}
		}()
	}
	close(startLine)
	wg.Wait()

	if len(wins) != 1 {
		t.Fatalf("%d awards succeeded, want exactly 1 (errors: %v)", len(wins), errs)
	}
	if errs["already_awarded"]+errs["aborted"] != n-1 {
		t.Fatalf("errors %v, want %d of already_awarded or ABORTED", errs, n-1)
	}
	t.Logf("1 award, errors: %v", errs)

	won := wins[0]
	pls := must(manchester.ListPlacements(h.Ctx, &purchasingv1.ListPlacementsRequest{MinPosition: h.LastPosition()})).OK(t).GetPlacements()
	if len(pls) != 1 || pls[0].GetPlacementId() != won.GetPlacementId() {
		t.Fatalf("placements %v, want the one award %s", pls, won.GetPlacementId())
	}
	r := must(manchester.GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref.GetId(), MinPosition: h.LastPosition()})).OK(t)
	var accepted, closed int
	for _, o := range r.GetOffers() {
		switch o.GetStatus() {
		case purchasingv1.OfferStatus_OFFER_STATUS_ACCEPTED:
			accepted++
		case purchasingv1.OfferStatus_OFFER_STATUS_CLOSED:
			closed++
		}
	}
	if accepted != 1 || closed != 1 {
		t.Errorf("after the race: %d offers accepted, %d closed; want 1 and 1", accepted, closed)
	}
	var awards int
	for _, d := range must(manchester.GetDecisionLog(h.Ctx, &purchasingv1.GetDecisionLogRequest{Id: ref.GetId(), MinPosition: h.LastPosition()})).OK(t).GetDecisions() {
		if d.GetDecision() == "PlacementAwarded" {
			awards++
		}
	}
	if awards != 1 {
		t.Errorf("the decision log has %d PlacementAwarded, want 1", awards)
	}
}
