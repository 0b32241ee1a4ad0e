//go:build postgres

package main

import (
	"path/filepath"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
)

// The command as a team runs it: the embedded default into PostgreSQL,
// and back out again.
func TestPostgresMigrateDataCommand(t *testing.T) {
	from := "sqlite://" + filepath.Join(t.TempDir(), "from.db")
	seed(t, from)
	pg := pgtest.NewDatabase(t)
	back := migrateTarget(t)
	for _, args := range [][]string{
		{"--from", from, "--to", pg},
		{"--from", pg, "--to", back},
	} {
		if err := run(append([]string{"migrate-data", "--encryption-key", testKey}, args...)); err != nil {
			t.Fatalf("migrate-data %v: %v", args, err)
		}
	}
	if err := run([]string{"migrate-data", "--encryption-key", testKey, "--from", from, "--to", pg}); err == nil {
		t.Fatal("a second copy into the same PostgreSQL database was not refused")
	}
}
