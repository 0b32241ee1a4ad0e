package tools_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Every generated Gong tool has a golden file, so that a change to any
// tool's name, description, schema or hints shows in review. Rewrite them
// on purpose with:
//
//	go test ./internal/tools -run TestToolSnapshots -update
var update = flag.Bool("update", false, "rewrite the tool snapshots in testdata/toolsnaps")

const snapDir = "testdata/toolsnaps"

// snapshot is what a reviewer needs to judge a tool.
type snapshot struct {
	Name        string          `json:"name"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"inputSchema"`
	Annotations annotations     `json:"annotations"`
	Tags        []string        `json:"tags"`
	Scopes      []string        `json:"scopes"`
}

type annotations struct {
	Title           string `json:"title"`
	ReadOnlyHint    bool   `json:"readOnlyHint"`
	DestructiveHint bool   `json:"destructiveHint"`
	IdempotentHint  bool   `json:"idempotentHint"`
	OpenWorldHint   bool   `json:"openWorldHint"`
}

func snap(t *tools.Tool) ([]byte, error) {
	a := t.Annotations
	s := snapshot{
		Name:        t.Name,
		Title:       t.Title,
		Description: t.Description,
		InputSchema: t.InputSchema,
		Annotations: annotations{a.Title, a.ReadOnlyHint, a.DestructiveHint, a.IdempotentHint, a.OpenWorldHint},
		Tags:        t.Tags,
		Scopes:      t.Scopes,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func TestToolSnapshots(t *testing.T) {
	in, err := integration.Load(gong.FS)
	if err != nil {
		t.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join(snapDir, "*.snap"))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(snapDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{}
	for _, tool := range set.Tools {
		got, err := snap(tool)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(snapDir, tool.Name+".snap")
		want[file] = true
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		golden, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: no snapshot (%v); run go test ./internal/tools -run TestToolSnapshots -update and review the new file", tool.Name, err)
			continue
		}
		if !bytes.Equal(golden, got) {
			t.Errorf("%s changed; if that is intended, run go test ./internal/tools -run TestToolSnapshots -update and review the diff\n%s", tool.Name, firstDiff(string(golden), string(got)))
		}
	}
	files, _ := filepath.Glob(filepath.Join(snapDir, "*.snap"))
	for _, f := range files {
		if !want[f] {
			t.Errorf("%s: snapshot of a tool that no longer exists; run with -update to remove it", f)
		}
	}
}

// firstDiff shows the first line that differs, enough to see what moved.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  snapshot: " + wl + "\n  now:      " + gl
		}
	}
	return ""
}
