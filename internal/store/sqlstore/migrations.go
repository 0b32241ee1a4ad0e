package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one step of the schema history, shared by every engine.
// sql is used unless an engine-specific text is given.
type migration struct {
	version  int
	sql      string
	sqlite   string
	postgres string
}

// migrations is append-only: never edit a released step, add a new one.
var migrations = []migration{
	{
		version: 1,
		sql: `
CREATE TABLE integrated_accounts (
	id          TEXT PRIMARY KEY,
	integration TEXT NOT NULL,
	name        TEXT NOT NULL,
	base_url    TEXT NOT NULL,
	status      TEXT NOT NULL,
	scopes      TEXT,
	external_id TEXT NOT NULL DEFAULT '',
	credentials TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL
);
CREATE TABLE mcp_servers (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES integrated_accounts(id),
	name       TEXT NOT NULL,
	config     TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	expires_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX mcp_servers_account ON mcp_servers (account_id);
CREATE INDEX mcp_servers_expires ON mcp_servers (expires_at);
CREATE TABLE api_tokens (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL
);
CREATE TABLE log_entries (
	id              %s,
	created_at      BIGINT NOT NULL,
	server_id       TEXT NOT NULL,
	account_id      TEXT NOT NULL,
	rpc_method      TEXT NOT NULL,
	tool            TEXT NOT NULL,
	client_name     TEXT NOT NULL,
	client_version  TEXT NOT NULL,
	status          TEXT NOT NULL,
	http_status     INTEGER NOT NULL,
	upstream_status INTEGER NOT NULL,
	duration_us     BIGINT NOT NULL,
	error           TEXT NOT NULL
);
CREATE INDEX log_entries_account ON log_entries (account_id, id);
CREATE INDEX log_entries_server ON log_entries (server_id, id);
`,
	},
	{
		version: 2,
		sql: `
CREATE TABLE settings (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE dashboard_sessions (
	id         TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	via        TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);
`,
	},
	{
		version: 3,
		sql: `
CREATE TABLE oauth_states (
	state_hash  TEXT PRIMARY KEY,
	integration TEXT NOT NULL,
	scopes      TEXT NOT NULL,
	name        TEXT NOT NULL,
	return_to   TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL
);
ALTER TABLE integrated_accounts ADD COLUMN refresh_lease_until BIGINT;
CREATE INDEX integrated_accounts_external ON integrated_accounts (integration, external_id);
`,
	},
	{
		// Quota guard: account budgets (server budgets live in the server's
		// config) and one counter per budget and window, shared by replicas.
		version: 4,
		sql: `
CREATE TABLE quota_budgets (
	scope      TEXT PRIMARY KEY,
	per_minute BIGINT NOT NULL,
	per_day    BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE quota_counters (
	scope        TEXT NOT NULL,
	win          TEXT NOT NULL,
	window_start BIGINT NOT NULL,
	used         BIGINT NOT NULL,
	PRIMARY KEY (scope, win)
);
`,
	},
	{
		// OAuth authorization server for MCP clients (internal/oauth):
		// clients, single-use codes, grants and hashed tokens.
		version: 5,
		sql: `
CREATE TABLE oauth_clients (
	id            TEXT PRIMARY KEY,
	kind          TEXT NOT NULL,
	name          TEXT NOT NULL,
	redirect_uris TEXT NOT NULL,
	metadata      TEXT NOT NULL,
	created_ip    TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	expires_at    BIGINT
);
CREATE INDEX oauth_clients_kind ON oauth_clients (kind, created_at);
CREATE TABLE oauth_codes (
	code_hash     TEXT PRIMARY KEY,
	client_id     TEXT NOT NULL,
	client_name   TEXT NOT NULL,
	redirect_uri  TEXT NOT NULL,
	challenge     TEXT NOT NULL,
	resource      TEXT NOT NULL,
	resource_hash TEXT NOT NULL,
	scope         TEXT NOT NULL,
	server_id     TEXT NOT NULL,
	approved_via  TEXT NOT NULL,
	approved_by   TEXT NOT NULL,
	grant_id      TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL,
	used_at       BIGINT
);
CREATE INDEX oauth_codes_client ON oauth_codes (client_id);
CREATE TABLE oauth_grants (
	id            TEXT PRIMARY KEY,
	client_id     TEXT NOT NULL,
	client_name   TEXT NOT NULL,
	server_id     TEXT NOT NULL,
	resource      TEXT NOT NULL,
	resource_hash TEXT NOT NULL,
	scope         TEXT NOT NULL,
	approved_via  TEXT NOT NULL,
	approved_by   TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	last_used_at  BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL
);
CREATE INDEX oauth_grants_server ON oauth_grants (server_id);
CREATE INDEX oauth_grants_client ON oauth_grants (client_id);
CREATE TABLE oauth_tokens (
	token_hash TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	grant_id   TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (expires_at);
`,
	},
	{
		// The executor: how many upstream requests each logged call made;
		// account pacing settings; and each paced account's next free
		// upstream request slot, shared by every replica.
		version: 7,
		sql: `
ALTER TABLE log_entries ADD COLUMN upstream_requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrated_accounts ADD COLUMN pace INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrated_accounts ADD COLUMN pace_max_wait_seconds INTEGER;
CREATE TABLE pace_slots (
	account_id TEXT PRIMARY KEY,
	next_at_us BIGINT NOT NULL
);
`,
	},
}

func init() {
	// The only DDL difference so far: how an auto-increment key is spelled.
	m := &migrations[0]
	m.sqlite = fmt.Sprintf(m.sql, "INTEGER PRIMARY KEY AUTOINCREMENT")
	m.postgres = fmt.Sprintf(m.sql, "BIGSERIAL PRIMARY KEY")
	m.sql = ""
}

// migrationLockID is the PostgreSQL advisory lock that makes replicas that
// start together run the migrations once.
const migrationLockID = 7_271_001

// migrate applies every migration newer than the database's version, each
// in its own transaction.
func (s *DB) migrate(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if s.dialect.name() == "postgres" {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockID)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	for _, m := range migrations {
		if err := s.apply(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %d: %w", m.version, err)
		}
	}
	return nil
}

func (s *DB) apply(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.dialect.ddl(m)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), m.version, ms(now())); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion is the newest migration applied; readiness compares it
// with LatestSchemaVersion.
func (s *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.queryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// LatestSchemaVersion is the newest migration this binary knows.
func LatestSchemaVersion() int { return migrations[len(migrations)-1].version }
