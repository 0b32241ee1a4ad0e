package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// TableCount is how many rows one table holds after a copy.
type TableCount struct {
	Table string
	Rows  int64
}

// CopyOptions tune Copy.
type CopyOptions struct {
	// Force replaces whatever the target holds; without it a target with
	// any row is refused.
	Force bool
}

// ErrTargetNotEmpty: the target database already holds data.
var ErrTargetNotEmpty = errors.New("the target database is not empty")

// copyFirst are parents that must be copied before the tables that refer
// to them; every other table follows in name order.
var copyFirst = []string{"integrated_accounts", "mcp_servers", "api_tokens", "log_entries"}

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Copy copies every row of every table from src to dst — between SQLite
// and PostgreSQL in either direction — keeping ids, token hashes and
// timestamps. Credentials are opened with src's key and sealed again with
// dst's, so a key that cannot open them fails the copy before anything is
// committed. The source is read in one snapshot and the target written in
// one transaction, which commits only if every table's row count in the
// target equals the source's.
func Copy(ctx context.Context, src, dst *DB, opts CopyOptions) ([]TableCount, error) {
	for _, db := range []*DB{src, dst} {
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			return nil, err
		}
		if v != LatestSchemaVersion() {
			return nil, fmt.Errorf("a %s database is at schema version %d, this binary at %d", db.Dialect(), v, LatestSchemaVersion())
		}
	}
	var srcOpts *sql.TxOptions
	if src.dialect.name() == "postgres" {
		srcOpts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	stx, err := src.db.BeginTx(ctx, srcOpts)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer stx.Rollback()
	tables, err := listTables(ctx, stx, src.dialect)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	dtx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer dtx.Rollback()
	dstTables, err := listTables(ctx, dtx, dst.dialect)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	for _, t := range tables {
		if !slices.Contains(dstTables, t) {
			return nil, fmt.Errorf("the target has no table %s", t)
		}
	}

	var full []string
	for _, t := range dstTables {
		var n int64
		if err := dtx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s (%d rows)", t, n))
		}
	}
	if len(full) > 0 {
		if !opts.Force {
			return nil, fmt.Errorf("%w: %s", ErrTargetNotEmpty, strings.Join(full, ", "))
		}
		for _, t := range slices.Backward(dstTables) {
			if _, err := dtx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return nil, fmt.Errorf("target: emptying %s: %w", t, err)
			}
		}
	}

	var counts []TableCount
	for _, t := range tables {
		n, err := copyTable(ctx, src, dst, stx, dtx, t)
		if err != nil {
			return nil, fmt.Errorf("copying %s: %w", t, err)
		}
		var want, got int64
		if err := stx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&want); err != nil {
			return nil, err
		}
		if err := dtx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&got); err != nil {
			return nil, err
		}
		if n != want || got != want {
			return nil, fmt.Errorf("%s: the source has %d rows, %d were copied and the target holds %d; nothing was committed", t, want, n, got)
		}
		if err := dst.resetSequence(ctx, dtx, t); err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		counts = append(counts, TableCount{Table: t, Rows: got})
	}
	if err := dtx.Commit(); err != nil {
		return nil, fmt.Errorf("target: commit: %w", err)
	}
	return counts, nil
}

// listTables names the data tables (not schema_migrations), parents first.
func listTables(ctx context.Context, tx *sql.Tx, d dialect) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d.name() == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rest []string
	present := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		if !tableName.MatchString(t) {
			return nil, fmt.Errorf("unexpected table name %q", t)
		}
		if t == "schema_migrations" {
			continue
		}
		present[t] = true
		if !slices.Contains(copyFirst, t) {
			rest = append(rest, t)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range copyFirst {
		if present[t] {
			out = append(out, t)
		}
	}
	slices.Sort(rest)
	return append(out, rest...), nil
}

func columns(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

// copyTable streams one table in multi-row INSERTs and returns the rows
// written.
func copyTable(ctx context.Context, src, dst *DB, stx, dtx *sql.Tx, table string) (int64, error) {
	cols, err := columns(ctx, stx, table)
	if err != nil {
		return 0, err
	}
	dcols, err := columns(ctx, dtx, table)
	if err != nil {
		return 0, err
	}
	if !sameSet(cols, dcols) {
		return 0, fmt.Errorf("columns differ: source %v, target %v", cols, dcols)
	}
	credCol := -1
	if table == "integrated_accounts" {
		credCol = slices.Index(cols, "credentials")
	}
	list := strings.Join(cols, ", ")
	rows, err := stx.QueryContext(ctx, `SELECT `+list+` FROM `+table+` ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()

	// Stay far below PostgreSQL's 65535 parameters per statement.
	batch := max(1, min(500, 30000/len(cols)))
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	var args []any
	var pending, n int64
	flush := func() error {
		if pending == 0 {
			return nil
		}
		q := `INSERT INTO ` + table + ` (` + list + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", int(pending)), ",")
		if _, err := dtx.ExecContext(ctx, dst.dialect.rebind(q), args...); err != nil {
			return dst.dialect.mapErr(err)
		}
		n += pending
		args, pending = args[:0], 0
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b) // no BLOB columns: text the driver handed over as bytes
			}
		}
		if credCol >= 0 {
			sealed, err := reseal(src, dst, vals[credCol])
			if err != nil {
				return 0, fmt.Errorf("account %v: %w", vals[slices.Index(cols, "id")], err)
			}
			vals[credCol] = sealed
		}
		args = append(args, vals...)
		pending++
		if pending == int64(batch) {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return n, flush()
}

func reseal(src, dst *DB, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("credentials are %T, not text", v)
	}
	c, err := src.openCredentials(s)
	if err != nil {
		return "", fmt.Errorf("opening the credentials (is the encryption key right?): %w", err)
	}
	return dst.sealCredentials(c)
}

// resetSequence moves a PostgreSQL serial column's sequence past the ids
// copied in, so the next insert does not collide with them. SQLite's
// AUTOINCREMENT follows explicit ids by itself.
func (s *DB) resetSequence(ctx context.Context, tx *sql.Tx, table string) error {
	if s.dialect.name() != "postgres" {
		return nil
	}
	var seq sql.NullString
	// Asking for the sequence of a missing column is an error that would
	// abort the transaction, so look for the column first.
	err := tx.QueryRowContext(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1::text AND column_name = 'id')
		THEN pg_get_serial_sequence($1::text, 'id') END`, table).Scan(&seq)
	if err != nil {
		return err
	}
	if !seq.Valid {
		return nil
	}
	_, err = tx.ExecContext(ctx, `SELECT setval($1::regclass, COALESCE((SELECT MAX(id) FROM `+table+`), 0) + 1, false)`, seq.String)
	return err
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
