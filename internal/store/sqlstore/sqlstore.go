// Package sqlstore implements store.Store on database/sql for SQLite (the
// embedded default, pure Go) and PostgreSQL. The SQL is written once, with
// ? placeholders rebound per dialect; dialect differences stay in
// dialect.go and migrations.go.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// DB is a store.Store on a SQL database.
type DB struct {
	db      *sql.DB
	dialect dialect
	cipher  *credentials.Cipher
	// stmts holds the prepared statements of the queries every MCP request
	// makes (see hotRow), by query text.
	stmts sync.Map
	// logs groups concurrent audit log inserts into one transaction
	// (auditlog.go).
	logs logQueue
}

var _ store.Store = (*DB)(nil)

// Open connects to url — a SQLite path, sqlite://path, or postgres://… —
// and brings its schema up to date. Credentials are sealed with cipher.
func Open(ctx context.Context, url string, cipher *credentials.Cipher) (*DB, error) {
	if cipher == nil {
		return nil, errors.New("sqlstore: a cipher is required")
	}
	d, dsn, err := dialectFor(url)
	if err != nil {
		return nil, err
	}
	db, err := d.open(dsn)
	if err != nil {
		return nil, err
	}
	s := &DB{db: db, dialect: d, cipher: cipher}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// SQL exposes the pool for maintenance commands and tests.
func (s *DB) SQL() *sql.DB { return s.db }

// Dialect names the engine: "sqlite" or "postgres".
func (s *DB) Dialect() string { return s.dialect.name() }

func (s *DB) Close() error {
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.dialect.rebind(q), args...)
}

func (s *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
}

func (s *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.dialect.rebind(q), args...)
}

// hotRow is queryRow for the few queries every MCP request makes: the
// statement is prepared once (database/sql then prepares it once per
// connection) instead of parsed on every call.
func (s *DB) hotRow(ctx context.Context, q string, args ...any) scanner {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *DB) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, s.dialect.rebind(q))
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Times are stored as Unix milliseconds: the same BIGINT on every engine.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func msPtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func intPtr(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}

func fromNullInt(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func newID() string { return uuid.NewString() }

// ---- accounts ----

const accountCols = `id, integration, name, base_url, status, scopes, external_id, credentials, created_at, updated_at, pace, pace_max_wait_seconds`

func (s *DB) sealCredentials(c credentials.Upstream) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sealed, err := s.cipher.Seal(b)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

func (s *DB) openCredentials(v string) (credentials.Upstream, error) {
	var c credentials.Upstream
	sealed, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return c, credentials.ErrUndecryptable
	}
	b, err := s.cipher.Open(sealed)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(b, &c)
	return c, err
}

func encodeList(l []string) sql.NullString {
	if l == nil {
		return sql.NullString{}
	}
	b, _ := json.Marshal(l)
	return sql.NullString{String: string(b), Valid: true}
}

func decodeList(v sql.NullString) []string {
	if !v.Valid {
		return nil
	}
	out := []string{}
	_ = json.Unmarshal([]byte(v.String), &out)
	return out
}

func (s *DB) CreateAccount(ctx context.Context, a *store.Account) error {
	if a.ID == "" {
		a.ID = newID()
	}
	if a.Status == "" {
		a.Status = store.StatusActive
	}
	a.CreatedAt, a.UpdatedAt = now(), now()
	creds, err := s.sealCredentials(a.Credentials)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO integrated_accounts (`+accountCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.ID, a.Integration, a.Name, a.BaseURL, a.Status, encodeList(a.Scopes), a.ExternalID, creds, ms(a.CreatedAt), ms(a.UpdatedAt), boolInt(a.Pace), intPtr(a.PaceMaxWaitSeconds))
	return s.dialect.mapErr(err)
}

type scanner interface{ Scan(dest ...any) error }

func (s *DB) scanAccount(r scanner) (*store.Account, error) {
	var a store.Account
	var scopes sql.NullString
	var creds string
	var created, updated, pace int64
	var paceWait sql.NullInt64
	if err := r.Scan(&a.ID, &a.Integration, &a.Name, &a.BaseURL, &a.Status, &scopes, &a.ExternalID, &creds, &created, &updated, &pace, &paceWait); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	a.Scopes = decodeList(scopes)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	a.Pace, a.PaceMaxWaitSeconds = pace != 0, fromNullInt(paceWait)
	c, err := s.openCredentials(creds)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", a.ID, err)
	}
	a.Credentials = c
	return &a, nil
}

func (s *DB) GetAccount(ctx context.Context, id string) (*store.Account, error) {
	return s.scanAccount(s.hotRow(ctx, `SELECT `+accountCols+` FROM integrated_accounts WHERE id = ?`, id))
}

func (s *DB) ListAccounts(ctx context.Context) ([]*store.Account, error) {
	rows, err := s.query(ctx, `SELECT `+accountCols+` FROM integrated_accounts ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.Account{}
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *DB) UpdateAccount(ctx context.Context, a *store.Account) error {
	a.UpdatedAt = now()
	creds, err := s.sealCredentials(a.Credentials)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE integrated_accounts SET name = ?, base_url = ?, status = ?, scopes = ?, external_id = ?, credentials = ?, updated_at = ?, pace = ?, pace_max_wait_seconds = ? WHERE id = ?`,
		a.Name, a.BaseURL, a.Status, encodeList(a.Scopes), a.ExternalID, creds, ms(a.UpdatedAt), boolInt(a.Pace), intPtr(a.PaceMaxWaitSeconds), a.ID)
	return affected(res, s.dialect.mapErr(err))
}

func (s *DB) DeleteAccount(ctx context.Context, id string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM mcp_servers WHERE account_id = ?`), id)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM pace_slots WHERE account_id = ?`), id); err != nil {
		return 0, err
	}
	res, err = tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM integrated_accounts WHERE id = ?`), id)
	if err := affected(res, err); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ---- MCP servers ----

const serverCols = `id, account_id, name, config, token_hash, expires_at, created_at, updated_at`

func (s *DB) CreateServer(ctx context.Context, srv *store.Server) error {
	if srv.ID == "" {
		srv.ID = newID()
	}
	srv.CreatedAt, srv.UpdatedAt = now(), now()
	cfg, err := json.Marshal(srv.Config)
	if err != nil {
		return err
	}
	// The account must exist; the insert and the check share a statement
	// so a concurrent account delete cannot leave an orphan behind.
	res, err := s.exec(ctx, `INSERT INTO mcp_servers (`+serverCols+`)
		SELECT ?,?,?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM integrated_accounts WHERE id = ?)`,
		srv.ID, srv.AccountID, srv.Name, string(cfg), srv.TokenHash, msPtr(srv.ExpiresAt), ms(srv.CreatedAt), ms(srv.UpdatedAt), srv.AccountID)
	return affected(res, s.dialect.mapErr(err))
}

func scanServer(r scanner) (*store.Server, error) {
	var srv store.Server
	var cfg string
	var exp sql.NullInt64
	var created, updated int64
	if err := r.Scan(&srv.ID, &srv.AccountID, &srv.Name, &cfg, &srv.TokenHash, &exp, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	if err := json.Unmarshal([]byte(cfg), &srv.Config); err != nil {
		return nil, fmt.Errorf("server %s: config: %w", srv.ID, err)
	}
	srv.ExpiresAt = fromNullMS(exp)
	srv.CreatedAt, srv.UpdatedAt = fromMS(created), fromMS(updated)
	return &srv, nil
}

func (s *DB) GetServer(ctx context.Context, id string) (*store.Server, error) {
	return scanServer(s.queryRow(ctx, `SELECT `+serverCols+` FROM mcp_servers WHERE id = ?`, id))
}

func (s *DB) ServerByTokenHash(ctx context.Context, hash string) (*store.Server, error) {
	return scanServer(s.hotRow(ctx, `SELECT `+serverCols+` FROM mcp_servers WHERE token_hash = ?`, hash))
}

// ServerAccountByTokenHash is ServerByTokenHash, GetAccount of its account
// and AccountBudget (into Account.Budget) in one query: the MCP endpoint's
// lookup on every request.
func (s *DB) ServerAccountByTokenHash(ctx context.Context, hash string) (*store.Server, *store.Account, error) {
	var srv store.Server
	var a store.Account
	var cfg, creds string
	var exp sql.NullInt64
	var scopes sql.NullString
	var created, updated, aCreated, aUpdated int64
	var perMinute, perDay, paceWait sql.NullInt64
	var pace int64
	err := s.hotRow(ctx, `SELECT s.id, s.account_id, s.name, s.config, s.token_hash, s.expires_at, s.created_at, s.updated_at,
		a.id, a.integration, a.name, a.base_url, a.status, a.scopes, a.external_id, a.credentials, a.created_at, a.updated_at,
		a.pace, a.pace_max_wait_seconds, b.per_minute, b.per_day
		FROM mcp_servers s JOIN integrated_accounts a ON a.id = s.account_id
		LEFT JOIN quota_budgets b ON b.scope = 'account:' || a.id
		WHERE s.token_hash = ?`, hash).Scan(
		&srv.ID, &srv.AccountID, &srv.Name, &cfg, &srv.TokenHash, &exp, &created, &updated,
		&a.ID, &a.Integration, &a.Name, &a.BaseURL, &a.Status, &scopes, &a.ExternalID, &creds, &aCreated, &aUpdated,
		&pace, &paceWait, &perMinute, &perDay)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, store.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal([]byte(cfg), &srv.Config); err != nil {
		return nil, nil, fmt.Errorf("server %s: config: %w", srv.ID, err)
	}
	srv.ExpiresAt = fromNullMS(exp)
	srv.CreatedAt, srv.UpdatedAt = fromMS(created), fromMS(updated)
	a.Scopes = decodeList(scopes)
	a.CreatedAt, a.UpdatedAt = fromMS(aCreated), fromMS(aUpdated)
	a.Budget = &store.Budget{PerMinute: int(perMinute.Int64), PerDay: int(perDay.Int64)}
	a.Pace, a.PaceMaxWaitSeconds = pace != 0, fromNullInt(paceWait)
	if a.Credentials, err = s.openCredentials(creds); err != nil {
		return nil, nil, fmt.Errorf("account %s: %w", a.ID, err)
	}
	return &srv, &a, nil
}

func (s *DB) ListServers(ctx context.Context, accountID string) ([]*store.Server, error) {
	rows, err := s.query(ctx, `SELECT `+serverCols+` FROM mcp_servers WHERE account_id = ? ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.Server{}
	for rows.Next() {
		srv, err := scanServer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, srv)
	}
	return out, rows.Err()
}

func (s *DB) UpdateServer(ctx context.Context, srv *store.Server) error {
	srv.UpdatedAt = now()
	cfg, err := json.Marshal(srv.Config)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE mcp_servers SET name = ?, config = ?, expires_at = ?, updated_at = ? WHERE id = ?`,
		srv.Name, string(cfg), msPtr(srv.ExpiresAt), ms(srv.UpdatedAt), srv.ID)
	return affected(res, err)
}

func (s *DB) DeleteServer(ctx context.Context, id string) error {
	return affected(s.exec(ctx, `DELETE FROM mcp_servers WHERE id = ?`, id))
}

func (s *DB) DeleteExpiredServers(ctx context.Context, t time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM mcp_servers WHERE expires_at IS NOT NULL AND expires_at <= ?`, ms(t))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ---- API tokens ----

func (s *DB) CreateAPIToken(ctx context.Context, t *store.APIToken) error {
	if t.ID == "" {
		t.ID = newID()
	}
	t.CreatedAt = now()
	_, err := s.exec(ctx, `INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES (?,?,?,?)`,
		t.ID, t.Name, t.TokenHash, ms(t.CreatedAt))
	return s.dialect.mapErr(err)
}

func scanToken(r scanner) (*store.APIToken, error) {
	var t store.APIToken
	var created int64
	if err := r.Scan(&t.ID, &t.Name, &t.TokenHash, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	t.CreatedAt = fromMS(created)
	return &t, nil
}

func (s *DB) APITokenByHash(ctx context.Context, hash string) (*store.APIToken, error) {
	return scanToken(s.queryRow(ctx, `SELECT id, name, token_hash, created_at FROM api_tokens WHERE token_hash = ?`, hash))
}

func (s *DB) ListAPITokens(ctx context.Context) ([]*store.APIToken, error) {
	rows, err := s.query(ctx, `SELECT id, name, token_hash, created_at FROM api_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *DB) DeleteAPIToken(ctx context.Context, id string) error {
	return affected(s.exec(ctx, `DELETE FROM api_tokens WHERE id = ?`, id))
}

// ---- logs ----

func (s *DB) ListLogs(ctx context.Context, f store.LogFilter) ([]*store.LogEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.AccountID != "" {
		add("account_id = ?", f.AccountID)
	}
	if f.ServerID != "" {
		add("server_id = ?", f.ServerID)
	}
	if f.Tool != "" {
		add("tool = ?", f.Tool)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", ms(f.Since))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q := `SELECT id, created_at, server_id, account_id, rpc_method, tool, client_name, client_version, status, http_status, upstream_status, duration_us, error, upstream_requests FROM log_entries`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.LogEntry{}
	for rows.Next() {
		var e store.LogEntry
		var created, dur int64
		if err := rows.Scan(&e.ID, &created, &e.ServerID, &e.AccountID, &e.RPCMethod, &e.Tool, &e.ClientName, &e.ClientVersion,
			&e.Status, &e.HTTPStatus, &e.UpstreamStatus, &dur, &e.Error, &e.UpstreamRequests); err != nil {
			return nil, err
		}
		e.Time = fromMS(created)
		e.Duration = time.Duration(dur) * time.Microsecond
		out = append(out, &e)
	}
	return out, rows.Err()
}
