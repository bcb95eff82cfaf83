package app_test

import (
	"bytes"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// filesIsolation covers uploads and downloads: tenant B can neither read,
// download nor delete tenant A's files, and sees only its own storage use.
func filesIsolation() isolationSuite {
	var photo []byte
	fileUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		c := e.Must(200, e.Call("GET", "/api/attachments/"+a.ids["attachment"]+"/content", a.owner.Access, nil))
		if !bytes.Equal(c.Body, photo) {
			t.Error("tenant A's file was changed")
		}
	}
	file := map[string]string{"{id}": "attachment"}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			photo = withGPS(testJPEG(t, 64, 48))
			v := e.Must(201, upload(e, a.owner.Access, "Tenant A forecourt.jpg", "", photo)).JSON(t)
			a.ids["attachment"] = v["id"].(string)
			a.secrets = append(a.secrets, a.ids["attachment"], "Tenant A forecourt", v["sha256"].(string))
		},
		cases: map[string]isolationCase{
			"POST /api/upload":                       {kind: "self"},
			"GET /api/organizations/current/storage": {kind: "self"},
			"GET /api/attachments/{id}":              {kind: "target", params: file},
			"GET /api/attachments/{id}/content":      {kind: "target", params: file},
			"GET /api/attachments/{id}/thumbnail":    {kind: "target", params: file},
			"DELETE /api/attachments/{id}":           {kind: "target", params: file, after: fileUnchanged},
			"GET /api/attachments/{id}/link":         {kind: "target", params: file},
			// Without a valid signature nothing is served; links signed for
			// one organization's file are tested in TestFileLinks.
			"GET /api/files/{id}": {kind: "public", params: file},
		},
	}
}
