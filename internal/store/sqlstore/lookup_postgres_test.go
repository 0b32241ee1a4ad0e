//go:build postgres

package sqlstore_test

import "testing"

func TestPostgresServerAccountByTokenHash(t *testing.T) {
	checkServerAccountLookup(t, openPostgres(t))
}
