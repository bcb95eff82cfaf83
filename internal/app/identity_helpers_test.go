package app_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hse"
)

// Helpers of the identity tests (members, organizations, audit trail,
// operators). Every call goes through callAPI, which also checks the error
// format of every error response.

// callAPI sends a request and checks that any error answer is a problem
// document with a code.
func callAPI(t *testing.T, e *apptest.Env, method, path, token string, body any) *apptest.Response {
	t.Helper()
	r := e.Call(method, path, token, body)
	checkProblemFormat(t, method+" "+path, r)
	return r
}

// doAPI is callAPI with headers.
func doAPI(t *testing.T, e *apptest.Env, req apptest.Request) *apptest.Response {
	t.Helper()
	r := e.Do(req)
	checkProblemFormat(t, req.Method+" "+req.Path, r)
	return r
}

func checkProblemFormat(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	if r.Status < 400 {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: status %d with Content-Type %q, want application/problem+json: %s", what, r.Status, ct, r.Body)
	}
	var p struct {
		Code   string `json:"code"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil || p.Code == "" {
		t.Errorf("%s: error response without a code: %s", what, r.Body)
	}
	if p.Status != r.Status {
		t.Errorf("%s: problem status %d differs from the response status %d", what, p.Status, r.Status)
	}
}

// problemDoc is a decoded problem document.
type problemDoc struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// wantProblem fails unless r is an error with the status and (when not
// empty) the code.
func wantProblem(t *testing.T, r *apptest.Response, status int, code string) problemDoc {
	t.Helper()
	var p problemDoc
	_ = json.Unmarshal(r.Body, &p)
	if r.Status != status || (code != "" && p.Code != code) {
		t.Fatalf("got %d %s, want %d %s: %s", r.Status, p.Code, status, code, r.Body)
	}
	return p
}

// wantField fails unless r is a 400 naming field among its field errors.
func wantField(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	p := wantProblem(t, r, 400, "")
	for _, f := range p.Errors {
		if f.Field == field {
			return
		}
	}
	t.Errorf("400 does not name field %q: %s", field, r.Body)
}

// wantForbiddenNaming fails unless r is a 403 whose detail names perm.
func wantForbiddenNaming(t *testing.T, r *apptest.Response, perm hse.Permission) {
	t.Helper()
	p := wantProblem(t, r, 403, "")
	if !strings.Contains(p.Detail, string(perm)) {
		t.Errorf("403 does not name %s: %s", perm, r.Body)
	}
}

func decodeJSON[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decoding %T: %v\n%s", v, err, r.Body)
	}
	return v
}

type orgItem struct {
	ID, Name, Slug, Status, RoleID, Role string
}

type memberItem struct {
	UserID, Email, RoleID, Role string
	EmailVerified               bool
	StationIDs                  []string
	ContractorID                string
}

type invitationItem struct {
	ID, Email, RoleID, Status string
	StationIDs                []string
}

type roleItem struct {
	ID, Name, Description, Scope string
	System                       bool
	Permissions                  []hse.Permission
}

type permissionsView struct {
	OrganizationID, RoleID, Role string
	Permissions                  []hse.Permission
	Scope                        hse.Scope
}

type tokenPair struct {
	AccessToken, RefreshToken, OrganizationID string
	User                                      struct {
		ID, Email        string
		EmailVerified    bool
		PlatformOperator bool
	}
	Organizations []orgItem
}

func listItems[T any](t *testing.T, r *apptest.Response) []T {
	t.Helper()
	return decodeJSON[struct{ Items []T }](t, r).Items
}

var mailSeq atomic.Int64

// newAddress returns a fresh e-mail address.
func newAddress(prefix string) string {
	return fmt.Sprintf("%s%d-%d@example.com", prefix, mailSeq.Add(1), time.Now().UnixNano()%1e6)
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_.-]+)`)

// nthMailToken waits for the n-th (1-based) mail of kind to addr and
// returns the token of its link. Mail is sent after the request returns,
// so a second invitation to one address must be waited for by count.
func nthMailToken(t *testing.T, e *apptest.Env, addr, kind string, n int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got []hse.Mail
		for _, m := range e.Mail.Messages() {
			if strings.EqualFold(m.To, addr) && m.Kind == kind {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			tok := linkToken.FindStringSubmatch(got[n-1].Text)
			if tok == nil {
				t.Fatalf("no token link in %s mail to %s:\n%s", kind, addr, got[n-1].Text)
			}
			return tok[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s mail(s) to %s, want %d", len(got), kind, addr, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// invite sends an invitation and returns its id and token (the n-th
// invitation to that address in this Env).
func invite(t *testing.T, e *apptest.Env, inviter *apptest.User, email, roleID string, extra map[string]any, n int) (id, token string) {
	t.Helper()
	body := map[string]any{"email": email, "roleId": roleID}
	for k, v := range extra {
		body[k] = v
	}
	r := callAPI(t, e, "POST", "/api/invitations", inviter.Access, body)
	e.Must(201, r)
	inv := decodeJSON[invitationItem](t, r)
	return inv.ID, nthMailToken(t, e, email, "invitation", n)
}

func permSet(ps []hse.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	slices.Sort(out)
	return out
}

func findRole(rs []roleItem, id string) (roleItem, bool) {
	for _, r := range rs {
		if r.ID == id {
			return r, true
		}
	}
	return roleItem{}, false
}
