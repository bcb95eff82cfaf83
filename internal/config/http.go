package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/hsedigital/hse/internal/redact"
)

// DefaultPublicURL is where a local install is reached.
const DefaultPublicURL = "http://localhost:3001"

// DefaultMaxBodyBytes bounds JSON request bodies: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// HTTP configures how the server faces browsers and proxies.
type HTTP struct {
	// CORSOrigins are the exact origins (scheme://host[:port], lower case,
	// default port dropped: the form browsers send in Origin) allowed to
	// call the API from another origin with credentials. Empty allows none;
	// the web app itself is same-origin and needs no entry.
	CORSOrigins []string
	// TrustProxy believes X-Forwarded-Proto (and similar headers) set by
	// the load balancer in front. Only true behind a proxy that overwrites
	// them, otherwise any client could claim to be on HTTPS.
	TrustProxy bool
	// PublicURL is the absolute URL users reach, without a trailing slash;
	// links in e-mails are built on it.
	PublicURL string
	// MaxBodyBytes bounds JSON request bodies (uploads have their own limit).
	MaxBodyBytes int64
}

// LoadHTTP reads CORS_ORIGINS, HSE_TRUST_PROXY, HSE_PUBLIC_URL and
// HSE_MAX_BODY_BYTES and validates them.
func LoadHTTP(getenv Getenv) (HTTP, error) {
	var errs []error
	h := HTTP{}

	seen := map[string]bool{}
	for entry := range strings.SplitSeq(getenv("CORS_ORIGINS"), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		origin, err := parseOrigin(entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("CORS_ORIGINS entry %q is invalid: %v (expected a comma-separated list of origins such as https://app.example.com or http://localhost:5173)", redact.URL(entry), err))
			continue
		}
		if !seen[origin] {
			seen[origin] = true
			h.CORSOrigins = append(h.CORSOrigins, origin)
		}
	}

	if v := strings.TrimSpace(getenv("HSE_TRUST_PROXY")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("HSE_TRUST_PROXY=%q is invalid: expected true or false", v))
		}
		h.TrustProxy = b
	}

	h.PublicURL = strings.TrimSpace(getenv("HSE_PUBLIC_URL"))
	if h.PublicURL == "" {
		h.PublicURL = DefaultPublicURL
	}
	if u, err := parsePublicURL(h.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("HSE_PUBLIC_URL=%q is invalid: %v (expected an absolute http or https URL such as https://hse.example.com)", redact.URL(h.PublicURL), err))
	} else {
		h.PublicURL = u
	}

	h.MaxBodyBytes = DefaultMaxBodyBytes
	if v := strings.TrimSpace(getenv("HSE_MAX_BODY_BYTES")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			errs = append(errs, fmt.Errorf("HSE_MAX_BODY_BYTES=%q is invalid: expected a number of bytes from 1024 to %d", v, 1<<30))
		} else {
			h.MaxBodyBytes = n
		}
	}

	if len(errs) > 0 {
		return HTTP{}, errors.Join(errs...)
	}
	return h, nil
}

// parseOrigin checks one configured origin and returns it in the form a
// browser sends in the Origin header, so the middleware can compare
// strings exactly.
func parseOrigin(s string) (string, error) {
	if s == "*" || strings.Contains(s, "*") {
		return "", errors.New("wildcards are not allowed because the API allows credentials; list each origin")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("the scheme must be http or https")
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", errors.New("no host")
	}
	if u.User != nil {
		return "", errors.New("user information is not part of an origin")
	}
	// A single trailing slash is tolerated: it is how origins are often
	// copied from a browser's address bar.
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", errors.New("an origin has no path, query or fragment")
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", errors.New("the port must be a number from 1 to 65535")
		}
		port = strconv.Itoa(n)
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = "" // browsers leave the default port out of Origin
	}
	hostport := host
	if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	if port != "" {
		hostport = net.JoinHostPort(host, port)
	}
	return u.Scheme + "://" + hostport, nil
}

// parsePublicURL checks the public URL and drops its trailing slash so
// that links are built as PublicURL + "/path".
func parsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("the scheme must be http or https")
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", errors.New("no host")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", errors.New("user information, query and fragment are not allowed")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// Describe lists the HTTP settings.
func (h HTTP) Describe() []Setting {
	origins := "(none: same-origin only)"
	if len(h.CORSOrigins) > 0 {
		origins = strings.Join(h.CORSOrigins, ",")
	}
	return []Setting{
		{"HSE_PUBLIC_URL", h.PublicURL},
		{"CORS_ORIGINS", origins},
		{"HSE_TRUST_PROXY", strconv.FormatBool(h.TrustProxy)},
		{"HSE_MAX_BODY_BYTES", strconv.FormatInt(h.MaxBodyBytes, 10)},
	}
}
