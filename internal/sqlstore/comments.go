package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hsedigital/hse/internal/comment"
	"github.com/hsedigital/hse/internal/hse"
)

// CommentStore implements comment.Store.
type CommentStore struct{ db *DB }

// Comments returns the comment store.
func (db *DB) Comments() *CommentStore { return &CommentStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *CommentStore) InTx(ctx context.Context, sc hse.TxScope, fn func(comment.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(commentTx{tx})
	})
}

type commentTx struct{ *Tx }

var _ comment.Tx = commentTx{}

const commentColumns = `id, entity_type, entity_id, author_user_id, body, mentions, created_at, deleted_at, deleted_by`

func scanComment(row interface{ Scan(...any) error }) (*comment.Comment, error) {
	var c comment.Comment
	var mentions, deletedBy sql.NullString
	var deletedAt sql.NullTime
	if err := row.Scan(&c.ID, &c.EntityType, &c.EntityID, &c.AuthorUserID, &c.Body, &mentions, &c.CreatedAt, &deletedAt, &deletedBy); err != nil {
		return nil, err
	}
	c.CreatedAt, c.DeletedAt, c.DeletedBy = c.CreatedAt.UTC(), timePtr(deletedAt), deletedBy.String
	c.Mentions = []string{}
	if err := jsonScan(mentions, &c.Mentions); err != nil {
		return nil, err
	}
	return &c, nil
}

func (t commentTx) CreateComment(ctx context.Context, orgID string, c *comment.Comment) error {
	m, err := jsonParam(c.Mentions)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO comments (organization_id, id, entity_type, entity_id, author_user_id, body, mentions, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, orgID, c.ID, c.EntityType, c.EntityID, c.AuthorUserID, c.Body, m, utc(c.CreatedAt))
	return err
}

func (t commentTx) FindComments(ctx context.Context, orgID, entityType, entityID string, limit int) ([]comment.Comment, error) {
	rows, err := t.Query(ctx, `SELECT `+commentColumns+` FROM comments
		WHERE organization_id = ? AND entity_type = ? AND entity_id = ? ORDER BY id LIMIT ?`, orgID, entityType, entityID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []comment.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

func (t commentTx) FindComment(ctx context.Context, orgID, id string) (*comment.Comment, error) {
	c, err := scanComment(t.QueryRow(ctx, `SELECT `+commentColumns+` FROM comments WHERE organization_id = ? AND id = ?`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hse.NotFound("comment")
	}
	return c, err
}

func (t commentTx) DeleteComment(ctx context.Context, orgID, id, by string, at time.Time) error {
	_, err := t.Exec(ctx, `UPDATE comments SET body = '', mentions = NULL, deleted_at = ?, deleted_by = ? WHERE organization_id = ? AND id = ?`,
		utc(at), by, orgID, id)
	return err
}
