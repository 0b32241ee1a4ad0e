package app_test

// Reliability under upstream faults, load and crashes (issue 10, points
// 1-3). Everything runs over real HTTP on loopback: Patchbay, the Gong
// sandbox with its fault injection, and the clients.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// envOptions adjust newEnvWith's Patchbay and sandbox.
type envOptions struct {
	config func(*app.Config)                   // change Patchbay's config
	wrap   func(http.Handler) http.Handler     // wrap the sandbox's handler
	logger *slog.Logger                        // Patchbay's logger (default: discard)
	serve  func(http.Handler) *httptest.Server // how Patchbay is served (default httptest.NewServer)
}

// newEnvWith is newEnv with hooks: a config change, a wrapper around the
// sandbox (to watch what reaches it) and a logger to inspect.
func newEnvWith(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{now: time.Now()}}
	e.sandbox = gongsandbox.New(gongsandbox.Options{Seed: 1, RatePerSecond: -1, DailyLimit: -1})
	var sbh http.Handler = e.sandbox
	if o.wrap != nil {
		sbh = o.wrap(sbh)
	}
	sb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			e.upstream.Add(1)
		}
		sbh.ServeHTTP(w, r)
	}))
	t.Cleanup(sb.Close)
	e.sbURL = sb.URL
	e.sandbox.SetBaseURL(sb.URL)

	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg := app.Config{
		DatabaseURL:     filepath.Join(t.TempDir(), "patchbay.db"),
		EncryptionKey:   bytes.Repeat([]byte{1}, 32),
		SandboxOrigin:   sb.URL,
		Now:             e.clock.Now,
		UpstreamTimeout: 5 * time.Second,
		PollInterval:    5 * time.Millisecond,
		Logger:          logger,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e.app = a
	var srv *httptest.Server
	if o.serve != nil {
		srv = o.serve(a.Handler())
	} else {
		srv = httptest.NewServer(a.Handler())
	}
	t.Cleanup(srv.Close)
	t.Cleanup(a.Upstream.HTTP.CloseIdleConnections)
	e.url = srv.URL

	e.apiToken = credentials.NewToken(credentials.APITokenPrefix)
	if err := a.Store.CreateAPIToken(context.Background(), &store.APIToken{Name: "test", TokenHash: credentials.HashToken(e.apiToken)}); err != nil {
		t.Fatal(err)
	}
	var acct struct{ ID string }
	e.mustAPI("POST", "/integrated-account", map[string]any{
		"integration": "gong", "name": "Sandbox", "base_url": sb.URL,
		"credentials": map[string]any{"type": "access_key", "access_key": e.sandbox.AccessKey(), "access_key_secret": e.sandbox.AccessKeySecret()},
	}, http.StatusCreated, &acct)
	e.account = acct.ID
	return e
}

// noLeaks checks, after every cleanup of the test has run (servers closed,
// app closed), that no goroutine started during the test is still alive.
// Register it first: cleanups run last-registered first.
func noLeaks(t *testing.T) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		if tr, ok := http.DefaultTransport.(*http.Transport); ok {
			tr.CloseIdleConnections()
		}
		if err := goleak.Find(before); err != nil {
			t.Errorf("goroutines left behind: %v", err)
		}
	})
}

// toolCall posts one tools/call with ctx and decodes the JSON-RPC answer.
type rpcAnswer struct {
	HTTPStatus int
	Header     http.Header
	Raw        string
	Result     struct {
		IsError bool
		Content []struct{ Text string }
	}
	Error *struct {
		Code    int
		Message string
	}
}

func (a rpcAnswer) text() string {
	if len(a.Result.Content) == 0 {
		return ""
	}
	return a.Result.Content[0].Text
}

func toolCall(ctx context.Context, t *testing.T, url, tool string, args map[string]any) (rpcAnswer, error) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{"name": tool, "arguments": args}})
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rpcAnswer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return rpcAnswer{}, err
	}
	out := rpcAnswer{HTTPStatus: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: answer is not JSON-RPC: %d %s", tool, resp.StatusCode, raw)
	}
	return out, nil
}

// lastLog is the newest audit entry of a server.
func lastLog(t *testing.T, e *env, serverID string) *store.LogEntry {
	t.Helper()
	logs, err := e.app.Store.ListLogs(context.Background(), store.LogFilter{ServerID: serverID, Limit: 1})
	if err != nil || len(logs) == 0 {
		t.Fatalf("no log entry for server %s: %v", serverID, err)
	}
	return logs[0]
}

// Latency beyond the upstream timeout ends the call with a timeout error
// naming the limit, well before the upstream would have answered.
func TestFaultLatencyBeyondTimeout(t *testing.T) {
	noLeaks(t)
	const timeout = 400 * time.Millisecond
	e := newEnvWith(t, envOptions{config: func(c *app.Config) { c.UpstreamTimeout = timeout }})
	srv := e.server(map[string]any{})
	e.sandbox.SetFault("GET /v2/users", gongsandbox.Fault{Latency: time.Minute})

	// Bound: the timeout plus a margin that only a hang would exceed.
	ctx, cancel := context.WithTimeout(context.Background(), timeout+15*time.Second)
	defer cancel()
	ans, err := toolCall(ctx, t, srv.URL, "list_all_gong_users", map[string]any{})
	if err != nil {
		t.Fatalf("the call did not come back within the timeout plus margin: %v", err)
	}
	if !ans.Result.IsError || !strings.Contains(ans.text(), "did not answer within "+timeout.String()) {
		t.Fatalf("want an isError naming the %s timeout, got %s", timeout, ans.Raw)
	}
	if l := lastLog(t, e, srv.ID); l.Status != "error" || !strings.Contains(l.Error, "did not answer") {
		t.Errorf("log entry = %+v; want an error naming the timeout", l)
	}
}

// 5xx answers, dropped connections and bodies slower than the timeout are
// clear isError results; a slow body within the timeout still succeeds.
func TestFaultUpstreamFailures(t *testing.T) {
	noLeaks(t)
	const timeout = 1500 * time.Millisecond
	e := newEnvWith(t, envOptions{config: func(c *app.Config) { c.UpstreamTimeout = timeout }})
	srv := e.server(map[string]any{})
	tests := []struct {
		name    string
		fault   gongsandbox.Fault
		isError bool
		want    []string
	}{
		{"500", gongsandbox.Fault{Status: 500}, true, []string{`"status":500`, "Gong answered 500 Internal Server Error", "unexpected error"}},
		{"502", gongsandbox.Fault{Status: 502}, true, []string{`"status":502`, "Gong answered 502 Bad Gateway"}},
		{"503 after latency", gongsandbox.Fault{Status: 503, Latency: 100 * time.Millisecond}, true, []string{`"status":503`, "Gong answered 503 Service Unavailable"}},
		{"dropped connection", gongsandbox.Fault{Drop: true}, true, []string{"could not reach Gong", "connection"}},
		{"slow body past the timeout", gongsandbox.Fault{SlowBody: 20 * time.Second}, true, []string{"did not answer within " + timeout.String()}},
		{"slow body within the timeout", gongsandbox.Fault{SlowBody: 200 * time.Millisecond}, false, []string{`"result"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.sandbox.SetFault("GET /v2/users", tc.fault)
			defer e.sandbox.SetFault("GET /v2/users", gongsandbox.Fault{})
			ctx, cancel := context.WithTimeout(context.Background(), timeout+15*time.Second)
			defer cancel()
			ans, err := toolCall(ctx, t, srv.URL, "list_all_gong_users", map[string]any{})
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if ans.HTTPStatus != http.StatusOK || ans.Error != nil {
				t.Fatalf("want a JSON-RPC result (HTTP 200), got %d %s", ans.HTTPStatus, ans.Raw)
			}
			if ans.Result.IsError != tc.isError {
				t.Fatalf("isError = %v, want %v: %s", ans.Result.IsError, tc.isError, ans.Raw)
			}
			for _, w := range tc.want {
				if !strings.Contains(ans.text(), w) {
					t.Errorf("result lacks %q: %s", w, ans.text())
				}
			}
		})
	}
}

// A storm of 429s goes straight back to every caller with the rate-limit
// figures; nothing retries, so Gong sees exactly one request per call.
func TestFault429Storm(t *testing.T) {
	noLeaks(t)
	e := newEnvWith(t, envOptions{})
	srv := e.server(map[string]any{})
	e.sandbox.SetFault("GET /v2/users", gongsandbox.Fault{Force429: true})
	const callers = 40
	before := e.upstream.Load()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	answers := make([]rpcAnswer, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = toolCall(ctx, t, srv.URL, "list_all_gong_users", map[string]any{})
		}()
	}
	wg.Wait()
	for i, ans := range answers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !ans.Result.IsError || !strings.Contains(ans.text(), `"rate_limit"`) || !strings.Contains(ans.text(), `"retry_after_seconds":1`) {
			t.Fatalf("caller %d: want an isError with rate-limit figures, got %s", i, ans.Raw)
		}
		for _, h := range []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
			if ans.Header.Get(h) == "" {
				t.Errorf("caller %d: HTTP header %s missing", i, h)
			}
		}
	}
	if n := e.upstream.Load() - before; n != callers {
		t.Errorf("Gong saw %d requests for %d calls; a 429 must not be retried", n, callers)
	}
}

// The client going away cancels the upstream request: the sandbox sees its
// request's context cancelled long before Patchbay's upstream timeout.
func TestFaultClientDisconnectCancelsUpstream(t *testing.T) {
	noLeaks(t)
	arrived := make(chan struct{}, 1)
	ended := make(chan error, 1)
	e := newEnvWith(t, envOptions{
		config: func(c *app.Config) { c.UpstreamTimeout = 10 * time.Minute },
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v2/users" {
					next.ServeHTTP(w, r)
					return
				}
				select {
				case arrived <- struct{}{}:
				default:
				}
				next.ServeHTTP(w, r) // the latency fault waits for the context
				select {
				case ended <- r.Context().Err():
				default:
				}
			})
		},
	})
	srv := e.server(map[string]any{})
	e.sandbox.SetFault("GET /v2/users", gongsandbox.Fault{Latency: 10 * time.Minute})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := toolCall(ctx, t, srv.URL, "list_all_gong_users", map[string]any{})
		done <- err
	}()
	bound := time.After(30 * time.Second)
	select {
	case <-arrived:
	case <-bound:
		t.Fatal("the tool call never reached the sandbox")
	}
	cancel() // the client hangs up
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("the sandbox's request ended without its context being cancelled")
		}
	case <-bound:
		t.Fatal("the upstream request was not cancelled after the client left")
	}
	if err := <-done; err == nil {
		t.Error("the cancelled client got an answer")
	}
	// The audit entry is still written for the abandoned call.
	deadline := time.Now().Add(20 * time.Second)
	for {
		logs, _ := e.app.Store.ListLogs(context.Background(), store.LogFilter{ServerID: srv.ID, Tool: "list_all_gong_users"})
		if len(logs) == 1 {
			if !strings.Contains(logs[0].Error, "cancelled") {
				t.Errorf("log entry of the abandoned call: %+v", logs[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no log entry for the abandoned call")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// callOK is a successful SDK tool call helper for the other tests here.
func callOK(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	out, isErr := call(t, cs, name, args)
	if isErr {
		t.Fatalf("%s: %v", name, out)
	}
	return out
}

var _ = fmt.Sprint
