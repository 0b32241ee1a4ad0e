package app_test

// Access control tested from the attacker's side (issue 10, point 5).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// answer is what a caller can observe of one HTTP answer, minus the
// headers that differ on every request anyway.
type answer struct {
	Status int
	Header string
	Body   string
}

func observe(t *testing.T, client *http.Client, method, url, body string, header map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var keys []string
	for k, v := range resp.Header {
		if k == "Date" || k == "X-Request-Id" {
			continue
		}
		keys = append(keys, k+": "+strings.Join(v, ","))
	}
	sort.Strings(keys)
	return answer{resp.StatusCode, strings.Join(keys, "\n"), string(b)}
}

// permissive keeps the failure limiter out of tests that send many bad
// tokens on purpose.
func permissive(c *app.Config) { c.AuthLimiter = mcp.LimiterConfig{Free: 10_000, Refuse: 20_000} }

// Unknown, malformed, expired, revoked, deleted-account and
// other-installation tokens all get the very same answer: status, headers
// and body.
func TestSecurityBadTokensIndistinguishable(t *testing.T) {
	e := newEnvWith(t, envOptions{config: permissive})
	other := newEnvWith(t, envOptions{}) // another installation
	foreign := other.server(map[string]any{})

	expiring := e.server(map[string]any{"expires_at": e.clock.Now().Add(2 * time.Minute).Format(time.RFC3339)})
	revoked := e.server(map[string]any{})
	e.mustAPI("DELETE", "/integrated-account/"+e.account+"/mcp/"+revoked.ID, nil, http.StatusOK, nil)
	var acct2 struct{ ID string }
	e.mustAPI("POST", "/integrated-account", map[string]any{
		"integration": "gong", "name": "Second", "base_url": e.sbURL,
		"credentials": map[string]any{"type": "access_key", "access_key": e.sandbox.AccessKey(), "access_key_secret": e.sandbox.AccessKeySecret()},
	}, http.StatusCreated, &acct2)
	var gone created
	e.mustAPI("POST", "/integrated-account/"+acct2.ID+"/mcp", map[string]any{"name": "doomed"}, http.StatusCreated, &gone)
	e.mustAPI("DELETE", "/integrated-account/"+acct2.ID, nil, http.StatusOK, nil)
	live := e.server(map[string]any{})
	e.clock.Advance(3 * time.Minute)

	tokens := map[string]string{
		"unknown":               credentials.NewToken(credentials.MCPTokenPrefix),
		"expired":               expiring.Token,
		"revoked":               revoked.Token,
		"deleted account":       gone.Token,
		"other installation":    foreign.Token,
		"API token as MCP URL":  e.apiToken,
		"no prefix":             strings.TrimPrefix(live.Token, credentials.MCPTokenPrefix),
		"truncated live token":  live.Token[:len(live.Token)-1],
		"live token upper-case": strings.ToUpper(live.Token),
		"overlong":              live.Token + strings.Repeat("A", 200),
	}
	requests := []struct{ method, suffix, body string }{
		{"POST", "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`},
		{"POST", "", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`},
		{"POST", "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`},
		{"GET", "/sse", ""},
		{"POST", "/message?sessionId=abc", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`},
		{"DELETE", "", ""},
	}
	before := e.upstream.Load()
	for _, rq := range requests {
		want := observe(t, nil, rq.method, e.url+"/mcp/"+tokens["unknown"]+rq.suffix, rq.body, nil)
		if want.Status != http.StatusNotFound {
			t.Fatalf("%s %s with an unknown token: %d %s", rq.method, rq.suffix, want.Status, want.Body)
		}
		for name, tok := range tokens {
			got := observe(t, nil, rq.method, e.url+"/mcp/"+tok+rq.suffix, rq.body, nil)
			if got != want {
				t.Errorf("%s %q with the %s token differs from an unknown token:\n%+v\nvs\n%+v", rq.method, rq.suffix, name, got, want)
			}
		}
	}
	if n := e.upstream.Load() - before; n != 0 {
		t.Errorf("%d upstream calls made with bad tokens", n)
	}
	// The live token still works; only it does.
	if got := observe(t, nil, "POST", live.URL, requests[0].body, nil); got.Status != http.StatusOK {
		t.Fatalf("live token: %d %s", got.Status, got.Body)
	}
	// The admin API answers another account's server like a missing one.
	other2 := e.server(map[string]any{})
	var acct3 struct{ ID string }
	e.mustAPI("POST", "/integrated-account", map[string]any{
		"integration": "gong", "name": "Third", "base_url": e.sbURL,
		"credentials": map[string]any{"type": "access_key", "access_key": e.sandbox.AccessKey(), "access_key_secret": e.sandbox.AccessKeySecret()},
	}, http.StatusCreated, &acct3)
	auth := map[string]string{"Authorization": "Bearer " + e.apiToken}
	missing := observe(t, nil, "GET", e.url+"/integrated-account/"+acct3.ID+"/mcp/00000000-0000-0000-0000-000000000000", "", auth)
	cross := observe(t, nil, "GET", e.url+"/integrated-account/"+acct3.ID+"/mcp/"+other2.ID, "", auth)
	if missing.Status != http.StatusNotFound || cross != missing {
		t.Errorf("another account's server: %+v; a missing one: %+v", cross, missing)
	}
	if st, _ := e.api("DELETE", "/integrated-account/"+acct3.ID+"/mcp/"+other2.ID, nil); st != http.StatusNotFound {
		t.Errorf("deleting another account's server through the wrong account: %d", st)
	}
	if got := observe(t, nil, "POST", other2.URL, requests[0].body, nil); got.Status != http.StatusOK {
		t.Errorf("the server survived the cross-account delete attempt: %d", got.Status)
	}
}

// limiterEnv is Patchbay with a small failure limiter whose delays are
// recorded instead of slept.
type delays struct {
	mu  sync.Mutex
	all []time.Duration
}

func (d *delays) sleep(_ context.Context, v time.Duration) {
	d.mu.Lock()
	d.all = append(d.all, v)
	d.mu.Unlock()
}

func (d *delays) take() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.all
	d.all = nil
	return out
}

// clientFrom dials from a given loopback address (Linux routes all of
// 127.0.0.0/8 to lo), to be a different source than 127.0.0.1.
func clientFrom(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// Repeated bad tokens from one source are slowed, then refused with 429,
// whatever X-Forwarded-For says; another source is not affected at all.
func TestSecurityFailedTokensSlowedThenRefused(t *testing.T) {
	rec := &delays{}
	e := newEnvWith(t, envOptions{config: func(c *app.Config) {
		c.AuthLimiter = mcp.LimiterConfig{Free: 3, Refuse: 6, Forgive: time.Hour, Sleep: rec.sleep}
	}})
	live := e.server(map[string]any{})
	guarded := e.server(map[string]any{"config": map[string]any{"require_api_token_auth": true}})
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	bad := e.url + "/mcp/" + credentials.NewToken(credentials.MCPTokenPrefix)
	// X-Forwarded-For is not trusted by default: rotating it changes nothing.
	spoof := func(i int) map[string]string {
		return map[string]string{"X-Forwarded-For": fmt.Sprintf("10.0.0.%d", i)}
	}

	var statuses []int
	var slept [][]time.Duration
	for i := range 4 {
		statuses = append(statuses, observe(t, nil, "POST", bad, list, spoof(i)).Status)
		slept = append(slept, rec.take())
	}
	// A wrong API token on a guarded server counts as a failure too.
	statuses = append(statuses, observe(t, nil, "POST", guarded.URL, list, map[string]string{"Authorization": "Bearer pba_wrong"}).Status)
	slept = append(slept, rec.take())
	statuses = append(statuses, observe(t, nil, "POST", bad, list, spoof(9)).Status)
	slept = append(slept, rec.take())
	if fmt.Sprint(statuses) != "[404 404 404 404 401 404]" {
		t.Fatalf("statuses before the limit = %v", statuses)
	}
	for i := range 4 {
		if len(slept[i]) != 0 {
			t.Errorf("failure %d was slowed (%v) within the free allowance", i+1, slept[i])
		}
	}
	if len(slept[4]) != 1 || len(slept[5]) != 1 || slept[5][0] <= slept[4][0] {
		t.Errorf("failures beyond the allowance were not slowed increasingly: %v", slept)
	}
	refused := observe(t, nil, "POST", bad, list, spoof(77))
	if refused.Status != http.StatusTooManyRequests || !strings.Contains(refused.Header, "Retry-After: ") {
		t.Fatalf("after %d failures: %d %s %s; want 429 with Retry-After", 6, refused.Status, refused.Header, refused.Body)
	}
	// Refused means refused: the source's tokens are not even looked at.
	before := e.upstream.Load()
	if got := observe(t, nil, "POST", live.URL, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`, nil); got.Status != http.StatusTooManyRequests {
		t.Errorf("a refused source's valid token: %d", got.Status)
	}
	if e.upstream.Load() != before {
		t.Error("a refused source reached upstream")
	}

	// Another source is unaffected: no delay, its bad tokens still 404,
	// its good token works.
	other := clientFrom(t, "127.0.0.2")
	if got := observe(t, other, "POST", live.URL, list, nil); got.Status != http.StatusOK {
		t.Fatalf("another source's valid request: %d %s", got.Status, got.Body)
	}
	if got := observe(t, other, "POST", bad, list, nil); got.Status != http.StatusNotFound {
		t.Errorf("another source's first bad token: %d", got.Status)
	}
	if d := rec.take(); len(d) != 0 {
		t.Errorf("another source was slowed: %v", d)
	}
	// Refusals have no audit entry; the metrics count them.
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`patchbay_mcp_refused_total{reason="unknown_token"} 6`, `patchbay_mcp_refused_total{reason="too_many_failures"} 2`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// Behind a trusted proxy the source is the address the proxy appended (the
// last X-Forwarded-For entry); an address the client prepends is ignored.
func TestSecurityLimiterBehindTrustedProxy(t *testing.T) {
	e := newEnvWith(t, envOptions{config: func(c *app.Config) {
		c.AuthLimiter = mcp.LimiterConfig{Free: 2, Refuse: 3, Forgive: time.Hour, TrustForwardedFor: true, Sleep: func(context.Context, time.Duration) {}}
	}})
	live := e.server(map[string]any{})
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	bad := e.url + "/mcp/" + credentials.NewToken(credentials.MCPTokenPrefix)
	attacker := func(forged string) map[string]string {
		return map[string]string{"X-Forwarded-For": strings.TrimPrefix(forged+", 198.51.100.7", ", ")}
	}
	for i := range 3 {
		if got := observe(t, nil, "POST", bad, list, attacker(fmt.Sprintf("203.0.113.%d", i))); got.Status != http.StatusNotFound {
			t.Fatalf("failure %d: %d", i+1, got.Status)
		}
	}
	if got := observe(t, nil, "POST", live.URL, list, attacker("192.0.2.1")); got.Status != http.StatusTooManyRequests {
		t.Errorf("the attacker, forging a first X-Forwarded-For entry: %d, want 429", got.Status)
	}
	if got := observe(t, nil, "POST", live.URL, list, map[string]string{"X-Forwarded-For": "198.51.100.8"}); got.Status != http.StatusOK {
		t.Errorf("another client behind the same proxy: %d, want 200", got.Status)
	}
}

// require_api_token_auth: missing, wrong, deleted, another installation's
// and the MCP token itself are all refused alike, before anything runs.
func TestSecurityRequireAPITokenNoBypass(t *testing.T) {
	e := newEnvWith(t, envOptions{config: permissive})
	other := newEnvWith(t, envOptions{})
	srv := e.server(map[string]any{"config": map[string]any{"require_api_token_auth": true}})
	doomed := credentials.NewToken(credentials.APITokenPrefix)
	tok := &store.APIToken{Name: "doomed", TokenHash: credentials.HashToken(doomed)}
	if err := e.app.Store.CreateAPIToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`
	if got := observe(t, nil, "POST", srv.URL, call, map[string]string{"Authorization": "Bearer " + doomed}); got.Status != http.StatusOK {
		t.Fatalf("a valid API token: %d %s", got.Status, got.Body)
	}
	if err := e.app.Store.DeleteAPIToken(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	before := e.upstream.Load()
	want := observe(t, nil, "POST", srv.URL, call, nil)
	if want.Status != http.StatusUnauthorized {
		t.Fatalf("no API token: %d", want.Status)
	}
	for name, h := range map[string]string{
		"deleted":            "Bearer " + doomed,
		"wrong":              "Bearer " + credentials.NewToken(credentials.APITokenPrefix),
		"other installation": "Bearer " + other.apiToken,
		"the MCP token":      "Bearer " + srv.Token,
		"empty bearer":       "Bearer ",
		"basic":              "Basic " + e.apiToken,
		"token without type": e.apiToken,
		"prefix only":        "Bearer pba_",
		"overlong":           "Bearer " + e.apiToken + strings.Repeat("x", 5000),
	} {
		got := observe(t, nil, "POST", srv.URL, call, map[string]string{"Authorization": h})
		if got != want {
			t.Errorf("%s API token: %+v; want the same answer as none: %+v", name, got, want)
		}
	}
	// Also through the legacy SSE transport.
	if got := observe(t, nil, "GET", srv.URL+"/sse", "", map[string]string{"Authorization": "Bearer " + doomed}); got.Status != http.StatusUnauthorized {
		t.Errorf("SSE with a deleted API token: %d", got.Status)
	}
	if n := e.upstream.Load() - before; n != 0 {
		t.Errorf("%d upstream calls without a valid API token", n)
	}
}

// Method and tag filters hold on tools/call: a hidden tool's name, case and
// Unicode tricks, duplicate keys and JSON-RPC batches reach nothing.
func TestSecurityFiltersNoBypass(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	e := newEnvWith(t, envOptions{config: permissive, wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.URL.Path)
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}})
	readOnly := e.server(map[string]any{"config": map[string]any{"methods": []string{"read"}, "tags": []string{"users"}}})
	createArgs := `{"clientUniqueId":"x1","actualStart":"2026-01-01T00:00:00Z","direction":"Outbound","primaryUser":"1","parties":[{"userId":"1"}]}`
	callBody := func(name string) string {
		n, _ := json.Marshal(name)
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":` + string(n) + `,"arguments":` + createArgs + `}}`
	}
	mu.Lock()
	seen = nil
	mu.Unlock()
	bodies := map[string]string{}
	for _, name := range []string{
		"create_a_gong_call", "CREATE_A_GONG_CALL", "Create_A_Gong_Call", " create_a_gong_call", "create_a_gong_call ",
		"create_a_gong_call\u0000", "create_a_gong_call\u200b", "create_a_gong_caII", "ｃreate_a_gong_call",
		"list_all_gong_calls", // read, but not tagged users
		"get_single_gong_call_by_id", "search", "fetch", "add_gong_call_with_media_and_wait",
	} {
		bodies["name "+name] = callBody(name)
	}
	bodies["duplicate name keys"] = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":` + createArgs + `,"name":"create_a_gong_call"}}`
	bodies["batch"] = `[` + callBody("create_a_gong_call") + `,{"jsonrpc":"2.0","id":2,"method":"tools/list"}]`
	bodies["batch of one"] = `[` + callBody("create_a_gong_call") + `]`
	bodies["method case"] = strings.Replace(callBody("create_a_gong_call"), "tools/call", "TOOLS/CALL", 1)
	bodies["params as array"] = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["create_a_gong_call",` + createArgs + `]}`
	for name, body := range bodies {
		got := observe(t, nil, "POST", readOnly.URL, body, nil)
		if got.Status >= 500 {
			t.Errorf("%s: %d %s", name, got.Status, got.Body)
		}
		if strings.Contains(got.Body, `\"result\"`) || strings.Contains(got.Body, "callIds") {
			t.Errorf("%s: a hidden tool answered: %.300s", name, got.Body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if s != "GET /v2/users" {
			t.Errorf("a filtered-out request reached Gong: %s", s)
		}
	}
}

// Path parameters are one escaped path segment of the documented endpoint:
// no traversal, query or fragment reaches another endpoint.
func TestSecurityPathParamsStayInTheirSegment(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	e := newEnvWith(t, envOptions{config: permissive, wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.URL.EscapedPath()+"?"+r.URL.RawQuery)
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}})
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	mu.Lock()
	seen = nil
	mu.Unlock()
	ids := []string{"..", ".", "../users", "..%2fusers", "%2e%2e", "%2e%2e%2fusers", "1/../../users", "1/..", "1?workspaceId=1", "1#x",
		"1%00", "/v2/users", `..\users`, "1;x=y", "1%3F", " ../users", "..\u2215users", "1\r\nX-Injected: 1", "%252e%252e"}
	for _, id := range ids {
		_, _ = call(t, cs, "get_single_gong_call_by_id", map[string]any{"id": id})
	}
	one := regexp.MustCompile(`^GET /v2/calls/[^/?#]+\?$`)
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if !one.MatchString(s) || strings.Contains(s, "/v2/calls/.?") || strings.Contains(s, "/v2/calls/..?") {
			t.Errorf("a path argument escaped its segment: %q", s)
		}
	}
}

// The admin API refuses every route without a valid API token, and the
// refused requests change nothing.
func TestSecurityAdminAPIRefusesWithoutToken(t *testing.T) {
	e := newEnvWith(t, envOptions{})
	other := newEnvWith(t, envOptions{})
	srv := e.server(map[string]any{})
	routes := []struct{ method, path, body string }{
		{"POST", "/integrated-account", `{"integration":"gong","name":"x","base_url":"` + e.sbURL + `","credentials":{"type":"access_key","access_key":"k","access_key_secret":"s"}}`},
		{"GET", "/integrated-account", ""},
		{"GET", "/integrated-account/" + e.account, ""},
		{"PATCH", "/integrated-account/" + e.account, `{"name":"pwned"}`},
		{"DELETE", "/integrated-account/" + e.account, ""},
		{"GET", "/integrated-account/" + e.account + "/tools", ""},
		{"POST", "/integrated-account/" + e.account + "/mcp", `{"name":"x"}`},
		{"GET", "/integrated-account/" + e.account + "/mcp", ""},
		{"GET", "/integrated-account/" + e.account + "/mcp/" + srv.ID, ""},
		{"PATCH", "/integrated-account/" + e.account + "/mcp/" + srv.ID, `{"expires_at":null}`},
		{"DELETE", "/integrated-account/" + e.account + "/mcp/" + srv.ID, ""},
		{"GET", "/log?log_type=mcp", ""},
		{"GET", "/integrated-account/connect/gong", ""},
	}
	auths := map[string]string{
		"none":               "",
		"wrong":              "Bearer " + credentials.NewToken(credentials.APITokenPrefix),
		"other installation": "Bearer " + other.apiToken,
		"MCP token":          "Bearer " + srv.Token,
		"basic":              "Basic " + e.apiToken,
		"token in query":     "",
	}
	var want *answer
	for _, rt := range routes {
		for name, a := range auths {
			path := rt.path
			if name == "token in query" {
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				path += sep + "token=" + e.apiToken + "&api_token=" + e.apiToken
			}
			h := map[string]string{}
			if a != "" {
				h["Authorization"] = a
			}
			got := observe(t, nil, rt.method, e.url+path, rt.body, h)
			if want == nil {
				want = &got
			}
			if got.Status != http.StatusUnauthorized || got.Body != want.Body || !strings.Contains(got.Header, "Www-Authenticate: Bearer") {
				t.Errorf("%s %s with %s: %d %s", rt.method, rt.path, name, got.Status, got.Body)
			}
		}
	}
	// Nothing changed.
	var acct struct{ Name string }
	e.mustAPI("GET", "/integrated-account/"+e.account, nil, http.StatusOK, &acct)
	if acct.Name != "Sandbox" {
		t.Errorf("account renamed without a token: %q", acct.Name)
	}
	e.mustAPI("GET", "/integrated-account/"+e.account+"/mcp/"+srv.ID, nil, http.StatusOK, nil)
	var servers struct{ Result []any }
	e.mustAPI("GET", "/integrated-account/"+e.account+"/mcp", nil, http.StatusOK, &servers)
	if len(servers.Result) != 1 {
		t.Errorf("%d servers after refused creates; want 1", len(servers.Result))
	}
}

// Tokens and secrets never reach a log line (Patchbay's, the access log's,
// the SDK's) or an answer's error text: the MCP URL's token is redacted.
func TestSecuritySecretsNeverLoggedOrEchoed(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnvWith(t, envOptions{logger: logger, config: permissive})
	srv := e.server(map[string]any{})
	guarded := e.server(map[string]any{"config": map[string]any{"require_api_token_auth": true}})
	secrets := map[string]string{
		"MCP token":         srv.Token,
		"guarded MCP token": guarded.Token,
		"API token":         e.apiToken,
		"access key":        e.sandbox.AccessKey(),
		"access key secret": e.sandbox.AccessKeySecret(),
	}
	var bodies bytes.Buffer
	see := func(a answer) { bodies.WriteString(a.Header + "\n" + a.Body + "\n") }
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	users := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`
	for _, u := range []string{srv.URL, guarded.URL} {
		see(observe(t, nil, "POST", u, list, nil))
		see(observe(t, nil, "POST", u, users, nil))
		see(observe(t, nil, "POST", u, `{bad json`, nil))
		see(observe(t, nil, "POST", u, `{"jsonrpc":"2.0","id":1,"method":"nope/nope"}`, nil))
		see(observe(t, nil, "POST", u, `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"`+strings.Repeat("a", 2<<20)+`"}}`, nil))
		see(observe(t, nil, "GET", u, "", nil))
		see(observe(t, nil, "POST", u+"/extra/path", list, nil))
		see(observe(t, nil, "POST", u, users, map[string]string{"Authorization": "Bearer pba_not-valid"}))
	}
	see(observe(t, nil, "POST", guarded.URL, users, map[string]string{"Authorization": "Bearer " + e.apiToken}))
	for _, f := range []gongsandbox.Fault{{Status: 500}, {Drop: true}, {Force429: true}, {Status: 401}} {
		e.sandbox.SetFault("GET /v2/users", f)
		see(observe(t, nil, "POST", srv.URL, users, nil))
	}
	e.sandbox.SetFault("GET /v2/users", gongsandbox.Fault{})
	// Admin API errors, including a bad account with the secret in it.
	status, b := e.api("POST", "/integrated-account", map[string]any{"integration": "gong", "name": "bad", "base_url": e.sbURL,
		"credentials": map[string]any{"type": "access_key", "access_key": e.sandbox.AccessKey(), "access_key_secret": e.sandbox.AccessKeySecret() + "x"}})
	bodies.Write(b)
	if status != http.StatusBadRequest {
		t.Errorf("bad credentials: %d %s", status, b)
	}
	_, b = e.api("GET", "/log?log_type=mcp&limit=1000", nil)
	bodies.Write(b)
	_, b = e.api("GET", "/integrated-account/"+e.account+"/mcp", nil)
	bodies.Write(b)
	see(observe(t, nil, "GET", e.url+"/metrics", "", nil))

	logText := logs.String()
	for name, s := range secrets {
		if strings.Contains(logText, s) {
			t.Errorf("the %s appears in the logs", name)
		}
		if i := strings.Index(bodies.String(), s); i >= 0 {
			t.Errorf("the %s appears in an answer: %s", name, bodies.String()[max(0, i-300):min(len(bodies.String()), i+100)])
		}
	}
	if !strings.Contains(logText, `"path":"/mcp/<redacted>"`) || !strings.Contains(logText, `"path":"/mcp/<redacted>/extra/path"`) {
		t.Errorf("the access log does not show redacted MCP paths:\n%.2000s", logText)
	}
}
