package app_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// Failure mode 2 of the runbook lowers DATABASE_POOL_SIZE: a replica then
// never holds more connections than that, and requests beyond it queue
// instead of failing.
func TestSmallPoolQueuesRequests(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.WithEnv("DATABASE_POOL_SIZE", "2"), apptest.WithEnv("HSE_PRINCIPAL_CACHE_TTL", "0s"))
		owner := e.Signup("Small Pool Fuel")
		var wg sync.WaitGroup
		failed := make(chan string, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := e.Call("GET", "/api/members", owner.Access, nil); r.Status != 200 {
					failed <- string(r.Body)
				}
			}()
		}
		wg.Wait()
		close(failed)
		for f := range failed {
			t.Errorf("request failed with a pool of 2: %s", f)
		}
		m := string(e.Must(200, e.Call("GET", "/metrics", "", nil)).Body)
		// On SQLite the pool of 2 is the read pool; the writer is always 1.
		want := map[string]string{"postgres": `go_sql_max_open_connections{db_name="primary"} 2`, "sqlite": `go_sql_max_open_connections{db_name="reader"} 2`}[engine]
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	})
}
