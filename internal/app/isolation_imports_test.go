package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// importsIsolation covers imports: tenant B can neither read tenant A's
// imports nor reach A's records through codes in its own files.
func importsIsolation() isolationSuite {
	stationsUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		im := decodeImport(t, e.Must(200, e.Call("GET", "/api/imports/"+a.ids["import"], a.owner.Access, nil)))
		if im.Created != 1 || im.Status != "succeeded" {
			t.Errorf("tenant A's import changed: %+v", im)
		}
		s := e.Must(200, e.Call("GET", "/api/stations?q=TA-IMP-1", a.owner.Access, nil)).JSON(t)["items"].([]any)
		if len(s) != 1 || s[0].(map[string]any)["name"] != "Tenant A Imported Forecourt" {
			t.Errorf("tenant A's imported station changed: %v", s)
		}
	}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			csv := "code,name\nTA-IMP-1,Tenant A Imported Forecourt\n"
			im := decodeImport(t, e.Must(200, importFile(e, a.owner.Access, "stations", false, "tenant-a-sites.csv", []byte(csv))))
			a.ids["import"] = im.ID
			a.secrets = append(a.secrets, im.ID, "tenant-a-sites.csv", "TA-IMP-1", "Tenant A Imported Forecourt")

			// B's own file naming A's station code creates B's station and
			// leaves A's alone.
			b := e.Signup("Tenant B Importer")
			r := decodeImport(t, e.Must(200, importFile(e, b.Access, "stations", false, "b.csv", []byte("code,name\nTA-IMP-1,Renamed by B\n"))))
			if r.Created != 1 || r.Updated != 0 {
				t.Errorf("B's import of A's code: %+v", r)
			}
		},
		cases: map[string]isolationCase{
			// B's token without a file: refused as a bad request, nothing of A's.
			"POST /api/imports":     {kind: "list", after: stationsUnchanged},
			"GET /api/imports":      {kind: "list"},
			"GET /api/imports/{id}": {kind: "target", params: map[string]string{"{id}": "import"}},
		},
	}
}
