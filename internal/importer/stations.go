package importer

import (
	"context"
	"reflect"
	"strings"

	"github.com/hsedigital/hse/internal/station"
)

// Stations are matched on their code, which is their external code.
func init() {
	specs[KindStations] = kindSpec{
		columns: []Column{
			{Name: "code", Required: true, Aliases: []string{"station code", "site code"}},
			{Name: "name", Required: true, Aliases: []string{"station name", "site name"}},
			{Name: "brand"},
			{Name: "region"},
			{Name: "address"},
			{Name: "latitude", Aliases: []string{"lat"}},
			{Name: "longitude", Aliases: []string{"lon", "lng", "long"}},
			{Name: "risk_category", Field: "riskCategory", Aliases: []string{"risk"}},
			{Name: "audit_frequency", Field: "auditFrequency", Aliases: []string{"frequency"}},
			{Name: "active"},
		},
		key:   func(r Record) string { v, _ := r.Get("code"); return strings.ToUpper(v) },
		chunk: importStations,
	}
}

func importStations(ctx context.Context, r *run, tx Tx, recs []Record) ([]func(context.Context), error) {
	codes := make([]string, len(recs))
	for i, rec := range recs {
		codes[i], _ = rec.Get("code")
	}
	existing, err := tx.FindStationsByCode(ctx, r.p.OrgID, codes)
	if err != nil {
		return nil, err
	}
	now := r.svc.now()
	var created []*station.Station // inserted together at the end of the chunk
	for _, rec := range recs {
		c := r.check(rec)
		in := station.Input{Code: c.text("code"), Name: c.text("name"), Brand: c.text("brand"), Region: c.text("region"),
			Address: c.text("address"), Latitude: c.number("latitude"), Longitude: c.number("longitude"),
			RiskCategory: c.enum("risk_category", station.RiskCategories), AuditFrequency: c.enum("audit_frequency", station.AuditFrequencies),
			Active: c.boolean("active")}
		code, _ := rec.Get("code")
		old := existing[code]
		st, err := station.Build(old, in, now)
		if err != nil {
			if err := c.domain(err); err != nil {
				return nil, err
			}
		}
		if !c.ok() {
			continue
		}
		if old == nil {
			r.im.Created++
			if r.dryRun {
				continue
			}
			created = append(created, st)
			r.emit("station:created", "station", st.ID, station.EventPayload(st))
			r.audit(ctx, "station.created", "station", st.ID, nil, station.Snapshot(st))
			continue
		}
		before, after := station.Snapshot(old), station.Snapshot(st)
		if reflect.DeepEqual(before, after) {
			r.im.Unchanged++
			continue
		}
		r.im.Updated++
		if r.dryRun {
			continue
		}
		st.Version, st.UpdatedAt = old.Version+1, now
		if err := tx.UpdateStation(ctx, r.p.OrgID, st, old.Version); err != nil {
			return nil, err
		}
		typ := "station:updated"
		if old.Active != st.Active {
			typ = "station:active_changed"
		}
		r.emit(typ, "station", st.ID, station.EventPayload(st))
		r.audit(ctx, "station.updated", "station", st.ID, before, station.Snapshot(st))
	}
	return nil, tx.CreateStations(ctx, r.p.OrgID, created)
}
