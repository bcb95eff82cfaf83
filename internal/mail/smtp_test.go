package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	stdlog "log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/hse"
)

// delivery is what the fake server saw of one message.
type delivery struct {
	TLS      bool // the conversation was encrypted when MAIL FROM came
	AuthUser string
	AuthPass string
	From     string
	To       []string
	Data     []byte
}

// fakeSMTP is an SMTP server on 127.0.0.1: the true external boundary of
// the SMTP mailer, faked with a real protocol implementation.
type fakeSMTP struct {
	mu         sync.Mutex
	deliveries []delivery
	rejectRcpt bool
	user, pass string
	addr       *net.TCPAddr
}

type fakeMode int

const (
	plainOnly    fakeMode = iota // no TLS offered
	withStartTLS                 // STARTTLS offered
	implicitTLS                  // TLS from the first byte
)

// startFakeSMTP serves until the test ends. The server demands AUTH when
// user is set and, like real servers, offers it only over TLS.
func startFakeSMTP(t *testing.T, mode fakeMode, cert tls.Certificate, user, pass string) *fakeSMTP {
	t.Helper()
	f := &fakeSMTP{user: user, pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &fakeSession{srv: f, conn: c}, nil
	}))
	srv.Domain = "fake.test"
	srv.ErrorLog = stdlog.New(io.Discard, "", 0) // refused handshakes are expected
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().(*net.TCPAddr)
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch mode {
	case withStartTLS:
		srv.TLSConfig = tlsConfig
	case implicitTLS:
		srv.TLSConfig = tlsConfig
		ln = tls.NewListener(ln, tlsConfig)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return f
}

func (f *fakeSMTP) Deliveries() []delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]delivery(nil), f.deliveries...)
}

type fakeSession struct {
	srv  *fakeSMTP
	conn *smtp.Conn
	cur  delivery
}

func (s *fakeSession) AuthMechanisms() []string {
	if _, isTLS := s.conn.TLSConnectionState(); !isTLS {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *fakeSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.user || password != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.cur.AuthUser, s.cur.AuthPass = username, password
		return nil
	}), nil
}

func (s *fakeSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.cur.AuthUser == "" {
		return smtp.ErrAuthRequired
	}
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.cur.From = from
	return nil
}

func (s *fakeSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *fakeSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.srv.mu.Lock()
	s.srv.deliveries = append(s.srv.deliveries, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *fakeSession) Reset() {
	s.cur = delivery{AuthUser: s.cur.AuthUser, AuthPass: s.cur.AuthPass}
}

func (s *fakeSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// newTestSMTPMailer points a mailer at the fake and, when roots is given,
// trusts the fake's certificate.
func newTestSMTPMailer(t *testing.T, f *fakeSMTP, mode, user, pass string, roots *x509.CertPool) *SMTPMailer {
	t.Helper()
	log, _ := newLogger()
	m, err := NewSMTPMailer(config.Mail{
		Host: "127.0.0.1", Port: f.addr.Port, TLS: mode, Username: user, Password: pass,
		From: testFrom, Timeout: 5 * time.Second,
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	if roots != nil {
		m.tlsConfig = &tls.Config{ServerName: "127.0.0.1", RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return m
}

func TestSMTPMailerDelivers(t *testing.T) {
	cert, roots := selfSigned(t)
	tests := []struct {
		name       string
		serverMode fakeMode
		tlsMode    string
		user, pass string
		wantTLS    bool
	}{
		{"starttls with auth", withStartTLS, config.SMTPStartTLS, "hse-mailer", "p@ss word", true},
		{"implicit tls with auth", implicitTLS, config.SMTPImplicitTLS, "hse-mailer", "p@ss word", true},
		{"implicit tls without auth", implicitTLS, config.SMTPImplicitTLS, "", "", true},
		{"local relay without tls", plainOnly, config.SMTPNoTLS, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeSMTP(t, tt.serverMode, cert, tt.user, tt.pass)
			m := newTestSMTPMailer(t, f, tt.tlsMode, tt.user, tt.pass, roots)
			msg := hse.Mail{
				To:      "Ana Pérez <ana@example.com>",
				Subject: "Permit PTW-0042 needs your approval",
				Text:    "Hello Ana,\n\nplease review https://hse.example.com/permits/42?tab=approve\n",
				Kind:    "permit_approval",
			}
			if err := m.Send(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			ds := f.Deliveries()
			if len(ds) != 1 {
				t.Fatalf("%d deliveries, want 1", len(ds))
			}
			d := ds[0]
			got := delivery{TLS: d.TLS, AuthUser: d.AuthUser, AuthPass: d.AuthPass, From: d.From, To: d.To}
			want := delivery{TLS: tt.wantTLS, AuthUser: tt.user, AuthPass: tt.pass,
				From: "no-reply@hse.example.com", To: []string{"ana@example.com"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("envelope (-want +got):\n%s", diff)
			}
			checkMessage(t, d.Data, testFrom, msg.To, msg.Subject, msg.Text)
		})
	}
}

// STARTTLS is mandatory: a server that does not offer it (or a network
// that strips it) gets neither the password nor the message.
func TestSMTPMailerRefusesMissingStartTLS(t *testing.T) {
	cert, roots := selfSigned(t)
	f := startFakeSMTP(t, plainOnly, cert, "", "")
	m := newTestSMTPMailer(t, f, config.SMTPStartTLS, "hse-mailer", "secret", roots)
	err := m.Send(context.Background(), mailTo("bob@example.com"))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("error %v, want a STARTTLS refusal", err)
	}
	if ds := f.Deliveries(); len(ds) != 0 {
		t.Errorf("delivered %d messages in clear text", len(ds))
	}
}

// The server's certificate is verified against the system roots unless
// told otherwise: a self-signed one is refused.
func TestSMTPMailerVerifiesCertificate(t *testing.T) {
	cert, _ := selfSigned(t)
	for _, tt := range []struct {
		server fakeMode
		mode   string
	}{{withStartTLS, config.SMTPStartTLS}, {implicitTLS, config.SMTPImplicitTLS}} {
		f := startFakeSMTP(t, tt.server, cert, "", "")
		m := newTestSMTPMailer(t, f, tt.mode, "", "", nil)
		var certErr *tls.CertificateVerificationError
		if err := m.Send(context.Background(), mailTo("bob@example.com")); !errors.As(err, &certErr) {
			t.Errorf("%s: error %v, want a certificate verification error", tt.mode, err)
		}
		if ds := f.Deliveries(); len(ds) != 0 {
			t.Errorf("%s: delivered to an unverified server", tt.mode)
		}
	}
}

func TestSMTPMailerReportsRejection(t *testing.T) {
	cert, roots := selfSigned(t)
	f := startFakeSMTP(t, withStartTLS, cert, "", "")
	f.rejectRcpt = true
	m := newTestSMTPMailer(t, f, config.SMTPStartTLS, "", "", roots)
	err := m.Send(context.Background(), mailTo("nobody@example.com"))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("error %v, want the server's 550", err)
	}
}

func TestSMTPMailerWrongPassword(t *testing.T) {
	cert, roots := selfSigned(t)
	f := startFakeSMTP(t, withStartTLS, cert, "hse-mailer", "right")
	m := newTestSMTPMailer(t, f, config.SMTPStartTLS, "hse-mailer", "wrong", roots)
	if err := m.Send(context.Background(), mailTo("bob@example.com")); err == nil {
		t.Error("sent with a wrong password")
	}
	if ds := f.Deliveries(); len(ds) != 0 {
		t.Errorf("delivered %d messages", len(ds))
	}
}

// A server that accepts the connection and then says nothing cannot hold
// a sender beyond the timeout.
func TestSMTPMailerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 4)
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range accepted {
			c.Close()
		}
	})

	log, _ := newLogger()
	m, err := NewSMTPMailer(config.Mail{
		Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: config.SMTPNoTLS,
		From: testFrom, Timeout: 300 * time.Millisecond,
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = m.Send(context.Background(), mailTo("bob@example.com"))
	if err == nil {
		t.Fatal("Send succeeded against a silent server")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send returned after %s, want about the 300ms timeout", d)
	}
}

func TestSMTPMailerConcurrentSends(t *testing.T) {
	cert, roots := selfSigned(t)
	f := startFakeSMTP(t, withStartTLS, cert, "hse-mailer", "secret")
	m := newTestSMTPMailer(t, f, config.SMTPStartTLS, "hse-mailer", "secret", roots)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := m.Send(context.Background(), mailTo("bob@example.com")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ds := f.Deliveries(); len(ds) != 8 {
		t.Errorf("%d deliveries, want 8", len(ds))
	}
}

func TestNewSMTPMailerNeedsHost(t *testing.T) {
	log, _ := newLogger()
	if _, err := NewSMTPMailer(config.Mail{}, log); err == nil {
		t.Error("accepted a configuration without a host")
	}
	if _, err := NewSMTPMailer(config.Mail{Host: "x", TLS: "ssl"}, log); err == nil {
		t.Error("accepted an unknown TLS mode")
	}
}
