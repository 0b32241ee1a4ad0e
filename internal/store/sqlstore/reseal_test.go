package sqlstore_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

func TestResealRotatesTheKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	oldOnly, _ := credentials.NewCipher(oldKey)
	db, err := sqlstore.Open(ctx, path, oldOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		if err := db.CreateAccount(ctx, &store.Account{Integration: "gong", Name: name, BaseURL: "https://api.gong.io",
			Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "k-" + name, AccessKeySecret: "s-" + name}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	rotating, _ := credentials.NewCipher(newKey, oldKey)
	db, err = sqlstore.Open(ctx, path, rotating)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.Reseal(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Reseal = %d, %v; want 3", n, err)
	}
	if n, _ := db.Reseal(ctx); n != 0 {
		t.Errorf("a second Reseal rewrote %d rows", n)
	}
	db.Close()

	newOnly, _ := credentials.NewCipher(newKey)
	db, err = sqlstore.Open(ctx, path, newOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accts, err := db.ListAccounts(ctx)
	if err != nil || len(accts) != 3 {
		t.Fatalf("after rotation the new key alone reads %d accounts, %v", len(accts), err)
	}
	for _, a := range accts {
		if a.Credentials.AccessKeySecret != "s-"+a.Name {
			t.Errorf("%s: secret %q", a.Name, a.Credentials.AccessKeySecret)
		}
	}
}
