package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

func (s *DB) AccountByExternalID(ctx context.Context, integration, externalID string) (*store.Account, error) {
	if externalID == "" {
		return nil, store.ErrNotFound
	}
	return s.scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM integrated_accounts WHERE integration = ? AND external_id = ? ORDER BY created_at LIMIT 1`, integration, externalID))
}

func (s *DB) AcquireRefreshLease(ctx context.Context, accountID string, now, until time.Time) (bool, error) {
	res, err := s.exec(ctx, `UPDATE integrated_accounts SET refresh_lease_until = ? WHERE id = ? AND (refresh_lease_until IS NULL OR refresh_lease_until <= ?)`,
		ms(until), accountID, ms(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *DB) StoreRefreshedCredentials(ctx context.Context, accountID string, c credentials.Upstream, status string) error {
	sealed, err := s.sealCredentials(c)
	if err != nil {
		return err
	}
	return affected(s.exec(ctx, `UPDATE integrated_accounts SET credentials = ?, status = ?, refresh_lease_until = NULL, updated_at = ? WHERE id = ?`,
		sealed, status, ms(now()), accountID))
}

func (s *DB) ReleaseRefreshLease(ctx context.Context, accountID string) error {
	_, err := s.exec(ctx, `UPDATE integrated_accounts SET refresh_lease_until = NULL WHERE id = ?`, accountID)
	return err
}

func (s *DB) CreateOAuthState(ctx context.Context, st *store.OAuthState) error {
	if st.CreatedAt.IsZero() {
		st.CreatedAt = now()
	}
	scopes, _ := json.Marshal(st.Scopes)
	_, err := s.exec(ctx, `INSERT INTO oauth_states (state_hash, integration, scopes, name, return_to, created_at, expires_at) VALUES (?,?,?,?,?,?,?)`,
		st.Hash, st.Integration, string(scopes), st.Name, st.ReturnTo, ms(st.CreatedAt), ms(st.ExpiresAt))
	return s.dialect.mapErr(err)
}

// ConsumeOAuthState deletes the state and returns what it held; DELETE …
// RETURNING makes "read and burn" one step, so a state works exactly once
// even when two callbacks race.
func (s *DB) ConsumeOAuthState(ctx context.Context, hash string) (*store.OAuthState, error) {
	var st store.OAuthState
	var scopes string
	var created, expires int64
	err := s.queryRow(ctx, `DELETE FROM oauth_states WHERE state_hash = ? RETURNING state_hash, integration, scopes, name, return_to, created_at, expires_at`, hash).
		Scan(&st.Hash, &st.Integration, &scopes, &st.Name, &st.ReturnTo, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(scopes), &st.Scopes)
	st.CreatedAt, st.ExpiresAt = fromMS(created), fromMS(expires)
	return &st, nil
}
