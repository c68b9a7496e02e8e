// Package domain is the dynamic purchasing context's business rules, pure Go
// with no I/O and no clock (time comes in on every command).
//
// Three aggregates, each a decider (Decide…(state, command) → events, and
// Evolve):
//   - Provider: a provider's profile, held once for every consortium, with
//     its settings (homes, agency branches, schools), accreditations and
//     vacancies.
//   - DPS: a consortium's dynamic purchasing system (dynamic market), its
//     categories, applications and who is admitted or suspended.
//   - Referral: a council's anonymised placement search, the settings it
//     was matched to, the offers and declines, and the one award.
//
// Facts from other aggregates that a rule needs (is the provider registered,
// is an accreditation expired, the DPS's members and categories, which
// settings matched) are passed in on the command by the application layer,
// read at decision time; Match is the pure matching of a need against
// candidate settings.
package domain
