package main

import (
	"context"
	"fmt"

	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// loadConfig reads and validates the configuration from the environment.
func loadConfig(e *env) (*config.Config, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

// openDB opens the configured database without migrating it.
func openDB(ctx context.Context, cfg *config.Config) (*sqlstore.DB, error) {
	return sqlstore.Open(ctx, sqlstore.Options{
		Engine:   cfg.Engine,
		URL:      cfg.DatabaseURL,
		Path:     cfg.SQLitePath,
		PoolSize: cfg.DatabasePoolSize,
	})
}
