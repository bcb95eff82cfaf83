package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hsedigital/hse/internal/hse"
)

// kindSpec is how one kind of record is imported.
type kindSpec struct {
	columns []Column
	// key is a record's identity in the file (its external code); two rows
	// with the same key are refused.
	key func(Record) string
	// chunk validates records inside tx and, unless r.dryRun, writes the
	// valid ones there. What must happen after the commit (an invitation's
	// own transaction and mail) it returns as later.
	chunk func(ctx context.Context, r *run, tx Tx, recs []Record) (later []func(context.Context), err error)
}

var specs = map[string]kindSpec{}

// run is one import in progress.
type run struct {
	svc     *Service
	p       *hse.Principal
	im      *Import
	mapping *Mapping
	dryRun  bool
	// events and audits wait for the end of their chunk, to be written
	// together.
	events []*hse.Event
	audits []*hse.AuditEntry
}

// errDryRun rolls a dry run's chunk back after it was validated.
var errDryRun = errors.New("dry run")

// run imports t into im, storing progress after every chunk. Row problems
// are recorded in im; only a failure of the import itself is returned
// (and recorded as failed).
func (s *Service) run(ctx context.Context, p *hse.Principal, im *Import, t *Table) error {
	spec := specs[im.Kind]
	m, headerErrs := MapHeader(t.Header, spec.columns)
	if len(headerErrs) > 0 {
		im.addErrors(headerErrs)
		im.Failed, im.Processed = im.Total, im.Total
		return s.finish(ctx, p, im, StatusFailed)
	}
	r := &run{svc: s, p: p, im: im, mapping: m, dryRun: im.DryRun}
	lim := s.limits()
	recs := make([]Record, 0, len(t.Rows))
	seen := map[string]int{}
	for _, row := range t.Rows {
		rec, errs := m.Record(row, lim.MaxCell)
		if len(errs) == 0 {
			if k := spec.key(rec); k != "" {
				if first, dup := seen[k]; dup {
					errs = append(errs, RowError{Line: row.Line, Message: fmt.Sprintf("the same record as line %d", first)})
				} else {
					seen[k] = row.Line
				}
			}
		}
		if len(errs) > 0 {
			r.fail(errs...)
			continue
		}
		recs = append(recs, rec)
	}
	chunk := orDefault(s.ChunkRows, DefaultChunkRows)
	for start := 0; start < len(recs); start += chunk {
		part := recs[start:min(start+chunk, len(recs))]
		var later []func(context.Context)
		err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
			var err error
			r.events, r.audits = nil, nil
			if later, err = spec.chunk(ctx, r, tx, part); err != nil {
				return err
			}
			if err := tx.EmitEvents(ctx, r.events); err != nil {
				return err
			}
			if err := tx.AppendAudits(ctx, r.audits); err != nil {
				return err
			}
			if r.dryRun {
				return errDryRun
			}
			// A real run's progress commits with the rows it counts: one
			// commit per chunk instead of two.
			im.Processed = im.Failed + im.Created + im.Updated + im.Unchanged
			im.UpdatedAt = s.now()
			return tx.UpdateImport(ctx, p.OrgID, im)
		})
		if err != nil && !errors.Is(err, errDryRun) {
			im.addErrors([]RowError{{Line: part[0].Line, Message: "the import stopped here: " + publicMessage(err) +
				"; rows before it are imported, and running the file again continues"}})
			_ = s.finish(ctx, p, im, StatusFailed)
			return err
		}
		for _, fn := range later {
			fn(ctx)
		}
		if r.dryRun || len(later) > 0 {
			// A dry run's chunk was rolled back, and invitations may have
			// turned rows into failures after the commit.
			im.Processed = im.Failed + im.Created + im.Updated + im.Unchanged
			if err := s.progress(ctx, p, im); err != nil {
				return err
			}
		}
	}
	im.Processed = im.Total
	status := StatusSucceeded
	if im.Failed > 0 {
		status = StatusPartial
	}
	return s.finish(ctx, p, im, status)
}

// publicMessage is what an import's report may say of an error: a domain
// error's message, "internal error" for anything else (it is logged).
func publicMessage(err error) string {
	var e *hse.Error
	if errors.As(err, &e) && e.Kind != hse.KindInternal {
		return e.Message
	}
	return "internal error"
}

func (s *Service) progress(ctx context.Context, p *hse.Principal, im *Import) error {
	im.UpdatedAt = s.now()
	return s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error { return tx.UpdateImport(ctx, p.OrgID, im) })
}

// finish records the outcome, with an audit entry for a real run.
func (s *Service) finish(ctx context.Context, p *hse.Principal, im *Import, status string) error {
	now := s.now()
	im.Status, im.UpdatedAt, im.FinishedAt = status, now, &now
	// Rows refused while reading come before those refused by the
	// domains; the report reads in the file's order.
	slices.SortStableFunc(im.Errors, func(a, b RowError) int { return cmp.Compare(a.Line, b.Line) })
	return s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if err := tx.UpdateImport(ctx, p.OrgID, im); err != nil {
			return err
		}
		if im.DryRun {
			return nil // a dry run changed nothing to account for
		}
		return tx.AppendAudits(ctx, []*hse.AuditEntry{hse.NewAuditEntry(ctx, p, now, "import.completed", "import", im.ID, nil, map[string]any{
			"kind": im.Kind, "fileName": im.FileName, "status": im.Status, "rows": im.Total, "created": im.Created,
			"updated": im.Updated, "unchanged": im.Unchanged, "failed": im.Failed})})
	})
}

// fail records a row's errors; the row is not imported.
func (r *run) fail(errs ...RowError) {
	r.im.Failed++
	r.im.addErrors(errs)
}

// audit records the audit entry of a record an import changed, written
// with its chunk; its after names the import.
func (r *run) audit(ctx context.Context, action, entityType, id string, before, after map[string]any) {
	if after != nil {
		after["importId"] = r.im.ID
	}
	r.audits = append(r.audits, hse.NewAuditEntry(ctx, r.p, r.svc.now(), action, entityType, id, before, after))
}

// emit records a domain event, written with its chunk.
func (r *run) emit(typ, entityType, id string, payload map[string]any) *hse.Event {
	e := hse.NewEvent(r.p, r.p.OrgID, r.svc.now(), typ, entityType, id, payload)
	r.events = append(r.events, e)
	return e
}
