package tools

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
)

func gongSet(t *testing.T) *Set {
	t.Helper()
	in, err := integration.Load(gong.FS)
	if err != nil {
		t.Fatal(err)
	}
	set, err := Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestPointRepeats(t *testing.T) {
	t.Parallel()
	custom := `{"type":"array","items":{"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"},"dataType":{"type":"string","enum":["STRING","NUMBER","DATE"]}}}}`
	// The same shape with its enum in another order and its own text.
	customAgain := `{"type":"array","description":"About the person.","items":{"type":"object","required":["value","name"],"properties":{"name":{"type":"string"},"value":{"type":"string"},"dataType":{"type":"string","enum":["DATE","STRING","NUMBER"]}}}}`
	in := `{"type":"object","properties":{
		"alpha":` + custom + `,
		"beta":` + customAgain + `,
		"gamma":{"type":"object","properties":{"nested":` + custom + `,"pattern":{"type":"string"}}},
		"small":{"type":"object","properties":{"a":{"type":"string"}}},
		"smallToo":{"type":"object","properties":{"a":{"type":"string"}}}}}`
	want := `{"type":"object","properties":{
		"alpha":` + custom + `,
		"beta":{"type":"array","description":"About the person. Shaped like alpha."},
		"gamma":{"type":"object","properties":{"nested":{"type":"array","description":"Shaped like alpha."},"pattern":{"type":"string"}}},
		"small":{"type":"object","properties":{"a":{"type":"string"}}},
		"smallToo":{"type":"object","properties":{"a":{"type":"string"}}}}}`
	got := decode(t, in)
	dropPatterns(got) // a property named "pattern" is not the keyword
	pointRepeats(got)
	if !reflect.DeepEqual(got, decode(t, want)) {
		b, _ := json.Marshal(got)
		t.Errorf("got %s", b)
	}
}

// The listed schema may say things in fewer bytes, never fewer things:
// every required name and every enum value of the schema Validate holds
// arguments to is in the list, directly or behind a "Shaped like"
// pointer, and every argument a record requires is listed as required.
func TestListedSchemasKeepRequiredArgumentsAndEnums(t *testing.T) {
	t.Parallel()
	set := gongSet(t)
	for _, tool := range set.Tools {
		var listed, full map[string]any
		if err := json.Unmarshal(tool.InputSchema, &listed); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(tool.fullSchema, &full); err != nil {
			t.Fatal(err)
		}
		required, _ := listed["required"].([]any)
		props, _ := listed["properties"].(map[string]any)
		var wantRequired []string
		if tool.Finder != nil {
			continue // its schema is its definition's (internal/finder)
		}
		if tool.Composite != nil {
			wantRequired = append(wantRequired, tool.Composite.Def.Require...)
			tool = tool.Composite.Start // and the start's own required arguments
		}
		for _, p := range tool.Record.Parameters {
			if p.Required {
				wantRequired = append(wantRequired, p.Name)
			}
		}
		for _, name := range wantRequired {
			if _, ok := props[name]; !ok || !slices.Contains(required, any(name)) {
				t.Errorf("%s: required argument %s is not listed as required", tool.Name, name)
			}
		}

		fullFacts, listedFacts := map[string]bool{}, map[string]bool{}
		collectFacts(full, fullFacts, nil, nil)
		collectFacts(listed, listedFacts, listed, set)
		for fact := range fullFacts {
			if !listedFacts[fact] {
				t.Errorf("%s: %s is validated but not listed", tool.Name, fact)
			}
		}
	}
}

var shapedLike = regexp.MustCompile(`Shaped like (?:([a-z0-9_]+)'s )?([A-Za-z0-9_]+)\.`)

// collectFacts gathers the enum values and required names of a schema.
// With root set it follows "Shaped like" pointers to the argument of root
// (or of the named tool of set) they point to.
func collectFacts(s map[string]any, facts map[string]bool, root map[string]any, set *Set) {
	if d, _ := s["description"].(string); root != nil {
		if m := shapedLike.FindStringSubmatch(d); m != nil {
			target := root
			if m[1] != "" {
				other, ok := set.Lookup(m[1])
				if !ok {
					facts["pointer to a missing tool "+m[1]] = true
					return
				}
				target = nil
				_ = json.Unmarshal(other.InputSchema, &target)
			}
			arg, _ := target["properties"].(map[string]any)[m[2]].(map[string]any)
			if arg == nil {
				facts["pointer to a missing argument "+m[2]] = true
				return
			}
			collectFacts(arg, facts, target, set)
		}
	}
	for _, v := range asList(s["enum"]) {
		facts["enum value "+strings.TrimSpace(toString(v))] = true
	}
	for _, v := range asList(s["required"]) {
		facts["required name "+toString(v)] = true
	}
	eachSubschema(s, func(sub map[string]any) { collectFacts(sub, facts, root, set) })
}

func asList(v any) []any { l, _ := v.([]any); return l }

func toString(v any) string { b, _ := json.Marshal(v); return string(b) }

// What the list leaves to the validator is still enforced: unknown
// arguments, formats, patterns, and the whole shape behind a pointer.
func TestValidateHoldsWhatTheListLeavesOut(t *testing.T) {
	t.Parallel()
	set := gongSet(t)
	tool := func(name string) *Tool {
		tl, ok := set.Lookup(name)
		if !ok {
			t.Fatalf("no tool %s", name)
		}
		return tl
	}
	party := map[string]any{"userId": "1", "mediaChannelId": json.Number("0")}
	call := func(extra map[string]any) map[string]any {
		args := map[string]any{"clientUniqueId": "c1", "actualStart": "2026-01-31T15:00:00Z", "direction": "Outbound",
			"primaryUser": "1", "parties": []any{party}, "downloadMediaUrl": "https://media.example/1.mp3"}
		for k, v := range extra {
			args[k] = v
		}
		return args
	}
	for _, tc := range []struct {
		tool string
		args map[string]any
		ok   bool
	}{
		{"list_all_gong_calls", map[string]any{"fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-02-01T00:00:00+01:00"}, true},
		{"list_all_gong_calls", map[string]any{"fromDateTime": "2026-01-01T00:00:00", "toDateTime": "2026-02-01T00:00:00Z"}, false},
		{"list_all_gong_calls", map[string]any{"fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-02-01T00:00:00Z", "surprise": true}, false},
		{"list_all_gong_activity_aggregate", map[string]any{"fromDate": "2026-01-01", "toDate": "2026-02-01"}, true},
		{"list_all_gong_activity_aggregate", map[string]any{"fromDate": "2026-01-01", "toDate": "1 Feb 2026"}, false},
		{"get_single_gong_call_by_id", map[string]any{"id": "7782342274025937895"}, true},
		{"get_single_gong_call_by_id", map[string]any{"id": "../users"}, false},
		{"add_gong_call_with_media_and_wait", call(nil), true},
		{"add_gong_call_with_media_and_wait", call(map[string]any{"parties": []any{map[string]any{"mediaChannelId": json.Number("7")}}}), false},
		{"create_a_gong_call", call(map[string]any{"context": []any{map[string]any{"system": "Notepad"}}}), false},
		{"create_a_gong_digital_interaction", map[string]any{"eventId": "e", "eventType": "page viewed", "timestamp": "2026-01-31T15:00:00Z",
			"contentTitle": "Pricing", "personCustomFields": []any{map[string]any{"name": "plan"}}}, false}, // value is required
	} {
		err := tool(tc.tool).Validate(tc.args)
		var ve *ValidationError
		if tc.ok && err != nil || !tc.ok && !errors.As(err, &ve) {
			t.Errorf("%s %v: %v", tc.tool, tc.args, err)
		}
	}
	if strings.Contains(string(tool("get_single_gong_call_by_id").InputSchema), "pattern") {
		t.Error("the listed schema still spells out the id pattern")
	}
}

// The wording of credits and of the server instructions is the
// integration's data, not this package's.
func TestCreditsNoteAndInstructionsAreData(t *testing.T) {
	t.Parallel()
	in, err := integration.Load(gong.FS)
	if err != nil {
		t.Fatal(err)
	}
	in.CreditsNote = "Costs one token per call."
	in.Instructions = "  Be kind.\n"
	set, err := Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Instructions(); got != "Be kind." {
		t.Errorf("Instructions() = %q", got)
	}
	credits := 0
	for _, tool := range set.Tools {
		says := strings.Contains(tool.Description, "Costs one token per call.")
		if says != tool.Credits {
			t.Errorf("%s: credits=%v, but the note is there: %v", tool.Name, tool.Credits, says)
		}
		if tool.Credits {
			credits++
		}
	}
	if credits == 0 {
		t.Fatal("no tool spends credits: the test proves nothing")
	}
}
