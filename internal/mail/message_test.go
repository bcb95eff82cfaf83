package mail

import (
	"bytes"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/config"
)

// parsed is what a test checks of one message on the wire or on disk.
type parsed struct {
	From, To, Subject string
	Date              time.Time
	MessageID         string
	ContentType       string
	Body              string // decoded, with LF line ends
}

// parseMessage reads raw with the standard library, as a mail client
// would, and decodes the header words and the body.
func parseMessage(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, raw)
	}
	dec := new(mime.WordDecoder)
	header := func(name string) string {
		v, err := dec.DecodeHeader(msg.Header.Get(name))
		if err != nil {
			t.Fatalf("decoding %s: %v", name, err)
		}
		return v
	}
	date, err := msg.Header.Date()
	if err != nil {
		t.Fatalf("Date header: %v", err)
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return parsed{
		From:        header("From"),
		To:          header("To"),
		Subject:     header("Subject"),
		Date:        date,
		MessageID:   msg.Header.Get("Message-ID"),
		ContentType: msg.Header.Get("Content-Type"),
		Body:        strings.ReplaceAll(string(b), "\r\n", "\n"),
	}
}

// checkMessage asserts the headers and body every adapter must produce.
func checkMessage(t *testing.T, raw []byte, wantFrom, wantTo, wantSubject, wantText string) {
	t.Helper()
	p := parseMessage(t, raw)
	from, err := mail.ParseAddress(p.From)
	if err != nil {
		t.Fatalf("From %q: %v", p.From, err)
	}
	to, err := mail.ParseAddress(p.To)
	if err != nil {
		t.Fatalf("To %q: %v", p.To, err)
	}
	got := []string{from.String(), to.String(), p.Subject, p.ContentType, p.Body}
	want := []string{mustAddr(t, wantFrom), mustAddr(t, wantTo), wantSubject, "text/plain; charset=UTF-8", wantText}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("from, to, subject, content type, body (-want +got):\n%s", diff)
	}
	if d := time.Since(p.Date); d < -time.Minute || d > time.Minute {
		t.Errorf("Date = %s, want about now", p.Date)
	}
	if !regexp.MustCompile(`^<[A-Z2-7]{26}@[a-z.]+>$`).MatchString(p.MessageID) {
		t.Errorf("Message-ID = %q, want <random@domain>", p.MessageID)
	}
	if _, domain, _ := strings.Cut(from.Address, "@"); !strings.HasSuffix(p.MessageID, "@"+domain+">") {
		t.Errorf("Message-ID = %q, want it in the sender's domain %s", p.MessageID, domain)
	}
}

func mustAddr(t *testing.T, s string) string {
	t.Helper()
	a, err := mail.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a.String()
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func TestNewChoosesAdapter(t *testing.T) {
	log, _ := newLogger()
	dataDir := t.TempDir()

	m, err := New(config.Mail{From: config.DefaultMailFrom}, dataDir, log)
	if err != nil {
		t.Fatal(err)
	}
	fm, ok := m.(*FileMailer)
	if !ok {
		t.Fatalf("without a host: %T, want *FileMailer", m)
	}
	if want := filepath.Join(dataDir, "mail"); fm.Dir() != want {
		t.Errorf("Dir() = %q, want %q", fm.Dir(), want)
	}

	m, err = New(config.Mail{Host: "smtp.example.com", Port: 587, TLS: config.SMTPStartTLS, From: config.DefaultMailFrom}, dataDir, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*SMTPMailer); !ok {
		t.Fatalf("with a host: %T, want *SMTPMailer", m)
	}

	// Failures come back as a nil interface, not a typed nil.
	m, err = New(config.Mail{Host: "smtp.example.com", TLS: "ssl"}, dataDir, log)
	if err == nil || m != nil {
		t.Errorf("bad SMTP config: %v, %#v; want an error and a nil Mailer", err, m)
	}
	blocked := filepath.Join(dataDir, "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err = New(config.Mail{}, blocked, log)
	if err == nil || m != nil {
		t.Errorf("unusable data directory: %v, %#v; want an error and a nil Mailer", err, m)
	}
}

func TestNewMessageRefusesBadRecipients(t *testing.T) {
	for _, to := range []string{"", "  ", "not an address", "a@example.com, b@example.com"} {
		if _, err := newMessage(config.DefaultMailFrom, mailTo(to), time.Now()); err == nil {
			t.Errorf("recipient %q accepted", to)
		}
	}
}
