package app_test

// The executor (issue 17, item 1): every upstream request — plain tools,
// composite steps and polls, search/fetch scans, the transcript's speaker
// lookup — goes through one function that applies the server's filters and
// budgets, and the audit entry counts what was sent.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// usedUp is a server of e whose daily budget of n upstream requests is
// spent by n plain calls.
func usedUp(t *testing.T, e *env, cfg map[string]any, n int) created {
	t.Helper()
	cfg["budget"] = map[string]any{"per_day": n}
	srv := e.server(map[string]any{"name": "budget", "config": cfg})
	for range n {
		if ans, err := toolCall(context.Background(), t, srv.URL, "list_all_gong_users", map[string]any{}); err != nil || ans.Result.IsError {
			t.Fatalf("a call within the budget: %v %s", err, ans.Raw)
		}
	}
	return srv
}

func TestBudgetUsedUpHoldsForEveryKindOfCall(t *testing.T) {
	e := newEnv(t)
	srv := usedUp(t, e, map[string]any{"search_fetch": true}, 1)
	callID := e.sandbox.Company().Calls[0].ID
	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"search", map[string]any{"query": "initech"}},
		{"fetch", map[string]any{"id": callID}},
		{"add_gong_call_with_media_and_wait", newCallArgs(e, "t-budget")},
		{"create_a_gong_calls_transcript", map[string]any{"callIds": []any{callID}, "format": "text"}},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			before := e.upstream.Load()
			ans, err := toolCall(context.Background(), t, srv.URL, tc.tool, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if n := e.upstream.Load() - before; n != 0 {
				t.Errorf("%d upstream requests with the budget used up", n)
			}
			if !ans.Result.IsError || !strings.Contains(ans.text(), "budget of 1 calls per day is used up") {
				t.Errorf("answer does not name the budget: %s", ans.Raw)
			}
			if l := lastLog(t, e, srv.ID); l.Status != "denied" || l.Tool != tc.tool || l.UpstreamRequests != 0 {
				t.Errorf("log entry %+v", l)
			}
		})
	}
}

// The speaker lookup is a request of its own: charged, and refused when
// the transcript itself spent the last of the budget.
func TestSpeakerLookupIsCharged(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"name": "one", "config": map[string]any{"budget": map[string]any{"per_day": 1}}})
	callID := e.sandbox.Company().Calls[0].ID
	before := e.upstream.Load()
	ans, err := toolCall(context.Background(), t, srv.URL, "create_a_gong_calls_transcript", map[string]any{"callIds": []any{callID}, "format": "text"})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.upstream.Load() - before; n != 1 {
		t.Errorf("%d upstream requests; the budget allows one", n)
	}
	if ans.Result.IsError || !strings.Contains(ans.text(), "speaker names could not be looked up") || !strings.Contains(ans.text(), "budget") {
		t.Errorf("the transcript should come with speakers by id and say why: %.300s", ans.text())
	}
}

func TestSearchFetchNeedTheirToolsAllowed(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"name": "users only", "config": map[string]any{"search_fetch": true, "methods": []string{"list_all_gong_users"}}})
	cs := e.connect(srv.URL, nil)
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		if tool.Name == "search" || tool.Name == "fetch" {
			t.Errorf("%s is listed on a server limited to list_all_gong_users", tool.Name)
		}
	}
	before := e.upstream.Load()
	for _, tc := range []struct {
		name string
		args map[string]any
	}{{"search", map[string]any{"query": "initech"}}, {"fetch", map[string]any{"id": e.sandbox.Company().Calls[0].ID}}} {
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tc.name, Arguments: tc.args})
		if err == nil && !res.IsError {
			t.Errorf("%s answered on a server limited to list_all_gong_users: %v", tc.name, res.Content)
		}
	}
	if n := e.upstream.Load() - before; n != 0 {
		t.Errorf("%d upstream requests", n)
	}
}

// A composite's polls are charged one by one and stop where the budget
// ends, saying so; the work started goes on upstream.
func TestCompositePollsAreChargedAndStopAtTheBudget(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"name": "three", "config": map[string]any{"budget": map[string]any{"per_day": 3}}})
	before := e.upstream.Load()
	// The sandbox clock stands still: the call stays processing.
	ans, err := toolCall(context.Background(), t, srv.URL, "add_gong_call_with_media_and_wait", mergeArgs(newCallArgs(e, "t-polls"), map[string]any{"wait_seconds": 30}))
	if err != nil {
		t.Fatal(err)
	}
	if n := e.upstream.Load() - before; n != 3 {
		t.Errorf("%d upstream requests; the budget allows 3 (a start and two polls)", n)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(ans.text()), &body); err != nil {
		t.Fatalf("%v in %s", err, ans.Raw)
	}
	if body["status"] != "unknown" || body["started"] == nil || !strings.Contains(ans.text(), "budget of 3 calls per day is used up") {
		t.Errorf("answer should say the work started and the budget stopped the wait: %s", ans.text())
	}
	if l := lastLog(t, e, srv.ID); l.UpstreamRequests != 3 || l.Status != "denied" {
		t.Errorf("log entry %+v", l)
	}
}

// The audit entry's upstream_requests is the sandbox's own count of the
// requests each call sent, and GET /log shows it.
func TestAuditEntryCountsUpstreamRequests(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"name": "counted", "config": map[string]any{"search_fetch": true}})
	callID := e.sandbox.Company().Calls[0].ID
	stop := advancing(e)
	defer stop()
	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"list_all_gong_users", map[string]any{}},
		{"search", map[string]any{"query": "initech"}},
		{"fetch", map[string]any{"id": callID}},
		{"create_a_gong_calls_transcript", map[string]any{"callIds": []any{callID}, "format": "text"}},
		{"add_gong_call_with_media_and_wait", newCallArgs(e, "t-count")},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			before := e.upstream.Load()
			if _, err := toolCall(context.Background(), t, srv.URL, tc.tool, tc.args); err != nil {
				t.Fatal(err)
			}
			sent := int(e.upstream.Load() - before)
			l := lastLog(t, e, srv.ID)
			if sent == 0 || l.UpstreamRequests != sent || l.Tool != tc.tool {
				t.Errorf("sandbox counted %d requests; the log entry says %d (%+v)", sent, l.UpstreamRequests, l)
			}
			var logs struct {
				Result []struct {
					UpstreamRequests int `json:"upstream_requests"`
				} `json:"result"`
			}
			e.mustAPI("GET", "/log?log_type=mcp&mcp_server_id="+srv.ID+"&limit=1", nil, http.StatusOK, &logs)
			if len(logs.Result) != 1 || logs.Result[0].UpstreamRequests != sent {
				t.Errorf("GET /log: %+v", logs)
			}
		})
	}
}

// Issue 18 #2: the log names what the SDK ran. Bodies whose keys differ
// from the SDK's only in case are refused before anything runs.
func TestAuditLogCannotBeMadeToLie(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"name": "spoofed"})
	for _, tc := range []struct{ name, body string }{
		{"a second tool name in another case", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_a_gong_permission_profile","Name":"list_all_gong_users","arguments":{"workspaceId":"1","name":"x"}}}`},
		{"a second method in another case", `{"jsonrpc":"2.0","id":2,"method":"tools/call","Method":"ping","params":{"name":"list_all_gong_users","arguments":{}}}`},
		{"an extra PARAMS", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}},"PARAMS":5}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.upstream.Load()
			status, out := postRaw(t, srv.URL, tc.body)
			sent := e.upstream.Load() - before
			l := lastLog(t, e, srv.ID)
			switch {
			case status == http.StatusBadRequest && sent == 0:
				if l.Status != "invalid" || l.HTTPStatus != http.StatusBadRequest || l.UpstreamRequests != 0 {
					t.Errorf("refused, but logged as %+v", l)
				}
			case sent > 0 && (l.RPCMethod != "tools/call" || l.UpstreamRequests != int(sent)):
				t.Errorf("ran %d requests but logged %+v (answer %d %s)", sent, l, status, out)
			case sent == 0 && status != http.StatusBadRequest:
				t.Errorf("answered %d %s without running or refusing", status, out)
			}
		})
	}
	// A plain request still logs what it ran.
	if status, out := postRaw(t, srv.URL, `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{},"_meta":{"x":1}}}`); status != http.StatusOK {
		t.Fatalf("plain call: %d %s", status, out)
	}
	if l := lastLog(t, e, srv.ID); l.Tool != "list_all_gong_users" || l.RPCMethod != "tools/call" || l.UpstreamRequests != 1 {
		t.Errorf("log entry %+v", l)
	}
}

func postRaw(t *testing.T, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// failingLog is a store whose audit log cannot be written.
type failingLog struct{ store.Store }

func (failingLog) AppendLog(context.Context, *store.LogEntry) error {
	return io.ErrUnexpectedEOF
}

// Issue 18: a request whose audit entry cannot be stored is answered with
// an error, never with its normal answer.
func TestUnrecordedRequestIsAnsweredWithAnError(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"name": "unrecorded"})
	h := mcp.New(mcp.Options{
		Store: failingLog{e.app.Store}, Catalog: e.app.Catalog, Upstream: e.app.Upstream, Auth: e.app.Connect.Auth,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	for _, tc := range []struct{ name, body string }{
		{"fast path", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_users","arguments":{}}}`},
		{"SDK", `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"x"}}`},
		{"refused before the SDK", `{"jsonrpc":"2.0","id":3,"method":"no/such"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postRaw(t, ts.URL+"/mcp/"+srv.Token, tc.body)
			if status < 500 || strings.Contains(out, `"result"`) || strings.Contains(out, `"jsonrpc"`) {
				t.Errorf("answered %d %s", status, out)
			}
		})
	}
}
