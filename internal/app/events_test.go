package app_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/outbox"
)

// eventsOf lists the outbox events of one record.
func eventsOf(t *testing.T, e *apptest.Env, orgID, entityType, id string) []hse.Event {
	t.Helper()
	evs, err := e.App.DB.Outbox().Events(context.Background(), orgID, entityType, id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func eventTypes(evs []hse.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

func TestActionAndAuditChangesEmitEvents(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Events Co")
		e, owner := f.e, f.owner
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{f.station.ID}})

		a := newAction(t, e, owner, map[string]any{"title": "Relabel the emergency stop", "stationId": f.station.ID, "priority": "High"})
		e.Must(200, callAPI(t, e, "PATCH", "/api/actions/"+a.ID, owner.Access, map[string]any{"version": a.Version, "assigneeId": sm.UserID}))
		e.Must(200, move(t, e, sm, a.ID, "start", map[string]any{}))
		// A refused move rolls back: no event for it.
		if r := move(t, e, sm, a.ID, "verify", map[string]any{}); r.Status < 400 {
			t.Fatalf("verify by the assignee: %d", r.Status)
		}
		evs := eventsOf(t, e, owner.OrgID, "action", a.ID)
		got := eventTypes(evs)
		want := []string{"action:created", "action:assigned", "action:status_changed"}
		if len(got) != len(want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %v, want %v", got, want)
			}
		}
		if p := evs[1].Payload; p["assigneeUserId"] != sm.UserID || p["number"] != a.Number {
			t.Fatalf("assigned payload %v", p)
		}
		if p := evs[2].Payload; p["from"] != "Open" || p["to"] != "In Progress" || evs[2].ActorUserID != sm.UserID {
			t.Fatalf("status payload %v by %s", p, evs[2].ActorUserID)
		}

		au := f.schedule(t, owner, f.station.ID, owner.UserID, time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly))
		e.Must(200, f.step(t, owner, au.ID, "start"))
		evs = eventsOf(t, e, owner.OrgID, "audit", au.ID)
		if got := eventTypes(evs); len(got) != 2 || got[0] != "audit:assigned" || got[1] != "audit:status_changed" {
			t.Fatalf("audit events %v", got)
		}
		if evs[0].Payload["auditorUserId"] != owner.UserID || evs[1].Payload["to"] != "In Progress" {
			t.Fatalf("audit payloads %v %v", evs[0].Payload, evs[1].Payload)
		}
		// Stations and published checklists announce themselves too.
		if got := eventTypes(eventsOf(t, e, owner.OrgID, "station", f.station.ID)); len(got) != 1 || got[0] != "station:created" {
			t.Fatalf("station events %v", got)
		}
		if got := eventTypes(eventsOf(t, e, owner.OrgID, "form", f.form.ID)); len(got) != 1 || got[0] != "form:published" {
			t.Fatalf("form events %v", got)
		}
		c := newContractor(t, e, owner, "Events Welding", nil)
		e.Must(200, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/contractors/" + c.ID, Token: owner.Access,
			Body: map[string]any{"status": "Suspended"}, Header: map[string]string{"If-Match": `"1"`}}))
		cev := eventsOf(t, e, owner.OrgID, "contractor", c.ID)
		if got := eventTypes(cev); len(got) != 2 || got[0] != "contractor:created" || got[1] != "contractor:status_changed" ||
			cev[1].Payload["from"] != "Active" || cev[1].Payload["to"] != "Suspended" {
			t.Fatalf("contractor events %v %v", got, cev)
		}
		// Another organization sees none of them.
		other := e.Signup("Other Events Co")
		if evs := eventsOf(t, e, other.OrgID, "action", a.ID); len(evs) != 0 {
			t.Fatalf("another organization reads %d events", len(evs))
		}
	})
}

func TestOverdueJobAnnouncesOncePerDueDate(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Overdue Co")
		a := newAction(t, e, owner, map[string]any{"title": "Service the interceptor", "priority": "High", "dueOn": "2026-06-03", "assigneeId": owner.UserID})
		done := newAction(t, e, owner, map[string]any{"title": "Already done", "priority": "Low", "dueOn": "2026-06-02", "assigneeId": owner.UserID})
		e.Must(200, move(t, e, owner, done.ID, "start", map[string]any{}))
		e.Must(200, move(t, e, owner, done.ID, "complete", map[string]any{"notes": "done"}))
		job := e.App.OverdueJob()
		if job == nil {
			t.Fatal("the overdue job is off by default")
		}
		count := func(typ string) int {
			n := 0
			for _, ev := range eventsOf(t, e, owner.OrgID, "action", "") {
				if ev.Type == typ {
					n++
				}
			}
			return n
		}
		run := func() {
			t.Helper()
			if ran, err := job.RunOnce(context.Background()); err != nil || !ran {
				t.Fatalf("run: %v %v", ran, err)
			}
		}
		run()
		if n := count("action:overdue"); n != 0 {
			t.Fatalf("%d overdue events before the due date", n)
		}
		clock.Advance(3 * 24 * time.Hour) // 4 June: one day overdue
		run()
		run()
		if n := count("action:overdue"); n != 1 {
			t.Fatalf("%d overdue events after two runs, want 1 (the completed action is not overdue)", n)
		}
		evs := eventsOf(t, e, owner.OrgID, "action", a.ID)
		last := evs[len(evs)-1]
		if last.Type != "action:overdue" || last.Payload["daysOverdue"] != float64(1) || last.Payload["assigneeUserId"] != owner.UserID {
			t.Fatalf("overdue event %+v", last)
		}
		clock.Advance(6 * 24 * time.Hour) // 10 June: 7 days overdue
		run()
		run()
		if n := count("action:escalated"); n != 1 {
			t.Fatalf("%d escalation events, want 1", n)
		}
		// A new due date that passes again is announced again.
		e.Login(owner)
		cur := decodeJSON[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions/"+a.ID, owner.Access, nil)))
		e.Must(200, callAPI(t, e, "PATCH", "/api/actions/"+a.ID, owner.Access, map[string]any{"version": cur.Version, "dueOn": "2026-06-12"}))
		clock.Advance(3 * 24 * time.Hour) // 13 June
		run()
		if n := count("action:overdue"); n != 2 {
			t.Fatalf("%d overdue events after the due date moved and passed, want 2", n)
		}
	})
}

// recorder is a relay handler that keeps what it saw and can fail.
type recorder struct {
	mu   sync.Mutex
	seen []hse.Event
	fail bool
}

func (r *recorder) Handle(_ context.Context, ev hse.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("consumer down")
	}
	r.seen = append(r.seen, ev)
	return nil
}

func TestRelayDeliversEachEventAndRetriesFailures(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Relay Co")
		rec := &recorder{fail: true}
		relay := e.App.Relay
		relay.Handlers = append(relay.Handlers, outbox.HandlerFunc(rec.Handle))
		a := newAction(t, e, owner, map[string]any{"title": "Check the vent pipes", "priority": "Low"})

		ctx := context.Background()
		metrics := string(e.Must(200, e.Call("GET", "/metrics", "", nil)).Body)
		if !strings.Contains(metrics, "hse_digital_outbox_pending_events 1\n") || !strings.Contains(metrics, "hse_digital_outbox_oldest_pending_age_seconds ") {
			t.Fatalf("backlog metrics missing:\n%s", grepLines(metrics, "outbox"))
		}
		if _, err := relay.Round(ctx); err != nil {
			t.Fatal(err)
		}
		pending, err := e.App.DB.Outbox().Pending(ctx, 10)
		if err != nil || len(pending) != 1 || pending[0].Attempts != 1 {
			t.Fatalf("after a failed delivery: %+v %v", pending, err)
		}
		rec.fail = false
		if n, err := relay.Round(ctx); err != nil || n != 1 {
			t.Fatalf("round: %d %v", n, err)
		}
		if len(rec.seen) != 1 || rec.seen[0].Type != "action:created" || rec.seen[0].EntityID != a.ID || rec.seen[0].OrgID != owner.OrgID {
			t.Fatalf("delivered %+v", rec.seen)
		}
		if n, _ := relay.Round(ctx); n != 0 || len(rec.seen) != 1 {
			t.Fatalf("a delivered event came again (%d)", n)
		}
		metrics = string(e.Must(200, e.Call("GET", "/metrics", "", nil)).Body)
		if !strings.Contains(metrics, "hse_digital_outbox_pending_events 0\n") || !strings.Contains(metrics, `hse_digital_domain_events_total{type="action:created"} 1`) {
			t.Fatalf("after delivery:\n%s", grepLines(metrics, "outbox|domain_events"))
		}
		// Delivered events are purged after the retention; pending ones never.
		newAction(t, e, owner, map[string]any{"title": "Still pending", "priority": "Low"})
		relay.Retention = time.Nanosecond
		time.Sleep(2 * time.Millisecond)
		if err := relay.Purge(ctx); err != nil {
			t.Fatal(err)
		}
		if evs := eventsOf(t, e, owner.OrgID, "action", a.ID); len(evs) != 0 {
			t.Fatalf("%d delivered events survived the purge", len(evs))
		}
		if p, _ := e.App.DB.Outbox().Pending(ctx, 10); len(p) != 1 {
			t.Fatalf("pending after purge: %d, want 1", len(p))
		}
	})
}

// grepLines returns the lines of s that match the pattern.
func grepLines(s, pattern string) string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
