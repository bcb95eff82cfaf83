package config

import (
	"strings"
	"testing"
)

func TestListenAddr(t *testing.T) {
	tests := []struct {
		env                     map[string]string
		addr, host, metricsAddr string
		port                    int
	}{
		{map[string]string{}, ":3001", "", "", 3001},
		{map[string]string{"PORT": "8080", "METRICS_PORT": "9090"}, ":8080", "", ":9090", 8080},
		{map[string]string{"HSE_LISTEN_ADDR": "127.0.0.1:3001"}, "127.0.0.1:3001", "127.0.0.1", "", 3001},
		{map[string]string{"HSE_LISTEN_ADDR": "127.0.0.1:4000", "METRICS_PORT": "9090"}, "127.0.0.1:4000", "127.0.0.1", "127.0.0.1:9090", 4000},
		{map[string]string{"HSE_LISTEN_ADDR": "[::1]:3001", "PORT": "3001"}, "[::1]:3001", "::1", "", 3001},
		{map[string]string{"HSE_LISTEN_ADDR": "localhost:3002"}, "localhost:3002", "localhost", "", 3002},
		{map[string]string{"HSE_LISTEN_ADDR": ":3003"}, ":3003", "", "", 3003},
	}
	for _, tt := range tests {
		c, err := Load(func(k string) string { return tt.env[k] })
		if err != nil {
			t.Errorf("%v: %v", tt.env, err)
			continue
		}
		if c.ListenAddr != tt.addr || c.ListenHost != tt.host || c.Port != tt.port || c.MetricsAddr() != tt.metricsAddr {
			t.Errorf("%v: addr %q host %q port %d metrics %q, want %q %q %d %q", tt.env,
				c.ListenAddr, c.ListenHost, c.Port, c.MetricsAddr(), tt.addr, tt.host, tt.port, tt.metricsAddr)
		}
		described := false
		for _, s := range c.Describe() {
			if s.Name == "HSE_LISTEN_ADDR" && strings.HasPrefix(s.Value, tt.addr) {
				described = true
			}
		}
		if !described {
			t.Errorf("%v: Describe does not show HSE_LISTEN_ADDR %s", tt.env, tt.addr)
		}
	}

	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HSE_LISTEN_ADDR": "127.0.0.1"}, "not HOST:PORT"},
		{map[string]string{"HSE_LISTEN_ADDR": "127.0.0.1:http"}, "port must be a number"},
		{map[string]string{"HSE_LISTEN_ADDR": "127.0.0.1:70000"}, "port must be a number"},
		{map[string]string{"HSE_LISTEN_ADDR": "bad_host!:3001"}, "neither an IP address nor a host name"},
		{map[string]string{"HSE_LISTEN_ADDR": "127.0.0.1:4000", "PORT": "3001"}, "differs from PORT=3001"},
		{map[string]string{"HSE_LISTEN_ADDR": "127.0.0.1:4000", "METRICS_PORT": "4000"}, "METRICS_PORT"},
	} {
		_, err := Load(func(k string) string { return tt.env[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "HSE_LISTEN_ADDR") && tt.env["METRICS_PORT"] == "" {
			t.Errorf("%v: error %v, want one naming HSE_LISTEN_ADDR and saying %q", tt.env, err, tt.want)
		}
	}
}
