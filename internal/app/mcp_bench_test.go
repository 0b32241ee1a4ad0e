package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// benchEnv is Patchbay and the Gong sandbox (limits off) over loopback
// HTTP, with one MCP server of every tool: the whole request path of a
// tools/call, for `go test -bench` and its profiles. go run ./bench
// measures the same against separate processes.
type benchEnv struct {
	url    string // the MCP URL
	callID string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	sandbox := gongsandbox.New(gongsandbox.Options{Seed: 1, RatePerSecond: -1, DailyLimit: -1})
	sb := httptest.NewServer(sandbox)
	b.Cleanup(sb.Close)
	sandbox.SetBaseURL(sb.URL)
	a, err := app.Open(context.Background(), app.Config{
		DatabaseURL:   filepath.Join(b.TempDir(), "patchbay.db"),
		EncryptionKey: bytes.Repeat([]byte{1}, 32),
		SandboxOrigin: sb.URL,
		Logger:        slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	ctx := context.Background()
	acct := &store.Account{Integration: "gong", Name: "Sandbox", BaseURL: sb.URL,
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: sandbox.AccessKey(), AccessKeySecret: sandbox.AccessKeySecret()}}
	if err := a.Store.CreateAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	tok := credentials.NewToken(credentials.MCPTokenPrefix)
	if err := a.Store.CreateServer(ctx, &store.Server{AccountID: acct.ID, Name: "bench", TokenHash: credentials.HashToken(tok)}); err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{url: srv.URL + "/mcp/" + tok}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	req, _ := http.NewRequest(http.MethodGet, sb.URL+"/v2/calls?fromDateTime="+day.AddDate(0, 0, -7).Format(time.RFC3339)+"&toDateTime="+day.AddDate(0, 0, 1).Format(time.RFC3339), nil)
	req.SetBasicAuth(sandbox.AccessKey(), sandbox.AccessKeySecret())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, ok := bytes.Cut(out, []byte(`"calls":[{"id":"`))
	id, _, ok2 := bytes.Cut(rest, []byte(`"`))
	if !ok || !ok2 {
		b.Fatalf("no call in the sandbox: %.200s", out)
	}
	e.callID = string(id)
	return e
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}

func (e *benchEnv) post(b *testing.B, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"result"`)) || bytes.Contains(out, []byte(`"isError":true`)) {
		b.Fatalf("HTTP %d: %.300s", resp.StatusCode, out)
	}
}

// BenchmarkMCPToolsCall is one get_single_gong_call_by_id through the
// whole stack (HTTP, token lookup, SDK, upstream call, mapping, audit log).
func BenchmarkMCPToolsCall(b *testing.B) {
	e := newBenchEnv(b)
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_single_gong_call_by_id","arguments":{"id":"` + e.callID + `"}}}`)
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			e.post(b, body)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(8) // 8 × GOMAXPROCS clients
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e.post(b, body)
			}
		})
	})
}

// BenchmarkMCPToolsList is tools/list of every Gong tool.
func BenchmarkMCPToolsList(b *testing.B) {
	e := newBenchEnv(b)
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)
	for b.Loop() {
		e.post(b, body)
	}
}

// BenchmarkMCPToolsCallPage is list_all_gong_calls for a full page of 100
// calls through the whole stack; set beside the sandbox's own
// BenchmarkListCallsPage (the same page served directly) it shows the
// sandbox is not the bottleneck of the pair.
func BenchmarkMCPToolsCallPage(b *testing.B) {
	e := newBenchEnv(b)
	now := time.Now().UTC()
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_calls","arguments":{"fromDateTime":"` +
		now.AddDate(0, 0, -180).Format(time.RFC3339) + `","toDateTime":"` + now.Format(time.RFC3339) + `"}}}`)
	for b.Loop() {
		e.post(b, body)
	}
}
