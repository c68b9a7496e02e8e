package web

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// jwks publishes the public key the portal signs service tokens with, so the
// services verify them (-jwks-url).
func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	key := s.cfg.Key.Public().(ed25519.PublicKey)
	doc := map[string]any{"keys": []map[string]string{{
		"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA",
		"kid": auth.KeyID(key), "x": base64.RawURLEncoding.EncodeToString(key),
	}}}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(doc)
}

// signIn is the sign-in page: the organisation's identity provider
// (OpenID Connect) when one is configured, with a link to the demo people
// in `carecoop dev`; the list of demo people in `carecoop dev` without one.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if s.cfg.OIDC != nil {
		s.oidcSignIn(w, r)
		return
	}
	s.devPeople(w, r)
}

// devPeople lists the demo people (dev only).
func (s *Server) devPeople(w http.ResponseWriter, r *http.Request) {
	if len(s.cfg.DevPeople) == 0 {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_ = view.ErrorPage(view.Page{Title: "Sign in"}, "Sign in", []string{"Sign-in is not configured for this portal."}).Render(r.Context(), w)
		return
	}
	groups := map[string][]view.DevPerson{}
	var order []string
	for i, p := range s.cfg.DevPeople {
		if _, ok := groups[p.Group]; !ok {
			order = append(order, p.Group)
		}
		groups[p.Group] = append(groups[p.Group], view.DevPerson{Index: i, Name: p.Name, Organisation: p.Organisation, Role: strings.ReplaceAll(p.Role, "_", " ")})
	}
	var list []view.DevGroup
	for _, g := range order {
		list = append(list, view.DevGroup{Name: g, People: groups[g]})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = view.DevSignIn(view.Page{Title: "Sign in", Dev: true}, list, r.URL.Query().Get("next")).Render(r.Context(), w)
}

// devSignIn signs in as one of the demo people (dev only: the route exists
// only when DevPeople is set).
func (s *Server) devSignIn(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(r.PostFormValue("person"))
	if err != nil || i < 0 || i >= len(s.cfg.DevPeople) {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return
	}
	p := s.cfg.DevPeople[i]
	principal := auth.Principal{Subject: "demo:" + p.Role + "@" + p.Organisation, Organisation: p.Organisation, Roles: []string{p.Role}}
	sess, err := s.cfg.Sessions.New(r.Context(), principal, p.Name)
	if err != nil {
		s.log.Error("portal: starting a session", zap.Error(err))
		http.Error(w, "Sorry, there is a problem with the service.", http.StatusInternalServerError)
		return
	}
	s.setSessionCookie(w, sess.ID)
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// signOut ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		if err := s.cfg.Sessions.Delete(r.Context(), c.Value); err != nil {
			s.log.Warn("portal: ending a session", zap.Error(err))
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}
