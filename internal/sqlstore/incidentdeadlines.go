package sqlstore

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/incident"
)

// deadlineBatch bounds one transaction of the deadline job.
const deadlineBatch = 500

// AnnounceMissedDeadlines emits "incident:deadline_missed" for every
// incident whose regulatory deadline passed before now without a report to
// the regulator, once per deadline (deadline_missed_for remembers it). It
// works across organizations and reports how many it announced.
func (s *IncidentStore) AnnounceMissedDeadlines(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n := 0
		err := s.db.InTx(ctx, Scope{Platform: true}, func(tx *Tx) error {
			rows, err := tx.Query(ctx, `SELECT organization_id, `+incidentColumns+` FROM incidents
				WHERE regulatory_deadline < ? AND regulator_reported_at IS NULL
				AND (deadline_missed_for IS NULL OR deadline_missed_for <> regulatory_deadline)
				ORDER BY organization_id, id LIMIT ?`, utc(now), deadlineBatch)
			if err != nil {
				return err
			}
			type missed struct {
				org string
				i   *incident.Incident
			}
			var list []missed
			for rows.Next() {
				var org string
				i, err := scanIncident(scanPrefix{rows, []any{&org}})
				if err != nil {
					rows.Close()
					return err
				}
				list = append(list, missed{org, i})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, m := range list {
				if _, err := tx.Exec(ctx, `UPDATE incidents SET deadline_missed_for = regulatory_deadline WHERE organization_id = ? AND id = ?`,
					m.org, m.i.ID); err != nil {
					return err
				}
				payload := map[string]any{"number": m.i.Number, "stationId": m.i.StationID, "type": m.i.Type, "severity": m.i.Severity,
					"regulatoryDeadline": m.i.RegulatoryDeadline.UTC().Format(time.RFC3339), "status": m.i.Status}
				if err := tx.Emit(ctx, hse.NewEvent(nil, m.org, utc(now), incident.TypeDeadlineMissed, "incident", m.i.ID, payload)); err != nil {
					return err
				}
			}
			n = len(list)
			return nil
		})
		total += n
		if err != nil || n < deadlineBatch {
			return total, err
		}
	}
}
