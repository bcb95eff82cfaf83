package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"time"
)

const smokeUsage = `hse smoke --url URL [--email E --password P] [--operator-email E --operator-password P] [--timeout 10s]

Runs the runbook's post-deployment checks against a running server, one line
per check, and stops with exit status 1 at the first failure:

  live     GET /api/live answers 200 with status alive
  ready    GET /api/ready answers 200
  health   GET /api/health says healthy, or degraded (Redis down: warns)
  with --email and --password (a verified member of an organization):
  login    POST /api/auth/login returns an access token
  me       GET /api/auth/me answers 200
  orgs     GET /api/organizations lists at least one organization
  upload   POST /api/upload of a small generated PDF (multipart field "file");
           skipped when the server's /api/openapi.json does not list it
  with --operator-email and --operator-password (a platform operator):
  backup   GET /api/backup/health: ok passes, stale warns, failing fails

Use it after a release, or from deploy/bluegreen.sh through a port-forward:
  SMOKE_CMD="hse smoke --url" deploy/bluegreen.sh IMAGE`

func runSmoke(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "smoke", smokeUsage)
	base := fs.String("url", "", "base address of the server, e.g. https://api.example.com or http://127.0.0.1:8080")
	email := fs.String("email", "", "member account for the login, organization and upload checks")
	password := fs.String("password", "", "password of --email")
	opEmail := fs.String("operator-email", "", "platform operator account for the backup check")
	opPassword := fs.String("operator-password", "", "password of --operator-email")
	timeout := fs.Duration("timeout", 10*time.Second, "time limit of each request")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The URL may also come last: SMOKE_CMD="hse smoke --url" appends it,
	// and "hse smoke --email E --password P URL" reads naturally.
	if fs.NArg() == 1 && *base == "" {
		*base = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usagef("smoke: unexpected argument %q", fs.Arg(0))
	}
	if *base == "" {
		return usagef("smoke needs --url")
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("smoke: --url %q: expected http(s)://HOST[:PORT]", *base)
	}
	if (*email == "") != (*password == "") {
		return usagef("smoke: --email and --password go together")
	}
	if (*opEmail == "") != (*opPassword == "") {
		return usagef("smoke: --operator-email and --operator-password go together")
	}
	if *timeout <= 0 {
		return usagef("smoke: --timeout must be positive")
	}
	s := &smoke{
		base:   strings.TrimRight(u.String(), "/"),
		client: &http.Client{Timeout: *timeout},
		out:    e.stdout,
	}
	return s.run(ctx, *email, *password, *opEmail, *opPassword)
}

// smoke runs the checks in order and prints one line each.
type smoke struct {
	base   string
	client *http.Client
	out    io.Writer
	warned int
}

// errSmoke marks the first failed check; its line is already printed.
var errSmoke = errors.New("smoke test failed")

// smokeResponse is one answer.
type smokeResponse struct {
	status  int
	body    []byte
	elapsed time.Duration
}

func (s *smoke) line(state, name, detail string) {
	fmt.Fprintf(s.out, "%-4s %-5s %s\n", state, name, detail)
}

func (s *smoke) fail(name, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	s.line("FAIL", name, detail)
	return fmt.Errorf("%w at %s: %s", errSmoke, name, detail)
}

// do sends one request; a transport error is a failure of check name.
func (s *smoke) do(ctx context.Context, name, method, path, token, contentType string, body []byte) (*smokeResponse, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return nil, s.fail(name, "%v", err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.fail(name, "%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, s.fail(name, "%s %s: reading the answer: %v", method, path, err)
	}
	return &smokeResponse{status: resp.StatusCode, body: b, elapsed: time.Since(start)}, nil
}

// expect fails check name unless the answer has status want (or any 2xx
// when want is 0) and, when v is set, a JSON body that decodes into v.
func (s *smoke) expect(name string, r *smokeResponse, want int, v any) error {
	if (want != 0 && r.status != want) || (want == 0 && (r.status < 200 || r.status > 299)) {
		return s.fail(name, "%d: %s", r.status, snippet(r.body))
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			return s.fail(name, "%d but not the expected JSON (%v): %s", r.status, err, snippet(r.body))
		}
	}
	return nil
}

// snippet shortens a body for one line of output.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }

func (s *smoke) run(ctx context.Context, email, password, opEmail, opPassword string) error {
	// live
	r, err := s.do(ctx, "live", http.MethodGet, "/api/live", "", "", nil)
	if err != nil {
		return err
	}
	var live struct{ Status string }
	if err := s.expect("live", r, http.StatusOK, &live); err != nil {
		return err
	}
	if live.Status != "alive" {
		return s.fail("live", "status %q, want alive: %s", live.Status, snippet(r.body))
	}
	s.line("ok", "live", ms(r.elapsed))

	// ready
	if r, err = s.do(ctx, "ready", http.MethodGet, "/api/ready", "", "", nil); err != nil {
		return err
	}
	if err := s.expect("ready", r, http.StatusOK, nil); err != nil {
		return err
	}
	s.line("ok", "ready", ms(r.elapsed))

	// health: 200 healthy or degraded; 503 unhealthy.
	if r, err = s.do(ctx, "health", http.MethodGet, "/api/health", "", "", nil); err != nil {
		return err
	}
	var health struct {
		Status  string
		Version string
		Checks  map[string]struct{ Status, Error string }
	}
	if err := s.expect("health", r, http.StatusOK, &health); err != nil {
		return err
	}
	var down []string
	for name, c := range health.Checks {
		if c.Status == "down" {
			down = append(down, name)
		}
	}
	sort.Strings(down)
	switch health.Status {
	case "healthy":
		s.line("ok", "health", fmt.Sprintf("%s healthy (version %s)", ms(r.elapsed), health.Version))
	case "degraded":
		s.warned++
		s.line("warn", "health", fmt.Sprintf("%s degraded: %s down (version %s)", ms(r.elapsed), strings.Join(down, ", "), health.Version))
	default:
		return s.fail("health", "status %q: %s", health.Status, snippet(r.body))
	}

	if email != "" {
		if err := s.member(ctx, email, password); err != nil {
			return err
		}
	}
	if opEmail != "" {
		if err := s.backup(ctx, opEmail, opPassword); err != nil {
			return err
		}
	}
	if s.warned > 0 {
		fmt.Fprintf(s.out, "passed with %d warning(s)\n", s.warned)
	} else {
		fmt.Fprintln(s.out, "passed")
	}
	return nil
}

// login returns an access token, printing the check as name.
func (s *smoke) login(ctx context.Context, name, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	r, err := s.do(ctx, name, http.MethodPost, "/api/auth/login", "", "application/json", body)
	if err != nil {
		return "", err
	}
	var t struct {
		AccessToken string `json:"accessToken"`
	}
	if err := s.expect(name, r, http.StatusOK, &t); err != nil {
		return "", err
	}
	if t.AccessToken == "" {
		return "", s.fail(name, "200 without an access token")
	}
	s.line("ok", name, fmt.Sprintf("%s %s", ms(r.elapsed), email))
	return t.AccessToken, nil
}

// member runs the checks of a tenant user: login, me, organizations, upload.
func (s *smoke) member(ctx context.Context, email, password string) error {
	token, err := s.login(ctx, "login", email, password)
	if err != nil {
		return err
	}

	r, err := s.do(ctx, "me", http.MethodGet, "/api/auth/me", token, "", nil)
	if err != nil {
		return err
	}
	var me struct {
		User struct{ Email string }
	}
	if err := s.expect("me", r, http.StatusOK, &me); err != nil {
		return err
	}
	s.line("ok", "me", fmt.Sprintf("%s %s", ms(r.elapsed), me.User.Email))

	if r, err = s.do(ctx, "orgs", http.MethodGet, "/api/organizations", token, "", nil); err != nil {
		return err
	}
	var orgs struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := s.expect("orgs", r, http.StatusOK, &orgs); err != nil {
		return err
	}
	if len(orgs.Items) == 0 {
		return s.fail("orgs", "no organization listed for %s", email)
	}
	s.line("ok", "orgs", fmt.Sprintf("%s %d organization(s)", ms(r.elapsed), len(orgs.Items)))

	return s.upload(ctx, token)
}

// upload posts a small PDF when this version of the server serves
// /api/upload, which its own OpenAPI document says.
func (s *smoke) upload(ctx context.Context, token string) error {
	r, err := s.do(ctx, "upload", http.MethodGet, "/api/openapi.json", "", "", nil)
	if err != nil {
		return err
	}
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := s.expect("upload", r, http.StatusOK, &doc); err != nil {
		return err
	}
	if _, ok := doc.Paths["/api/upload"]; !ok {
		s.line("skip", "upload", "(not served by this version)")
		return nil
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="hse-smoke-test.pdf"`)
	h.Set("Content-Type", "application/pdf")
	part, err := mw.CreatePart(h)
	if err != nil {
		return s.fail("upload", "%v", err)
	}
	part.Write(smokePDF())
	mw.Close()
	if r, err = s.do(ctx, "upload", http.MethodPost, "/api/upload", token, mw.FormDataContentType(), body.Bytes()); err != nil {
		return err
	}
	if err := s.expect("upload", r, 0, nil); err != nil {
		return err
	}
	s.line("ok", "upload", fmt.Sprintf("%s %d", ms(r.elapsed), r.status))
	return nil
}

// backup checks GET /api/backup/health as a platform operator.
func (s *smoke) backup(ctx context.Context, email, password string) error {
	token, err := s.login(ctx, "oplogin", email, password)
	if err != nil {
		return err
	}
	r, err := s.do(ctx, "backup", http.MethodGet, "/api/backup/health", token, "", nil)
	if err != nil {
		return err
	}
	var h struct {
		Status     string   `json:"status"`
		LastBackup string   `json:"lastBackup"`
		AgeSeconds *float64 `json:"ageSeconds"`
		Reason     string   `json:"reason"`
	}
	if err := s.expect("backup", r, http.StatusOK, &h); err != nil {
		return err
	}
	detail := h.Status
	if h.LastBackup != "" {
		detail += ", last " + h.LastBackup
	}
	if h.AgeSeconds != nil {
		detail += fmt.Sprintf(" (%s old)", (time.Duration(*h.AgeSeconds) * time.Second).Round(time.Minute))
	}
	if h.Reason != "" {
		detail += ": " + h.Reason
	}
	switch h.Status {
	case "ok":
		s.line("ok", "backup", ms(r.elapsed)+" "+detail)
	case "stale":
		s.warned++
		s.line("warn", "backup", ms(r.elapsed)+" "+detail)
	default:
		return s.fail("backup", "%s", detail)
	}
	return nil
}

// smokePDF is a valid one-page PDF, generated so that its cross-reference
// offsets are right.
func smokePDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	content := "BT /F1 12 Tf 20 50 Td (HSE Digital smoke test) Tj ET"
	objs[3] = fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
