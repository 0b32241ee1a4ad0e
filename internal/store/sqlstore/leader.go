package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Advisory lock ids (one namespace per database). migrationLockID is 7_271_001.
const (
	// CleanupLockID elects the replica that deletes expired MCP servers.
	CleanupLockID int64 = 7_271_002
)

// leaderAttempt, when set (by tests), hears the outcome of every try.
var leaderAttempt func(s *DB, lockID int64, leading bool)

// Lead runs fn while this process holds leadership lockID, until ctx ends:
// several replicas call Lead and at most one runs fn at a time.
//
// On PostgreSQL leadership is a session-level pg_try_advisory_lock held on
// a dedicated connection. A standby tries again every retry. The leader
// checks its connection every retry too; when the connection is lost (and
// with it the lock, which PostgreSQL releases when the session ends — also
// when the leading process dies) fn's context is cancelled and this process
// goes back to trying. The check leaves a window of up to one retry in which
// a replica that lost its connection still runs fn while another has taken
// over, so fn must be idempotent.
//
// On SQLite one process owns the database file and always leads. On a
// PostgreSQL-compatible engine without advisory locks every replica leads
// (logged once), which is safe only because fn is idempotent.
func (s *DB) Lead(ctx context.Context, lockID int64, retry time.Duration, log *slog.Logger, fn func(ctx context.Context)) {
	if log == nil {
		log = slog.Default()
	}
	if s.dialect.name() != "postgres" {
		fn(ctx)
		return
	}
	for ctx.Err() == nil {
		switch err := s.leadOnce(ctx, lockID, retry, fn); {
		case errors.Is(err, errNoAdvisoryLocks):
			log.Warn("leader election: the database has no advisory locks; every replica runs the job", "lock", lockID)
			fn(ctx)
			return
		case err != nil && ctx.Err() == nil:
			log.Warn("leader election: trying again", "lock", lockID, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
}

var errNoAdvisoryLocks = errors.New("advisory locks are not supported")

// leadOnce tries the lock once and, if it gets it, runs fn until ctx ends
// or the lock's connection is lost.
func (s *DB) leadOnce(ctx context.Context, lockID int64, retry time.Duration, fn func(ctx context.Context)) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	// The connection never goes back to the pool: closing it is what
	// releases a session lock for sure, even when the unlock cannot be sent.
	defer discard(conn)
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, lockID).Scan(&got); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "42883" || pe.Code == "0A000") { // undefined_function, feature_not_supported
			return errNoAdvisoryLocks
		}
		return err
	}
	if hook := leaderAttempt; hook != nil {
		hook(s, lockID, got)
	}
	if !got {
		return nil
	}
	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		watch(leadCtx, cancel, conn, retry)
	}()
	fn(leadCtx)
	cancel()
	<-watchDone
	unlockCtx, cancelUnlock := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancelUnlock()
	_, _ = conn.ExecContext(unlockCtx, `SELECT pg_advisory_unlock($1)`, lockID)
	return nil
}

// watch cancels the leadership when the lock's connection stops answering.
func watch(ctx context.Context, cancel context.CancelFunc, conn *sql.Conn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pingCtx, cancelPing := context.WithTimeout(ctx, max(every, 5*time.Second))
		err := conn.PingContext(pingCtx)
		cancelPing()
		if err != nil && ctx.Err() == nil {
			cancel()
			return
		}
	}
}

// discard closes conn's physical connection instead of pooling it.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
