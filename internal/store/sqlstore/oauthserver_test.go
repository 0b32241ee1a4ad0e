package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/store/storetest"
)

func TestSQLiteOAuthServerContract(t *testing.T) {
	storetest.RunOAuthServer(t, func(t *testing.T) store.Store {
		db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), testCipher(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
