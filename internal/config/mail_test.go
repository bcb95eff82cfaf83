package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMailDefaults(t *testing.T) {
	m, err := LoadMail(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Mail{Port: 587, From: DefaultMailFrom, TLS: SMTPStartTLS, Timeout: 30 * time.Second}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if m.Enabled() {
		t.Error("Enabled() = true without SMTP_HOST")
	}
}

func TestLoadMailValues(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want Mail
	}{
		{
			name: "starttls with credentials",
			vars: map[string]string{
				"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "2525", "SMTP_USERNAME": "hse",
				"SMTP_PASSWORD": "s3cret", "SMTP_FROM": "Safety <safety@example.com>", "SMTP_TIMEOUT": "5s",
			},
			want: Mail{Host: "smtp.example.com", Port: 2525, Username: "hse", Password: "s3cret",
				From: "Safety <safety@example.com>", TLS: SMTPStartTLS, Timeout: 5 * time.Second},
		},
		{
			name: "implicit tls defaults to port 465",
			vars: map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_TLS": "TLS"},
			want: Mail{Host: "smtp.example.com", Port: 465, From: DefaultMailFrom, TLS: SMTPImplicitTLS, Timeout: 30 * time.Second},
		},
		{
			name: "local relay without tls",
			vars: map[string]string{"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "25", "SMTP_TLS": "none"},
			want: Mail{Host: "127.0.0.1", Port: 25, From: DefaultMailFrom, TLS: SMTPNoTLS, Timeout: 30 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadMail(env(tt.vars))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, m); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !m.Enabled() {
				t.Error("Enabled() = false with SMTP_HOST set")
			}
		})
	}
}

func TestLoadMailInvalidValuesNameTheVariable(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"SMTP_PORT": "smtp"}, `SMTP_PORT="smtp" is invalid: expected a whole number from 1 to 65535`},
		{map[string]string{"SMTP_PORT": "0"}, `SMTP_PORT="0" is invalid`},
		{map[string]string{"SMTP_TLS": "ssl"}, `SMTP_TLS="ssl" is invalid: expected "starttls", "tls" or "none"`},
		{map[string]string{"SMTP_FROM": "not an address"}, `SMTP_FROM="not an address" is invalid: expected an e-mail address`},
		{map[string]string{"SMTP_HOST": "smtp.example.com:587"}, `SMTP_HOST="smtp.example.com:587" is invalid: expected a host name or IPv4 address only (put the port in SMTP_PORT)`},
		{map[string]string{"SMTP_HOST": "smtp://smtp.example.com"}, `SMTP_HOST="smtp://smtp.example.com" is invalid`},
		{map[string]string{"SMTP_TIMEOUT": "soon"}, `SMTP_TIMEOUT="soon" is invalid`},
		{map[string]string{"SMTP_TIMEOUT": "0s"}, `SMTP_TIMEOUT="0s" is invalid: expected a positive duration`},
		{map[string]string{"SMTP_PASSWORD": "x"}, "SMTP_PASSWORD is set but SMTP_USERNAME is not"},
		{map[string]string{"SMTP_HOST": "relay", "SMTP_TLS": "none", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"}, "SMTP_TLS=none with SMTP_USERNAME would send the password in clear text"},
	}
	for _, tt := range tests {
		_, err := LoadMail(env(tt.vars))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want it to contain %q", tt.vars, err, tt.want)
		}
	}
}

func TestMailDescribeMasksPassword(t *testing.T) {
	m, err := LoadMail(env(map[string]string{
		"SMTP_HOST": "smtp.example.com", "SMTP_USERNAME": "hse", "SMTP_PASSWORD": "hunter2-hunter2",
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range m.Describe() {
		got[s.Name] = s.Value
	}
	for name, value := range got {
		if strings.Contains(value, "hunter2") {
			t.Errorf("%s = %q shows the password", name, value)
		}
	}
	want := map[string]string{
		"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "587", "SMTP_TLS": "starttls", "SMTP_USERNAME": "hse",
		"SMTP_PASSWORD": "******** (15 bytes)", "SMTP_FROM": DefaultMailFrom, "SMTP_TIMEOUT": "30s",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}

	off, _ := LoadMail(env(nil))
	if d := off.Describe(); len(d) == 0 || d[0].Name != "SMTP_HOST" || !strings.Contains(d[0].Value, "HSE_DATA_DIR/mail") {
		t.Errorf("Describe without SMTP_HOST = %v, want it to say where mail goes", d)
	}
}
