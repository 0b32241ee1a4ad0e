//go:build postgres

package sqlstore_test

import (
	"testing"
)

// SQLite → PostgreSQL → SQLite keeps every row, id, hash and timestamp,
// and the PostgreSQL copy hands out new log ids past the copied ones.
func TestPostgresCopyRoundTrip(t *testing.T) {
	c := testCipher(t)
	src := openSQLite(t, c)
	fill(t, src, 1234)
	pg := openPostgres(t)
	checkCopy(t, src, pg)
	back := openSQLite(t, c)
	checkCopy(t, pg, back)
}
