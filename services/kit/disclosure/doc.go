// Package disclosure is statistical disclosure control for pooled counts of
// children, so that the councils of a consortium can pool needs data and see
// consortium-wide aggregates without learning about another council's
// children. It is pure computation: no I/O, no clock, no randomness.
//
// # The rule
//
// A cell counting fewer than the threshold (DefaultThreshold, 5, configurable
// per consortium) children is suppressed (primary suppression). Zero is
// published: a true zero says that no child is in the category, which
// discloses nothing about any child, and suppressing zeros would hide
// structural zeros (impossible combinations) and make every table mostly
// blank. The price of this choice is group attribute disclosure: a published
// zero next to a published total can show that all the children of a row are
// in the other columns; with anonymised counts that is accepted. Secondary
// suppression then makes sure that a suppressed cell cannot be recovered by
// subtracting published cells from a published total, nor by comparing two
// overlapping tables.
//
// # What is protected
//
// A snapshot is the set of base counts as at ONE date (stocks are never summed
// across dates): a [Record] per council per combination of dimension values.
// [Protect] builds and protects, for one viewer, every one-way table (one per
// [Dimension]) and every two-way table (one per pair of dimensions) of the
// snapshot, all at once, so that every query of that viewer is answered from
// tables protected the same way. [Protected.Table1D] and [Protected.Table2D]
// then only read them; their filters select rows and columns of the protected
// table and never change what is suppressed or recompute a total, so a
// filtered query shows exactly the cells, margins and total of the unfiltered
// one. Always protect a consortium's snapshot with the same set of dimensions:
// the margin decisions depend on every pair of them.
//
// # The method
//
//  1. One-way tables first. Primary: every cell with 0 < n < threshold. Then
//     secondary: each line (the cells of a dimension plus the total) must hold
//     0 or at least 2 suppressed entries. A line with exactly one suppressed
//     cell also gets its smallest other non-zero cell suppressed (never the
//     total); if there is no other non-zero cell the total is suppressed. The
//     total is one number shared by every one-way table (and is the grand
//     total of every two-way table), so it is suppressed in all of them or in
//     none, and a line whose only suppressed entry is the total gets its
//     smallest non-zero cell suppressed. This is iterated over all dimensions
//     until nothing changes. The result, for each dimension, is the set of its
//     suppressed values: the margin decisions.
//  2. Each two-way table A×B takes the margin decisions of A and B as given
//     (its row margins are the one-way cells of A, its column margins those of
//     B, its grand total the total) and protects its interior: primary
//     (0 < n < threshold), then, until stable, every row line (the interior
//     cells of the row plus its margin) and every column line must hold 0 or at
//     least 2 suppressed entries. A line with exactly one gets its best
//     unsuppressed non-zero interior cell suppressed: the smallest, preferring
//     a cell whose crossing line can still be fixed, ties broken by value
//     order. A margin or the grand total is never suppressed here.
//  3. When a line of a two-way table cannot be fixed that way (its one
//     suppressed entry is an interior cell and every other interior cell of
//     the line is zero, so the cell equals its published margin), the margin is
//     added to the margin decisions and everything is recomputed from step 1.
//     Suppressions only grow, so this ends; the margin decisions are then the
//     same in every table, which is what stops a cell suppressed in A×B being
//     recovered from the one-way table of A, or from A×C through the margins
//     of A they share.
//  4. An exact linear audit. Lines of 0 or ≥ 2 are not enough: in a two-way
//     table a suppressed cell that is the only link between two groups of
//     suppressed cells (a bridge) is the sum of some rows minus the sum of some
//     columns, and lines of different tables combine through the margins they
//     share. The audit writes every equation the viewer knows (every line of
//     every table) over the figures it does not know, finds by elimination
//     each figure that some combination of equations determines, and
//     suppresses one more figure that frees it: the smallest published figure
//     in that combination that would not itself be determined, preferring
//     interior cells to margins and margins to the total. It repeats until no
//     suppressed figure is determined. Margins it suppresses are margin
//     decisions like any other: every table of the viewer shows them.
//
// # Own figures
//
// A council sees its own figures in full ([Cell.Own]). Because it knows its own
// contribution, an aggregate cell is also primarily suppressed for that viewer
// when the count contributed by the other councils is 0 < others < threshold:
// otherwise subtracting its own figure would reveal the others'. Protection is
// therefore per viewer ("" for a consortium lead or the platform, who have no
// own data): each viewer's tables are consistent among themselves, and for a
// council the secondary choice ranks cells by the other councils' share, since
// that is what it could learn.
//
// # Limits
//
//   - This is the standard line heuristic with a fixed-point repair of margins
//     and an exact linear audit, not an optimal (linear-programming) cell
//     suppression: it may suppress more than necessary. It guarantees that no
//     suppressed figure is a linear combination of published figures across
//     all the one- and two-way tables of a viewer (arithmetic is modulo the
//     prime 2⁶¹ − 1, exact unless a minor of the 0/±1 equation matrix is a
//     multiple of it). Bounds are not audited: counts are non-negative
//     integers, and a council knows its own share, which can narrow a
//     suppressed figure further. The package tests check by exhaustive search,
//     on many small random snapshots, that every suppressed figure holding
//     some of the other councils' children keeps at least two possible values
//     given everything the viewer is shown; that is evidence, not a proof for
//     all tables.
//   - Interval protection is not guaranteed: a suppressed cell cannot be
//     pinned down, but its feasible range may be narrow (e.g. 1 to 3).
//   - The two-way tables are margins of one set of records. An attacker who
//     combines A×B, A×C and B×C through that three-way structure (published
//     zeros in B×C force zeros in the unseen A×B×C table) can sometimes
//     determine a suppressed figure; that inference is not modelled. (In the
//     small random snapshots of three dimensions of the package tests it
//     happens in about 1 snapshot in 1,000.)
//   - Collusion between councils (pooling their own figures) is not modelled,
//     nor is comparing the tables of different viewers.
//   - Each date is protected on its own. A series of snapshots shows net
//     changes between dates; those are not counts of children, but a small
//     change in a published cell is visible.
//   - [Cell.Reason] tells primary from secondary suppression. Together with the
//     published rule it narrows suppressed values (a primary cell is below the
//     threshold, a secondary one is not), so it is for decision logs and
//     auditors, not for the viewer's screen.
//
// Prices: [PriceStats] returns the quartiles of weekly fees only when enough
// placements from enough distinct providers are pooled, and never a minimum,
// a maximum or any single price.
package disclosure
