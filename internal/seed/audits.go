package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// auditsPerTx is how many audits (with their findings and actions) one
// transaction writes: large enough to amortise the commit, small enough
// that progress shows and a failure loses little.
const auditsPerTx = 10000

// profile is one scored outcome of a template: answers drawn at a failure
// rate and scored by the real scoring function. Audits reuse a few dozen
// outcomes per template instead of scoring 100,000 answer sets.
type profile struct {
	res       checklist.Result
	breakdown string
}

// version is a published template version audits are conducted against.
type version struct {
	id       string
	def      checklist.Definition
	profiles []profile
	failing  []int // indexes of profiles with at least one failed item
}

// plannedAudit is one audit before it is written.
type plannedAudit struct {
	sched   time.Time
	station int
	ver     *version
}

// versions loads the organization's published starter templates and
// scores a set of outcomes for each.
func (g *generator) versions(ctx context.Context, orgID string) ([]*version, error) {
	var out []*version
	err := g.db.Audits().InTx(ctx, hse.TxScope{OrgID: orgID, ReadOnly: true}, func(tx audit.Tx) error {
		ts, err := tx.FindTemplates(ctx, orgID, audit.TemplateFilter{}, hse.PageRequest{Limit: 100})
		if err != nil {
			return err
		}
		for _, t := range ts.Items {
			v, err := tx.FindLatestPublished(ctx, orgID, t.ID)
			if err != nil {
				return err
			}
			out = append(out, &version{id: v.ID, def: v.Definition})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the organization has no published template")
	}
	for _, v := range out {
		// Most audits find little wrong; a few find a lot.
		rates := []float64{0, 0, 0, 0.01, 0.02, 0.04, 0.08, 0.15}
		for k := range 64 {
			res := checklist.Score(&v.def, g.answers(&v.def, rates[k%len(rates)]))
			b, err := json.Marshal(res)
			if err != nil {
				return nil, err
			}
			v.profiles = append(v.profiles, profile{res: res, breakdown: string(b)})
			if len(res.Failed) > 0 {
				v.failing = append(v.failing, k)
			}
		}
	}
	return out, nil
}

// answers draws an answer to every item, failing scored ones at rate.
func (g *generator) answers(d *checklist.Definition, rate float64) checklist.Answers {
	as := checklist.Answers{}
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	for _, l := range d.Items() {
		it := l.Item
		fail := g.chance(rate)
		var a checklist.Answer
		switch it.Type {
		case checklist.PassFailNA:
			a.Value = str("pass")
			if fail {
				a.Value = str("fail")
			} else if g.chance(0.05) {
				a.Value = str("na")
			}
		case checklist.YesNo:
			a.Value = str("yes")
			if fail {
				a.Value = str("no")
			}
		case checklist.Rating:
			a.Value = json.RawMessage(fmt.Sprint(4 + g.rng.IntN(2)))
			if fail {
				a.Value = json.RawMessage(fmt.Sprint(1 + g.rng.IntN(2)))
			}
		case checklist.Number:
			n := 0.0
			if it.Min != nil {
				n = *it.Min
			}
			if it.Max != nil {
				n = (n + *it.Max) / 2
			}
			a.Value = json.RawMessage(fmt.Sprint(n))
		case checklist.Date:
			a.Value = str(g.o.Now.Format(time.DateOnly))
		case checklist.Choice:
			if len(it.Options) > 0 {
				a.Value = str(it.Options[0])
			}
		case checklist.Photo:
			// Demo data carries no files: a photo item records that the
			// picture was kept on the paper form rather than pointing at
			// an upload that does not exist.
			a.Note = "Photo kept with the paper form (demo data)"

		default:
			a.Value = str("Checked")
		}
		if fail && g.chance(0.3) {
			a.Severity = checklist.SeverityMajor
		}
		as[it.Key] = a
	}
	return as
}

// audits plans n audits over the four years before now and the quarter
// after, spread over the stations, numbers them in date order and writes
// them with their findings and actions.
func (g *generator) audits(ctx context.Context, org *Org, ppl *staff, n int) error {
	vs, err := g.versions(ctx, org.ID)
	if err != nil {
		return err
	}
	// The monthly inspection serves monthly stations, the quarterly audit
	// the others (the starters come sorted by name).
	freq := map[int]bool{}
	for i := range org.StationIDs {
		freq[i] = g.chance(0.4)
	}
	start := g.o.Now.AddDate(-4, 0, 0)
	days := int(g.o.Now.AddDate(0, 3, 0).Sub(start).Hours() / 24)
	plan := make([]plannedAudit, n)
	for i := range plan {
		st := g.rng.IntN(len(org.StationIDs))
		v := vs[0]
		if freq[st] && len(vs) > 1 {
			v = vs[1]
		}
		plan[i] = plannedAudit{sched: day(start.AddDate(0, 0, g.rng.IntN(days+1))), station: st, ver: v}
	}
	slices.SortStableFunc(plan, func(a, b plannedAudit) int { return a.sched.Compare(b.sched) })

	w := &auditWriter{g: g, org: org, ppl: ppl, counters: map[string]int64{}, today: day(g.o.Now)}
	began := time.Now()
	// The first transaction is small: its foreign-key checks run against
	// tables the planner still believes empty (a full scan per row), until
	// the statistics are refreshed after it.
	for lo, hi := 0, 0; lo < len(plan); lo = hi {
		hi = min(lo+auditsPerTx, len(plan))
		if lo == 0 {
			hi = min(1000, len(plan))
		}
		err := g.db.InTx(ctx, sqlstore.Scope{OrgID: org.ID, UserID: org.Owner.UserID}, func(tx *sqlstore.Tx) error {
			return w.write(ctx, tx, plan[lo:hi])
		})
		if err != nil {
			return err
		}
		g.logf("%s: audits %d/%d (%s)", org.Name, hi, len(plan), time.Since(began).Round(time.Millisecond))
		if lo == 0 && hi < len(plan) {
			if err := analyze(ctx, g.db); err != nil {
				return err
			}
		}
	}
	// The counters, once, at the last number of each series: the next
	// audit or action continues it.
	return g.db.InTx(ctx, sqlstore.Scope{OrgID: org.ID, UserID: org.Owner.UserID}, func(tx *sqlstore.Tx) error {
		series := make([]string, 0, len(w.counters))
		for s := range w.counters {
			series = append(series, s)
		}
		slices.Sort(series)
		for _, s := range series {
			if _, err := tx.Exec(ctx, `INSERT INTO counters (organization_id, series, value) VALUES (?, ?, ?)
				ON CONFLICT (organization_id, series) DO UPDATE SET value = excluded.value`, org.ID, s, w.counters[s]); err != nil {
				return err
			}
		}
		return nil
	})
}

func day(t time.Time) time.Time { return capa.Day(t) }

// auditWriter turns planned audits into rows.
type auditWriter struct {
	g        *generator
	org      *Org
	ppl      *staff
	counters map[string]int64
	today    time.Time
}

func (w *auditWriter) next(series string) string {
	w.counters[series]++
	return fmt.Sprintf("%s-%04d", series, w.counters[series])
}

// write inserts one transaction's audits, findings, actions and action
// history.
func (w *auditWriter) write(ctx context.Context, tx *sqlstore.Tx, plan []plannedAudit) error {
	g, org, now := w.g, w.org, w.g.o.Now
	audits := newInserter(tx, "audits", "organization_id", "id", "number", "station_id", "form_version_id", "auditor_user_id",
		"status", "scheduled_for", "started_at", "completed_at", "closed_at", "cancelled_at", "cancel_reason", "score", "result",
		"breakdown", "version", "created_by", "created_at", "updated_at")
	findings := newInserter(tx, "findings", "organization_id", "id", "audit_id", "item_key", "severity", "observation",
		"attachment_ids", "action_id", "created_at")
	actions := newInserter(tx, "actions", "organization_id", "id", "number", "source_type", "source_id", "audit_id", "station_id",
		"title", "description", "assignee_user_id", "due_on", "priority", "severity", "status", "completed_by", "completed_at",
		"completion_notes", "verified_by", "verified_at", "version", "created_by", "created_at", "updated_at")
	events := newInserter(tx, "action_events", "organization_id", "id", "action_id", "at", "actor_user_id", "kind",
		"from_status", "to_status", "note")
	findings.after, events.after = []*inserter{audits}, []*inserter{actions}

	for _, p := range plan {
		id := newID()
		stationID := org.StationIDs[p.station]
		manager := w.ppl.managerOf[p.station]
		auditor := w.ppl.auditors[g.rng.IntN(len(w.ppl.auditors))]
		created := p.sched.AddDate(0, 0, -14-g.rng.IntN(14)).Add(time.Duration(8+g.rng.IntN(9)) * time.Hour)
		if created.After(now) {
			created = now
		}
		status := w.status(p.sched)
		var prof *profile
		var started, completed, closed, cancelled *time.Time
		reason, version, updated := "", int64(1), created
		at := func(t time.Time) *time.Time {
			if t.After(now) {
				t = now
			}
			return &t
		}
		switch status {
		case audit.StatusCancelled:
			cancelled, reason, version = at(created.Add(time.Duration(24+g.rng.IntN(240))*time.Hour)), g.pick(cancelReasons), 2
			updated = *cancelled
		case audit.StatusInProgress:
			started, version = at(p.sched.Add(time.Duration(8*60+g.rng.IntN(120))*time.Minute)), 2
			updated = *started
		case audit.StatusCompleted, audit.StatusClosed:
			started = at(p.sched.Add(time.Duration(8*60+g.rng.IntN(120)) * time.Minute))
			completed = at(started.Add(time.Duration(60+g.rng.IntN(150)) * time.Minute))
			k := g.rng.IntN(len(p.ver.profiles))
			if status == audit.StatusCompleted && len(p.ver.failing) > 0 {
				k = p.ver.failing[g.rng.IntN(len(p.ver.failing))]
			}
			prof, version, updated = &p.ver.profiles[k], 3, *completed
			if len(prof.res.Failed) == 0 {
				status, closed = audit.StatusClosed, completed
			} else if status == audit.StatusClosed {
				// Closed when the last action was verified, weeks later.
				c := completed.Add(time.Duration(7*24+g.rng.IntN(40*24)) * time.Hour)
				if c.After(now) {
					status = audit.StatusCompleted
				} else {
					closed, version = &c, 4
				}
			}
			if closed != nil {
				updated = *closed
			}
		}
		var score, result, breakdown any
		if prof != nil {
			score, result, breakdown = prof.res.Score, prof.res.Result, prof.breakdown
		}
		number := w.next(fmt.Sprintf("AUD-%d", p.sched.Year()))
		if err := audits.add(ctx, org.ID, id, number, stationID, p.ver.id, auditor, status, p.sched, nullTime(started),
			nullTime(completed), nullTime(closed), nullTime(cancelled), reason, score, result, breakdown, version,
			w.ppl.compliance, created, updated); err != nil {
			return fmt.Errorf("audits: %w", err)
		}
		org.Audits++
		org.ByStatus[status]++
		if prof == nil {
			continue
		}
		for _, fi := range prof.res.Failed {
			fid, aid := newID(), newID()
			obs := fi.Label
			if g.chance(0.6) {
				obs = g.pick(observations)
			}
			if err := findings.add(ctx, org.ID, fid, id, fi.Key, fi.Severity, obs, "[]", aid, *completed); err != nil {
				return fmt.Errorf("findings: %w", err)
			}
			org.Findings++
			if err := w.action(ctx, actions, events, fid, aid, id, number, stationID, manager, auditor, fi, obs, *completed, closed); err != nil {
				return err
			}
		}
	}
	for _, in := range []*inserter{audits, findings, actions, events} {
		if err := in.flush(ctx); err != nil {
			return fmt.Errorf("%s: %w", in.table, err)
		}
	}
	return nil
}

// status draws an audit's status from its date: future audits are
// scheduled (a few cancelled); today's and the last fortnight's are being
// conducted or just done; older ones are mostly closed, some still waiting
// for their actions, some cancelled.
func (w *auditWriter) status(sched time.Time) string {
	g := w.g
	r := g.rng.Float64()
	switch {
	case sched.After(w.today):
		if r < 0.03 {
			return audit.StatusCancelled
		}
		return audit.StatusScheduled
	case sched.Equal(w.today):
		if r < 0.5 {
			return audit.StatusInProgress
		}
		return audit.StatusScheduled
	case w.today.Sub(sched) <= 14*24*time.Hour:
		switch {
		case r < 0.35:
			return audit.StatusInProgress
		case r < 0.65:
			return audit.StatusCompleted
		case r < 0.9:
			return audit.StatusClosed
		}
		return audit.StatusScheduled
	}
	switch {
	case r < 0.06:
		return audit.StatusCancelled
	case r < 0.14:
		return audit.StatusCompleted
	}
	return audit.StatusClosed
}

// actionPriority is the priority of a finding's action by its severity,
// as audit completion sets it.
var actionPriority = map[string]string{"Critical": "Critical", "Major": "High", "Minor": "Medium"}

// action writes a finding's corrective action and its history: verified
// when the audit is closed, otherwise open, in progress or awaiting
// verification.
func (w *auditWriter) action(ctx context.Context, actions, events *inserter, findingID, id, auditID, auditNumber, stationID,
	manager, auditor string, fi checklist.FailedItem, obs string, completed time.Time, closed *time.Time) error {
	g, orgID := w.g, w.org.ID
	title := auditNumber + ": " + fi.Label
	if r := []rune(title); len(r) > 300 {
		title = string(r[:299]) + "…"
	}
	status := capa.StatusVerified
	if closed == nil {
		status = []string{capa.StatusOpen, capa.StatusOpen, capa.StatusInProgress, capa.StatusInProgress, capa.StatusCompleted}[g.rng.IntN(5)]
	}
	var doneBy, verifiedBy any
	var doneAt, verifiedAt *time.Time
	notes, version, updated := "", int64(1), completed
	switch status {
	case capa.StatusInProgress:
		version, updated = 2, completed.Add(time.Duration(1+g.rng.IntN(72))*time.Hour)
	case capa.StatusCompleted, capa.StatusVerified:
		t := completed.Add(time.Duration(24+g.rng.IntN(96)) * time.Hour)
		if closed != nil && t.After(*closed) {
			t = closed.Add(-time.Hour)
		}
		doneBy, doneAt, notes, version, updated = manager, &t, "Fixed and checked on site.", 3, t
		if status == capa.StatusVerified {
			verifiedBy, verifiedAt, version, updated = w.ppl.compliance, closed, 4, *closed
		}
	}
	if updated.After(w.g.o.Now) {
		updated = w.g.o.Now
	}
	number := w.next(capa.Series(completed))
	if err := actions.add(ctx, orgID, id, number, capa.SourceFinding, findingID, auditID, stationID, title, obs, manager,
		capa.DefaultDue(fi.Severity, completed), actionPriority[fi.Severity], fi.Severity, status, doneBy, nullTime(doneAt), notes,
		verifiedBy, nullTime(verifiedAt), version, auditor, completed, updated); err != nil {
		return fmt.Errorf("actions: %w", err)
	}
	w.org.Actions++
	evs := [][]any{{capa.EventCreated, "", capa.StatusOpen, "", completed, auditor},
		{capa.EventAssigned, "", "", manager, completed, auditor}}
	if status != capa.StatusOpen {
		evs = append(evs, []any{capa.EventStatusChanged, capa.StatusOpen, capa.StatusInProgress, "", completed.Add(time.Hour), manager})
	}
	if doneAt != nil {
		evs = append(evs, []any{capa.EventStatusChanged, capa.StatusInProgress, capa.StatusCompleted, notes, *doneAt, manager})
	}
	if verifiedAt != nil {
		evs = append(evs, []any{capa.EventStatusChanged, capa.StatusCompleted, capa.StatusVerified, "", *verifiedAt, w.ppl.compliance})
	}
	for _, e := range evs {
		if err := events.add(ctx, orgID, newID(), id, e[4], e[5], e[0], e[1], e[2], e[3]); err != nil {
			return fmt.Errorf("action events: %w", err)
		}
	}
	return nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}
