// Package demand is the aggregated demand service's module: pooled,
// anonymised needs data from member councils, live demand and supply signals
// from purchasing, and disclosure-controlled aggregates.
package demand
