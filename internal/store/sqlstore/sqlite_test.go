package sqlstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/store/storetest"
)

func testCipher(t *testing.T) *credentials.Cipher {
	t.Helper()
	c, err := credentials.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSQLiteContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), testCipher(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// The secret must not be readable in the database file.
func TestSQLiteSecretsSealedAtRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sqlstore.Open(context.Background(), "sqlite://"+path, testCipher(t))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "very-secret-access-key-secret-4711"
	err = db.CreateAccount(context.Background(), &store.Account{Integration: "gong", Name: "a", BaseURL: "https://api.gong.io",
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "k", AccessKeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Fatalf("%s holds the plaintext secret", filepath.Base(f))
		}
	}
	// A different key cannot read the row.
	other, _ := credentials.NewCipher(bytes.Repeat([]byte{8}, 32))
	db2, err := sqlstore.Open(context.Background(), path, other)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if _, err := db2.ListAccounts(context.Background()); err == nil {
		t.Fatal("a wrong key opened the credentials")
	}
}

func TestSQLiteMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	for i := 0; i < 2; i++ {
		db, err := sqlstore.Open(context.Background(), path, testCipher(t))
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := db.SchemaVersion(context.Background())
		if err != nil || v != sqlstore.LatestSchemaVersion() {
			t.Fatalf("schema version %d, %v", v, err)
		}
		db.Close()
	}
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	_, err := sqlstore.Open(context.Background(), "mysql://u:pw@h/db", testCipher(t))
	if err == nil {
		t.Fatal("mysql URL accepted")
	}
	if bytes.Contains([]byte(err.Error()), []byte("pw")) {
		t.Fatalf("error leaks the password: %v", err)
	}
}
