// Package domain is the framework agreement aggregate of the framework
// management service, written as a pure decider: no I/O, no clock, no
// randomness. Time comes in on every command (Now).
//
//	s := Initial()
//	for _, e := range history {
//		s = Evolve(s, e)
//	}
//	events, err := Decide(s, cmd)
//
// Events are the proto messages of carecoop.framework.v1 (events.proto),
// used as plain data. Commands are the structs in commands.go, one per
// mutating RPC of FrameworkService; each carries the Actor who issues it and
// the time Now it is issued at. Who and when are not copied into the events:
// the event store's metadata records them. Every decision event carries the
// command's reason where the proto has a field for it.
//
// Decide returns a *domainerr.Error when it refuses a command:
//
//   - Kind Precondition, Rule one of the Rule* constants: a business rule
//     forbids the command in the framework's current state, or the terms
//     break a rule of the game (weights, the 4-year limit, ...);
//   - Kind NotFound, Rule one of the Missing* constants: the framework, lot,
//     bid or uplift named does not exist;
//   - Kind Invalid, Rule the request's field path (e.g. "terms.term_start",
//     "reason"): a field's value is wrong whatever the state;
//   - Kind Denied: the actor may not act on this framework.
//
// Checks run in this order: the framework exists, the actor may act, the
// framework has not ended, the fields are well formed, then the rules of the
// current state. Messages say what to change.
//
// Dates (term start and end, effective-from dates) are calendar dates
// "YYYY-MM-DD". Now is compared with them as a UTC calendar date.
package domain
