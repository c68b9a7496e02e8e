package server

import "github.com/carecoop/carecoop/services/notify/app"

// The service's options, here so that whoever runs notify (its command,
// carecoop dev, another service's tests) needs only this package.
type Option = app.Option

var (
	WithChannel      = app.WithChannel
	WithPortalURL    = app.WithPortalURL
	WithDev          = app.WithDev
	WithMaxAge       = app.WithMaxAge
	WithDigests      = app.WithDigests
	WithNoOfferAfter = app.WithNoOfferAfter
	WithSweepEvery   = app.WithSweepEvery
)
