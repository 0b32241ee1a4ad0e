package upstream_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

var (
	fuzzSetOnce sync.Once
	fuzzSet     *tools.Set
)

func sharedSet(t testing.TB) *tools.Set {
	fuzzSetOnce.Do(func() { fuzzSet = gongSet(t) })
	return fuzzSet
}

// Tool arguments from a client: decoding and schema validation never
// panic, for every tool, and what passes validation builds a request (or
// a clear argument error) for the tool's own endpoint on the account's host.
func FuzzToolArguments(f *testing.F) {
	set := sharedSet(f)
	for _, s := range []string{
		`{}`, `null`, ``, `[]`, `{"id":"7782342274025937895"}`, `{"fromDateTime":"2026-01-01T00:00:00Z","toDateTime":"2026-01-02T00:00:00Z"}`,
		`{"filter":{"callIds":["1"]}}`, `{"next_cursor":"eyJhbGciOi"}`, `{"id":1e400}`, `{"a":{"b":{"c":[1,2,{"d":null}]}}}`,
		`{"id":"../users"}`, `{"format":"text","id":"1"}`, `{"x":1}{"y":2}`, `{"id":"1"} trailing`,
	} {
		for _, tl := range []string{"list_all_gong_calls", "get_single_gong_call_by_id", "create_a_gong_calls_transcript", "list_all_gong_users"} {
			f.Add(tl, s)
		}
	}
	f.Fuzz(func(t *testing.T, name, raw string) {
		tl, ok := set.Lookup(name)
		if !ok {
			all := set.Tools
			if len(all) == 0 {
				t.Skip()
			}
			tl = all[len(name)%len(all)]
		}
		if tl.Finder != nil {
			return // made of other tools' requests: never built as one
		}
		args, err := upstream.DecodeArgs(json.RawMessage(raw))
		if err != nil {
			return
		}
		if err := tl.Validate(args); err != nil {
			if !strings.HasPrefix(err.Error(), "invalid arguments") {
				t.Fatalf("validation error without the usual prefix: %v", err)
			}
			return
		}
		delete(args, "format")
		req, err := upstream.Build(context.Background(), "https://acme.api.gong.io", tl, args)
		if err != nil {
			var ae *upstream.ArgError
			if !asArgError(err, &ae) {
				t.Fatalf("Build failed with a non-argument error: %v", err)
			}
			return
		}
		if req.URL.Scheme != "https" || req.URL.Host != "acme.api.gong.io" || req.URL.User != nil || req.URL.Fragment != "" {
			t.Fatalf("request left the account's host: %s", req.URL.Redacted())
		}
		if req.Method != tl.Operation.Method {
			t.Fatalf("method %s, want %s", req.Method, tl.Operation.Method)
		}
		checkPath(t, tl.Operation.Path, req.URL.EscapedPath())
	})
}

func asArgError(err error, target **upstream.ArgError) bool {
	ae, ok := err.(*upstream.ArgError)
	*target = ae
	return ok
}

// checkPath: the request path is the template with each {param} replaced
// by exactly one non-empty, non-dot segment.
func checkPath(t *testing.T, template, got string) {
	t.Helper()
	want := strings.Split(template, "/")
	have := strings.Split(got, "/")
	if len(want) != len(have) {
		t.Fatalf("path %q does not fit the template %q", got, template)
	}
	for i, w := range want {
		if strings.HasPrefix(w, "{") {
			seg, err := url.PathUnescape(have[i])
			if err != nil || seg == "" || seg == "." || seg == ".." {
				t.Fatalf("path parameter segment %q of %q", have[i], got)
			}
			continue
		}
		if w != have[i] {
			t.Fatalf("path %q does not fit the template %q", got, template)
		}
	}
}

// Path templating and escaping: any id lands, unchanged once unescaped, in
// its one segment of /v2/calls/{id}, with no query.
func FuzzPathParam(f *testing.F) {
	tl := tool(f, sharedSet(f), "get_single_gong_call_by_id")
	for _, s := range []string{"7782342274025937895", "..", ".", "../users", "%2e%2e", "a/b", "a?b=c", "a#b", "a b", "\x00", "日本", "%", "%%", ";", "\\..\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		req, err := upstream.Build(context.Background(), "https://api.gong.io", tl, map[string]any{"id": id})
		if err != nil {
			if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) {
				return
			}
			t.Fatalf("id %q refused: %v", id, err)
		}
		seg, ok := strings.CutPrefix(req.URL.EscapedPath(), "/v2/calls/")
		if !ok || strings.Contains(seg, "/") || req.URL.RawQuery != "" || req.URL.Host != "api.gong.io" {
			t.Fatalf("id %q gave %s", id, req.URL.String())
		}
		if back, err := url.PathUnescape(seg); err != nil || back != id {
			t.Fatalf("id %q came out as %q (%v)", id, back, err)
		}
	})
}

// Cursor handling: the cursor a client passes back travels to Gong exactly
// as received (query for GET, body for POST) and adds nothing else.
func FuzzCursor(f *testing.F) {
	set := sharedSet(f)
	get := tool(f, set, "list_all_gong_calls")
	post := tool(f, set, "create_a_gong_calls_transcript")
	for _, s := range []string{"eyJhbGciOiJIUzI1NiJ9.e30.sig", "a&b=c", "a=b", "%00", "x#y", "\"}", "日本", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		if !utf8.ValidString(cursor) {
			return // arguments arrive as JSON: always valid UTF-8
		}
		args := map[string]any{"fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-01-02T00:00:00Z", "next_cursor": cursor}
		req, err := upstream.Build(context.Background(), "https://api.gong.io", get, args)
		if err != nil {
			t.Fatal(err)
		}
		q := req.URL.Query()
		if cursor != "" && (q.Get("cursor") != cursor || len(q["cursor"]) != 1) {
			t.Fatalf("cursor %q arrived as %q", cursor, q["cursor"])
		}
		for k := range q {
			if k != "cursor" && k != "fromDateTime" && k != "toDateTime" {
				t.Fatalf("cursor %q added query parameter %q", cursor, k)
			}
		}
		req, err = upstream.Build(context.Background(), "https://api.gong.io", post, map[string]any{"next_cursor": cursor})
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if cursor != "" && body["cursor"] != cursor {
			t.Fatalf("cursor %q arrived in the body as %v", cursor, body["cursor"])
		}
		if req.URL.RawQuery != "" {
			t.Fatalf("a POST cursor went into the query: %s", req.URL.RawQuery)
		}
	})
}
