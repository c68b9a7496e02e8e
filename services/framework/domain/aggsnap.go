package domain

// StateParts are the parts of a State that its exported fields do not
// show, so that a persisted snapshot of the state (app/aggsnap.go) can be
// written and read back whole.
type StateParts struct {
	Bids     map[string]map[string]Bid       // lot id → provider id → bid
	Admitted map[string]map[string]Admission // lot id → provider id → admission
	Uplifts  map[string]Uplift               // uplift id → uplift
	CallOffs map[string]bool                 // placement ids of the call-offs recorded
}

// Parts returns s's own maps: read them, never change them (states are
// shared).
func (s State) Parts() StateParts {
	return StateParts{Bids: s.bids, Admitted: s.admitted, Uplifts: s.uplifts, CallOffs: s.calloffs}
}

// WithParts returns s with p as its parts, which it keeps: the caller
// gives up p's maps.
func (s State) WithParts(p StateParts) State {
	s.bids, s.admitted, s.uplifts, s.calloffs = p.Bids, p.Admitted, p.Uplifts, p.CallOffs
	return s
}
