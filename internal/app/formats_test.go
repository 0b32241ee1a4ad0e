package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

func textOf(t *testing.T, res *sdk.CallToolResult) string {
	t.Helper()
	if len(res.Content) != 1 {
		t.Fatalf("%d content items", len(res.Content))
	}
	return res.Content[0].(*sdk.TextContent).Text
}

func TestTranscriptTextFormat(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	calls, _ := call(t, cs, "list_all_gong_calls", rangeArgs(60))
	var id string
	for _, c := range calls["result"].([]any) {
		if c.(map[string]any)["scope"] == "External" {
			id = c.(map[string]any)["id"].(string)
			break
		}
	}
	if id == "" {
		t.Fatal("no external call in the last 60 days")
	}
	ctx := context.Background()
	before := e.upstream.Load()
	jsonRes, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "create_a_gong_calls_transcript", Arguments: map[string]any{"callIds": []any{id}}})
	if err != nil || jsonRes.IsError {
		t.Fatalf("json transcript: %v %v", err, jsonRes)
	}
	if n := e.upstream.Load() - before; n != 1 {
		t.Errorf("the JSON form made %d upstream calls, want 1 (no speaker lookup unless asked)", n)
	}
	before = e.upstream.Load()
	textRes, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "create_a_gong_calls_transcript", Arguments: map[string]any{"callIds": []any{id}, "format": "text"}})
	if err != nil || textRes.IsError {
		t.Fatalf("text transcript: %v %v", err, textRes)
	}
	if n := e.upstream.Load() - before; n != 2 {
		t.Errorf("the text form made %d upstream calls, want 2 (transcript + speakers)", n)
	}
	jsonText, text := textOf(t, jsonRes), textOf(t, textRes)
	t.Logf("transcript of call %s: JSON %d bytes, text %d bytes (%.1fx smaller)", id, len(jsonText), len(text), float64(len(jsonText))/float64(len(text)))
	if 2*len(text) > len(jsonText) {
		t.Errorf("text form is %d bytes, JSON %d: not 2x smaller", len(text), len(jsonText))
	}

	// Every party name the sandbox gives for this call appears in the header,
	// and every line after it is one speaker turn naming a party.
	ext := e.sandboxDo("POST", "/v2/calls/extensive", map[string]any{"filter": map[string]any{"callIds": []string{id}}, "contentSelector": map[string]any{"exposedFields": map[string]any{"parties": true}}})
	names := map[string]bool{}
	for _, p := range ext["calls"].([]any)[0].(map[string]any)["parties"].([]any) {
		pm := p.(map[string]any)
		if pm["speakerId"] != nil && pm["name"] != nil {
			names[pm["name"].(string)] = true
		}
	}
	var gotTranscript struct{ Result []struct{ Transcript []any } }
	json.Unmarshal([]byte(jsonText), &gotTranscript)
	turns := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "[") {
			turns++
			speaker := strings.SplitN(strings.SplitN(line, "] ", 2)[1], ":", 2)[0]
			if !names[speaker] {
				t.Errorf("turn line names %q, not a party of the call: %s", speaker, line)
			}
		}
	}
	if want := len(gotTranscript.Result[0].Transcript); turns != want {
		t.Errorf("%d turn lines, want %d (one per monologue)", turns, want)
	}
	for name := range names {
		if !strings.Contains(text, "- "+name) {
			t.Errorf("header does not name %s", name)
		}
	}
}

func TestMissingScopesFailEarly(t *testing.T) {
	e := newEnv(t)
	e.mustAPI("PATCH", "/integrated-account/"+e.account, map[string]any{"scopes": []string{"api:users:read"}}, http.StatusOK, nil)
	srv := e.server(map[string]any{})
	cs := e.connect(srv.URL, nil)
	before := e.upstream.Load()
	got, isErr := call(t, cs, "list_all_gong_calls", rangeArgs(7))
	if !isErr || fmt.Sprint(got["error"].(map[string]any)["missing_scopes"]) != "[api:calls:read:basic]" {
		t.Errorf("got %v; want an error with missing_scopes [api:calls:read:basic]", got)
	}
	if e.upstream.Load() != before {
		t.Error("a call without the scope reached upstream")
	}
	if _, isErr := call(t, cs, "list_all_gong_users", nil); isErr {
		t.Error("a granted scope's tool failed")
	}
	// The hiding option leaves only tools the account may call.
	hidden := e.server(map[string]any{"config": map[string]any{"hide_tools_missing_scopes": true}})
	res, err := e.connect(hidden.URL, nil).ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	if len(names) == 0 || strings.Contains(strings.Join(names, ","), "list_all_gong_calls") || !strings.Contains(strings.Join(names, ","), "list_all_gong_users") {
		t.Errorf("hide_tools_missing_scopes listed %v", names)
	}
}

// Tools whose empty arguments would read the whole history refuse {} and
// name the filters to pass; nothing reaches upstream.
func TestWholeHistoryToolsRefuseEmptyArguments(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	for _, tool := range []string{"create_a_gong_calls_transcript", "list_all_gong_calls_extensive"} {
		before := e.upstream.Load()
		got, isErr := call(t, cs, tool, map[string]any{})
		text, _ := json.Marshal(got)
		if !isErr || !strings.Contains(string(text), "callIds") || !strings.Contains(string(text), "fromDateTime") {
			t.Errorf("%s {}: %s, want an error naming callIds and fromDateTime", tool, text)
		}
		if e.upstream.Load() != before {
			t.Errorf("%s {}: reached upstream", tool)
		}
		if _, isErr := call(t, cs, tool, map[string]any{"callIds": []any{e.sandbox.Company().Calls[0].ID}}); isErr {
			t.Errorf("%s with callIds was refused", tool)
		}
	}
}
