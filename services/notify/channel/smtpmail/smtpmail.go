// Package smtpmail sends notifications through an SMTP relay, for councils
// without GOV.UK Notify, with github.com/wneessen/go-mail: plain text, one
// recipient per message, the platform's notification id in an
// X-Carecoop-Notification header and in the Message-ID. A temporary
// refusal (4xx) or a connection that fails is retried with backoff; a
// permanent one (5xx) is not.
package smtpmail

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/wneessen/go-mail"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/notify/channel"
)

// TLS is how the connection is secured.
type TLS string

const (
	// StartTLS upgrades a plain connection (port 587), refusing a server
	// that cannot.
	StartTLS TLS = "starttls"
	// Implicit is TLS from the start (port 465).
	Implicit TLS = "tls"
	// None is plaintext: only for a relay on the same machine or a test.
	None TLS = "none"
)

// Config is the relay and the sender.
type Config struct {
	Host string
	Port int
	TLS  TLS
	// Username and Password: SMTP AUTH PLAIN when Username is set.
	Username, Password string
	// From is the sender, e.g. "carecoop <no-reply@carecoop.example>".
	From string
	// Attempts is how many times a message is tried (4 unless set); the
	// first wait is Backoff (1 s unless set), doubled each time.
	Attempts int
	Backoff  time.Duration
	Timeout  time.Duration
}

// Mailer sends through one relay.
type Mailer struct{ cfg Config }

// New checks cfg and returns a Mailer.
func New(cfg Config) (*Mailer, error) {
	if cfg.Host == "" || cfg.From == "" {
		return nil, errors.New("smtpmail: a host and a sender are required")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = StartTLS
	case StartTLS, Implicit, None:
	default:
		return nil, fmt.Errorf("smtpmail: TLS %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = map[TLS]int{StartTLS: 587, Implicit: 465, None: 25}[cfg.TLS]
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 4
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if err := mail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("smtpmail: sender %q: %w", cfg.From, err)
	}
	return &Mailer{cfg: cfg}, nil
}

// Kind is CHANNEL_SMTP.
func (*Mailer) Kind() notifyv1.Channel { return notifyv1.Channel_CHANNEL_SMTP }

func (s *Mailer) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case StartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case Implicit:
		opts = append(opts, mail.WithSSL())
	case None:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if s.cfg.Username != "" {
		auth := mail.SMTPAuthPlain
		if s.cfg.TLS == None {
			// go-mail refuses PLAIN without TLS unless told this is a
			// deliberate plaintext relay.
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	return mail.NewClient(s.cfg.Host, opts...)
}

// Send sends m, retrying temporary failures.
func (s *Mailer) Send(ctx context.Context, m channel.Message) (channel.Result, error) {
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return channel.Result{}, err
	}
	if err := msg.AddToFormat(m.Name, m.To); err != nil {
		return channel.Result{Attempts: 1}, fmt.Errorf("smtpmail: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	msg.SetMessageIDWithValue(m.NotificationID + "@carecoop")
	msg.SetGenHeader("X-Carecoop-Notification", m.NotificationID)
	msg.SetDate()
	var res channel.Result
	for i := 1; ; i++ {
		res.Attempts = uint32(i)
		c, err := s.client()
		if err != nil {
			return res, fmt.Errorf("smtpmail: %w", err)
		}
		err = c.DialAndSendWithContext(ctx, msg)
		if err == nil {
			res.Reference = "<" + m.NotificationID + "@carecoop>"
			return res, nil
		}
		var se *mail.SendError
		permanent := errors.As(err, &se) && se.ErrorCode() >= 500
		if permanent || i >= s.cfg.Attempts || ctx.Err() != nil {
			if i > 1 {
				return res, fmt.Errorf("smtpmail: %w (after %d attempts)", err, i)
			}
			return res, fmt.Errorf("smtpmail: %w", err)
		}
		d := min(s.cfg.Backoff<<(i-1), time.Minute)
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(d/2 + rand.N(d/2+1)):
		}
	}
}
