package importer

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/station"
)

// Service runs imports: permission checks, validation by the domains'
// own rules, writes in chunked transactions with their audit entries, and
// the progress a caller polls.
type Service struct {
	Store   Store
	Inviter Inviter
	Log     *slog.Logger
	Now     func() time.Time
	Limits  Limits
	// SyncRows is the largest file (in rows) imported within the request;
	// larger files run in the background and are polled.
	SyncRows int
	// ChunkRows is how many rows one transaction writes.
	ChunkRows int
	// StaleAfter is how long a running import may go without progress
	// before it is shown as interrupted (its process stopped).
	StaleAfter time.Duration

	wg sync.WaitGroup
}

// Defaults of the service's knobs.
const (
	DefaultSyncRows   = 500
	DefaultChunkRows  = 500
	DefaultStaleAfter = 10 * time.Minute
)

func (s *Service) now() time.Time { return hse.Now(s.Now) }

func (s *Service) limits() Limits {
	if s.Limits.MaxBytes == 0 {
		return DefaultLimits
	}
	return s.Limits
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// Wait blocks until the background imports have finished; the server
// calls it when it shuts down and tests before they close the database.
func (s *Service) Wait() { s.wg.Wait() }

// KindPermissions are the permissions importing a kind needs: those that
// create and change its records, as the one-by-one API asks.
var KindPermissions = map[string][]hse.Permission{
	KindStations:            {station.PermCreate, station.PermUpdate},
	KindContractors:         {contractor.PermCreate, contractor.PermUpdate},
	KindContractorDocuments: {contractor.PermUpdate},
	KindMembers:             {hse.PermUsersInvite},
}

// MayImport checks, before anything is read, that the caller may import
// a kind: every permission of KindPermissions and an organization-wide
// role (an import matches records across the whole organization).
func MayImport(p *hse.Principal, kind string) error {
	perms, ok := KindPermissions[kind]
	if !ok {
		return hse.Invalid("unknown kind of import", hse.FieldError{Field: "kind", Message: "one of " + strings.Join(Kinds, ", ")})
	}
	for _, perm := range perms {
		if err := p.Require(perm); err != nil {
			return err
		}
	}
	if !p.Scope.All() {
		return hse.Forbidden("IMPORT_NEEDS_ORGANIZATION_ROLE", "imports need a role that covers the whole organization")
	}
	return nil
}

// mayImport is MayImport as a yes or no, for reads.
func mayImport(p *hse.Principal, kind string) bool { return MayImport(p, kind) == nil }

// Start imports a parsed file. Files up to SyncRows rows are imported
// before Start returns; larger ones run in the background and the
// returned Import is running: poll Import for its progress.
func (s *Service) Start(ctx context.Context, p *hse.Principal, kind, fileName string, t *Table, dryRun bool) (*Import, error) {
	if err := MayImport(p, kind); err != nil {
		return nil, err
	}
	now := s.now()
	im := &Import{ID: hse.NewID(), Kind: kind, Format: t.Format, FileName: cleanFileName(fileName), DryRun: dryRun,
		Status: StatusRunning, Total: len(t.Rows), Errors: []RowError{}, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error { return tx.CreateImport(ctx, p.OrgID, im) })
	if err != nil {
		return nil, err
	}
	if im.Total <= orDefault(s.SyncRows, DefaultSyncRows) {
		if err := s.run(ctx, p, im, t); err != nil {
			return nil, err
		}
		return im, nil
	}
	// The background run outlives the request: it keeps the request's
	// metadata for the audit trail but nothing else of its context (no
	// deadline, no transaction an Idempotency-Key holds open).
	bg := hse.WithRequestMeta(context.Background(), hse.RequestMetaFrom(ctx))
	first := *im
	// It starts once the import's row is committed: a request with an
	// Idempotency-Key commits at its very end, and a run that started
	// before would find no row to record its progress in.
	hse.AfterCommit(ctx, func() {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.run(bg, p, im, t); err != nil {
				s.Log.ErrorContext(bg, "import failed", "import", im.ID, "org", p.OrgID, "err", err)
			}
		}()
	})
	return &first, nil
}

// cleanFileName keeps a displayable name of at most 200 characters.
func cleanFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return strings.TrimSpace(name)
}

// Import returns one import of the caller's organization; an import of a
// kind the caller may not run is not found.
func (s *Service) Import(ctx context.Context, p *hse.Principal, id string) (*Import, error) {
	if !slices.ContainsFunc(Kinds, func(k string) bool { return mayImport(p, k) }) {
		return nil, MayImport(p, KindMembers) // names a missing permission
	}
	var im *Import
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		im, err = tx.FindImport(ctx, p.OrgID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !mayImport(p, im.Kind) {
		return nil, hse.NotFound("import")
	}
	s.markStale(im)
	return im, nil
}

// Imports lists the latest imports of the kinds the caller may run.
func (s *Service) Imports(ctx context.Context, p *hse.Principal, limit int) ([]Import, error) {
	var kinds []string
	for _, k := range Kinds {
		if mayImport(p, k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return nil, MayImport(p, KindMembers)
	}
	var out []Import
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		out, err = tx.FindImports(ctx, p.OrgID, kinds, limit)
		return err
	})
	for i := range out {
		s.markStale(&out[i])
	}
	return out, err
}

// markStale shows a running import that has made no progress for
// StaleAfter as interrupted: the process running it stopped.
func (s *Service) markStale(im *Import) {
	stale := s.StaleAfter
	if stale == 0 {
		stale = DefaultStaleAfter
	}
	if im.Status == StatusRunning && s.now().Sub(im.UpdatedAt) > stale {
		im.Status = StatusInterrupted
	}
}
