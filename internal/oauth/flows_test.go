package oauth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// TestAccessMatrix: every kind of MCP URL against every kind of token. A
// token counts only at the canonical URL it was issued for, on that URL's
// server.
func TestAccessMatrix(t *testing.T) {
	e := newEnv(t)
	a, plainURL := e.server(store.ServerConfig{OAuth: true})
	b, _ := e.server(store.ServerConfig{OAuth: true})
	tsrv, tokenURL := e.server(store.ServerConfig{OAuth: true, RequireAPITokenAuth: true})
	_ = tsrv
	e.auto.ServerID = a.ID // the picker's choice
	picker, aURL, bURL := e.base+"/mcp/oauth", e.base+"/mcp/oauth/"+a.ID, e.base+"/mcp/oauth/"+b.ID

	pickerTok, _ := e.obtain(picker)
	aTok, _ := e.obtain(aURL)
	bTok, _ := e.obtain(bURL)
	tTok, _ := e.obtain(tokenURL)
	// The same resource spelled differently canonicalizes to the same.
	aTok2, _ := e.obtain(strings.Replace(aURL, "http://", "HTTP://", 1) + "/")

	bearers := map[string]string{
		"none": "", "picker": pickerTok.access, "server A": aTok.access, "server A (spelled differently)": aTok2.access,
		"server B": bTok.access, "token URL": tTok.access, "API token": e.apiToken,
		"refresh token": aTok.refresh, "garbage": oauth.AccessTokenPrefix + "nope",
	}
	want := map[string]map[string]int{
		picker:   {"picker": 200},
		aURL:     {"server A": 200, "server A (spelled differently)": 200},
		bURL:     {"server B": 200},
		tokenURL: {"token URL": 200, "API token": 200},
		plainURL: {"none": 200, "picker": 200, "server A": 200, "server A (spelled differently)": 200, "server B": 200, "token URL": 200, "API token": 200, "refresh token": 200, "garbage": 200},
	}
	names := map[string]string{picker: "picker URL", aURL: "per-server URL A", bURL: "per-server URL B", tokenURL: "require_api_token_auth token URL", plainURL: "plain token URL"}
	for u, row := range want {
		for name, bearer := range bearers {
			status := row[name]
			if status == 0 {
				status = http.StatusUnauthorized
			}
			if got := e.mcp(u, bearer).StatusCode; got != status {
				t.Errorf("%s with %s: %d, want %d", names[u], name, got, status)
			}
		}
	}

	// The server behind a token must exist, be unexpired and keep OAuth on.
	ctx := context.Background()
	b.Config.OAuth = false
	if err := e.app.Store.UpdateServer(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := e.mcp(bURL, bTok.access).StatusCode; got != http.StatusNotFound {
		t.Errorf("OAuth turned off: per-server URL %d, want 404", got)
	}
	soon := e.clock.Now().Add(time.Minute)
	a.ExpiresAt = &soon
	if err := e.app.Store.UpdateServer(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := e.mcp(aURL, aTok.access).StatusCode; got != http.StatusOK {
		t.Errorf("before expiry: %d", got)
	}
	e.clock.Advance(2 * time.Minute)
	if got := e.mcp(picker, pickerTok.access).StatusCode; got != http.StatusUnauthorized {
		t.Errorf("picker token of an expired server: %d, want 401", got)
	}
	if got := e.mcp(aURL, aTok.access).StatusCode; got != http.StatusNotFound {
		t.Errorf("expired server's per-server URL: %d, want 404", got)
	}
	if err := e.app.Store.DeleteServer(ctx, tsrv.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.mcp(tokenURL, tTok.access).StatusCode; got != http.StatusNotFound {
		t.Errorf("deleted server's token URL: %d, want 404", got)
	}
}

func TestChallengeHeaders(t *testing.T) {
	e := newEnv(t)
	a, plainURL := e.server(store.ServerConfig{OAuth: true})
	_, apiOnlyURL := e.server(store.ServerConfig{RequireAPITokenAuth: true})
	_, tokenURL := e.server(store.ServerConfig{RequireAPITokenAuth: true, OAuth: true})
	for path, u := range map[string]string{
		"/mcp/oauth":           e.base + "/mcp/oauth",
		"/mcp/oauth/" + a.ID:   e.base + "/mcp/oauth/" + a.ID,
		tokenURL[len(e.base):]: tokenURL,
	} {
		res := e.mcp(u, "")
		wantPrefix := `Bearer resource_metadata="` + e.base + `/.well-known/oauth-protected-resource` + path + `", scope="mcp", error="invalid_token"`
		if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), wantPrefix) {
			t.Errorf("%s: %d %q, want 401 %q", path, res.StatusCode, res.Header.Get("WWW-Authenticate"), wantPrefix)
		}
		if bad := e.mcp(u, oauth.AccessTokenPrefix+"x"); !strings.HasPrefix(bad.Header.Get("WWW-Authenticate"), wantPrefix) {
			t.Errorf("%s with a bad token: %q", path, bad.Header.Get("WWW-Authenticate"))
		}
	}
	// Without OAuth the API-token-only URL's challenge is as before.
	if res := e.mcp(apiOnlyURL, ""); res.StatusCode != 401 || strings.Contains(res.Header.Get("WWW-Authenticate"), "resource_metadata") {
		t.Errorf("API-token-only URL: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	if res := e.mcp(plainURL, ""); res.StatusCode != 200 {
		t.Errorf("plain token URL: %d", res.StatusCode)
	}
	// A token without the mcp scope: 403 insufficient_scope.
	ctx := context.Background()
	access := oauth.AccessTokenPrefix + "noscope-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	aURL := e.base + "/mcp/oauth/" + a.ID
	g := &store.OAuthGrant{ClientID: "c", ServerID: a.ID, Resource: aURL, ResourceHash: credentials.HashToken(aURL), Scope: "other",
		ApprovedVia: e.auto.Via, ExpiresAt: e.clock.Now().Add(time.Hour)}
	if err := e.app.Store.CreateOAuthGrant(ctx, g, "", []*store.OAuthToken{{Hash: credentials.HashToken(access), Kind: store.OAuthAccessToken, ExpiresAt: e.clock.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	res := e.mcp(aURL, access)
	want := `Bearer error="insufficient_scope", scope="mcp", resource_metadata="` + e.base + `/.well-known/oauth-protected-resource/mcp/oauth/` + a.ID + `"`
	if res.StatusCode != http.StatusForbidden || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), want) {
		t.Errorf("no scope: %d %q, want 403 %q", res.StatusCode, res.Header.Get("WWW-Authenticate"), want)
	}
}

func TestDiscoveryAndPlainTokenURLs(t *testing.T) {
	e := newEnv(t)
	a, plainURL := e.server(store.ServerConfig{OAuth: true})
	_, tokenURL := e.server(store.ServerConfig{RequireAPITokenAuth: true, OAuth: true})
	_, noOAuthTokenURL := e.server(store.ServerConfig{RequireAPITokenAuth: true})
	get := func(u string) (int, map[string]any, http.Header) {
		res, b := e.do(http.MethodGet, u, "", nil, "")
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return res.StatusCode, m, res.Header
	}
	names := []string{"oauth-protected-resource", "oauth-authorization-server", "openid-configuration"}
	for _, mcpURL := range []string{plainURL, noOAuthTokenURL, e.base + "/mcp/oauth/unknown-server"} {
		p := mcpURL[len(e.base):]
		for _, n := range names {
			for _, u := range []string{e.base + "/.well-known/" + n + p, mcpURL + "/.well-known/" + n} {
				if code, _, _ := get(u); code != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", u, code)
				}
			}
		}
	}
	for _, mcpURL := range []string{e.base + "/mcp/oauth", e.base + "/mcp/oauth/" + a.ID, tokenURL} {
		p := mcpURL[len(e.base):]
		for _, u := range []string{e.base + "/.well-known/oauth-protected-resource" + p, mcpURL + "/.well-known/oauth-protected-resource"} {
			code, m, h := get(u)
			if code != 200 || m["resource"] != mcpURL || h.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s: %d %v", u, code, m)
			}
		}
		for _, n := range names[1:] {
			for _, u := range []string{e.base + "/.well-known/" + n + p, mcpURL + "/.well-known/" + n} {
				if code, m, _ := get(u); code != 200 || m["issuer"] != e.base {
					t.Errorf("%s: %d %v", u, code, m)
				}
			}
		}
	}
	code, root, _ := get(e.base + "/.well-known/oauth-protected-resource")
	if code != 200 || root["resource"] != e.base+"/mcp/oauth" {
		t.Errorf("root PRM: %d %v", code, root)
	}
	code, as, _ := get(e.base + "/.well-known/oauth-authorization-server")
	if code != 200 || as["registration_endpoint"] != e.base+"/oauth/register" || as["client_id_metadata_document_supported"] != true ||
		as["authorization_response_iss_parameter_supported"] != true || as["jwks_uri"] != nil {
		t.Errorf("AS metadata: %v", as)
	}
	if m, _ := json.Marshal(as["code_challenge_methods_supported"]); string(m) != `["S256"]` {
		t.Errorf("code_challenge_methods_supported = %s", m)
	}
	res, _ := e.do(http.MethodOptions, e.base+"/.well-known/oauth-authorization-server", "", nil, "")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight: %d", res.StatusCode)
	}
}

func TestAuthorizeRequestChecks(t *testing.T) {
	e := newEnv(t)
	a, _ := e.server(store.ServerConfig{OAuth: true})
	e.auto.ServerID = a.ID
	id, redirect := e.client()
	_, challenge := pkce()
	base := url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {redirect}, "state": {"st"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "resource": {e.base + "/mcp/oauth"}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	// Client and redirect URI first: never redirected.
	for name, q := range map[string]url.Values{
		"unknown client":        with("client_id", "pbc_unknown"),
		"no client":             with("client_id", ""),
		"unregistered redirect": with("redirect_uri", "http://127.0.0.1:7777/other"),
		"no redirect":           with("redirect_uri", ""),
	} {
		res, _ := e.do(http.MethodGet, e.base+"/oauth/authorize?"+q.Encode(), "", nil, "")
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
			t.Errorf("%s: %d, Location %q; want 400 and no redirect", name, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The rest: redirected with error, state and iss.
	for name, c := range map[string]struct {
		q    url.Values
		code string
	}{
		"plain PKCE":       {with("code_challenge_method", "plain"), "invalid_request"},
		"no PKCE":          {with("code_challenge", ""), "invalid_request"},
		"token flow":       {with("response_type", "token"), "unsupported_response_type"},
		"unknown resource": {with("resource", e.base+"/mcp/oauth/nope"), "invalid_target"},
		"foreign resource": {with("resource", "https://elsewhere.example/mcp/oauth"), "invalid_target"},
		"resource query":   {with("resource", e.base+"/mcp/oauth?x=1"), "invalid_target"},
	} {
		res, _ := e.do(http.MethodGet, e.base+"/oauth/authorize?"+c.q.Encode(), "", nil, "")
		loc, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), redirect) ||
			loc.Query().Get("error") != c.code || loc.Query().Get("state") != "st" || loc.Query().Get("iss") != e.base {
			t.Errorf("%s: %d %s; want a redirect with error=%s, state and iss", name, res.StatusCode, res.Header.Get("Location"), c.code)
		}
	}
	// Absent or empty scope means mcp; unknown scopes are ignored.
	for _, scope := range []string{"", "mcp", "offline_access mcp", "whatever"} {
		q := with("scope", scope)
		if scope == "" {
			q.Set("scope", "")
		}
		res, _ := e.do(http.MethodGet, e.base+"/oauth/authorize?"+q.Encode(), "", nil, "")
		loc, _ := url.Parse(res.Header.Get("Location"))
		if loc == nil || loc.Query().Get("code") == "" {
			t.Errorf("scope %q: %s", scope, res.Header.Get("Location"))
		}
	}
}

func TestCodeExchange(t *testing.T) {
	e := newEnv(t)
	a, _ := e.server(store.ServerConfig{OAuth: true})
	resource := e.base + "/mcp/oauth/" + a.ID
	id, redirect := e.client()
	verifier, challenge := pkce()
	exchange := func(code string, v url.Values) (int, map[string]any) {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "client_id": {id}, "code_verifier": {verifier}}
		for k, vv := range v {
			f[k] = vv
		}
		res, out := e.form("/oauth/token", f)
		return res.StatusCode, out
	}
	code := func() string { return e.authorize(id, redirect, resource, challenge, nil).Query().Get("code") }
	// Each failure burns its code (single use).
	for name, v := range map[string]url.Values{
		"wrong verifier":  {"code_verifier": {strings.Repeat("a", 43)}},
		"no verifier":     {"code_verifier": {""}},
		"wrong redirect":  {"redirect_uri": {"http://127.0.0.1:7777/other"}},
		"wrong client":    {"client_id": {"pbc_other"}},
		"wrong resource":  {"resource": {e.base + "/mcp/oauth"}},
		"a client secret": {"client_secret": {"s"}},
	} {
		status, out := exchange(code(), v)
		if status < 400 || out["access_token"] != nil {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	// A good exchange, then a replay: refused, and what the code bought is
	// revoked.
	c := code()
	status, out := exchange(c, url.Values{"resource": {resource}})
	if status != 200 {
		t.Fatalf("exchange: %d %v", status, out)
	}
	access := out["access_token"].(string)
	if got := e.mcp(resource, access).StatusCode; got != 200 {
		t.Fatalf("fresh token: %d", got)
	}
	status, out = exchange(c, nil)
	if status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("replay: %d %v", status, out)
	}
	if got := e.mcp(resource, access).StatusCode; got != 401 {
		t.Errorf("token of a replayed code: %d, want 401", got)
	}
	// Codes expire after a minute.
	c = code()
	e.clock.Advance(61 * time.Second)
	if status, out := exchange(c, nil); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("expired code: %d %v", status, out)
	}
	// Tokens never outlive their server.
	soon := e.clock.Now().Add(10 * time.Minute)
	a.ExpiresAt = &soon
	if err := e.app.Store.UpdateServer(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	status, out = exchange(code(), nil)
	if status != 200 || out["expires_in"].(float64) > 600 {
		t.Errorf("token of a server expiring in 10 min: %d %v", status, out)
	}
}

func TestRefreshRotationGraceAndReuse(t *testing.T) {
	e := newEnv(t)
	a, _ := e.server(store.ServerConfig{OAuth: true})
	resource := e.base + "/mcp/oauth/" + a.ID
	tok, id := e.obtain(resource)
	refresh := func(rt string, extra url.Values) (int, map[string]any) {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}}
		for k, v := range extra {
			f[k] = v
		}
		res, out := e.form("/oauth/token", f)
		return res.StatusCode, out
	}
	if status, out := refresh(tok.refresh, url.Values{"client_id": {"pbc_other"}}); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("another client's refresh: %d %v", status, out)
	}
	if status, out := refresh(tok.refresh, url.Values{"resource": {e.base + "/mcp/oauth"}}); status != 400 || out["error"] != "invalid_target" {
		t.Errorf("another resource: %d %v", status, out)
	}
	if status, _ := refresh(tok.access, nil); status != 400 {
		t.Errorf("an access token as refresh token: %d", status)
	}
	status, first := refresh(tok.refresh, url.Values{"resource": {resource}})
	if status != 200 || first["refresh_token"] == tok.refresh || first["scope"] != "mcp" {
		t.Fatalf("refresh: %d %v", status, first)
	}
	// A concurrent refresh a moment later (within the grace window) works.
	e.clock.Advance(10 * time.Second)
	status, second := refresh(tok.refresh, nil)
	if status != 200 {
		t.Fatalf("refresh within the grace window: %d %v", status, second)
	}
	for _, at := range []any{first["access_token"], second["access_token"]} {
		if got := e.mcp(resource, at.(string)).StatusCode; got != 200 {
			t.Errorf("rotated access token: %d", got)
		}
	}
	// The successor rotates in turn.
	status, third := refresh(first["refresh_token"].(string), nil)
	if status != 200 {
		t.Fatalf("second rotation: %d %v", status, third)
	}
	// Reuse after the grace window: theft; the grant goes.
	e.clock.Advance(time.Minute)
	if status, out := refresh(tok.refresh, nil); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("reuse after grace: %d %v", status, out)
	}
	if got := e.mcp(resource, third["access_token"].(string)).StatusCode; got != 401 {
		t.Errorf("after reuse the grant's tokens still work: %d", got)
	}
	if status, _ := refresh(third["refresh_token"].(string), nil); status != 400 {
		t.Errorf("after reuse the newest refresh token still works: %d", status)
	}
}

func TestAccessExpiryRevocationAndCredential(t *testing.T) {
	e := newEnv(t)
	a, _ := e.server(store.ServerConfig{OAuth: true})
	resource := e.base + "/mcp/oauth/" + a.ID
	tok, id := e.obtain(resource)
	e.clock.Advance(time.Hour + time.Second)
	if got := e.mcp(resource, tok.access).StatusCode; got != 401 {
		t.Errorf("expired access token: %d", got)
	}
	res, out := e.form("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.refresh}, "client_id": {id}})
	if res.StatusCode != 200 {
		t.Fatalf("refresh after an hour: %d %v", res.StatusCode, out)
	}
	access, rt := out["access_token"].(string), out["refresh_token"].(string)
	// RFC 7009: a client revokes its access token, then its refresh token
	// (and with it the grant).
	if res, _ := e.form("/oauth/revoke", url.Values{"token": {access}, "client_id": {"pbc_other"}}); res.StatusCode != 200 {
		t.Errorf("revoke by another client: %d", res.StatusCode)
	}
	if got := e.mcp(resource, access).StatusCode; got != 200 {
		t.Errorf("another client revoked the token: %d", got)
	}
	if res, _ := e.form("/oauth/revoke", url.Values{"token": {access}, "client_id": {id}}); res.StatusCode != 200 {
		t.Errorf("revoke: %d", res.StatusCode)
	}
	if got := e.mcp(resource, access).StatusCode; got != 401 {
		t.Errorf("revoked access token: %d", got)
	}
	e.form("/oauth/revoke", url.Values{"token": {rt}, "client_id": {id}})
	if res, _ := e.form("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}}); res.StatusCode != 400 {
		t.Errorf("revoked refresh token: %d", res.StatusCode)
	}
	// Grants die with the API token that approved them.
	tok, _ = e.obtain(resource)
	ctx := context.Background()
	toks, _ := e.app.Store.ListAPITokens(ctx)
	if err := e.app.Store.DeleteAPIToken(ctx, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := e.mcp(resource, tok.access).StatusCode; got != 401 {
		t.Errorf("token approved by a deleted API token: %d", got)
	}
	if _, err := e.app.OAuth().Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if gs, _ := e.app.Store.ListOAuthGrants(ctx, store.OAuthGrantFilter{}); len(gs) != 0 {
		t.Errorf("%d grants survived their API token", len(gs))
	}
}

func TestRegistration(t *testing.T) {
	e := newEnv(t)
	post := func(body string) (int, map[string]any) {
		res, b := e.do(http.MethodPost, e.base+"/oauth/register", "", strings.NewReader(body), "application/json")
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return res.StatusCode, m
	}
	status, m := post(`{"client_name":"ChatGPT","redirect_uris":["https://chatgpt.com/connector/oauth/abc"],"token_endpoint_auth_method":"client_secret_post"}`)
	if status != 201 || m["client_secret"] != nil || m["token_endpoint_auth_method"] != "none" || m["client_id"] == nil {
		t.Errorf("registration: %d %v", status, m)
	}
	res, b := e.do(http.MethodGet, m["registration_client_uri"].(string), "", nil, "")
	if res.StatusCode != 200 || !strings.Contains(string(b), "ChatGPT") {
		t.Errorf("registration_client_uri: %d %s", res.StatusCode, b)
	}
	for body, code := range map[string]string{
		`{"redirect_uris":[]}`:                                                                     "invalid_redirect_uri",
		`{"redirect_uris":["https://evil.example/cb"]}`:                                            "invalid_redirect_uri",
		`{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["client_credentials"]}`:           "invalid_client_metadata",
		`{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"private_key_jwt"}`: "invalid_client_metadata",
		`not json`: "invalid_client_metadata",
	} {
		if status, m := post(body); status != 400 || m["error"] != code {
			t.Errorf("%s: %d %v, want %s", body, status, m, code)
		}
	}
	// Rate limited per source address.
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		status, _ := post(`{"redirect_uris":["http://127.0.0.1/cb"]}`)
		limited = status == http.StatusTooManyRequests
	}
	if !limited {
		t.Error("registration was never rate limited")
	}
	// Unused registrations are swept after a day; used ones stay.
	ctx := context.Background()
	before, _ := e.app.Store.ListOAuthClients(ctx, store.OAuthClientDynamic)
	e.clock.Advance(25 * time.Hour)
	if _, err := e.app.OAuth().Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := e.app.Store.ListOAuthClients(ctx, store.OAuthClientDynamic)
	if len(before) == 0 || len(after) != 0 {
		t.Errorf("clients before/after the sweep: %d/%d", len(before), len(after))
	}
}

func TestStaticClients(t *testing.T) {
	e := newEnv(t)
	a, _ := e.server(store.ServerConfig{OAuth: true})
	admin := func(method, path, body string) (int, map[string]any) {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		res, b := e.do(method, e.base+path, e.apiToken, r, "application/json")
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return res.StatusCode, m
	}
	if status, _ := admin(http.MethodPost, "/oauth-clients", `{"name":"Inspector","redirect_uris":["https://evil.example/cb"]}`); status != 400 {
		t.Errorf("a static client with a disallowed redirect: %d", status)
	}
	status, c := admin(http.MethodPost, "/oauth-clients", `{"name":"Inspector","redirect_uris":["http://localhost:6274/oauth/callback"]}`)
	if status != 201 || c["client_id"] == nil {
		t.Fatalf("static client: %d %v", status, c)
	}
	id := c["client_id"].(string)
	_, challenge := pkce()
	if u := e.authorize(id, "http://localhost:6274/oauth/callback", e.base+"/mcp/oauth/"+a.ID, challenge, nil); u.Query().Get("code") == "" {
		t.Errorf("static client authorize: %s", u)
	}
	if status, l := admin(http.MethodGet, "/oauth-clients", ""); status != 200 || len(l["result"].([]any)) != 1 {
		t.Errorf("list: %d %v", status, l)
	}
	// Static clients are not swept, however long unused.
	e.clock.Advance(48 * time.Hour)
	if _, err := e.app.OAuth().Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _ := admin(http.MethodDelete, "/oauth-clients/"+id, ""); status != 200 {
		t.Errorf("delete: %d", status)
	}
	if status, _ := admin(http.MethodDelete, "/oauth-clients/"+id, ""); status != 404 {
		t.Errorf("second delete: %d", status)
	}
	// Without an API token the admin routes refuse.
	res, _ := e.do(http.MethodGet, e.base+"/oauth-grants", "", nil, "")
	if res.StatusCode != 401 {
		t.Errorf("grants without an API token: %d", res.StatusCode)
	}
}

func TestAutoApproveOnlyOnLoopback(t *testing.T) {
	e := newEnv(t)
	for _, u := range []string{"https://pb.example", "http://10.0.0.5:8080", "http://0.0.0.0:8080"} {
		if _, err := oauth.New(oauth.Config{Store: e.app.Store, PublicURL: u, AutoApprove: &oauth.AutoApprove{}}); err == nil {
			t.Errorf("auto-approve accepted for %s", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"} {
		if _, err := oauth.New(oauth.Config{Store: e.app.Store, PublicURL: u, AutoApprove: &oauth.AutoApprove{}}); err != nil {
			t.Errorf("auto-approve refused for %s: %v", u, err)
		}
	}
}
