package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// HSE_LISTEN_ADDR=127.0.0.1:PORT binds the API to loopback only: it
// answers there and on no other address of the machine.
func TestServeListensOnConfiguredHost(t *testing.T) {
	port := freePort(t)
	vars := map[string]string{"HSE_LISTEN_ADDR": fmt.Sprintf("127.0.0.1:%d", port), "HSE_DATA_DIR": t.TempDir(),
		"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "hse.db"), "LOG_LEVEL": "info"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--migrate"}, func(k string) string { return vars[k] }, &out, &out)
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/api/live")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not listening on 127.0.0.1:%d within 30s\n%s", port, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if want := fmt.Sprintf(`"addr":"127.0.0.1:%d"`, port); !strings.Contains(out.String(), want) {
		t.Errorf("the log does not say where the server listens (%s):\n%s", want, out.String())
	}
	// Every other address of this machine must refuse the connection.
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		tried++
		addr := net.JoinHostPort(ipn.IP.String(), fmt.Sprint(port))
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("the server bound to 127.0.0.1 also accepts connections on %s", addr)
		}
	}
	t.Logf("checked %d non-loopback addresses", tried)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
