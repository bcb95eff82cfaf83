package app_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// auditPage is one page of GET /api/audit-log.
type auditPage struct {
	Items      []hse.AuditEntry
	NextCursor string
}

// auditLog reads the whole trail visible to u, newest first, and the raw
// bodies of the pages.
func auditLog(t *testing.T, e *apptest.Env, token, query string) ([]hse.AuditEntry, []string) {
	t.Helper()
	var all []hse.AuditEntry
	var raw []string
	cursor := ""
	for page := 0; ; page++ {
		if page > 200 {
			t.Fatal("the audit log does not end")
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := e.Must(200, callAPI(t, e, "GET", "/api/audit-log?"+q.Encode(), token, nil))
		raw = append(raw, string(r.Body))
		p := decodeJSON[auditPage](t, r)
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			return all, raw
		}
		cursor = p.NextCursor
	}
}

// requestFrom gives a request the client details the trail must record.
func requestFrom(rid string, r apptest.Request) apptest.Request {
	r.Header = map[string]string{"X-Request-ID": rid, "User-Agent": "AuditProbe/1.0 (" + rid + ")"}
	r.IP = "198.51.100.23"
	return r
}

func TestAuditTrailRecordsChanges(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		send := func(rid, method, path, token string, body any) *apptest.Response {
			t.Helper()
			return doAPI(t, e, requestFrom(rid, apptest.Request{Method: method, Path: path, Token: token, Body: body}))
		}
		owner := &apptest.User{Email: newAddress("audited"), Password: "purple monkey dishwasher 42"}
		e.Must(202, send("rid-signup", "POST", "/api/auth/signup", "", map[string]any{
			"organizationName": "Audited Fuel", "name": "Olive Owner", "email": owner.Email, "password": owner.Password}))
		verify := e.TokenFromMail(owner.Email, "verify_email")
		e.Must(200, send("rid-verify", "POST", "/api/auth/verify-email", "", map[string]any{"token": verify}))
		wantProblem(t, send("rid-login-failed", "POST", "/api/auth/login", "", map[string]any{"email": owner.Email, "password": "not the password at all"}), 401, "INVALID_CREDENTIALS")
		lr := decodeJSON[tokenPair](t, e.Must(200, send("rid-login", "POST", "/api/auth/login", "", map[string]any{"email": owner.Email, "password": owner.Password})))
		owner.Access, owner.Refresh, owner.OrgID, owner.UserID = lr.AccessToken, lr.RefreshToken, lr.OrganizationID, lr.User.ID
		org := owner.OrgID

		memberEmail := newAddress("audmember")
		inv := decodeJSON[invitationItem](t, e.Must(201, send("rid-invite", "POST", "/api/invitations", owner.Access, map[string]any{"email": memberEmail, "roleId": "sys-viewer"})))
		invToken := nthMailToken(t, e, memberEmail, "invitation", 1)
		memberPassword := "seven green apples falling"
		acc := decodeJSON[struct{ UserID string }](t, e.Must(200, send("rid-accept", "POST", "/api/invitations/accept", "", map[string]any{"token": invToken, "name": "Max Member", "password": memberPassword})))
		member := acc.UserID
		e.Must(200, send("rid-role", "PATCH", "/api/members/"+member, owner.Access, map[string]any{"roleId": "sys-station_manager", "stationIds": []string{"st-9"}}))
		e.Must(200, send("rid-org", "PATCH", "/api/organizations/"+org, owner.Access, map[string]any{"name": "Audited Fuel Ltd", "settings": map[string]any{"timeZone": "Asia/Dubai"}}))
		e.Must(204, send("rid-remove", "DELETE", "/api/members/"+member, owner.Access, nil))
		e.Must(202, send("rid-reset-request", "POST", "/api/auth/password-reset/request", "", map[string]any{"email": owner.Email}))
		resetToken := e.TokenFromMail(owner.Email, "password_reset")
		newPassword := "fresh orange kites over 7 hills"
		e.Must(200, send("rid-reset", "POST", "/api/auth/password-reset/confirm", "", map[string]any{"token": resetToken, "password": newPassword}))
		owner.Password = newPassword
		e.Login(owner)

		entries, raw := auditLog(t, e, owner.Access, "limit=100")
		byRequest := map[string]hse.AuditEntry{}
		for _, en := range entries {
			if en.OrgID != org {
				t.Errorf("entry of organization %q in %s's trail: %+v", en.OrgID, org, en)
			}
			if en.RequestID != "" {
				if prev, dup := byRequest[en.RequestID+" "+en.Action]; dup {
					t.Errorf("two %s entries for one request: %+v, %+v", en.Action, prev, en)
				}
				byRequest[en.RequestID+" "+en.Action] = en
			}
		}
		for _, w := range []struct {
			rid, action, actor, entityType, entityID string
			before, after                            bool
		}{
			{"rid-signup", "organization.created", owner.UserID, "organization", org, false, true},
			{"rid-login-failed", "auth.login_failed", owner.UserID, "user", owner.UserID, false, true},
			{"rid-login", "auth.login", owner.UserID, "session", "", false, false},
			{"rid-invite", "member.invited", owner.UserID, "invitation", inv.ID, false, true},
			{"rid-accept", "member.joined", member, "member", member, false, true},
			{"rid-role", "member.role_changed", owner.UserID, "member", member, true, true},
			{"rid-org", "organization.updated", owner.UserID, "organization", org, true, true},
			{"rid-remove", "member.removed", owner.UserID, "member", member, true, false},
			{"rid-reset-request", "auth.password_reset_requested", owner.UserID, "user", owner.UserID, false, false},
			{"rid-reset", "auth.password_reset", owner.UserID, "user", owner.UserID, false, true},
		} {
			en, ok := byRequest[w.rid+" "+w.action]
			if !ok {
				t.Errorf("no %s entry for request %s", w.action, w.rid)
				continue
			}
			if en.ActorUserID != w.actor || en.OrgID != org || en.EntityType != w.entityType || (w.entityID != "" && en.EntityID != w.entityID) || en.EntityID == "" {
				t.Errorf("%s: actor %q org %q entity %s/%s, want %q %q %s/%s", w.action, en.ActorUserID, en.OrgID, en.EntityType, en.EntityID, w.actor, org, w.entityType, w.entityID)
			}
			if en.IP != "198.51.100.23" || en.UserAgent != "AuditProbe/1.0 ("+w.rid+")" || en.ActorEmail == "" || en.OccurredAt.IsZero() {
				t.Errorf("%s: ip %q user agent %q actor e-mail %q at %v", w.action, en.IP, en.UserAgent, en.ActorEmail, en.OccurredAt)
			}
			if (en.Before != nil) != w.before || (en.After != nil) != w.after {
				t.Errorf("%s: before %v after %v, want before present %v after present %v", w.action, en.Before, en.After, w.before, w.after)
			}
		}
		// Updates record what changed, before and after.
		role := byRequest["rid-role member.role_changed"]
		if role.Before["roleId"] != "sys-viewer" || role.After["roleId"] != "sys-station_manager" {
			t.Errorf("role change: before %v after %v", role.Before, role.After)
		}
		upd := byRequest["rid-org organization.updated"]
		if upd.Before["name"] != "Audited Fuel" || upd.After["name"] != "Audited Fuel Ltd" {
			t.Errorf("organization update: before %v after %v", upd.Before, upd.After)
		}
		if rm := byRequest["rid-remove member.removed"]; rm.Before["roleId"] != "sys-station_manager" {
			t.Errorf("removal: before %v", rm.Before)
		}

		// No secret reaches the trail: neither through the API nor in the
		// table itself (including entries outside any organization).
		secrets := map[string]string{
			"first password": "purple monkey dishwasher 42", "new password": newPassword, "member password": memberPassword,
			"wrong password": "not the password at all", "verification token": verify, "invitation token": invToken,
			"reset token": resetToken, "access token": lr.AccessToken, "refresh token": lr.RefreshToken, "current access token": owner.Access,
		}
		var stored []string
		err := e.App.DB.InTx(context.Background(), sqlstore.Scope{Platform: true, ReadOnly: true}, func(tx *sqlstore.Tx) error {
			rows, err := tx.Query(context.Background(), `SELECT COALESCE(CAST(before AS TEXT), ''), COALESCE(CAST(after AS TEXT), ''), actor_email, entity_id FROM audit_log`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var b, a, who, id string
				if err := rows.Scan(&b, &a, &who, &id); err != nil {
					return err
				}
				stored = append(stored, b, a, who, id)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) < 4*len(entries) {
			t.Errorf("the table holds %d values for %d visible entries", len(stored), len(entries))
		}
		everything := strings.Join(append(raw, stored...), "\n")
		for name, s := range secrets {
			if s != "" && strings.Contains(everything, s) {
				t.Errorf("the audit trail contains the %s", name)
			}
		}
		for _, marker := range []string{"$argon2id$", "$2a$", "$2b$", "hsei_", "hser_", "eyJhbGci"} {
			if strings.Contains(everything, marker) {
				t.Errorf("the audit trail contains a hash or token (%q)", marker)
			}
		}
	})
}

func TestAuditLogFiltersAndPages(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clk := apptest.NewClock(time.Now().UTC().Truncate(time.Second))
		e := apptest.New(t, engine, apptest.WithNow(clk.Now))
		owner := e.Signup("Filter Fuel")
		admin := e.Invite(owner, "sys-admin", nil)
		for i := range 3 {
			invite(t, e, owner, newAddress(fmt.Sprintf("f%d", i)), "sys-viewer", nil, 1)
		}
		clk.Advance(5 * time.Minute)
		split := clk.Now()
		clk.Advance(time.Minute)
		for i := range 2 {
			e.Must(201, callAPI(t, e, "POST", "/api/roles", admin.Access, map[string]any{"name": fmt.Sprintf("Filter role %d", i), "permissions": []string{"audits:read"}}))
		}
		e.Must(200, callAPI(t, e, "PATCH", "/api/organizations/"+owner.OrgID, admin.Access, map[string]any{"name": "Filter Fuel Ltd"}))

		all, _ := auditLog(t, e, owner.Access, "limit=100")
		if len(all) < 10 {
			t.Fatalf("only %d entries", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID || all[i].OccurredAt.After(all[i-1].OccurredAt) {
				t.Errorf("entries not newest first at %d: %s after %s", i, all[i].ID, all[i-1].ID)
			}
		}
		count := func(pred func(hse.AuditEntry) bool) int {
			n := 0
			for _, en := range all {
				if pred(en) {
					n++
				}
			}
			return n
		}
		for _, c := range []struct {
			query string
			match func(hse.AuditEntry) bool
		}{
			{"action=member.invited", func(en hse.AuditEntry) bool { return en.Action == "member.invited" }},
			{"actorId=" + admin.UserID, func(en hse.AuditEntry) bool { return en.ActorUserID == admin.UserID }},
			{"entityType=role", func(en hse.AuditEntry) bool { return en.EntityType == "role" }},
			{"entityType=role&actorId=" + owner.UserID, func(en hse.AuditEntry) bool { return false }},
			{"from=" + url.QueryEscape(split.Format(time.RFC3339)), func(en hse.AuditEntry) bool { return !en.OccurredAt.Before(split) }},
			{"to=" + url.QueryEscape(split.Format(time.RFC3339)), func(en hse.AuditEntry) bool { return en.OccurredAt.Before(split) }},
			{"action=member.invited&from=" + url.QueryEscape(split.Format(time.RFC3339)), func(en hse.AuditEntry) bool { return false }},
		} {
			got, _ := auditLog(t, e, owner.Access, c.query+"&limit=100")
			want := count(c.match)
			if len(got) != want {
				t.Errorf("%s: %d entries, want %d", c.query, len(got), want)
			}
			for _, en := range got {
				if !c.match(en) {
					t.Errorf("%s: entry does not match: %+v", c.query, en)
				}
			}
		}
		if n := count(func(en hse.AuditEntry) bool { return en.OccurredAt.Before(split) }); n == 0 || n == len(all) {
			t.Errorf("%d of %d entries before the split: the time filters test nothing", n, len(all))
		}
		if n := count(func(en hse.AuditEntry) bool { return en.Action == "member.invited" }); n != 4 {
			t.Errorf("%d invitations recorded, want 4", n)
		}
		if n := count(func(en hse.AuditEntry) bool { return en.ActorUserID == admin.UserID && en.EntityType == "role" }); n != 2 {
			t.Errorf("%d role changes by the admin, want 2", n)
		}

		// Two at a time, every entry comes exactly once, in order.
		var walked []string
		pages := 0
		cursor := ""
		for {
			path := "/api/audit-log?limit=2"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			p := decodeJSON[auditPage](t, e.Must(200, callAPI(t, e, "GET", path, owner.Access, nil)))
			pages++
			if len(p.Items) > 2 {
				t.Fatalf("page of %d entries with limit=2", len(p.Items))
			}
			for _, en := range p.Items {
				walked = append(walked, en.ID)
			}
			if p.NextCursor == "" {
				break
			}
			if pages > len(all) {
				t.Fatal("pagination does not end")
			}
			cursor = p.NextCursor
		}
		var ids []string
		for _, en := range all {
			ids = append(ids, en.ID)
		}
		if diff := cmp.Diff(ids, walked); diff != "" {
			t.Errorf("walking with limit=2 (-all +walked):\n%s", diff)
		}
		if pages < len(all)/2 {
			t.Errorf("%d pages for %d entries", pages, len(all))
		}

		for _, bad := range []struct{ query, field string }{
			{"from=yesterday", "from"}, {"to=2026-13-45", "to"}, {"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=two", "limit"},
		} {
			wantField(t, callAPI(t, e, "GET", "/api/audit-log?"+bad.query, owner.Access, nil), bad.field)
		}
	})
}

func TestAuditLogIsPerTenantAndNeedsPermission(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		a := e.Signup("Tenant A Fuel")
		b := e.Signup("Tenant B Fuel")
		e.Must(200, callAPI(t, e, "PATCH", "/api/organizations/"+b.OrgID, b.Access, map[string]any{"name": "Tenant B Fuel Ltd"}))
		e.Must(201, callAPI(t, e, "POST", "/api/roles", b.Access, map[string]any{"name": "B only", "permissions": []string{}}))
		invite(t, e, b, newAddress("bonly"), "sys-viewer", nil, 1)
		// A failed login of B's owner is filed under B.
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/login", "", map[string]any{"email": b.Email, "password": "wrong wrong wrong"}), 401, "INVALID_CREDENTIALS")

		for _, c := range []struct {
			who, other *apptest.User
		}{{a, b}, {b, a}} {
			entries, raw := auditLog(t, e, c.who.Access, "limit=100")
			if len(entries) == 0 {
				t.Fatalf("%s sees no entries of its own", c.who.OrgID)
			}
			for _, en := range entries {
				if en.OrgID != c.who.OrgID || en.ActorUserID == c.other.UserID || en.EntityID == c.other.OrgID {
					t.Errorf("%s sees %+v", c.who.OrgID, en)
				}
			}
			for _, r := range raw {
				if strings.Contains(r, c.other.OrgID) || strings.Contains(r, c.other.Email) {
					t.Errorf("%s's trail mentions the other tenant", c.who.OrgID)
				}
			}
			// Filters cannot reach across either.
			for _, q := range []string{"actorId=" + c.other.UserID, "entityId=" + c.other.OrgID} {
				if got, _ := auditLog(t, e, c.who.Access, q); len(got) != 0 {
					t.Errorf("%s with %s: %d entries", c.who.OrgID, q, len(got))
				}
			}
		}
		bEntries, _ := auditLog(t, e, b.Access, "limit=100")
		if !slices.ContainsFunc(bEntries, func(en hse.AuditEntry) bool { return en.Action == "auth.login_failed" }) {
			t.Error("B's failed login is not in B's trail")
		}

		// Compliance managers read the trail; station managers and viewers do not.
		cm := e.Invite(a, "sys-compliance_manager", nil)
		e.Must(200, callAPI(t, e, "GET", "/api/audit-log", cm.Access, nil))
		sm := e.Invite(a, "sys-station_manager", map[string]any{"stationIds": []string{"st-1"}})
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/audit-log", sm.Access, nil), hse.PermAuditLogRead)
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/audit-log?actorId="+a.UserID, sm.Access, nil), hse.PermAuditLogRead)
		wantProblem(t, callAPI(t, e, "GET", "/api/audit-log", "", nil), 401, "UNAUTHORIZED")
	})
}

// The trail is append-only on both engines. The triggers refuse changes
// whoever asks; on PostgreSQL the application's role also lacks the
// privilege, so inside an application transaction the change is refused
// before any trigger runs.
func TestAuditLogRefusesChanges(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Append Fuel")
		ctx := context.Background()
		db := e.App.DB
		before, _ := auditLog(t, e, owner.Access, "limit=100")
		if len(before) == 0 {
			t.Fatal("no entries to tamper with")
		}
		for _, stmt := range []string{
			`UPDATE audit_log SET action = 'tampered' WHERE organization_id = ?`,
			`DELETE FROM audit_log WHERE organization_id = ?`,
		} {
			for _, sc := range []sqlstore.Scope{{OrgID: owner.OrgID, UserID: owner.UserID}, {Platform: true}} {
				err := db.InTx(ctx, sc, func(tx *sqlstore.Tx) error {
					_, err := tx.Exec(ctx, stmt, owner.OrgID)
					return err
				})
				want := "append-only"
				if engine == sqlstore.Postgres {
					want = "permission denied"
				}
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s in an application transaction %+v: %v, want %q", stmt, sc, err, want)
				}
			}
			// The connecting role (the owner of the tables, a superuser in
			// these tests) meets the trigger.
			_, err := db.Pools()["primary"].ExecContext(ctx, rebind(engine, stmt), owner.OrgID)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s as the connecting role: %v, want the append-only trigger", stmt, err)
			}
		}
		if engine == sqlstore.Postgres {
			err := db.InTx(ctx, sqlstore.Scope{Platform: true}, func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, `TRUNCATE audit_log`)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Errorf("TRUNCATE in an application transaction: %v", err)
			}
		}
		after, _ := auditLog(t, e, owner.Access, "limit=100")
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("the trail changed (-before +after):\n%s", diff)
		}
	})
}

func rebind(engine, q string) string {
	if engine != sqlstore.Postgres {
		return q
	}
	n := 0
	var b strings.Builder
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
