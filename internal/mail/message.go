// Package mail sends the platform's e-mail: over SMTP when a server is
// configured, otherwise into files under the data directory and the log, so
// a local install works without a mail server.
package mail

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/hse"
)

// New returns the mailer that cfg asks for: SMTP when a host is configured,
// otherwise a FileMailer writing to <dataDir>/mail.
func New(cfg config.Mail, dataDir string, log *slog.Logger) (hse.Mailer, error) {
	// Each branch checks its error itself: returning a nil *SMTPMailer as
	// hse.Mailer would make a non-nil interface.
	if cfg.Host != "" {
		m, err := NewSMTPMailer(cfg, log)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	from := cfg.From
	if from == "" {
		from = config.DefaultMailFrom
	}
	m, err := NewFileMailer(filepath.Join(dataDir, "mail"), from, log)
	if err != nil {
		return nil, err
	}
	m.LogBodies = cfg.LogBodies
	log.Info("no SMTP_HOST configured: mail is written to files and the log", "dir", m.Dir())
	return m, nil
}

// newMessage builds the RFC 5322 message both adapters emit, so the file
// a developer opens is byte for byte what SMTP would have carried.
func newMessage(from string, m hse.Mail, now time.Time) (*gomail.Msg, error) {
	if strings.TrimSpace(m.To) == "" {
		return nil, errors.New("mail has no recipient")
	}
	// One recipient per message: a list would disclose addresses to each
	// other and make a partial failure ambiguous.
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q is not one e-mail address: %w", m.To, err)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("sender %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	// Header values are encoded by the library (RFC 2047), so a line break
	// in a subject could not start a new header anyway; it would only show.
	msg.Subject(lineBreaks.Replace(m.Subject))
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(messageID(from))
	// RFC 3834: keeps vacation responders from answering system mail.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// messageID is random and ends in the sender's domain rather than the host
// name, which on Kubernetes is a meaningless pod name.
func messageID(from string) string {
	domain := "localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return rand.Text() + "@" + domain
}

// recipient returns the bare address of m.To for logs and file names.
func recipient(to string) string {
	if a, err := mail.ParseAddress(to); err == nil {
		return a.Address
	}
	return to
}
