package main

import (
	"flag"
	"fmt"

	"github.com/carecoop/carecoop/services/kit/servicecmd"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/channel/outbox"
)

// channelFlags are the notifications service's own flags, besides every
// service's (servicecmd). Secrets come from the environment, never flags.
type channelFlags struct {
	channel   *string
	portalURL *string
}

func registerFlags() *channelFlags {
	return &channelFlags{
		channel:   flag.String("channel", "govuk-notify", "where messages go: govuk-notify, smtp, or outbox (keeps them, sends nothing)"),
		portalURL: flag.String("portal-url", "", "the portal's public address, which every message links to (required)"),
	}
}

func (f *channelFlags) options(servicecmd.Env) ([]app.Option, error) {
	if *f.portalURL == "" {
		return nil, fmt.Errorf("-portal-url is required: every message links to the portal")
	}
	opts := []app.Option{app.WithPortalURL(*f.portalURL)}
	switch *f.channel {
	case "outbox":
		opts = append(opts, app.WithChannel(outbox.Channel{}))
	default:
		return nil, fmt.Errorf("-channel %q: want govuk-notify, smtp or outbox", *f.channel)
	}
	return opts, nil
}
