//go:build postgres

package app_test

import (
	"testing"

	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
)

// The same lifecycle with both replicas on one PostgreSQL database: the
// refresh lease is a row update there too, raced by two connection pools.
func TestPostgresOAuthRefreshAcrossReplicas(t *testing.T) {
	testOAuthLifecycle(t, newOAuthEnvOn(t, pgtest.NewDatabase(t)))
}
