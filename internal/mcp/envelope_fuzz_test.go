package mcp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// peek reads what the audit log needs from any request body without
// panicking; an id it reports is one the answer can echo verbatim.
func FuzzPeek(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":null,"method":"initialize","params":{"clientInfo":{"name":"c","version":"1"}}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]`, ` [ ]`, `{"id":{"a":1}}`, `{"id":[1]}`, `{"id":-1e999}`,
		`{"params":{"_meta":{"io.modelcontextprotocol/clientInfo":{"name":"x"}}}}`, `{"params":"x"}`, `"str"`, `1`, `null`,
		`{"method":"tools/call","params":{"name":"a","name":"b"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := peek(body)
		if e.HasID {
			if !json.Valid(e.ID) {
				t.Fatalf("id %q is not JSON", e.ID)
			}
			var v any
			dec := json.NewDecoder(bytes.NewReader(e.ID))
			dec.UseNumber()
			_ = dec.Decode(&v)
			switch v.(type) {
			case string, json.Number:
			default:
				t.Fatalf("id %s is neither a string nor a number", e.ID)
			}
		}
		if e.Tool != "" && e.Method != "tools/call" {
			t.Fatalf("tool %q reported for method %q", e.Tool, e.Method)
		}
	})
}

// splitToken and the limiter's source parsing take any path and header.
func FuzzTokenPathAndSource(f *testing.F) {
	f.Add("/mcp/pbm_abc/sse", "203.0.113.1, 198.51.100.7", "127.0.0.1:1234")
	f.Add("/mcp/", "", "[::1]:80")
	f.Add("/mcp//x", "garbage,,", "no-port")
	f.Add("/mcp/a/b/c", "::1", "")
	l := newFailureLimiter(LimiterConfig{TrustForwardedFor: true})
	f.Fuzz(func(t *testing.T, path, xff, remote string) {
		tok, rest := splitToken(path)
		if strings.Contains(tok, "/") || (rest != "" && !strings.HasPrefix(rest, "/")) {
			t.Fatalf("splitToken(%q) = %q, %q", path, tok, rest)
		}
		r := &http.Request{Header: http.Header{"X-Forwarded-For": {xff}}, RemoteAddr: remote}
		src := l.source(r)
		if len(src) > len(xff)+len(remote)+40 {
			t.Fatalf("source %q longer than its inputs", src)
		}
		l.fail(src)
		if d, retry := l.admit(src); d < 0 || retry < 0 || d > 2*time.Second {
			t.Fatalf("admit = %v, %v", d, retry)
		}
	})
}
