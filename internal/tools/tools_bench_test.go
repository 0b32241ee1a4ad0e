package tools_test

import (
	"encoding/json"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Benchmarks of tool generation (once per definition version, at start-up),
// filtering for a server config (tools/list) and argument validation
// (every tools/call). Compare runs with benchstat.

func loadGong(b *testing.B) *integration.Integration {
	b.Helper()
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

func BenchmarkGenerate(b *testing.B) {
	in := loadGong(b)
	for b.Loop() {
		if _, err := tools.Generate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadAndGenerate is the whole catalog load at start-up: the
// OpenAPI document and records parsed, then every tool generated.
func BenchmarkLoadAndGenerate(b *testing.B) {
	for b.Loop() {
		in, err := integration.Load(gongdef.FS)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tools.Generate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelect is the tool selection of a server config.
func BenchmarkSelect(b *testing.B) {
	set, err := tools.Generate(loadGong(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    tools.Filter
	}{
		{"all", tools.Filter{}},
		{"read+calls", tools.Filter{Methods: []string{"read"}, Tags: []string{"calls"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if len(set.Select(c.f)) == 0 {
					b.Fatal("nothing selected")
				}
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	set, err := tools.Generate(loadGong(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ tool, args string }{
		{"list_all_gong_calls", `{"fromDateTime":"2026-11-18T00:00:00Z","toDateTime":"2026-11-26T00:00:00Z"}`},
		{"get_single_gong_call_by_id", `{"id":"8931998787295175699"}`},
		{"create_a_gong_calls_transcript", `{"callIds":["8931998787295175699"]}`},
	} {
		t, ok := set.Lookup(c.tool)
		if !ok {
			b.Fatalf("no tool %s", c.tool)
		}
		var args map[string]any
		if err := json.Unmarshal([]byte(c.args), &args); err != nil {
			b.Fatal(err)
		}
		b.Run(c.tool, func(b *testing.B) {
			for b.Loop() {
				if err := t.Validate(args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
