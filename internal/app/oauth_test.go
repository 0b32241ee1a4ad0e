package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// oauthEnv is two Patchbay replicas on one database, with a Gong sandbox
// as the OAuth provider, all on one hand-driven clock.
type oauthEnv struct {
	t        *testing.T
	clk      *gongsandbox.Clock
	sb       *gongsandbox.Sandbox
	sbURL    string
	replicas []*httptest.Server
	apps     []*app.App
	dbPath   string
	apiToken string
	logs     *syncBuffer
}

func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	return newOAuthEnvOn(t, filepath.Join(t.TempDir(), "patchbay.db"))
}

// newOAuthEnvOn runs the two replicas on the given database (a SQLite path
// or a postgres:// URL).
func newOAuthEnvOn(t *testing.T, database string) *oauthEnv {
	t.Helper()
	e := &oauthEnv{t: t, clk: gongsandbox.NewClock(time.Now()), logs: &syncBuffer{}}
	e.sb = gongsandbox.New(gongsandbox.Options{Seed: 1, Small: true, Now: e.clk.Now, AutoApprove: true, AccessTokenTTL: time.Hour, RatePerSecond: -1, DailyLimit: -1})
	sb := httptest.NewServer(e.sb)
	t.Cleanup(sb.Close)
	e.sbURL = sb.URL
	e.sb.SetBaseURL(sb.URL)
	e.dbPath = database
	apps := map[string]connect.App{"gong": {
		ClientID: e.sb.ClientID(), ClientSecret: e.sb.ClientSecret(),
		AuthURL: sb.URL + "/oauth2/authorize", TokenURL: sb.URL + "/oauth2/generate-customer-token",
	}}
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for i := 0; i < 2; i++ {
		a, err := app.Open(context.Background(), app.Config{
			DatabaseURL: e.dbPath, EncryptionKey: bytes.Repeat([]byte{3}, 32), SandboxOrigin: sb.URL,
			Now: e.clk.Now, OAuthApps: apps, Logger: logger, UpstreamTimeout: 5 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		srv := httptest.NewServer(a.Handler())
		t.Cleanup(srv.Close)
		e.apps = append(e.apps, a)
		e.replicas = append(e.replicas, srv)
	}
	e.apiToken = credentials.NewToken(credentials.APITokenPrefix)
	if err := e.apps[0].Store.CreateAPIToken(context.Background(), &store.APIToken{Name: "t", TokenHash: credentials.HashToken(e.apiToken)}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *oauthEnv) get(url string, auth bool) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if auth {
		req.Header.Set("Authorization", "Bearer "+e.apiToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// connectFlow walks the whole browser flow from replica 0: start, the
// sandbox's consent (auto-approved), the callback.
func (e *oauthEnv) connectFlow() {
	e.t.Helper()
	resp, body := e.get(e.replicas[0].URL+"/integrated-account/connect/gong?name=Acme+Gong", true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Connected") {
		e.t.Fatalf("connect flow ended %d: %s", resp.StatusCode, body)
	}
}

func (e *oauthEnv) accounts() []map[string]any {
	e.t.Helper()
	_, body := e.get(e.replicas[0].URL+"/integrated-account", true)
	var out struct{ Result []map[string]any }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Result
}

// burst runs n tool calls spread over both replicas at once and returns
// the answers that were errors.
func (e *oauthEnv) burst(token string, n int) []string {
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := e.replicas[i%2].URL + "/mcp/" + token
			_, out := rawMCP(e.t, url, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`, nil)
			if !strings.Contains(string(out), `\"result\"`) || strings.Contains(string(out), `"isError":true`) {
				mu.Lock()
				failures = append(failures, string(out))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return failures
}

func TestOAuthConnectRefreshRevokeReconnect(t *testing.T) {
	testOAuthLifecycle(t, newOAuthEnv(t))
}

// testOAuthLifecycle runs on SQLite here and on PostgreSQL under the
// postgres build tag (oauth_postgres_test.go).
func testOAuthLifecycle(t *testing.T, e *oauthEnv) {
	e.connectFlow()
	accts := e.accounts()
	if len(accts) != 1 {
		t.Fatalf("%d accounts after connecting, want 1", len(accts))
	}
	acct := accts[0]
	if acct["status"] != "active" || acct["base_url"] != e.sbURL || acct["name"] != "Acme Gong" || acct["credentials"].(map[string]any)["type"] != "oauth2" {
		t.Fatalf("account = %v", acct)
	}
	scopes, _ := json.Marshal(acct["scopes"])
	if !strings.Contains(string(scopes), "api:calls:read:transcript") || !strings.Contains(string(scopes), "api:users:read") {
		t.Errorf("granted scopes not stored: %s", scopes)
	}
	id := acct["id"].(string)

	// An MCP server on the OAuth account, called through both replicas
	// across several token expiries; a burned refresh token would surface as
	// invalid_grant, a needs_reauth account and failed calls.
	status, body := apiPost(t, e.replicas[1].URL, e.apiToken, "/integrated-account/"+id+"/mcp", `{"name":"oauth"}`)
	var srv created
	if status != http.StatusCreated || json.Unmarshal(body, &srv) != nil {
		t.Fatalf("create server: %d %s", status, body)
	}
	if f := e.burst(srv.Token, 20); len(f) > 0 {
		t.Fatalf("%d calls failed with a fresh token: %s", len(f), f[0])
	}
	tokens := map[string]bool{}
	for round := 0; round < 3; round++ {
		before, _ := e.apps[0].Store.GetAccount(context.Background(), id)
		tokens[before.Credentials.RefreshToken] = true
		e.clk.Advance(61 * time.Minute) // past the 1 h access token
		if f := e.burst(srv.Token, 30); len(f) > 0 {
			t.Fatalf("round %d: %d of 30 calls failed across a refresh: %s", round, len(f), f[0])
		}
		after, _ := e.apps[0].Store.GetAccount(context.Background(), id)
		if after.Credentials.AccessToken == before.Credentials.AccessToken || tokens[after.Credentials.RefreshToken] {
			t.Fatalf("round %d: the token was not refreshed and rotated", round)
		}
	}
	stored, err := e.apps[0].Store.GetAccount(context.Background(), id)
	if err != nil || stored.Status != store.StatusActive || !stored.Credentials.Expiry.After(e.clk.Now()) {
		t.Fatalf("after refreshes: status %q, expiry %v (now %v), %v", stored.Status, stored.Credentials.Expiry, e.clk.Now(), err)
	}

	// The grant is revoked upstream: the next call refreshes once, learns
	// the grant is gone, and says so; after that no call reaches Gong.
	e.sb.RevokeGrants()
	_, out := rawMCP(t, e.replicas[0].URL+"/mcp/"+srv.Token, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`, nil)
	if !strings.Contains(string(out), `"isError":true`) || !strings.Contains(string(out), "reconnect") {
		t.Fatalf("after revocation: %s", out)
	}
	if a := e.accounts()[0]; a["status"] != "needs_reauth" {
		t.Fatalf("status after revocation = %v", a["status"])
	}

	// Reconnecting the same company restores the same account and URL.
	e.connectFlow()
	accts = e.accounts()
	if len(accts) != 1 || accts[0]["id"] != id || accts[0]["status"] != "active" {
		t.Fatalf("after reconnect: %v", accts)
	}
	if f := e.burst(srv.Token, 4); len(f) > 0 {
		t.Fatalf("the old MCP URL fails after reconnecting: %s", f[0])
	}

	// No secret in the logs or the database file.
	final, _ := e.apps[0].Store.GetAccount(context.Background(), id)
	secrets := map[string]string{
		"access token": final.Credentials.AccessToken, "refresh token": final.Credentials.RefreshToken,
		"client secret": e.sb.ClientSecret(), "MCP token": srv.Token, "API token": e.apiToken,
	}
	var files []byte // the SQLite files; PostgreSQL is checked through its rows
	for _, f := range []string{e.dbPath, e.dbPath + "-wal"} {
		b, _ := os.ReadFile(f)
		files = append(files, b...)
	}
	logs := e.logs.String()
	for what, secret := range secrets {
		if secret == "" {
			t.Fatalf("%s unknown", what)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the %s appears in the logs", what)
		}
		if bytes.Contains(files, []byte(secret)) {
			t.Errorf("the %s appears in the database file", what)
		}
	}
}

func apiPost(t *testing.T, base, token, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestOAuthFlowFailuresCreateNothing(t *testing.T) {
	e := newOAuthEnv(t)
	base := e.replicas[0].URL
	start := func() string { // a fresh state, from the authorize URL
		_, body := e.get(base+"/integrated-account/connect/gong?format=json", true)
		var out struct {
			AuthorizeURL string `json:"authorize_url"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("start: %s", body)
		}
		u, _ := url.Parse(out.AuthorizeURL)
		if !strings.HasPrefix(out.AuthorizeURL, e.sbURL+"/oauth2/authorize?") || u.Query().Get("client_id") != e.sb.ClientID() || u.Query().Get("scope") == "" {
			t.Fatalf("authorize URL %s", out.AuthorizeURL)
		}
		return u.Query().Get("state")
	}
	callback := base + "/integrated-account/connect/gong/callback?"

	if resp, _ := e.get(base+"/integrated-account/connect/gong", false); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("starting without an API token: %d, want 401", resp.StatusCode)
	}
	tests := []struct {
		name  string
		query func() string
		want  int
		says  string
	}{
		{"no state", func() string { return "code=x" }, 400, "no state"},
		{"unknown state", func() string { return "code=x&state=forged" }, 400, "unknown"},
		{"denied consent", func() string { return "error=access_denied&state=" + start() }, 400, "not approved"},
		{"bad code", func() string { return "code=not-a-code&state=" + start() }, 502, "invalid_grant"},
		{"reused state", func() string {
			st := start()
			e.get(callback+"code=x&state="+st, false)
			return "code=x&state=" + st
		}, 400, "already used"},
		{"expired state", func() string {
			st := start()
			e.clk.Advance(11 * time.Minute)
			return "code=x&state=" + st
		}, 400, "expired"},
	}
	for _, tc := range tests {
		resp, body := e.get(callback+tc.query(), false)
		if resp.StatusCode != tc.want || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %q; want %d saying %q", tc.name, resp.StatusCode, body, tc.want, tc.says)
		}
	}
	if n := len(e.accounts()); n != 0 {
		t.Errorf("failed flows created %d accounts", n)
	}
}
