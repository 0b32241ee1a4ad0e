package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"

	"github.com/patchbay-dev/patchbay/internal/app"
)

type logEntry struct {
	Method         string `json:"method"`
	Tool           string `json:"tool"`
	ClientName     string `json:"client_name"`
	Status         string `json:"status"`
	UpstreamStatus int    `json:"upstream_status"`
}

func (e *env) logs(serverID string) []logEntry {
	e.t.Helper()
	var out struct{ Result []logEntry }
	e.mustAPI("GET", "/log?log_type=mcp&mcp_server_id="+serverID, nil, http.StatusOK, &out)
	return out.Result
}

// The legacy HTTP+SSE transport takes the Streamable path: filters, tools
// and one audit entry per message.
func TestLegacySSEServesAndLogsLikeStreamable(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"config": map[string]any{"tags": []string{"users"}}})
	client := sdk.NewClient(&sdk.Implementation{Name: "sse-test", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &sdk.SSEClientTransport{Endpoint: srv.URL + "/sse"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if v := cs.InitializeResult().ProtocolVersion; v >= "2026-07-28" {
		t.Errorf("SSE negotiated %s; the transport predates 2026-07-28", v)
	}
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tool := range res.Tools {
		names[tool.Name] = true
	}
	if !names["list_all_gong_users"] || names["list_all_gong_calls"] {
		t.Errorf("the server's tag filter does not hold over SSE: %v", names)
	}
	if got, isErr := call(t, cs, "list_all_gong_users", nil); isErr {
		t.Fatalf("tools/call over SSE: %v", got)
	}
	if _, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "list_all_gong_calls"}); err == nil {
		t.Error("a filtered-out tool answered over SSE")
	}

	var sawCall, sawInit bool
	for _, l := range e.logs(srv.ID) {
		if l.Method == "tools/call" && l.Tool == "list_all_gong_users" && l.Status == "ok" && l.UpstreamStatus == 200 && l.ClientName == "sse-test" {
			sawCall = true
		}
		if l.Method == "initialize" {
			sawInit = true
		}
	}
	if !sawCall || !sawInit {
		t.Errorf("audit log lacks the SSE session's requests: %+v", e.logs(srv.ID))
	}
}

func TestLegacySSERefusesAnotherTokensSession(t *testing.T) {
	e := newEnv(t)
	a, b := e.server(map[string]any{}), e.server(map[string]any{})
	// Open a session on a, then post to it through b's URL.
	req, _ := http.NewRequest("GET", a.URL+"/sse", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 512)
	n, _ := resp.Body.Read(buf)
	first := string(buf[:n])
	i := strings.Index(first, "message?sessionid=")
	if i < 0 {
		t.Fatalf("no endpoint event: %q", first)
	}
	id := strings.TrimSpace(strings.SplitN(first[i+len("message?sessionid="):], "\n", 2)[0])
	body := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	post := func(url string) int {
		r, err := http.Post(url+"/message?sessionid="+id, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if got := post(b.URL); got != http.StatusNotFound {
		t.Errorf("another token's session: %d, want 404", got)
	}
	if got := post(a.URL); got != http.StatusAccepted {
		t.Errorf("own session: %d, want 202", got)
	}
}

// search_fetch adds search and fetch; fetch gives the transcript as text.
func TestSearchFetchTools(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{"config": map[string]any{"search_fetch": true}}).URL, nil)
	found, isErr := call(t, cs, "search", map[string]any{"query": "initech"})
	if isErr {
		t.Fatalf("search: %v", found)
	}
	results, _ := found["results"].([]any)
	if len(results) == 0 {
		t.Fatal("search found no Initech call")
	}
	first := results[0].(map[string]any)
	// Newest first: the first result is the latest Initech call, whatever
	// the size of the window searched.
	co := e.sandbox.Company()
	initech := co.AccountByName("Initech")
	var latest *gongsandbox.Call
	for _, c := range co.Calls {
		if c.AccountID == initech.CRMID && c.Started.Before(time.Now()) && (latest == nil || c.Started.After(latest.Started)) {
			latest = c
		}
	}
	if first["id"] != latest.ID {
		t.Errorf("search's first result is %v, want the latest Initech call %s (%s)", first["id"], latest.ID, latest.Started)
	}
	if _, ok := found["scanned"].(map[string]any); !ok || found["complete"] == nil {
		t.Errorf("search does not say what it covered: %v", found)
	}
	doc, isErr := call(t, cs, "fetch", map[string]any{"id": first["id"]})
	if isErr {
		t.Fatalf("fetch: %v", doc)
	}
	if doc["id"] != first["id"] || doc["title"] != first["title"] || doc["url"] != first["url"] {
		t.Errorf("fetch disagrees with search: %v vs %v", doc, first)
	}
	if text, _ := doc["text"].(string); !strings.Contains(text, "Speakers:") || !strings.Contains(text, "] ") {
		t.Errorf("fetch text is not a transcript: %.200s", text)
	}
	meta, _ := doc["metadata"].(map[string]any)
	if acc, _ := json.Marshal(meta["accounts"]); !strings.Contains(strings.ToLower(string(acc)), "initech") {
		t.Errorf("metadata accounts %s", acc)
	}

	// Without the flag neither tool exists.
	plain := e.connect(e.server(map[string]any{}).URL, nil)
	if _, err := plain.CallTool(context.Background(), &sdk.CallToolParams{Name: "search", Arguments: map[string]any{"query": "x"}}); err == nil {
		t.Error("search answered on a server without search_fetch")
	}
}

// ServeSession (patchbay stdio --server) serves a server by id, with its
// filter, and stops answering once the server is deleted.
func TestServeSessionByID(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"config": map[string]any{"tags": []string{"users"}}})
	ct, st := sdk.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.app.MCP().ServeSession(ctx, srv.ID, st) }()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "stdio-test", Version: "1"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, isErr := call(t, cs, "list_all_gong_users", nil); isErr {
		t.Fatalf("tools/call: %v", got)
	}
	if _, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "list_all_gong_calls"}); err == nil {
		t.Error("a filtered-out tool answered")
	}
	e.mustAPI("DELETE", "/integrated-account/"+e.account+"/mcp/"+srv.ID, nil, http.StatusOK, nil)
	if _, err := cs.ListTools(context.Background(), nil); err == nil {
		t.Error("a deleted server still answers")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeSession: %v", err)
	}
	if err := e.app.MCP().ServeSession(context.Background(), "no-such-id", st); err == nil {
		t.Error("an unknown id was served")
	}
}

// An idle legacy SSE stream gets comment lines, so proxies that close idle
// connections leave it open; events still arrive whole between them.
func TestLegacySSEKeepAlive(t *testing.T) {
	e := newEnvWith(t, envOptions{config: func(c *app.Config) { c.SSEKeepAlive = 20 * time.Millisecond }})
	srv := e.server(map[string]any{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/sse", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("stream ended: %v", lines.Err())
		}
		return lines.Text()
	}
	if l := next(); l != "event: endpoint" {
		t.Fatalf("first line %q, want the endpoint event", l)
	}
	endpoint := strings.TrimPrefix(next(), "data: ")
	post := func(body string) {
		r, err := http.Post(srv.URL+"/"+endpoint, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
	}
	keepalives, answered := 0, false
	for keepalives < 3 || !answered {
		switch l := next(); {
		case l == ": keepalive":
			keepalives++
			if keepalives == 2 { // the session starts between comments
				post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"keepalive-test","version":"1"}}}`)
			}
		case l == "event: message":
			data := strings.TrimPrefix(next(), "data: ")
			var msg struct {
				ID     int `json:"id"`
				Result struct {
					Tools []json.RawMessage `json:"tools"`
				} `json:"result"`
			}
			if err := json.Unmarshal([]byte(data), &msg); err != nil {
				t.Fatalf("message event is not whole JSON (%v): %.200s", err, data)
			}
			switch msg.ID {
			case 1: // initialized: ask for a large answer
				post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
				post(`{"jsonrpc":"2.0","id":7,"method":"tools/list"}`)
			case 7:
				if len(msg.Result.Tools) == 0 {
					t.Fatalf("tools/list answer: %.200s", data)
				}
				answered = true
			}
		case l == "":
		default:
			t.Fatalf("unexpected line %.200q", l)
		}
	}
}

// initialize carries the integration's server instructions: the routes an
// agent needs (finders, CRM ids), paging and the answer budget.
func TestInitializeCarriesInstructions(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	got := cs.InitializeResult().Instructions
	if len(got) == 0 || len(got) > 1500 {
		t.Fatalf("instructions of %d bytes, want some and at most 1,500", len(got))
	}
	for _, want := range []string{"find_gong_calls", "find_gong_crm_entities", "next_cursor"} {
		if !strings.Contains(got, want) {
			t.Errorf("the instructions do not name %s:\n%s", want, got)
		}
	}
}
