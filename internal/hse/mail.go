package hse

import "context"

// Mail is one plain-text e-mail.
type Mail struct {
	To      string
	Subject string
	Text    string
	// Kind names the message for logs and tests ("verify_email",
	// "password_reset", "invitation", ...); never shown to the recipient.
	Kind string
}

// Mailer sends e-mail. Adapters: SMTP, or the log plus files under the
// data directory when no SMTP server is configured.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}
