package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/session"
	"github.com/carecoop/carecoop/services/portal/view"
)

// rq is one request of a signed-in person.
type rq struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	sess *session.Session
	// ctx carries the person's service token.
	ctx  context.Context
	page view.Page
}

// cookieName is the session cookie's name: with the __Host- prefix over TLS,
// so the browser keeps it to this host, secure and for every path.
func (s *Server) cookieName() string {
	if s.cfg.Secure {
		return "__Host-carecoop-session"
	}
	return "carecoop-session"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: id, Path: "/", HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

// session is the request's session, or nil.
func (s *Server) session(r *http.Request) *session.Session {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return nil
	}
	sess, err := s.cfg.Sessions.Get(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, session.ErrNone) {
			s.log.Error("portal: reading a session", zap.Error(err))
		}
		return nil
	}
	return sess
}

// page registers a page for the given roles (any signed-in person if none):
// no session → the sign-in page; a role not listed → 403.
func (s *Server) page(pattern string, roles []string, fn func(*rq) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sess := s.session(r)
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
			return
		}
		q := &rq{s: s, w: w, r: r, sess: sess}
		q.page = view.Page{User: &view.User{Name: sess.Name, Organisation: orgName(sess.Principal), Role: roleName(sess.Principal)},
			Nav: append(navFor(sess.Principal), view.NavItem{Href: "/notifications", Text: "Notifications"}), Dev: len(s.cfg.DevPeople) > 0, Unread: -1}
		q.page.Active = navActive(q.page.Nav, r.URL.Path)
		if len(roles) > 0 && !sess.Principal.HasAnyRole(roles...) {
			q.fail(status.Error(codes.PermissionDenied, "not this person's page"))
			return
		}
		ctx, err := s.withToken(r.Context(), sess)
		if err != nil {
			q.fail(err)
			return
		}
		q.ctx = ctx
		// The navigation's count of unread notifications: one call, and
		// the page is served without it if notify does not answer.
		q.page.Unread = s.noteUnread(q)
		if sess.Banner != "" {
			q.page.Banner, sess.Banner = sess.Banner, ""
			if err := s.cfg.Sessions.Save(r.Context(), sess); err != nil {
				s.log.Warn("portal: clearing a banner", zap.Error(err))
			}
		}
		if err := fn(q); err != nil {
			q.fail(err)
		}
	})
}

// render writes a page.
func (q *rq) render(c templ.Component) error {
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return c.Render(q.r.Context(), q.w)
}

// done is the answer to a command that worked: back to a page (GET), read
// at the command's position so the person sees what they did, with a
// success banner.
func (q *rq) done(path string, position uint64, banner string) error {
	if banner != "" {
		q.sess.Banner = banner
		if err := q.s.cfg.Sessions.Save(q.r.Context(), q.sess); err != nil {
			return err
		}
	}
	if position > 0 {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "at=" + strconv.FormatUint(position, 10)
	}
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
	return nil
}

// at is the position a page must reflect (after a command), from ?at=.
func (q *rq) at() uint64 {
	n, _ := strconv.ParseUint(q.r.URL.Query().Get("at"), 10, 64)
	return n
}

// fail shows an error as the design system does: never a stack trace or
// a code, always what the person can do.
func (q *rq) fail(err error) {
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.PermissionDenied:
		q.errorPage(http.StatusForbidden, "You cannot see this page", "Your organisation or role does not give you access to it.")
	case codes.NotFound:
		q.errorPage(http.StatusNotFound, "Page not found", "It may have been moved, or you may not have access to what it shows.")
	default:
		q.s.log.Error("portal: page failed", zap.String("path", q.r.URL.Path), zap.Error(err))
		q.errorPage(http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later.")
	}
}

func (q *rq) errorPage(code int, heading string, lines ...string) {
	p := q.page
	p.Title = heading
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.WriteHeader(code)
	if err := view.ErrorPage(p, heading, lines).Render(q.r.Context(), q.w); err != nil {
		q.s.log.Warn("portal: writing an error page", zap.Error(err))
	}
}

// sayRule is err with a broken service rule said in the person's words:
// words gives them for the rule's identifier (false keeps the service's
// own, which name ids and codes). The rule stays a rule, so a form shows it
// as one; any other error passes unchanged.
func sayRule(err error, words func(rule string) (string, bool)) error {
	st, ok := status.FromError(err)
	if err == nil || !ok || st.Code() != codes.FailedPrecondition {
		return err
	}
	for _, d := range st.Details() {
		pf, ok := d.(*errdetails.PreconditionFailure)
		if !ok || len(pf.GetViolations()) == 0 {
			continue
		}
		v := pf.GetViolations()[0]
		msg, known := words(v.GetType())
		if !known {
			return err
		}
		out, derr := status.New(codes.FailedPrecondition, msg).WithDetails(&errdetails.PreconditionFailure{
			Violations: []*errdetails.PreconditionFailure_Violation{{Type: v.GetType(), Subject: v.GetSubject(), Description: msg}}})
		if derr != nil {
			return err
		}
		return out.Err()
	}
	return err
}

// inTable is sayRule's words from a table of them.
func inTable(words map[string]string) func(string) (string, bool) {
	return func(rule string) (string, bool) { w, ok := words[rule]; return w, ok }
}

// formErrors turns a refused command into the form's errors: each field
// violation linked to its field, a broken rule in its own words. ok is false
// for errors a form cannot show (the caller fails the page with them).
func formErrors(err error, fieldID func(path string) string) (errs []view.FieldError, ok bool) {
	st, isStatus := status.FromError(err)
	if !isStatus {
		return nil, false
	}
	switch st.Code() {
	case codes.InvalidArgument:
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					errs = append(errs, view.FieldError{Field: fieldID(v.GetField()), Message: sentence(v.GetField(), v.GetDescription())})
				}
			}
		}
		if len(errs) == 0 {
			errs = append(errs, view.FieldError{Message: "Check your answers: " + st.Message()})
		}
		return errs, true
	case codes.FailedPrecondition, codes.Aborted:
		msg := st.Message()
		for _, d := range st.Details() {
			if pf, ok := d.(*errdetails.PreconditionFailure); ok && len(pf.GetViolations()) > 0 {
				msg = pf.GetViolations()[0].GetDescription()
			}
		}
		if st.Code() == codes.Aborted {
			msg = "Someone else changed this while you were looking at it. Check the page and try again."
		}
		return []view.FieldError{{Message: capitalise(msg)}}, true
	}
	return nil, false
}

// sentence is a field violation as a sentence naming the field in words.
func sentence(path, desc string) string {
	name := path
	if i := strings.LastIndexAny(name, "."); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ReplaceAll(name, "_", " ")
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return capitalise(name) + " " + desc
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// newRequestID is the request id a form carries: rendered once, sent with
// every submit of that form, so a double submit or a refresh acts once.
func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "portal-" + hex.EncodeToString(b)
}

// formRequestID is the submitted form's request id, or a new one if the
// form carried none that a service would take.
func formRequestID(r *http.Request) string {
	id := r.PostFormValue("request_id")
	if len(id) < 8 || len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") != "" {
		return newRequestID()
	}
	return id
}

func orgName(p auth.Principal) string {
	switch p.OrgKind() {
	case auth.OrgConsortium:
		return "consortium " + p.OrgID()
	case auth.OrgCouncil:
		return "council " + p.OrgID()
	case auth.OrgProvider:
		return p.OrgID()
	}
	return "the platform"
}

func roleName(p auth.Principal) string {
	if len(p.Roles) == 0 {
		return ""
	}
	return strings.ReplaceAll(p.Roles[0], "_", " ")
}

// navFor is the service navigation a person gets.
func navFor(p auth.Principal) []view.NavItem {
	home := view.NavItem{Href: "/", Text: "Home"}
	switch {
	case p.HasAnyRole(auth.ConsortiumLead):
		return []view.NavItem{home, {Href: "/frameworks", Text: "Frameworks"}, {Href: "/dps", Text: "Dynamic purchasing"}, {Href: "/consortium", Text: "Consortium"}, {Href: "/block-contracts", Text: "Block contracts"}, {Href: "/decisions", Text: "Decision logs"}}
	case p.HasAnyRole(auth.CouncilCommissioner):
		return []view.NavItem{home, {Href: "/referrals", Text: "Referrals"}, {Href: "/placements", Text: "Placements"}, {Href: "/alerts", Text: "Alerts"}, {Href: "/block-contracts", Text: "Block contracts"}, {Href: "/demand", Text: "Demand"}}
	case p.HasAnyRole(auth.CouncilAnalyst):
		return []view.NavItem{home, {Href: "/needs", Text: "Needs data"}, {Href: "/demand", Text: "Demand"}}
	case p.HasAnyRole(auth.CouncilViewer):
		return []view.NavItem{home, {Href: "/referrals", Text: "Referrals"}, {Href: "/placements", Text: "Placements"}, {Href: "/alerts", Text: "Alerts"}, {Href: "/demand", Text: "Demand"}}
	case p.HasAnyRole(auth.ProviderAdmin):
		return []view.NavItem{home, {Href: "/organisation", Text: "Organisation"}, {Href: "/memberships", Text: "Memberships"}, {Href: "/vacancies", Text: "Vacancies"}, {Href: "/inbox", Text: "Referrals"},
			{Href: "/tenders", Text: "Frameworks"}, {Href: "/block-contracts", Text: "Block contracts"}, {Href: "/returns", Text: "Monitoring"}}
	case p.HasAnyRole(auth.ProviderResponder):
		return []view.NavItem{home, {Href: "/inbox", Text: "Referrals"}, {Href: "/vacancies", Text: "Vacancies"}, {Href: "/returns", Text: "Monitoring"}}
	case p.HasAnyRole(auth.PlatformAdmin):
		return []view.NavItem{home, {Href: "/platform/organisations", Text: "Organisations"}, {Href: "/platform/health", Text: "Service health"}, {Href: "/platform/deliveries", Text: "Failed deliveries"}}
	case p.HasAnyRole(auth.Auditor):
		return []view.NavItem{home, {Href: "/decisions", Text: "Decision logs"}}
	}
	return []view.NavItem{home}
}

// navActive is the nav item a path is under: the longest item address that
// is the path or a parent of it.
func navActive(nav []view.NavItem, path string) string {
	active := "/"
	for _, n := range nav {
		if (path == n.Href || strings.HasPrefix(path, n.Href+"/")) && len(n.Href) > len(active) {
			active = n.Href
		}
	}
	return active
}

// Who may open each council's and provider's pages.
var (
	councilStaff   = []string{auth.CouncilCommissioner, auth.CouncilAnalyst, auth.CouncilViewer}
	commissioner   = []string{auth.CouncilCommissioner}
	councilReaders = []string{auth.CouncilCommissioner, auth.CouncilViewer}
	analyst        = []string{auth.CouncilAnalyst}
	providerStaff  = []string{auth.ProviderAdmin, auth.ProviderResponder}
	providerAdmin  = []string{auth.ProviderAdmin}
)

var leadOnly = []string{auth.ConsortiumLead}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// command is the answer to a form post that runs one command: the call gets
// the form's request id (so a double submit acts once); when it succeeds
// the person goes to next, read at the command's position, with banner;
// when the service refuses what a form can show (field violations, a
// broken rule, a stale version), the form is shown again with its errors
// (HTTP 422); anything else fails the page.
func (q *rq) command(call func(requestID string) (position uint64, err error), next, banner string, again func(errs []view.FieldError) error) error {
	return q.commandThen(func(id string) (uint64, string, error) {
		pos, err := call(id)
		return pos, next, err
	}, banner, again)
}

// commandThen is q.command for a command whose next page comes from its
// answer (a new framework's page): call gives the position and the page.
func (q *rq) commandThen(call func(requestID string) (position uint64, next string, err error), banner string, again func(errs []view.FieldError) error) error {
	pos, next, err := call(formRequestID(q.r))
	if err == nil {
		return q.done(next, pos, banner)
	}
	errs, ok := formErrors(err, view.FieldID)
	if !ok {
		return err
	}
	return q.refuse(again, errs...)
}

// refuse shows a form again with its errors (HTTP 422): those a service
// gave for a refused command, or the portal's own found before any command
// ran. Nothing was changed.
func (q *rq) refuse(again func([]view.FieldError) error, errs ...view.FieldError) error {
	q.page.Errors = errs
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.WriteHeader(http.StatusUnprocessableEntity)
	return again(errs)
}
