package domain

import (
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// CallOff is a council's placement under one of the framework's lots, as
// purchasing awarded it.
type CallOff struct {
	PlacementID string
	ReferralID  string
	LotID       string
	Council     string
	ProviderID  string
	Method      frameworkv1.CallOffMethod
	Ranking     []string
	Reason      string
	AwardedAt   time.Time
}

// RecordCallOff records a call-off purchasing has awarded. It is a fact,
// not a request: the framework records it whatever its state, once per
// placement (a second time decides nothing), so only an unknown framework
// or lot refuses it. Actor: the person of the council that placed who
// awarded the placement.
type RecordCallOff struct {
	Actor   Actor
	Now     time.Time
	CallOff CallOff
}

func (c RecordCallOff) decide(s State) ([]proto.Message, error) {
	if err := s.exists(); err != nil {
		return nil, err
	}
	co := c.CallOff
	if code, ok := strings.CutPrefix(c.Actor.Organisation, "council:"); !ok || !isLACode(code) || code != co.Council {
		return nil, domainerr.Forbidden("only the council that placed records its call-off from framework %s; you act as %s", s.FrameworkID, c.Actor.describe())
	}
	if err := required("placement_id", co.PlacementID, "the placement the call-off made"); err != nil {
		return nil, err
	}
	if err := required("provider_id", co.ProviderID, "the provider placed with"); err != nil {
		return nil, err
	}
	if co.Method == frameworkv1.CallOffMethod_CALL_OFF_METHOD_UNSPECIFIED {
		return nil, domainerr.Field("method", "say how the council called off: by direct award or by further competition")
	}
	if _, err := s.lot(co.LotID); err != nil {
		return nil, err
	}
	if s.calloffs[co.PlacementID] {
		return nil, nil
	}
	return one(&frameworkv1.CallOffRecorded{
		FrameworkId: s.FrameworkID, LotId: co.LotID, Council: co.Council, ProviderId: co.ProviderID, Method: co.Method,
		Ranking: slices.Clone(co.Ranking), Reason: co.Reason, PlacementId: co.PlacementID, ReferralId: co.ReferralID,
		AwardedAt: timestamppb.New(co.AwardedAt),
	})
}

// CallOffRecorded reports whether the placement's call-off is recorded.
func (s State) CallOffRecorded(placementID string) bool { return s.calloffs[placementID] }
