package mcp

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOriginAllowList(t *testing.T) {
	p := newOriginPolicy(nil, "https://patchbay.example.com", false)
	for origin, want := range map[string]bool{
		"https://chatgpt.com":              true,
		"https://claude.ai":                true,
		"http://localhost:6274":            true,
		"http://127.0.0.1:3000":            true,
		"http://[::1]:8080":                true,
		"https://patchbay.example.com":     true,
		"https://CHATGPT.com":              true,
		"https://chatgpt.com.evil.example": false,
		"http://chatgpt.com":               false,
		"https://localhost:6274":           false,
		"https://evil.example":             false,
		"null":                             false,
	} {
		if got := p.originAllowed(origin); got != want {
			t.Errorf("%s: allowed = %v, want %v", origin, got, want)
		}
	}
	if !newOriginPolicy([]string{"*"}, "", false).originAllowed("https://anything.example") {
		t.Error("* must allow any origin")
	}
	if newOriginPolicy([]string{}, "", false).originAllowed("https://chatgpt.com") {
		t.Error("an empty list must allow no browser origin")
	}
	if !newOriginPolicy([]string{"https://app.example:8443"}, "", false).originAllowed("https://app.example:8443") ||
		newOriginPolicy([]string{"https://app.example:8443"}, "", false).originAllowed("https://app.example:9443") {
		t.Error("an origin with a port allows only that port")
	}
}

func withLocal(r *http.Request, addr string) *http.Request {
	a, _ := net.ResolveTCPAddr("tcp", addr)
	return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, a))
}

func TestHostCheck(t *testing.T) {
	req := func(host, local string) *http.Request {
		r := httptest.NewRequest("POST", "/mcp/x", nil)
		r.Host = host
		return withLocal(r, local)
	}
	cases := []struct {
		name        string
		public      string
		behindProxy bool
		host, local string
		want        bool
	}{
		{"loopback listener, loopback host", "", false, "localhost:8080", "127.0.0.1:8080", true},
		{"loopback listener, foreign host (rebinding)", "", false, "evil.example", "127.0.0.1:8080", false},
		{"loopback listener, the public host", "https://pb.example", false, "pb.example", "127.0.0.1:8080", true},
		{"behind a proxy, the public host", "https://pb.example", true, "pb.example", "127.0.0.1:8080", true},
		{"behind a proxy, another host", "https://pb.example", true, "evil.example", "127.0.0.1:8080", false},
		{"behind a proxy without a public URL", "", true, "anything.example", "127.0.0.1:8080", true},
		{"public listener", "", false, "pb.internal", "10.0.0.5:8080", true},
	}
	for _, c := range cases {
		p := newOriginPolicy(nil, c.public, c.behindProxy)
		if got := p.hostAllowed(req(c.host, c.local)); got != c.want {
			t.Errorf("%s: allowed = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPreflight(t *testing.T) {
	p := newOriginPolicy(nil, "", false)
	r := withLocal(httptest.NewRequest("OPTIONS", "/mcp/x", nil), "127.0.0.1:8080")
	r.Host = "127.0.0.1:8080"
	r.Header.Set("Origin", "https://chatgpt.com")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "content-type, mcp-protocol-version, mcp-param-region")
	w := httptest.NewRecorder()
	if p.admitBrowser(w, r) {
		t.Fatal("a preflight must be answered here")
	}
	h := w.Header()
	if w.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://chatgpt.com" ||
		h.Get("Access-Control-Allow-Headers") != "content-type, mcp-protocol-version, mcp-param-region" {
		t.Errorf("preflight: %d %v", w.Code, h)
	}
	r.Header.Set("Access-Control-Request-Headers", "x\r\ninjected: 1")
	w = httptest.NewRecorder()
	p.admitBrowser(w, r)
	if w.Header().Get("Access-Control-Allow-Headers") != corsAllowHeaders {
		t.Errorf("a malformed header list was echoed: %q", w.Header().Get("Access-Control-Allow-Headers"))
	}
}
