package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/hse"
)

// HistoryEntryView is one entry of a record's history (an action's, an
// incident's, a permit's).
type HistoryEntryView struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actorId,omitempty" doc:"absent for the system's own changes (jobs)"`
	Kind       string    `json:"kind" doc:"what happened; the history operation of each record lists its kinds"`
	FromStatus string    `json:"fromStatus,omitempty"`
	ToStatus   string    `json:"toStatus,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// registerHistory registers GET <path>/{id}/history of one kind of record.
func registerHistory(api huma.API, d Deps, opID, path string, tags []string, summary, kinds string,
	history func(ctx context.Context, p *hse.Principal, id string) ([]hse.HistoryEntry, error)) {
	huma.Register(api, huma.Operation{OperationID: opID, Method: http.MethodGet, Path: path + "/{id}/history", Tags: tags, Security: bearer,
		Summary: summary, Description: "Kinds: " + kinds + "."},
		func(ctx context.Context, in *struct {
			ID string `path:"id" maxLength:"64"`
		}) (*itemsOutput[HistoryEntryView], error) {
			es, err := history(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, problemFor(ctx, d.Logger, err)
			}
			views := make([]HistoryEntryView, 0, len(es))
			for _, e := range es {
				views = append(views, HistoryEntryView{ID: e.ID, At: e.At, ActorID: e.ActorUserID, Kind: e.Kind, FromStatus: e.FromStatus, ToStatus: e.ToStatus, Note: e.Note})
			}
			return items(views), nil
		})
}
