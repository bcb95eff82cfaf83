package mail

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

const testFrom = "HSE Digital <no-reply@hse.example.com>"

func mailTo(to string) hse.Mail {
	return hse.Mail{To: to, Subject: "Verify your e-mail", Text: "Hello\n", Kind: "verify_email"}
}

// mailFiles lists the files in dir, failing on anything that is not a
// regular file.
func mailFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			t.Errorf("%s is not a regular file", e.Name())
		}
		names = append(names, e.Name())
	}
	return names
}

func TestFileMailerWritesMessageAndLogsIt(t *testing.T) {
	log, logs := newLogger()
	dir := filepath.Join(t.TempDir(), "mail")
	fm, err := NewFileMailer(dir, testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	fm.LogBodies = true // development: the text goes to the log too
	// A link long enough to be wrapped, with the "=" that quoted-printable
	// escapes: what a user copies must still be the link.
	link := "https://hse.example.com/verify-email?token=" + strings.Repeat("k", 90) + "&next=%2Fhome"
	m := hse.Mail{
		To:      "Jürgen Müller <Juergen@Example.com>",
		Subject: "Bestätigen Sie Ihre E-Mail-Adresse",
		Text:    "Hello Jürgen,\n\nopen this link to verify your address:\n" + link + "\n",
		Kind:    "verify_email",
	}
	if err := fm.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	files := mailFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("files = %v, want one", files)
	}
	name := files[0]
	if !strings.HasSuffix(name, "_verify_email_juergen@example.com.eml") {
		t.Errorf("file name %q, want timestamp_kind_recipient.eml", name)
	}
	path := filepath.Join(dir, name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, raw, testFrom, m.To, m.Subject, m.Text)

	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm()&0o027 != 0 {
		t.Errorf("directory mode %v, want at most 0750", fi.Mode().Perm())
	}

	var line map[string]any
	if err := json.Unmarshal([]byte(logs.String()), &line); err != nil {
		t.Fatalf("want one JSON log line, got %q: %v", logs.String(), err)
	}
	want := map[string]any{
		"level": "INFO", "to": "Juergen@Example.com", "subject": m.Subject,
		"kind": "verify_email", "file": path, "text": m.Text,
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if !strings.Contains(line["text"].(string), link) {
		t.Error("the log does not carry the link verbatim")
	}
}

// Whatever the recipient or kind, the file lands directly in the mail
// directory: nothing is created beside or above it.
func TestFileMailerNamesCannotEscapeDirectory(t *testing.T) {
	log, _ := newLogger()
	root := t.TempDir()
	dir := filepath.Join(root, "data", "mail")
	fm, err := NewFileMailer(dir, testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	hostile := []hse.Mail{
		{To: `"../../etc/passwd"@x`, Kind: "verify_email"},
		{To: `"..\..\windows\win.ini"@x`, Kind: "verify_email"},
		{To: `"/etc/shadow"@x`, Kind: "verify_email"},
		{To: "ok@example.com", Kind: "../../../../tmp/owned"},
		{To: "ok@example.com", Kind: "a/b\x00c"},
		{To: `"` + strings.Repeat("a", 300) + `"@x`, Kind: strings.Repeat("k", 300)},
	}
	for _, m := range hostile {
		m.Subject, m.Text = "x", "x"
		if err := fm.Send(context.Background(), m); err != nil {
			t.Errorf("%q / %q: %v", m.To, m.Kind, err)
		}
	}
	// Not an address at all: refused before anything is written.
	if err := fm.Send(context.Background(), hse.Mail{To: "../../etc/passwd@x", Kind: "verify_email"}); err == nil {
		t.Error("an unparseable recipient was accepted")
	}

	files := mailFiles(t, dir)
	if len(files) != len(hostile) {
		t.Errorf("files = %q, want %d", files, len(hostile))
	}
	for _, name := range files {
		if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || len(name) > 160 {
			t.Errorf("file name %q", name)
		}
	}
	// Only data/mail exists under the root.
	var all []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			all = append(all, rel)
		}
		return nil
	})
	if diff := cmp.Diff([]string{".", "data", filepath.Join("data", "mail")}, all); diff != "" {
		t.Errorf("directories (-want +got):\n%s", diff)
	}
}

func TestFileNameSanitizes(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	tests := []struct {
		kind, to, want string
	}{
		{"verify_email", "bob@example.com", "20260304T050607.000000890Z_verify_email_bob@example.com.eml"},
		{"", "", "20260304T050607.000000890Z_mail_unknown.eml"},
		{"x/../y", "../../etc/passwd@x", "20260304T050607.000000890Z_x_.._y_.._.._etc_passwd@x.eml"},
		{"invitation", "ünïcode+tag@example.com", "20260304T050607.000000890Z_invitation__n_code+tag@example.com.eml"},
	}
	for _, tt := range tests {
		if got := fileName(at, tt.kind, tt.to); got != tt.want {
			t.Errorf("fileName(%q, %q) = %q, want %q", tt.kind, tt.to, got, tt.want)
		}
	}
}

// Concurrent sends at the same instant to the same person each get their
// own file; none is overwritten.
func TestFileMailerConcurrentSends(t *testing.T) {
	log, _ := newLogger()
	dir := t.TempDir()
	fm, err := NewFileMailer(dir, testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	frozen := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	fm.now = func() time.Time { return frozen }

	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m := mailTo("bob@example.com")
			m.Text = strings.Repeat("x", i+1)
			if err := fm.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	files := mailFiles(t, dir)
	if len(files) != n {
		t.Fatalf("%d files, want %d", len(files), n)
	}
	seen := map[int]bool{}
	for _, name := range files {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		seen[len(parseMessage(t, raw).Body)] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct bodies, want %d: a file was overwritten", len(seen), n)
	}
}

func TestFileMailerRecreatesRemovedDirectory(t *testing.T) {
	log, _ := newLogger()
	dir := filepath.Join(t.TempDir(), "mail")
	fm, err := NewFileMailer(dir, testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := fm.Send(context.Background(), mailTo("bob@example.com")); err != nil {
		t.Fatal(err)
	}
	if files := mailFiles(t, dir); len(files) != 1 {
		t.Errorf("files = %v", files)
	}
}

func TestFileMailerHeaderInjection(t *testing.T) {
	log, _ := newLogger()
	dir := t.TempDir()
	fm, err := NewFileMailer(dir, testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	m := mailTo("bob@example.com")
	m.Subject = "Hello\r\nBcc: eve@example.com\r\n\r\nforged body"
	if err := fm.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, mailFiles(t, dir)[0]))
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, raw)
	if strings.Contains(strings.ToLower(string(raw)), "\r\nbcc:") {
		t.Errorf("a Bcc header was injected:\n%s", raw)
	}
	if p.Subject != "Hello Bcc: eve@example.com  forged body" || p.Body != "Hello\n" {
		t.Errorf("subject %q body %q", p.Subject, p.Body)
	}
}

func TestFileMailerHonoursCancelledContext(t *testing.T) {
	log, _ := newLogger()
	dir := t.TempDir()
	fm, err := NewFileMailer(dir, testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := fm.Send(ctx, mailTo("bob@example.com")); err == nil {
		t.Error("sent with a cancelled context")
	}
	if files := mailFiles(t, dir); len(files) != 0 {
		t.Errorf("files = %v, want none", files)
	}
}

// Outside development the log line must not carry the text: it holds
// one-time links, and logs are not a place for secrets.
func TestFileMailerKeepsBodiesOutOfTheLogByDefault(t *testing.T) {
	log, logs := newLogger()
	fm, err := NewFileMailer(filepath.Join(t.TempDir(), "mail"), testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	secret := "token=hsep_secret-reset-link"
	if err := fm.Send(context.Background(), hse.Mail{To: "a@example.com", Subject: "Reset", Text: "open " + secret, Kind: "password_reset"}); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); strings.Contains(out, secret) || !strings.Contains(out, "password_reset") {
		t.Errorf("log line: %s", out)
	}
}
