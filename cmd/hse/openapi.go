package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/hsedigital/hse/internal/app"
	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/logging"
)

// runOpenAPI prints the OpenAPI document that /api/openapi.json serves,
// without a running server, so the web client can be generated from it in
// a build. The document depends only on the code: the platform is assembled
// on a throw-away SQLite database with development settings.
func runOpenAPI(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "openapi", `hse openapi

Prints the OpenAPI 3.1 document of this build's API (what GET
/api/openapi.json serves) as indented JSON.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("openapi takes no arguments")
	}
	dir, err := os.MkdirTemp("", "hse-openapi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	settings := map[string]string{"HSE_DATA_DIR": dir, "LOG_LEVEL": "error"}
	cfg, err := config.Load(func(k string) string { return settings[k] })
	if err != nil {
		return err
	}
	if err := cfg.EnsureDevSecrets(); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	quiet := &env{getenv: e.getenv, stdout: io.Discard, stderr: e.stderr}
	if err := ensureSchema(ctx, quiet, cfg, db, true); err != nil {
		return err
	}
	a, err := app.NewWithDB(ctx, cfg, logging.New(io.Discard, cfg.LogFormat, cfg.LogLevel), db, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	doc, err := json.MarshalIndent(a.OpenAPI, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the OpenAPI document: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", doc)
	return err
}
