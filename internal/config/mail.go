package config

import (
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/redact"
)

// TLS modes accepted in SMTP_TLS.
const (
	// SMTPStartTLS upgrades a plain connection with STARTTLS and refuses
	// to go on if the server does not offer it (usually port 587).
	SMTPStartTLS = "starttls"
	// SMTPImplicitTLS speaks TLS from the first byte (usually port 465).
	SMTPImplicitTLS = "tls"
	// SMTPNoTLS sends in clear text: only for a relay on the same host or
	// a private network.
	SMTPNoTLS = "none"
)

// DefaultMailFrom is the sender used when SMTP_FROM is not set.
const DefaultMailFrom = "HSE Digital <no-reply@localhost>"

// Mail configures outgoing e-mail. With no Host, mail is not sent but
// written under the data directory and to the log.
type Mail struct {
	Host     string // SMTP_HOST; empty disables SMTP
	Port     int    // SMTP_PORT
	Username string // SMTP_USERNAME; empty sends without SMTP AUTH
	Password string // SMTP_PASSWORD
	From     string // SMTP_FROM, an RFC 5322 address such as "Name <addr>"
	TLS      string // SMTP_TLS: starttls | tls | none
	// Timeout bounds each step of one SMTP conversation (SMTP_TIMEOUT),
	// so a stalled server cannot hold a job forever.
	Timeout time.Duration
	// LogBodies logs the text of file-written mail, one-time links
	// included, so a developer can copy them. Set in development only:
	// tokens must not reach production logs.
	LogBodies bool
}

// LoadMail reads the SMTP_* variables and validates them.
func LoadMail(getenv Getenv) (Mail, error) {
	var errs []error
	bad := func(name, value, want string) {
		errs = append(errs, fmt.Errorf("%s=%q is invalid: %s", name, value, want))
	}

	m := Mail{
		Host:     strings.TrimSpace(getenv("SMTP_HOST")),
		Username: strings.TrimSpace(getenv("SMTP_USERNAME")),
		Password: getenv("SMTP_PASSWORD"),
		From:     strings.TrimSpace(getenv("SMTP_FROM")),
		TLS:      strings.ToLower(strings.TrimSpace(getenv("SMTP_TLS"))),
	}
	// The port has its own variable; IPv6 literals are refused because the
	// SMTP client would join them with the port without brackets.
	if strings.ContainsAny(m.Host, ":/ @[]") {
		bad("SMTP_HOST", redact.Host(m.Host), "expected a host name or IPv4 address only (put the port in SMTP_PORT)")
	}

	switch m.TLS {
	case "":
		m.TLS = SMTPStartTLS
	case SMTPStartTLS, SMTPImplicitTLS, SMTPNoTLS:
	default:
		bad("SMTP_TLS", m.TLS, `expected "starttls", "tls" or "none"`)
	}
	// Implicit TLS has its own well-known port; defaulting to 587 there
	// would only produce a handshake error.
	defPort := 587
	if m.TLS == SMTPImplicitTLS {
		defPort = 465
	}
	m.Port = intVar(getenv, "SMTP_PORT", defPort, 1, 65535, bad)
	m.Timeout = durationVar(getenv, "SMTP_TIMEOUT", 30*time.Second, bad)
	if m.Timeout == 0 {
		bad("SMTP_TIMEOUT", getenv("SMTP_TIMEOUT"), `expected a positive duration such as "30s"`)
	}

	if m.From == "" {
		m.From = DefaultMailFrom
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		bad("SMTP_FROM", m.From, `expected an e-mail address such as "HSE Digital <no-reply@example.com>"`)
	}

	if m.Password != "" && m.Username == "" {
		errs = append(errs, errors.New("SMTP_PASSWORD is set but SMTP_USERNAME is not: set both, or neither to send without authentication"))
	}
	if m.Host != "" && m.Username != "" && m.TLS == SMTPNoTLS {
		errs = append(errs, errors.New("SMTP_TLS=none with SMTP_USERNAME would send the password in clear text: use starttls or tls"))
	}

	if len(errs) > 0 {
		return Mail{}, errors.Join(errs...)
	}
	return m, nil
}

// Enabled reports whether mail goes out over SMTP.
func (m Mail) Enabled() bool { return m.Host != "" }

// Describe lists the mail settings with the password masked.
func (m Mail) Describe() []Setting {
	if !m.Enabled() {
		return []Setting{
			{"SMTP_HOST", "(unset: mail is written to HSE_DATA_DIR/mail and the log)"},
			{"SMTP_FROM", m.From},
		}
	}
	return []Setting{
		{"SMTP_HOST", m.Host},
		{"SMTP_PORT", strconv.Itoa(m.Port)},
		{"SMTP_TLS", m.TLS},
		{"SMTP_USERNAME", orUnset(m.Username)},
		{"SMTP_PASSWORD", maskSecret(m.Password)},
		{"SMTP_FROM", m.From},
		{"SMTP_TIMEOUT", m.Timeout.String()},
	}
}
