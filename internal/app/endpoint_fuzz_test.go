package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// fuzzTarget is a Patchbay (on a sandbox) driven in-process, for fuzzing.
type fuzzTarget struct {
	h        http.Handler
	sdkOnly  http.Handler // another replica on the same database, without the MCP fast path
	apiToken string
	account  string
	server   string // id
	token    string // MCP token of a read-only server
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	sandbox := gongsandbox.New(gongsandbox.Options{Seed: 1, Small: true, RatePerSecond: -1, DailyLimit: -1})
	sb := httptest.NewServer(sandbox)
	f.Cleanup(sb.Close)
	sandbox.SetBaseURL(sb.URL)
	cfg := app.Config{
		DatabaseURL:     filepath.Join(f.TempDir(), "fuzz.db"),
		EncryptionKey:   bytes.Repeat([]byte{2}, 32),
		SandboxOrigin:   sb.URL,
		UpstreamTimeout: 2 * time.Second,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		AuthLimiter:     mcp.LimiterConfig{Disabled: true},
	}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Close() })
	cfg.MCPSDKOnly = true
	twin, err := app.Open(context.Background(), cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { twin.Close() })
	ft := &fuzzTarget{h: a.Handler(), sdkOnly: twin.Handler(), apiToken: credentials.NewToken(credentials.APITokenPrefix)}
	ctx := context.Background()
	if err := a.Store.CreateAPIToken(ctx, &store.APIToken{Name: "fuzz", TokenHash: credentials.HashToken(ft.apiToken)}); err != nil {
		f.Fatal(err)
	}
	acct := &store.Account{Integration: "gong", Name: "Sandbox", BaseURL: sb.URL,
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: sandbox.AccessKey(), AccessKeySecret: sandbox.AccessKeySecret()}}
	if err := a.Store.CreateAccount(ctx, acct); err != nil {
		f.Fatal(err)
	}
	ft.account = acct.ID
	code, body := ft.do("POST", "/integrated-account/"+acct.ID+"/mcp", []byte(`{"name":"fuzz","config":{"methods":["read"]}}`), true)
	var srv struct{ ID, Token string }
	if code != http.StatusCreated || json.Unmarshal(body, &srv) != nil {
		f.Fatalf("create server: %d %s", code, body)
	}
	ft.server, ft.token = srv.ID, srv.Token
	return ft
}

func (ft *fuzzTarget) do(method, path string, body []byte, auth bool) (int, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Host = "127.0.0.1"
	req.RemoteAddr = "127.0.0.1:1"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if auth {
		req.Header.Set("Authorization", "Bearer "+ft.apiToken)
	}
	rec := httptest.NewRecorder()
	ft.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// The whole MCP endpoint takes any body: never a 5xx, always a JSON answer
// (or an empty 202 for notifications).
func FuzzMCPEndpoint(f *testing.F) {
	ft := newFuzzTarget(f)
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_single_gong_call_by_id","arguments":{"id":"../users"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_a_gong_call","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`, `[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]`,
		`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`, `{"jsonrpc":"1.0","id":1,"method":"ping"}`, `{`, ``, `null`, `[]`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_calls","arguments":{"fromDateTime":"x","next_cursor":"\u0000"}}}`,
	} {
		f.Add([]byte(s), "2025-06-18")
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, body []byte, version string) {
		rec := ft.mcp(ft.h, body, version)
		if rec.Code >= 500 {
			t.Fatalf("%d for %q: %s", rec.Code, body, rec.Body)
		}
		out := bytes.TrimSpace(rec.Body.Bytes())
		if len(out) > 0 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(out) {
			t.Fatalf("answer is not JSON: %s", out)
		}
	})
}

func (ft *fuzzTarget) mcp(h http.Handler, body []byte, version string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/mcp/"+ft.token, bytes.NewReader(body))
	req.Host = "127.0.0.1"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if version != "" && !strings.ContainsAny(version, "\r\n\x00") {
		req.Header.Set("MCP-Protocol-Version", version)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Whatever the body, the MCP fast path answers exactly as the go-sdk does
// (or leaves the request to it): same status, type and bytes.
func FuzzFastPathMatchesSDK(f *testing.F) {
	ft := newFuzzTarget(f)
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":"x","method":"tools/list","params":{}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_single_gong_call_by_id","arguments":{"id":"<&>"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope\u00e9","arguments":{"a":[1,2]}}}`,
		`{"jsonrpc":"2.0","id":-4,"method":"tools/call","params":{"name":"list_all_gong_calls","arguments":{"fromDateTime":"2026-01-01T00:00:00Z"}}}`,
	} {
		f.Add([]byte(s), "2025-11-25")
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, body []byte, version string) {
		fast, slow := ft.mcp(ft.h, body, version), ft.mcp(ft.sdkOnly, body, version)
		fb, sb := gongRequestID.ReplaceAll(fast.Body.Bytes(), []byte("$1")), gongRequestID.ReplaceAll(slow.Body.Bytes(), []byte("$1"))
		if fast.Code != slow.Code || fast.Header().Get("Content-Type") != slow.Header().Get("Content-Type") || !bytes.Equal(fb, sb) {
			t.Fatalf("for %q (%q):\nfast %d %s\nSDK  %d %s", body, version, fast.Code, fb, slow.Code, sb)
		}
	})
}

// Admin API bodies: any body on the writing routes is a 2xx or a 4xx with
// a JSON {error, message}, never a 5xx.
func FuzzAdminAPI(f *testing.F) {
	ft := newFuzzTarget(f)
	for i, s := range []string{
		`{"name":"s","config":{"methods":["read"],"tags":["calls"],"require_api_token_auth":true,"budget":{"per_minute":5}},"expires_at":"2099-01-01T00:00:00Z"}`,
		`{"name":"s","config":{"budget":{"per_day":-1}}}`, `{"expires_at":null}`, `{"expires_at":"yesterday"}`, `{"name":7}`,
		`{"config":{"methods":"read"}}`, `{"name":"` + strings.Repeat("n", 300) + `"}`, `{"budget":{"per_day":9}}`,
		`{"integration":"gong","name":"x","base_url":"http://169.254.169.254","credentials":{"type":"access_key","access_key":"k","access_key_secret":"s"}}`,
		`{"integration":"gong","name":"x","base_url":"https://evil.example","credentials":{"type":"oauth2"}}`,
		`{"scopes":[""]}`, `{"unknown":1}`, `{} {}`, `[]`, `null`, ``,
		`{"name":"d","config":{"tool_exposure":"discovery","tags":["calls"]}}`, `{"config":{"tool_exposure":7}}`,
	} {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		routes := []struct{ method, path string }{
			{"POST", "/integrated-account/" + ft.account + "/mcp"},
			{"PATCH", "/integrated-account/" + ft.account + "/mcp/" + ft.server},
			{"PATCH", "/integrated-account/" + ft.account},
			{"POST", "/integrated-account"},
		}
		r := routes[int(route)%len(routes)]
		code, out := ft.do(r.method, r.path, body, true)
		if code >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, code, out)
		}
		var e struct{ Error, Message string }
		if code >= 400 && (json.Unmarshal(out, &e) != nil || e.Error == "" || e.Message == "") {
			t.Fatalf("%d without a JSON error: %s", code, out)
		}
	})
}
