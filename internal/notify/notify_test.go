package notify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/mail/mailtest"
)

type members map[string]*Recipient

func (m members) Recipient(_ context.Context, orgID, userID string) (*Recipient, error) {
	if r, ok := m[orgID+"/"+userID]; ok {
		return r, nil
	}
	return nil, hse.NotFound("member")
}

func TestNotifierMailsAssignees(t *testing.T) {
	ctx := context.Background()
	rec := &mailtest.Recorder{}
	n := &Notifier{Store: members{"o1/u1": {Email: "u1@example.com", Name: "Uma", OrgName: "Fuel Co"}}, Mailer: rec, PublicURL: "https://hse.example/"}
	action := func(typ, assignee, actor string) hse.Event {
		return hse.Event{OrgID: "o1", Type: typ, EntityID: "a1", ActorUserID: actor,
			Payload: map[string]any{"number": "CA-2026-0001", "title": "Relabel", "dueOn": "2026-06-04", "priority": "High", "assigneeUserId": assignee}}
	}
	for _, e := range []hse.Event{
		action("action:created", "u1", "boss"),
		action("action:assigned", "u1", "u1"),                                                  // their own doing: no mail
		action("action:created", "", "boss"),                                                   // unassigned
		action("action:created", "gone", "boss"),                                               // no longer a member
		action("action:updated", "u1", "boss"),                                                 // not an assignment
		{OrgID: "o2", Type: "action:created", Payload: map[string]any{"assigneeUserId": "u1"}}, // another organization
	} {
		if err := n.Handle(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	msgs := rec.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.To != "u1@example.com" || m.Kind != "action_assigned" || !strings.Contains(m.Subject, "CA-2026-0001") ||
		!strings.Contains(m.Subject, "Fuel Co") || !strings.Contains(m.Text, "https://hse.example/actions/a1") || !strings.Contains(m.Text, "2026-06-04") {
		t.Errorf("mail %+v", m)
	}

	// A failing mailer fails the event, so the relay retries it.
	rec.Fail(errors.New("smtp down"))
	if err := n.Handle(ctx, hse.Event{OrgID: "o1", Type: "incident:investigator_assigned", EntityID: "i1",
		Payload: map[string]any{"number": "INC-2026-0001", "investigatorUserId": "u1"}}); err == nil {
		t.Error("a mail failure was swallowed")
	}
}
