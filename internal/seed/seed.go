// Package seed generates demo data at a chosen volume: organizations with
// an owner and members of every role, stations, contractors, and years of
// audits with their scores, findings and corrective actions. It backs
// `hse seed --demo` and the audit benchmarks, which measure the API
// against an organization of 1,000 stations and 100,000 audits (scale 1).
//
// Organizations, users, stations and contractors go through the stores'
// own methods; audits, findings and actions, which are the volume, are
// written with multi-row INSERTs in large transactions, and the number
// counters are set once at the end, so audits scheduled later continue
// each series without a gap.
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// Volumes of one organization at scale 1.
const (
	StationsAtScale1 = 1000
	AuditsAtScale1   = 100000
)

// DefaultPassword is the password of every demo account unless another is
// given.
const DefaultPassword = "demo-password-2026"

// ErrNotEmpty is returned when the database already holds data and Force
// is not set.
var ErrNotEmpty = errors.New("the database already holds data; seed only an empty database (or pass --force to add demo organizations anyway)")

// Options say how much to generate.
type Options struct {
	// Scale multiplies the volume of each organization: 1 gives 1,000
	// stations and 100,000 audits; 0.01 gives 10 and 1,000.
	Scale float64
	// Orgs is the number of demo organizations (default 2).
	Orgs int
	// Password is every demo account's password (default DefaultPassword).
	Password string
	// Force seeds a database that already holds data.
	Force bool
	// Now is the reference time (default the wall clock): audits spread
	// over the four years before it and the quarter after.
	Now time.Time
	// Seed makes the data reproducible (default 1).
	Seed uint64
	// Progress receives one line per step (default: discarded).
	Progress io.Writer
}

// Account is a demo login.
type Account struct {
	Email  string
	Role   string // system role key
	UserID string
}

// Org is what was generated for one organization.
type Org struct {
	ID, Name, Slug string
	Owner          Account
	Members        []Account // including the owner
	StationIDs     []string
	Contractors    int
	Audits         int
	Findings       int
	Actions        int
	// ByStatus counts the audits of each status.
	ByStatus map[string]int
}

// Result is the generated data, for printing and for tests.
type Result struct {
	Password string
	Orgs     []Org
}

// Counts returns the stations and audits of one organization at scale.
func Counts(scale float64) (stations, audits int) {
	stations = max(1, int(math.Round(StationsAtScale1*scale)))
	audits = max(0, int(math.Round(AuditsAtScale1*scale)))
	return stations, audits
}

// Run generates the demo data into db, which must be migrated.
func Run(ctx context.Context, db *sqlstore.DB, o Options) (*Result, error) {
	if o.Scale <= 0 || o.Scale > 100 {
		return nil, fmt.Errorf("scale must be above 0 and at most 100, not %g", o.Scale)
	}
	if o.Orgs == 0 {
		o.Orgs = 2
	}
	if o.Orgs < 0 || o.Orgs > 50 {
		return nil, fmt.Errorf("orgs must be 1 to 50, not %d", o.Orgs)
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if err := auth.ValidatePassword(o.Password, ""); err != nil {
		return nil, fmt.Errorf("the demo password: %w", err)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Microsecond)
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if !o.Force {
		has, err := db.HasData(ctx)
		if err != nil {
			return nil, err
		}
		if has {
			return nil, ErrNotEmpty
		}
	}
	g := &generator{db: db, o: o, rng: rand.New(rand.NewPCG(o.Seed, 0x5eed))}
	if err := g.hashPassword(); err != nil {
		return nil, err
	}
	res := &Result{Password: o.Password}
	for i := range o.Orgs {
		org, err := g.org(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("organization %d: %w", i+1, err)
		}
		res.Orgs = append(res.Orgs, *org)
	}
	started := time.Now()
	if err := analyze(ctx, db); err != nil {
		return nil, fmt.Errorf("refreshing the planner statistics: %w", err)
	}
	g.logf("planner statistics refreshed in %s", time.Since(started).Round(time.Millisecond))
	return res, nil
}

// analyzed are the tables a bulk load fills.
var analyzed = []string{"audits", "findings", "actions", "action_events", "stations", "contractors", "contractor_documents",
	"form_templates", "form_versions", "users", "memberships", "counters"}

// analyze refreshes the planner's statistics after the bulk load. Without
// them PostgreSQL plans the audit list as if the tables were still empty
// (nested loops over every audit of the organization: seconds instead of
// milliseconds) until autovacuum gets round to them, and never where
// autovacuum is off. ANALYZE needs the tables' owner, so the transaction
// leaves the application role it starts in.
func analyze(ctx context.Context, db *sqlstore.DB) error {
	return db.InTx(ctx, sqlstore.Scope{Platform: true}, func(tx *sqlstore.Tx) error {
		if db.Engine() == sqlstore.SQLite {
			// A sampled ANALYZE: the planner needs the shape, not exact
			// counts, and a full one reads every index.
			if _, err := tx.Exec(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `ANALYZE`)
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('role', 'none', true)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `ANALYZE `+strings.Join(analyzed, ", "))
		return err
	})
}

// generator carries the state of one run.
type generator struct {
	db     *sqlstore.DB
	o      Options
	rng    *rand.Rand
	pwHash string
	// firstContractor is the company of the organization's contractor
	// member, created with the other contractors.
	firstContractor string
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (g *generator) logf(format string, args ...any) {
	fmt.Fprintf(g.o.Progress, "seed: "+format+"\n", args...)
}

func (g *generator) pick(ss []string) string { return ss[g.rng.IntN(len(ss))] }

// chance is true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// org generates one organization with everything in it.
func (g *generator) org(ctx context.Context, i int) (*Org, error) {
	started := time.Now()
	nStations, nAudits := Counts(g.o.Scale)
	org, err := g.identity(ctx, i, nStations)
	if err != nil {
		return nil, err
	}
	g.logf("%s (%s): owner %s, %d members", org.Name, org.Slug, org.Owner.Email, len(org.Members))
	ppl := people(org)
	if err := g.stations(ctx, org, ppl); err != nil {
		return nil, fmt.Errorf("stations: %w", err)
	}
	g.logf("%s: %d stations", org.Name, len(org.StationIDs))
	if err := g.contractors(ctx, org); err != nil {
		return nil, fmt.Errorf("contractors: %w", err)
	}
	g.logf("%s: %d contractors", org.Name, org.Contractors)
	// Statistics before the bulk load too: the foreign-key checks of every
	// inserted audit are planned from them, and a station table the
	// planner believes empty is scanned in full for each audit.
	if err := analyze(ctx, g.db); err != nil {
		return nil, err
	}
	if err := g.audits(ctx, org, ppl, nAudits); err != nil {
		return nil, fmt.Errorf("audits: %w", err)
	}
	g.logf("%s: done in %s: %d audits, %d findings, %d actions", org.Name, time.Since(started).Round(time.Millisecond),
		org.Audits, org.Findings, org.Actions)
	return org, nil
}
