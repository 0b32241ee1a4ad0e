package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

var testKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))

// seed makes a SQLite installation with one account, server and token.
func seed(t *testing.T, url string) {
	t.Helper()
	key, _ := credentials.ParseKey(testKey)
	c, _ := credentials.NewCipher(key)
	db, err := sqlstore.Open(context.Background(), url, c)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	a := &store.Account{Integration: "gong", Name: "acme", BaseURL: "https://api.gong.io",
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "k", AccessKeySecret: "s"}}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateServer(ctx, &store.Server{AccountID: a.ID, Name: "s", TokenHash: credentials.HashToken("pbm_x")}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAPIToken(ctx, &store.APIToken{Name: "admin", TokenHash: credentials.HashToken("pba_x")}); err != nil {
		t.Fatal(err)
	}
}

func migrateTarget(t *testing.T) string {
	t.Helper()
	return "sqlite://" + filepath.Join(t.TempDir(), "to.db")
}

func TestMigrateDataCommand(t *testing.T) {
	t.Setenv("PATCHBAY_ENCRYPTION_KEY", "")
	dir := t.TempDir()
	from := "sqlite://" + filepath.Join(dir, "from.db")
	seed(t, from)
	to := migrateTarget(t)
	otherKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{4}, 32))
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"missing --to", []string{"--from", from, "--encryption-key", testKey}, "usage"},
		{"same database", []string{"--from", from, "--to", from, "--encryption-key", testKey}, "same database"},
		{"no key", []string{"--from", from, "--to", migrateTarget(t), "--data-dir", t.TempDir()}, "no encryption key"},
		{"wrong key", []string{"--from", from, "--to", migrateTarget(t), "--encryption-key", otherKey}, "encryption key"},
		{"copy", []string{"--from", from, "--to", to, "--encryption-key", testKey}, ""},
		{"again: target not empty", []string{"--from", from, "--to", to, "--encryption-key", testKey}, "--force"},
		{"again with --force", []string{"--from", from, "--to", to, "--encryption-key", testKey, "--force"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(append([]string{"migrate-data"}, tc.args...))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("migrate-data: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("migrate-data = %v, want an error saying %q", err, tc.wantErr)
			}
		})
	}
	// The copy answers for the same MCP and API tokens.
	key, _ := credentials.ParseKey(testKey)
	c, _ := credentials.NewCipher(key)
	db, err := sqlstore.Open(context.Background(), to, c)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ServerByTokenHash(context.Background(), credentials.HashToken("pbm_x")); err != nil {
		t.Errorf("MCP token lost: %v", err)
	}
	if _, err := db.APITokenByHash(context.Background(), credentials.HashToken("pba_x")); err != nil {
		t.Errorf("API token lost: %v", err)
	}
}
