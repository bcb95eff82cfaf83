package app_test

import (
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/idempotency"
)

// A keyed request commits at its very end; mail about its change waits
// for that commit. An invitation whose request dies before the commit
// sends nothing (its link would lead nowhere); the retry that commits it
// sends one.
func TestIdempotencyMailWaitsForTheCommit(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now().UTC())
		var once sync.Once
		e := apptest.New(t, engine, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Hooks.Handled = func() { once.Do(crash) }
		}))
		owner := e.Signup("Mail After Commit Co")
		invitee := "invitee-" + hsetest.Short(t) + "@example.com"
		body := map[string]any{"email": invitee, "roleId": "sys-viewer"}

		if resp, err := postOverHTTP(t, e, owner, "/api/invitations", "invite-1", body); err == nil {
			t.Fatalf("the client got an answer from a process that died: %d", resp.StatusCode)
		}
		time.Sleep(300 * time.Millisecond) // mail goes out off the request path
		if n := mailsTo(e, invitee); n != 0 {
			t.Fatalf("%d invitation mails sent for an invitation that was never committed", n)
		}
		clock.Advance(staleAfter + time.Second)
		e.Must(201, doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/invitations", Token: owner.Access, Body: body,
			Header: map[string]string{idempotency.Header: "invite-1"}}))
		e.Mail.WaitFor(t, invitee, "invitation")
		invitations := decodeJSON[struct{ Items []struct{ Email string } }](t, e.Must(200, callAPI(t, e, "GET", "/api/invitations", owner.Access, nil)))
		if n := mailsTo(e, invitee); n != 1 || len(invitations.Items) != 1 {
			t.Fatalf("%d mails and %d invitations, want 1 and 1", n, len(invitations.Items))
		}
	})
}

func mailsTo(e *apptest.Env, addr string) int {
	n := 0
	for _, m := range e.Mail.Messages() {
		if m.To == addr {
			n++
		}
	}
	return n
}

// A member of one organization accepts an invitation into another with
// an Idempotency-Key: the key belongs to the organization of the caller's
// token, the write to the other one. The key's completion is stored under
// its own organization (on PostgreSQL row-level security would hide it
// from the write's scope), so the request succeeds and its retry replays.
func TestIdempotentAcceptIntoAnotherOrganization(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		member := e.Signup("Home Co")
		other := e.Signup("Other Co")
		e.Must(201, callAPI(t, e, "POST", "/api/invitations", other.Access, map[string]any{"email": member.Email, "roleId": "sys-viewer"}))
		token := e.TokenFromMail(member.Email, "invitation")
		accept := func() *apptest.Response {
			return doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/invitations/accept", Token: member.Access,
				Body: map[string]any{"token": token}, Header: map[string]string{idempotency.Header: "accept-1"}})
		}
		first := accept()
		if first.Status/100 != 2 {
			t.Fatalf("accept: %d %s", first.Status, first.Body)
		}
		again := accept()
		if again.Status != first.Status || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %q %s, want a replay of %d %s", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body, first.Status, first.Body)
		}
		if orgs := listItems[orgItem](t, e.Must(200, callAPI(t, e, "GET", "/api/organizations", member.Access, nil))); len(orgs) != 2 {
			t.Fatalf("member of %d organizations, want 2", len(orgs))
		}
	})
}
