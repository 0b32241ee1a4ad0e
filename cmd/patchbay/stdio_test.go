package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Finding 6: the documented command line put the MCP URL and the API token
// in every local user's ps; they can come from the environment or files.
func TestStdioURLAndHeadersFromEnvAndFiles(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	hdrFile := filepath.Join(dir, "headers")
	if err := os.WriteFile(urlFile, []byte("https://p.example/mcp/pbm_file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hdrFile, []byte("Authorization: Bearer pba_file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATCHBAY_MCP_URL", "https://p.example/mcp/pbm_env")
	t.Setenv("PATCHBAY_MCP_HEADERS", "X-Team: sales\nX-Other: 2")

	for _, tc := range []struct{ name, flag, file, server, want string }{
		{"flag", "https://p.example/mcp/pbm_flag", "", "", "https://p.example/mcp/pbm_flag"},
		{"file", "", urlFile, "", "https://p.example/mcp/pbm_file"},
		{"environment", "", "", "", "https://p.example/mcp/pbm_env"},
		{"--server ignores the environment", "", "", "srv", ""},
	} {
		got, err := stdioURL(tc.flag, tc.file, tc.server)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := stdioURL("https://a", urlFile, ""); err == nil {
		t.Error("--url and --url-file both accepted")
	}
	if _, err := stdioURL("", filepath.Join(dir, "missing"), ""); err == nil {
		t.Error("a missing --url-file accepted")
	}

	h, err := stdioHeaders(map[string][]string{"X-Flag": {"f"}}, hdrFile)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Authorization") != "Bearer pba_file" || h.Get("X-Team") != "sales" || h.Get("X-Other") != "2" || h.Get("X-Flag") != "f" {
		t.Errorf("headers %v", h)
	}
	t.Setenv("PATCHBAY_MCP_HEADERS", "Bearer pba_S3cret")
	if _, err := stdioHeaders(nil, ""); err == nil || strings.Contains(err.Error(), "S3cret") {
		t.Errorf("bad PATCHBAY_MCP_HEADERS: %v; want an error without the value", err)
	}
}
