//go:build postgres

package app_test

import (
	"testing"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
)

func TestPostgresAuditEntriesSurviveBadInput(t *testing.T) {
	db := pgtest.NewDatabase(t)
	testAuditEntriesSurviveBadInput(t, newEnvWith(t, envOptions{dbPath: db, config: func(c *app.Config) { permissive(c) }}))
}
