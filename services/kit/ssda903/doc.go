// Package ssda903 turns a council's SSDA903 (children looked after) extract
// into an anonymised needs return: counts only. It runs on the council's own
// machine; child-level rows are parsed in memory, never stored and never
// returned. A Return holds no child identifier, date of birth, postcode,
// URN, sex or ethnicity; sex and ethnicity are not even read.
//
// # Input
//
// Two CSV files from the 903 extract: episodes (CHILD, DECOM, RNE, LS, CIN,
// PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST,
// URN) and header (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB). Only the
// columns used are required: CHILD, DECOM, RNE, LS, CIN, PLACE,
// PLACE_PROVIDER, DEC, REC, HOME_POST and PL_POST in episodes; CHILD and DOB
// in header. Export quirks are tolerated: a UTF-8 byte-order mark, CRLF line
// ends, column names in any order and case with surrounding spaces, extra
// columns, blank lines, values with surrounding spaces, lower-case codes,
// and dates as dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd.
//
// Anything malformed (a bad date, an unknown code, a missing column, a line
// with the wrong number of values, an episode ending before it starts or
// starting before the child's birth, a child missing from the header or
// listed twice in it, a closed episode with no reason ceased) makes Read
// return a *Report listing every problem by file, line and column, and no
// Return.
//
// Code lists (PLACE, LS, CIN, RNE, PLACE_PROVIDER, REC) and the placement
// group of each PLACE code are data in codes.csv, embedded in the package
// and replaceable at run time with Options.Codes. A code may carry the
// collection years it is valid in (K3 and Z11–Z14 from 2025–26); an episode
// that lies wholly outside those years is reported.
//
// # Definitions
//
// A child is looked after on date D when some episode has DECOM <= D and
// either no DEC or DEC > D. If extract errors leave several such episodes
// (overlapping episodes), the one that started last counts, and of two
// starting the same day the later line in the file. That episode gives the
// placement group (from PLACE), legal status (LS) and category of need
// (CIN). Children on short-break legal statuses (V3, V4) are counted, unlike
// in the DfE's headline figures; LegalStatus lets a reader leave them out.
// An open episode with a reason ceased other than X1 is still open: DEC
// decides.
//
// The age band is the child's age in completed years on D, in the DfE bands
// "under 1", "1-4", "5-9", "10-15" and "16+".
//
// # Area and distance: an approximation
//
// The 903 extract does not say which council's area a placement is in, so
// "inside" or "outside" the council's own area is approximated from the
// straight-line distance between the outcodes of the child's home postcode
// (HOME_POST) and the placement's postcode (PL_POST), using the centroids in
// package geo: more than 20 miles is "outside", 20 miles or less "inside".
// This misclassifies placements just across a boundary and long journeys in
// large county councils; it is a sufficiency indicator, not the DfE's
// out-of-area measure. The distance band is "0-5", "5-10", "10-20", "20-50"
// or "50+" miles, each band including its upper bound. When either postcode
// is blank or its outcode unknown, both Area and DistanceBand are "unknown".
// A postcode may be given in full ("M14 5AB", "M145AB"), as an outcode
// ("M14") or as a sector ("M14 5").
//
// # Transitions
//
// For forecasting, Transitions counts flows in the year before the as-at
// date, (AsAt − 1 year, AsAt]: entries (episodes starting a period of care,
// RNE S, by the placement group they start in), exits (episodes ending in
// the year with a reason ceased other than X1, by the group left), moves
// (an episode starting in the year that continues a period of care, RNE not
// S, after one that did not end it, where the placement group changes) and
// stays (children looked after at both ends of the year in the same group).
// Entries and exits count episodes, so a child who enters twice counts
// twice.
//
// The same files and options always give an identical Return: cells and
// moves are sorted, and nothing depends on map order.
package ssda903
