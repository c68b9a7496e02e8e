package domain_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// The referral fixture's offers are due 24 hours after now (the default).
var dlDue = now.Add(24 * time.Hour)

func dlExtend(a domain.Actor, to time.Time) domain.ExtendOfferDeadline {
	return domain.ExtendOfferDeadline{Actor: a, Now: now, OffersDueBy: to, Reason: "provider asked for the weekend"}
}

func dlExtended(from, to time.Time) *purchasingv1.OfferDeadlineExtended {
	return &purchasingv1.OfferDeadlineExtended{ReferralId: refID, OffersDueBy: timestamppb.New(to), Previous: timestamppb.New(from), Reason: "provider asked for the weekend"}
}

func TestCreateReferralTakesTheCommissionersDeadline(t *testing.T) {
	due := now.Add(6 * time.Hour)
	c := createReferral(commissioner, openDps(), need())
	c.OffersDueBy = due
	created := referralCreated()
	created.OffersDueBy = timestamppb.New(due)
	s := givenReferral().when(c).thenEvents(t, created, referralMatched())
	if !s.OffersDueBy.Equal(due) {
		t.Fatalf("due by %v, want %v", s.OffersDueBy, due)
	}
}

func TestCreateReferralTakesTheDpsOfferWindow(t *testing.T) {
	dps := events(&purchasingv1.DpsCreated{DpsId: dpsID, Consortium: nw, Terms: dpsTermsWith(func(t *purchasingv1.DpsTerms) { t.OfferWindowHours = 48 })}, dpsOpened())
	created := referralCreated()
	created.OffersDueBy = timestamppb.New(now.Add(48 * time.Hour))
	givenReferral().when(createReferral(commissioner, dps, need())).thenEvents(t, created, referralMatched())
}

func TestCreateReferralRefusesADeadlinePastOrTooFar(t *testing.T) {
	for _, due := range []time.Time{now, now.Add(-time.Minute), now.Add(31 * 24 * time.Hour)} {
		c := createReferral(commissioner, openDps(), need())
		c.OffersDueBy = due
		givenReferral().when(c).thenInvalid(t, "offers_due_by")
	}
}

func TestMakeOfferUpToTheDeadline(t *testing.T) {
	o := offer(acmeResponder, "SC100001", 450000)
	o.Now = dlDue // on the stroke is still in time
	givenReferral(referred()...).when(o).thenOK(t)
}

func TestMakeOfferAfterTheDeadline(t *testing.T) {
	o := offer(acmeResponder, "SC100001", 450000)
	o.Now = dlDue.Add(time.Second)
	err := givenReferral(referred()...).when(o).thenRule(t, domain.RuleOfferDeadlinePassed)
	if want := domain.FormatDeadline(dlDue); !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name the deadline %q", err, want)
	}
}

func TestMakeOfferAfterAnExtension(t *testing.T) {
	later := dlDue.Add(24 * time.Hour)
	o := offer(acmeResponder, "SC100001", 450000)
	o.Now = dlDue.Add(time.Hour)
	givenReferral(append(referred(), dlExtended(dlDue, later))...).when(o).thenOK(t)
}

func TestMakeOfferOnAReferralWithoutDeadline(t *testing.T) {
	created := referralCreated()
	created.OffersDueBy = nil
	o := offer(acmeResponder, "SC100001", 450000)
	o.Now = now.Add(90 * 24 * time.Hour)
	givenReferral(created, referralMatched()).when(o).thenOK(t)
}

func TestExtendOfferDeadline(t *testing.T) {
	later := dlDue.Add(24 * time.Hour)
	s := givenReferral(referred()...).when(dlExtend(commissioner, later)).thenEvents(t, dlExtended(dlDue, later))
	if !s.OffersDueBy.Equal(later) {
		t.Fatalf("due by %v, want %v", s.OffersDueBy, later)
	}
	// After the deadline has passed, it may still be reopened.
	e := dlExtend(commissioner, later)
	e.Now = dlDue.Add(time.Hour)
	givenReferral(referred()...).when(e).thenEvents(t, dlExtended(dlDue, later))
}

func TestExtendOfferDeadlineOnlyLater(t *testing.T) {
	givenReferral(referred()...).when(dlExtend(commissioner, dlDue)).thenRule(t, domain.RuleDeadlineOnlyLater)
	givenReferral(referred()...).when(dlExtend(commissioner, dlDue.Add(-time.Hour))).thenRule(t, domain.RuleDeadlineOnlyLater)
	// A new deadline must still lie ahead and within 30 days.
	givenReferral(referred()...).when(dlExtend(commissioner, now.Add(-time.Hour))).thenInvalid(t, "offers_due_by")
	givenReferral(referred()...).when(dlExtend(commissioner, now.Add(31*24*time.Hour))).thenInvalid(t, "offers_due_by")
}

func TestExtendOfferDeadlineWho(t *testing.T) {
	later := dlDue.Add(time.Hour)
	// Another council and a provider do not see the referral at all.
	givenReferral(referred()...).when(dlExtend(commissioner2, later)).thenMissing(t, domain.MissingReferral)
	givenReferral(referred()...).when(dlExtend(acmeResponder, later)).thenMissing(t, domain.MissingReferral)
	// Someone of the council who is not a commissioner may not.
	viewer := domain.Actor{Subject: "u-352v", Organisation: "council:352", Role: "council_viewer"}
	givenReferral(referred()...).when(dlExtend(viewer, later)).thenForbidden(t)
}

func TestExtendOfferDeadlineOnAClosedReferral(t *testing.T) {
	later := dlDue.Add(time.Hour)
	history := append(referred(), withdrawn())
	givenReferral(history...).when(dlExtend(commissioner, later)).thenRule(t, domain.RuleReferralNotOpen)
}
