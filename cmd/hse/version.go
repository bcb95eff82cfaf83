package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/hsedigital/hse/internal/buildinfo"
)

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "hse version [--json]")
	asJSON := fs.Bool("json", false, "print as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	bi := buildinfo.Get()
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(bi)
	}
	fmt.Fprintf(e.stdout, "hse %s\ncommit:     %s\nbuild date: %s\ngo:         %s\n", bi.Version, orNone(bi.Commit), orNone(bi.BuildDate), runtime.Version())
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
