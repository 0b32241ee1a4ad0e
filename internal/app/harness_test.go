package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/app"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
)

// env is a running Patchbay wired to a running Gong sandbox, both over
// real HTTP on loopback.
type env struct {
	t        *testing.T
	app      *app.App
	url      string // Patchbay's base URL
	sandbox  *gongsandbox.Sandbox
	sbURL    string
	upstream atomic.Int64 // requests that reached the sandbox
	apiToken string
	account  string // id of the sandbox account
	clock    *gongsandbox.Clock
	cfg      app.Config // what app was opened with
}

func newEnv(t *testing.T) *env { return newEnvWith(t, envOptions{}) }

// replica opens another Patchbay on e's database, with e's config changed
// by change (if set), and serves it; it answers at the returned base URL.
func (e *env) replica(change func(*app.Config)) (*app.App, string) {
	e.t.Helper()
	cfg := e.cfg
	if change != nil {
		change(&cfg)
	}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	e.t.Cleanup(srv.Close)
	return a, srv.URL
}

// api sends an admin API request and returns status and body.
func (e *env) api(method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rdr io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rdr = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rdr = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.url+path, rdr)
	req.Header.Set("Authorization", "Bearer "+e.apiToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (e *env) mustAPI(method, path string, body any, want int, into any) {
	e.t.Helper()
	status, out := e.api(method, path, body)
	if status != want {
		e.t.Fatalf("%s %s = %d %s; want %d", method, path, status, out, want)
	}
	if into != nil {
		if err := json.Unmarshal(out, into); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, out)
		}
	}
}

type created struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	URL   string `json:"url"`
}

// server creates an MCP server on the sandbox account.
func (e *env) server(body map[string]any) created {
	e.t.Helper()
	if body["name"] == nil {
		body["name"] = "test server"
	}
	var c created
	e.mustAPI("POST", "/integrated-account/"+e.account+"/mcp", body, http.StatusCreated, &c)
	return c
}

// connect opens an MCP session with the official Go SDK client.
func (e *env) connect(url string, header http.Header) *sdk.ClientSession {
	e.t.Helper()
	client := sdk.NewClient(&sdk.Implementation{Name: "patchbay-test", Version: "1.0"}, nil)
	hc := &http.Client{Transport: headerTransport{header: header}}
	cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: hc}, nil)
	if err != nil {
		e.t.Fatalf("connect %s: %v", url, err)
	}
	e.t.Cleanup(func() { cs.Close() })
	return cs
}

type headerTransport struct{ header http.Header }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	for k, v := range h.header {
		r.Header[k] = v
	}
	return http.DefaultTransport.RoundTrip(r)
}

// call runs a tool and decodes its JSON text answer.
func call(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) (map[string]any, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d content items", name, len(res.Content))
	}
	text, ok := res.Content[0].(*sdk.TextContent)
	if !ok {
		t.Fatalf("%s: content is %T", name, res.Content[0])
	}
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(text.Text))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: answer is not a JSON object: %s", name, text.Text)
	}
	return out, res.IsError
}

// rawMCP posts a raw JSON-RPC body to an MCP URL.
func rawMCP(t *testing.T, url, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
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

// sandboxGET calls the sandbox directly, as a reference for what the tools
// must return.
func (e *env) sandboxDo(method, path string, body any) map[string]any {
	e.t.Helper()
	var rdr io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rdr = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.sbURL+path, rdr)
	req.SetBasicAuth(e.sandbox.AccessKey(), e.sandbox.AccessKeySecret())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		e.t.Fatalf("sandbox %s %s: %v", method, path, err)
	}
	return out
}
