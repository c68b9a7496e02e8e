package main

import (
	"context"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"google.golang.org/protobuf/testing/protocmp"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"

	demandapp "github.com/carecoop/carecoop/services/demand/app"
	frameworkapp "github.com/carecoop/carecoop/services/framework/app"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	monitoringapp "github.com/carecoop/carecoop/services/monitoring/app"
	notifyapp "github.com/carecoop/carecoop/services/notify/app"
	purchasingapp "github.com/carecoop/carecoop/services/purchasing/app"
)

// snapService is one service's application as the replay test drives it:
// its read models only, without the reactions that would append events
// while the two are compared.
type snapService struct {
	models func() []*projection.Runner
	model  func() any
	// svc is purchasing's service (nil for the others).
	svc *purchasingapp.Service
}

func (s snapService) start(ctx context.Context) error {
	for _, r := range s.models() {
		if err := r.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

func snapServices(store eventstore.Store) map[string]snapService {
	fw := frameworkapp.New(store, nil)
	de := demandapp.New(store, nil)
	mo := monitoringapp.New(store, nil)
	pu := purchasingapp.New(store, nil)
	// Agreements are not here: the simulator draws none (the purchasing
	// server's TestSnap2AgreementsAndBlockRestartFromSnapshots covers them).
	blk := purchasingapp.NewBlockContracts(pu, zap.NewNop())
	no := notifyapp.New(store, nil)
	return map[string]snapService{
		"framework":        {fw.ReadModels, func() any { return fw.ReadModel() }, nil},
		"demand":           {de.ReadModels, func() any { return de.ReadModel() }, nil},
		"monitoring":       {mo.ReadModels, func() any { return mo.ReadModel() }, nil},
		"purchasing":       {pu.ReadModels, func() any { return pu.ReadModel() }, pu},
		"purchasing-block": {blk.ReadModels, blk.ReadModel, nil},
		"notify":           {no.ReadModels, func() any { return no.ReadModel() }, nil},
	}
}

// A read model restored from its snapshot holds exactly what one replayed
// from the start holds (every query reads only the model and the clock),
// and a restart reads no commit the snapshot already reflects.
func TestSnapRestoredReadModelsEqualAReplay(t *testing.T) {
	_, store, _ := simulated(t, 3, 25000)
	ctx, stop := context.WithCancel(t.Context())
	replayed := snapServices(store)
	for name, s := range replayed {
		if err := s.start(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range s.models() {
			if r.RestoredAt() != 0 {
				t.Fatalf("%s: restored at %d on a fresh store", name, r.RestoredAt())
			}
		}
	}
	// A clean shutdown saves every model's snapshot.
	stop()
	for _, s := range replayed {
		for _, r := range s.models() {
			r.Stopped(t.Context())
		}
	}

	restored := snapServices(store)
	for name, s := range restored {
		if err := s.start(t.Context()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, r := range s.models() {
			if r.RestoredAt() == 0 || r.RestoredAt() != replayed[name].models()[i].Position() {
				t.Errorf("%s: restored at %d, want the replayed model's position %d", name, r.RestoredAt(), replayed[name].models()[i].Position())
			}
		}
		if diff := cmp.Diff(replayed[name].model(), s.model(), protocmp.Transform(), cmp.Exporter(func(reflect.Type) bool { return true }),
			// Functions (a model's clock) are behaviour, not state.
			cmp.FilterPath(func(p cmp.Path) bool { return p.Last().Type().Kind() == reflect.Func }, cmp.Ignore())); diff != "" {
			t.Errorf("%s: the restored model differs from the replayed one (-replayed +restored):\n%s", name, diff)
		}
	}
	snapSummarisedReferralsReadTheSame(t, replayed["purchasing"].svc, restored["purchasing"].svc)
}

// snapSummarisedReferralsReadTheSame: the history runs long enough for
// referrals closed more than a quarter before its end to be kept in
// summary; a restored service lists them in summary as the replayed one
// does, and reads one whole, as it was, from its stream.
func snapSummarisedReferralsReadTheSame(t *testing.T, replayed, restored *purchasingapp.Service) {
	t.Helper()
	platform := auth.Principal{Subject: "ines.auditor", Organisation: auth.OrgPlatform, Roles: []string{auth.Auditor}}
	list := func(s *purchasingapp.Service) []*purchasingv1.ReferralView {
		var out []*purchasingv1.ReferralView
		for token := ""; ; {
			res, err := s.ListReferrals(t.Context(), platform, 0, "", 1000, token, 0)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res.GetReferrals()...)
			if token = res.GetNextPageToken(); token == "" {
				return out
			}
		}
	}
	before, after := list(replayed), list(restored)
	if diff := cmp.Diff(before, after, protocmp.Transform()); diff != "" {
		t.Errorf("ListReferrals differs after the restore (-replayed +restored):\n%s", diff)
	}
	var summarised []*purchasingv1.ReferralView
	for _, v := range after {
		if v.GetSummarised() {
			summarised = append(summarised, v)
		}
	}
	if len(summarised) == 0 || len(summarised) == len(after) {
		t.Fatalf("%d of %d referrals listed in summary; want the history's old closed ones only", len(summarised), len(after))
	}
	var whole *purchasingv1.ReferralView
	for _, v := range summarised {
		if len(v.GetOffers())+len(v.GetDeclines()) > 0 {
			t.Errorf("%s is listed in summary with %d offers and %d declines", v.GetReferralId(), len(v.GetOffers()), len(v.GetDeclines()))
		}
		got, err := restored.GetReferral(t.Context(), platform, v.GetReferralId(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.GetSummarised() || got.GetStatus() != v.GetStatus() || got.GetPlacementId() != v.GetPlacementId() || got.GetVersion() != v.GetVersion() {
			t.Errorf("GetReferral(%s) = %v, want the whole of %v", v.GetReferralId(), got, v)
		}
		if whole == nil && len(got.GetOffers()) > 0 && len(got.GetDeclines()) > 0 {
			whole = got
		}
	}
	if whole == nil {
		t.Fatal("no summarised referral had offers and declines to read back")
	}
}
