package sqlstore

// SetLeaderAttemptHook lets the external tests watch leadership attempts.
func SetLeaderAttemptHook(f func(s *DB, lockID int64, leading bool)) { leaderAttempt = f }
