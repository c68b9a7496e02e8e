// Package assets holds the portal's static files, built by `make assets`
// from pinned GOV.UK Frontend and axe-core packages (see build/) and
// committed, so a build needs no npm.
package assets

import "embed"

// Static is served under /static/: the stylesheet, GOV.UK Frontend's
// JavaScript, the portal's init script and the licences. axe.min.js is
// there for the browser tests; the pages never load it.
//
//go:embed static
var Static embed.FS
