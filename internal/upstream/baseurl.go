package upstream

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// CheckBaseURL decides whether an account may send its credentials to raw.
// It is the SSRF guard: only https hosts equal to or under hostSuffix (for
// Gong: gong.io) pass, or exactly the configured sandbox origin. No
// userinfo, no IP literals, no paths, queries or fragments.
func CheckBaseURL(raw, hostSuffix, sandboxOrigin string) error {
	if raw == "" {
		return errors.New("an API base URL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", raw)
	}
	if sandboxOrigin != "" && sameOrigin(u, sandboxOrigin) {
		return nil
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%q must use https", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not carry a user name or password", raw)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Errorf("%q must be an origin only (scheme and host)", raw)
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) != nil || strings.HasPrefix(u.Host, "[") {
		return fmt.Errorf("%q: IP addresses are not allowed, use the vendor's host name", raw)
	}
	if p := u.Port(); p != "" && p != "443" {
		return fmt.Errorf("%q: only the default https port is allowed", raw)
	}
	suffix := strings.ToLower(strings.TrimPrefix(hostSuffix, "."))
	if suffix == "" || !(host == suffix || strings.HasSuffix(host, "."+suffix)) {
		return fmt.Errorf("%q is not a %s host", raw, suffix)
	}
	// Trailing dots and empty labels are ways to dodge the suffix check on
	// some resolvers.
	if strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return fmt.Errorf("%q is not a valid host name", raw)
	}
	return nil
}

func sameOrigin(u *url.URL, origin string) bool {
	o, err := url.Parse(origin)
	if err != nil || u.User != nil {
		return false
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	return strings.EqualFold(u.Scheme, o.Scheme) && strings.EqualFold(u.Host, o.Host)
}
