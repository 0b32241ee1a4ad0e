package oauth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/web"
)

// env is a Patchbay with OAuth on, auto-approving as an API token (the
// consent page itself is exercised by the Node tests), over real HTTP.
type env struct {
	t        *testing.T
	app      *app.App
	base     string
	clock    *gongsandbox.Clock
	apiToken string
	account  *store.Account
	auto     *oauth.AutoApprove
	http     *http.Client
}

func newEnv(t *testing.T, change ...func(*app.Config)) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	e := &env{t: t, base: "http://" + ts.Listener.Addr().String(), clock: gongsandbox.NewClock(time.Now())}
	e.apiToken = credentials.NewToken(credentials.APITokenPrefix)
	e.auto = &oauth.AutoApprove{Via: web.APITokenVia(e.apiToken), By: "test"}
	key := bytes.Repeat([]byte{9}, 32)
	cfg := app.Config{
		DatabaseURL: filepath.Join(t.TempDir(), "p.db"), EncryptionKey: key, PublicURL: e.base,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: e.clock.Now,
		AuthLimiter: limiterOff,
		OAuth:       app.OAuthConfig{Enabled: true, AutoApprove: e.auto},
	}
	for _, f := range change {
		f(&cfg)
	}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.app = a
	t.Cleanup(func() { a.Close() })
	ts.Config.Handler = a.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	e.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx := context.Background()
	if err := a.Store.CreateAPIToken(ctx, &store.APIToken{Name: "test", TokenHash: credentials.HashToken(e.apiToken)}); err != nil {
		t.Fatal(err)
	}
	e.account = &store.Account{Integration: "gong", Name: "acme", BaseURL: "https://api.gong.io",
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "k", AccessKeySecret: "s"}}
	if err := a.Store.CreateAccount(ctx, e.account); err != nil {
		t.Fatal(err)
	}
	return e
}

// server makes an MCP server and returns it with its token URL.
func (e *env) server(cfg store.ServerConfig) (*store.Server, string) {
	e.t.Helper()
	tok := credentials.NewToken(credentials.MCPTokenPrefix)
	srv := &store.Server{AccountID: e.account.ID, Name: "s", Config: cfg, TokenHash: credentials.HashToken(tok)}
	if err := e.app.Store.CreateServer(context.Background(), srv); err != nil {
		e.t.Fatal(err)
	}
	return srv, e.base + "/mcp/" + tok
}

func (e *env) do(method, url, bearer string, body io.Reader, contentType string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"go-test","version":"1"}}}`

// mcp posts initialize to an MCP URL and returns the status.
func (e *env) mcp(url, bearer string) *http.Response {
	e.t.Helper()
	res, _ := e.do(http.MethodPost, url, bearer, strings.NewReader(initialize), "application/json")
	return res
}

func (e *env) form(path string, v url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	res, b := e.do(http.MethodPost, e.base+path, "", strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return res, out
}

// client registers a public client with a loopback redirect URI.
func (e *env) client() (id, redirect string) {
	e.t.Helper()
	redirect = "http://127.0.0.1:7777/cb"
	res, b := e.do(http.MethodPost, e.base+"/oauth/register", "", strings.NewReader(`{"client_name":"Go test","redirect_uris":["`+redirect+`"]}`), "application/json")
	if res.StatusCode != http.StatusCreated {
		e.t.Fatalf("register: %d %s", res.StatusCode, b)
	}
	var reg struct {
		ClientID string `json:"client_id"`
		URI      string `json:"registration_client_uri"`
		Method   string `json:"token_endpoint_auth_method"`
	}
	_ = json.Unmarshal(b, &reg)
	if reg.URI != e.base+"/oauth/register/"+reg.ClientID || reg.Method != "none" {
		e.t.Fatalf("registration answer %s", b)
	}
	return reg.ClientID, redirect
}

func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize runs /oauth/authorize (auto-approved) and returns the
// redirect it answered with.
func (e *env) authorize(clientID, redirect, resource, challenge string, extra url.Values) *url.URL {
	e.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {"st"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	if resource != "" {
		q.Set("resource", resource)
	}
	for k, v := range extra {
		q[k] = v
	}
	res, b := e.do(http.MethodGet, e.base+"/oauth/authorize?"+q.Encode(), "", nil, "")
	if res.StatusCode != http.StatusFound {
		e.t.Fatalf("authorize: %d %s", res.StatusCode, b)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

type tokens struct{ access, refresh string }

// obtain gets tokens for a resource through the whole code flow.
func (e *env) obtain(resource string) (tokens, string) {
	e.t.Helper()
	id, redirect := e.client()
	verifier, challenge := pkce()
	u := e.authorize(id, redirect, resource, challenge, nil)
	code := u.Query().Get("code")
	if code == "" || u.Query().Get("state") != "st" || u.Query().Get("iss") != e.base {
		e.t.Fatalf("authorization answer %s", u)
	}
	res, out := e.form("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {id}, "code_verifier": {verifier}, "resource": {resource}})
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		e.t.Fatalf("token: %d %v", res.StatusCode, out)
	}
	at, _ := out["access_token"].(string)
	rt, _ := out["refresh_token"].(string)
	if !strings.HasPrefix(at, oauth.AccessTokenPrefix) || !strings.HasPrefix(rt, oauth.RefreshTokenPrefix) || out["scope"] != "mcp" || out["token_type"] != "Bearer" {
		e.t.Fatalf("token answer %v", out)
	}
	return tokens{at, rt}, id
}

// The failed-token limiter would slow the access matrix's many refusals.
var limiterOff = mcp.LimiterConfig{Disabled: true}
