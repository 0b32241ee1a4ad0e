package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// The OAuth authorization server's tables (migration 5). No foreign keys:
// deleting an MCP server or an API token must never fail because of a
// grant; grants that lost their server are swept, and the resource server
// checks the server on every request anyway.

const oauthClientCols = `id, kind, name, redirect_uris, metadata, created_ip, created_at, expires_at`

func (s *DB) CreateOAuthClient(ctx context.Context, c *store.OAuthClient) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	uris, _ := json.Marshal(c.RedirectURIs)
	_, err := s.exec(ctx, `INSERT INTO oauth_clients (`+oauthClientCols+`) VALUES (?,?,?,?,?,?,?,?)`,
		c.ID, c.Kind, c.Name, string(uris), c.Metadata, c.CreatedIP, ms(c.CreatedAt), msPtr(c.ExpiresAt))
	return s.dialect.mapErr(err)
}

func (s *DB) PutOAuthClient(ctx context.Context, c *store.OAuthClient) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	uris, _ := json.Marshal(c.RedirectURIs)
	// INSERT … ON CONFLICT DO UPDATE is spelled the same on both engines.
	_, err := s.exec(ctx, `INSERT INTO oauth_clients (`+oauthClientCols+`) VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, redirect_uris = excluded.redirect_uris,
		metadata = excluded.metadata, expires_at = excluded.expires_at`,
		c.ID, c.Kind, c.Name, string(uris), c.Metadata, c.CreatedIP, ms(c.CreatedAt), msPtr(c.ExpiresAt))
	return s.dialect.mapErr(err)
}

func scanOAuthClient(r scanner) (*store.OAuthClient, error) {
	var c store.OAuthClient
	var uris string
	var created int64
	var exp sql.NullInt64
	if err := r.Scan(&c.ID, &c.Kind, &c.Name, &uris, &c.Metadata, &c.CreatedIP, &created, &exp); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	_ = json.Unmarshal([]byte(uris), &c.RedirectURIs)
	c.CreatedAt, c.ExpiresAt = fromMS(created), fromNullMS(exp)
	return &c, nil
}

func (s *DB) GetOAuthClient(ctx context.Context, id string) (*store.OAuthClient, error) {
	return scanOAuthClient(s.queryRow(ctx, `SELECT `+oauthClientCols+` FROM oauth_clients WHERE id = ?`, id))
}

func (s *DB) ListOAuthClients(ctx context.Context, kind string) ([]*store.OAuthClient, error) {
	q, args := `SELECT `+oauthClientCols+` FROM oauth_clients`, []any{}
	if kind != "" {
		q += ` WHERE kind = ?`
		args = append(args, kind)
	}
	rows, err := s.query(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.OAuthClient{}
	for rows.Next() {
		c, err := scanOAuthClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *DB) DeleteOAuthClient(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM oauth_tokens WHERE grant_id IN (SELECT id FROM oauth_grants WHERE client_id = ?)`,
			`DELETE FROM oauth_grants WHERE client_id = ?`,
			`DELETE FROM oauth_codes WHERE client_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(q), id); err != nil {
				return err
			}
		}
		return affected(tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM oauth_clients WHERE id = ?`), id))
	})
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

const oauthCodeCols = `code_hash, client_id, client_name, redirect_uri, challenge, resource, resource_hash, scope, server_id, approved_via, approved_by, grant_id, created_at, expires_at, used_at`

func (s *DB) CreateOAuthCode(ctx context.Context, c *store.OAuthCode) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	_, err := s.exec(ctx, `INSERT INTO oauth_codes (`+oauthCodeCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.Hash, c.ClientID, c.ClientName, c.RedirectURI, c.Challenge, c.Resource, c.ResourceHash, c.Scope, c.ServerID,
		c.ApprovedVia, c.ApprovedBy, c.GrantID, ms(c.CreatedAt), ms(c.ExpiresAt), msPtr(c.UsedAt))
	return s.dialect.mapErr(err)
}

func scanOAuthCode(r scanner) (*store.OAuthCode, error) {
	var c store.OAuthCode
	var created, expires int64
	var used sql.NullInt64
	if err := r.Scan(&c.Hash, &c.ClientID, &c.ClientName, &c.RedirectURI, &c.Challenge, &c.Resource, &c.ResourceHash, &c.Scope,
		&c.ServerID, &c.ApprovedVia, &c.ApprovedBy, &c.GrantID, &created, &expires, &used); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = fromMS(created), fromMS(expires), fromNullMS(used)
	return &c, nil
}

// UseOAuthCode burns the code with one conditional UPDATE, so of two racing
// exchanges exactly one sees it fresh.
func (s *DB) UseOAuthCode(ctx context.Context, hash string, t time.Time) (*store.OAuthCode, bool, error) {
	res, err := s.exec(ctx, `UPDATE oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?`, ms(t), hash, ms(t))
	if err != nil {
		return nil, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, err
	}
	c, err := scanOAuthCode(s.queryRow(ctx, `SELECT `+oauthCodeCols+` FROM oauth_codes WHERE code_hash = ?`, hash))
	if err != nil {
		return nil, false, err
	}
	if n == 0 && c.UsedAt == nil {
		return nil, false, store.ErrNotFound // expired, never used
	}
	return c, n == 1, nil
}

const oauthGrantCols = `id, client_id, client_name, server_id, resource, resource_hash, scope, approved_via, approved_by, created_at, last_used_at, expires_at`

func (s *DB) insertTokens(ctx context.Context, tx *sql.Tx, tokens []*store.OAuthToken) error {
	for _, t := range tokens {
		if t.CreatedAt.IsZero() {
			t.CreatedAt = now()
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO oauth_tokens (token_hash, kind, grant_id, created_at, expires_at, used_at) VALUES (?,?,?,?,?,?)`),
			t.Hash, t.Kind, t.GrantID, ms(t.CreatedAt), ms(t.ExpiresAt), msPtr(t.UsedAt)); err != nil {
			return s.dialect.mapErr(err)
		}
	}
	return nil
}

func (s *DB) CreateOAuthGrant(ctx context.Context, g *store.OAuthGrant, codeHash string, tokens []*store.OAuthToken) error {
	if g.ID == "" {
		g.ID = newID()
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = now()
	}
	if g.LastUsedAt.IsZero() {
		g.LastUsedAt = g.CreatedAt
	}
	for _, t := range tokens {
		t.GrantID = g.ID
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO oauth_grants (`+oauthGrantCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
			g.ID, g.ClientID, g.ClientName, g.ServerID, g.Resource, g.ResourceHash, g.Scope, g.ApprovedVia, g.ApprovedBy,
			ms(g.CreatedAt), ms(g.LastUsedAt), ms(g.ExpiresAt)); err != nil {
			return s.dialect.mapErr(err)
		}
		if err := s.insertTokens(ctx, tx, tokens); err != nil {
			return err
		}
		if codeHash != "" {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE oauth_codes SET grant_id = ? WHERE code_hash = ?`), g.ID, codeHash); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanOAuthGrant(r scanner) (*store.OAuthGrant, error) {
	var g store.OAuthGrant
	var created, used, expires int64
	if err := r.Scan(&g.ID, &g.ClientID, &g.ClientName, &g.ServerID, &g.Resource, &g.ResourceHash, &g.Scope, &g.ApprovedVia, &g.ApprovedBy,
		&created, &used, &expires); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	g.CreatedAt, g.LastUsedAt, g.ExpiresAt = fromMS(created), fromMS(used), fromMS(expires)
	return &g, nil
}

func (s *DB) GetOAuthGrant(ctx context.Context, id string) (*store.OAuthGrant, error) {
	return scanOAuthGrant(s.queryRow(ctx, `SELECT `+oauthGrantCols+` FROM oauth_grants WHERE id = ?`, id))
}

func (s *DB) ListOAuthGrants(ctx context.Context, f store.OAuthGrantFilter) ([]*store.OAuthGrant, error) {
	q, args := `SELECT `+oauthGrantCols+` FROM oauth_grants WHERE 1 = 1`, []any{}
	if f.ServerID != "" {
		q += ` AND server_id = ?`
		args = append(args, f.ServerID)
	}
	if f.ClientID != "" {
		q += ` AND client_id = ?`
		args = append(args, f.ClientID)
	}
	rows, err := s.query(ctx, q+` ORDER BY created_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.OAuthGrant{}
	for rows.Next() {
		g, err := scanOAuthGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (s *DB) revokeGrantTx(ctx context.Context, tx *sql.Tx, id string) (sql.Result, error) {
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM oauth_tokens WHERE grant_id = ?`), id); err != nil {
		return nil, err
	}
	return tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM oauth_grants WHERE id = ?`), id)
}

func (s *DB) RevokeOAuthGrant(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return affected(s.revokeGrantTx(ctx, tx, id))
	})
}

func (s *DB) OAuthTokenByHash(ctx context.Context, hash string) (*store.OAuthToken, *store.OAuthGrant, error) {
	var t store.OAuthToken
	var g store.OAuthGrant
	var tCreated, tExpires, gCreated, gUsed, gExpires int64
	var used sql.NullInt64
	err := s.queryRow(ctx, `SELECT t.token_hash, t.kind, t.grant_id, t.created_at, t.expires_at, t.used_at,
		g.id, g.client_id, g.client_name, g.server_id, g.resource, g.resource_hash, g.scope, g.approved_via, g.approved_by, g.created_at, g.last_used_at, g.expires_at
		FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = ?`, hash).
		Scan(&t.Hash, &t.Kind, &t.GrantID, &tCreated, &tExpires, &used,
			&g.ID, &g.ClientID, &g.ClientName, &g.ServerID, &g.Resource, &g.ResourceHash, &g.Scope, &g.ApprovedVia, &g.ApprovedBy, &gCreated, &gUsed, &gExpires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, store.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromMS(tCreated), fromMS(tExpires), fromNullMS(used)
	g.CreatedAt, g.LastUsedAt, g.ExpiresAt = fromMS(gCreated), fromMS(gUsed), fromMS(gExpires)
	return &t, &g, nil
}

// RotateOAuthRefresh spends the token with a conditional UPDATE inside the
// transaction: on PostgreSQL a concurrent rotation waits for the row and
// then sees it spent; SQLite transactions are serialized (_txlock).
func (s *DB) RotateOAuthRefresh(ctx context.Context, hash string, t time.Time, grace time.Duration, grantExpiry time.Time, tokens []*store.OAuthToken) error {
	var reused bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var grantID string
		var expires int64
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT grant_id, expires_at FROM oauth_tokens WHERE token_hash = ? AND kind = ?`), hash, store.OAuthRefreshToken).
			Scan(&grantID, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if expires <= ms(t) {
			return store.ErrNotFound
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE oauth_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`), ms(t), hash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var used sql.NullInt64
			if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT used_at FROM oauth_tokens WHERE token_hash = ?`), hash).Scan(&used); err != nil {
				return err
			}
			if used.Valid && used.Int64 < ms(t.Add(-grace)) {
				// Spent long ago: someone else holds the successor. Treat
				// it as theft and end the grant.
				if _, err := s.revokeGrantTx(ctx, tx, grantID); err != nil {
					return err
				}
				reused = true
				return nil
			}
		}
		for _, tok := range tokens {
			tok.GrantID = grantID
		}
		if err := s.insertTokens(ctx, tx, tokens); err != nil {
			return err
		}
		return affected(tx.ExecContext(ctx, s.dialect.rebind(`UPDATE oauth_grants SET last_used_at = ?, expires_at = ? WHERE id = ?`), ms(t), ms(grantExpiry), grantID))
	})
	if err == nil && reused {
		return store.ErrReused
	}
	return err
}

func (s *DB) DeleteOAuthToken(ctx context.Context, hash string) error {
	return affected(s.exec(ctx, `DELETE FROM oauth_tokens WHERE token_hash = ?`, hash))
}

func (s *DB) SweepOAuth(ctx context.Context, t, unusedBefore time.Time) (int, error) {
	total := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, st := range []struct {
			q    string
			args []any
		}{
			{`DELETE FROM oauth_codes WHERE expires_at <= ?`, []any{ms(t)}},
			{`DELETE FROM oauth_grants WHERE expires_at <= ? OR NOT EXISTS (SELECT 1 FROM mcp_servers s WHERE s.id = oauth_grants.server_id)`, []any{ms(t)}},
			{`DELETE FROM oauth_tokens WHERE expires_at <= ? OR NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.id = oauth_tokens.grant_id)`, []any{ms(t)}},
			{`DELETE FROM oauth_clients WHERE ((kind = ? AND created_at <= ?) OR (kind = ? AND expires_at IS NOT NULL AND expires_at <= ?))
				AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.id)
				AND NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.client_id = oauth_clients.id)`,
				[]any{store.OAuthClientDynamic, ms(unusedBefore), store.OAuthClientMetadata, ms(t)}},
		} {
			res, err := tx.ExecContext(ctx, s.dialect.rebind(st.q), st.args...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		return nil
	})
	return total, err
}
