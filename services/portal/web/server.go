// Package web is the portal's HTTP side: pages for each person's work,
// built only from the four services' gRPC APIs called with the signed-in
// person's own token — the portal holds no business data and decides no
// access: what a page shows is what that token may read.
package web

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io/fs"
	"net/http"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/assets"
	"github.com/carecoop/carecoop/services/portal/ocds"
	"github.com/carecoop/carecoop/services/portal/session"
)

// Conns are the services' client connections. Notify may be nil: the
// portal then runs without notifications (its pages say so).
type Conns struct {
	Framework, Purchasing, Demand, Monitoring grpc.ClientConnInterface
	Notify                                    grpc.ClientConnInterface
}

// Person is someone the development sign-in page lists.
type Person struct {
	Name         string
	Organisation string
	Role         string
	// Group heads the list the person is shown in ("Councils", ...).
	Group string
}

// Config is what the portal needs.
type Config struct {
	Conns    Conns
	Sessions *session.Store
	// Key signs the short-lived service tokens of signed-in people; its
	// public half is published at /.well-known/jwks.json.
	Key ed25519.PrivateKey
	// TokenTTL is how long a service token lives (default 5 minutes).
	TokenTTL time.Duration
	// Secure is set when the portal is served over TLS: cookies are Secure
	// and HSTS is sent.
	Secure bool
	// DevPeople, when not empty, turns on the development sign-in page that
	// lists them. Never set outside `carecoop dev`.
	DevPeople []Person
	// OIDC, when set, is the sign-in of a real deployment: the person's
	// identity provider (OpenID Connect). With DevPeople too, both are
	// offered.
	OIDC *OIDCConfig
	// OCDSPrefixes are the consortia's registered ocid prefixes for the
	// open data feed (/ocds/releases); none gives the development prefix.
	OCDSPrefixes ocds.Prefixes
	Logger       *zap.Logger
	Now          func() time.Time
}

// Server serves the portal.
type Server struct {
	cfg        Config
	log        *zap.Logger
	framework  frameworkv1.FrameworkServiceClient
	purchasing purchasingv1.PurchasingServiceClient
	demand     demandv1.DemandServiceClient
	monitoring monitoringv1.MonitoringServiceClient
	// notify is nil when the portal runs without notifications.
	notify notifyv1.NotifyServiceClient
	mux    *http.ServeMux
	oidc   *oidcClient
}

// New builds the portal's handler.
func New(cfg Config) (*Server, error) {
	if cfg.Sessions == nil || cfg.Key == nil {
		return nil, errors.New("portal: sessions and a signing key are required")
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	s := &Server{
		cfg: cfg, log: log, mux: http.NewServeMux(),
		framework:  frameworkv1.NewFrameworkServiceClient(cfg.Conns.Framework),
		purchasing: purchasingv1.NewPurchasingServiceClient(cfg.Conns.Purchasing),
		demand:     demandv1.NewDemandServiceClient(cfg.Conns.Demand),
		monitoring: monitoringv1.NewMonitoringServiceClient(cfg.Conns.Monitoring),
	}
	if cfg.Conns.Notify != nil {
		s.notify = notifyv1.NewNotifyServiceClient(cfg.Conns.Notify)
	}
	static, err := fs.Sub(assets.Static, "static")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /.well-known/jwks.json", s.jwks)
	if err := s.oidcRoutes(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// Handler is the portal with its protections: security headers on every
// answer and cross-origin form posts refused.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("portal: cross-origin request refused", zap.String("path", r.URL.Path), zap.String("origin", r.Header.Get("Origin")))
		http.Error(w, "This form was sent from another site, so it was refused.", http.StatusForbidden)
	}))
	return s.headers(cop.Handler(s.mux))
}

// headers sets the security headers: a CSP with no inline script or style,
// no framing, no referrer leaving the site, HSTS over TLS.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "+
			"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// withToken is ctx carrying a fresh service token for the session's
// person: every call the portal makes is made as that person.
func (s *Server) withToken(ctx context.Context, sess *session.Session) (context.Context, error) {
	tok, err := auth.IssueToken(s.cfg.Key, sess.Principal, s.cfg.TokenTTL)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), nil
}
