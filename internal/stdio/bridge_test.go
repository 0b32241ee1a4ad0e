package stdio

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// fakeServer answers like a Streamable HTTP server: initialize issues a
// session and negotiates 2025-06-18 in JSON; tools/list answers as an
// event stream (a notification, then the answer); notifications get 202;
// DELETE is recorded.
type fakeServer struct {
	mu      sync.Mutex
	headers []http.Header
	bodies  []string
	deleted string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	if r.Method == http.MethodDelete {
		f.mu.Lock()
		f.deleted = r.Header.Get("Mcp-Session-Id")
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	_ = json.Unmarshal(body, &msg)
	switch msg.Method {
	case "initialize":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Mcp-Session-Id", "s-1")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"fake","version":"1"}}}`, msg.ID)
	case "tools/list":
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"hi\"}}\n\n")
		fmt.Fprintf(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"tools\":[]}}\n\n", msg.ID)
	case "server/discover":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32022,"message":"unsupported protocol version"}}`, msg.ID)
	case "tools/call":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"unauthorized","message":"needs an API token"}`)
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

func TestBridge(t *testing.T) {
	fake := &fakeServer{}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	b := &Bridge{
		URL:    srv.URL,
		Header: http.Header{"Authorization": {"Bearer x"}},
		Local:  &sdk.IOTransport{Reader: inR, Writer: outW},
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(context.Background()) }()
	out := bufio.NewScanner(outR)
	send := func(s string) {
		if _, err := io.WriteString(inW, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	next := func() map[string]any {
		if !out.Scan() {
			t.Fatalf("no answer: %v", out.Err())
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", out.Bytes(), err)
		}
		return m
	}

	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if m := next(); m["result"].(map[string]any)["protocolVersion"] != "2025-06-18" {
		t.Fatalf("initialize answer %v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	if m := next(); m["method"] != "notifications/message" {
		t.Errorf("first event = %v, want the notification", m)
	}
	if m := next(); fmt.Sprint(m["id"]) != "2" || m["result"] == nil {
		t.Errorf("second event = %v, want the tools/list answer", m)
	}
	// A JSON-RPC error with a 4xx status is relayed as it is.
	send(`{"jsonrpc":"2.0","id":3,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`)
	if m := next(); m["error"].(map[string]any)["code"] != float64(-32022) {
		t.Errorf("discover answer %v", m)
	}
	// A plain HTTP error becomes a JSON-RPC error for that request.
	send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"x","arguments":{}}}`)
	if m := next(); fmt.Sprint(m["id"]) != "4" || !strings.Contains(fmt.Sprint(m["error"]), "401") || !strings.Contains(fmt.Sprint(m["error"]), "needs an API token") {
		t.Errorf("tools/call answer %v", m)
	}
	inW.Close() // stdin EOF: the bridge ends the session and exits
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the bridge did not exit after stdin closed")
	}

	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.deleted != "s-1" {
		t.Errorf("DELETE with session %q, want s-1", fake.deleted)
	}
	for i, h := range fake.headers {
		if h.Get("Authorization") != "Bearer x" {
			t.Errorf("request %d lacks the --header", i)
		}
	}
	if v := fake.headers[0].Get("MCP-Protocol-Version"); v != "" {
		t.Errorf("initialize sent MCP-Protocol-Version %q before one was negotiated", v)
	}
	if h := fake.headers[1]; h.Get("MCP-Protocol-Version") != "2025-06-18" || h.Get("Mcp-Session-Id") != "s-1" {
		t.Errorf("after initialize: version %q session %q", h.Get("MCP-Protocol-Version"), h.Get("Mcp-Session-Id"))
	}
	if h := fake.headers[3]; h.Get("MCP-Protocol-Version") != "2026-07-28" || h.Get("Mcp-Method") != "server/discover" {
		t.Errorf("2026-07-28 request: version %q method %q", h.Get("MCP-Protocol-Version"), h.Get("Mcp-Method"))
	}
	if h := fake.headers[1]; h.Get("Mcp-Method") != "" {
		t.Errorf("Mcp-Method sent before 2026-07-28: %q", h.Get("Mcp-Method"))
	}
}

func TestBridgeStopsOnContextEnd(t *testing.T) {
	srv := httptest.NewServer(&fakeServer{})
	defer srv.Close()
	inR, _ := io.Pipe() // stdin never closes
	_, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&Bridge{URL: srv.URL, Local: &sdk.IOTransport{Reader: inR, Writer: outW}}).Run(ctx)
	}()
	cancel() // what SIGTERM does in cmd/patchbay
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the bridge did not exit when its context ended")
	}
}

func TestParseHeader(t *testing.T) {
	k, v, err := ParseHeader("authorization:  Bearer pba_x ")
	if err != nil || k != "Authorization" || v != "Bearer pba_x" {
		t.Errorf("got %q %q %v", k, v, err)
	}
	for _, bad := range []string{"no colon", ": empty", "two words: x"} {
		if _, _, err := ParseHeader(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
