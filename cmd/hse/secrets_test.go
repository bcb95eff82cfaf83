package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A secret in a URL never comes back in what the commands print: not in
// a refused configuration, not in a failed connection, not in the log.
func TestCommandsNeverEchoSecrets(t *testing.T) {
	const secret = "Sup3rS3cretValue"
	cases := []struct {
		name string
		vars map[string]string
		args []string
	}{
		{"files bucket with credentials", map[string]string{"HSE_FILES_BUCKET": "s3://AKIAEXAMPLE:" + secret + "@bucket/files?region=eu-west-1"}, []string{"config"}},
		{"backup bucket with credentials", map[string]string{"HSE_BACKUP_BUCKET": "s3://AKIAEXAMPLE:" + secret + "@bucket?region=eu-west-1"}, []string{"serve"}},
		{"unreachable database", map[string]string{"DATABASE_URL": "postgres://hse:" + secret + "@127.0.0.1:1/hse?connect_timeout=2&sslpassword=" + secret}, []string{"serve"}},
		{"unparsable database option", map[string]string{"DATABASE_URL": "postgres://hse:" + secret + "@127.0.0.1:1/hse?sslmode=bogus"}, []string{"migrate", "status"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.vars["HSE_DATA_DIR"] = t.TempDir()
			if c.vars["DATABASE_URL"] == "" {
				c.vars["DATABASE_URL"] = "sqlite:" + filepath.Join(t.TempDir(), "hse.db")
			}
			out, errOut, err := runCLI(t, c.vars, c.args...)
			if err == nil {
				t.Fatalf("%v succeeded", c.args)
			}
			for what, text := range map[string]string{"error": err.Error(), "output": out, "error output": errOut} {
				if strings.Contains(text, secret) {
					t.Errorf("the %s shows the secret: %s", what, text)
				}
			}
		})
	}
}
