package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadHTTPDefaults(t *testing.T) {
	h, err := LoadHTTP(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := HTTP{PublicURL: "http://localhost:3001", MaxBodyBytes: 1 << 20}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestLoadHTTPValues(t *testing.T) {
	h, err := LoadHTTP(env(map[string]string{
		"CORS_ORIGINS":       " https://App.Example.com , http://localhost:5173,https://admin.example.com:443/,https://app.example.com, http://[::1]:8080",
		"HSE_TRUST_PROXY":    "true",
		"HSE_PUBLIC_URL":     "https://hse.example.com/",
		"HSE_MAX_BODY_BYTES": "2097152",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := HTTP{
		// Normalised to what browsers send in Origin; duplicates dropped.
		CORSOrigins:  []string{"https://app.example.com", "http://localhost:5173", "https://admin.example.com", "http://[::1]:8080"},
		TrustProxy:   true,
		PublicURL:    "https://hse.example.com",
		MaxBodyBytes: 2 << 20,
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadHTTPInvalidValuesNameTheVariable(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"CORS_ORIGINS", "*", `CORS_ORIGINS entry "*" is invalid: wildcards are not allowed`},
		{"CORS_ORIGINS", "https://*.example.com", `CORS_ORIGINS entry "https://*.example.com" is invalid: wildcards`},
		{"CORS_ORIGINS", "https://ok.example.com,app.example.com", `CORS_ORIGINS entry "app.example.com" is invalid: the scheme must be http or https`},
		{"CORS_ORIGINS", "https://app.example.com/login", `CORS_ORIGINS entry "https://app.example.com/login" is invalid: an origin has no path`},
		{"CORS_ORIGINS", "https://app.example.com?x=1", `an origin has no path, query or fragment`},
		{"CORS_ORIGINS", "ftp://files.example.com", `CORS_ORIGINS entry "ftp://files.example.com" is invalid: the scheme`},
		{"CORS_ORIGINS", "https://user@app.example.com", `user information`},
		{"CORS_ORIGINS", "https://app.example.com:99999", `the port must be a number`},
		{"CORS_ORIGINS", "null", `CORS_ORIGINS entry "null" is invalid`},
		{"HSE_TRUST_PROXY", "maybe", `HSE_TRUST_PROXY="maybe" is invalid: expected true or false`},
		{"HSE_PUBLIC_URL", "hse.example.com", `HSE_PUBLIC_URL="hse.example.com" is invalid: the scheme must be http or https`},
		{"HSE_PUBLIC_URL", "https://", `HSE_PUBLIC_URL="https://" is invalid: no host`},
		{"HSE_PUBLIC_URL", "https://hse.example.com/?a=b", `HSE_PUBLIC_URL="https://hse.example.com/?a=b" is invalid`},
		{"HSE_MAX_BODY_BYTES", "1MB", `HSE_MAX_BODY_BYTES="1MB" is invalid: expected a number of bytes`},
		{"HSE_MAX_BODY_BYTES", "10", `HSE_MAX_BODY_BYTES="10" is invalid`},
	}
	for _, tt := range tests {
		_, err := LoadHTTP(env(map[string]string{tt.name: tt.value}))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%q: error %v, want it to contain %q", tt.name, tt.value, err, tt.want)
		}
	}
}

func TestHTTPDescribe(t *testing.T) {
	h, err := LoadHTTP(env(map[string]string{"CORS_ORIGINS": "https://a.example.com,https://b.example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []Setting{
		{"HSE_PUBLIC_URL", "http://localhost:3001"},
		{"CORS_ORIGINS", "https://a.example.com,https://b.example.com"},
		{"HSE_TRUST_PROXY", "false"},
		{"HSE_MAX_BODY_BYTES", "1048576"},
	}
	if diff := cmp.Diff(want, h.Describe()); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
}
