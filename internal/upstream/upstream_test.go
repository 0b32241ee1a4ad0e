package upstream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

func gongSet(t testing.TB) *tools.Set {
	t.Helper()
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func tool(t testing.TB, set *tools.Set, name string) *tools.Tool {
	t.Helper()
	tl, ok := set.Lookup(name)
	if !ok {
		t.Fatalf("no tool %s", name)
	}
	return tl
}

func TestBuildPlacesArguments(t *testing.T) {
	set := gongSet(t)
	tests := []struct {
		tool     string
		args     map[string]any
		method   string
		path     string
		query    string
		body     string
		argError bool
	}{
		{tool: "list_all_gong_calls", args: map[string]any{"fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-02-01T00:00:00Z", "next_cursor": "abc"},
			method: "GET", path: "/v2/calls", query: "cursor=abc&fromDateTime=2026-01-01T00%3A00%3A00Z&toDateTime=2026-02-01T00%3A00%3A00Z"},
		{tool: "create_a_gong_calls_transcript", args: map[string]any{"callIds": []any{"123"}, "next_cursor": "cur"},
			method: "POST", path: "/v2/calls/transcript", body: `{"cursor":"cur","filter":{"callIds":["123"]}}`},
		{tool: "create_a_gong_calls_transcript", args: map[string]any{},
			method: "POST", path: "/v2/calls/transcript", body: `{"filter":{}}`},
		{tool: "get_single_gong_call_by_id", args: map[string]any{"id": "../users"}, argError: true},
		{tool: "get_single_gong_call_by_id", args: map[string]any{"id": "a/b?c#d"}, argError: true},
		{tool: "get_single_gong_call_by_id", args: map[string]any{"id": "b?c#d"},
			method: "GET", path: "/v2/calls/b%3Fc%23d"},
		{tool: "get_single_gong_call_by_id", args: map[string]any{"id": ".."}, argError: true},
		{tool: "get_single_gong_call_by_id", args: map[string]any{"id": "."}, argError: true},
		{tool: "get_single_gong_call_by_id", args: map[string]any{"id": ""}, argError: true},
		{tool: "create_a_gong_activity_aggregate_by_period", args: map[string]any{"fromDate": "2026-01-01", "toDate": "2026-02-01", "aggregationPeriod": "WEEK", "userIds": []any{"9"}},
			method: "POST", path: "/v2/stats/activity/aggregate-by-period", body: `{"aggregationPeriod":"WEEK","filter":{"fromDate":"2026-01-01","toDate":"2026-02-01","userIds":["9"]}}`},
	}
	for _, tc := range tests {
		req, err := upstream.Build(context.Background(), "https://api.gong.io", tool(t, set, tc.tool), tc.args)
		if tc.argError {
			var ae *upstream.ArgError
			if err == nil || !asArgErr(err, &ae) {
				t.Errorf("%s %v: err = %v, want an argument error", tc.tool, tc.args, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.tool, err)
		}
		if req.Method != tc.method || req.URL.EscapedPath() != tc.path || req.URL.RawQuery != tc.query || req.URL.Host != "api.gong.io" {
			t.Errorf("%s: %s %s?%s", tc.tool, req.Method, req.URL.EscapedPath(), req.URL.RawQuery)
		}
		var body string
		if req.Body != nil {
			b, _ := io.ReadAll(req.Body)
			body = string(b)
		}
		if body != tc.body {
			t.Errorf("%s body = %s, want %s", tc.tool, body, tc.body)
		}
	}
}

func asArgErr(err error, target **upstream.ArgError) bool {
	ae, ok := err.(*upstream.ArgError)
	*target = ae
	return ok
}

func TestDecodeArgsKeepsBigNumbers(t *testing.T) {
	args, err := upstream.DecodeArgs(json.RawMessage(`{"id": 7782342274025937895}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := args["id"].(json.Number); !ok || n.String() != "7782342274025937895" {
		t.Errorf("id = %#v, want the exact digits", args["id"])
	}
	for _, bad := range []string{`[1]`, `"x"`, `{"a":1} {"b":2}`, `{`} {
		if _, err := upstream.DecodeArgs(json.RawMessage(bad)); err == nil {
			t.Errorf("DecodeArgs(%s) accepted", bad)
		}
	}
}

func TestCheckBaseURL(t *testing.T) {
	const sandbox = "http://127.0.0.1:8090"
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://api.gong.io", true},
		{"https://company-17.api.gong.io", true},
		{"https://api.eu.gong.io/", true},
		{"https://gong.io", true},
		{"https://api.gong.io:443", true},
		{sandbox, true},
		{sandbox + "/", true},
		{"http://api.gong.io", false},
		{"http://169.254.169.254", false},
		{"https://169.254.169.254", false},
		{"https://[::1]", false},
		{"https://gong.io.evil.example", false},
		{"https://evilgong.io", false},
		{"https://api.gong.io@evil.example", false},
		{"https://user:pw@api.gong.io", false},
		{"https://api.gong.io:8443", false},
		{"https://api.gong.io/v2/calls", false},
		{"https://api.gong.io?x=1", false},
		{"https://api.gong.io.", false},
		{"http://127.0.0.1:8091", false},
		{sandbox + "@evil.example", false},
		{"ftp://api.gong.io", false},
		{"", false},
		{"::::", false},
	}
	for _, tc := range tests {
		err := upstream.CheckBaseURL(tc.url, "gong.io", sandbox)
		if (err == nil) != tc.ok {
			t.Errorf("CheckBaseURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

// A fake upstream answering what the test says, to check result mapping.
func TestResultMapping(t *testing.T) {
	set := gongSet(t)
	tests := []struct {
		name     string
		tool     string
		status   int
		header   map[string]string
		body     string
		isError  bool
		contains []string
	}{
		{"list", "list_all_gong_users", 200, nil, `{"requestId":"r1","records":{"cursor":"next1"},"users":[{"id":"12345678901234567890"}]}`, false,
			[]string{`"result":[{"id":"12345678901234567890"}]`, `"next_cursor":"next1"`}},
		{"last page", "list_all_gong_users", 200, nil, `{"requestId":"r1","records":{},"users":[]}`, false, []string{`"next_cursor":null`}},
		{"empty calls 404", "list_all_gong_calls", 404, nil, `{"requestId":"r2","errors":["No calls found corresponding to the provided filters"]}`, false,
			[]string{`"result":[]`}},
		{"other 404", "get_single_gong_call_by_id", 404, nil, `{"requestId":"r3","errors":["Call ID was not found"]}`, true,
			[]string{`"status":404`, `"request_id":"r3"`, `Call ID was not found`}},
		{"missing scope", "list_all_gong_users", 403, nil, `{"requestId":"r4","errors":["Missing scope api:users:read"]}`, true,
			[]string{`"missing_scopes":["api:users:read"]`}},
		{"429", "list_all_gong_users", 429, map[string]string{"Retry-After": "7"}, `{"requestId":"r5","errors":["Too many requests"]}`, true,
			[]string{`"retry_after_seconds":7`, `"limit":3`}},
		{"500 not json", "list_all_gong_users", 500, nil, `<html>oops</html>`, true, []string{`"status":500`}},
		{"200 not json", "list_all_gong_users", 200, nil, `<html>oops</html>`, true, []string{`not JSON`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := upstream.NewClient()
			args := map[string]any{"id": "1", "fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-01-02T00:00:00Z"}
			res := c.Call(context.Background(), set.Integration, srv.URL, upstream.BasicAuth{Key: "k", Secret: "s"}, tool(t, set, tc.tool), args)
			out, _ := res.Text()
			if res.IsError != tc.isError {
				t.Errorf("IsError = %v, want %v: %s", res.IsError, tc.isError, out)
			}
			for _, want := range tc.contains {
				if !strings.Contains(string(out), want) {
					t.Errorf("answer %s lacks %s", out, want)
				}
			}
			if res.Status != tc.status {
				t.Errorf("Status = %d, want %d", res.Status, tc.status)
			}
		})
	}
}

func TestTimeoutAndDroppedConnection(t *testing.T) {
	set := gongSet(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer drop.Close()
	c := upstream.NewClient()
	c.Timeout = 100 * time.Millisecond
	users := tool(t, set, "list_all_gong_users")
	res := c.Call(context.Background(), set.Integration, slow.URL, upstream.BasicAuth{}, users, map[string]any{})
	if !res.IsError || !strings.Contains(res.Err, "did not answer within") {
		t.Errorf("slow upstream: %+v", res)
	}
	res = c.Call(context.Background(), set.Integration, drop.URL, upstream.BasicAuth{}, users, map[string]any{})
	if !res.IsError || !strings.Contains(res.Err, "could not reach") {
		t.Errorf("dropped connection: %+v", res)
	}
}

func TestNoRedirectsFollowed(t *testing.T) {
	set := gongSet(t)
	var leaked bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked = true
		}
	}))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer redirect.Close()
	res := upstream.NewClient().Call(context.Background(), set.Integration, redirect.URL, upstream.BasicAuth{Key: "k", Secret: "s"}, tool(t, set, "list_all_gong_users"), map[string]any{})
	if leaked || !res.IsError {
		t.Errorf("redirect followed (leaked=%v) or reported as success: %+v", leaked, res)
	}
}

// The client never cuts an answer (the executor's answer budget does, at
// whole items with a cursor to the rest): cutting here would lose items.
func TestLargeAnswersArePassedWhole(t *testing.T) {
	set := gongSet(t)
	var users []string
	for i := 0; i < 300; i++ {
		users = append(users, fmt.Sprintf(`{"id":"%020d","bio":"%s"}`, i, strings.Repeat("x", 1000)))
	}
	body := `{"requestId":"r","records":{"cursor":"c2"},"users":[` + strings.Join(users, ",") + `]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
	defer srv.Close()
	res := upstream.NewClient().Call(context.Background(), set.Integration, srv.URL, upstream.BasicAuth{}, tool(t, set, "list_all_gong_users"), map[string]any{})
	out, _ := res.Text()
	var got struct {
		Result     []map[string]any
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("answer is not valid JSON: %v", err)
	}
	if len(got.Result) != 300 || got.NextCursor != "c2" {
		t.Errorf("%d of 300 items (%d bytes), next_cursor %q", len(got.Result), len(out), got.NextCursor)
	}
}
