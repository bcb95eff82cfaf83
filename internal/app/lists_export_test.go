package app_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/seed"
)

// The audit export is one query streamed to the client: every audit of
// the filter arrives once, in the list's order, flushed as it goes; a
// client that stops reading stops the export at once.
func TestAuditCSVExportStreamsOneQuery(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine)
		res, err := seed.Run(ctx, e.App.DB, seed.Options{Scale: 0.004, Orgs: 1})
		if err != nil {
			t.Fatal(err)
		}
		owner := &apptest.User{Email: res.Orgs[0].Owner.Email, Password: res.Password}
		e.Login(owner)
		n := res.Orgs[0].Audits
		queries := 0
		e.App.DB.ObserveQueries(func(q string, _ []any) {
			if strings.Contains(q, "FROM audits") && strings.Contains(q, "ORDER BY") {
				queries++
			}
		})
		req := httptest.NewRequest("GET", "/api/audits?format=csv&sort=number", nil)
		req.Header.Set("Authorization", "Bearer "+owner.Access)
		req.RemoteAddr = e.IP + ":40000"
		w := &flushCounter{header: http.Header{}, status: 200}
		e.App.API.ServeHTTP(w, req)
		e.App.DB.ObserveQueries(nil)
		if w.status != 200 {
			t.Fatalf("status %d: %s", w.status, w.body.String())
		}
		var numbers []string
		sc := bufio.NewScanner(&w.body)
		for sc.Scan() {
			numbers = append(numbers, strings.SplitN(sc.Text(), ",", 2)[0])
		}
		if len(numbers) != n+1 || numbers[0] != "number" {
			t.Fatalf("%d lines, want a header and %d audits", len(numbers), n)
		}
		for i := 2; i < len(numbers); i++ {
			if numbers[i] <= numbers[i-1] {
				t.Fatalf("row %d: %s after %s, not in number order", i, numbers[i], numbers[i-1])
			}
		}
		// The one-row probe (errors surface as problems) and the export.
		if queries != 2 {
			t.Errorf("%d list queries for the export, want the probe and one", queries)
		}
		if w.flushes < n/100 || w.maxRun > 100*400 {
			t.Errorf("%d flushes, at most %d bytes between two: not streamed", w.flushes, w.maxRun)
		}

		// A client gone after the first flush: the handler returns
		// without writing the rest.
		gone := &goneWriter{header: http.Header{}}
		done := make(chan struct{})
		go func() {
			defer close(done)
			req := httptest.NewRequest("GET", "/api/audits?format=csv", nil)
			req.Header.Set("Authorization", "Bearer "+owner.Access)
			req.RemoteAddr = e.IP + ":40001"
			e.App.API.ServeHTTP(gone, req)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("the export went on after its client left")
		}
		if gone.writes > 3 {
			t.Errorf("%d writes after the client left", gone.writes-1)
		}
	})
}

// goneWriter accepts the first write and fails every later one, as a
// connection whose client went away.
type goneWriter struct {
	header http.Header
	writes int
}

func (g *goneWriter) Header() http.Header { return g.header }
func (g *goneWriter) WriteHeader(int)     {}
func (g *goneWriter) Flush()              {}
func (g *goneWriter) Write(b []byte) (int, error) {
	g.writes++
	if g.writes > 1 {
		return 0, errors.New("broken pipe")
	}
	return len(b), nil
}
