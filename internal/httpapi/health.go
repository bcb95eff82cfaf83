package httpapi

import (
	"context"
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/health"
)

// Header values of the probes, built once.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

// liveBody is the liveness answer.
type liveBody struct {
	Status string  `json:"status" example:"alive"`
	Uptime float64 `json:"uptime" doc:"Seconds since the process started"`
}

type readyOutput struct {
	Status       int
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Status  string `json:"status" enum:"ready,not_ready"`
		Failing string `json:"failing,omitempty" enum:"draining,database,schema" doc:"The check that failed"`
		Reason  string `json:"reason,omitempty"`
	}
}

type healthBody struct {
	health.Report
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	BuildDate string `json:"buildDate,omitempty"`
}

type healthOutput struct {
	Status       int
	CacheControl string `header:"Cache-Control"`
	Body         healthBody
}

func registerHealth(mux *http.ServeMux, api huma.API, d Deps) {
	// Liveness is polled constantly by every kubelet and load balancer, so it
	// is a plain handler (no huma decoding or negotiation) that is still
	// described in the OpenAPI document.
	live := &huma.Operation{
		OperationID: "live", Method: http.MethodGet, Path: "/api/live", Tags: []string{"Health"},
		Summary:     "Liveness probe",
		Description: "Answers 200 while the process runs. It checks no dependency, so a database blip never restarts pods.",
		Responses: map[string]*huma.Response{"200": {
			Description: "Alive",
			Content: map[string]*huma.MediaType{"application/json": {
				Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[liveBody](), true, "LiveBody"),
			}},
		}},
	}
	api.OpenAPI().AddOperation(live)
	mux.HandleFunc("GET /api/live", func(w http.ResponseWriter, r *http.Request) {
		// Written by hand: the same JSON as liveBody without reflection.
		b := make([]byte, 0, 64)
		b = append(b, `{"status":"alive","uptime":`...)
		b = strconv.AppendFloat(b, d.Health.Uptime().Seconds(), 'f', -1, 64)
		b = append(b, "}\n"...)
		h := w.Header()
		h["Content-Type"] = jsonContentType
		h["Cache-Control"] = noStore
		w.Write(b)
	})

	huma.Register(api, huma.Operation{
		OperationID: "ready", Method: http.MethodGet, Path: "/api/ready", Tags: []string{"Health"},
		Summary:     "Readiness probe",
		Description: "200 when the database answers, the schema is current and the server is not draining; otherwise 503 naming the failing check.",
		Responses:   map[string]*huma.Response{"503": {Description: "Not ready"}},
	}, func(ctx context.Context, _ *struct{}) (*readyOutput, error) {
		out := &readyOutput{Status: http.StatusOK, CacheControl: "no-store"}
		out.Body.Status = "ready"
		if failing, err := d.Health.Ready(ctx); err != nil {
			out.Status = http.StatusServiceUnavailable
			out.Body.Status, out.Body.Failing, out.Body.Reason = "not_ready", failing, err.Error()
		}
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "health", Method: http.MethodGet, Path: "/api/health", Tags: []string{"Health"},
		Summary: "Dependency health",
		Description: "Each dependency with its status and latency. 503 only when a required dependency (database, file storage) is down; " +
			"Redis down is reported as degraded with 200.",
		Responses: map[string]*huma.Response{"503": {Description: "A required dependency is down"}},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		rep := d.Health.Report(ctx)
		out := &healthOutput{Status: http.StatusOK, CacheControl: "no-store"}
		if rep.Status == health.Unhealthy {
			out.Status = http.StatusServiceUnavailable
		}
		out.Body = healthBody{Report: rep, Version: d.Build.Version, Commit: d.Build.Commit, BuildDate: d.Build.BuildDate}
		return out, nil
	})
}
