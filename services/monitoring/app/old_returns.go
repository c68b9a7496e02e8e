package app

import (
	"encoding/binary"

	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// oldReturns are a setting's months before the held window: which months
// have a return and when its latest revision was submitted, all compliance
// reads of them. A decade of months would be a 32-byte returnRM each; packed
// they are a few bytes: per month, in month order, the gap from the month
// before (uvarint), the change of submission second from the month before
// (varint) and the submission's nanoseconds (uvarint).
type oldReturns struct {
	packed []byte
	// last and lastSec: the last month packed and its submission second,
	// where the next month is appended from (last 0: none packed).
	last    domain.Month
	lastSec int64
}

// oldReturn is one month of oldReturns unpacked.
type oldReturn struct {
	month     domain.Month
	submitted int64 // unix nanoseconds
}

const nano = int64(1e9)

// splitNanos splits unix nanoseconds into a second and its nanoseconds
// (0 to 1e9-1, also before 1970).
func splitNanos(t int64) (int64, int64) {
	sec, ns := t/nano, t%nano
	if ns < 0 {
		sec, ns = sec-1, ns+nano
	}
	return sec, ns
}

// add packs a month after every packed one.
func (o *oldReturns) add(mo domain.Month, submitted int64) {
	sec, ns := splitNanos(submitted)
	o.packed = binary.AppendUvarint(o.packed, uint64(mo-o.last))
	o.packed = binary.AppendVarint(o.packed, sec-o.lastSec)
	o.packed = binary.AppendUvarint(o.packed, uint64(ns))
	o.last, o.lastSec = mo, sec
}

// each calls f with every packed month in order until f returns false.
func (o *oldReturns) each(f func(oldReturn) bool) {
	var mo domain.Month
	var sec int64
	for b := o.packed; len(b) > 0; {
		gap, n := binary.Uvarint(b)
		b = b[n:]
		dsec, n := binary.Varint(b)
		b = b[n:]
		ns, n := binary.Uvarint(b)
		b = b[n:]
		mo, sec = mo+domain.Month(gap), sec+dsec
		if !f(oldReturn{mo, sec*nano + int64(ns)}) {
			return
		}
	}
}

// all is every packed month, unpacked.
func (o *oldReturns) all() []oldReturn {
	var out []oldReturn
	o.each(func(r oldReturn) bool { out = append(out, r); return true })
	return out
}

// at is when a packed month's return was submitted (false if none was).
func (o *oldReturns) at(mo domain.Month) (int64, bool) {
	var sub int64
	found := false
	if len(o.packed) > 0 && mo <= o.last {
		o.each(func(r oldReturn) bool {
			if r.month == mo {
				sub, found = r.submitted, true
			}
			return r.month < mo
		})
	}
	return sub, found
}

// put packs a month, replacing its earlier revision: appended when it is
// after every packed month, else (a late first return or a correction of
// years ago, rare) by packing them all again.
func (o *oldReturns) put(mo domain.Month, submitted int64) {
	if len(o.packed) == 0 || mo > o.last {
		o.add(mo, submitted)
		return
	}
	rs := o.all()
	i := 0
	for i < len(rs) && rs[i].month < mo {
		i++
	}
	if i < len(rs) && rs[i].month == mo {
		rs[i].submitted = submitted
	} else {
		rs = append(rs[:i], append([]oldReturn{{mo, submitted}}, rs[i:]...)...)
	}
	*o = oldReturns{}
	for _, r := range rs {
		o.add(r.month, r.submitted)
	}
}

// restoreOldReturns is a snapshot's packed bytes, with last and lastSec
// read back from them.
func restoreOldReturns(packed []byte) oldReturns {
	o := oldReturns{packed: packed}
	o.each(func(r oldReturn) bool {
		o.last, o.lastSec = r.month, splitSec(r.submitted)
		return true
	})
	return o
}

func splitSec(t int64) int64 {
	sec, _ := splitNanos(t)
	return sec
}
