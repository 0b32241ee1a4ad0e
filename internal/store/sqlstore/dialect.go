package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// dialect keeps what differs between engines out of the shared SQL.
type dialect interface {
	name() string
	open(dsn string) (*sql.DB, error)
	rebind(q string) string
	mapErr(err error) error
	ddl(m migration) string
}

func dialectFor(url string) (dialect, string, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgresDialect{}, url, nil
	case strings.HasPrefix(url, "sqlite://"):
		return sqliteDialect{}, strings.TrimPrefix(url, "sqlite://"), nil
	case strings.Contains(url, "://"):
		return nil, "", fmt.Errorf("unsupported database URL scheme in %q (use a SQLite path, sqlite://… or postgres://…)", redactURL(url))
	case url == "":
		return nil, "", errors.New("no database given")
	}
	return sqliteDialect{}, url, nil
}

// redactURL drops a password from a database URL before it is shown.
func redactURL(u string) string {
	at := strings.LastIndexByte(u, '@')
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":xxxxx" + u[at:]
	}
	return u
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

// createPrivate creates a new database file readable by its owner only: it
// holds sealed credentials, hashes and the audit log, and SQLite gives the
// WAL and shared-memory files the database file's permissions.
func createPrivate(path string) error {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "?") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create database file: %w", err)
	}
	return f.Close()
}

func (sqliteDialect) open(path string) (*sql.DB, error) {
	// WAL lets readers run beside the one writer; busy_timeout makes
	// writers queue instead of failing; synchronous=NORMAL is durable
	// across process crashes in WAL mode.
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's model; a small pool still lets
	// reads overlap. Each connection holds its own page cache (2 MB at
	// most), so the pool is kept small: 4 served the benchmark's 64
	// clients as fast as 8 did, with about 2 MB less memory. Idle
	// connections are kept (database/sql keeps 2 by default): under load
	// the others would be closed and reopened, each reopen parsing the
	// schema and re-preparing statements.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	return db, nil
}

func (sqliteDialect) rebind(q string) string { return q }

func (sqliteDialect) mapErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

func (sqliteDialect) ddl(m migration) string {
	if m.sqlite != "" {
		return m.sqlite
	}
	return m.sql
}

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) open(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	// Keep them: the default of 2 idle connections means reconnecting
	// (and re-preparing) under any concurrency.
	db.SetMaxIdleConns(16)
	return db, nil
}

// rebind turns ? placeholders into $1, $2, … (no ? appears in our SQL
// otherwise).
func (postgresDialect) rebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (postgresDialect) mapErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

func (postgresDialect) ddl(m migration) string {
	if m.postgres != "" {
		return m.postgres
	}
	return m.sql
}
