package sqlstore

import (
	"context"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// SetLeaderAttemptHook lets the external tests watch leadership attempts.
func SetLeaderAttemptHook(f func(s *DB, lockID int64, leading bool)) { leaderAttempt = f }

// InsertLogGroup writes entries as one group, skipping the cleaning
// AppendLog does, and returns each entry's outcome.
func (s *DB) InsertLogGroup(entries []*store.LogEntry) []error {
	batch := make([]*logWait, len(entries))
	for i, e := range entries {
		batch[i] = &logWait{e: e}
	}
	s.insertLogs(context.Background(), batch)
	errs := make([]error, len(batch))
	for i, w := range batch {
		errs[i] = w.err
	}
	return errs
}
