package web

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Notifications (issue 14): each person's own notifications and what they
// choose to receive, an organisation admin's contacts, the platform
// admin's failed deliveries and, in `carecoop dev`, the outbox of what would
// have been sent. All from the notifications service as the signed-in
// person; a portal started without it says notifications are not set up.

// noteAdmins may keep their organisation's contacts (notify's policy).
var noteAdmins = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.ProviderAdmin, auth.PlatformAdmin}

// noteListLimit is how many notifications a page shows.
const noteListLimit = 200

func (s *Server) notificationRoutes() {
	s.page("GET /notifications", nil, s.noteList)
	s.page("GET /notifications/{id}", nil, s.noteShow)
	s.page("POST /notifications/{id}/read", nil, s.noteMarkRead)
	s.page("GET /notifications/settings", nil, s.noteSettings)
	s.page("POST /notifications/settings", nil, s.noteSaveSettings)
	s.page("GET /notifications/contacts", noteAdmins, s.noteContacts)
	s.page("POST /notifications/contacts", noteAdmins, s.noteAddContact)
	s.page("POST /notifications/contacts/remove", noteAdmins, s.noteRemoveContact)
	s.page("GET /platform/deliveries", platAdmin, s.noteDeliveries)
	if len(s.cfg.DevPeople) > 0 {
		s.page("GET /dev/outbox", nil, s.noteOutbox)
	}
}

// noteUnread is how many unread notifications the person has, for the
// navigation: one short call, and -1 rather than a failed page when the
// service is slow, down or not configured.
func (s *Server) noteUnread(q *rq) int {
	if s.notify == nil {
		return -1
	}
	ctx, cancel := context.WithTimeout(q.ctx, 500*time.Millisecond)
	defer cancel()
	res, err := s.notify.ListMyNotifications(ctx, &notifyv1.ListMyNotificationsRequest{UnreadOnly: true, Limit: noteListLimit})
	if err != nil {
		s.log.Debug("portal: counting unread notifications", zap.Error(err))
		return -1
	}
	return len(res.GetNotifications())
}

// noteOff renders the page of a portal without notifications.
func (s *Server) noteOff(q *rq, title string) (bool, error) {
	if s.notify != nil {
		return false, nil
	}
	q.page.Title = title
	return true, q.render(view.NoteNotConfigured(q.page, title))
}

func (s *Server) noteList(q *rq) error {
	if off, err := s.noteOff(q, "Notifications"); off {
		return err
	}
	res, err := s.notify.ListMyNotifications(q.ctx, &notifyv1.ListMyNotificationsRequest{Limit: noteListLimit, MinPosition: q.at()})
	if err != nil {
		return err
	}
	v := view.NoteListView{MayManageContacts: q.sess.Principal.HasAnyRole(noteAdmins...)}
	for _, n := range res.GetNotifications() {
		if n.GetRead() {
			v.Read = append(v.Read, noteItem(n))
		} else {
			v.Unread = append(v.Unread, noteItem(n))
		}
	}
	if len(res.GetNotifications()) == 0 {
		// An empty list is also what someone who is no contact gets: ask
		// their preferences to tell the two apart.
		if v.NotContact, err = s.noteNotContact(q); err != nil {
			return err
		}
	}
	q.page.Unread = len(v.Unread)
	q.page.Title = "Notifications"
	return q.render(view.NoteList(q.page, v))
}

// noteNotContact reports the person is not on their organisation's list
// of contacts (notify.not_a_contact).
func (s *Server) noteNotContact(q *rq) (bool, error) {
	_, err := s.notify.GetPreferences(q.ctx, &notifyv1.GetPreferencesRequest{MinPosition: q.at()})
	if status.Code(err) == codes.FailedPrecondition {
		return true, nil
	}
	return false, err
}

func noteItem(n *notifyv1.Notification) view.NoteItem {
	return view.NoteItem{ID: n.GetNotificationId(), Subject: n.GetSubject(), Body: noteWithoutLink(n.GetBody(), n.GetLink()), Link: noteLocal(n.GetLink()),
		When: view.When(n.GetDecidedAt()), Urgent: n.GetUrgent(), Read: n.GetRead(), Status: n.GetStatus(), Failure: n.GetFailure(),
		Attempts: n.GetAttempts(), To: n.GetRecipient().GetName(), Email: n.GetRecipient().GetEmail(), Organisation: noteOrgName(n.GetRecipient().GetOrganisation())}
}

// noteWithoutLink is an email's body without its line of the link: the
// page links to it in words.
func noteWithoutLink(body, link string) string {
	if link == "" {
		return body
	}
	var keep []string
	for _, l := range strings.Split(body, "\n") {
		if strings.TrimSpace(l) != link {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// noteLocal is a notification's link as an address in this portal: the
// service writes the portal's public address, which the person is on.
func noteLocal(link string) string {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	if u.RawQuery != "" {
		return u.EscapedPath() + "?" + u.RawQuery
	}
	return u.EscapedPath()
}

func noteOrgName(org string) string {
	if org == "" {
		return ""
	}
	return orgName(auth.Principal{Organisation: org})
}

func (s *Server) noteShow(q *rq) error {
	if off, err := s.noteOff(q, "Notification"); off {
		return err
	}
	return s.noteShowWith(q)
}

func (s *Server) noteShowWith(q *rq) error {
	n, err := s.notify.GetNotification(q.ctx, &notifyv1.GetNotificationRequest{NotificationId: q.r.PathValue("id"), MinPosition: q.at()})
	if err != nil {
		return err
	}
	q.page.Title = n.GetSubject()
	return q.render(view.NoteShow(q.page, noteItem(n), newRequestID()))
}

func (s *Server) noteMarkRead(q *rq) error {
	if off, err := s.noteOff(q, "Notification"); off {
		return err
	}
	id := q.r.PathValue("id")
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.notify.MarkNotificationRead(q.ctx, &notifyv1.MarkNotificationReadRequest{RequestId: requestID, NotificationId: id})
		return res.GetPosition(), err
	}, "/notifications", "Notification marked as read", func(errs []view.FieldError) error {
		return s.noteShowWith(q)
	})
}

// noteRoleWords name the roles a contact may hold.
var noteRoleWords = map[string]string{
	auth.ConsortiumLead:      "Consortium lead",
	auth.CouncilCommissioner: "Commissioner",
	auth.CouncilAnalyst:      "Analyst",
	auth.CouncilViewer:       "Viewer",
	auth.ProviderAdmin:       "Admin",
	auth.ProviderResponder:   "Responds to referrals",
	auth.PlatformAdmin:       "Platform admin",
	auth.Auditor:             "Auditor",
}

func noteRoles(roles []string) string {
	words := make([]string, 0, len(roles))
	for _, r := range roles {
		if w, ok := noteRoleWords[r]; ok {
			words = append(words, w)
		} else {
			words = append(words, capitalise(strings.ReplaceAll(r, "_", " ")))
		}
	}
	return strings.Join(words, ", ")
}

// noteOrgRoles are the roles a person of the caller's kind of organisation
// may hold.
func noteOrgRoles(p auth.Principal) []view.Option {
	var out []view.Option
	for _, r := range auth.AllRoles() {
		if kind, ok := auth.RoleOrgKind(r); ok && kind == p.OrgKind() {
			out = append(out, view.Option{Value: r, Text: noteRoleWords[r]})
		}
	}
	return out
}

// noteTemplatesFor are the templates that go to one of the person's roles,
// in the service's order, and which of them they may not turn off.
func noteTemplatesFor(p auth.Principal, all []*notifyv1.Template) (mine []*notifyv1.Template, mandatory map[string]bool) {
	mandatory = map[string]bool{}
	for _, t := range all {
		if !slices.ContainsFunc(t.GetRoles(), func(r string) bool { return p.HasAnyRole(r) }) {
			continue
		}
		mine = append(mine, t)
		if slices.ContainsFunc(t.GetMandatoryFor(), func(r string) bool { return p.HasAnyRole(r) }) {
			mandatory[t.GetId()] = true
		}
	}
	return mine, mandatory
}

func (s *Server) noteSettings(q *rq) error {
	if off, err := s.noteOff(q, "What you receive"); off {
		return err
	}
	prefs, err := s.notify.GetPreferences(q.ctx, &notifyv1.GetPreferencesRequest{MinPosition: q.at()})
	if status.Code(err) == codes.FailedPrecondition {
		q.page.Title = "What you receive"
		return q.render(view.NoteSettings(q.page, view.NoteSettingsView{NotContact: true}))
	}
	if err != nil {
		return err
	}
	v, err := s.noteSettingsView(q)
	if err != nil {
		return err
	}
	for _, o := range v.Choices {
		if !slices.Contains(prefs.GetOff(), o.Value) {
			v.On = append(v.On, o.Value)
		}
	}
	v.Digest = prefs.GetDailyDigest()
	v.QuietFrom, v.QuietUntil = "", "7"
	if qh := prefs.GetQuietHours(); qh != nil {
		v.QuietFrom, v.QuietUntil = strconv.Itoa(int(qh.GetFromHour())), strconv.Itoa(int(qh.GetUntilHour()))
	}
	q.page.Title = "What you receive"
	return q.render(view.NoteSettings(q.page, v))
}

func (s *Server) noteSettingsView(q *rq) (view.NoteSettingsView, error) {
	ts, err := s.notify.ListTemplates(q.ctx, &notifyv1.ListTemplatesRequest{})
	if err != nil {
		return view.NoteSettingsView{}, err
	}
	mine, mandatory := noteTemplatesFor(q.sess.Principal, ts.GetTemplates())
	v := view.NoteSettingsView{RequestID: newRequestID()}
	for _, t := range mine {
		hint := ""
		if t.GetUrgent() {
			hint = "Urgent: always sent at once"
		}
		if mandatory[t.GetId()] {
			v.Fixed = append(v.Fixed, view.Option{Value: t.GetId(), Text: t.GetTitle(), Hint: hint})
		} else {
			v.Choices = append(v.Choices, view.Option{Value: t.GetId(), Text: t.GetTitle(), Hint: hint})
		}
	}
	return v, nil
}

func (s *Server) noteSaveSettings(q *rq) error {
	if off, err := s.noteOff(q, "What you receive"); off {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return status.Error(codes.InvalidArgument, "unreadable form")
	}
	v, err := s.noteSettingsView(q)
	if err != nil {
		return err
	}
	prefs, err := s.notify.GetPreferences(q.ctx, &notifyv1.GetPreferencesRequest{})
	if status.Code(err) == codes.FailedPrecondition {
		q.page.Title = "What you receive"
		return q.render(view.NoteSettings(q.page, view.NoteSettingsView{NotContact: true}))
	}
	if err != nil {
		return err
	}
	on := q.r.PostForm["on"]
	// Turned off: each choice not ticked, and what the person turned off
	// that this page does not show (another role's) stays off.
	var off []string
	shown := map[string]bool{}
	for _, o := range v.Choices {
		shown[o.Value] = true
		if !slices.Contains(on, o.Value) {
			off = append(off, o.Value)
		}
	}
	for _, f := range v.Fixed {
		shown[f.Value] = true
	}
	for _, t := range prefs.GetOff() {
		if !shown[t] {
			off = append(off, t)
		}
	}
	digest := q.r.PostFormValue("digest") == "yes"
	from, until := q.r.PostFormValue("quiet_hours-from_hour"), q.r.PostFormValue("quiet_hours-until_hour")
	var quiet *notifyv1.QuietHours
	if from != "" { // "": no quiet hours; the service checks the hours
		f, errF := strconv.ParseUint(from, 10, 32)
		u, errU := strconv.ParseUint(until, 10, 32)
		if errF != nil || errU != nil {
			return status.Error(codes.InvalidArgument, "unreadable quiet hours")
		}
		quiet = &notifyv1.QuietHours{FromHour: uint32(f), UntilHour: uint32(u)}
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.notify.SetPreferences(q.ctx, &notifyv1.SetPreferencesRequest{RequestId: requestID, Off: off, DailyDigest: digest, QuietHours: quiet})
		return res.GetPosition(), err
	}, "/notifications/settings", "Your choices are saved", func(errs []view.FieldError) error {
		v.On, v.Digest, v.QuietFrom, v.QuietUntil = on, digest, from, until
		v.RequestID = formRequestID(q.r)
		q.page.Title = "What you receive"
		return q.render(view.NoteSettings(q.page, v))
	})
}

func (s *Server) noteContacts(q *rq) error {
	if off, err := s.noteOff(q, "People to tell"); off {
		return err
	}
	return s.noteContactsWith(q, view.NoteContactForm{RequestID: newRequestID()})
}

func (s *Server) noteContactsWith(q *rq, f view.NoteContactForm) error {
	res, err := s.notify.ListContacts(q.ctx, &notifyv1.ListContactsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	v := view.NoteContactsView{Organisation: orgName(q.sess.Principal), Form: f, RoleOptions: noteOrgRoles(q.sess.Principal), RemoveID: newRequestID()}
	for _, c := range res.GetContacts() {
		v.Contacts = append(v.Contacts, view.NoteContact{Name: c.GetName(), Email: c.GetEmail(), Roles: noteRoles(c.GetRoles()),
			SignsIn: c.GetSubject() != "", Registered: c.GetSource() == "registration"})
	}
	q.page.Title = "People to tell"
	return q.render(view.NoteContacts(q.page, v))
}

func (s *Server) noteAddContact(q *rq) error {
	if off, err := s.noteOff(q, "People to tell"); off {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return status.Error(codes.InvalidArgument, "unreadable form")
	}
	f := view.NoteContactForm{Name: strings.TrimSpace(q.r.PostFormValue("name")), Email: strings.TrimSpace(q.r.PostFormValue("email")),
		Roles: q.r.PostForm["roles"], Subject: strings.TrimSpace(q.r.PostFormValue("subject")), RequestID: formRequestID(q.r)}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.notify.SetContact(q.ctx, &notifyv1.SetContactRequest{RequestId: requestID, Name: f.Name, Email: f.Email, Roles: f.Roles, Subject: f.Subject})
		return res.GetPosition(), err
	}, "/notifications/contacts", f.Name+" will be told", func(errs []view.FieldError) error {
		f.Errors = errs
		return s.noteContactsWith(q, f)
	})
}

func (s *Server) noteRemoveContact(q *rq) error {
	if off, err := s.noteOff(q, "People to tell"); off {
		return err
	}
	email := q.r.PostFormValue("email")
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.notify.RemoveContact(q.ctx, &notifyv1.RemoveContactRequest{RequestId: requestID, Email: email})
		return res.GetPosition(), err
	}, "/notifications/contacts", email+" will no longer be told", func(errs []view.FieldError) error {
		return s.noteContactsWith(q, view.NoteContactForm{RequestID: newRequestID(), Errors: errs})
	})
}

func (s *Server) noteDeliveries(q *rq) error {
	if off, err := s.noteOff(q, "Failed deliveries"); off {
		return err
	}
	res, err := s.notify.ListDeliveryFailures(q.ctx, &notifyv1.ListDeliveryFailuresRequest{Limit: noteListLimit, MinPosition: q.at()})
	if err != nil {
		return err
	}
	var items []view.NoteItem
	for _, n := range res.GetNotifications() {
		items = append(items, noteItem(n))
	}
	q.page.Title = "Failed deliveries"
	return q.render(view.NoteDeliveries(q.page, items))
}

// noteOutbox is the dev stack's outbox: every message that would have been
// sent, newest first, or only those to the person's own organisation.
func (s *Server) noteOutbox(q *rq) error {
	if off, err := s.noteOff(q, "Outbox"); off {
		return err
	}
	mine := q.r.URL.Query().Get("to") == "mine"
	req := &notifyv1.ListOutboxRequest{Limit: noteListLimit, MinPosition: q.at()}
	if mine {
		req.Organisation = q.sess.Principal.Organisation
	}
	res, err := s.notify.ListOutbox(q.ctx, req)
	if err != nil {
		return err
	}
	v := view.NoteOutboxView{Mine: mine, Organisation: orgName(q.sess.Principal)}
	for _, m := range res.GetMessages() {
		v.Messages = append(v.Messages, view.NoteItem{ID: m.GetNotificationId(), Subject: m.GetSubject(), Body: m.GetBody(), Link: noteLocal(m.GetLink()),
			When: view.When(m.GetSentAt()), To: m.GetRecipient().GetName(), Email: m.GetRecipient().GetEmail(), Organisation: noteOrgName(m.GetRecipient().GetOrganisation())})
	}
	q.page.Title = "Outbox"
	return q.render(view.NoteOutbox(q.page, v))
}
