// Package notify tells people about work given to them. It is an outbox
// handler (see internal/outbox): it reacts to the domain events that
// services commit with their changes and sends e-mail, so a notification
// goes out exactly when the assignment committed, at least once.
package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Recipient is a member to notify.
type Recipient struct {
	Email   string
	Name    string
	OrgName string
}

// Recipients finds members to notify. A user who is not (or no longer) a
// member of the organization is hse.NotFound: they are not told.
type Recipients interface {
	Recipient(ctx context.Context, orgID, userID string) (*Recipient, error)
}

// Notifier sends the e-mail of assignments.
type Notifier struct {
	Store     Recipients
	Mailer    hse.Mailer
	PublicURL string
}

// Handle mails the assignee of an action (created with one, or
// reassigned) and the investigator of an incident. Someone who assigned
// the work to themselves is not told. Other events are ignored.
func (n *Notifier) Handle(ctx context.Context, e hse.Event) error {
	switch e.Type {
	case "action:created", "action:assigned":
		return n.tell(ctx, e, str(e.Payload, "assigneeUserId"), "action_assigned", "actions",
			fmt.Sprintf("Corrective action %s is assigned to you", str(e.Payload, "number")),
			fmt.Sprintf("%s\n\nDue on %s, priority %s.", str(e.Payload, "title"), str(e.Payload, "dueOn"), str(e.Payload, "priority")))
	case "incident:investigator_assigned":
		due := ""
		if d := str(e.Payload, "investigationDueOn"); d != "" {
			due = "\n\nThe investigation is due on " + d + "."
		}
		return n.tell(ctx, e, str(e.Payload, "investigatorUserId"), "investigation_assigned", "incidents",
			fmt.Sprintf("You are investigating incident %s", str(e.Payload, "number")), "You are the investigator of this incident."+due)
	}
	return nil
}

// tell mails one member about a record.
func (n *Notifier) tell(ctx context.Context, e hse.Event, userID, kind, path, subject, body string) error {
	if userID == "" || userID == e.ActorUserID {
		return nil
	}
	r, err := n.Store.Recipient(ctx, e.OrgID, userID)
	if hse.IsNotFound(err) {
		return nil // left the organization meanwhile
	}
	if err != nil {
		return err
	}
	link := strings.TrimRight(n.PublicURL, "/") + "/" + path + "/" + e.EntityID
	return n.Mailer.Send(ctx, hse.Mail{To: r.Email, Kind: kind, Subject: subject + " (" + r.OrgName + ")",
		Text: "Hello " + r.Name + ",\n\n" + body + "\n\nOpen it:\n\n" + link + "\n"})
}

// str reads a string from an event payload.
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
