package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// /metrics shows the MCP, upstream and gauge series after tool calls; the
// access log carries request ids and never the MCP token.
func TestMetricsAndAccessLog(t *testing.T) {
	status := http.StatusOK
	var mu sync.Mutex
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		code := status
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "3")
		}
		w.WriteHeader(code)
		io.WriteString(w, `{"requestId":"r","records":{"totalRecords":1,"currentPageSize":1,"currentPageNumber":0},"users":[{"id":"1"}],"errors":["x"]}`)
	}))
	defer upstream.Close()

	logs := &syncBuffer{}
	a, err := app.Open(context.Background(), app.Config{
		DatabaseURL:     filepath.Join(t.TempDir(), "p.db"),
		EncryptionKey:   bytes.Repeat([]byte{1}, 32),
		SandboxOrigin:   upstream.URL,
		Logger:          slog.New(slog.NewJSONHandler(logs, nil)),
		CleanupInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	ctx := context.Background()
	acct := &store.Account{Integration: "gong", Name: "acme", BaseURL: upstream.URL,
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "k", AccessKeySecret: "s"}}
	if err := a.Store.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	token := credentials.NewToken(credentials.MCPTokenPrefix)
	if err := a.Store.CreateServer(ctx, &store.Server{AccountID: acct.ID, Name: "s", TokenHash: credentials.HashToken(token)}); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute)
	if err := a.Store.CreateServer(ctx, &store.Server{AccountID: acct.ID, Name: "gone", TokenHash: "expired", ExpiresAt: &past}); err != nil {
		t.Fatal(err)
	}

	// SQLite has one process: it leads the cleanup at once.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.RunCleanup(cctx); close(done) }()
	defer func() { cancel(); <-done }()

	callTool := func(code int) {
		mu.Lock()
		status = code
		mu.Unlock()
		resp, body := rawMCP(t, srv.URL+"/mcp/"+token,
			`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`,
			map[string]string{"MCP-Protocol-Version": "2025-06-18"})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("tools/call = %d %s (request id %q)", resp.StatusCode, body, resp.Header.Get("X-Request-Id"))
		}
	}
	callTool(http.StatusOK)
	callTool(http.StatusTooManyRequests)
	// Refused before any MCP server is known: no audit entry, but counted.
	for _, u := range []string{"/mcp/" + credentials.NewToken(credentials.MCPTokenPrefix), "/mcp/" + token + "/extra"} {
		if resp, body := rawMCP(t, srv.URL+u, `{"jsonrpc":"2.0","id":1,"method":"ping"}`, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s = %d %s, want 404", u, resp.StatusCode, body)
		}
	}

	var metrics string
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		if strings.Contains(metrics, "patchbay_cleanup_leader 1") || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`patchbay_mcp_requests_total{method="tools/call",outcome="ok",tool="list_all_gong_users"} 1`,
		`patchbay_mcp_requests_total{method="tools/call",outcome="error",tool="list_all_gong_users"} 1`,
		`patchbay_upstream_request_duration_seconds_count{integration="gong",status="200"} 1`,
		`patchbay_upstream_request_duration_seconds_count{integration="gong",status="429"} 1`,
		`patchbay_upstream_rate_limited_total{integration="gong"} 1`,
		`patchbay_mcp_refused_total{reason="unknown_token"} 2`,
		`patchbay_mcp_servers_active 1`,
		`patchbay_cleanup_leader 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	out := logs.String()
	if strings.Contains(out, strings.TrimPrefix(token, credentials.MCPTokenPrefix)) {
		t.Error("the MCP token reached the log")
	}
	if !strings.Contains(out, `"path":"/mcp/<redacted>"`) || !strings.Contains(out, `"request_id":"`) {
		t.Errorf("no access log line with a request id and a redacted path in:\n%s", out)
	}
}
