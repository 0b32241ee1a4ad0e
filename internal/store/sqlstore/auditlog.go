package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// Every MCP request writes its audit log entry before it answers, so the
// insert is on every request's path. A commit costs far more than an
// insert: on SQLite it appends each changed page to the WAL (two write
// calls a page), on PostgreSQL it flushes the WAL to disk. Concurrent
// entries are therefore grouped: one request at a time writes everything
// queued in one transaction, the others wait for that commit, and each
// still returns only once its own entry is stored. A request alone writes
// its entry as before, with no transaction around it. On SQLite the queue
// also keeps writers out of SQLite's busy handler, which sleeps
// milliseconds at a time.

// maxLogBatch bounds one transaction; more queued entries go in the next.
const maxLogBatch = 256

const insertLogSQL = `INSERT INTO log_entries (created_at, server_id, account_id, rpc_method, tool, client_name, client_version, status, http_status, upstream_status, duration_us, error, upstream_requests)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`

type logQueue struct {
	mu      sync.Mutex
	writing bool // a request is writing a batch
	pending []*logWait
}

type logWait struct {
	e    *store.LogEntry
	err  error      // this entry's own outcome, set by the batch's writer
	done chan error // its outcome, or errLeadLogs
}

// errLeadLogs tells a waiting request that it writes the next batch.
var errLeadLogs = errors.New("write the next batch")

func (s *DB) AppendLog(ctx context.Context, e *store.LogEntry) error {
	if e.Time.IsZero() {
		e.Time = now()
	}
	store.CleanLogEntry(e)
	// Other requests' entries may ride along: none is given up because
	// this request was cancelled.
	ctx = context.WithoutCancel(ctx)
	w := &logWait{e: e, done: make(chan error, 1)}
	q := &s.logs
	q.mu.Lock()
	q.pending = append(q.pending, w)
	lead := !q.writing
	q.writing = true
	q.mu.Unlock()
	if !lead {
		if err := <-w.done; err != errLeadLogs {
			return err
		}
	}
	// This request writes the queue's head: its own entry is first in it,
	// as it was queued when no one was writing, or was handed the lead
	// as the head.
	q.mu.Lock()
	n := min(len(q.pending), maxLogBatch)
	batch := q.pending[:n:n]
	q.pending = q.pending[n:]
	q.mu.Unlock()
	s.insertLogs(ctx, batch)
	for _, b := range batch[1:] {
		b.done <- b.err
	}
	q.mu.Lock()
	if len(q.pending) > 0 {
		next := q.pending[0]
		q.mu.Unlock()
		next.done <- errLeadLogs
	} else {
		q.writing = false
		q.pending = nil
		q.mu.Unlock()
	}
	return w.err
}

// insertLogs writes batch and sets each entry's outcome: its ID, or its err
// with ID 0.
func (s *DB) insertLogs(ctx context.Context, batch []*logWait) {
	st, err := s.prepared(ctx, insertLogSQL)
	if err != nil {
		for _, w := range batch {
			w.err = err
		}
		return
	}
	if len(batch) > 1 && s.insertLogGroup(ctx, st, batch) == nil {
		return
	}
	// Alone, or the group rolled back: one entry the database refuses
	// must not take the others down with it, so each is written on its own.
	for _, w := range batch {
		w.e.ID = 0
		if w.err = insertLog(ctx, st, w.e); w.err != nil {
			w.e.ID = 0
		}
	}
}

func insertLog(ctx context.Context, st *sql.Stmt, e *store.LogEntry) error {
	return st.QueryRowContext(ctx, ms(e.Time), e.ServerID, e.AccountID, e.RPCMethod, e.Tool, e.ClientName, e.ClientVersion, e.Status,
		e.HTTPStatus, e.UpstreamStatus, e.Duration.Microseconds(), e.Error, e.UpstreamRequests).Scan(&e.ID)
}

// insertLogGroup writes batch in one transaction, all or nothing.
func (s *DB) insertLogGroup(ctx context.Context, st *sql.Stmt, batch []*logWait) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	txst := tx.StmtContext(ctx, st)
	for _, w := range batch {
		if err := insertLog(ctx, txst, w.e); err != nil {
			return err
		}
	}
	return tx.Commit()
}
