package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// loadListen reads PORT, HSE_LISTEN_ADDR and METRICS_PORT. HSE_LISTEN_ADDR
// chooses the interface as well as the port, so that a single-machine
// install behind a local reverse proxy can bind to 127.0.0.1 only; unset,
// the server listens on every interface at PORT, as it always has.
// /metrics on METRICS_PORT binds the same host: a replica bound to
// loopback must not expose its metrics on every interface.
func (c *Config) loadListen(getenv Getenv, bad func(name, value, want string)) {
	c.Port = intVar(getenv, "PORT", 3001, 1, 65535, bad)
	c.MetricsPort = intVar(getenv, "METRICS_PORT", 0, 0, 65535, bad)
	c.ListenAddr = ":" + strconv.Itoa(c.Port)
	if raw := strings.TrimSpace(getenv("HSE_LISTEN_ADDR")); raw != "" {
		host, port, err := parseListenAddr(raw)
		switch {
		case err != nil:
			bad("HSE_LISTEN_ADDR", raw, err.Error()+` (expected HOST:PORT such as "127.0.0.1:3001", "[::1]:3001" or ":3001" for every interface)`)
		case strings.TrimSpace(getenv("PORT")) != "" && port != c.Port:
			bad("HSE_LISTEN_ADDR", raw, fmt.Sprintf("its port differs from PORT=%d: set the port in one of them only", c.Port))
		default:
			c.ListenHost, c.Port = host, port
			c.ListenAddr = net.JoinHostPort(host, strconv.Itoa(port))
		}
	}
	if c.MetricsPort != 0 && c.MetricsPort == c.Port {
		bad("METRICS_PORT", strconv.Itoa(c.MetricsPort), "must differ from PORT (leave it unset to serve /metrics on PORT)")
	}
}

// parseListenAddr checks HOST:PORT: the host is empty (every interface),
// an IP address or a host name; the port a number from 1 to 65535.
func parseListenAddr(s string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("not HOST:PORT")
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("the port must be a number from 1 to 65535")
	}
	if host != "" && net.ParseIP(host) == nil && !validHostName(host) {
		return "", 0, fmt.Errorf("%q is neither an IP address nor a host name", host)
	}
	return host, port, nil
}

// validHostName accepts letters, digits, hyphens and dots (localhost,
// hse.internal), which is all a host name to listen on needs.
func validHostName(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// MetricsAddr is where /metrics listens on its own: METRICS_PORT on the
// host of HSE_LISTEN_ADDR. Empty when METRICS_PORT is unset (then /metrics
// is served on the API's address).
func (c *Config) MetricsAddr() string {
	if c.MetricsPort == 0 {
		return ""
	}
	return net.JoinHostPort(c.ListenHost, strconv.Itoa(c.MetricsPort))
}
