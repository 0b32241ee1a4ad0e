//go:build postgres

package sqlstore_test

import (
	"context"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
	"github.com/patchbay-dev/patchbay/internal/store/storetest"
)

func openPostgres(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), pgtest.NewDatabase(t), testCipher(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPostgresContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}
