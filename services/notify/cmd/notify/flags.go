package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/carecoop/carecoop/services/kit/servicecmd"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/channel/govuknotify"
	"github.com/carecoop/carecoop/services/notify/channel/outbox"
	"github.com/carecoop/carecoop/services/notify/channel/smtpmail"
)

// channelFlags are the notifications service's own flags, besides every
// service's (servicecmd). Secrets come from the environment, never from
// flags (ps shows flags): NOTIFY_API_KEY for GOV.UK Notify, SMTP_PASSWORD
// for the relay.
type channelFlags struct {
	channel, portalURL          *string
	notifyTemplates, notifyBase *string
	smtpHost, smtpTLS, smtpFrom *string
	smtpUser                    *string
	smtpPort                    *int
	maxAge, noOfferAfter        *time.Duration
}

func registerFlags() *channelFlags {
	return &channelFlags{
		channel:         flag.String("channel", "govuk-notify", "where messages go: govuk-notify, smtp, or outbox (keeps them, sends nothing)"),
		portalURL:       flag.String("portal-url", "", "the portal's public address, which every message links to (required)"),
		notifyTemplates: flag.String("notify-templates", "", `JSON file mapping carecoop template ids to GOV.UK Notify template ids, with "default" for the rest (a template whose subject is ((subject)) and body ((body)))`),
		notifyBase:      flag.String("notify-base-url", govuknotify.DefaultBaseURL, "GOV.UK Notify's API"),
		smtpHost:        flag.String("smtp-host", "", "SMTP relay host"),
		smtpPort:        flag.Int("smtp-port", 0, "SMTP relay port (587 for starttls, 465 for tls)"),
		smtpTLS:         flag.String("smtp-tls", "starttls", "starttls, tls, or none (a relay on this machine only)"),
		smtpFrom:        flag.String("smtp-from", "", `sender, e.g. "carecoop <no-reply@carecoop.example>"`),
		smtpUser:        flag.String("smtp-user", "", "SMTP AUTH user (its password in SMTP_PASSWORD)"),
		maxAge:          flag.Duration("max-age", 24*time.Hour, "events older than this when first consumed are not notified (a first deployment does not email about the past)"),
		noOfferAfter:    flag.Duration("no-offer-after", app.DefaultNoOfferAfter, "a referral's commissioners are told when it has had no offer for this long"),
	}
}

func (f *channelFlags) options(servicecmd.Env) ([]app.Option, error) {
	if *f.portalURL == "" {
		return nil, fmt.Errorf("-portal-url is required: every message links to the portal")
	}
	if *f.noOfferAfter < time.Hour || *f.noOfferAfter%time.Hour != 0 {
		return nil, fmt.Errorf("-no-offer-after %s: a whole number of hours (the sweep runs hourly; the message counts hours)", *f.noOfferAfter)
	}
	opts := []app.Option{app.WithPortalURL(*f.portalURL), app.WithMaxAge(*f.maxAge), app.WithNoOfferAfter(*f.noOfferAfter)}
	switch *f.channel {
	case "outbox":
		opts = append(opts, app.WithChannel(outbox.Channel{}))
	case "govuk-notify":
		key := os.Getenv("NOTIFY_API_KEY")
		if key == "" {
			return nil, fmt.Errorf("-channel govuk-notify needs the API key in NOTIFY_API_KEY")
		}
		if *f.notifyTemplates == "" {
			return nil, fmt.Errorf("-channel govuk-notify needs -notify-templates")
		}
		data, err := os.ReadFile(*f.notifyTemplates)
		if err != nil {
			return nil, err
		}
		var templates map[string]string
		if err := json.Unmarshal(data, &templates); err != nil {
			return nil, fmt.Errorf("-notify-templates %s: %w", *f.notifyTemplates, err)
		}
		c, err := govuknotify.New(key, templates)
		if err != nil {
			return nil, err
		}
		c.BaseURL = *f.notifyBase
		opts = append(opts, app.WithChannel(c))
	case "smtp":
		m, err := smtpmail.New(smtpmail.Config{Host: *f.smtpHost, Port: *f.smtpPort, TLS: smtpmail.TLS(*f.smtpTLS), From: *f.smtpFrom,
			Username: *f.smtpUser, Password: os.Getenv("SMTP_PASSWORD")})
		if err != nil {
			return nil, err
		}
		opts = append(opts, app.WithChannel(m))
	default:
		return nil, fmt.Errorf("-channel %q: want govuk-notify, smtp or outbox", *f.channel)
	}
	return opts, nil
}
