package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// FileMailer stands in for SMTP when none is configured: each message is
// written as an .eml file and logged with its full text, so that a local
// user can open the file or copy a verification link from the log. It is
// safe for concurrent use.
//
// The log line carries the body, which may hold one-time links: this
// adapter is for development and single-site installs, not production.
type FileMailer struct {
	dir  string
	from string
	log  *slog.Logger
	now  func() time.Time
	// LogBodies adds the text to the log line (development only: it may
	// carry one-time links).
	LogBodies bool
}

// NewFileMailer writes messages into dir (created 0750 if missing) with
// the given From address.
func NewFileMailer(dir, from string, log *slog.Logger) (*FileMailer, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating mail directory: %w", err)
	}
	return &FileMailer{dir: dir, from: from, log: log, now: time.Now}, nil
}

// Dir is the directory the messages are written to.
func (f *FileMailer) Dir() string { return f.dir }

// Send writes m to a new file and logs it.
func (f *FileMailer) Send(ctx context.Context, m hse.Mail) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := f.now().UTC()
	msg, err := newMessage(f.from, m, now)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("formatting mail: %w", err)
	}
	// The directory may have been removed since start (a developer
	// clearing ./data/mail); recreating it is cheap.
	if err := os.MkdirAll(f.dir, 0o750); err != nil {
		return fmt.Errorf("creating mail directory: %w", err)
	}
	path, err := f.create(fileName(now, m.Kind, recipient(m.To)), buf.Bytes())
	if err != nil {
		return err
	}
	attrs := []slog.Attr{
		slog.String("to", recipient(m.To)),
		slog.String("subject", m.Subject),
		slog.String("kind", m.Kind),
		slog.String("file", path),
	}
	if f.LogBodies {
		attrs = append(attrs, slog.String("text", m.Text))
	}
	f.log.LogAttrs(ctx, slog.LevelInfo, "mail written to file (no SMTP_HOST configured)", attrs...)
	return nil
}

// create writes data to a new file named base in the mail directory. It
// never overwrites: when two messages get the same name (same nanosecond,
// or two processes sharing the directory) a counter is appended.
func (f *FileMailer) create(base string, data []byte) (string, error) {
	stem := strings.TrimSuffix(base, ".eml")
	for i := 1; i <= 100; i++ {
		name := base
		if i > 1 {
			name = stem + "-" + strconv.Itoa(i) + ".eml"
		}
		path := filepath.Join(f.dir, name)
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("writing mail file: %w", err)
		}
		_, err = file.Write(data)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", fmt.Errorf("writing mail file: %w", err)
		}
		return path, nil
	}
	return "", fmt.Errorf("writing mail file: too many files named %s", base)
}

// fileName is built only from the time and sanitized words, so it is one
// path element whatever the recipient or kind contain, and the files sort
// by time.
func fileName(t time.Time, kind, to string) string {
	kind = sanitize(kind, 32)
	if kind == "" {
		kind = "mail"
	}
	to = sanitize(strings.ToLower(to), 64)
	if to == "" {
		to = "unknown"
	}
	return t.Format("20060102T150405.000000000Z") + "_" + kind + "_" + to + ".eml"
}

// sanitize keeps ASCII letters, digits and ".@+-" and turns anything else,
// separators included, into "_". Dots are harmless: the name starts with
// the timestamp, so it is never "." or "..".
func sanitize(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '@', r == '+', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
