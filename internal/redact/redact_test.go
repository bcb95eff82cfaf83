package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct {
		in, want string
		secrets  []string
	}{
		{"", "", nil},
		{"postgres://hse:s3cr3t@db:5432/hse?sslmode=require", "postgres://hse:xxxxx@db:5432/hse?sslmode=require", []string{"s3cr3t"}},
		{"postgres://db/hse?user=hse&password=s3cr3t", "postgres://db/hse?password=xxxxx&user=hse", []string{"s3cr3t"}},
		{"postgres://db/hse?sslpassword=s3cr3t", "postgres://db/hse?sslpassword=xxxxx", []string{"s3cr3t"}},
		{"redis://:s3cr3t@cache:6379/0", "redis://:xxxxx@cache:6379/0", []string{"s3cr3t"}},
		{"s3://AKIAEXAMPLE:s3cr3t@bucket/prefix?region=eu-west-1", "s3://AKIAEXAMPLE:xxxxx@bucket/prefix?region=eu-west-1", []string{"s3cr3t"}},
		{"s3://AKIAEXAMPLE@bucket", "s3://xxxxx@bucket", []string{"AKIAEXAMPLE"}},
		{"s3://b?endpoint=http://minio:s3cr3t@host:9000&region=x", "s3://b?endpoint=http%3A%2F%2Fminio%3Axxxxx%40host%3A9000&region=x", []string{"s3cr3t"}},
		{"s3://b?X-Amz-Signature=s3cr3t&token=t0k3n", "s3://b?X-Amz-Signature=xxxxx&token=xxxxx", []string{"s3cr3t", "t0k3n"}},
		{"https://host/path#s3cr3t", "https://host/path", []string{"s3cr3t"}},
		{"postgres://hse:s3 cr3t@db host/x", "(not a valid URL; value hidden)", []string{"s3 cr3t"}},
		{"sqlite:data/hse.db", "sqlite:data/hse.db", nil},
		{"file:///var/lib/hse/files", "file:///var/lib/hse/files", nil},
	}
	for _, tt := range tests {
		got := URL(tt.in)
		if got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, s := range tt.secrets {
			if strings.Contains(got, s) {
				t.Errorf("URL(%q) = %q still holds %q", tt.in, got, s)
			}
		}
	}
}

func TestHost(t *testing.T) {
	if got := Host("mailer:s3cr3t@smtp.example.com"); got != "xxxxx@smtp.example.com" {
		t.Errorf("Host = %q", got)
	}
	if got := Host("smtp.example.com"); got != "smtp.example.com" {
		t.Errorf("Host = %q", got)
	}
}

func TestURLKeepsDatabaseRole(t *testing.T) {
	if got := URL("postgres://hse@db/hse"); got != "postgres://hse@db/hse" {
		t.Errorf("a role name without a password is not a secret: %q", got)
	}
}
