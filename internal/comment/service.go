package comment

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Service applies the comment rules.
type Service struct {
	Store   Store
	Targets map[string]Target
	Now     func() time.Time
}

func (s *Service) target(entityType string) (Target, error) {
	t, ok := s.Targets[entityType]
	if !ok || t.Find == nil {
		return Target{}, hse.NotFound(entityType)
	}
	return t, nil
}

// List returns the comments of a record the caller can see, oldest first;
// deleted comments keep their place with the body removed.
func (s *Service) List(ctx context.Context, p *hse.Principal, entityType, entityID string) ([]Comment, error) {
	t, err := s.target(entityType)
	if err != nil {
		return nil, err
	}
	if _, err := t.Find(ctx, p, entityID); err != nil {
		return nil, err
	}
	var out []Comment
	err = s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		out, err = tx.FindComments(ctx, p.OrgID, entityType, entityID, MaxPerList)
		return err
	})
	for i := range out {
		if out[i].DeletedAt != nil {
			out[i].Body, out[i].Mentions = "", nil
		}
	}
	return out, err
}

// Create adds a comment to a record. Mentioned users must be members of
// the organization; the event names them, so notifications can tell them.
func (s *Service) Create(ctx context.Context, p *hse.Principal, entityType, entityID, body string, mentions []string) (*Comment, error) {
	t, err := s.target(entityType)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(t.Write, p.Can) {
		return nil, hse.Forbidden("FORBIDDEN", "missing permission %s", t.Write[0])
	}
	stationID, err := t.Find(ctx, p, entityID)
	if err != nil {
		return nil, err
	}
	c := &Comment{ID: hse.NewID(), EntityType: entityType, EntityID: entityID, AuthorUserID: p.UserID,
		Body: body, Mentions: slices.Clone(mentions), CreatedAt: hse.Now(s.Now)}
	if c.Mentions == nil {
		c.Mentions = []string{}
	}
	if err := Validate(c); err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		nm, err := tx.NonMembers(ctx, p.OrgID, c.Mentions)
		if err != nil {
			return err
		}
		if len(nm) > 0 {
			i := slices.Index(c.Mentions, nm[0])
			return hse.Invalid("a mentioned user is not a member", hse.FieldError{Field: fmt.Sprintf("mentions[%d]", i), Message: "not a member of this organization"})
		}
		if err := tx.CreateComment(ctx, p.OrgID, c); err != nil {
			return err
		}
		payload := map[string]any{"commentId": c.ID, "entityType": entityType, "entityId": entityID, "mentions": c.Mentions}
		if stationID != "" {
			payload["stationId"] = stationID
		}
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, c.CreatedAt, TypeCreated, entityType, entityID, payload)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, hse.NewAuditEntry(ctx, p, c.CreatedAt, "comment.created", "comment", c.ID, nil,
			map[string]any{"entityType": entityType, "entityId": entityID, "mentions": c.Mentions}))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Delete removes a comment's text, keeping the fact that it existed. The
// author may delete their own; members who can manage roles (admins) may
// delete any, for moderation.
func (s *Service) Delete(ctx context.Context, p *hse.Principal, id string) error {
	var c *Comment
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		c, err = tx.FindComment(ctx, p.OrgID, id)
		return err
	})
	if err != nil {
		return err
	}
	// The record's visibility is checked by its own service, outside this
	// package's transaction.
	t, err := s.target(c.EntityType)
	if err != nil {
		return err
	}
	if _, err := t.Find(ctx, p, c.EntityID); err != nil || c.DeletedAt != nil {
		return hse.NotFound("comment")
	}
	if c.AuthorUserID != p.UserID && !p.Can(hse.PermRolesManage) {
		return hse.Forbidden("NOT_AUTHOR", "only the author or an administrator can delete a comment")
	}
	now := hse.Now(s.Now)
	return s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if err := tx.DeleteComment(ctx, p.OrgID, id, p.UserID, now); err != nil {
			return err
		}
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, now, TypeDeleted, c.EntityType, c.EntityID, map[string]any{"commentId": id})); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, hse.NewAuditEntry(ctx, p, now, "comment.deleted", "comment", id,
			map[string]any{"body": c.Body, "entityType": c.EntityType, "entityId": c.EntityID}, nil))
	})
}
