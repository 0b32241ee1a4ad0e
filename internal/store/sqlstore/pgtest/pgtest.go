// Package pgtest gives tests a fresh, empty PostgreSQL database on the
// server named by PATCHBAY_TEST_POSTGRES_URL (scripts/test.d/10-postgres.sh
// starts a throwaway one). Without that variable the tests skip with the
// reason printed, except under CI=true, where they fail: a CI run that
// silently skipped PostgreSQL would prove nothing.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvVar names the admin URL of the test server (a superuser or a role
// allowed to CREATE DATABASE).
const EnvVar = "PATCHBAY_TEST_POSTGRES_URL"

// AdminURL returns the server URL, or skips (fails under CI) without one.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set and CI=true: PostgreSQL tests must run in CI (scripts/test.d/10-postgres.sh starts a server)", EnvVar)
		}
		t.Skipf("%s is not set: skipping PostgreSQL tests (run scripts/test.d/10-postgres.sh through scripts/test, or point it at a server)", EnvVar)
	}
	return u
}

// NewDatabase creates an empty database for this test and returns its
// URL; the database is dropped when the test ends. Every test gets its
// own database, not only its own schema, because advisory locks are
// per database and the leadership tests must not see each other.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("pgtest: PostgreSQL at %s is unreachable: %v", redact(admin), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "pbtest_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		// FORCE ends connections a killed replica may have left behind.
		if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Logf("pgtest: dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", EnvVar, err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
