package seed

import (
	"context"
	"fmt"
	"math"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/station"
)

// Station properties, weighted towards the common cases.
var (
	risks       = []string{"Low", "Medium", "Medium", "Medium", "High", "High", "Critical"}
	frequencies = []string{"Monthly", "Monthly", "Quarterly", "Quarterly", "Quarterly", "Semi-Annually", "Annually"}
)

// stations creates the organization's stations in one transaction: codes
// ST-0001…, a brand, a town of a region, coordinates near the region's
// centre, a risk category, an audit frequency and the site's manager; one
// in fifty is inactive.
func (g *generator) stations(ctx context.Context, org *Org, ppl *staff) error {
	created := g.o.Now.AddDate(-4, -1, 0)
	return g.db.Stations().InTx(ctx, hse.TxScope{OrgID: org.ID, UserID: org.Owner.UserID}, func(tx station.Tx) error {
		for i, id := range org.StationIDs {
			r := regions[g.rng.IntN(len(regions))]
			town := g.pick(r.towns)
			brand := g.pick(brands)
			lat := math.Round((r.lat+(g.rng.Float64()-0.5)*0.6)*1e5) / 1e5
			lon := math.Round((r.lon+(g.rng.Float64()-0.5)*0.9)*1e5) / 1e5
			s := &station.Station{ID: id, Code: fmt.Sprintf("ST-%04d", i+1),
				Name:  fmt.Sprintf("%s %s %s", brand, town, g.pick(siteKinds)),
				Brand: brand, Region: r.name,
				Address:  fmt.Sprintf("%d %s, %s", 1+g.rng.IntN(240), g.pick(streets), town),
				Latitude: &lat, Longitude: &lon, RiskCategory: g.pick(risks), AuditFrequency: g.pick(frequencies),
				ManagerUserIDs: []string{ppl.managerOf[i]}, Active: !g.chance(0.02), Version: 1,
				CreatedAt: created, UpdatedAt: created}
			if i < 10 {
				s.Name = fmt.Sprintf("%s %s", s.Name, []string{"North", "South", "East", "West", "Central", "Junction 12", "Airport", "Harbour", "Retail Park", "Ring Road"}[i])
			}
			if err := tx.CreateStation(ctx, org.ID, s); err != nil {
				return fmt.Errorf("station %s: %w", s.Code, err)
			}
		}
		return nil
	})
}

// contractors creates about one contractor company per 20 stations (at
// least five), each with insurance and a trade licence, some expired or
// expiring soon.
func (g *generator) contractors(ctx context.Context, org *Org) error {
	n := max(5, len(org.StationIDs)/20)
	now := g.o.Now
	return g.db.Contractors().InTx(ctx, hse.TxScope{OrgID: org.ID, UserID: org.Owner.UserID}, func(tx contractor.Tx) error {
		for i := range n {
			t := trades[i%len(trades)]
			name := t.name
			if i >= len(trades) {
				name = fmt.Sprintf("%s (%s)", t.name, regions[(i/len(trades))%len(regions)].name)
			}
			if i >= len(trades)*len(regions) {
				name = fmt.Sprintf("%s %d", name, i)
			}
			id := newID()
			if i == 0 {
				id = g.firstContractor
			}
			status := contractor.StatusActive
			if g.chance(0.1) {
				status = g.pick([]string{contractor.StatusSuspended, contractor.StatusInactive})
			}
			contact := g.personName()
			c := &contractor.Contractor{ID: id, Name: name, LicenceNumber: fmt.Sprintf("LIC-%06d", 100000+g.rng.IntN(900000)),
				Specialization: t.specialization, ContactName: contact,
				ContactEmail: fmt.Sprintf("contact%d@contractor%d.example.com", i+1, i+1),
				ContactPhone: fmt.Sprintf("+44 7700 %06d", g.rng.IntN(1000000)),
				Status:       status, Version: 1, CreatedAt: now.AddDate(-3, 0, 0), UpdatedAt: now.AddDate(-3, 0, 0)}
			if err := tx.CreateContractor(ctx, org.ID, c); err != nil {
				return fmt.Errorf("contractor %s: %w", name, err)
			}
			for _, typ := range []string{"insurance", "licence"} {
				issued := contractor.Day(now.AddDate(0, -g.rng.IntN(24), -g.rng.IntN(28)))
				expires := issued.AddDate(1, 0, 0)
				if typ == "licence" {
					expires = issued.AddDate(3, 0, 0)
				}
				d := &contractor.Document{ID: newID(), ContractorID: id, Type: typ, Number: fmt.Sprintf("%s-%05d", typ[:3], g.rng.IntN(100000)),
					IssuedOn: &issued, ExpiresOn: &expires, CreatedAt: issued}
				if err := tx.CreateContractorDocument(ctx, org.ID, d); err != nil {
					return err
				}
			}
		}
		org.Contractors = n
		return nil
	})
}
