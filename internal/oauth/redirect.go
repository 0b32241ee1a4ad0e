package oauth

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// RedirectPolicy decides which redirect URIs a client may register. At
// authorization time the URI must also equal a registered one exactly.
type RedirectPolicy struct {
	// HTTPS maps an https host to its allowed paths: exact, or a prefix
	// when the entry ends in "*" (which then needs a non-empty rest).
	HTTPS map[string][]string
	// AnyHTTPS allows every https redirect URI (open deployments).
	AnyHTTPS bool
	// Loopback allows http://localhost, http://127.0.0.1 and
	// http://[::1] on any port and path (native and CLI clients).
	Loopback bool
}

// DefaultRedirectPolicy allows ChatGPT's and Claude's callbacks and http
// loopback.
func DefaultRedirectPolicy() *RedirectPolicy {
	return &RedirectPolicy{
		HTTPS: map[string][]string{
			"chatgpt.com": {"/connector_platform_oauth_redirect", "/connector/oauth/*"},
			"claude.ai":   {"/api/mcp/auth_callback"},
			"claude.com":  {"/api/mcp/auth_callback"},
		},
		Loopback: true,
	}
}

// ParseRedirectPolicy reads a comma-separated policy: "https://host/path"
// entries (a path ending in * is a prefix), "https://*" for any https
// URI, and "loopback".
func ParseRedirectPolicy(spec string) (*RedirectPolicy, error) {
	p := &RedirectPolicy{HTTPS: map[string][]string{}}
	for _, e := range strings.Split(spec, ",") {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case e == "loopback":
			p.Loopback = true
		case e == "https://*":
			p.AnyHTTPS = true
		default:
			u, err := url.Parse(e)
			if err != nil || u.Scheme != "https" || u.Host == "" || u.Port() != "" || u.RawQuery != "" || u.Fragment != "" || !strings.HasPrefix(u.Path, "/") {
				return nil, fmt.Errorf("redirect policy entry %q: want https://host/path, https://host/prefix*, https://* or loopback", e)
			}
			host := strings.ToLower(u.Host)
			p.HTTPS[host] = append(p.HTTPS[host], u.Path)
		}
	}
	return p, nil
}

// Allows checks a redirect URI a client registers.
func (p *RedirectPolicy) Allows(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return errors.New("redirect URI must be an absolute URL")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("redirect URI must not have a fragment")
	}
	if u.User != nil {
		return errors.New("redirect URI must not have user info")
	}
	switch u.Scheme {
	case "http":
		if p.Loopback && isLoopbackName(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("redirect URI %s: plain http is allowed only on loopback (localhost, 127.0.0.1, [::1])", raw)
	case "https":
		if p.AnyHTTPS {
			return nil
		}
		if u.Port() != "" && u.Port() != "443" {
			return fmt.Errorf("redirect URI %s is not on this server's allowlist", raw)
		}
		for _, allowed := range p.HTTPS[strings.ToLower(u.Hostname())] {
			if prefix, ok := strings.CutSuffix(allowed, "*"); ok {
				if strings.HasPrefix(u.Path, prefix) && len(u.Path) > len(prefix) && !strings.Contains(u.Path[len(prefix):], "..") {
					return nil
				}
			} else if u.Path == allowed {
				return nil
			}
		}
		return fmt.Errorf("redirect URI %s is not on this server's allowlist", raw)
	}
	return fmt.Errorf("redirect URI %s: only https (and http on loopback) are allowed", raw)
}

func isLoopbackName(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// rateLimiter allows n events per window per key (a fixed window; state
// in memory, per replica).
type rateLimiter struct {
	n      int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	counts map[string]*windowCount
}

type windowCount struct {
	start time.Time
	n     int
}

func newRateLimiter(n int, window time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{n: n, window: window, now: now, counts: map[string]*windowCount{}}
}

// allow counts an event for key; false (with the wait) once over the limit.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.counts) > 10000 {
		for k, c := range l.counts {
			if now.Sub(c.start) >= l.window {
				delete(l.counts, k)
			}
		}
	}
	c, ok := l.counts[key]
	if !ok || now.Sub(c.start) >= l.window {
		c = &windowCount{start: now}
		l.counts[key] = c
	}
	if c.n >= l.n {
		return false, c.start.Add(l.window).Sub(now)
	}
	c.n++
	return true, 0
}
