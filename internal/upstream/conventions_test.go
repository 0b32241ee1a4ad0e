package upstream

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// brambleSet is the contract tests' made-up vendor (internal/contract),
// whose conventions differ from Gong's on purpose.
func brambleSet(t *testing.T) *tools.Set {
	t.Helper()
	in, err := integration.Load(os.DirFS("../contract/testdata/bramble"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Error answers are read with each vendor's own patterns: missing scopes in
// its scope syntax, and its wording for a status.
func TestErrorsReadInTheVendorsWords(t *testing.T) {
	t.Parallel()
	gong, bramble := benchSet(t), brambleSet(t)
	tests := []struct {
		name      string
		set       *tools.Set
		tool      string
		status    int
		body      string
		wantMsg   string
		wantScope []string
	}{
		{"gong 403", gong, "list_all_gong_calls", 403, `{"requestId":"r1","errors":["missing scope api:calls:read:basic"]}`, "answered 403", []string{"api:calls:read:basic"}},
		{"gong 402", gong, "list_all_gong_calls", 402, `{"requestId":"r2","errors":["payment required"]}`, "no Gong credits left", nil},
		{"bramble 403", bramble, "search_bramble_deals", 403, `{"trace_id":"t1","messages":["token lacks scope deals.read"]}`, "answered 403", []string{"deals.read"}},
		{"bramble 402", bramble, "search_bramble_deals", 402, `{"trace_id":"t2","messages":["upgrade"]}`, "plan does not include this feature", nil},
		// A Gong-style scope means nothing to Bramble.
		{"bramble 403 with a foreign scope", bramble, "search_bramble_deals", 403, `{"messages":["needs api:calls:read:basic"]}`, "answered 403", nil},
	}
	for _, tc := range tests {
		tl, _ := tc.set.Lookup(tc.tool)
		res := mapResponse(tc.set.Integration, tl, &http.Response{StatusCode: tc.status, Header: http.Header{}}, []byte(tc.body), nil)
		e := res.Value().(map[string]any)["error"].(ErrorBody)
		if !res.IsError || !strings.Contains(e.Message, tc.wantMsg) || !slices.Equal(e.MissingScopes, tc.wantScope) {
			t.Errorf("%s: %+v", tc.name, e)
		}
		if e.RequestID == "" && strings.Contains(tc.body, "_id") {
			t.Errorf("%s: request id not read", tc.name)
		}
	}
}

// A page-numbered vendor's cursor must be a page number.
func TestPageCursorMustBeANumber(t *testing.T) {
	t.Parallel()
	tl, _ := brambleSet(t).Lookup("list_all_bramble_contacts")
	_, err := Build(context.Background(), "https://api.bramble.example", tl, map[string]any{integration.CursorArg: "abc"})
	var ae *ArgError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an argument error", err)
	}
}

// rawLookup walks a dotted path without decoding: it finds values at the
// right depth only, whole, and nothing through a non-object.
func TestRawLookup(t *testing.T) {
	t.Parallel()
	doc := `{"a":{"x":[1,{"cursor":"deep"}],"cursor":"a-level"},"records":{"total":3,"cursor":"c\u00e9"},"list":[{"id":1},{"id":2}],"n":null,"s":"str","k\u0065y":7}`
	tests := []struct{ path, want string }{
		{"records.cursor", `"c\u00e9"`},
		{"a.cursor", `"a-level"`},
		{"list", `[{"id":1},{"id":2}]`},
		{"a", `{"x":[1,{"cursor":"deep"}],"cursor":"a-level"}`},
		{"n", `null`},
		{"key", `7`},
		{"cursor", ``},   // only nested ones exist
		{"s.cursor", ``}, // through a string
		{"list.id", ``},  // through an array
		{"records.missing", ``},
		{"a.x.cursor", ``},
	}
	for _, tc := range tests {
		if got := string(rawLookup([]byte(doc), tc.path)); got != tc.want {
			t.Errorf("rawLookup(%q) = %s, want %s", tc.path, got, tc.want)
		}
	}
	for _, bad := range []string{`[1]`, `"x"`, `{"a":`, ``} {
		if got := rawLookup([]byte(bad), "a"); got != nil {
			t.Errorf("rawLookup(%q) = %s, want nil", bad, got)
		}
	}
}
