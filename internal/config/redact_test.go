package config

import (
	"strings"
	"testing"
)

// A secret given where none belongs (credentials in a bucket URL, a
// password in DATABASE_URL) is refused or accepted, but never printed back
// in the error or in `hse config`.
func TestSecretsNeverEchoed(t *testing.T) {
	const secret = "Sup3rS3cretValue"
	refused := []struct{ name, value string }{
		{"HSE_FILES_BUCKET", "s3://AKIAEXAMPLE:" + secret + "@bucket/files?region=eu-west-1"},
		{"HSE_BACKUP_BUCKET", "s3://AKIAEXAMPLE:" + secret + "@bucket/backups?region=eu-west-1"},
		{"HSE_FILES_BUCKET", "s3://bucket?region=x&endpoint=http://minio:" + secret + "@minio:9000"},
		{"HSE_BACKUP_BUCKET", "s3://bucket?region=x&endpoint=ftp://minio:" + secret + "@minio:9000"},
		{"HSE_FILES_BUCKET", "s3://AKIA:" + secret + "@bu cket"}, // not even a URL
		{"HSE_BACKUP_BUCKET", "s3://AKIA:" + secret + "@bucket:9000/x%zz"},
		{"DATABASE_URL", "postgres://hse:" + secret + "@db host/hse"},
		{"DATABASE_URL", "mysql://hse:" + secret + "@db/hse"},
		{"REDIS_URL", "redis://:" + secret + "@cache host:6379"},
		{"REDIS_URL", "http://:" + secret + "@cache:6379"},
		{"SMTP_HOST", "mailer:" + secret + "@smtp.example.com"},
		{"CORS_ORIGINS", "https://user:" + secret + "@app.example.com"},
		{"HSE_PUBLIC_URL", "https://user:" + secret + "@hse.example.com"},
	}
	for _, tt := range refused {
		env := map[string]string{tt.name: tt.value}
		_, err := Load(func(k string) string { return env[k] })
		if err == nil {
			t.Errorf("%s with credentials was accepted", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%s: the error does not name the variable: %v", tt.name, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error prints the secret: %v", tt.name, err)
		}
	}

	accepted := map[string]string{
		"DATABASE_URL":     "postgres://hse:" + secret + "@db:5432/hse?sslmode=require&sslpassword=" + secret,
		"REDIS_URL":        "rediss://default:" + secret + "@cache:6380/0",
		"SMTP_HOST":        "smtp.example.com",
		"SMTP_USERNAME":    "mailer",
		"SMTP_PASSWORD":    secret,
		"JWT_SECRET":       secret + "-jwt",
		"REFRESH_SECRET":   secret + "-refresh",
		"HSE_FILES_BUCKET": "s3://files?region=eu-west-1&endpoint=http://minio:9000",
	}
	c, err := Load(func(k string) string { return accepted[k] })
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range c.Describe() {
		lines = append(lines, s.Name+" "+s.Value)
	}
	out := strings.Join(lines, "\n")
	if strings.Contains(out, secret) {
		t.Errorf("Describe prints a secret:\n%s", out)
	}
	for _, want := range []string{"postgres://hse:xxxxx@db:5432/hse", "rediss://default:xxxxx@cache:6380/0"} {
		if !strings.Contains(out, want) {
			t.Errorf("Describe lacks %q (the target without its secret):\n%s", want, out)
		}
	}
}
