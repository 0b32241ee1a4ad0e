package integration_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
)

// gongFiles is a copy of the Gong definition's files, to edit.
func gongFiles(tb testing.TB) fstest.MapFS {
	tb.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(gongdef.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(gongdef.FS, p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return fsys
}

// gongWith is the Gong definition with integration.yaml edited.
func gongWith(t *testing.T, edit func(string) string) fs.FS {
	t.Helper()
	fsys := gongFiles(t)
	yaml := string(fsys["integration.yaml"].Data)
	fsys["integration.yaml"] = &fstest.MapFile{Data: []byte(edit(yaml))}
	return fsys
}

// cut removes the top-level key and its block from a YAML text.
func cut(yaml, key string) string {
	var out []string
	skipping := false
	for _, line := range strings.Split(yaml, "\n") {
		if strings.HasPrefix(line, key+":") {
			skipping = true
			continue
		}
		if skipping && (strings.HasPrefix(line, " ") || line == "") {
			continue
		}
		skipping = false
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func TestInstructionsAndCreditsNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, wantErr string
		edit          func(string) string
	}{
		{"as shipped", "", func(y string) string { return y }},
		{"no instructions", "", func(y string) string { return cut(y, "instructions") }},
		{"instructions too long", "instructions are 1501 bytes",
			func(y string) string {
				return cut(y, "instructions") + "\ninstructions: " + strings.Repeat("x", 1501) + "\n"
			}},
		{"no credits note while tools spend credits", "credits_note is required",
			func(y string) string { return cut(y, "credits_note") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, err := integration.Load(gongWith(t, tc.edit))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			case tc.wantErr == "" && tc.name == "as shipped" && (in.Instructions == "" || in.CreditsNote == ""):
				t.Fatal("Gong ships instructions and a credits note")
			}
		})
	}
}
