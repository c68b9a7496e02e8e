package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/metadata"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/ocds"
	"github.com/carecoop/carecoop/services/portal/view"
)

// ocdsRoutes: the open contracting data feed, public (no sign-in).
func (s *Server) ocdsRoutes() {
	c := &ocdsCache{}
	s.mux.HandleFunc("GET /ocds/releases", func(w http.ResponseWriter, r *http.Request) { s.ocdsReleases(w, r, c) })
}

// ocdsCacheFor is how long one reading of the services serves the feed:
// anyone may ask for it, and each reading asks the services for every
// framework's, DPS's and placement's decision log.
const ocdsCacheFor = 15 * time.Second

// ocdsCache is the feed's last reading; the lock also makes concurrent
// requests wait for one reading instead of each making its own.
type ocdsCache struct {
	mu       sync.Mutex
	at       time.Time
	releases []ocds.Release
}

// get is the releases, read again when the last reading is too old.
func (c *ocdsCache) get(now time.Time, read func() ([]ocds.Release, error)) ([]ocds.Release, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.releases != nil && now.Sub(c.at) >= 0 && now.Sub(c.at) < ocdsCacheFor {
		return c.releases, nil
	}
	rels, err := read()
	if err != nil {
		return nil, err
	}
	c.at, c.releases = now, rels
	return rels, nil
}

// ocdsReleases answers a page of the OCDS release feed: the releases after
// position ?since= (0: from the start), oldest first, at most ?limit= of
// them, optionally only those dated on or after ?from=YYYY-MM-DD; the
// package's links.next asks for the next page.
func (s *Server) ocdsReleases(w http.ResponseWriter, r *http.Request, cache *ocdsCache) {
	q := r.URL.Query()
	since, err := ocdsUint(q.Get("since"), 0)
	if err != nil {
		http.Error(w, "since must be a position: a whole number from 0.", http.StatusBadRequest)
		return
	}
	limit, err := ocdsUint(q.Get("limit"), ocds.DefaultPageSize)
	if err != nil || limit < 1 || limit > ocds.MaxPageSize {
		http.Error(w, "limit must be a whole number from 1 to "+strconv.Itoa(ocds.MaxPageSize)+".", http.StatusBadRequest)
		return
	}
	from := q.Get("from")
	if from != "" {
		if _, err := time.Parse(time.DateOnly, from); err != nil {
			http.Error(w, "from must be a date written as YYYY-MM-DD.", http.StatusBadRequest)
			return
		}
	}
	all, err := cache.get(s.cfg.Now(), func() ([]ocds.Release, error) {
		tok, err := auth.IssueToken(s.cfg.Key, ocds.Reader, s.cfg.TokenTTL)
		if err != nil {
			return nil, err
		}
		in, err := ocds.Fetch(metadata.AppendToOutgoingContext(r.Context(), "authorization", "Bearer "+tok), s.framework, s.purchasing)
		if err != nil {
			return nil, err
		}
		return ocds.Build(in, ocds.Options{Prefixes: s.cfg.OCDSPrefixes, CouncilName: view.CouncilName}), nil
	})
	if err != nil {
		s.log.Error("ocds: read the services", zap.Error(err))
		http.Error(w, "The open data feed is unavailable just now.", http.StatusServiceUnavailable)
		return
	}
	if from != "" {
		var kept []ocds.Release
		for _, rel := range all {
			if rel.Date >= from {
				kept = append(kept, rel)
			}
		}
		all = kept
	}
	page, next := ocds.Page(all, uint64(since), int(limit))
	self := s.ocdsURL(r, q)
	nextURL := ""
	if next != 0 {
		q.Set("since", strconv.FormatUint(next, 10))
		nextURL = s.ocdsURL(r, q)
	}
	w.Header().Set("Content-Type", "application/json")
	// Open data: any site may read it.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ocds.NewPackage(self, page, nextURL, s.cfg.Now())); err != nil {
		s.log.Warn("ocds: write", zap.Error(err))
	}
}

// ocdsURL is the feed's absolute address with query q.
func (s *Server) ocdsURL(r *http.Request, q url.Values) string {
	u := url.URL{Scheme: "http", Host: r.Host, Path: "/ocds/releases", RawQuery: q.Encode()}
	if s.cfg.Secure {
		u.Scheme = "https"
	}
	return u.String()
}

func ocdsUint(s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseUint(s, 10, 64)
}
