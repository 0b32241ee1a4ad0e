package app_test

import (
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/app"
)

// No path that reaches the access log shows a token: not the canonical
// /mcp/{token}[/sse], and not unclean spellings (//mcp/…, /./mcp/…,
// /x/../mcp/…) that are logged before the mux redirects them.
func FuzzRedactPath(f *testing.F) {
	tok := "pbm_kJlh0NUtD64SsN6el0OG88poxmy47VXWnnYBbT1XQtE"
	for _, p := range []string{
		"/mcp/" + tok, "/mcp/" + tok + "/sse", "/mcp/" + tok + "/message", "//mcp/" + tok, "/./mcp/" + tok,
		"/x/../mcp/" + tok, "/mcp/../mcp/" + tok, "/" + tok, "/mcp//" + tok, "/MCP/" + tok, "/mcp/", "/", "",
		"/integrated-account/x/mcp", "/mcp/" + tok + "/" + tok, "/pba_abc/def",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		out := app.RedactPath(p)
		if strings.HasPrefix(p, "/mcp/") && !strings.HasPrefix(out, "/mcp/<redacted>") {
			t.Fatalf("RedactPath(%q) = %q", p, out)
		}
		for _, seg := range strings.Split(p, "/") {
			if (strings.Contains(seg, "pbm_") || strings.Contains(seg, "pba_")) && strings.Contains(out, seg) && !strings.Contains("/mcp/<redacted>", seg) {
				t.Fatalf("RedactPath(%q) = %q still shows %q", p, out, seg)
			}
		}
		if rest, ok := strings.CutPrefix(p, "/mcp/"); ok {
			first, _, _ := strings.Cut(rest, "/")
			if len(first) >= 8 && strings.Count(p, first) == 1 && strings.Contains(out, first) {
				t.Fatalf("RedactPath(%q) = %q still shows the token %q", p, out, first)
			}
		}
	})
}
