package httpapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/comment"
)

// CommentView is a comment as the API shows it. A deleted comment keeps
// its place in the thread without its text.
type CommentView struct {
	ID         string     `json:"id"`
	EntityType string     `json:"entityType" doc:"incident, action or permit"`
	EntityID   string     `json:"entityId"`
	AuthorID   string     `json:"authorId"`
	Body       string     `json:"body"`
	Mentions   []string   `json:"mentions" doc:"user ids of the members called in"`
	CreatedAt  time.Time  `json:"createdAt"`
	Deleted    bool       `json:"deleted"`
	DeletedAt  *time.Time `json:"deletedAt,omitempty"`
}

func commentView(c *comment.Comment) CommentView {
	v := CommentView{ID: c.ID, EntityType: c.EntityType, EntityID: c.EntityID, AuthorID: c.AuthorUserID, Body: c.Body,
		Mentions: c.Mentions, CreatedAt: c.CreatedAt, Deleted: c.DeletedAt != nil, DeletedAt: c.DeletedAt}
	if v.Mentions == nil {
		v.Mentions = []string{}
	}
	return v
}

// commentCollections maps each kind of record that takes comments to its
// collection path and tag.
var commentCollections = map[string]struct{ path, tag, name string }{
	"incident": {"/api/incidents", "Incidents", "Incident"},
	"action":   {"/api/actions", "Corrective actions", "Action"},
	"permit":   {"/api/permits", "Permits to work", "Permit"},
}

func registerComments(api huma.API, d Deps) {
	svc := d.Comments
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	kinds := make([]string, 0, len(svc.Targets))
	for k := range svc.Targets {
		if _, ok := commentCollections[k]; ok {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds) // a stable OpenAPI document
	for _, kind := range kinds {
		col := commentCollections[kind]
		huma.Register(api, huma.Operation{OperationID: "list" + col.name + "Comments", Method: http.MethodGet, Path: col.path + "/{id}/comments",
			Tags: []string{col.tag}, Security: bearer, Summary: "The comments on a record, oldest first"},
			func(ctx context.Context, in *struct {
				ID string `path:"id" maxLength:"64"`
			}) (*itemsOutput[CommentView], error) {
				cs, err := svc.List(ctx, principalFrom(ctx), kind, in.ID)
				if err != nil {
					return nil, fail(ctx, err)
				}
				views := make([]CommentView, 0, len(cs))
				for i := range cs {
					views = append(views, commentView(&cs[i]))
				}
				return items(views), nil
			})
		huma.Register(api, huma.Operation{OperationID: "create" + col.name + "Comment", Method: http.MethodPost, Path: col.path + "/{id}/comments",
			Tags: []string{col.tag}, Security: bearer, DefaultStatus: 201, Summary: "Comment on a record, mentioning members",
			Description: "Members who work on the record may comment (Viewers read only). mentions are user ids of members; " +
				"the comment:created event names them so they can be notified."},
			func(ctx context.Context, in *struct {
				ID   string `path:"id" maxLength:"64"`
				Body struct {
					Body     string   `json:"body" maxLength:"10000"`
					Mentions []string `json:"mentions,omitempty" maxItems:"20"`
				}
			}) (*struct{ Body CommentView }, error) {
				c, err := svc.Create(ctx, principalFrom(ctx), kind, in.ID, in.Body.Body, in.Body.Mentions)
				if err != nil {
					return nil, fail(ctx, err)
				}
				return &struct{ Body CommentView }{commentView(c)}, nil
			})
	}
	huma.Register(api, huma.Operation{OperationID: "deleteComment", Method: http.MethodDelete, Path: "/api/comments/{id}",
		Tags: []string{"Comments"}, Security: bearer, DefaultStatus: 204,
		Summary: "Delete a comment (its author, or an administrator)", Description: "The text is removed; the thread keeps its place and the audit trail keeps what was said."},
		func(ctx context.Context, in *struct {
			ID string `path:"id" maxLength:"64"`
		}) (*struct{}, error) {
			if err := svc.Delete(ctx, principalFrom(ctx), in.ID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})
}
