package sqlstore

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

// overdueBatch bounds one transaction of the overdue job.
const overdueBatch = 500

// AnnounceOverdue emits "action:overdue" for each open action past its due
// day, and "action:escalated" for those capa.EscalationDays or more past
// it, once per action and due date (overdue_for and escalated_for
// remember the due date announced). The day is the one at now in the
// action's station's time zone, or else its organization's
// (settings.timeZone), or else UTC. It works across
// organizations, in batches, and reports how many events it emitted.
func (s *CapaStore) AnnounceOverdue(ctx context.Context, now time.Time) (overdue, escalated int, err error) {
	// No organization's day is later than the day at UTC+14: rows due
	// before it are candidates, each then judged by its organization's day.
	latest := hse.Today(now, time.FixedZone("UTC+14", 14*3600))
	for _, k := range []struct {
		typ, column string
		lag         int // days past the due day
		count       *int
	}{
		{capa.TypeOverdue, "overdue_for", 0, &overdue},
		{capa.TypeEscalated, "escalated_for", capa.EscalationDays - 1, &escalated},
	} {
		var after overdueKey
		for {
			n, next, more, err := s.announceBatch(ctx, k.typ, k.column, k.lag, latest.AddDate(0, 0, -k.lag), now, after)
			if err != nil {
				return overdue, escalated, err
			}
			*k.count += n
			if !more {
				break
			}
			after = next
		}
	}
	return overdue, escalated, nil
}

// overdueKey is where a batch of the overdue job resumes.
type overdueKey struct{ org, id string }

// announceBatch announces one batch of candidates after key; candidates
// not yet due in their organization's zone are skipped, so the batches
// walk the keys rather than re-reading the head.
func (s *CapaStore) announceBatch(ctx context.Context, typ, column string, lag int, dueBefore, now time.Time, after overdueKey) (int, overdueKey, bool, error) {
	n, last, more := 0, after, false
	err := s.db.InTx(ctx, Scope{Platform: true}, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT a.organization_id, o.settings, COALESCE(s.time_zone, ''), `+prefixed("a.", actionColumns)+` FROM actions a
			JOIN organizations o ON o.id = a.organization_id
			LEFT JOIN stations s ON s.organization_id = a.organization_id AND s.id = a.station_id
			WHERE a.status IN ('Open', 'In Progress') AND a.due_on < ? AND (a.`+column+` IS NULL OR a.`+column+` <> a.due_on)
				AND (a.organization_id > ? OR (a.organization_id = ? AND a.id > ?))
			ORDER BY a.organization_id, a.id LIMIT ?`, day(dueBefore), after.org, after.org, after.id, overdueBatch)
		if err != nil {
			return err
		}
		type due struct {
			org   string
			today time.Time
			a     *capa.Action
		}
		var list []due
		zones := map[string]time.Time{}
		count := 0
		for rows.Next() {
			var org string
			var settings nullJSON
			var stationZone string
			a, err := scanAction(scanPrefix{rows, []any{&org, &settings, &stationZone}})
			if err != nil {
				rows.Close()
				return err
			}
			count++
			last = overdueKey{org, a.ID}
			// A station with its own zone counts its days there;
			// otherwise the organization's zone decides.
			zone := "station:" + stationZone
			today, ok := zones[zone]
			if stationZone == "" {
				zone = "org:" + org
				today, ok = zones[zone]
			}
			if !ok {
				tz := stationZone
				if tz == "" {
					var st identity.OrgSettings
					if err := jsonScan(settings.NullString, &st); err != nil {
						rows.Close()
						return err
					}
					tz = st.TimeZone
				}
				today = hse.Today(now, hse.LoadLocation(tz))
				zones[zone] = today
			}
			if a.DueOn.Before(today.AddDate(0, 0, -lag)) {
				list = append(list, due{org, today, a})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		more = count == overdueBatch
		at := utc(now)
		for _, d := range list {
			if _, err := tx.Exec(ctx, `UPDATE actions SET `+column+` = due_on WHERE organization_id = ? AND id = ?`, d.org, d.a.ID); err != nil {
				return err
			}
			payload := capa.EventPayload(d.a)
			payload["daysOverdue"] = int(d.today.Sub(d.a.DueOn).Hours() / 24)
			if err := tx.Emit(ctx, hse.NewEvent(nil, d.org, at, typ, "action", d.a.ID, payload)); err != nil {
				return err
			}
		}
		n = len(list)
		return nil
	})
	return n, last, more, err
}

// scanPrefix scans leading columns into extra destinations before the
// row's own.
type scanPrefix struct {
	row   interface{ Scan(...any) error }
	first []any
}

func (s scanPrefix) Scan(dest ...any) error {
	return s.row.Scan(append(append([]any{}, s.first...), dest...)...)
}
