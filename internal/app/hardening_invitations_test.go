package app_test

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

var invitationToken = regexp.MustCompile(`token=([A-Za-z0-9_.-]+)`)

// invitationTokens waits until n invitation mails reached addr and
// returns their tokens, oldest first.
func invitationTokens(t *testing.T, e *apptest.Env, addr string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out []string
		for _, m := range e.Mail.Messages() {
			if m.To == addr && m.Kind == "invitation" {
				out = append(out, invitationToken.FindStringSubmatch(m.Text)[1])
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("%d invitation mails to %s, want %d", len(out), addr, n)
			}
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pendingFor lists the pending invitations of an address.
func pendingFor(t *testing.T, e *apptest.Env, u *apptest.User, addr string) []invitationItem {
	t.Helper()
	var out []invitationItem
	for _, inv := range listItems[invitationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/invitations", u.Access, nil))) {
		if inv.Email == addr && inv.Status == "pending" {
			out = append(out, inv)
		}
	}
	return out
}

// Inviting an address that has a pending invitation replaces it: one
// pending invitation with the new role, a new link, and the old link no
// longer accepted. Several invitations at once leave exactly one.
func TestInvitationReplacesThePendingOne(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Invite Twice")
		addr := "twice@example.com"
		e.Must(201, callAPI(t, e, "POST", "/api/invitations", owner.Access, map[string]any{"email": addr, "roleId": "sys-viewer"}))
		// Mail goes out after the commit, so the two mails may arrive in
		// either order: the first link is known before the second is sent.
		old := invitationTokens(t, e, addr, 1)[0]
		second := decodeJSON[invitationItem](t, e.Must(201, callAPI(t, e, "POST", "/api/invitations", owner.Access,
			map[string]any{"email": addr, "roleId": "sys-auditor"})))
		// Before: two pending invitations with different roles.
		pending := pendingFor(t, e, owner, addr)
		if len(pending) != 1 || pending[0].ID != second.ID || pending[0].RoleID != "sys-auditor" {
			t.Fatalf("pending invitations of %s: %+v, want only the second", addr, pending)
		}
		tokens := invitationTokens(t, e, addr, 2)
		if tokens[0] != old {
			tokens[0], tokens[1] = tokens[1], tokens[0]
		}
		accept := func(token string) *apptest.Response {
			return callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token, "name": "Twice", "password": "seven green apples falling"})
		}
		wantField(t, accept(tokens[0]), "token")
		e.Must(200, accept(tokens[1]))
		members := listItems[memberItem](t, e.Must(200, callAPI(t, e, "GET", "/api/members", owner.Access, nil)))
		if i := slices.IndexFunc(members, func(m memberItem) bool { return m.Email == addr }); i < 0 || members[i].RoleID != "sys-auditor" {
			t.Errorf("the member joined as %+v, want sys-auditor", members)
		}

		// Five invitations of one address at once: one stays pending.
		crowd := "crowd@example.com"
		roles := []string{"sys-viewer", "sys-auditor", "sys-compliance_manager", "sys-viewer", "sys-auditor"}
		var wg sync.WaitGroup
		statuses := make([]int, len(roles))
		for i, role := range roles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.Call("POST", "/api/invitations", owner.Access, map[string]any{"email": crowd, "roleId": role}).Status
			}()
		}
		wg.Wait()
		for i, s := range statuses {
			if s != 201 {
				t.Errorf("invitation %d: status %d", i, s)
			}
		}
		if got := pendingFor(t, e, owner, crowd); len(got) != 1 {
			t.Errorf("%d pending invitations of %s after %d at once, want 1: %s", len(got), crowd, len(roles), fmt.Sprint(got))
		}
	})
}
