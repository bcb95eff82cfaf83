package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
)

// hse openapi prints the document /api/openapi.json serves, so the web
// client is generated without a server.
func TestOpenAPICommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"openapi"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if doc.OpenAPI == "" || len(doc.OpenAPI) < 3 || doc.OpenAPI[:3] != "3.1" {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	for _, p := range []string{"/api/auth/login", "/api/incidents", "/api/auth/me/permissions"} {
		if doc.Paths[p] == nil {
			t.Errorf("path %s missing from the document", p)
		}
	}
	if err := run(context.Background(), []string{"openapi", "extra"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("openapi with an argument succeeded")
	}
}
