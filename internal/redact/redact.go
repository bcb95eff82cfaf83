// Package redact removes secrets from connection strings before they are
// shown: in configuration errors, in `hse config` and in logs. Operators
// paste URLs with credentials into variables that expect none (an s3://
// bucket with KEY:SECRET@, a postgres:// URL whose password then appears
// in an error); a message must name the variable and the problem without
// printing the secret back.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces every secret part of a URL.
const Mask = "xxxxx"

// unparsable stands in for a value that is not a URL at all: it cannot be
// told apart into safe and secret parts, so none of it is shown.
const unparsable = "(not a valid URL; value hidden)"

// URL returns raw with its secrets masked: the password of the user
// information (and the user name when it is the only credential, as an
// access key is in s3://KEY@bucket, but not a database's role name), and the values of query parameters
// that carry secrets (password, sslpassword, secret, token, key, ...),
// including URLs nested in query values such as ?endpoint=http://u:p@host.
// What an operator needs to recognise the target (scheme, host, path,
// other parameters) is kept. A value that does not parse is hidden whole.
func URL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return unparsable
	}
	masked := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User, masked = url.UserPassword(u.User.Username(), Mask), true
		} else if !namesUser[u.Scheme] {
			u.User, masked = url.User(Mask), true
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery, masked = Mask, true
		}
		for k, vs := range q {
			for i, v := range vs {
				if SecretName(k) {
					vs[i], masked = Mask, true
				} else if r := URL(v); strings.Contains(v, "://") && r != v {
					vs[i], masked = r, true
				}
			}
		}
		if masked && err == nil {
			u.RawQuery = q.Encode()
		}
	}
	if i := strings.LastIndex(u.Opaque, "@"); i >= 0 {
		// scheme:user:pass@host without slashes parses as opaque.
		u.Opaque, masked = Mask+u.Opaque[i:], true
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment, masked = "", "", true
	}
	if !masked {
		return raw // nothing secret: shown exactly as given
	}
	return u.String()
}

// namesUser are the schemes whose user information starts with a user
// name (a database role), which is not a secret; in other schemes a lone
// user part is an access key.
var namesUser = map[string]bool{"postgres": true, "postgresql": true, "redis": true, "rediss": true}

// SecretName reports whether a parameter or variable named name carries a
// secret, judged by the words such names contain.
func SecretName(name string) bool {
	n := strings.ToLower(name)
	for _, word := range []string{"pass", "secret", "token", "key", "credential", "signature", "auth"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// Host returns a host setting (SMTP_HOST) without user information that
// was put in front of it (user:pass@smtp.example.com).
func Host(host string) string {
	if i := strings.LastIndex(host, "@"); i >= 0 {
		return Mask + host[i:]
	}
	return host
}
