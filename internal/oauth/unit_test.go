package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"net/netip"
	"testing"
	"time"
)

func TestCanonical(t *testing.T) {
	ok := map[string]string{
		"https://pb.example/mcp/oauth":               "https://pb.example/mcp/oauth",
		"HTTPS://PB.Example/mcp/oauth":               "https://pb.example/mcp/oauth",
		"https://pb.example:443/mcp/oauth/":          "https://pb.example/mcp/oauth",
		"http://127.0.0.1:80/mcp/oauth":              "http://127.0.0.1/mcp/oauth",
		"http://127.0.0.1:8080/mcp/oauth/abc":        "http://127.0.0.1:8080/mcp/oauth/abc",
		"https://pb.example":                         "https://pb.example",
		"https://pb.example/":                        "https://pb.example",
		"https://[::1]:8443/mcp/oauth":               "https://[::1]:8443/mcp/oauth",
		"https://pb.example/mcp/Case/Kept":           "https://pb.example/mcp/Case/Kept",
		" https://pb.example/mcp/oauth ":             "https://pb.example/mcp/oauth",
		"https://pb.example/mcp/pbm_abc-DEF_123/":    "https://pb.example/mcp/pbm_abc-DEF_123",
		"https://pb.example/mcp/oauth%2Fx":           "https://pb.example/mcp/oauth%2Fx",
		"https://pb.example:8443/mcp/oauth":          "https://pb.example:8443/mcp/oauth",
		"http://pb.example:443/mcp/oauth":            "http://pb.example:443/mcp/oauth",
		"https://pb.example/mcp/oauth/srv-1":         "https://pb.example/mcp/oauth/srv-1",
		"https://PB.EXAMPLE/mcp/oauth/SRV-1":         "https://pb.example/mcp/oauth/SRV-1",
		"https://pb.example//mcp/oauth":              "https://pb.example//mcp/oauth",
		"https://pb.example/mcp/oauth///":            "https://pb.example/mcp/oauth",
		"https://pb.example/.well-known/x/../mcp/oa": "https://pb.example/.well-known/x/../mcp/oa",
	}
	for in, want := range ok {
		got, err := Canonical(in)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "/mcp/oauth", "pb.example/mcp/oauth", "ftp://pb.example/mcp", "https://pb.example/mcp/oauth?x=1",
		"https://pb.example/mcp/oauth?", "https://pb.example/mcp/oauth#frag", "https://user:pw@pb.example/mcp/oauth",
		"mailto:a@b", "https:///mcp/oauth",
	} {
		if got, err := Canonical(in); err == nil {
			t.Errorf("Canonical(%q) = %q, want an error", in, got)
		}
	}
}

func TestIssuer(t *testing.T) {
	for in, want := range map[string]string{
		"https://pb.example":      "https://pb.example",
		"https://PB.example:443/": "https://pb.example",
		"http://127.0.0.1:8080":   "http://127.0.0.1:8080",
	} {
		if got, err := Issuer(in); err != nil || got != want {
			t.Errorf("Issuer(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "pb.example", "https://pb.example/patchbay", "https://pb.example?x", "ftp://pb.example"} {
		if _, err := Issuer(in); err == nil {
			t.Errorf("Issuer(%q): want an error (the issuer must be a bare origin)", in)
		}
	}
}

func TestRedirectPolicy(t *testing.T) {
	p := DefaultRedirectPolicy()
	allowed := []string{
		"https://chatgpt.com/connector_platform_oauth_redirect",
		"https://chatgpt.com/connector/oauth/abc123",
		"https://ChatGPT.com/connector/oauth/abc123",
		"https://claude.ai/api/mcp/auth_callback",
		"https://claude.com/api/mcp/auth_callback",
		"https://claude.ai:443/api/mcp/auth_callback",
		"http://localhost:6274/oauth/callback",
		"http://127.0.0.1:3000/callback",
		"http://127.0.0.1/cb?x=1",
		"http://[::1]:9999/",
	}
	for _, u := range allowed {
		if err := p.Allows(u); err != nil {
			t.Errorf("Allows(%q) = %v, want allowed", u, err)
		}
	}
	refused := []string{
		"https://chatgpt.com/connector/oauth/",           // prefix needs a rest
		"https://chatgpt.com/connector/oauth/../../evil", // no dot segments past the prefix
		"https://chatgpt.com/connector_platform_oauth_redirect/x",
		"https://chatgpt.com.evil.example/connector_platform_oauth_redirect",
		"https://evil.example/api/mcp/auth_callback",
		"https://claude.ai/api/mcp/auth_callback2",
		"https://claude.ai:8443/api/mcp/auth_callback",
		"http://claude.ai/api/mcp/auth_callback",
		"http://192.168.1.10:3000/callback",
		"http://localhost.evil.example/cb",
		"https://claude.ai/api/mcp/auth_callback#frag",
		"https://user@claude.ai/api/mcp/auth_callback",
		"cursor://anysphere.cursor-retrieval/oauth/callback",
		"javascript:alert(1)",
		"/relative/callback",
		"",
	}
	for _, u := range refused {
		if err := p.Allows(u); err == nil {
			t.Errorf("Allows(%q) = nil, want refused", u)
		}
	}
	custom, err := ParseRedirectPolicy("https://app.example/cb, https://app.example/oauth/*")
	if err != nil {
		t.Fatal(err)
	}
	if custom.Allows("https://app.example/cb") != nil || custom.Allows("https://app.example/oauth/x") != nil {
		t.Error("custom entries refused")
	}
	if custom.Allows("http://127.0.0.1:3000/cb") == nil || custom.Allows("https://claude.ai/api/mcp/auth_callback") == nil {
		t.Error("a custom policy without loopback/defaults allowed them")
	}
	anyHTTPS, _ := ParseRedirectPolicy("https://*,loopback")
	if anyHTTPS.Allows("https://anything.example/x") != nil || anyHTTPS.Allows("http://localhost:1/x") != nil || anyHTTPS.Allows("http://anything.example/x") == nil {
		t.Error("https://*,loopback policy wrong")
	}
	for _, bad := range []string{"http://app.example/cb", "https://app.example", "nonsense", "https://app.example:8443/cb"} {
		if _, err := ParseRedirectPolicy(bad); err == nil {
			t.Errorf("ParseRedirectPolicy(%q) accepted", bad)
		}
	}
}

func TestPKCE(t *testing.T) {
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 appendix B
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	if challenge != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("challenge = %s", challenge)
	}
	if !pkceOK(verifier, challenge) {
		t.Error("the RFC 7636 example does not verify")
	}
	for _, v := range []string{verifier + "x", verifier[:42], "", challenge, verifier[:43] + " "} {
		if pkceOK(v, challenge) {
			t.Errorf("pkceOK(%q) accepted", v)
		}
	}
	if pkceOK(string(make([]byte, 129)), challenge) {
		t.Error("a 129-byte verifier accepted")
	}
}

func TestCacheLifetime(t *testing.T) {
	for cc, want := range map[string]time.Duration{
		"":                         time.Hour,
		"max-age=300":              5 * time.Minute,
		"public, max-age=60":       time.Minute,
		"max-age=9999999":          24 * time.Hour,
		"no-store":                 0,
		"no-cache, max-age=300":    0,
		"max-age=nonsense":         0,
		`max-age="120"`:            2 * time.Minute,
		"private, must-revalidate": time.Hour,
		"MAX-AGE=30":               30 * time.Second,
	} {
		if got := cacheLifetime(cc); got != want {
			t.Errorf("cacheLifetime(%q) = %v, want %v", cc, got, want)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	for a, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true, "93.184.216.34": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "::": false, "fc00::1": false,
		"fe80::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "224.0.0.1": false, "255.255.255.255": false,
		"64:ff9b::a00:1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(a)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", a, got, want)
		}
	}
}

func TestSplitDiscovery(t *testing.T) {
	for p, want := range map[string][2]string{
		"/.well-known/oauth-protected-resource":               {prmName, ""},
		"/.well-known/oauth-protected-resource/mcp/oauth":     {prmName, "/mcp/oauth"},
		"/.well-known/oauth-protected-resource/mcp/oauth/abc": {prmName, "/mcp/oauth/abc"},
		"/mcp/oauth/abc/.well-known/oauth-protected-resource": {prmName, "/mcp/oauth/abc"},
		"/.well-known/oauth-authorization-server":             {asName, ""},
		"/.well-known/openid-configuration/mcp/oauth":         {oidcName, "/mcp/oauth"},
		"/mcp/oauth/.well-known/openid-configuration":         {oidcName, "/mcp/oauth"},
		"/mcp/pbm_x/.well-known/oauth-authorization-server":   {asName, "/mcp/pbm_x"},
	} {
		name, res, ok := splitDiscovery(p)
		if !ok || name != want[0] || res != want[1] {
			t.Errorf("splitDiscovery(%q) = %q, %q, %v; want %q", p, name, res, ok, want)
		}
	}
	for _, p := range []string{"/.well-known/", "/.well-known/security.txt", "/mcp/oauth/.well-known/other", "/.well-known"} {
		if _, _, ok := splitDiscovery(p); ok {
			t.Errorf("splitDiscovery(%q) accepted", p)
		}
	}
}
