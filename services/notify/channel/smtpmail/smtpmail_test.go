package smtpmail_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/carecoop/carecoop/services/notify/channel"
	"github.com/carecoop/carecoop/services/notify/channel/smtpmail"
)

// relay is a real SMTP server (emersion/go-smtp) on loopback that needs
// AUTH PLAIN, keeps what it receives, and refuses DATA with the scripted
// SMTP errors first.
type relay struct {
	mu       sync.Mutex
	script   []*smtp.SMTPError
	received []received
	tries    int
}

type received struct {
	from string
	to   []string
	data string
}

type session struct {
	r      *relay
	authed bool
	cur    received
}

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{r: r}, nil }

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "carecoop" || pass != "s3cret" {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.tries++
	if len(s.r.script) > 0 {
		e := s.r.script[0]
		s.r.script = s.r.script[1:]
		return e
	}
	s.cur.data = string(b)
	s.r.received = append(s.r.received, s.cur)
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

func start(t *testing.T, r *relay) (host string, port int) {
	t.Helper()
	srv := smtp.NewServer(r)
	srv.Domain, srv.AllowInsecureAuth = "relay.test", true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	a := l.Addr().(*net.TCPAddr)
	return "127.0.0.1", a.Port
}

func mailer(t *testing.T, host string, port int, password string) *smtpmail.Mailer {
	t.Helper()
	m, err := smtpmail.New(smtpmail.Config{Host: host, Port: port, TLS: smtpmail.None, Username: "carecoop", Password: password,
		From: "carecoop <no-reply@carecoop.example>", Backoff: time.Millisecond, Attempts: 3, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var msg = channel.Message{NotificationID: "n-0123456789abcdef0123", To: "sam@352.council.example", Name: "Sam Commissioner", Template: "offer-received",
	Subject: "An offer on referral ref-1", Body: "Pennine Pathways has made an offer on referral ref-1.\n\nhttps://portal.example/referrals/ref-1"}

func TestSendsThroughARealSMTPServer(t *testing.T) {
	r := &relay{}
	host, port := start(t, r)
	res, err := mailer(t, host, port, "s3cret").Send(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 1 || res.Reference != "<n-0123456789abcdef0123@carecoop>" {
		t.Fatalf("result %+v", res)
	}
	if len(r.received) != 1 {
		t.Fatalf("relay received %d messages", len(r.received))
	}
	got := r.received[0]
	if got.from != "no-reply@carecoop.example" || len(got.to) != 1 || got.to[0] != "sam@352.council.example" {
		t.Fatalf("envelope %q → %v", got.from, got.to)
	}
	for _, want := range []string{"Subject: An offer on referral ref-1", "X-Carecoop-Notification: n-0123456789abcdef0123",
		"Message-ID: <n-0123456789abcdef0123@carecoop>", "https://portal.example/referrals/ref-1", "Content-Type: text/plain"} {
		if !strings.Contains(got.data, want) {
			t.Errorf("message lacks %q:\n%s", want, got.data)
		}
	}
}

func TestTemporaryRefusalsAreRetriedPermanentOnesAreNot(t *testing.T) {
	busy := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	r := &relay{script: []*smtp.SMTPError{busy, busy}}
	host, port := start(t, r)
	res, err := mailer(t, host, port, "s3cret").Send(context.Background(), msg)
	if err != nil || res.Attempts != 3 || len(r.received) != 1 {
		t.Fatalf("451, 451, then accepted: %+v %v, %d received", res, err, len(r.received))
	}

	r = &relay{script: []*smtp.SMTPError{busy, busy, busy}}
	host, port = start(t, r)
	res, err = mailer(t, host, port, "s3cret").Send(context.Background(), msg)
	if err == nil || res.Attempts != 3 || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("always busy: %+v %v", res, err)
	}

	rejected := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	r = &relay{script: []*smtp.SMTPError{rejected}}
	host, port = start(t, r)
	res, err = mailer(t, host, port, "s3cret").Send(context.Background(), msg)
	if err == nil || res.Attempts != 1 || r.tries != 1 {
		t.Fatalf("550: %+v %v, %d tries", res, err, r.tries)
	}
}

func TestWrongCredentialsFail(t *testing.T) {
	r := &relay{}
	host, port := start(t, r)
	if _, err := mailer(t, host, port, "wrong").Send(context.Background(), msg); err == nil || len(r.received) != 0 {
		t.Fatalf("wrong password: %v, %d received", err, len(r.received))
	}
}

func TestConfig(t *testing.T) {
	for _, bad := range []smtpmail.Config{{}, {Host: "h"}, {Host: "h", From: "not an address"}, {Host: "h", From: "a@b.example", TLS: "ssl3"}} {
		if _, err := smtpmail.New(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
