package app_test

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/app"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
)

// The MCP endpoint answers plain tools/list and tools/call requests on a
// fast path in front of the go-sdk (internal/mcp/fastpath.go). Clients must
// not be able to tell: the same request sent to a Patchbay with the fast
// path and to one answering everything through the SDK (two replicas on one
// database) gets the same status, headers and body bytes; and requests of
// any other shape still go to the SDK.
func TestFastPathAnswersAsTheSDK(t *testing.T) {
	e := newEnv(t)
	sdkOnly, replicaURL := e.replica(func(c *app.Config) { c.MCPSDKOnly = true })

	all := e.server(map[string]any{"name": "all"})
	reads := e.server(map[string]any{"name": "reads", "config": map[string]any{"methods": []string{"read"}, "tags": []string{"calls", "users"}}})
	research := e.server(map[string]any{"name": "research", "config": map[string]any{"search_fetch": true, "methods": []string{"read"}}})
	calls := e.sandboxDo("GET", "/v2/calls", nil)["calls"].([]any)
	callID := calls[0].(map[string]any)["id"].(string)
	days := rangeArgs(30)
	week := `{"fromDateTime":"` + days["fromDateTime"].(string) + `","toDateTime":"` + days["toDateTime"].(string) + `"}`

	plain := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
	with := func(extra map[string]string) map[string]string {
		h := map[string]string{}
		for k, v := range plain {
			h[k] = v
		}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	callBody := func(id, name, args string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + name + `","arguments":` + args + `}}`
	}
	const list = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`
	type fastCase struct {
		name   string
		server created
		body   string
		header map[string]string
		fault  *gongsandbox.Fault // on GET /v2/users, for both requests
		fast   bool               // answered by the fast path
	}
	cases := []fastCase{
		{"tools/list, no version header", all, list, plain, nil, true},
		{"tools/list 2025-03-26", all, list, with(map[string]string{"MCP-Protocol-Version": "2025-03-26"}), nil, true},
		{"tools/list 2025-06-18, no params", all, `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`, with(map[string]string{"MCP-Protocol-Version": "2025-06-18"}), nil, true},
		{"tools/list 2025-11-25", all, list, with(map[string]string{"MCP-Protocol-Version": "2025-11-25"}), nil, true},
		{"tools/list filtered", reads, list, plain, nil, true},
		{"tools/list with search and fetch", research, list, plain, nil, true},
		{"tools/list, Accept JSON only", all, list, map[string]string{"Content-Type": "application/json", "Accept": "application/json"}, nil, true},
		{"tools/call one call", all, callBody(`"req-1"`, "get_single_gong_call_by_id", `{"id":"`+callID+`"}`), plain, nil, true},
		{"tools/call a page of calls", all, callBody("-3", "list_all_gong_calls", week), with(map[string]string{"MCP-Protocol-Version": "2025-11-25"}), nil, true},
		{"tools/call transcript as text", all, callBody("4", "create_a_gong_calls_transcript", `{"callIds":["`+callID+`"],"format":"text"}`), plain, nil, true},
		{"tools/call transcript as JSON", all, callBody("5", "create_a_gong_calls_transcript", `{"callIds":["`+callID+`"]}`), plain, nil, true},
		{"tools/call search", research, callBody("6", "search", `{"query":"initech"}`), plain, nil, true},
		{"tools/call unknown tool, HTML in the name", all, callBody("8", "<b>nope</b>&", `{}`), plain, nil, true},
		{"tools/call filtered-out tool", reads, callBody("9", "list_all_gong_workspaces", `{}`), plain, nil, true},
		{"tools/call invalid arguments", all, callBody("10", "get_single_gong_call_by_id", `{"id":17}`), plain, nil, true},
		{"tools/call upstream 404, HTML in the argument", all, callBody("11", "get_single_gong_call_by_id", `{"id":"<9>&"}`), plain, nil, true},
		{"tools/call without arguments", all, `{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"list_all_gong_users"}}`, plain, nil, true},
		{"tools/call 429 from Gong", all, callBody("13", "list_all_gong_users", `{}`), plain, &gongsandbox.Fault{Force429: true}, true},
		{"tools/call 500 from Gong", all, callBody("14", "list_all_gong_users", `{}`), plain, &gongsandbox.Fault{Status: 500}, true},
		// Everything else is the SDK's on both.
		{"2026-07-28 request", all, list, with(map[string]string{"MCP-Protocol-Version": "2026-07-28"}), nil, false},
		{"_meta in params", all, `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"x":1}}}`, plain, nil, false},
		{"cursor", all, `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"abc"}}`, plain, nil, false},
		{"ping", all, `{"jsonrpc":"2.0","id":1,"method":"ping"}`, plain, nil, false},
		{"fractional id", all, `{"jsonrpc":"2.0","id":1.0,"method":"tools/list"}`, plain, nil, false},
		{"escaped id", all, `{"jsonrpc":"2.0","id":"a\u0041","method":"tools/list"}`, plain, nil, false},
		{"escaped tool name", all, callBody("1", `list_all_gong\u005fusers`, `{}`), plain, nil, false},
		{"upper-case key", all, `{"jsonrpc":"2.0","id":1,"Method":"tools/list","method":"tools/list"}`, plain, nil, false},
		{"unsupported version", all, list, with(map[string]string{"MCP-Protocol-Version": "2024-01-01"}), nil, false},
		{"text/plain body", all, list, map[string]string{"Content-Type": "text/plain", "Accept": "application/json, text/event-stream"}, nil, false},
		{"Accept HTML only", all, list, map[string]string{"Content-Type": "application/json", "Accept": "text/html"}, nil, false},
		{"arguments not an object", all, callBody("1", "list_all_gong_users", `[]`), plain, nil, false},
		{"notification", all, `{"jsonrpc":"2.0","method":"tools/list"}`, plain, nil, false},
	}
	hidden := e.server(map[string]any{"name": "hidden", "config": map[string]any{"hide_tools_missing_scopes": true, "search_fetch": true}})
	cases = append(cases, fastCase{"tools/list hiding tools, scopes unknown", hidden, list, plain, nil, true})
	// Discovery mode: the meta-tools answer alike on both paths.
	disc := e.server(map[string]any{"name": "discovery", "config": map[string]any{"methods": []string{"read"}, "search_fetch": true, "tool_exposure": "discovery"}})
	cases = append(cases,
		fastCase{"discovery tools/list", disc, list, plain, nil, true},
		fastCase{"discovery search_tools", disc, callBody("30", "search_tools", `{"query":"call <transcript>"}`), plain, nil, true},
		fastCase{"discovery search_tools, empty query", disc, callBody("31", "search_tools", `{"query":""}`), plain, nil, true},
		fastCase{"discovery get_tool_schema", disc, callBody("32", "get_tool_schema", `{"tool_names":["list_all_gong_calls","nope&"]}`), plain, nil, true},
		fastCase{"discovery call_tool", disc, callBody("33", "call_tool", `{"tool_name":"get_single_gong_call_by_id","arguments":{"id":"`+callID+`"}}`), plain, nil, true},
		fastCase{"discovery call_tool filtered out", disc, callBody("34", "call_tool", `{"tool_name":"create_a_gong_call","arguments":{}}`), plain, nil, true},
		fastCase{"discovery direct call refused", disc, callBody("35", "list_all_gong_users", `{}`), plain, nil, true},
		fastCase{"discovery search", disc, callBody("36", "search", `{"query":"initech"}`), plain, nil, true},
	)
	compare := func(tc fastCase) {
		t.Run(tc.name, func(t *testing.T) {
			send := func(base string) (*http.Response, []byte) {
				if tc.fault != nil {
					e.sandbox.SetFault("GET /v2/users", *tc.fault)
					defer e.sandbox.SetFault("GET /v2/users", gongsandbox.Fault{})
				}
				req, _ := http.NewRequest("POST", strings.Replace(tc.server.URL, e.url, base, 1), strings.NewReader(tc.body))
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				return resp, out
			}
			before := e.app.MCP().FastServed()
			fastResp, fastBody := send(e.url)
			if fast := e.app.MCP().FastServed() > before; fast != tc.fast {
				t.Fatalf("answered on the fast path: %v, want %v", fast, tc.fast)
			}
			if sdkOnly.MCP().FastServed() != 0 {
				t.Fatal("the SDK-only replica used the fast path")
			}
			sdkResp, sdkBody := send(replicaURL)
			// Gong gives every request its own id; nothing else may differ.
			fastBody, sdkBody = gongRequestID.ReplaceAll(fastBody, []byte("$1")), gongRequestID.ReplaceAll(sdkBody, []byte("$1"))
			if !bytes.Equal(fastBody, sdkBody) {
				t.Errorf("bodies differ:\nfast: %.600s\nSDK:  %.600s", fastBody, sdkBody)
			}
			if fastResp.StatusCode != sdkResp.StatusCode {
				t.Errorf("status %d, SDK %d", fastResp.StatusCode, sdkResp.StatusCode)
			}
			for _, h := range []http.Header{fastResp.Header, sdkResp.Header} {
				h.Del("Date")
				h.Del("X-Request-Id")
			}
			if a, b := headerLines(fastResp.Header), headerLines(sdkResp.Header); a != b {
				t.Errorf("headers differ:\nfast: %s\nSDK:  %s", a, b)
			}
			if tc.fast && tc.fault == nil && len(fastBody) < 40 {
				t.Errorf("suspiciously short answer: %s", fastBody)
			}
		})
	}
	for _, tc := range cases {
		compare(tc)
	}
	// Granted scopes known: tools are hidden and calls refused before
	// upstream, and the cached lists follow the grant.
	e.mustAPI("PATCH", "/integrated-account/"+e.account, map[string]any{"scopes": []string{"api:users:read"}}, http.StatusOK, nil)
	for _, tc := range []fastCase{
		{"tools/list hiding tools, users only", hidden, list, plain, nil, true},
		{"tools/list not hiding", all, list, plain, nil, true},
		{"tools/call missing scope", all, callBody("20", "list_all_gong_calls", week), plain, nil, true},
		{"tools/call search missing scope", research, callBody("21", "search", `{"query":"initech"}`), plain, nil, true},
	} {
		compare(tc)
	}
	_, hiddenList := rawMCP(t, hidden.URL, list, nil)
	if bytes.Contains(hiddenList, []byte(`"list_all_gong_calls"`)) || !bytes.Contains(hiddenList, []byte(`"list_all_gong_users"`)) {
		t.Errorf("hidden list after the grant changed: %.300s", hiddenList)
	}
}

var gongRequestID = regexp.MustCompile(`(request_?[iI]d\\":\\")[0-9a-z]+`)

func headerLines(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}
