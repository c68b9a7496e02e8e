package app

import (
	"encoding/binary"
	"slices"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// closedHeld is how long a closed referral is held whole: a quarter, the
// recent closings a commissioner or provider goes back to. After that the
// model keeps it in summary (archive), since ten years of a nation's
// referrals with every offer and decline would make it grow with all
// history; GetReferral reads a summarised referral whole from its stream.
const closedHeld = 90 * 24 * time.Hour

// closingRM is a closed referral waiting to be summarised, with when it
// closed (Unix nanoseconds).
type closingRM struct {
	id string
	at int64
}

// answer is where one provider stands on a referral (yourResponse's words,
// without the award, which the placement tells).
type answer uint8

const (
	answerNone answer = iota
	answerDeclined
	answerOffered
	answerClosedElsewhere // offer closed: awarded to another offer
	answerClosedWithdrawn // offer closed: referral withdrawn
	answerClosedOther     // offer closed for another reason (not summarised)
)

// answerOf is where provider pi stands on a referral held whole: a decline
// first, then the cheapest of its offers that is open or closed (as
// viewReferralFor lists them); reason is the offer's closed reason.
func (r *referralRM) answerOf(pi uint32) (a answer, reason string) {
	for i := range r.declines {
		if r.declines[i].provider == pi {
			return answerDeclined, ""
		}
	}
	var best *offerRM
	for i := range r.offers {
		o := &r.offers[i]
		if o.provider != pi || (o.status != purchasingv1.OfferStatus_OFFER_STATUS_OPEN && o.status != purchasingv1.OfferStatus_OFFER_STATUS_CLOSED) {
			continue
		}
		if best == nil || o.price < best.price {
			best = o
		}
	}
	switch {
	case best == nil:
		return answerNone, ""
	case best.status == purchasingv1.OfferStatus_OFFER_STATUS_OPEN:
		return answerOffered, ""
	case best.closedReason == domain.ClosedAwardedElsewhere:
		return answerClosedElsewhere, best.closedReason
	case best.closedReason == domain.ClosedReferralWithdrawn:
		return answerClosedWithdrawn, best.closedReason
	}
	return answerClosedOther, best.closedReason
}

// archivedAnswer is where provider pi stands on a summarised referral.
func (r *referralRM) archivedAnswer(pi uint32) answer {
	var at uint64
	for b := r.answers; len(b) > 1; {
		gap, n := binary.Uvarint(b)
		if n <= 0 || len(b) <= n {
			return answerNone
		}
		at += gap
		a := answer(b[n])
		b = b[n+1:]
		if at >= uint64(pi) {
			if at == uint64(pi) {
				return a
			}
			return answerNone
		}
	}
	return answerNone
}

// yourResponse tells a provider where it stands on a referral.
func (m *ReadModel) yourResponse(own string, r *referralRM) string {
	if r.placement != nil && r.placement.GetProviderId() == own {
		return "awarded to you"
	}
	a, reason := answerNone, ""
	if pi, ok := m.provIndex[own]; ok {
		if r.archived {
			a = r.archivedAnswer(pi)
		} else {
			a, reason = r.answerOf(pi)
		}
	}
	switch a {
	case answerDeclined:
		return "you declined"
	case answerOffered:
		return "you offered; awaiting the council's decision"
	case answerClosedElsewhere:
		return "your offer closed: " + domain.ClosedAwardedElsewhere
	case answerClosedWithdrawn:
		return "your offer closed: " + domain.ClosedReferralWithdrawn
	case answerClosedOther:
		return "your offer closed: " + reason
	}
	switch r.status {
	case purchasingv1.ReferralStatus_REFERRAL_STATUS_AWARDED:
		return "closed: placed elsewhere"
	case purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN:
		return "closed: withdrawn by the council"
	}
	return "awaiting your offer or decline"
}

// closed queues a referral that has just been awarded or withdrawn.
func (m *ReadModel) closed(r *referralRM, at time.Time) {
	m.closing = append(m.closing, closingRM{id: r.id, at: at.UnixNano()})
}

// archiveUpTo summarises the referrals closed closedHeld before now (an
// event's time, so a replay and a restored snapshot summarise the same).
func (m *ReadModel) archiveUpTo(now time.Time) {
	cut := now.Add(-closedHeld).UnixNano()
	n := 0
	for n < len(m.closing) && m.closing[n].at <= cut {
		if r := m.referrals[m.closing[n].id]; r != nil {
			m.archive(r)
		}
		n++
	}
	if n > 0 {
		m.closing = slices.Delete(m.closing, 0, n)
	}
}

// archive drops a closed referral's offers and declines, keeping of them
// each responding provider's answer (a varint of the gap from the provider
// index before, then the answer): what a list shows. A referral with an
// answer the summary cannot say is left whole.
func (m *ReadModel) archive(r *referralRM) {
	if r.archived {
		return
	}
	var who []uint32
	for i := range r.offers {
		who = append(who, r.offers[i].provider)
	}
	for i := range r.declines {
		who = append(who, r.declines[i].provider)
	}
	slices.Sort(who)
	who = slices.Compact(who)
	var out []byte
	var prev uint32
	for _, pi := range who {
		a, _ := r.answerOf(pi)
		if a == answerClosedOther {
			return
		}
		out = binary.AppendUvarint(out, uint64(pi-prev))
		out = append(out, byte(a))
		prev = pi
	}
	r.answers, r.offers, r.declines, r.archived = slices.Clone(out), nil, nil, true
}

// applyArchived applies an event to a summarised referral: once closed, a
// referral takes no offer or decline (the deciders refuse them), so only
// its version moves.
func applyArchived(r *referralRM, e eventstore.RecordedEvent) {
	r.version = e.Version
}

// wholeReferral folds a summarised referral's stream, up to pos, into a
// referral held whole, in a model of its own that reads m's providers and
// settings (m is read-locked by the caller). It returns that model, whose
// views name providers by its own indexes.
func (m *ReadModel) wholeReferral(id string, events []eventstore.RecordedEvent, pos uint64) (*ReadModel, *referralRM) {
	t := NewReadModel(m.now)
	t.providers, t.settingOwner, t.judged = m.providers, m.settingOwner, m.judged
	for _, e := range events {
		if e.Position <= pos {
			t.applyReferral(e)
		}
	}
	return t, t.referrals[id]
}
