package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// The offboarding reads and writes on both engines: a member's open work
// is theirs in their organization only, a hand-over moves it with the
// record's version and history, a suspended member is no one to give
// work to, and the organization's preferences come from its settings.
func TestOpenWorkReassignAndSuspend(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		ctx := context.Background()
		a, b := seedTenant(t, db, "WorkA"), seedTenant(t, db, "WorkB")
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		heir := newID()
		if err := db.Identity().InTx(ctx, identity.TxScope{OrgID: a.orgID}, func(tx identity.Tx) error {
			if err := tx.CreateUser(ctx, &identity.User{ID: heir, Email: heir + "@example.com", Name: "Heir", CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			return tx.CreateMembership(ctx, a.orgID, &identity.Membership{OrgID: a.orgID, UserID: heir, RoleID: a.heldRole, CreatedAt: now, UpdatedAt: now})
		}); err != nil {
			t.Fatal(err)
		}
		action := func(orgID, assignee, title string) *capa.Action {
			t.Helper()
			ac := &capa.Action{SourceType: capa.SourceManual, Title: title, AssigneeUserID: assignee, CreatedBy: assignee, CreatedAt: now}
			if err := db.Actions().InTx(ctx, hse.TxScope{OrgID: orgID}, func(tx capa.Tx) error { return tx.CreateAction(ctx, orgID, ac) }); err != nil {
				t.Fatal(err)
			}
			return ac
		}
		mine := action(a.orgID, a.userID, "A's work")
		action(b.orgID, b.userID, "B's work")

		var work []hse.WorkItem
		err := db.Identity().InTx(ctx, identity.TxScope{OrgID: a.orgID}, func(tx identity.Tx) error {
			var err error
			if work, err = tx.OpenWork(ctx, a.orgID, a.userID); err != nil {
				return err
			}
			if len(work) != 1 || work[0].Kind != hse.WorkAction || work[0].ID != mine.ID || work[0].Number != mine.Number {
				t.Fatalf("open work %+v", work)
			}
			if other, err := tx.OpenWork(ctx, a.orgID, b.userID); err != nil || len(other) != 0 {
				t.Fatalf("B's member has no work in A: %+v %v", other, err)
			}
			return tx.ReassignWork(ctx, a.orgID, work, heir, a.userID, now.Add(time.Minute))
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Actions().InTx(ctx, hse.TxScope{OrgID: a.orgID, ReadOnly: true}, func(tx capa.Tx) error {
			got, err := tx.FindAction(ctx, a.orgID, mine.ID)
			if err != nil {
				return err
			}
			if got.AssigneeUserID != heir || got.Version != 2 {
				t.Errorf("after the hand-over: %+v", got)
			}
			evs, err := tx.FindActionEvents(ctx, a.orgID, mine.ID)
			if err != nil {
				return err
			}
			if last := evs[len(evs)-1]; last.Kind != capa.EventAssigned || last.Note != heir || last.ActorUserID != a.userID {
				t.Errorf("history %+v", last)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		err = db.Identity().InTx(ctx, identity.TxScope{OrgID: a.orgID}, func(tx identity.Tx) error {
			if _, err := tx.MemberAccess(ctx, a.orgID, heir); err != nil {
				t.Errorf("an active member: %v", err)
			}
			if err := tx.SetMemberSuspended(ctx, a.orgID, heir, &now); err != nil {
				return err
			}
			if _, err := tx.MemberAccess(ctx, a.orgID, heir); !hse.IsNotFound(err) {
				t.Errorf("a suspended member's access: %v", err)
			}
			if _, err := tx.MemberAccess(ctx, b.orgID, a.userID); !hse.IsNotFound(err) {
				t.Errorf("A's member in B: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID}, func(tx *sqlstore.Tx) error {
			if nm, err := tx.NonMembers(ctx, a.orgID, []string{heir, a.userID}); err != nil || len(nm) != 1 || nm[0] != heir {
				t.Errorf("non-members %v %v: the suspended one only", nm, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE organizations SET settings = ? WHERE id = ?`,
				`{"timeZone":"Asia/Tokyo","actionAssignment":"auditor"}`, a.orgID); err != nil {
				return err
			}
			prefs, err := tx.OrgPrefs(ctx, a.orgID)
			if err != nil {
				return err
			}
			if prefs.TimeZone != "Asia/Tokyo" || prefs.ActionAssignment != hse.AssignAuditor || prefs.Location().String() != "Asia/Tokyo" {
				t.Errorf("prefs %+v", prefs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
