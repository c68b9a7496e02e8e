package ocds

import (
	"time"
)

// The package's fixed parts.
const (
	// Version is the OCDS version the releases follow.
	Version = "1.1"
	// PublisherName is the name the packages are published under.
	PublisherName = "carecoop"
	// License is the Open Government Licence the data is published under.
	License = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
	// DefaultPageSize and MaxPageSize bound a page of the feed.
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Extensions are the extensions the releases use, by their published
// extension.json.
var Extensions = []string{
	"https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
	"https://raw.githubusercontent.com/open-contracting-extensions/ocds_techniques_extension/master/extension.json",
}

// Page is the releases after position since, at most limit of them but
// never splitting a position, and the position to ask for the next page
// from (0 when this is the last).
func Page(all []Release, since uint64, limit int) (page []Release, next uint64) {
	if limit <= 0 {
		limit = DefaultPageSize
	}
	for i, r := range all {
		if r.position <= since {
			continue
		}
		if len(page) >= limit && r.position != page[len(page)-1].position {
			return page, page[len(page)-1].position
		}
		page = append(page, all[i])
	}
	return page, 0
}

// NewPackage wraps releases in a release package published at uri. Its
// date is the latest release's (the feed is made on demand, so that is
// when its contents last changed), or now when it has none.
func NewPackage(uri string, releases []Release, next string, now time.Time) Package {
	p := Package{URI: uri, Version: Version, Extensions: Extensions, Publisher: Publisher{Name: PublisherName}, License: License,
		Releases: releases, PublishedDate: dateTime(now)}
	if p.Releases == nil {
		p.Releases = []Release{}
	}
	latest := ""
	for _, r := range releases {
		latest = max(latest, r.Date)
	}
	if latest != "" {
		p.PublishedDate = latest
	}
	if next != "" {
		p.Links = &Links{Next: next}
	}
	return p
}
