package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAdminAPIRequiresToken(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/integrated-account", "/integrated-account/" + e.account, "/log?log_type=mcp", "/integrated-account/" + e.account + "/mcp"} {
		for _, auth := range []string{"", "Bearer nope", "Bearer " + e.apiToken + "x", "Basic " + e.apiToken} {
			req, _ := http.NewRequest("GET", e.url+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s with %q: %d, want 401", path, auth, resp.StatusCode)
			}
		}
	}
}

func TestAccountAPI(t *testing.T) {
	e := newEnv(t)
	var acct map[string]any
	e.mustAPI("GET", "/integrated-account/"+e.account, nil, http.StatusOK, &acct)
	raw, _ := json.Marshal(acct)
	if strings.Contains(string(raw), e.sandbox.AccessKeySecret()) || strings.Contains(string(raw), e.sandbox.AccessKey()) {
		t.Fatalf("account answer leaks credentials: %s", raw)
	}
	if acct["status"] != "active" || acct["integration"] != "gong" {
		t.Errorf("account = %v", acct)
	}
	creds := map[string]any{"type": "access_key", "access_key": e.sandbox.AccessKey(), "access_key_secret": e.sandbox.AccessKeySecret()}
	bad := []struct {
		name string
		body any
		want int
	}{
		{"malformed JSON", `{"integration":`, 400},
		{"unknown field", map[string]any{"integration": "gong", "name": "x", "base_url": e.sbURL, "credentials": creds, "color": "red"}, 400},
		{"wrong type", map[string]any{"integration": "gong", "name": 5, "base_url": e.sbURL, "credentials": creds}, 400},
		{"unknown integration", map[string]any{"integration": "salesforce", "name": "x", "credentials": creds}, 400},
		{"no credentials", map[string]any{"integration": "gong", "name": "x", "base_url": e.sbURL}, 400},
		// Gong's integration.yaml offers access keys and OAuth, not API keys.
		{"credential type not offered", map[string]any{"integration": "gong", "name": "x", "base_url": e.sbURL, "credentials": map[string]any{"type": "api_key", "api_key": "k"}}, 400},
		{"wrong secret", map[string]any{"integration": "gong", "name": "x", "base_url": e.sbURL, "credentials": map[string]any{"type": "access_key", "access_key": e.sandbox.AccessKey(), "access_key_secret": "wrong"}}, 400},
		{"metadata host", map[string]any{"integration": "gong", "name": "x", "base_url": "http://169.254.169.254", "credentials": creds}, 400},
		{"look-alike host", map[string]any{"integration": "gong", "name": "x", "base_url": "https://gong.io.evil.example", "credentials": creds}, 400},
		{"userinfo trick", map[string]any{"integration": "gong", "name": "x", "base_url": "https://api.gong.io@evil.example", "credentials": creds}, 400},
		{"IP literal", map[string]any{"integration": "gong", "name": "x", "base_url": "https://127.0.0.1", "credentials": creds}, 400},
		{"plain http gong", map[string]any{"integration": "gong", "name": "x", "base_url": "http://api.gong.io", "credentials": creds}, 400},
	}
	for _, tc := range bad {
		status, body := e.api("POST", "/integrated-account", tc.body)
		var errBody struct{ Error, Message string }
		if status != tc.want || json.Unmarshal(body, &errBody) != nil || errBody.Error == "" || errBody.Message == "" {
			t.Errorf("%s: %d %s; want %d with {error, message}", tc.name, status, body, tc.want)
		}
	}
	var list struct{ Result []map[string]any }
	e.mustAPI("GET", "/integrated-account", nil, http.StatusOK, &list)
	if len(list.Result) != 1 {
		t.Errorf("bad requests created accounts: %d accounts", len(list.Result))
	}

	e.mustAPI("PATCH", "/integrated-account/"+e.account, map[string]any{"name": "Renamed"}, http.StatusOK, &acct)
	if acct["name"] != "Renamed" {
		t.Errorf("patch name: %v", acct)
	}
	e.server(map[string]any{})
	e.server(map[string]any{})
	var del map[string]any
	e.mustAPI("DELETE", "/integrated-account/"+e.account, nil, http.StatusOK, &del)
	if del["mcp_servers_deleted"] != float64(2) {
		t.Errorf("delete answer %v, want 2 servers deleted", del)
	}
	e.mustAPI("GET", "/integrated-account/"+e.account, nil, http.StatusNotFound, nil)
}

func TestServerAPI(t *testing.T) {
	e := newEnv(t)
	base := "/integrated-account/" + e.account + "/mcp"
	expires := e.clock.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var srv map[string]any
	e.mustAPI("POST", base, map[string]any{"name": "reads", "config": map[string]any{"methods": []string{"read"}, "tags": []string{"calls"}, "require_api_token_auth": true}, "expires_at": expires.Format(time.RFC3339)}, http.StatusCreated, &srv)
	for _, k := range []string{"id", "name", "config", "expires_at", "integrated_account_id", "created_at", "updated_at", "token", "url"} {
		if _, ok := srv[k]; !ok {
			t.Errorf("create answer lacks %q: %v", k, srv)
		}
	}
	if !strings.HasSuffix(srv["url"].(string), "/mcp/"+srv["token"].(string)) || srv["integrated_account_id"] != e.account {
		t.Errorf("create answer: %v", srv)
	}
	id := srv["id"].(string)
	var got map[string]any
	e.mustAPI("GET", base+"/"+id, nil, http.StatusOK, &got)
	if _, leaked := got["token"]; leaked {
		t.Error("GET shows the token again")
	}
	if got["expires_at"] != expires.Format(time.RFC3339) {
		t.Errorf("expires_at = %v, want %s", got["expires_at"], expires.Format(time.RFC3339))
	}
	e.mustAPI("PATCH", base+"/"+id, map[string]any{"expires_at": nil}, http.StatusOK, &got)
	if got["expires_at"] != nil {
		t.Errorf("PATCH expires_at null did not clear it: %v", got["expires_at"])
	}
	e.mustAPI("PATCH", base+"/"+id, map[string]any{"name": "renamed", "config": map[string]any{"methods": []string{"write"}}}, http.StatusOK, &got)
	if got["name"] != "renamed" || got["config"].(map[string]any)["methods"].([]any)[0] != "write" {
		t.Errorf("PATCH name/config: %v", got)
	}

	bad := []struct {
		name   string
		method string
		path   string
		body   any
	}{
		{"filter matching nothing", "POST", base, map[string]any{"name": "x", "config": map[string]any{"tags": []string{"no-such-tag"}}}},
		{"expiry too soon", "POST", base, map[string]any{"name": "x", "expires_at": e.clock.Now().Add(30 * time.Second).Format(time.RFC3339)}},
		{"expiry not a time", "POST", base, map[string]any{"name": "x", "expires_at": "tomorrow"}},
		{"unknown config field", "POST", base, map[string]any{"name": "x", "config": map[string]any{"method": []string{"read"}}}},
		{"methods wrong type", "POST", base, map[string]any{"name": "x", "config": map[string]any{"methods": "read"}}},
		{"no name", "POST", base, map[string]any{"config": map[string]any{}}},
		{"patch unknown field", "PATCH", base + "/" + id, map[string]any{"colour": "red"}},
		{"patch filter matching nothing", "PATCH", base + "/" + id, map[string]any{"config": map[string]any{"methods": []string{"nothing"}}}},
		{"patch expiry too soon", "PATCH", base + "/" + id, map[string]any{"expires_at": e.clock.Now().Format(time.RFC3339)}},
	}
	for _, tc := range bad {
		if status, body := e.api(tc.method, tc.path, tc.body); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s; want 400", tc.name, status, body)
		}
	}
	e.mustAPI("GET", base+"/"+id, nil, http.StatusOK, &got)
	if got["name"] != "renamed" {
		t.Errorf("a refused PATCH changed the server: %v", got)
	}
	var list struct{ Result []map[string]any }
	e.mustAPI("GET", base, nil, http.StatusOK, &list)
	if len(list.Result) != 1 {
		t.Errorf("refused creates made servers: %d", len(list.Result))
	}
	e.mustAPI("GET", base+"/not-a-server", nil, http.StatusNotFound, nil)
}

func TestToolPreview(t *testing.T) {
	e := newEnv(t)
	var prev struct {
		Result []struct {
			Name     string
			ReadOnly bool `json:"read_only"`
		}
	}
	e.mustAPI("GET", "/integrated-account/"+e.account+"/tools?methods=write", nil, http.StatusOK, &prev)
	if len(prev.Result) == 0 {
		t.Fatal("no write tools previewed")
	}
	for _, tool := range prev.Result {
		if tool.ReadOnly {
			t.Errorf("write preview lists read tool %s", tool.Name)
		}
	}
}

func TestAPITokensThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	var tok struct{ ID, Name, Token string }
	e.mustAPI("POST", "/api-token", map[string]any{"name": "ci"}, http.StatusCreated, &tok)
	if !strings.HasPrefix(tok.Token, "pba_") || tok.ID == "" {
		t.Fatalf("created %+v", tok)
	}
	// The new token works; listing never shows a token again.
	req, _ := http.NewRequest("GET", e.url+"/api-token", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the new token is refused: %v %v", err, resp.Status)
	}
	var listed map[string]any
	json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if raw, _ := json.Marshal(listed); strings.Contains(string(raw), tok.Token) || strings.Contains(string(raw), e.apiToken) || len(listed["result"].([]any)) != 2 {
		t.Errorf("token list %s", raw)
	}
	e.mustAPI("DELETE", "/api-token/"+tok.ID, nil, http.StatusOK, nil)
	req, _ = http.NewRequest("GET", e.url+"/api-token", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a deleted token still works: %d", resp.StatusCode)
	}
	for _, bad := range []any{`{"name":""}`, `{"name":7}`, `{"name":"x","admin":true}`} {
		if status, _ := e.api("POST", "/api-token", bad); status != http.StatusBadRequest {
			t.Errorf("POST /api-token %v: %d, want 400", bad, status)
		}
	}
	e.mustAPI("DELETE", "/api-token/no-such-id", nil, http.StatusNotFound, nil)
}
