// Command hse is the whole HSE Digital platform in one binary: the API
// server and the operator commands around it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones for organization settings, even on minimal images
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(os.Stderr, err))
}

// exitCode prints err and maps it to the process status: 0 success, 2 bad
// usage, 1 anything else.
func exitCode(stderr io.Writer, err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "hse:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "hse:", err)
		return 1
	}
}

// usageError marks a mistake in the command line rather than a failure.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what every subcommand gets from the process; tests pass fakes.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the API server", runServe},
		{"migrate", "apply or roll back database migrations (up, down, status)", runMigrate},
		{"admin", "platform operator accounts: create-operator, reset-password", runAdmin},
		{"backup", "database backups: create, verify, list, restore, prune", runBackup},
		{"smoke", "post-deployment checks against a running server", runSmoke},
		{"seed", "fill a development database with demo data (--demo --scale N)", runSeed},
		{"config", "print the effective configuration with secrets masked", runConfig},
		{"openapi", "print the OpenAPI document of the API (for generating clients)", runOpenAPI},
		{"version", "print version, commit and build date", runVersion},
	}
}

// run is main without the process: arguments, environment and output are
// parameters so tests can drive every subcommand in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return usagef("a subcommand is required")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	printUsage(stderr)
	return usagef("unknown subcommand %q", args[0])
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `hse: HSE Digital, the health, safety and environment compliance platform.

Usage:
  hse <subcommand> [flags]

Subcommands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "hse <subcommand> --help" for its flags.
`+envHelp)
}

// envHelp is shared by every help text: all configuration comes from the
// environment.
const envHelp = `
Environment:
  HSE_ENV                  development (default) or production
  PORT                     API port (default 3001)
  HSE_LISTEN_ADDR          HOST:PORT to listen on, e.g. 127.0.0.1:3001 (default :PORT, every interface)
  METRICS_PORT             serve /metrics on its own port, on HSE_LISTEN_ADDR's host (default: on PORT)
  DATABASE_URL             postgres://USER:PASS@HOST:5432/DB, or sqlite:PATH;
                           unset: embedded SQLite at $HSE_DATA_DIR/hse.db
  DATABASE_POOL_SIZE       maximum open database connections (default 10)
  JWT_SECRET               access-token signing secret (production: required, >= 32 bytes)
  JWT_SECRET_PREVIOUS      previous access-token secret, still accepted for verification
  REFRESH_SECRET           refresh-token hashing secret (production: required, >= 32 bytes)
  REFRESH_SECRET_PREVIOUS  previous refresh-token secret, still accepted for verification
  REDIS_URL                redis://HOST:6379 (or REDIS_HOST and REDIS_PORT); optional
  HSE_DATA_DIR             data directory (default ./data)
  LOG_LEVEL                debug, info (default), warn or error
  LOG_FORMAT               json (default) or text
  HSE_SHUTDOWN_DELAY       keep serving this long after SIGTERM with readiness 503 (default 0s)
  HSE_DRAIN_TIMEOUT        time in-flight requests get to finish on shutdown (default 25s)
  HSE_PUBLIC_URL           address users reach, for links in e-mails (default http://localhost:3001)
  CORS_ORIGINS             comma-separated origins allowed to call the API cross-origin
  HSE_TRUST_PROXY          true behind a proxy that sets X-Forwarded-For/-Proto (default false)
  HSE_MAX_BODY_BYTES       largest JSON request body (default 1048576)
  HSE_RATE_LIMIT_USER      authenticated requests per minute per user (default 600)
  HSE_RATE_LIMIT_ORG       authenticated requests per minute per organization (default 3000)
  HSE_PRINCIPAL_CACHE_TTL  reuse of a resolved session and role per replica (default 5s)
  HSE_BACKUP_DIR           where backups go (default $HSE_DATA_DIR/backups)
  HSE_BACKUP_BUCKET        also upload backups there: s3://BUCKET/PREFIX?region=R[&endpoint=URL]
                           or file:///path; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
  HSE_BACKUP_KEEP_DAILY, HSE_BACKUP_KEEP_WEEKLY, HSE_BACKUP_KEEP_MONTHLY
                           retention (default 7, 4, 12)
  HSE_BACKUP_RPO           a last backup older than this is stale (default 26h)
  HSE_BACKUP_SCHEDULE      cron in UTC for backups made by the server, e.g. "0 2 * * *" (default off)
  HSE_AUDIT_SCHEDULE       cron in UTC for creating due audits in organizations that turned
                           automatic scheduling on (default "30 1 * * *"; "off" disables)
  HSE_PERMIT_EXPIRY_INTERVAL how often permits past their valid-to become Expired
                           (default 1m, 1s to 1h; "off" disables)
  HSE_ACTION_OVERDUE_SCHEDULE cron in UTC for announcing overdue and escalated actions
                           (default "5 * * * *"; "off" disables)
  HSE_FILES_BUCKET         where uploaded files go (default $HSE_DATA_DIR/files): s3://BUCKET/PREFIX?...
                           or file:///path; not part of backups
  HSE_UPLOAD_MAX_BYTES     largest uploaded file (default 26214400)
  HSE_IMAGE_MAX_PIXELS     largest image decoded for a thumbnail (default 40000000)
  SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM, SMTP_TLS, SMTP_TIMEOUT
                           outgoing mail; without SMTP_HOST mail goes to $HSE_DATA_DIR/mail
`

// newFlagSet builds a flag set whose -h prints the subcommand's usage and
// the environment table, and whose errors are usage errors.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("hse "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage:\n  %s\n\n", usage)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
		fmt.Fprint(e.stdout, envHelp)
	}
	return fs
}

// parseFlags parses args and turns parse failures into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	return nil
}
