package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// ---- settings ----

func (s *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return v, err
}

func (s *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?,?,?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, ms(now()))
	return err
}

func (s *DB) CreateSetting(ctx context.Context, key, value string) error {
	_, err := s.exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?,?,?)`, key, value, ms(now()))
	return s.dialect.mapErr(err)
}

// ---- dashboard sessions ----

func (s *DB) CreateSession(ctx context.Context, sess *store.Session) error {
	if sess.ID == "" {
		sess.ID = newID()
	}
	sess.CreatedAt = now()
	sess.ExpiresAt = sess.ExpiresAt.UTC().Truncate(time.Millisecond)
	_, err := s.exec(ctx, `INSERT INTO dashboard_sessions (id, token_hash, via, created_at, expires_at) VALUES (?,?,?,?,?)`,
		sess.ID, sess.TokenHash, sess.Via, ms(sess.CreatedAt), ms(sess.ExpiresAt))
	return s.dialect.mapErr(err)
}

func (s *DB) SessionByHash(ctx context.Context, hash string) (*store.Session, error) {
	var sess store.Session
	var created, expires int64
	err := s.queryRow(ctx, `SELECT id, token_hash, via, created_at, expires_at FROM dashboard_sessions WHERE token_hash = ?`, hash).
		Scan(&sess.ID, &sess.TokenHash, &sess.Via, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	sess.CreatedAt, sess.ExpiresAt = fromMS(created), fromMS(expires)
	return &sess, nil
}

func (s *DB) DeleteSession(ctx context.Context, id string) error {
	return affected(s.exec(ctx, `DELETE FROM dashboard_sessions WHERE id = ?`, id))
}

func (s *DB) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM dashboard_sessions WHERE expires_at <= ?`, ms(t))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
