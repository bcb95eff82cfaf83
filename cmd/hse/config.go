package main

import (
	"context"
	"fmt"

	"github.com/hsedigital/hse/internal/config"
)

func runConfig(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "config", "hse config")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("config takes no arguments")
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	for _, s := range cfg.Describe() {
		fmt.Fprintf(e.stdout, "%-24s %s\n", s.Name, s.Value)
	}
	if cfg.Env == config.EnvDevelopment && (cfg.JWTSecret == "" || cfg.RefreshSecret == "") {
		fmt.Fprintf(e.stdout, "\nUnset secrets are generated on first start and kept in %s (development only).\n", cfg.DataDir)
	}
	return nil
}
