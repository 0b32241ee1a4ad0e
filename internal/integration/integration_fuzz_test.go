package integration_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Description cleaning takes any vendor prose: no panic, valid UTF-8 in,
// valid UTF-8 out, and no <style>/<script> block survives.
func FuzzCleanDescription(f *testing.F) {
	for _, s := range []string{
		`<p>Lists calls.</p><style>.a{color:red;}</style> When accessed through a bearer token the scope 'api:calls:read:basic' is required.`,
		`<ul><li>one<li>two</ul><br/>/v2/calls/{id}`, `&lt;script&gt;x&lt;/script&gt;`, `<script>alert(1)</script>`, `a{b:c;}`,
		"\n\n\n  \t", `Required authorization scope: 'api:users:read'.`, `<<<>>>`, `<style`, `&amp;&#0;&#x110000;`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := integration.CleanDescription(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("valid UTF-8 in, invalid out: %q", out)
		}
		if strings.Contains(s, "<style") || strings.Contains(s, "<script") {
			return // a block left open is kept as text
		}
		lower := strings.ToLower(out)
		if strings.Contains(lower, "</style>") && strings.Contains(s, "</style>") && !strings.Contains(s, "&lt;") {
			t.Fatalf("a style block survived: %q", out)
		}
		_ = integration.Shorten(out, 240)
	})
}

// Schema conversion takes any OpenAPI schema object: no panic, and the
// result always encodes as JSON.
func FuzzSchemaJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"type":"string","description":"<b>x</b>","exampleSetFlag":true}},"required":["a"]}`,
		`{"type":"array","items":{"type":"integer","format":"int64","minimum":1}}`,
		`{"enum":["a",null,1,{"x":1}],"default":{"a":[1]}}`, `{"allOf":[{"type":"string"},{"maxLength":3}]}`,
		`{"oneOf":[{"type":"object"}],"anyOf":[{}],"not":{"type":"null"}}`, `{"type":["string","null"]}`, `{}`, `{"additionalProperties":{"type":"string"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s openapi3.Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			return
		}
		out := integration.SchemaJSON(&openapi3.SchemaRef{Value: &s})
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("converted schema does not encode: %v", err)
		}
	})
}

// Documentation records are reviewed data, but a broken or hostile one
// must fail loading with an error, never a panic, and whatever loads must
// generate tools whose schemas compile.
func FuzzLoad(f *testing.F) {
	base := gongFiles(f)
	integ := base["integration.yaml"].Data
	for _, p := range []string{"records/calls.yaml", "records/stats.yaml", "records/engage.yaml"} {
		if m, ok := base[p]; ok {
			f.Add(integ, m.Data)
		}
	}
	f.Add(integ, []byte("- operation: listCalls\n  resource: calls\n  method: list\n  tags: [x]\n"))
	f.Add(integ, []byte("[]"))
	f.Add(integ, []byte("- &a [*a]"))
	f.Add([]byte("name: Bad Name\n"), []byte(""))
	f.Fuzz(func(t *testing.T, integrationYAML, records []byte) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys["integration.yaml"] = &fstest.MapFile{Data: integrationYAML}
		fsys["records/calls.yaml"] = &fstest.MapFile{Data: records}
		in, err := integration.Load(fsys)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		set, err := tools.Generate(in)
		if err != nil {
			return
		}
		for _, tl := range set.Tools {
			if !json.Valid(tl.InputSchema) {
				t.Fatalf("tool %s has an invalid input schema", tl.Name)
			}
			_ = tl.Validate(map[string]any{})
		}
	})
}
