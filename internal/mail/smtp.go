package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/hse"
)

// SMTPMailer sends each message over its own SMTP connection. Mail volume
// is low (verifications, resets, notifications), so a connection per
// message keeps failures independent and needs no pool. It is safe for
// concurrent use.
type SMTPMailer struct {
	cfg config.Mail
	log *slog.Logger
	now func() time.Time
	// tlsConfig verifies the server; tests replace it to trust their own
	// certificate.
	tlsConfig *tls.Config
}

// NewSMTPMailer checks cfg and returns a mailer for it. Nothing is dialled
// until the first Send.
func NewSMTPMailer(cfg config.Mail, log *slog.Logger) (*SMTPMailer, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("SMTP mailer: no host configured")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = config.SMTPStartTLS
	case config.SMTPStartTLS, config.SMTPImplicitTLS, config.SMTPNoTLS:
	default:
		return nil, fmt.Errorf("SMTP mailer: unknown TLS mode %q", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == config.SMTPImplicitTLS {
			cfg.Port = 465
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.From == "" {
		cfg.From = config.DefaultMailFrom
	}
	m := &SMTPMailer{
		cfg:       cfg,
		log:       log,
		now:       time.Now,
		tlsConfig: &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12},
	}
	// Build a client once so a bad option shows at start, not at the first
	// password reset.
	if _, err := m.client(); err != nil {
		return nil, err
	}
	return m, nil
}

// client builds a go-mail client for one send. Clients are cheap, and a
// fresh one per message shares no connection state between goroutines.
func (s *SMTPMailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.tlsConfig),
	}
	switch s.cfg.TLS {
	case config.SMTPImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case config.SMTPNoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		// Mandatory: a server (or an attacker stripping STARTTLS) that
		// does not offer TLS gets no password and no message.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers
		// and never PLAIN or LOGIN on an unencrypted connection.
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password),
		)
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP mailer: %w", err)
	}
	return c, nil
}

// Send delivers m. The whole exchange is bounded: dialling by ctx and the
// configured timeout, every later step by the timeout.
func (s *SMTPMailer) Send(ctx context.Context, m hse.Mail) error {
	msg, err := newMessage(s.cfg.From, m, s.now())
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("sending %s mail via %s:%d: %w", m.Kind, s.cfg.Host, s.cfg.Port, err)
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "mail sent",
		slog.String("to", recipient(m.To)),
		slog.String("kind", m.Kind),
		slog.String("message_id", msg.GetMessageID()),
		slog.Duration("duration", time.Since(start)),
	)
	return nil
}
