package importer_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/importer"
	"github.com/hsedigital/hse/internal/sqlstore"
	"github.com/hsedigital/hse/internal/station"
)

// fixture is one engine's database with two organizations and the import
// service over it.
type fixture struct {
	db       *sqlstore.DB
	svc      *importer.Service
	a, b     *hse.Principal
	mailMu   sync.Mutex
	mailedTo []string
}

func (f *fixture) Send(_ context.Context, m hse.Mail) error {
	f.mailMu.Lock()
	defer f.mailMu.Unlock()
	f.mailedTo = append(f.mailedTo, m.To)
	return nil
}

func newFixture(t *testing.T, engine string) *fixture {
	t.Helper()
	f := &fixture{db: hsetest.MigratedDB(t, engine)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hasher, err := auth.NewRefreshHasher(strings.Repeat("r", 32), "")
	if err != nil {
		t.Fatal(err)
	}
	inviter := &identity.Service{Store: f.db.Identity(), Hasher: hasher, Mailer: f, Log: log, PublicURL: "http://hse.test"}
	f.svc = &importer.Service{Store: f.db.Imports(), Inviter: inviter, Log: log, ChunkRows: 3}
	t.Cleanup(f.svc.Wait)
	f.a, f.b = seedOrg(t, f.db, "Import A"), seedOrg(t, f.db, "Import B")
	return f
}

// seedOrg creates an organization with the system roles and its owner.
func seedOrg(t *testing.T, db *sqlstore.DB, name string) *hse.Principal {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	p := &hse.Principal{OrgID: hse.NewID(), UserID: hse.NewID(), Permissions: hse.NewPermissionSet(hse.AllPermissions()...),
		Scope: hse.Scope{Kind: hse.ScopeOrganization}}
	p.Email = p.UserID + "@example.com"
	err := db.Identity().InTx(ctx, identity.TxScope{OrgID: p.OrgID}, func(tx identity.Tx) error {
		if err := tx.CreateOrganization(ctx, &identity.Organization{ID: p.OrgID, Name: name, Slug: "s-" + p.OrgID,
			Plan: "free", Status: identity.OrgActive, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, &identity.User{ID: p.UserID, Email: p.Email, Name: "Owner", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for _, rt := range hse.SystemRoles() {
			r := identity.Role{ID: hse.SystemRoleID(rt.Key), Name: rt.Name, System: true, Scope: rt.Scope, Permissions: rt.Permissions,
				CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateRole(ctx, p.OrgID, &r); err != nil {
				return err
			}
		}
		return tx.CreateMembership(ctx, p.OrgID, &identity.Membership{OrgID: p.OrgID, UserID: p.UserID, RoleID: hse.SystemRoleID(hse.RoleOwner),
			CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) importCSV(t *testing.T, p *hse.Principal, kind, csv string, dryRun bool) *importer.Import {
	t.Helper()
	tbl, err := importer.Parse(importer.FormatCSV, strings.NewReader(csv), importer.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	im, err := f.svc.Start(context.Background(), p, kind, kind+".csv", tbl, dryRun)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// counts is an import's outcome in one comparable value.
type counts struct {
	Status                              string
	Created, Updated, Unchanged, Failed int
}

func countsOf(im *importer.Import) counts {
	return counts{im.Status, im.Created, im.Updated, im.Unchanged, im.Failed}
}

func (f *fixture) stations(t *testing.T, p *hse.Principal) map[string]station.Station {
	t.Helper()
	svc := &station.Service{Store: f.db.Stations()}
	page, err := svc.Stations(context.Background(), p, station.Filter{}, hse.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]station.Station{}
	for _, s := range page.Items {
		out[s.Code] = s
	}
	return out
}

func (f *fixture) auditCount(t *testing.T, p *hse.Principal, action string) int {
	t.Helper()
	var n int
	err := f.db.InTx(context.Background(), sqlstore.Scope{OrgID: p.OrgID, ReadOnly: true}, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE organization_id = ? AND action = ?`, p.OrgID, action).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const stationsCSV = `code,name,region,latitude,longitude,risk_category,audit_frequency,active
ST-01,Harbour Road,North,51.5,-0.12,high,Monthly,yes
ST-02,Hill Street,South,,,Low,Annually,
ST-03,Ring Road,,,,,,
ST-04,Bypass,East,,,,,no
`

// A dry run reports every row's errors by line and column and writes
// nothing; a real run creates; the same file again changes nothing; a
// changed row updates, with an audit entry per change.
func TestImportStations(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		bad := stationsCSV + "st 5,,,91,,Severe,,maybe\nST-01,Again,,,,,,\n"
		im := f.importCSV(t, f.a, importer.KindStations, bad, true)
		if d := cmp.Diff(counts{importer.StatusPartial, 4, 0, 0, 2}, countsOf(im)); d != "" {
			t.Errorf("dry run (-want +got):\n%s", d)
		}
		wantErrs := []importer.RowError{
			{Line: 6, Column: "name", Message: "required"},
			{Line: 7, Message: "the same record as line 2"},
		}
		if d := cmp.Diff(wantErrs, im.Errors); d != "" {
			t.Errorf("dry run errors (-want +got):\n%s", d)
		}
		if got := f.stations(t, f.a); len(got) != 0 {
			t.Fatalf("a dry run wrote %d stations", len(got))
		}

		// Domain validation, reported on the file's columns.
		im = f.importCSV(t, f.a, importer.KindStations, "Code,Name,Lat,Risk,Active\nst 5,X,91,Severe,maybe\n", true)
		wantErrs = []importer.RowError{
			{Line: 2, Column: "Active", Message: "yes or no"},
			{Line: 2, Column: "Code", Message: "1 to 32 characters of A-Z, 0-9 and -"},
			{Line: 2, Column: "Lat", Message: "must be between -90 and 90"},
			{Line: 2, Column: "Risk", Message: "one of Low, Medium, High, Critical"},
		}
		if d := cmp.Diff(wantErrs, im.Errors); d != "" {
			t.Errorf("validation errors (-want +got):\n%s", d)
		}

		im = f.importCSV(t, f.a, importer.KindStations, stationsCSV, false)
		if d := cmp.Diff(counts{importer.StatusSucceeded, 4, 0, 0, 0}, countsOf(im)); d != "" {
			t.Errorf("first run (-want +got):\n%s", d)
		}
		got := f.stations(t, f.a)
		st := got["ST-01"]
		if st.Name != "Harbour Road" || st.RiskCategory != "High" || *st.Latitude != 51.5 || !st.Active || got["ST-04"].Active ||
			got["ST-03"].RiskCategory != "Medium" || got["ST-03"].AuditFrequency != "Quarterly" {
			t.Errorf("imported: %+v", got)
		}

		im = f.importCSV(t, f.a, importer.KindStations, stationsCSV, false)
		if d := cmp.Diff(counts{importer.StatusSucceeded, 0, 0, 4, 0}, countsOf(im)); d != "" {
			t.Errorf("second run (-want +got):\n%s", d)
		}
		if again := f.stations(t, f.a); again["ST-01"].Version != 1 {
			t.Errorf("an unchanged row wrote a new version: %d", again["ST-01"].Version)
		}

		changed := strings.Replace(stationsCSV, "Hill Street", "Hill Street West", 1)
		im = f.importCSV(t, f.a, importer.KindStations, changed, false)
		if d := cmp.Diff(counts{importer.StatusSucceeded, 0, 1, 3, 0}, countsOf(im)); d != "" {
			t.Errorf("changed run (-want +got):\n%s", d)
		}
		if s := f.stations(t, f.a)["ST-02"]; s.Name != "Hill Street West" || s.Version != 2 {
			t.Errorf("updated: %+v", s)
		}
		if n := f.auditCount(t, f.a, "station.created"); n != 4 {
			t.Errorf("%d station.created entries, want 4", n)
		}
		if n := f.auditCount(t, f.a, "station.updated"); n != 1 {
			t.Errorf("%d station.updated entries, want 1", n)
		}
		if n := f.auditCount(t, f.a, "import.completed"); n != 3 {
			t.Errorf("%d import.completed entries, want 3 (dry runs are not audited)", n)
		}

		// The other organization sees none of it, and the same codes are
		// its own.
		if got := f.stations(t, f.b); len(got) != 0 {
			t.Errorf("B sees %d stations", len(got))
		}
		if _, err := f.svc.Import(context.Background(), f.b, im.ID); !hse.IsNotFound(err) {
			t.Errorf("B reads A's import: %v", err)
		}
		im = f.importCSV(t, f.b, importer.KindStations, stationsCSV, false)
		if im.Created != 4 {
			t.Errorf("B's import of the same codes: %+v", countsOf(im))
		}
	})
}

// An unknown column stops the whole file before any row is read.
func TestImportHeaderErrors(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		im := f.importCSV(t, f.a, importer.KindStations, "code,name,colour\nST-01,A,red\n", false)
		if im.Status != importer.StatusFailed || len(im.Errors) != 1 || im.Errors[0].Column != "colour" {
			t.Errorf("import: %+v", im)
		}
		if got := f.stations(t, f.a); len(got) != 0 {
			t.Errorf("a file with a bad header wrote %d stations", len(got))
		}
		stored, err := f.svc.Import(context.Background(), f.a, im.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(im.Errors, stored.Errors); d != "" || stored.Status != importer.StatusFailed {
			t.Errorf("stored import differs (-returned +stored):\n%s", d)
		}
	})
}

// Contractors and their documents are matched on their external codes.
func TestImportContractorsAndDocuments(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		contractors := "code,name,contact_email,status\nC-1,Sparks Ltd,office@sparks.example,Active\nC-2,Diggers,,suspended\n"
		if im := f.importCSV(t, f.a, importer.KindContractors, contractors, false); im.Created != 2 || im.Failed != 0 {
			t.Fatalf("contractors: %+v %v", countsOf(im), im.Errors)
		}
		if im := f.importCSV(t, f.a, importer.KindContractors, contractors, false); im.Unchanged != 2 {
			t.Errorf("contractors again: %+v", countsOf(im))
		}
		docs := "contractor_code,code,type,number,issued_on,expires_on\n" +
			"C-1,INS,Insurance,P-1,2026-01-01,2026-12-31\nC-1,LIC,licence,L-9,,46387\nC-9,X,other,,,\nC-2,BAD,insurance,,2026-05-01,2026-04-01\n"
		im := f.importCSV(t, f.a, importer.KindContractorDocuments, docs, false)
		if d := cmp.Diff(counts{importer.StatusPartial, 2, 0, 0, 2}, countsOf(im)); d != "" {
			t.Errorf("documents (-want +got):\n%s", d)
		}
		wantErrs := []importer.RowError{
			{Line: 4, Column: "contractor_code", Message: "no contractor was imported with this code; import the contractors first"},
			{Line: 5, Column: "expires_on", Message: "must not be before issuedOn"},
		}
		if d := cmp.Diff(wantErrs, im.Errors); d != "" {
			t.Errorf("document errors (-want +got):\n%s", d)
		}
		im = f.importCSV(t, f.a, importer.KindContractorDocuments, strings.Replace(docs, "P-1", "P-2", 1), false)
		if d := cmp.Diff(counts{importer.StatusPartial, 0, 1, 1, 2}, countsOf(im)); d != "" {
			t.Errorf("documents again (-want +got):\n%s", d)
		}
		svc := &contractor.Service{Store: f.db.Contractors()}
		page, err := svc.Contractors(ctx, f.a, contractor.Filter{}, hse.PageRequest{Limit: 10})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("contractors: %v %v", page.Items, err)
		}
		for _, c := range page.Items {
			if c.Name != "Sparks Ltd" {
				if c.Status != contractor.StatusSuspended {
					t.Errorf("Diggers: %+v", c)
				}
				continue
			}
			_, got, err := svc.Contractor(ctx, f.a, c.ID)
			if err != nil || len(got) != 2 {
				t.Fatalf("documents of Sparks: %+v %v", got, err)
			}
			numbers := map[string]string{}
			for _, d := range got {
				numbers[d.Type] = d.Number + " " + d.ExpiresOn.Format(time.DateOnly)
			}
			if d := cmp.Diff(map[string]string{"insurance": "P-2 2026-12-31", "licence": "L-9 2026-12-31"}, numbers); d != "" {
				t.Errorf("documents (-want +got):\n%s", d)
			}
		}
		// B's file cannot reach A's contractors through A's codes.
		im = f.importCSV(t, f.b, importer.KindContractorDocuments, docs, false)
		if im.Created != 0 || im.Failed != 4 {
			t.Errorf("B's documents for A's codes: %+v", countsOf(im))
		}
	})
}

// Members become invitations; the same file twice invites nobody twice,
// and a changed role invites again.
func TestImportMembers(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		f.importCSV(t, f.a, importer.KindStations, stationsCSV, false)
		members := "email,role,stations\nann@example.com,Viewer,\nbob@example.com,station manager,ST-01;ST-02\n" +
			"cy@example.com,Station Manager,\ndee@example.com,Viewer,ST-01\nnot-an-address,Viewer,\neve@example.com,Inspector,\n" +
			"fay@example.com,Station Manager,ST-99\n" + f.a.Email + ",Viewer,\n"
		im := f.importCSV(t, f.a, importer.KindMembers, members, true)
		wantErrs := []importer.RowError{
			{Line: 4, Column: "stations", Message: "required for this role: at least one station code"},
			{Line: 5, Column: "stations", Message: "this role covers the whole organization; leave it empty"},
			{Line: 6, Column: "email", Message: "must be an e-mail address such as name@example.com"},
			{Line: 7, Column: "role", Message: "no such role in this organization"},
			{Line: 8, Column: "stations", Message: "no station with code ST-99"},
		}
		if d := cmp.Diff(wantErrs, im.Errors); d != "" {
			t.Errorf("member errors (-want +got):\n%s", d)
		}
		if d := cmp.Diff(counts{importer.StatusPartial, 2, 0, 1, 5}, countsOf(im)); d != "" {
			t.Errorf("dry run (-want +got):\n%s", d)
		}
		if len(f.mailedTo) != 0 {
			t.Errorf("a dry run mailed %v", f.mailedTo)
		}
		im = f.importCSV(t, f.a, importer.KindMembers, members, false)
		if im.Created != 2 {
			t.Errorf("real run: %+v %v", countsOf(im), im.Errors)
		}
		im = f.importCSV(t, f.a, importer.KindMembers, members, false)
		if im.Created != 0 || im.Unchanged != 3 {
			t.Errorf("second run: %+v", countsOf(im))
		}
		im = f.importCSV(t, f.a, importer.KindMembers, "email,role,stations\nbob@example.com,Station Manager,ST-01\n", false)
		if im.Updated != 1 {
			t.Errorf("changed stations: %+v", countsOf(im))
		}
		if n := f.auditCount(t, f.a, "member.invited"); n != 3 {
			t.Errorf("%d member.invited entries, want 3", n)
		}
	})
}

// Importing needs the permissions that create and change the records and
// an organization-wide role.
func TestImportPermissions(t *testing.T) {
	viewer := &hse.Principal{OrgID: "o", Permissions: hse.NewPermissionSet(station.PermRead, station.PermCreate), Scope: hse.Scope{Kind: hse.ScopeOrganization}}
	if err := importer.MayImport(viewer, importer.KindStations); hse.KindOf(err) != hse.KindForbidden {
		t.Errorf("without stations:update: %v", err)
	}
	scoped := &hse.Principal{OrgID: "o", Permissions: hse.NewPermissionSet(station.PermCreate, station.PermUpdate),
		Scope: hse.Scope{Kind: hse.ScopeStations, StationIDs: []string{"s"}}}
	if err := importer.MayImport(scoped, importer.KindStations); hse.KindOf(err) != hse.KindForbidden {
		t.Errorf("station-scoped: %v", err)
	}
	if err := importer.MayImport(viewer, "permits"); hse.KindOf(err) != hse.KindInvalid {
		t.Errorf("unknown kind: %v", err)
	}
}

// A file larger than SyncRows runs in the background; its progress is
// stored after every chunk and its outcome when it ends.
func TestImportInBackground(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		f.svc.SyncRows, f.svc.ChunkRows = 5, 4
		var b strings.Builder
		b.WriteString("code,name\n")
		for i := range 20 {
			b.WriteString("BG-" + string(rune('A'+i)) + ",Station\n")
		}
		im := f.importCSV(t, f.a, importer.KindStations, b.String(), false)
		if im.Status != importer.StatusRunning || im.Total != 20 {
			t.Errorf("started: %+v", im)
		}
		f.svc.Wait()
		done, err := f.svc.Import(context.Background(), f.a, im.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != importer.StatusSucceeded || done.Processed != 20 || done.Created != 20 || done.FinishedAt == nil {
			t.Errorf("finished: %+v", done)
		}
		list, err := f.svc.Imports(context.Background(), f.a, 10)
		if err != nil || len(list) != 1 || list[0].ID != im.ID {
			t.Errorf("list: %+v %v", list, err)
		}
	})
}

// The sample files of docs/import.md import cleanly, in the documented
// order, and a second time change nothing.
func TestImportSamples(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		for _, kind := range []string{importer.KindStations, importer.KindContractors, importer.KindContractorDocuments, importer.KindMembers} {
			data, err := os.ReadFile("../../docs/samples/import/" + kind + ".csv")
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range []string{"first", "second"} {
				im := f.importCSV(t, f.a, kind, string(data), false)
				if im.Status != importer.StatusSucceeded || (run == "second" && im.Unchanged != im.Total) {
					t.Errorf("%s, %s run: %+v", kind, run, im)
				}
			}
		}
		data, err := os.ReadFile("../../docs/samples/import/stations.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := importer.Parse("", bytes.NewReader(data), importer.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		im, err := f.svc.Start(context.Background(), f.a, importer.KindStations, "stations.xlsx", tbl, true)
		if err != nil || im.Status != importer.StatusSucceeded || im.Unchanged != im.Total {
			t.Errorf("the workbook sample is the CSV sample: %+v %v", im, err)
		}
	})
}

// An import whose process stopped (running, no progress for StaleAfter)
// shows as interrupted; a running one that makes progress does not.
func TestImportInterrupted(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		for _, c := range []struct {
			id   string
			at   time.Time
			want string
		}{{"stale", t0, importer.StatusInterrupted}, {"fresh", t0.Add(50 * time.Minute), importer.StatusRunning}} {
			im := &importer.Import{ID: c.id, Kind: importer.KindStations, Format: importer.FormatCSV, Status: importer.StatusRunning,
				Total: 1000, Processed: 500, CreatedBy: f.a.UserID, CreatedAt: t0, UpdatedAt: c.at}
			if err := f.db.Imports().InTx(ctx, hse.ScopeOf(f.a, false), func(tx importer.Tx) error { return tx.CreateImport(ctx, f.a.OrgID, im) }); err != nil {
				t.Fatal(err)
			}
			f.svc.Now = func() time.Time { return t0.Add(time.Hour) }
			got, err := f.svc.Import(ctx, f.a, c.id)
			if err != nil || got.Status != c.want || got.Processed != 500 {
				t.Errorf("%s: %+v %v, want %s", c.id, got, err, c.want)
			}
		}
	})
}
