package gong_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// The most a tools/list answer of Gong tools may weigh, in bytes: every MCP
// client puts it in the model's context on every conversation. The whole
// toolset was 79,968 bytes (about 20,000 tokens) and a read-only server
// about 40 KB before the descriptions were made lean (issue 19).
// The limits (issue 19) hold for the whole toolset, finders included.
const (
	toolsBudget    = 48_000
	readOnlyBudget = 28_000
)

func load(t *testing.T) (*integration.Integration, *tools.Set) {
	t.Helper()
	in, err := integration.Load(gong.FS)
	if err != nil {
		t.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	return in, set
}

func TestEveryOperationHasARecordOrAReason(t *testing.T) {
	t.Parallel()
	in, _ := load(t)
	if n := len(in.Operations); n != 67 {
		t.Errorf("the document has %d operations, want Gong's 67", n)
	}
	excluded := map[string]string{}
	for _, ex := range in.Excluded {
		excluded[ex.Operation] = ex.Reason
	}
	for _, id := range in.OperationIDs() {
		rec := in.RecordFor(id)
		reason, isExcluded := excluded[id]
		switch {
		case rec == nil && !isExcluded:
			t.Errorf("%s: neither a documentation record nor an exclusion", id)
		case rec != nil && isExcluded:
			t.Errorf("%s: both documented and excluded", id)
		case isExcluded && len(strings.Fields(reason)) < 5:
			t.Errorf("%s: exclusion reason %q does not explain anything", id, reason)
		}
	}
}

// quotedScope finds the scopes of phrasings Integration.ParseScopes does
// not know ("requires the 'x' scope", "use the 'x' scope", "Required
// authorization scope: 'x'"): the test must not depend on the parser it
// checks being complete.
var quotedScope = regexp.MustCompile(`'(api:[a-z0-9:-]+)'`)

// undocumentedScopes are the scopes of operations whose prose names none:
// the permission-profile scopes of Gong's OAuth scope list.
var undocumentedScopes = map[string][]string{
	"listPermissionProfile":   {"api:permission-profile:read"},
	"getPermissionProfile":    {"api:permission-profile:read"},
	"createPermissionProfile": {"api:permission-profile:write"},
	"updatePermissionProfile": {"api:permission-profile:write"},
}

func TestRecordScopesMatchTheDocument(t *testing.T) {
	t.Parallel()
	in, _ := load(t)
	for _, r := range in.Records {
		desc := in.Operations[r.Operation].Op.Description
		want := in.ParseScopes(desc)
		if len(want) == 0 {
			for _, m := range quotedScope.FindAllStringSubmatch(desc, -1) {
				want = append(want, m[1])
			}
		}
		if len(want) == 0 {
			var ok bool
			if want, ok = undocumentedScopes[r.Operation]; !ok {
				t.Errorf("%s: the document names no scope; add the operation to undocumentedScopes with the scopes it needs", r.Operation)
				continue
			}
		} else if _, listed := undocumentedScopes[r.Operation]; listed {
			t.Errorf("%s: the document now names scopes %v; drop it from undocumentedScopes", r.Operation, want)
		}
		if !sameSet(r.Scopes, want) {
			t.Errorf("%s (%s): scopes %v, the document says %v", r.Operation, r.File, r.Scopes, want)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// fixedTools are the names guides written for other platforms rely on
// (DESIGN §3): name -> "METHOD path".
var fixedTools = map[string]string{
	"list_all_gong_calls":                        "GET /v2/calls",
	"get_single_gong_call_by_id":                 "GET /v2/calls/{id}",
	"create_a_gong_call":                         "POST /v2/calls",
	"create_a_gong_calls_transcript":             "POST /v2/calls/transcript",
	"create_a_gong_activity_aggregate_by_period": "POST /v2/stats/activity/aggregate-by-period",
	"list_all_gong_entities_get_briefs":          "GET /v2/entities/get-brief",
	"list_all_gong_users":                        "GET /v2/users",
}

// postReads are the POST operations that only read; everything else that
// is not a GET changes data.
var postReads = map[string]bool{
	"/v2/calls/extensive":                    true,
	"/v2/calls/transcript":                   true,
	"/v2/calls/users-access":                 true,
	"/v2/stats/activity/aggregate":           true,
	"/v2/stats/activity/aggregate-by-period": true,
	"/v2/stats/activity/day-by-day":          true,
	"/v2/stats/activity/scorecards":          true,
	"/v2/stats/interaction":                  true,
	"/v2/users/extensive":                    true,
	"/v2/flows/prospects":                    true,
	"/v2/flows/steps":                        true,
	"/v2/tasks":                              true,
	"/v2/meetings/integration/status":        true,
}

var toolName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func TestGeneratedTools(t *testing.T) {
	t.Parallel()
	in, set := load(t)
	if got, want := len(set.Tools), len(in.Records)+len(in.Composites)+len(in.Finders); got != want {
		t.Errorf("%d tools from %d records, %d composites and %d finders", got, len(in.Records), len(in.Composites), len(in.Finders))
	}
	for _, tool := range set.Tools {
		if tool.Finder != nil {
			continue // made of no operation of their own: finders_test.go
		}
		op := tool.Operation
		where := tool.Name + " (" + op.ID + ")"
		if !toolName.MatchString(tool.Name) {
			t.Errorf("%s: name is not snake_case of at most 64 characters", where)
		}
		if strings.TrimSpace(tool.Description) == "" || strings.TrimSpace(tool.Record.Title) == "" {
			t.Errorf("%s: the record needs a title (Gong's summaries end in the path) and a description", where)
		}
		if strings.ContainsAny(tool.Description, "<>") && strings.Contains(tool.Description, "</") {
			t.Errorf("%s: description carries HTML", where)
		}
		if len(tool.Tags) == 0 {
			t.Errorf("%s: no tags", where)
		}
		if len(tool.Scopes) == 0 {
			t.Errorf("%s: no scopes", where)
		}
		var schema struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(tool.InputSchema, &schema); err != nil || schema.Type != "object" {
			t.Errorf("%s: input schema is not an object schema: %v", where, err)
		}
		for _, r := range schema.Required {
			if _, ok := schema.Properties[r]; !ok {
				t.Errorf("%s: required argument %q has no schema", where, r)
			}
		}
		for name, raw := range schema.Properties {
			var p map[string]any
			if err := json.Unmarshal(raw, &p); err != nil || (p["type"] == nil && p["oneOf"] == nil && p["anyOf"] == nil) {
				t.Errorf("%s: argument %q has no type", where, name)
			}
		}

		wantRead := op.Method == "GET" || op.Method == "POST" && postReads[op.Path]
		if tool.Read != wantRead || tool.Annotations.ReadOnlyHint != wantRead {
			t.Errorf("%s: read=%v readOnlyHint=%v, want %v", where, tool.Read, tool.Annotations.ReadOnlyHint, wantRead)
		}
		wantDestructive := op.Method == "DELETE" || strings.HasPrefix(op.Path, "/v2/data-privacy/erase-")
		if wantDestructive && !tool.Annotations.DestructiveHint {
			t.Errorf("%s: deletes or erases data but is not marked destructive", where)
		}
		if tool.Credits != strings.HasPrefix(op.Path, "/v2/entities/") {
			t.Errorf("%s: credits=%v; only Gong's entity AI endpoints spend credits", where, tool.Credits)
		}
		if tool.Credits && !strings.Contains(strings.ToLower(tool.Description), "spends gong credits") {
			t.Errorf("%s: spends credits but does not say so in its description", where)
		}

		// A paginated operation must page, with the cursor where Gong wants it.
		wantCursor := ""
		if hasCursor(op) {
			wantCursor = "query"
			if op.Method != "GET" {
				wantCursor = "body"
			}
		}
		if tool.Record.Cursor != wantCursor {
			t.Errorf("%s: cursor %q, want %q", where, tool.Record.Cursor, wantCursor)
		}
	}

	for name, want := range fixedTools {
		tool, ok := set.Lookup(name)
		if !ok {
			t.Errorf("fixed tool %s is missing", name)
			continue
		}
		if got := tool.Operation.Method + " " + tool.Operation.Path; got != want {
			t.Errorf("fixed tool %s maps to %s, want %s", name, got, want)
		}
	}
}

// The server instructions say once what the lean tool descriptions leave
// out; each convention here is one a tool relies on.
func TestServerInstructions(t *testing.T) {
	t.Parallel()
	_, set := load(t)
	text := set.Instructions()
	if len(text) > integration.MaxInstructionsBytes {
		t.Errorf("instructions are %d bytes", len(text))
	}
	for _, want := range []string{
		"ISO-8601 with offset", "YYYY-MM-DD", // date formats the schemas name only as date-time and date
		"next_cursor exactly as received", // paged tools list next_cursor with no description
		"429", "retry_after_seconds",      // how a rate limit comes back
		"Spends Gong credits",                       // the credits note, quoted
		"still_processing",                          // what the *_and_wait tools answer
		"Shaped like",                               // the pointers of lean schemas
		"confirm with the user first",               // irreversible tools
		"find_gong_calls", "find_gong_crm_entities", // the routes Gong's API lacks
		"size budget", // answers that fit, and how to get the rest
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the instructions do not say %q", want)
		}
	}
}

func hasCursor(op *integration.Operation) bool {
	for _, p := range op.Op.Parameters {
		if p.Value != nil && p.Value.Name == "cursor" {
			return true
		}
	}
	if rb := op.Op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			_, ok := mt.Schema.Value.Properties["cursor"]
			return ok
		}
	}
	return false
}

// The budgets are measured on the wire form: the tools/list result exactly
// as the MCP endpoint renders it (internal/mcp.SDKTool, encoded without
// HTML escaping).
func TestToolListFitsTheTokenBudget(t *testing.T) {
	t.Parallel()
	_, set := load(t)
	for _, tc := range []struct {
		name   string
		filter tools.Filter
		budget int
	}{
		{"every tool", tools.Filter{}, toolsBudget},
		{"read-only", tools.Filter{Methods: []string{"read"}}, readOnlyBudget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// As the server lists them, with the caching hints (mcp.listTools).
			res := &sdk.ListToolsResult{}
			res.TTLMs, res.CacheScope = 30_000, "private"
			sizes := map[string]int{}
			for _, tool := range set.Select(tc.filter) {
				st := mcp.SDKTool(tool)
				res.Tools = append(res.Tools, st)
				sizes[tool.Name] = len(wire(t, st))
			}
			size := len(wire(t, res))
			t.Logf("tools/list of %d Gong tools (%s): %d bytes, about %d tokens (bytes/4); budget %d bytes", len(res.Tools), tc.name, size, size/4, tc.budget)
			names := make([]string, 0, len(sizes))
			for n := range sizes {
				names = append(names, n)
			}
			sort.Slice(names, func(i, j int) bool { return sizes[names[i]] > sizes[names[j]] })
			for _, n := range names[:min(10, len(names))] {
				t.Logf("  %6d bytes  %s", sizes[n], n)
			}
			if size > tc.budget {
				t.Errorf("the %s tool list is %d bytes, over the budget of %d", tc.name, size, tc.budget)
			}
		})
	}
}

// wire encodes v as the MCP endpoint does: compact, no HTML escaping.
func wire(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}
