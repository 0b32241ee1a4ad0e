package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Discovery mode (config.tool_exposure "discovery"), end to end with the
// Go SDK client: three meta-tools listed, the real tools found, described
// and run through them, and nothing the filters leave out ever reachable.

// listResult is the JSON-RPC result of a plain tools/list, compacted: the
// size a client pays for.
func listResult(t *testing.T, url string) []byte {
	t.Helper()
	resp, body := rawMCP(t, url, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tools/list = %d %s", resp.StatusCode, body)
	}
	var msg struct{ Result json.RawMessage }
	if err := json.Unmarshal(body, &msg); err != nil || msg.Result == nil {
		t.Fatalf("tools/list answer: %v %s", err, body)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, msg.Result); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// metaCall calls a tool and answers its text, whether it is an error, and
// the JSON-RPC error if the call was refused as such.
func metaCall(t *testing.T, cs *sdk.ClientSession, name string, args any) (string, bool, error) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return "", false, err
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d content items", name, len(res.Content))
	}
	return res.Content[0].(*sdk.TextContent).Text, res.IsError, nil
}

func TestDiscoveryListSizes(t *testing.T) {
	e := newEnv(t)
	configs := []struct {
		name string
		cfg  map[string]any
	}{
		{"every tool", map[string]any{}},
		{"read", map[string]any{"methods": []string{"read"}}},
		{"write", map[string]any{"methods": []string{"write"}}},
		{"custom", map[string]any{"methods": []string{"custom"}}},
		{"read, tags calls", map[string]any{"methods": []string{"read"}, "tags": []string{"calls"}}},
		{"tags users and crm", map[string]any{"tags": []string{"users", "crm"}}},
		{"delete only", map[string]any{"methods": []string{"delete"}}},
		{"allow_credits false", map[string]any{"allow_credits": false}},
		{"read, search and fetch", map[string]any{"methods": []string{"read"}, "search_fetch": true}},
		{"hiding tools missing scopes", map[string]any{"hide_tools_missing_scopes": true, "search_fetch": true}},
	}
	for _, c := range configs {
		all := e.server(map[string]any{"config": c.cfg})
		disc := map[string]any{"tool_exposure": "discovery"}
		for k, v := range c.cfg {
			disc[k] = v
		}
		d := e.server(map[string]any{"config": disc})
		full, meta := listResult(t, all.URL), listResult(t, d.URL)
		t.Logf("%-28s all: %6d bytes  discovery: %5d bytes", c.name, len(full), len(meta))
		if len(meta) > 4096 {
			t.Errorf("%s: discovery tools/list is %d bytes, over 4 KB", c.name, len(meta))
		}
		res, err := e.connect(d.URL, nil).ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tool := range res.Tools {
			names = append(names, tool.Name)
		}
		want := []string{"search_tools", "get_tool_schema", "call_tool"}
		if c.cfg["search_fetch"] == true {
			want = append([]string{"search", "fetch"}, want...)
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: discovery lists %v, want %v", c.name, names, want)
		}
		// call_tool is read-only exactly when every tool of the "all" list is.
		var fullList struct{ Tools []sdk.Tool }
		_ = json.Unmarshal(full, &fullList)
		readOnly := true
		for _, tool := range fullList.Tools {
			readOnly = readOnly && tool.Annotations.ReadOnlyHint
		}
		if got := res.Tools[len(res.Tools)-1].Annotations.ReadOnlyHint; got != readOnly {
			t.Errorf("%s: call_tool readOnlyHint %v, every tool read-only: %v", c.name, got, readOnly)
		}
	}
}

func TestDiscoveryReachesOnlyAllowedTools(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"config": map[string]any{"methods": []string{"read"}, "tags": []string{"calls"}, "tool_exposure": "discovery"}})
	cs := e.connect(srv.URL, nil)
	hidden := []string{"list_all_gong_users", "get_single_gong_user_by_id", "create_a_gong_call", "delete_a_gong_meeting_by_id"}
	// namesHidden finds a hidden tool's name, as a whole word in any
	// letter case, in an answer (the client's own words taken out first).
	namesHidden := func(text string, echoes ...string) string {
		for _, e := range echoes {
			text = strings.ReplaceAll(text, e, "")
		}
		for _, h := range hidden {
			if regexp.MustCompile(`(?i)(^|[^a-z0-9_])` + h + `([^a-z0-9_]|$)`).MatchString(text) {
				return h
			}
		}
		return ""
	}
	for _, q := range []string{"users", "list all gong users", "LIST_ALL_GONG_USERS", "create call", "delete meeting", "", "zebra"} {
		text, isErr, err := metaCall(t, cs, "search_tools", map[string]any{"query": q})
		if err != nil || isErr {
			t.Fatalf("search_tools %q: %v %s", q, err, text)
		}
		if h := namesHidden(text); h != "" {
			t.Errorf("search_tools %q named the filtered-out %s: %.300s", q, h, text)
		}
	}
	// An empty query lists the allowed tools by resource.
	text, _, _ := metaCall(t, cs, "search_tools", map[string]any{"query": ""})
	var byRes struct {
		ToolsByResource map[string][]string `json:"tools_by_resource"`
	}
	_ = json.Unmarshal([]byte(text), &byRes)
	if !slices.Contains(byRes.ToolsByResource["calls"], "list_all_gong_calls") {
		t.Errorf("empty query: %.400s", text)
	}

	for _, h := range hidden {
		for _, name := range []string{h, strings.ToUpper(h), strings.ToUpper(h[:1]) + h[1:], h[:len(h)-1]} {
			text, isErr, err := metaCall(t, cs, "get_tool_schema", map[string]any{"tool_names": []string{name}})
			if err != nil || !isErr {
				t.Errorf("get_tool_schema %q: not refused: %v %.300s", name, err, text)
			}
			var ans struct {
				Tools   []any
				Unknown []struct {
					DidYouMean []string `json:"did_you_mean"`
				}
			}
			_ = json.Unmarshal([]byte(text), &ans)
			for _, u := range ans.Unknown {
				for _, s := range u.DidYouMean {
					if slices.Contains(hidden, s) {
						t.Errorf("get_tool_schema %q suggested %s", name, s)
					}
				}
			}
			if len(ans.Tools) != 0 {
				t.Errorf("get_tool_schema %q described %v", name, ans.Tools)
			}
			if h := namesHidden(text, `"name":"`+name+`"`); h != "" {
				t.Errorf("get_tool_schema %q named %s: %.300s", name, h, text)
			}
			before := e.upstream.Load()
			text, isErr, err = metaCall(t, cs, "call_tool", map[string]any{"tool_name": name, "arguments": map[string]any{}})
			if err != nil || !isErr || !strings.Contains(text, "search_tools") {
				t.Errorf("call_tool %q: not refused with a hint: %v %.300s", name, err, text)
			}
			if h := namesHidden(text, `\"`+name+`\"`); h != "" {
				t.Errorf("call_tool %q named %s: %.300s", name, h, text)
			}
			if e.upstream.Load() != before {
				t.Errorf("call_tool %q reached upstream", name)
			}
		}
	}

	// An allowed tool is described, and a misspelt one gets a suggestion.
	text, isErr, err := metaCall(t, cs, "get_tool_schema", map[string]any{"tool_names": []string{"list_all_gong_calls", "list_all_gong_cals"}})
	if err != nil || isErr {
		t.Fatalf("get_tool_schema: %v %s", err, text)
	}
	var ans struct {
		Tools []struct {
			Name        string
			Description string
			InputSchema map[string]any `json:"inputSchema"`
		}
		Unknown []struct {
			Name       string
			DidYouMean []string `json:"did_you_mean"`
		}
	}
	if err := json.Unmarshal([]byte(text), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Tools) != 1 || ans.Tools[0].Name != "list_all_gong_calls" || ans.Tools[0].Description == "" || ans.Tools[0].InputSchema["properties"] == nil {
		t.Errorf("described: %.400s", text)
	}
	if len(ans.Unknown) != 1 || !slices.Contains(ans.Unknown[0].DidYouMean, "list_all_gong_calls") {
		t.Errorf("no suggestion for a misspelt name: %.400s", text)
	}
	for _, bad := range []any{map[string]any{}, map[string]any{"tool_names": []string{}}, map[string]any{"tool_names": []string{"a", "b", "c", "d", "e", "f"}}} {
		if _, isErr, err := metaCall(t, cs, "get_tool_schema", bad); err != nil || !isErr {
			t.Errorf("get_tool_schema %v: not refused", bad)
		}
	}
	for _, bad := range []any{map[string]any{}, map[string]any{"query": strings.Repeat("calls ", 100)}, map[string]any{"query": "calls", "limit": 0},
		map[string]any{"query": "calls", "limit": 51}, map[string]any{"query": "calls", "extra": true}, map[string]any{"query": 7}} {
		if text, isErr, err := metaCall(t, cs, "search_tools", bad); err != nil || !isErr {
			t.Errorf("search_tools %v: not refused: %.200s", bad, text)
		}
	}
	for _, bad := range []any{map[string]any{}, map[string]any{"tool_name": "list_all_gong_calls", "arguments": []int{1}}, map[string]any{"tool_name": 5}} {
		if text, isErr, err := metaCall(t, cs, "call_tool", bad); err != nil || !isErr {
			t.Errorf("call_tool %v: not refused: %.200s", bad, text)
		}
	}
	// search_tools ranks the tool it was asked for first, and keeps to the limit.
	text, _, _ = metaCall(t, cs, "search_tools", map[string]any{"query": "call transcript", "limit": 2})
	var found struct {
		Tools []struct {
			Name, Summary string
			Annotations   map[string]bool
		}
	}
	_ = json.Unmarshal([]byte(text), &found)
	if len(found.Tools) == 0 || len(found.Tools) > 2 || found.Tools[0].Name != "create_a_gong_calls_transcript" || found.Tools[0].Summary == "" || !found.Tools[0].Annotations["readOnlyHint"] {
		t.Errorf("search_tools \"call transcript\" limit 2: %.500s", text)
	}
}

func TestDiscoveryCallToolIsTheDirectCall(t *testing.T) {
	e := newEnv(t)
	direct := e.connect(e.server(map[string]any{}).URL, nil)
	srv := e.server(map[string]any{"config": map[string]any{"tool_exposure": "discovery"}})
	cs := e.connect(srv.URL, nil)
	calls := e.sandboxDo("GET", "/v2/calls", nil)["calls"].([]any)
	callID := calls[0].(map[string]any)["id"].(string)

	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"list_all_gong_users", map[string]any{}},
		{"get_single_gong_call_by_id", map[string]any{"id": callID}},
		{"create_a_gong_calls_transcript", map[string]any{"callIds": []string{callID}, "format": "text"}},
		{"get_single_gong_call_by_id", map[string]any{"id": 17}},                // invalid arguments
		{"get_single_gong_call_by_id", map[string]any{"id": callID, "x": true}}, // unknown argument
	} {
		want, wantErr, err := metaCall(t, direct, tc.tool, tc.args)
		if err != nil {
			t.Fatal(err)
		}
		got, gotErr, err := metaCall(t, cs, "call_tool", map[string]any{"tool_name": tc.tool, "arguments": tc.args})
		if err != nil {
			t.Fatal(err)
		}
		norm := func(s string) string {
			quoted, _ := json.Marshal(s) // the regexp reads the text as JSON-RPC carries it
			return gongRequestID.ReplaceAllString(string(quoted), "$1")
		}
		if norm(got) != norm(want) || gotErr != wantErr {
			t.Errorf("call_tool %s %v:\n got %v %.300s\nwant %v %.300s", tc.tool, tc.args, gotErr, got, wantErr, want)
		}
	}

	// A direct call of a real tool is refused with the way in, and says
	// nothing about whether the tool exists.
	before := e.upstream.Load()
	_, _, errReal := metaCall(t, cs, "list_all_gong_users", nil)
	_, _, errNone := metaCall(t, cs, "no_such_tool", nil)
	if errReal == nil || !strings.Contains(errReal.Error(), "search_tools") || !strings.Contains(errReal.Error(), "call_tool") {
		t.Errorf("direct call on a discovery server: %v", errReal)
	}
	if errNone == nil || strings.Replace(errReal.Error(), "list_all_gong_users", "X", 1) != strings.Replace(errNone.Error(), "no_such_tool", "X", 1) {
		t.Errorf("a real and a missing tool are refused differently: %v / %v", errReal, errNone)
	}
	if e.upstream.Load() != before {
		t.Error("a refused direct call reached upstream")
	}

	// The audit log names the tool that ran, one entry per request.
	var logs struct {
		Result []struct {
			Method           string `json:"method"`
			Tool             string `json:"tool"`
			Status           string `json:"status"`
			UpstreamStatus   int    `json:"upstream_status"`
			UpstreamRequests int    `json:"upstream_requests"`
		}
	}
	e.mustAPI("GET", "/log?log_type=mcp&mcp_server_id="+srv.ID, nil, http.StatusOK, &logs)
	var summary []string
	for _, l := range logs.Result {
		if l.Method == "tools/call" {
			summary = append(summary, fmt.Sprintf("%s/%s/%d", l.Tool, l.Status, l.UpstreamStatus))
		}
	}
	want := []string{
		"no_such_tool/invalid/0", "list_all_gong_users/invalid/0",
		"get_single_gong_call_by_id/invalid/0", "get_single_gong_call_by_id/invalid/0",
		"create_a_gong_calls_transcript/ok/200", "get_single_gong_call_by_id/ok/200", "list_all_gong_users/ok/200",
	}
	if fmt.Sprint(summary) != fmt.Sprint(want) {
		t.Errorf("audit log:\n got %v\nwant %v", summary, want)
	}

	// Metrics count the real tool too.
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	if !strings.Contains(string(body), `patchbay_mcp_requests_total{method="tools/call",outcome="ok",tool="create_a_gong_calls_transcript"} 2`) {
		t.Errorf("metrics do not count the real tool:\n%s", grepLines(string(body), "patchbay_mcp_requests_total"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestDiscoveryAdminAPI(t *testing.T) {
	e := newEnv(t)
	base := "/integrated-account/" + e.account + "/mcp"
	type serverOut struct {
		ID, URL string
		Config  struct {
			Methods      []string
			Tags         []string
			ToolExposure string `json:"tool_exposure"`
			SearchFetch  bool   `json:"search_fetch"`
		}
	}
	for _, bad := range []string{`"bogus"`, `""`, `"Discovery"`, `"ALL"`, `7`, `true`, `["discovery"]`} {
		st, body := e.api("POST", base, `{"name":"x","config":{"tool_exposure":`+bad+`}}`)
		var er struct{ Error, Message string }
		if st != http.StatusBadRequest || json.Unmarshal(body, &er) != nil || er.Error == "" || er.Message == "" {
			t.Errorf("tool_exposure %s: %d %s, want a 400 {error, message}", bad, st, body)
		}
	}
	var got serverOut
	e.mustAPI("POST", base, map[string]any{"name": "plain"}, http.StatusCreated, &got)
	if got.Config.ToolExposure != "all" {
		t.Errorf("default tool_exposure %q, want all", got.Config.ToolExposure)
	}
	e.mustAPI("POST", base, map[string]any{"name": "d", "config": map[string]any{"methods": []string{"read"}, "tags": []string{"calls"}, "search_fetch": true, "tool_exposure": "discovery"}}, http.StatusCreated, &got)
	id, url := got.ID, got.URL
	if got.Config.ToolExposure != "discovery" {
		t.Errorf("created with %q", got.Config.ToolExposure)
	}
	// The cached lists follow the mode at once, both ways.
	listNames := func() []string {
		var res struct{ Tools []struct{ Name string } }
		_ = json.Unmarshal(listResult(t, url), &res)
		var names []string
		for _, tool := range res.Tools {
			names = append(names, tool.Name)
		}
		return names
	}
	if n := listNames(); !slices.Contains(n, "call_tool") || slices.Contains(n, "list_all_gong_calls") {
		t.Errorf("discovery list: %v", n)
	}
	// PATCH merges config keys: tool_exposure alone keeps the rest.
	e.mustAPI("PATCH", base+"/"+id, map[string]any{"config": map[string]any{"tool_exposure": "all"}}, http.StatusOK, &got)
	if got.Config.ToolExposure != "all" || !slices.Equal(got.Config.Methods, []string{"read"}) || !slices.Equal(got.Config.Tags, []string{"calls"}) || !got.Config.SearchFetch {
		t.Errorf("after PATCH tool_exposure all: %+v", got.Config)
	}
	if n := listNames(); slices.Contains(n, "call_tool") || !slices.Contains(n, "list_all_gong_calls") {
		t.Errorf("list after PATCH to all: %v", n)
	}
	e.mustAPI("PATCH", base+"/"+id, map[string]any{"config": map[string]any{"tool_exposure": "discovery"}}, http.StatusOK, nil)
	if n := listNames(); !slices.Contains(n, "call_tool") || slices.Contains(n, "list_all_gong_calls") {
		t.Errorf("list after PATCH back to discovery: %v", n)
	}
	// A bad value changes nothing.
	if st, body := e.api("PATCH", base+"/"+id, `{"config":{"tool_exposure":"some"}}`); st != http.StatusBadRequest {
		t.Errorf("PATCH tool_exposure some: %d %s", st, body)
	}
	e.mustAPI("GET", base+"/"+id, nil, http.StatusOK, &got)
	if got.Config.ToolExposure != "discovery" || !slices.Equal(got.Config.Methods, []string{"read"}) || !slices.Equal(got.Config.Tags, []string{"calls"}) {
		t.Errorf("after a refused PATCH: %+v", got.Config)
	}
	// Other keys without tool_exposure keep it.
	e.mustAPI("PATCH", base+"/"+id, map[string]any{"config": map[string]any{"tags": []string{"users"}}}, http.StatusOK, &got)
	if got.Config.ToolExposure != "discovery" || !slices.Equal(got.Config.Methods, []string{"read"}) || !slices.Equal(got.Config.Tags, []string{"users"}) {
		t.Errorf("after PATCH tags: %+v", got.Config)
	}
}

// Whatever a discovery server is sent, the fast path answers as the go-sdk
// does, and no meta-tool argument makes either fail.
func FuzzDiscoveryMatchesSDK(f *testing.F) {
	ft := newFuzzTarget(f)
	code, body := ft.do("POST", "/integrated-account/"+ft.account+"/mcp", []byte(`{"name":"discovery","config":{"methods":["read"],"tool_exposure":"discovery"}}`), true)
	var srv struct{ Token string }
	if code != http.StatusCreated || json.Unmarshal(body, &srv) != nil {
		f.Fatalf("create server: %d %s", code, body)
	}
	d := *ft
	d.token = srv.Token
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_tools","arguments":{"query":"users <b>"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_tools","arguments":{"query":"","limit":50}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search_tools","arguments":{"query":7,"limit":-1}}}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get_tool_schema","arguments":{"tool_names":["list_all_gong_users","LIST_ALL_GONG_USERS","é"]}}}`,
		`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get_tool_schema","arguments":{"tool_names":"x"}}}`,
		`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"call_tool","arguments":{"tool_name":"list_all_gong_users","arguments":{}}}}`,
		`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"call_tool","arguments":{"tool_name":"create_a_gong_call","arguments":[]}}}`,
		`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"call_tool","arguments":{"tool_name":"call_tool","arguments":{"tool_name":"x"}}}}`,
		`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`,
	} {
		f.Add([]byte(s), "2025-11-25")
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, body []byte, version string) {
		fast, slow := d.mcp(d.h, body, version), d.mcp(d.sdkOnly, body, version)
		fb, sb := gongRequestID.ReplaceAll(fast.Body.Bytes(), []byte("$1")), gongRequestID.ReplaceAll(slow.Body.Bytes(), []byte("$1"))
		if fast.Code >= 500 || fast.Code != slow.Code || fast.Header().Get("Content-Type") != slow.Header().Get("Content-Type") || !bytes.Equal(fb, sb) {
			t.Fatalf("for %q (%q):\nfast %d %s\nSDK  %d %s", body, version, fast.Code, fb, slow.Code, sb)
		}
	})
}
