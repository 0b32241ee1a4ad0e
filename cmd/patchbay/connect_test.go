package main

import (
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// captureStdout runs fn and returns what it printed.
func captureStdout(t *testing.T, fn func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	runErr := fn()
	os.Stdout = old
	w.Close()
	out, _ := io.ReadAll(r)
	return string(out), runErr
}

func TestConnectPrintsAnAuthorizeURL(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATCHBAY_GONG_CLIENT_ID", "cid-123")
	t.Setenv("PATCHBAY_GONG_CLIENT_SECRET", "secret-456")
	out, err := captureStdout(t, func() error {
		return run([]string{"connect", "gong", "--data-dir", dir, "--public-url", "https://pb.example.com", "--name", "Acme", "--scopes", "api:users:read,api:calls:read:basic"})
	})
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	u, err := url.Parse(line)
	if err != nil || !strings.HasPrefix(line, "https://app.gong.io/oauth2/authorize?") {
		t.Fatalf("printed %q", out)
	}
	q := u.Query()
	if q.Get("client_id") != "cid-123" || q.Get("redirect_uri") != "https://pb.example.com/integrated-account/connect/gong/callback" ||
		q.Get("scope") != "api:users:read api:calls:read:basic" || len(q.Get("state")) < 32 {
		t.Errorf("authorize URL %s", line)
	}
	if strings.Contains(out, "secret-456") {
		t.Error("the client secret was printed")
	}
	if _, err := os.Stat(filepath.Join(dir, "patchbay.db")); err != nil {
		t.Errorf("no database in the data dir: %v", err)
	}
	// Without a way back to Patchbay it refuses.
	if _, err := captureStdout(t, func() error { return run([]string{"connect", "gong", "--data-dir", dir}) }); err == nil {
		t.Error("connect without a public URL or redirect URL succeeded")
	}
}
