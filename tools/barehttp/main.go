// Command barehttp is the baseline of the health benchmark: a bare net/http
// handler that returns the same bytes as GET /api/live, with no middleware.
// scripts/bench-health.sh measures both side by side.
package main

import (
	"flag"
	"log"
	"net/http"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3900", "listen address")
	body := flag.String("body", `{"status":"alive","uptime":12.345678901}`, "response body")
	flag.Parse()
	b := []byte(*body + "\n")
	http.HandleFunc("/api/live", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
