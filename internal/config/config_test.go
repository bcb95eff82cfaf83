package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3001 || c.Env != EnvDevelopment || c.Engine != EngineSQLite || !c.DatabaseDefault {
		t.Errorf("defaults: port %d env %s engine %s default %v", c.Port, c.Env, c.Engine, c.DatabaseDefault)
	}
	if c.SQLitePath != filepath.Join("data", "hse.db") {
		t.Errorf("SQLitePath = %q, want data/hse.db", c.SQLitePath)
	}
	if c.DatabasePoolSize != 10 || c.DrainTimeout != 25*time.Second || c.LogFormat != "json" {
		t.Errorf("pool %d drain %s format %s", c.DatabasePoolSize, c.DrainTimeout, c.LogFormat)
	}
}

func TestLoadEngines(t *testing.T) {
	tests := []struct {
		url, engine, path string
	}{
		{"sqlite:/tmp/x.db", EngineSQLite, "/tmp/x.db"},
		{"sqlite:relative/x.db", EngineSQLite, "relative/x.db"},
		{"postgres://u:p@db:5432/hse", EnginePostgres, ""},
		{"postgresql://u:p@db:5432/hse_platform", EnginePostgres, ""},
	}
	for _, tt := range tests {
		c, err := Load(env(map[string]string{"DATABASE_URL": tt.url}))
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		if c.Engine != tt.engine || c.SQLitePath != tt.path || c.DatabaseDefault {
			t.Errorf("%s: engine %s path %q default %v", tt.url, c.Engine, c.SQLitePath, c.DatabaseDefault)
		}
	}
}

// Every invalid value is refused with the variable named and the expected
// form described.
func TestLoadInvalidValuesNameTheVariable(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"PORT", "abc", "PORT=\"abc\" is invalid: expected a whole number from 1 to 65535"},
		{"PORT", "70000", "PORT=\"70000\""},
		{"DATABASE_POOL_SIZE", "0", "DATABASE_POOL_SIZE=\"0\" is invalid"},
		{"DATABASE_URL", "mysql://x", "DATABASE_URL has an unknown scheme"},
		{"DATABASE_URL", "sqlite:", "expected sqlite:PATH"},
		{"HSE_ENV", "staging", "HSE_ENV=\"staging\" is invalid"},
		{"LOG_LEVEL", "loud", "LOG_LEVEL=\"loud\""},
		{"LOG_FORMAT", "xml", "LOG_FORMAT=\"xml\""},
		{"REDIS_URL", "http://x", "REDIS_URL is invalid"},
		{"REDIS_PORT", "x", "REDIS_PORT=\"x\""},
		{"HSE_DRAIN_TIMEOUT", "soon", "HSE_DRAIN_TIMEOUT=\"soon\""},
		{"METRICS_PORT", "3001", "METRICS_PORT=\"3001\" is invalid: must differ from PORT"},
	}
	for _, tt := range tests {
		vars := map[string]string{tt.name: tt.value}
		if tt.name == "REDIS_PORT" {
			vars["REDIS_HOST"] = "cache"
		}
		_, err := Load(env(vars))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%q: error %v, want it to contain %q", tt.name, tt.value, err, tt.want)
		}
	}
}

func TestProductionRequiresStrongSecrets(t *testing.T) {
	strong := strings.Repeat("s", 32)
	base := func() map[string]string {
		return map[string]string{"HSE_ENV": "production", "DATABASE_URL": "postgres://u@db/hse", "JWT_SECRET": strong, "REFRESH_SECRET": strong + "r"}
	}
	if _, err := Load(env(base())); err != nil {
		t.Fatalf("valid production config refused: %v", err)
	}
	tests := []struct {
		change map[string]string
		want   string
	}{
		{map[string]string{"JWT_SECRET": ""}, "JWT_SECRET is required when HSE_ENV=production"},
		{map[string]string{"REFRESH_SECRET": ""}, "REFRESH_SECRET is required"},
		{map[string]string{"JWT_SECRET": "short"}, "JWT_SECRET is too short: 5 bytes, at least 32"},
		{map[string]string{"REFRESH_SECRET_PREVIOUS": "short"}, "REFRESH_SECRET_PREVIOUS is too short"},
		{map[string]string{"DATABASE_URL": ""}, "DATABASE_URL is required when HSE_ENV=production"},
		{map[string]string{"REFRESH_SECRET": strong}, "must differ"},
	}
	for _, tt := range tests {
		vars := base()
		for k, v := range tt.change {
			vars[k] = v
		}
		_, err := Load(env(vars))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.change, err, tt.want)
		}
	}
}

func TestRedisFromHostAndPort(t *testing.T) {
	c, err := Load(env(map[string]string{"REDIS_HOST": "redis-0", "REDIS_PORT": "6380"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.RedisURL != "redis://redis-0:6380" {
		t.Errorf("RedisURL = %q", c.RedisURL)
	}
}

// Development secrets are generated once, stored privately and reused.
func TestEnsureDevSecrets(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(env(map[string]string{"HSE_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDevSecrets(); err != nil {
		t.Fatal(err)
	}
	if len(c.JWTSecret) < MinSecretBytes || len(c.RefreshSecret) < MinSecretBytes || c.JWTSecret == c.RefreshSecret {
		t.Fatalf("generated secrets are weak or equal")
	}
	if len(c.GeneratedSecrets) != 2 {
		t.Errorf("GeneratedSecrets = %v", c.GeneratedSecrets)
	}
	st, err := os.Stat(filepath.Join(dir, devSecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secrets file mode %v, want 0600", st.Mode().Perm())
	}
	again, _ := Load(env(map[string]string{"HSE_DATA_DIR": dir}))
	if err := again.EnsureDevSecrets(); err != nil {
		t.Fatal(err)
	}
	if again.JWTSecret != c.JWTSecret || again.RefreshSecret != c.RefreshSecret || len(again.GeneratedSecrets) != 0 {
		t.Error("second start did not reuse the stored secrets")
	}
}

func TestDescribeMasksSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{
		"JWT_SECRET": "jwt-secret-value", "REFRESH_SECRET": "refresh-secret-value",
		"DATABASE_URL": "postgres://hse:db-password@db:5432/hse?sslmode=disable",
		"REDIS_URL":    "redis://:redis-password@cache:6379/0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range c.Describe() {
		all.WriteString(s.Name + "=" + s.Value + "\n")
	}
	out := all.String()
	for _, secret := range []string{"jwt-secret-value", "refresh-secret-value", "db-password", "redis-password"} {
		if strings.Contains(out, secret) {
			t.Errorf("Describe leaks %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"db:5432", "cache:6379", "(16 bytes)"} {
		if !strings.Contains(out, want) {
			t.Errorf("Describe lacks %q:\n%s", want, out)
		}
	}
}

func TestFilesConfig(t *testing.T) {
	env := map[string]string{"HSE_DATA_DIR": "/srv/hse"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Files.Bucket != "file:///srv/hse/files" || !c.Files.Default || c.Files.MaxBytes != 26214400 || c.Files.MaxPixels != 40_000_000 {
		t.Errorf("defaults %+v", c.Files)
	}
	for _, tt := range []struct{ name, value, want string }{
		{"HSE_UPLOAD_MAX_BYTES", "ten", "HSE_UPLOAD_MAX_BYTES"},
		{"HSE_UPLOAD_MAX_BYTES", "10", "HSE_UPLOAD_MAX_BYTES"},
		{"HSE_IMAGE_MAX_PIXELS", "-1", "HSE_IMAGE_MAX_PIXELS"},
		{"HSE_FILES_BUCKET", "s3://key:secret@bucket", "HSE_FILES_BUCKET"},
		{"HSE_FILES_BUCKET", "ftp://host/x", "HSE_FILES_BUCKET"},
	} {
		env := map[string]string{tt.name: tt.value}
		if _, err := Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%q: error %v", tt.name, tt.value, err)
		}
	}
	env = map[string]string{"HSE_FILES_BUCKET": "s3://files/prod?region=eu-west-1&endpoint=http://minio:9000", "HSE_UPLOAD_MAX_BYTES": "1048576"}
	c, err = Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range c.Describe() {
		out = append(out, s.Name+"="+s.Value)
	}
	text := strings.Join(out, "\n")
	if !strings.Contains(text, "HSE_FILES_BUCKET=s3://files/prod?") || !strings.Contains(text, "HSE_UPLOAD_MAX_BYTES=1048576") {
		t.Errorf("Describe:\n%s", text)
	}
}
