package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// An answered request is never missing from the audit log: its entry is
// stored before the first byte of the answer leaves, on the fast path and
// through the SDK alike, large answers included (a large answer used to
// start streaming before the entry was written).
func TestAuditEntryStoredBeforeTheAnswer(t *testing.T) {
	e := newEnv(t)
	srv := e.server(map[string]any{"name": "audited"})
	logged := make(chan *store.LogEntry, 1)
	var gate atomic.Pointer[chan struct{}] // the current request waits on it
	h := mcp.New(mcp.Options{
		Store: e.app.Store, Catalog: e.app.Catalog, Upstream: e.app.Upstream, Auth: e.app.Connect.Auth,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Observe: func(le *store.LogEntry) { // called once the entry is stored
			logged <- le
			<-*gate.Load()
		},
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	days := rangeArgs(180)
	for _, tc := range []struct {
		name, body, method string
		fast               bool
	}{
		{"fast path, a page of 100 calls", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_all_gong_calls","arguments":{"fromDateTime":"` +
			days["fromDateTime"].(string) + `","toDateTime":"` + days["toDateTime"].(string) + `"}}}`, "tools/call", true},
		{"SDK, the whole tool list", `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"x"}}`, "tools/list", false},
		{"SDK, ping", `{"jsonrpc":"2.0","id":3,"method":"ping"}`, "ping", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := make(chan struct{})
			gate.Store(&g)
			var once sync.Once
			release := func() { once.Do(func() { close(g) }) }
			defer release() // a failing check must not leave the handler waiting
			before := h.FastServed()
			answered := make(chan *http.Response, 1)
			go func() {
				req, _ := http.NewRequest("POST", ts.URL+"/mcp/"+srv.Token, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				resp, err := http.DefaultClient.Do(req) // returns once the status line and headers arrive
				if err != nil {
					t.Error(err)
					close(answered)
					return
				}
				answered <- resp
			}()
			var le *store.LogEntry
			select {
			case le = <-logged:
			case <-time.After(30 * time.Second):
				t.Fatal("no audit entry")
			}
			if le.ID == 0 || le.RPCMethod != tc.method || le.ServerID != srv.ID {
				t.Errorf("entry %+v", le)
			}
			select {
			case <-answered:
				t.Fatal("the answer began before its audit entry was stored")
			case <-time.After(300 * time.Millisecond):
			}
			release()
			resp := <-answered
			if resp == nil {
				return
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), `"result"`) {
				t.Fatalf("answer %d %.200s", resp.StatusCode, out)
			}
			if fast := h.FastServed() > before; fast != tc.fast {
				t.Errorf("fast path: %v, want %v", fast, tc.fast)
			}
		})
	}
}
