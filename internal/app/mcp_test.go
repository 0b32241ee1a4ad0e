package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
)

func rangeArgs(days int) map[string]any {
	now := time.Now().UTC()
	return map[string]any{
		"fromDateTime": now.AddDate(0, 0, -days).Format(time.RFC3339),
		"toDateTime":   now.Format(time.RFC3339),
	}
}

func ids(list []any, key string) []string {
	var out []string
	for _, x := range list {
		out = append(out, fmt.Sprint(x.(map[string]any)[key]))
	}
	return out
}

// The seven fixed names of DESIGN §3, with whether each is a read.
var fixedTools = map[string]bool{
	"list_all_gong_calls":                        true,
	"get_single_gong_call_by_id":                 true,
	"create_a_gong_call":                         false,
	"create_a_gong_calls_transcript":             true,
	"create_a_gong_activity_aggregate_by_period": true,
	"list_all_gong_entities_get_briefs":          true,
	"list_all_gong_users":                        true,
}

func TestListToolsHasFixedToolsWithAnnotations(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*sdk.Tool{}
	for _, tool := range res.Tools {
		byName[tool.Name] = tool
		if tool.Description == "" || tool.Annotations == nil || tool.Annotations.Title == "" {
			t.Errorf("%s lacks a description or annotations", tool.Name)
		}
		if tool.Annotations != nil && (tool.Annotations.DestructiveHint == nil || tool.Annotations.OpenWorldHint == nil) {
			t.Errorf("%s: destructiveHint and openWorldHint must be set", tool.Name)
		}
		schema, _ := json.Marshal(tool.InputSchema)
		if !strings.Contains(string(schema), `"type":"object"`) {
			t.Errorf("%s: input schema is not an object: %s", tool.Name, schema)
		}
	}
	for name, read := range fixedTools {
		tool, ok := byName[name]
		if !ok {
			t.Errorf("tool %s missing", name)
			continue
		}
		if tool.Annotations.ReadOnlyHint != read {
			t.Errorf("%s readOnlyHint = %v, want %v", name, tool.Annotations.ReadOnlyHint, read)
		}
	}
	if d := byName["list_all_gong_entities_get_briefs"]; d != nil && !strings.Contains(strings.ToLower(d.Description), "credits") {
		t.Errorf("the brief tool must say it spends credits: %q", d.Description)
	}
}

func TestToolsReturnSandboxData(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)

	args := rangeArgs(30)
	got, isErr := call(t, cs, "list_all_gong_calls", args)
	if isErr {
		t.Fatalf("list_all_gong_calls: %v", got)
	}
	want := e.sandboxDo("GET", "/v2/calls?"+url.Values{"fromDateTime": {args["fromDateTime"].(string)}, "toDateTime": {args["toDateTime"].(string)}}.Encode(), nil)
	calls, _ := got["result"].([]any)
	if len(calls) == 0 {
		t.Fatal("no calls in the last 30 days")
	}
	if fmt.Sprint(ids(calls, "id")) != fmt.Sprint(ids(want["calls"].([]any), "id")) {
		t.Errorf("tool and direct sandbox call disagree on the first page")
	}
	// The cursor of the direct answer is the tool's next_cursor, and it works.
	wantCursor, _ := want["records"].(map[string]any)["cursor"].(string)
	if fmt.Sprint(got["next_cursor"]) != fmt.Sprint(orNil(wantCursor)) {
		t.Errorf("next_cursor = %v, want %q", got["next_cursor"], wantCursor)
	}
	if wantCursor != "" {
		args["next_cursor"] = wantCursor
		page2, isErr := call(t, cs, "list_all_gong_calls", args)
		if isErr || len(page2["result"].([]any)) == 0 || ids(page2["result"].([]any), "id")[0] == ids(calls, "id")[0] {
			t.Errorf("second page is not a new page: %v", page2["result"] != nil)
		}
	}

	id := ids(calls, "id")[0]
	if len(id) < 17 {
		t.Errorf("call id %q should be a large numeric string", id)
	}
	one, isErr := call(t, cs, "get_single_gong_call_by_id", map[string]any{"id": id})
	if isErr {
		t.Fatalf("get_single_gong_call_by_id: %v", one)
	}
	if c, _ := one["call"].(map[string]any); c == nil || c["id"] != id {
		t.Errorf("get_single_gong_call_by_id answered %v", one)
	}

	tr, isErr := call(t, cs, "create_a_gong_calls_transcript", map[string]any{"callIds": []any{id}})
	if isErr {
		t.Fatalf("transcript: %v", tr)
	}
	trs := tr["result"].([]any)
	if len(trs) != 1 || trs[0].(map[string]any)["callId"] != id {
		t.Fatalf("transcript answered for %v, want call %s", ids(trs, "callId"), id)
	}
	if mono, _ := trs[0].(map[string]any)["transcript"].([]any); len(mono) == 0 {
		t.Error("transcript has no speaker turns")
	}

	users, isErr := call(t, cs, "list_all_gong_users", nil)
	wantUsers := e.sandboxDo("GET", "/v2/users", nil)
	if isErr || fmt.Sprint(ids(users["result"].([]any), "id")) != fmt.Sprint(ids(wantUsers["users"].([]any), "id")) {
		t.Errorf("list_all_gong_users disagrees with the sandbox: %v", users)
	}
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestEmptyCallQueryIsEmptyResult(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	got, isErr := call(t, cs, "list_all_gong_calls", map[string]any{"fromDateTime": "2001-01-01T00:00:00Z", "toDateTime": "2001-01-02T00:00:00Z"})
	if isErr {
		t.Fatalf("an empty query must not be an error: %v", got)
	}
	if list, ok := got["result"].([]any); !ok || len(list) != 0 || got["next_cursor"] != nil {
		t.Errorf("got %v, want an empty result", got)
	}
}

func TestUpstreamErrorsCarryDetails(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	got, isErr := call(t, cs, "get_single_gong_call_by_id", map[string]any{"id": "1234567890123456789"})
	if !isErr {
		t.Fatalf("unknown call id answered without error: %v", got)
	}
	errObj := got["error"].(map[string]any)
	if errObj["status"] != json.Number("404") || errObj["request_id"] == "" || errObj["request_id"] == nil {
		t.Errorf("error lacks status or request id: %v", errObj)
	}
	if errs, _ := errObj["errors"].([]any); len(errs) == 0 {
		t.Errorf("error lacks Gong's messages: %v", errObj)
	}
}

func TestRateLimitPassedBackAtOnce(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{})
	e.sandbox.SetFault("GET /v2/users", gongsandbox.Fault{Force429: true})
	before := e.upstream.Load()
	resp, body := rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`, nil)
	if n := e.upstream.Load() - before; n != 1 {
		t.Errorf("%d upstream requests for one 429; nothing may retry", n)
	}
	for _, h := range []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("HTTP header %s missing", h)
		}
	}
	var rpc struct {
		Result struct {
			IsError bool
			Content []struct{ Text string }
		}
	}
	if err := json.Unmarshal(body, &rpc); err != nil || !rpc.Result.IsError {
		t.Fatalf("want an isError result, got %s", body)
	}
	var out struct {
		Error struct {
			Status    int
			RateLimit *struct {
				Limit             int `json:"limit"`
				RetryAfterSeconds int `json:"retry_after_seconds"`
			} `json:"rate_limit"`
		}
	}
	if err := json.Unmarshal([]byte(rpc.Result.Content[0].Text), &out); err != nil || out.Error.Status != 429 || out.Error.RateLimit == nil || out.Error.RateLimit.Limit == 0 {
		t.Errorf("rate-limit figures missing from the tool result: %s", rpc.Result.Content[0].Text)
	}
}

func TestReadFilterHidesAndBlocksWrites(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"config": map[string]any{"methods": []string{"read"}}})
	cs := e.connect(srv.URL, nil)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		if !tool.Annotations.ReadOnlyHint {
			t.Errorf("read-only server lists %s", tool.Name)
		}
	}
	before := e.upstream.Load()
	_, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "create_a_gong_call", Arguments: map[string]any{
		"clientUniqueId": "x1", "actualStart": "2026-01-01T00:00:00Z", "direction": "Outbound", "primaryUser": "1", "parties": []any{map[string]any{"userId": "1"}},
	}})
	if err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Errorf("calling a hidden write tool: err = %v, want unknown tool", err)
	}
	if e.upstream.Load() != before {
		t.Error("a hidden tool reached upstream")
	}
	// Case tricks do not find it either.
	_, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "CREATE_A_GONG_CALL"})
	if err == nil {
		t.Error("upper-cased hidden tool name was accepted")
	}
}

func TestFiltersCombine(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		config map[string]any
		want   []string
	}{
		{"tag users", map[string]any{"tags": []string{"users"}}, []string{"create_a_gong_activity_aggregate_by_period", "list_all_gong_users"}},
		{"write", map[string]any{"methods": []string{"write"}}, []string{"create_a_gong_call"}},
		{"exact method get", map[string]any{"methods": []string{"get"}}, []string{"get_single_gong_call_by_id"}},
		{"read AND tag transcripts", map[string]any{"methods": []string{"read"}, "tags": []string{"transcripts"}}, []string{"create_a_gong_calls_transcript"}},
		{"exact tool name", map[string]any{"methods": []string{"list_all_gong_users"}}, []string{"list_all_gong_users"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := e.connect(e.server(map[string]any{"config": tc.config}).URL, nil)
			res, err := cs.ListTools(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tool := range res.Tools {
				if _, fixed := fixedTools[tool.Name]; fixed {
					got = append(got, tool.Name)
				}
			}
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("fixed tools listed = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDeletedServerStopsAtOnce(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{})
	cs := e.connect(srv.URL, nil)
	if _, err := cs.ListTools(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	e.mustAPI("DELETE", "/integrated-account/"+e.account+"/mcp/"+srv.ID, nil, http.StatusOK, nil)
	resp, _ := rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted server answered %d, want 404", resp.StatusCode)
	}
}

func TestExpiredServerAnswersLikeUnknown(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"expires_at": e.clock.Now().Add(2 * time.Minute).Format(time.RFC3339)})
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	if resp, body := rawMCP(t, srv.URL, list, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh server answered %d %s", resp.StatusCode, body)
	}
	e.clock.Advance(3 * time.Minute)
	expiredResp, expiredBody := rawMCP(t, srv.URL, list, nil)
	unknownResp, unknownBody := rawMCP(t, e.url+"/mcp/pbm_doesnotexist0000000000000000000000000000000", list, nil)
	if expiredResp.StatusCode != http.StatusNotFound || expiredResp.StatusCode != unknownResp.StatusCode || string(expiredBody) != string(unknownBody) {
		t.Errorf("expired: %d %s; unknown: %d %s — they must match", expiredResp.StatusCode, expiredBody, unknownResp.StatusCode, unknownBody)
	}
	// The periodic cleanup removes it from the database.
	if n, err := e.app.Store.DeleteExpiredServers(context.Background(), e.clock.Now()); err != nil || n != 1 {
		t.Errorf("cleanup deleted %d, %v; want 1", n, err)
	}
}

func TestRequireAPITokenAuth(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"config": map[string]any{"require_api_token_auth": true}})
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	for name, hdr := range map[string]map[string]string{
		"missing":   nil,
		"wrong":     {"Authorization": "Bearer pba_wrongwrongwrongwrongwrongwrongwrongwrongwro"},
		"mcp token": {"Authorization": "Bearer " + srv.Token},
		"basic":     {"Authorization": "Basic " + e.apiToken},
	} {
		resp, _ := rawMCP(t, srv.URL, list, hdr)
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s API token: %d, WWW-Authenticate %q; want 401 with a Bearer challenge", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	cs := e.connect(srv.URL, http.Header{"Authorization": {"Bearer " + e.apiToken}})
	if res, err := cs.ListTools(context.Background(), nil); err != nil || len(res.Tools) == 0 {
		t.Fatalf("with the API token: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{})
	t.Run("malformed JSON", func(t *testing.T) {
		resp, body := rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":`, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "-32700") || !strings.Contains(string(body), `"id":null`) {
			t.Errorf("got %d %s; want 400 with a -32700 parse error and null id", resp.StatusCode, body)
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		_, body := rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":7,"method":"tools/frobnicate"}`, nil)
		if !strings.Contains(string(body), "-32601") || !strings.Contains(string(body), `"id":7`) {
			t.Errorf("got %s; want method not found for id 7", body)
		}
	})
	t.Run("oversized body", func(t *testing.T) {
		big := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`
		resp, _ := rawMCP(t, srv.URL, big, nil)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("got %d, want 413", resp.StatusCode)
		}
	})
	cs := e.connect(srv.URL, nil)
	t.Run("unknown tool", func(t *testing.T) {
		_, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "no_such_tool"})
		if err == nil || !strings.Contains(err.Error(), "no_such_tool") {
			t.Errorf("err = %v; want one naming the tool", err)
		}
	})
	t.Run("arguments failing the schema", func(t *testing.T) {
		before := e.upstream.Load()
		for _, args := range []map[string]any{
			{"fromDateTime": "2026-01-01T00:00:00Z"},                                                         // toDateTime missing
			{"fromDateTime": 5, "toDateTime": "2026-01-01T00:00:00Z"},                                        // wrong type
			{"fromDateTime": "a", "toDateTime": "b", "surprise": true},                                       // unknown argument
			{"fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-01-02T00:00:00Z", "next_cursor": 7}, // cursor type
		} {
			got, isErr := call(t, cs, "list_all_gong_calls", args)
			msg := fmt.Sprint(got["error"])
			if !isErr || !strings.Contains(msg, "invalid arguments") {
				t.Errorf("args %v: got %v; want an isError naming the problem", args, got)
			}
		}
		got, isErr := call(t, cs, "get_single_gong_call_by_id", map[string]any{"id": "../users"})
		if !isErr {
			t.Errorf("a path-traversal id was accepted: %v", got)
		}
		if n := e.upstream.Load() - before; n != 0 {
			t.Errorf("%d upstream calls for invalid arguments", n)
		}
	})
}

func TestProtocolRevisions(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{})
	for _, v := range []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"} {
		t.Run(v, func(t *testing.T) {
			body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`, v)
			resp, out := rawMCP(t, srv.URL, body, nil)
			var rpc struct {
				Result struct {
					ProtocolVersion string
					Capabilities    map[string]any
				}
			}
			if err := json.Unmarshal(out, &rpc); err != nil || resp.StatusCode != 200 || rpc.Result.ProtocolVersion != v {
				t.Fatalf("initialize %s: %d %s", v, resp.StatusCode, out)
			}
			if _, ok := rpc.Result.Capabilities["tools"]; !ok {
				t.Errorf("tools capability not advertised: %v", rpc.Result.Capabilities)
			}
			for _, c := range []string{"resources", "prompts", "completions"} {
				if _, ok := rpc.Result.Capabilities[c]; ok {
					t.Errorf("capability %s advertised but not served", c)
				}
			}
			hdr := map[string]string{"MCP-Protocol-Version": v}
			if v == "2024-11-05" {
				hdr = nil
			}
			_, out = rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`, hdr)
			if !strings.Contains(string(out), `\"result\"`) {
				t.Errorf("tools/call at %s: %s", v, out)
			}
		})
	}
	t.Run("2026-07-28", func(t *testing.T) {
		meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"}}`
		hdr := map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "list_all_gong_users"}
		resp, out := rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{},`+meta+`}}`, hdr)
		if resp.StatusCode != 200 || !strings.Contains(string(out), `"resultType":"complete"`) || !strings.Contains(string(out), `\"result\"`) {
			t.Errorf("2026-07-28 tools/call: %d %s", resp.StatusCode, out)
		}
		hdr = map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"}
		_, out = rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{`+meta+`}}`, hdr)
		if !strings.Contains(string(out), `"cacheScope":"private"`) || !strings.Contains(string(out), `"ttlMs"`) {
			t.Errorf("2026-07-28 tools/list lacks caching hints: %.300s", out)
		}
	})
}

func TestEveryRequestIsLogged(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{})
	cs := e.connect(srv.URL, nil) // the Go SDK client speaks 2026-07-28: server/discover
	call(t, cs, "list_all_gong_users", nil)
	_, _ = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "no_such_tool"})
	rawMCP(t, srv.URL, `{bad json`, nil)

	var logs struct {
		Result []struct {
			Method         string `json:"method"`
			Tool           string `json:"tool"`
			Status         string `json:"status"`
			UpstreamStatus int    `json:"upstream_status"`
		}
	}
	e.mustAPI("GET", "/log?log_type=mcp&mcp_server_id="+srv.ID, nil, http.StatusOK, &logs)
	var summary []string
	for _, l := range logs.Result {
		summary = append(summary, l.Method+"/"+l.Tool+"/"+l.Status)
	}
	want := []string{"/" + "/invalid", "tools/call/no_such_tool/invalid", "tools/call/list_all_gong_users/ok", "server/discover//ok"}
	if fmt.Sprint(summary) != fmt.Sprint(want) {
		t.Errorf("log = %v\nwant  %v", summary, want)
	}
	if len(logs.Result) > 2 && logs.Result[2].UpstreamStatus != 200 {
		t.Errorf("the tool call's log lacks the upstream status: %+v", logs.Result[2])
	}
	if status, _ := e.api("GET", "/log?log_type=webhook", nil); status != http.StatusBadRequest {
		t.Errorf("unknown log_type: %d, want 400", status)
	}
}

// 2025-era clients name themselves once, in initialize; the session id they
// get back carries the name, so later requests are logged under it too.
func TestLogNamesTheClientOfLaterRequests(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{})
	resp, _ := rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"claude-desktop","version":"0.9.1"}}}`, nil)
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatal("initialize gave no session id")
	}
	rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, map[string]string{"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18", "User-Agent": "node"})
	rawMCP(t, srv.URL, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`, map[string]string{"Mcp-Session-Id": "garbage.!!!", "User-Agent": "curl/8"})
	var logs struct {
		Result []struct {
			Method        string `json:"method"`
			ClientName    string `json:"client_name"`
			ClientVersion string `json:"client_version"`
		}
	}
	e.mustAPI("GET", "/log?log_type=mcp&mcp_server_id="+srv.ID, nil, http.StatusOK, &logs)
	if len(logs.Result) != 3 {
		t.Fatalf("%d log entries, want 3", len(logs.Result))
	}
	for i, want := range []string{"curl/8 ", "claude-desktop 0.9.1", "claude-desktop 0.9.1"} {
		if got := logs.Result[i].ClientName + " " + logs.Result[i].ClientVersion; got != want {
			t.Errorf("entry %d (%s): client %q, want %q", i, logs.Result[i].Method, got, want)
		}
	}
}
