//go:build postgres

package app_test

import (
	"context"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
)

// Crash safety on PostgreSQL: SIGKILL mid-burst, restart on the same
// database, every server row whole and nothing acknowledged lost.
// (PostgreSQL has no integrity_check; its WAL replay is the server's job,
// the rows' wholeness is checked here.)
func TestCrashSafetyPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	crashSafety(t, url, func(t *testing.T, key []byte) {
		cipher, err := credentials.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sqlstore.Open(context.Background(), url, cipher)
		if err != nil {
			t.Fatalf("reopening the database: %v", err)
		}
		defer db.Close()
		if err := db.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkRows(t, db)
	})
}
