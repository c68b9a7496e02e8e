package main

import (
	"context"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"google.golang.org/protobuf/testing/protocmp"

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
		"framework":        {fw.ReadModels, func() any { return fw.ReadModel() }},
		"demand":           {de.ReadModels, func() any { return de.ReadModel() }},
		"monitoring":       {mo.ReadModels, func() any { return mo.ReadModel() }},
		"purchasing":       {pu.ReadModels, func() any { return pu.ReadModel() }},
		"purchasing-block": {blk.ReadModels, blk.ReadModel},
		"notify":           {no.ReadModels, func() any { return no.ReadModel() }},
	}
}

// A read model restored from its snapshot holds exactly what one replayed
// from the start holds (every query reads only the model and the clock),
// and a restart reads no commit the snapshot already reflects.
func TestSnapRestoredReadModelsEqualAReplay(t *testing.T) {
	_, store, _ := simulated(t, 3, 6000)
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
}
