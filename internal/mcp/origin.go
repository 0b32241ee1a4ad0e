package mcp

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// DefaultAllowedOrigins are the browser origins allowed when none are
// configured: ChatGPT and Claude, whose connectors call MCP servers, and
// any localhost origin for local tools such as the MCP Inspector UI.
var DefaultAllowedOrigins = []string{"https://chatgpt.com", "https://claude.ai", "http://localhost", "http://127.0.0.1", "http://[::1]"}

// originPolicy decides which requests may reach the MCP endpoint:
//
//   - Origin: a request from a browser carries Origin; it must be one of the
//     allowed origins (MCP 2025-11-25: an invalid Origin gets 403). A
//     request without Origin is not from a browser page and passes. An
//     allowed origin without a port ("http://localhost") allows every port
//     of that host; "*" allows every origin.
//   - Host: when the listener is on loopback and no reverse proxy is in
//     front, Host must be a loopback name too (DNS rebinding). Behind a
//     proxy, Host must be the public URL's host when one is configured.
//
// Allowed origins also get CORS answers, so browser-based clients work.
type originPolicy struct {
	any     bool
	exact   map[string]bool // scheme://host[:port]
	anyPort map[string]bool // scheme://host, for entries without a port
	// publicHost is the configured public URL's host[:port], if any.
	publicHost string
	// behindProxy: a proxy on this host forwards with the public Host.
	behindProxy bool
}

func newOriginPolicy(allowed []string, publicURL string, behindProxy bool) *originPolicy {
	if allowed == nil {
		allowed = DefaultAllowedOrigins
	}
	p := &originPolicy{exact: map[string]bool{}, anyPort: map[string]bool{}, behindProxy: behindProxy}
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		p.publicHost = strings.ToLower(u.Host)
		p.exact[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	for _, o := range allowed {
		o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
		switch {
		case o == "":
		case o == "*":
			p.any = true
		default:
			u, err := url.Parse(o)
			if err != nil || u.Host == "" {
				continue
			}
			if u.Port() == "" {
				p.anyPort[u.Scheme+"://"+u.Hostname()] = true
			}
			p.exact[u.Scheme+"://"+u.Host] = true
		}
	}
	return p
}

func (p *originPolicy) originAllowed(origin string) bool {
	if p.any {
		return true
	}
	o := strings.ToLower(origin)
	if p.exact[o] {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	return p.anyPort[u.Scheme+"://"+u.Hostname()]
}

func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (p *originPolicy) hostAllowed(r *http.Request) bool {
	if isLoopbackHost(r.Host) || (p.publicHost != "" && strings.EqualFold(r.Host, p.publicHost)) {
		return true
	}
	if p.behindProxy {
		// The proxy keeps the public Host; without a public URL there is
		// nothing to compare it with.
		return p.publicHost == ""
	}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return !ok || local == nil || !isLoopbackHost(local.String())
}

// corsAllowHeaders are the request headers MCP clients send.
const corsAllowHeaders = "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID"

// corsExposeHeaders are the response headers browser clients need to read.
const corsExposeHeaders = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"

// admitBrowser validates Host and Origin and adds CORS headers; it answers
// refused requests and preflights itself and then reports false.
func (p *originPolicy) admitBrowser(w http.ResponseWriter, r *http.Request) bool {
	if !p.hostAllowed(r) {
		writeJSONError(w, http.StatusForbidden, "forbidden", "invalid Host header "+truncate(r.Host, 100))
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if !p.originAllowed(origin) {
		writeJSONError(w, http.StatusForbidden, "forbidden", "this origin may not use the MCP endpoint; an admin can allow it with --allowed-origins")
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
		allow := corsAllowHeaders
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && validHeaderList(req) {
			// Echo what was asked (Mcp-Param-* headers vary per tool).
			allow = req
		}
		h.Set("Access-Control-Allow-Headers", allow)
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	return true
}

// validHeaderList accepts a comma-separated list of header-name tokens.
func validHeaderList(s string) bool {
	if len(s) > 1000 {
		return false
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return false
		}
		for _, c := range part {
			if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}
