package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// ---- quota guard ----

// SpendQuota charges every counter in one transaction. Counters are
// touched in (scope, window) order so that two replicas charging the same
// budgets take their row locks in the same order and cannot deadlock.
func (s *DB) SpendQuota(ctx context.Context, charges []store.QuotaCharge) (int, error) {
	if len(charges) == 0 {
		return -1, nil
	}
	order := make([]int, len(charges))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ca, cb := charges[order[a]], charges[order[b]]
		if ca.Scope != cb.Scope {
			return ca.Scope < cb.Scope
		}
		return ca.Window < cb.Window
	})
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// A counter still in an older window starts again at 1; a replica whose
	// clock lags (an older start than stored) counts into the newer window.
	q := s.dialect.rebind(`INSERT INTO quota_counters (scope, win, window_start, used) VALUES (?, ?, ?, 1)
		ON CONFLICT (scope, win) DO UPDATE SET
			used = CASE WHEN quota_counters.window_start >= excluded.window_start THEN quota_counters.used + 1 ELSE 1 END,
			window_start = CASE WHEN quota_counters.window_start >= excluded.window_start THEN quota_counters.window_start ELSE excluded.window_start END
		RETURNING used`)
	full := -1
	for _, i := range order {
		c := charges[i]
		var used int64
		if err := tx.QueryRowContext(ctx, q, c.Scope, c.Window, ms(c.Start)).Scan(&used); err != nil {
			return 0, err
		}
		if used > int64(c.Limit) && (full < 0 || i < full) {
			full = i
		}
	}
	if full >= 0 {
		return full, nil // rolled back: a refused call spends nothing
	}
	return -1, tx.Commit()
}

func (s *DB) QuotaUsed(ctx context.Context, scope, window string, start time.Time) (int, error) {
	var used, at int64
	err := s.queryRow(ctx, `SELECT used, window_start FROM quota_counters WHERE scope = ? AND win = ?`, scope, window).Scan(&used, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if at != ms(start) {
		return 0, nil // the counter holds another window
	}
	return int(used), nil
}

// accountBudgetScope must agree with ServerAccountByTokenHash's join.
func accountBudgetScope(id string) string { return "account:" + id }

func (s *DB) AccountBudget(ctx context.Context, accountID string) (store.Budget, error) {
	var b store.Budget
	var perMinute, perDay int64
	err := s.hotRow(ctx, `SELECT per_minute, per_day FROM quota_budgets WHERE scope = ?`, accountBudgetScope(accountID)).Scan(&perMinute, &perDay)
	if errors.Is(err, sql.ErrNoRows) {
		return b, nil
	}
	b.PerMinute, b.PerDay = int(perMinute), int(perDay)
	return b, err
}

func (s *DB) SetAccountBudget(ctx context.Context, accountID string, b store.Budget) error {
	if b.IsZero() {
		_, err := s.exec(ctx, `DELETE FROM quota_budgets WHERE scope = ?`, accountBudgetScope(accountID))
		return err
	}
	_, err := s.exec(ctx, `INSERT INTO quota_budgets (scope, per_minute, per_day, updated_at) VALUES (?,?,?,?)
		ON CONFLICT (scope) DO UPDATE SET per_minute = excluded.per_minute, per_day = excluded.per_day, updated_at = excluded.updated_at`,
		accountBudgetScope(accountID), max(b.PerMinute, 0), max(b.PerDay, 0), ms(now()))
	return err
}
