package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// devSecretsFile is kept in the data directory so that a developer's sessions
// survive restarts without anyone setting JWT_SECRET by hand.
const devSecretsFile = "dev-secrets.json"

// EnsureDevSecrets fills in missing secrets in development: generated once,
// stored (mode 0600) in the data directory and reused on later starts. It
// does nothing in production, where Load has already refused missing secrets.
// The names of the generated secrets are recorded in c.GeneratedSecrets so the
// caller can warn about them.
func (c *Config) EnsureDevSecrets() error {
	if c.Env != EnvDevelopment || (c.JWTSecret != "" && c.RefreshSecret != "") {
		return nil
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("HSE_DATA_DIR=%q cannot be created: %w", c.DataDir, err)
	}
	path := filepath.Join(c.DataDir, devSecretsFile)
	stored := map[string]string{}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &stored); err != nil {
			return fmt.Errorf("%s is corrupt (delete it to generate new development secrets): %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("reading %s: %w", path, err)
	}

	changed := false
	fill := func(name string, dst *string) error {
		if *dst != "" {
			return nil
		}
		if v := stored[name]; v != "" {
			*dst = v
			return nil
		}
		v, err := randomSecret()
		if err != nil {
			return err
		}
		stored[name], *dst, changed = v, v, true
		c.GeneratedSecrets = append(c.GeneratedSecrets, name)
		return nil
	}
	if err := fill("JWT_SECRET", &c.JWTSecret); err != nil {
		return err
	}
	if err := fill("REFRESH_SECRET", &c.RefreshSecret); err != nil {
		return err
	}
	if !changed {
		return nil
	}
	out, _ := json.MarshalIndent(stored, "", "  ")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return fmt.Errorf("storing development secrets in %s: %w", path, err)
	}
	return nil
}

func randomSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
