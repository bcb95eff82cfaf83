package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/permit"
)

// GasTestView is one recorded gas test.
type GasTestView struct {
	ID         string             `json:"id"`
	Readings   map[string]float64 `json:"readings" doc:"by gas key: O2 in % by volume, LEL in % of the lower explosive limit, H2S and CO in ppm, or the type's own gases"`
	O2         *float64           `json:"o2,omitempty" doc:"readings.O2, when measured"`
	LEL        *float64           `json:"lel,omitempty" doc:"readings.LEL, when measured"`
	H2S        *float64           `json:"h2s,omitempty" doc:"readings.H2S, when measured"`
	CO         *float64           `json:"co,omitempty" doc:"readings.CO, when measured"`
	TestedAt   time.Time          `json:"testedAt"`
	Tester     string             `json:"tester"`
	Instrument string             `json:"instrument,omitempty"`
	Passed     bool               `json:"passed"`
	Failures   []string           `json:"failures"`
	RecordedBy string             `json:"recordedBy" doc:"the gas tester (permits:gas_test) who recorded it"`
	RecordedAt time.Time          `json:"recordedAt"`
}

func gasTestView(g *permit.GasTest) GasTestView {
	reading := func(k string) *float64 {
		if v, ok := g.Readings[k]; ok {
			return &v
		}
		return nil
	}
	readings := g.Readings
	if readings == nil {
		readings = map[string]float64{}
	}
	return GasTestView{ID: g.ID, Readings: readings, O2: reading("O2"), LEL: reading("LEL"), H2S: reading("H2S"), CO: reading("CO"),
		TestedAt: g.TestedAt, Tester: g.Tester, Instrument: g.Instrument, Passed: g.Passed, Failures: nonNil(g.Failures),
		RecordedBy: g.RecordedBy, RecordedAt: g.RecordedAt}
}

func registerGasTests(api huma.API, d Deps, tags []string) {
	svc := d.Permits
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	huma.Register(api, huma.Operation{OperationID: "recordPermitGasTest", Method: http.MethodPost, Path: "/api/permits/{id}/gas-tests", Tags: tags, Security: bearer,
		DefaultStatus: 201, Summary: "Record a gas test",
		Description: "permits:gas_test (the competence to test), never by the permit's requester (403 SELF_GAS_TEST). " +
			"readings holds a reading for every gas of the permit's type (422 naming readings.<gas> otherwise), judged against the type's limits " +
			"(starter types: O2 19.5-23.5 %, LEL below 10 %, H2S below 10 ppm, CO below 35 ppm); o2, lel, h2s and co are accepted as well. " +
			"Every test is kept and the latest counts. While the permit is Active, a passing test sets retestDueAt (testedAt + the type's " +
			"re-test interval) and a failing one suspends the work at once (status Suspended, work_permit:suspended to the issuer). " +
			"Until the permit is finished (409 PERMIT_FINISHED); a type without gases is 409 GAS_TEST_NOT_NEEDED. The response is the permit."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				Readings   map[string]float64 `json:"readings,omitempty" doc:"by gas key, e.g. {\"O2\": 20.9, \"LEL\": 0}"`
				O2         *float64           `json:"o2,omitempty" doc:"% by volume (readings.O2)"`
				LEL        *float64           `json:"lel,omitempty" doc:"% of the lower explosive limit (readings.LEL)"`
				H2S        *float64           `json:"h2s,omitempty" doc:"ppm (readings.H2S)"`
				CO         *float64           `json:"co,omitempty" doc:"ppm (readings.CO)"`
				TestedAt   *time.Time         `json:"testedAt,omitempty" doc:"default now"`
				Tester     string             `json:"tester" maxLength:"200" doc:"who took the readings"`
				Instrument string             `json:"instrument,omitempty" maxLength:"200"`
				Version    *int64             `json:"version,omitempty"`
			}
		}) (*permitOutput, error) {
			v, err := permitVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			b := in.Body
			g := permit.GasTestInput{Readings: map[string]float64{}, Tester: b.Tester, Instrument: b.Instrument}
			for k, r := range b.Readings {
				g.Readings[k] = r
			}
			for k, r := range map[string]*float64{"O2": b.O2, "LEL": b.LEL, "H2S": b.H2S, "CO": b.CO} {
				if r != nil {
					g.Readings[k] = *r
				}
			}
			if b.TestedAt != nil {
				g.TestedAt = *b.TestedAt
			}
			pd, _, err := svc.RecordGasTest(ctx, principalFrom(ctx), in.ID, v, g)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})
}
