package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// Row-level security is PostgreSQL's second wall behind the organization
// filter in every statement. These tests run deliberately unfiltered SQL
// inside application transactions and check that the database alone keeps
// tenants apart.

// tenantTables are the tables with row-level security.
var tenantTables = []string{"roles", "memberships", "invitations", "audit_log"}

// rlsDB is a migrated PostgreSQL database. SQLite has no row-level
// security; in CI a missing PostgreSQL fails (hsetest.PostgresURL).
func rlsDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	if hsetest.PostgresURL(t) == "" {
		t.Skip("row-level security is a PostgreSQL feature: set HSE_TEST_POSTGRES_URL to test it")
	}
	return hsetest.MigratedDB(t, sqlstore.Postgres)
}

// tenant is an organization seeded through the identity store.
type tenant struct {
	orgID, userID, heldRole, spareRole string
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// seedTenant creates an organization with a member, two custom roles (one
// held, one not), a pending invitation and two audit entries.
func seedTenant(t *testing.T, db *sqlstore.DB, name string) tenant {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	tn := tenant{orgID: newID(), userID: newID(), heldRole: "held-" + name, spareRole: "spare-" + name}
	err := db.Identity().InTx(ctx, identity.TxScope{OrgID: tn.orgID}, func(tx identity.Tx) error {
		if err := tx.CreateOrganization(ctx, &identity.Organization{ID: tn.orgID, Name: name, Slug: strings.ToLower(name) + "-" + tn.orgID[len(tn.orgID)-6:],
			Plan: "free", Status: identity.OrgActive, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, &identity.User{ID: tn.userID, Email: tn.userID + "@example.com", Name: name + " owner", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for _, id := range []string{tn.heldRole, tn.spareRole} {
			if err := tx.CreateRole(ctx, tn.orgID, &identity.Role{ID: id, Name: id, Scope: hse.ScopeOrganization,
				Permissions: []hse.Permission{hse.PermOrgRead}, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		if err := tx.CreateMembership(ctx, tn.orgID, &identity.Membership{OrgID: tn.orgID, UserID: tn.userID, RoleID: tn.heldRole, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateInvitation(ctx, tn.orgID, &identity.Invitation{ID: newID(), OrgID: tn.orgID, Email: "invitee-" + tn.orgID + "@example.com",
			RoleID: tn.spareRole, TokenHash: "hash-" + tn.orgID, InvitedBy: tn.userID, ExpiresAt: now.Add(time.Hour), CreatedAt: now}); err != nil {
			return err
		}
		for _, action := range []string{"organization.created", "member.invited"} {
			if err := tx.AppendAudit(ctx, &hse.AuditEntry{ID: newID(), OrgID: tn.orgID, OccurredAt: now, ActorUserID: tn.userID, Action: action}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seeding %s: %v", name, err)
	}
	return tn
}

// orgsIn runs an unfiltered SELECT in a transaction scoped as sc and
// returns the organization of every row.
func orgsIn(t *testing.T, db *sqlstore.DB, sc sqlstore.Scope, table string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := db.InTx(ctx, sc, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT COALESCE(organization_id, '') FROM `+table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("SELECT FROM %s scoped %+v: %v", table, sc, err)
	}
	return out
}

func onlyOrg(rows []string, org string) bool {
	return len(rows) > 0 && !slices.ContainsFunc(rows, func(o string) bool { return o != org })
}

func TestRLSScopesUnfilteredQueriesToTheTenant(t *testing.T) {
	db := rlsDB(t)
	a := seedTenant(t, db, "Alpha")
	b := seedTenant(t, db, "Bravo")
	for _, table := range tenantTables {
		for _, c := range []struct{ me, other tenant }{{b, a}, {a, b}} {
			got := orgsIn(t, db, sqlstore.Scope{OrgID: c.me.orgID}, table)
			if !onlyOrg(got, c.me.orgID) {
				t.Errorf("SELECT organization_id FROM %s scoped to %s: %v, want only (and some) rows of %s", table, c.me.orgID, got, c.me.orgID)
			}
			// Read-only transactions take the same path.
			if got := orgsIn(t, db, sqlstore.Scope{OrgID: c.me.orgID, ReadOnly: true}, table); !onlyOrg(got, c.me.orgID) {
				t.Errorf("read-only SELECT FROM %s scoped to %s: %v", table, c.me.orgID, got)
			}
		}
	}

	// Even naming the other tenant finds nothing, and changes nothing.
	ctx := context.Background()
	err := db.InTx(ctx, sqlstore.Scope{OrgID: b.orgID}, func(tx *sqlstore.Tx) error {
		for _, table := range tenantTables {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE organization_id = ?`, a.orgID).Scan(&n); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("%s: %d rows of A visible when asked for by id", table, n)
			}
		}
		for _, stmt := range []string{
			`UPDATE roles SET name = 'hijacked' WHERE organization_id = ?`,
			`UPDATE memberships SET role_id = 'sys-owner' WHERE organization_id = ?`,
			`UPDATE invitations SET email = 'attacker@example.com' WHERE organization_id = ?`,
			`DELETE FROM invitations WHERE organization_id = ?`,
			`DELETE FROM memberships WHERE organization_id = ?`,
		} {
			res, err := tx.Exec(ctx, stmt, a.orgID)
			if err != nil {
				return fmt.Errorf("%s: %w", stmt, err)
			}
			if n, _ := res.RowsAffected(); n != 0 {
				t.Errorf("%s scoped to B changed %d rows of A", stmt, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tenantTables {
		if got := orgsIn(t, db, sqlstore.Scope{OrgID: a.orgID}, table); !onlyOrg(got, a.orgID) {
			t.Errorf("A's %s after B's attempts: %v", table, got)
		}
	}
	var r *identity.Role
	err = db.Identity().InTx(ctx, identity.TxScope{OrgID: a.orgID, ReadOnly: true}, func(tx identity.Tx) error {
		var err error
		r, err = tx.FindRole(ctx, a.orgID, a.heldRole)
		return err
	})
	if err != nil || r.Name != a.heldRole {
		t.Errorf("A's role after B's attempts: %+v, %v", r, err)
	}
}

func TestRLSWithoutOrganizationSeesNothing(t *testing.T) {
	db := rlsDB(t)
	a := seedTenant(t, db, "Alpha")
	seedTenant(t, db, "Bravo")
	for _, table := range tenantTables {
		for _, sc := range []sqlstore.Scope{{}, {ReadOnly: true}} {
			if got := orgsIn(t, db, sc, table); len(got) != 0 {
				t.Errorf("%s with no organization set: %d rows", table, len(got))
			}
		}
	}
	// A user outside any organization sees their own memberships and the
	// roles they hold (to log in and switch), and nothing else.
	sc := sqlstore.Scope{UserID: a.userID}
	if got := orgsIn(t, db, sc, "memberships"); !onlyOrg(got, a.orgID) || len(got) != 1 {
		t.Errorf("memberships visible to A's user: %v", got)
	}
	ctx := context.Background()
	var roles []string
	err := db.InTx(ctx, sc, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM roles`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			roles = append(roles, id)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(roles, []string{a.heldRole}) {
		t.Errorf("roles visible to A's user outside any organization: %v, want only %s", roles, a.heldRole)
	}
	for _, table := range []string{"invitations", "audit_log"} {
		if got := orgsIn(t, db, sc, table); len(got) != 0 {
			t.Errorf("%s visible to a user outside any organization: %v", table, got)
		}
	}
}

func TestRLSRefusesWritesIntoAnotherTenant(t *testing.T) {
	db := rlsDB(t)
	a := seedTenant(t, db, "Alpha")
	b := seedTenant(t, db, "Bravo")
	ctx := context.Background()
	now := time.Now().UTC()
	// Store methods handed the wrong organization are stopped by the
	// database: the transaction acts for B.
	for name, write := range map[string]func(tx identity.Tx) error{
		"role": func(tx identity.Tx) error {
			return tx.CreateRole(ctx, a.orgID, &identity.Role{ID: "planted", Name: "Planted", Scope: hse.ScopeOrganization, Permissions: []hse.Permission{}, CreatedAt: now, UpdatedAt: now})
		},
		"membership": func(tx identity.Tx) error {
			return tx.CreateMembership(ctx, a.orgID, &identity.Membership{OrgID: a.orgID, UserID: b.userID, RoleID: a.heldRole, CreatedAt: now, UpdatedAt: now})
		},
		"invitation": func(tx identity.Tx) error {
			return tx.CreateInvitation(ctx, a.orgID, &identity.Invitation{ID: newID(), OrgID: a.orgID, Email: "planted@example.com", RoleID: a.heldRole,
				TokenHash: "planted-" + newID(), InvitedBy: b.userID, ExpiresAt: now.Add(time.Hour), CreatedAt: now})
		},
		"audit entry": func(tx identity.Tx) error {
			return tx.AppendAudit(ctx, &hse.AuditEntry{ID: newID(), OrgID: a.orgID, OccurredAt: now, Action: "planted"})
		},
	} {
		err := db.Identity().InTx(ctx, identity.TxScope{OrgID: b.orgID}, write)
		if err == nil || !strings.Contains(err.Error(), "row-level security") {
			t.Errorf("inserting a %s for A while scoped to B: %v, want a row-level security violation", name, err)
		}
	}
	// Moving one's own row into another tenant is refused too.
	err := db.InTx(ctx, sqlstore.Scope{OrgID: b.orgID}, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE invitations SET organization_id = ? WHERE organization_id = ?`, a.orgID, b.orgID)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Errorf("moving B's invitation to A: %v", err)
	}
	// With no organization set, nothing can be written either.
	err = db.InTx(ctx, sqlstore.Scope{}, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO roles (organization_id, id, name, created_at, updated_at) VALUES (?, 'orphan', 'Orphan', ?, ?)`, a.orgID, now, now)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Errorf("inserting a role with no organization set: %v", err)
	}
	for _, table := range tenantTables {
		if got := orgsIn(t, db, sqlstore.Scope{Platform: true}, table); slices.Contains(got, "") && table != "audit_log" {
			t.Errorf("%s has a row without organization", table)
		}
	}
	want := map[string]int{"roles": 2, "memberships": 1, "invitations": 1, "audit_log": 2}
	for table, n := range want {
		if got := orgsIn(t, db, sqlstore.Scope{OrgID: a.orgID}, table); len(got) != n {
			t.Errorf("A has %d rows in %s after the refused writes, want %d", len(got), table, n)
		}
	}
}

func TestRLSPlatformScopeSeesEveryTenant(t *testing.T) {
	db := rlsDB(t)
	a := seedTenant(t, db, "Alpha")
	b := seedTenant(t, db, "Bravo")
	for _, table := range tenantTables {
		got := orgsIn(t, db, sqlstore.Scope{Platform: true}, table)
		if !slices.Contains(got, a.orgID) || !slices.Contains(got, b.orgID) {
			t.Errorf("%s in a platform transaction: %v, want rows of both tenants", table, got)
		}
	}
}

// The tests connect as a superuser, who would bypass row-level security.
// The application transaction acts as hse_app, which cannot: prove both
// halves, so a passing suite means something even on a superuser pool.
func TestRLSHoldsWhenConnectedAsSuperuser(t *testing.T) {
	db := rlsDB(t)
	a := seedTenant(t, db, "Alpha")
	b := seedTenant(t, db, "Bravo")
	ctx := context.Background()
	pool := db.Pools()["primary"]

	var super bool
	if err := pool.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = session_user`).Scan(&super); err != nil {
		t.Fatal(err)
	}
	if !super {
		t.Log("the test database is not reached as a superuser; the bypass half below is then about the table owner")
	}
	// Outside an application transaction the connecting role sees every
	// tenant: it is not the connection that protects the data.
	var n int
	if err := pool.QueryRowContext(ctx, `SELECT COUNT(DISTINCT organization_id) FROM roles WHERE organization_id IN ($1, $2)`, a.orgID, b.orgID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("the connecting role sees %d tenants' roles, want 2 (the seed failed?)", n)
	}

	// The application role may not bypass, and every tenant table forces
	// row-level security even on its owner.
	var appSuper, appBypass bool
	if err := pool.QueryRowContext(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'hse_app'`).Scan(&appSuper, &appBypass); err != nil {
		t.Fatal(err)
	}
	if appSuper || appBypass {
		t.Errorf("hse_app: superuser %v, bypassrls %v; want neither", appSuper, appBypass)
	}
	rows, err := pool.QueryContext(ctx, `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rows.Next() {
		var name string
		var enabled, forced bool
		if err := rows.Scan(&name, &enabled, &forced); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(tenantTables, name) {
			seen[name] = true
			if !enabled || !forced {
				t.Errorf("%s: row security enabled %v forced %v", name, enabled, forced)
			}
		}
	}
	rows.Close()
	if len(seen) != len(tenantTables) {
		t.Errorf("tenant tables found: %v", seen)
	}

	// Inside an application transaction on that same pool: acting as
	// hse_app, scoped to B, with A invisible.
	err = db.InTx(ctx, sqlstore.Scope{OrgID: b.orgID}, func(tx *sqlstore.Tx) error {
		var cur, sess string
		if err := tx.QueryRow(ctx, `SELECT current_user, session_user`).Scan(&cur, &sess); err != nil {
			return err
		}
		if cur != "hse_app" || sess == "hse_app" {
			t.Errorf("application transaction runs as %s (session %s), want hse_app", cur, sess)
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM roles WHERE organization_id = ?`, a.orgID).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("a superuser-pool transaction scoped to B sees %d of A's roles", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Switching row security off does not bypass the policies: PostgreSQL
	// refuses the query instead.
	err = db.InTx(ctx, sqlstore.Scope{OrgID: b.orgID}, func(tx *sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL row_security = off`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM roles`).Scan(&n)
	})
	if err == nil {
		t.Errorf("with row_security off, the application saw %d roles instead of an error", n)
	}
	// The scope ends with the transaction: the pooled connection does not
	// keep acting as hse_app or for B.
	var cur, org string
	if err := pool.QueryRowContext(ctx, `SELECT current_user, COALESCE(current_setting('hse.org_id', true), '')`).Scan(&cur, &org); err != nil {
		t.Fatal(err)
	}
	if cur == "hse_app" || org != "" {
		t.Errorf("after the transaction the connection acts as %s for %q", cur, org)
	}
}

// TestEveryTenantTableForcesRowSecurity holds every table with an
// organization_id column, today's and tomorrow's, to row-level security
// enabled and forced, so a new domain cannot forget it.
func TestEveryTenantTableForcesRowSecurity(t *testing.T) {
	db := rlsDB(t)
	ctx := context.Background()
	var missing []string
	err := db.InTx(ctx, sqlstore.Scope{Platform: true}, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
			JOIN information_schema.columns col ON col.table_schema = current_schema() AND col.table_name = c.relname
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND col.column_name = 'organization_id'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var name string
			var enabled, forced bool
			if err := rows.Scan(&name, &enabled, &forced); err != nil {
				return err
			}
			n++
			// Sessions belong to a user across the refresh flow, which
			// finds a session by its token before any organization is
			// known; only the identity store reaches them.
			if name == "sessions" {
				continue
			}
			if !enabled || !forced {
				missing = append(missing, name)
			}
		}
		if n < 10 {
			t.Errorf("only %d tenant tables found; the query is wrong", n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("tenant tables without forced row-level security: %v", missing)
	}
}
