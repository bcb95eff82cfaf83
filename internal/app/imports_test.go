package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// importFile posts content as an import of kind.
func importFile(e *apptest.Env, token, kind string, dryRun bool, name string, content []byte) *apptest.Response {
	e.T.Helper()
	body, ct := multipartFile(e.T, "file", name, "", content)
	return e.Do(apptest.Request{Method: "POST", Path: fmt.Sprintf("/api/imports?kind=%s&dryRun=%v", kind, dryRun), Token: token,
		Body: body, Header: map[string]string{"Content-Type": ct}})
}

// importResult is the part of an import's view the tests compare.
type importResult struct {
	ID                                  string
	Status                              string
	Total, Processed                    int
	Created, Updated, Unchanged, Failed int
	Errors                              []struct {
		Line            int
		Column, Message string
	}
	ErrorCount int
}

func decodeImport(t *testing.T, r *apptest.Response) importResult {
	t.Helper()
	var v importResult
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("import answered %d %s", r.Status, r.Body)
	}
	return v
}

func stationCount(t *testing.T, e *apptest.Env, token string) int {
	t.Helper()
	items, _ := e.Must(200, e.Call("GET", "/api/stations?limit=100", token, nil)).JSON(t)["items"].([]any)
	return len(items)
}

// The import API end to end: a dry run names the file's lines and columns
// and writes nothing; a real run creates; the same file again changes
// nothing; an XLSX file of the same rows is the same import.
func TestImportAPIStations(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Import Fuel")
		csv := "Code,Name,Region,Risk Category\nIM-01,Harbour,North,High\nIM-02,Hill,,Severe\nIM-03,,South,Low\n"
		dry := decodeImport(t, e.Must(200, importFile(e, owner.Access, "stations", true, "sites.csv", []byte(csv))))
		if dry.Status != "completed_with_errors" || dry.Created != 1 || dry.Failed != 2 || len(dry.Errors) != 2 ||
			dry.Errors[0].Line != 3 || dry.Errors[0].Column != "Risk Category" || dry.Errors[1].Line != 4 || dry.Errors[1].Column != "Name" {
			t.Errorf("dry run: %+v", dry)
		}
		if n := stationCount(t, e, owner.Access); n != 0 {
			t.Fatalf("a dry run wrote %d stations", n)
		}
		csv = "Code,Name,Region,Risk Category\nIM-01,Harbour,North,High\nIM-02,Hill,,Low\n"
		first := decodeImport(t, e.Must(200, importFile(e, owner.Access, "stations", false, "sites.csv", []byte(csv))))
		if first.Status != "succeeded" || first.Created != 2 || first.Processed != 2 {
			t.Errorf("first run: %+v", first)
		}
		again := decodeImport(t, e.Must(200, importFile(e, owner.Access, "stations", false, "sites.csv", []byte(csv))))
		if again.Unchanged != 2 || again.Created+again.Updated != 0 {
			t.Errorf("second run: %+v", again)
		}
		// The same rows as a workbook, one of them changed.
		f := excelize.NewFile()
		rows := [][]any{{"code", "name", "region", "risk_category"}, {"IM-01", "Harbour", "North", "High"}, {"IM-02", "Hill Top", "", "Low"}}
		for i, row := range rows {
			_ = f.SetSheetRow(f.GetSheetName(0), fmt.Sprintf("A%d", i+1), &row)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		xl := decodeImport(t, e.Must(200, importFile(e, owner.Access, "stations", false, "sites.xlsx", buf.Bytes())))
		if xl.Unchanged != 1 || xl.Updated != 1 {
			t.Errorf("workbook run: %+v", xl)
		}
		stored := decodeImport(t, e.Must(200, e.Call("GET", "/api/imports/"+xl.ID, owner.Access, nil)))
		if stored.Updated != 1 || stored.Status != "succeeded" {
			t.Errorf("stored: %+v", stored)
		}
		var all []importResult
		if err := json.Unmarshal(e.Must(200, e.Call("GET", "/api/imports?limit=2", owner.Access, nil)).Body, &all); err != nil || len(all) != 2 || all[0].ID != xl.ID {
			t.Errorf("list: %+v %v", all, err)
		}
		audit := e.Must(200, e.Call("GET", "/api/audit-log?action=import.completed", owner.Access, nil)).JSON(t)["items"].([]any)
		if len(audit) != 3 {
			t.Errorf("%d import.completed entries, want 3 (not the dry run)", len(audit))
		}
		created := e.Must(200, e.Call("GET", "/api/audit-log?action=station.created", owner.Access, nil)).JSON(t)["items"].([]any)
		if len(created) != 2 || !strings.Contains(fmt.Sprint(created[0]), first.ID) {
			t.Errorf("station.created entries name the import: %v", created)
		}
	})
}

// Roles that may not create the records get 403 before the file is read,
// and bad files are 4xx, never 5xx.
func TestImportAPIRefusals(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Import Refusals")
		viewer := e.Invite(owner, "sys-viewer", nil)
		compliance := e.Invite(owner, "sys-compliance_manager", nil)
		csv := []byte("code,name\nRF-01,One\n")
		for _, c := range []struct {
			name  string
			token string
			kind  string
			want  int
		}{
			{"viewer stations", viewer.Access, "stations", 403},
			{"compliance members", compliance.Access, "members", 403},
			{"compliance stations", compliance.Access, "stations", 200},
			{"unknown kind", owner.Access, "permits", 422},
		} {
			r := importFile(e, c.token, c.kind, true, "f.csv", csv)
			if r.Status != c.want && !(c.want == 422 && r.Status == 400) {
				t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.want)
			}
		}
		r := e.Do(apptest.Request{Method: "POST", Path: "/api/imports?kind=stations", Token: owner.Access, Body: "code,name\n",
			Header: map[string]string{"Content-Type": "text/csv"}})
		if r.Status != 400 {
			t.Errorf("not multipart: %d %s", r.Status, r.Body)
		}
		for name, content := range map[string][]byte{
			"binary":      {0xff, 0xfe, 0x00, 0x01},
			"broken xlsx": []byte("PK\x03\x04not really a zip"),
			"empty":       {},
			"bad quotes":  []byte("code,name\n\"RF,One\n"),
			"header only": []byte("colour\n"),
		} {
			r := importFile(e, owner.Access, "stations", false, "f.csv", content)
			if r.Status >= 500 || (r.Status != 400 && r.Status != 200) {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
			if r.Status == 200 && decodeImport(t, r).Status != "failed" {
				t.Errorf("%s: %s", name, r.Body)
			}
		}
		big := append([]byte("code,name\n"), bytes.Repeat([]byte("RF-01,"+strings.Repeat("x", 1000)+"\n"), 11*1024)...)
		if r := importFile(e, owner.Access, "stations", true, "big.csv", big); r.Status != 413 {
			t.Errorf("an 11 MB file: %d %s", r.Status, r.Body[:min(len(r.Body), 300)])
		}
		// A file name that cannot be stored is cleaned or refused, never stored as sent.
		if r := importFile(e, owner.Access, "stations", true, "r\xff\xfeport\x00.csv", csv); r.Status != 400 {
			var v struct{ FileName string }
			_ = json.Unmarshal(r.Body, &v)
			if r.Status != 200 || v.FileName != "rport.csv" {
				t.Errorf("a file name with a NUL and bad bytes: %d %s", r.Status, r.Body)
			}
		}
		if r := e.Call("GET", "/api/imports/nope", owner.Access, nil); r.Status != 404 {
			t.Errorf("unknown import: %d", r.Status)
		}
		id := decodeImport(t, e.Must(200, importFile(e, owner.Access, "members", true, "m.csv", []byte("email,role\na@example.com,Viewer\n")))).ID
		if r := e.Call("GET", "/api/imports/"+id, compliance.Access, nil); r.Status != 404 {
			t.Errorf("a members import read by a role that may not invite: %d %s", r.Status, r.Body)
		}
		if r := e.Call("GET", "/api/imports", viewer.Access, nil); r.Status != 403 {
			t.Errorf("imports listed by a viewer: %d", r.Status)
		}
	})
}

// A file above the synchronous limit answers 202 and is polled until it
// ends; members become invitations with their mail.
func TestImportAPIBackgroundAndMembers(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Import Background")
		var b strings.Builder
		b.WriteString("code,name\n")
		for i := range 600 {
			fmt.Fprintf(&b, "BG-%04d,Station %d\n", i, i)
		}
		r := e.Must(202, importFile(e, owner.Access, "stations", false, "many.csv", []byte(b.String())))
		im := decodeImport(t, r)
		if im.Total != 600 {
			t.Errorf("started: %+v", im)
		}
		deadline := time.Now().Add(60 * time.Second)
		for im.Status == "running" && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			im = decodeImport(t, e.Must(200, e.Call("GET", "/api/imports/"+im.ID, owner.Access, nil)))
			if im.Processed > im.Total {
				t.Fatalf("progress beyond the total: %+v", im)
			}
		}
		if im.Status != "succeeded" || im.Created != 600 || im.Processed != 600 {
			t.Errorf("finished: %+v", im)
		}

		members := "email,role,stations\nnew.manager@example.com,Station Manager,BG-0001;BG-0002\nnew.viewer@example.com,viewer,\n"
		res := decodeImport(t, e.Must(200, importFile(e, owner.Access, "members", false, "people.csv", []byte(members))))
		if res.Created != 2 || res.Failed != 0 {
			t.Errorf("members: %+v", res)
		}
		token := e.TokenFromMail("new.manager@example.com", "invitation")
		e.Must(200, e.Call("POST", "/api/invitations/accept", "", map[string]any{"token": token, "name": "New", "password": "seven green apples falling"}))
		res = decodeImport(t, e.Must(200, importFile(e, owner.Access, "members", false, "people.csv", []byte(members))))
		if res.Unchanged != 2 || res.Created != 0 {
			t.Errorf("members again: %+v", res)
		}
	})
}

// Under an Idempotency-Key the request's writes commit at its very end:
// a small import joins that transaction, a large one starts after it, and
// the retried request answers the same without importing again.
func TestImportAPIWithIdempotencyKey(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Import Keys")
		send := func(key string, content []byte) *apptest.Response {
			body, ct := multipartFile(t, "file", "keyed.csv", "", content)
			return e.Do(apptest.Request{Method: "POST", Path: "/api/imports?kind=stations", Token: owner.Access, Body: body,
				Header: map[string]string{"Content-Type": ct, "Idempotency-Key": key}})
		}
		small := []byte("code,name\nKY-01,Keyed One\nKY-02,Keyed Two\n")
		first := decodeImport(t, e.Must(200, send("small-1", small)))
		again := decodeImport(t, e.Must(200, send("small-1", small)))
		if first.Created != 2 || again.ID != first.ID {
			t.Errorf("keyed small import: %+v, retried: %+v", first, again)
		}
		var b strings.Builder
		b.WriteString("code,name\n")
		for i := range 700 {
			fmt.Fprintf(&b, "KB-%04d,Keyed %d\n", i, i)
		}
		im := decodeImport(t, e.Must(202, send("large-1", []byte(b.String()))))
		deadline := time.Now().Add(60 * time.Second)
		for im.Status == "running" && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			im = decodeImport(t, e.Must(200, e.Call("GET", "/api/imports/"+im.ID, owner.Access, nil)))
		}
		if im.Status != "succeeded" || im.Created != 700 {
			t.Errorf("keyed large import: %+v", im)
		}
		if n := stationCount(t, e, owner.Access); n != 100 { // the list's page size
			t.Errorf("stations listed: %d", n)
		}
	})
}
