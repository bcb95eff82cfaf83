// Package apptest runs the assembled platform in-process for integration
// tests: a real store on either engine, the real HTTP stack, captured mail.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app"
	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/idempotency"
	"github.com/hsedigital/hse/internal/logging"
	"github.com/hsedigital/hse/internal/mail/mailtest"
)

// Env is one running platform.
type Env struct {
	T      testing.TB
	App    *app.App
	Mail   *mailtest.Recorder
	Engine string
	Logs   *bytes.Buffer
	// Target is the database the platform runs on; NewAt builds another
	// platform on the same one (a second replica, or a restart).
	Target hsetest.Target
	// IP is the client address of requests that do not set one.
	IP string
}

// Option adjusts the configuration before the platform is built.
type Option func(s *settings)

type settings struct {
	vars map[string]string
	opts app.Options
}

// WithEnv sets an environment variable of the configuration.
func WithEnv(k, v string) Option { return func(s *settings) { s.vars[k] = v } }

// WithNow replaces the wall clock of the services and rate limiters, for
// tests of expiry and of limits recovering (see Clock).
func WithNow(now func() time.Time) Option { return func(s *settings) { s.opts.Now = now } }

// WithIdempotency adjusts the Idempotency-Key middleware (fault hooks,
// heartbeat and staleness), for tests of crashes and takeovers.
func WithIdempotency(f func(*idempotency.Options)) Option {
	return func(s *settings) { s.opts.Idempotency = f }
}

// Default secrets of a test platform.
const (
	JWTSecret     = "test-jwt-secret-0123456789abcdefghijklmnop"
	RefreshSecret = "test-refresh-secret-0123456789abcdefghijkl"
)

// New builds the platform on a fresh, migrated database of engine.
func New(t testing.TB, engine string, opts ...Option) *Env {
	t.Helper()
	return NewAt(t, hsetest.NewTarget(t, engine), opts...)
}

// NewAt builds the platform on the database tg, migrating it if needed.
// Several platforms on one target share their data as replicas do.
func NewAt(t testing.TB, tg hsetest.Target, opts ...Option) *Env {
	t.Helper()
	s := &settings{vars: map[string]string{
		"DATABASE_URL":   tg.DatabaseURL,
		"HSE_DATA_DIR":   t.TempDir(),
		"JWT_SECRET":     JWTSecret,
		"REFRESH_SECRET": RefreshSecret,
	}}
	for _, o := range opts {
		o(s)
	}
	cfg, err := config.Load(func(k string) string { return s.vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if _, set := s.vars["DATABASE_POOL_SIZE"]; set {
		tg.Options.PoolSize = cfg.DatabasePoolSize // the test is about the pool
	}
	db := hsetest.MigratedDBAt(t, tg)
	logs := &bytes.Buffer{}
	rec := &mailtest.Recorder{}
	s.opts.Mailer = rec
	a, err := app.NewWithDB(context.Background(), cfg, logging.New(&lockedWriter{w: logs}, "json", slog.LevelInfo), db, s.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &Env{T: t, App: a, Mail: rec, Engine: tg.Options.Engine, Logs: logs, Target: tg, IP: "192.0.2.1"}
}

// Clock is a settable clock for WithNow, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// lockedWriter serialises log writes from concurrent requests.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Code is the problem code of an error response.
func (r *Response) Code() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

// Request is a request to send.
type Request struct {
	Method, Path, Token string
	Body                any
	Header              map[string]string
	IP                  string // remote address; default: Env.IP
}

// Do sends a request through the full middleware chain.
func (e *Env) Do(r Request) *Response {
	e.T.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	ip := r.IP
	if ip == "" {
		ip = e.IP
	}
	req.RemoteAddr = ip + ":40000"
	rec := httptest.NewRecorder()
	e.App.API.ServeHTTP(rec, req)
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// Call is Do for the common case.
func (e *Env) Call(method, path, token string, body any) *Response {
	e.T.Helper()
	return e.Do(Request{Method: method, Path: path, Token: token, Body: body})
}

// Must fails the test unless the response has the wanted status.
func (e *Env) Must(want int, r *Response) *Response {
	e.T.Helper()
	if r.Status != want {
		e.T.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

// User is a signed-in member.
type User struct {
	Email, Password string
	UserID, OrgID   string
	Access, Refresh string
}

var tokenInLink = regexp.MustCompile(`token=([A-Za-z0-9_.-]+)`)

// TokenFromMail waits for the last mail of kind to addr and returns the
// token of its link.
func (e *Env) TokenFromMail(addr, kind string) string {
	e.T.Helper()
	m := e.Mail.WaitFor(e.T, addr, kind)
	got := tokenInLink.FindStringSubmatch(m.Text)
	if got == nil {
		e.T.Fatalf("no token link in %s mail to %s:\n%s", kind, addr, m.Text)
	}
	return got[1]
}

var seq atomic.Int64

// Signup creates a verified owner of a new organization and logs them in.
func (e *Env) Signup(orgName string) *User {
	e.T.Helper()
	n := seq.Add(1)
	u := &User{Email: fmt.Sprintf("owner%d-%d@example.com", n, time.Now().UnixNano()%1e6), Password: "purple monkey dishwasher 42"}
	e.Must(202, e.Call("POST", "/api/auth/signup", "", map[string]any{
		"organizationName": orgName, "name": "Owner " + orgName, "email": u.Email, "password": u.Password}))
	e.Must(200, e.Call("POST", "/api/auth/verify-email", "", map[string]any{"token": e.TokenFromMail(u.Email, "verify_email")}))
	e.Login(u)
	return u
}

// Login logs u in and stores the tokens.
func (e *Env) Login(u *User) {
	e.T.Helper()
	r := e.Must(200, e.Call("POST", "/api/auth/login", "", map[string]any{"email": u.Email, "password": u.Password}))
	var t struct {
		AccessToken, RefreshToken, OrganizationID string
		User                                      struct{ ID string }
	}
	if err := json.Unmarshal(r.Body, &t); err != nil {
		e.T.Fatal(err)
	}
	u.Access, u.Refresh, u.OrgID, u.UserID = t.AccessToken, t.RefreshToken, t.OrganizationID, t.User.ID
}

// Invite invites email into inviter's organization with a role and has
// them accept and log in.
func (e *Env) Invite(inviter *User, roleID string, extra map[string]any) *User {
	e.T.Helper()
	n := seq.Add(1)
	u := &User{Email: fmt.Sprintf("member%d-%d@example.com", n, time.Now().UnixNano()%1e6), Password: "seven green apples falling"}
	body := map[string]any{"email": u.Email, "roleId": roleID}
	for k, v := range extra {
		body[k] = v
	}
	e.Must(201, e.Call("POST", "/api/invitations", inviter.Access, body))
	token := e.TokenFromMail(u.Email, "invitation")
	e.Must(200, e.Call("POST", "/api/invitations/accept", "", map[string]any{"token": token, "name": "Member", "password": u.Password}))
	e.Login(u)
	return u
}
