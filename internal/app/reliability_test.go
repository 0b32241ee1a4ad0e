package app_test

// Reliability under upstream faults, load and crashes (issue 10, points
// 1-3). Everything runs over real HTTP on loopback: Patchbay, the Gong
// sandbox with its fault injection, and the clients.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// envOptions adjust newEnvWith's Patchbay and sandbox.
type envOptions struct {
	config func(*app.Config)                   // change Patchbay's config
	wrap   func(http.Handler) http.Handler     // wrap the sandbox's handler
	logger *slog.Logger                        // Patchbay's logger (default: discard)
	serve  func(http.Handler) *httptest.Server // how Patchbay is served (default httptest.NewServer)
	dbPath string                              // the SQLite file (default: a fresh one)
	// realistic serves the true-to-life company (150 users, 5,000+ calls)
	// instead of the small one, for tests where realism is the point.
	realistic bool
}

// newEnvWith is newEnv with hooks: a config change, a wrapper around the
// sandbox (to watch what reaches it) and a logger to inspect.
func newEnvWith(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, clock: gongsandbox.NewClock(time.Now())}
	e.sandbox = gongsandbox.New(gongsandbox.Options{Seed: 1, Small: !o.realistic, RatePerSecond: -1, DailyLimit: -1})
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
	if o.dbPath == "" {
		o.dbPath = filepath.Join(t.TempDir(), "patchbay.db")
	}
	cfg := app.Config{
		DatabaseURL:     o.dbPath,
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
	e.cfg = cfg
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

// Load: 200 concurrent clients for 30 s mixing tools/list, tools/call, bad
// requests and admin API calls. Patchbay answers no 5xx, every MCP request
// has its audit entry, and memory stays bounded.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const (
		clients   = 200
		duration  = 30 * time.Second
		perClient = 2000 // bounds the count as well as the time
	)
	e := newEnvWith(t, envOptions{})
	full := e.server(map[string]any{"name": "full"})
	readOnly := e.server(map[string]any{"name": "read", "config": map[string]any{"methods": []string{"read"}}})
	guarded := e.server(map[string]any{"name": "guarded", "config": map[string]any{"require_api_token_auth": true}})

	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}

	heap0, rss0 := memory()
	type req struct {
		method, url, body string
		auth              string
		mcp               bool
	}
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	callUsers := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`
	callOne := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_single_gong_call_by_id","arguments":{"id":"1234567890"}}}`
	hidden := `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"create_a_gong_call","arguments":{}}}`
	badArgs := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_all_gong_calls","arguments":{"fromDateTime":7}}}`
	mix := func(client, i int) req {
		switch (client + i) % 12 {
		case 0, 1:
			return req{method: "POST", url: full.URL, body: list, mcp: true}
		case 2:
			return req{method: "POST", url: guarded.URL, body: list, auth: e.apiToken, mcp: true}
		case 3, 4:
			return req{method: "POST", url: full.URL, body: callUsers, mcp: true}
		case 5:
			return req{method: "POST", url: readOnly.URL, body: callOne, mcp: true}
		case 6:
			return req{method: "POST", url: full.URL, body: `{"jsonrpc":"2.0","id":`, mcp: true} // malformed
		case 7:
			return req{method: "POST", url: readOnly.URL, body: hidden, mcp: true} // filtered tool
		case 8:
			return req{method: "POST", url: full.URL, body: badArgs, mcp: true}
		case 9:
			return req{method: "GET", url: e.url + "/integrated-account/" + e.account + "/mcp", auth: e.apiToken}
		case 10:
			return req{method: "GET", url: e.url + "/log?log_type=mcp&limit=20", auth: e.apiToken}
		default:
			if i%25 == 0 {
				return req{method: "POST", url: e.url + "/integrated-account/" + e.account + "/mcp", body: fmt.Sprintf(`{"name":"load %d-%d"}`, client, i), auth: e.apiToken}
			}
			return req{method: "POST", url: e.url + "/integrated-account/" + e.account + "/mcp", body: `{"name":"x","config":{"methods":"read"}}`, auth: e.apiToken} // wrong type: 400
		}
	}

	var (
		mu        sync.Mutex
		mcpSent   int
		total     int
		statuses  = map[int]int{}
		failures  []string
		transport int
	)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient && ctx.Err() == nil; i++ {
				r := mix(c, i)
				hr, _ := http.NewRequest(r.method, r.url, strings.NewReader(r.body))
				hr.Header.Set("Content-Type", "application/json")
				hr.Header.Set("Accept", "application/json, text/event-stream")
				if r.auth != "" {
					hr.Header.Set("Authorization", "Bearer "+r.auth)
				}
				resp, err := hc.Do(hr)
				if err != nil {
					mu.Lock()
					transport++
					if len(failures) < 5 {
						failures = append(failures, err.Error())
					}
					mu.Unlock()
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				total++
				statuses[resp.StatusCode]++
				if r.mcp {
					mcpSent++
				}
				if resp.StatusCode >= 500 && len(failures) < 5 {
					failures = append(failures, fmt.Sprintf("%s %s: %d %.200s", r.method, app.RedactPath(strings.TrimPrefix(r.url, e.url)), resp.StatusCode, body))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests (%d MCP) in %s by %d clients; statuses %v", total, mcpSent, duration, clients, statuses)
	if transport > 0 {
		t.Errorf("%d requests failed at the transport: %v", transport, failures)
	}
	for code, n := range statuses {
		if code >= 500 {
			t.Errorf("Patchbay answered %d %d times: %v", code, n, failures)
		}
	}
	if statuses[200] == 0 || statuses[400] == 0 || statuses[201] == 0 {
		t.Errorf("the mix did not exercise successes, bad requests and admin writes: %v", statuses)
	}

	// Every MCP request has its audit entry (written just after the answer,
	// so wait for the last handlers to finish).
	var logged int
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := e.app.Store.SQL().QueryRow(`SELECT COUNT(*) FROM log_entries`).Scan(&logged); err != nil {
			t.Fatal(err)
		}
		if logged >= mcpSent || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// e.server's own setup made no MCP requests, so the counts must match.
	if logged != mcpSent {
		t.Errorf("%d MCP requests answered but %d log entries", mcpSent, logged)
	}

	tr.CloseIdleConnections()
	heap1, rss1 := memory()
	t.Logf("live heap %d MiB -> %d MiB; RSS %d MiB -> %d MiB", heap0>>20, heap1>>20, rss0>>20, rss1>>20)
	// Generous bounds: they catch a leak per request (tens of thousands of
	// requests), not ordinary growth of pools and caches.
	if heap1 > heap0+128<<20 {
		t.Errorf("live heap grew by %d MiB under load", (heap1-heap0)>>20)
	}
	if rss0 > 0 && rss1 > rss0+1<<30 {
		t.Errorf("RSS grew by %d MiB under load", (rss1-rss0)>>20)
	}
}

// memory is the live heap after a collection and the process's RSS
// (0 where /proc is missing).
func memory() (heap, rss uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				var kb uint64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
				rss = kb << 10
			}
		}
	}
	return ms.HeapAlloc, rss
}

// patchbayBinary is the binary under test: PATCHBAY_TEST_BINARY if set
// (scripts/test builds one), else built here.
func patchbayBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("PATCHBAY_TEST_BINARY"); b != "" {
		return b
	}
	out := filepath.Join(t.TempDir(), "patchbay")
	cmd := exec.Command("go", "build", "-o", out, "github.com/patchbay-dev/patchbay/cmd/patchbay")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// served is one `patchbay serve` process.
type served struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
}

// syncBuffer collects output (logs, a process's stderr) from several
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServe(t *testing.T, bin string, args ...string) *served {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	lines := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var got []byte
		for {
			n, err := stdout.Read(buf)
			got = append(got, buf[:n]...)
			if i := bytes.IndexByte(got, '\n'); i >= 0 {
				lines <- string(got[:i])
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
			if err != nil {
				lines <- string(got)
				return
			}
		}
	}()
	select {
	case line := <-lines:
		u, ok := strings.CutPrefix(strings.TrimSpace(line), "Patchbay serving on ")
		if !ok {
			t.Fatalf("serve printed %q; stderr: %s", line, s.stderr)
		}
		s.url = u
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start; stderr: %s", s.stderr)
	}
	return s
}

type ackedServer struct{ ID, Name, Token string }

// crashSafety runs the crash test against the database at dbURL: a burst of
// admin writes and tool calls, SIGKILL in the middle of it, a restart on
// the same database, then checks. integrity checks the database file or
// server itself.
func crashSafety(t *testing.T, dbURL string, integrity func(t *testing.T, key []byte)) {
	bin := patchbayBinary(t)
	key := bytes.Repeat([]byte{3}, 32)
	keyArg := base64.StdEncoding.EncodeToString(key)
	sandbox := gongsandbox.New(gongsandbox.Options{Seed: 1, Small: true, RatePerSecond: -1, DailyLimit: -1})
	sb := httptest.NewServer(sandbox)
	defer sb.Close()
	sandbox.SetBaseURL(sb.URL)
	common := []string{"--database", dbURL, "--encryption-key", keyArg, "--sandbox-origin", sb.URL}

	out, err := exec.Command(bin, "api-token", "create", "--name", "crash", "--database", dbURL, "--encryption-key", keyArg).CombinedOutput()
	if err != nil {
		t.Fatalf("api-token create: %v %s", err, out)
	}
	apiToken := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "API token: "))

	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	do := func(base, method, path, body string) (int, []byte, error) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	first := startServe(t, bin, common...)
	acctBody, _ := json.Marshal(map[string]any{"integration": "gong", "name": "Sandbox", "base_url": sb.URL,
		"credentials": map[string]any{"type": "access_key", "access_key": sandbox.AccessKey(), "access_key_secret": sandbox.AccessKeySecret()}})
	status, body, err := do(first.url, "POST", "/integrated-account", string(acctBody))
	if err != nil || status != http.StatusCreated {
		t.Fatalf("create account: %d %s %v", status, body, err)
	}
	var acct struct{ ID string }
	_ = json.Unmarshal(body, &acct)
	status, body, _ = do(first.url, "POST", "/integrated-account/"+acct.ID+"/mcp", `{"name":"caller"}`)
	var caller ackedServer
	if status != http.StatusCreated || json.Unmarshal(body, &caller) != nil {
		t.Fatalf("create server: %d %s", status, body)
	}

	// The burst: writers create servers, callers use tools, until the kill.
	var (
		mu        sync.Mutex
		acked     []ackedServer
		attempted = map[string]bool{}
		unacked   int
		calls     int
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("crash-%d-%d", w, i)
				cfg := `{"methods":["read"],"tags":["calls"],"require_api_token_auth":true}`
				mu.Lock()
				attempted[name] = true
				mu.Unlock()
				status, body, err := do(first.url, "POST", "/integrated-account/"+acct.ID+"/mcp", fmt.Sprintf(`{"name":%q,"config":%s}`, name, cfg))
				mu.Lock()
				if err == nil && status == http.StatusCreated {
					var s ackedServer
					if json.Unmarshal(body, &s) == nil && s.Name == name {
						acked = append(acked, s)
					}
				} else {
					unacked++
				}
				mu.Unlock()
				if err != nil {
					return // the process is gone
				}
			}
		}()
	}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _, err := do(first.url+"/mcp/"+caller.Token, "POST", "", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`)
				if err != nil {
					return
				}
				mu.Lock()
				calls++
				mu.Unlock()
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 60 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	close(stop)
	wg.Wait()
	hc.CloseIdleConnections()
	t.Logf("killed after %d acknowledged creates (%d not acknowledged) and %d tool calls", len(acked), unacked, calls)
	if len(acked) == 0 || unacked == 0 {
		t.Fatalf("the kill did not land mid-burst: %d acknowledged, %d cut off", len(acked), unacked)
	}

	second := startServe(t, bin, common...)
	integrity(t, key)

	// Nothing acknowledged was lost: each server is there, whole, and its
	// token (kept only as a hash) still opens it.
	for _, s := range acked {
		status, body, err := do(second.url, "GET", "/integrated-account/"+acct.ID+"/mcp/"+s.ID, "")
		if err != nil || status != http.StatusOK {
			t.Fatalf("acknowledged server %s lost: %d %s %v", s.Name, status, body, err)
		}
		var got struct {
			Name   string
			Config struct {
				Methods             []string
				Tags                []string
				RequireAPITokenAuth bool `json:"require_api_token_auth"`
			}
		}
		if json.Unmarshal(body, &got) != nil || got.Name != s.Name || fmt.Sprint(got.Config.Methods, got.Config.Tags) != "[read] [calls]" || !got.Config.RequireAPITokenAuth {
			t.Errorf("acknowledged server %s came back altered: %s", s.Name, body)
		}
	}
	for _, s := range acked[:min(len(acked), 10)] {
		status, body, err := do(second.url+"/mcp/"+s.Token, "POST", "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
		if err != nil || status != http.StatusOK || !strings.Contains(string(body), `"tools"`) {
			t.Errorf("the token of acknowledged server %s no longer works: %d %.200s %v", s.Name, status, body, err)
		}
	}
	// Every server that exists is whole: listed with its config, an account,
	// a name the burst used, and its token works (checked by hash above for
	// the acknowledged ones; the others must at least parse).
	status, body, err = do(second.url, "GET", "/integrated-account/"+acct.ID+"/mcp", "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("listing servers after the restart: %d %s %v", status, body, err)
	}
	var listed struct {
		Result []struct {
			ID, Name            string
			IntegratedAccountID string `json:"integrated_account_id"`
		}
	}
	if err := json.Unmarshal(body, &listed); err != nil {
		t.Fatal(err)
	}
	for _, s := range listed.Result {
		if s.Name != "caller" && !attempted[s.Name] || s.IntegratedAccountID != acct.ID {
			t.Errorf("a server no client asked for: %+v", s)
		}
	}
	if len(listed.Result) < len(acked)+1 {
		t.Errorf("%d servers listed, fewer than the %d acknowledged", len(listed.Result), len(acked)+1)
	}
	// The restarted process still takes writes and tool calls.
	if status, body, _ := do(second.url, "POST", "/integrated-account/"+acct.ID+"/mcp", `{"name":"after"}`); status != http.StatusCreated {
		t.Errorf("create after restart: %d %s", status, body)
	}
	if status, body, _ := do(second.url+"/mcp/"+caller.Token, "POST", "", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`); status != http.StatusOK || !strings.Contains(string(body), `\"result\"`) {
		t.Errorf("tool call after restart: %d %.300s", status, body)
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.cmd.Wait(); err != nil {
		t.Errorf("the restarted server did not stop cleanly: %v; stderr: %s", err, second.stderr)
	}
}

// Crash safety on SQLite: SIGKILL mid-burst, restart, integrity_check.
func TestCrashSafetySQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	crashSafety(t, path, func(t *testing.T, key []byte) {
		cipher, err := credentials.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sqlstore.Open(context.Background(), path, cipher)
		if err != nil {
			t.Fatalf("reopening the database: %v", err)
		}
		defer db.Close()
		var res string
		if err := db.SQL().QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
			t.Fatalf("integrity_check = %q, %v", res, err)
		}
		checkRows(t, db)
	})
}

// checkRows checks, in SQL, that every server row is whole: a token hash,
// a config that parses, an existing account.
func checkRows(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT s.name, s.token_hash, s.config, a.id FROM mcp_servers s LEFT JOIN integrated_accounts a ON a.id = s.account_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, hash, cfg string
		var acct *string
		if err := rows.Scan(&name, &hash, &cfg, &acct); err != nil {
			t.Fatal(err)
		}
		var c store.ServerConfig
		if len(hash) != 64 || json.Unmarshal([]byte(cfg), &c) != nil || acct == nil {
			t.Errorf("server %q is not whole: hash %q, config %q, account %v", name, hash, cfg, acct)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no server rows at all")
	}
}
