package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ---- pacing ----

// ReservePace keeps, per account, the theoretical arrival time (TAT) of
// the generic cell rate algorithm and reserves with one upsert: a request
// arriving at now may go at max(now, TAT - tolerance), and the TAT moves
// to max(TAT, now) + interval, but only if that send time is at most
// maxWait away (the upsert's WHERE); otherwise no row comes back and
// nothing is reserved. Every replica reserves through the same row, so
// together they keep the account's pace.
func (s *DB) ReservePace(ctx context.Context, accountID string, at time.Time, interval, tolerance, maxWait time.Duration) (time.Time, bool, error) {
	nowUS, stepUS, tolUS := at.UnixMicro(), interval.Microseconds(), tolerance.Microseconds()
	var tat int64
	err := s.hotRow(ctx, `INSERT INTO pace_slots (account_id, next_at_us) VALUES (?, ?)
		ON CONFLICT (account_id) DO UPDATE SET
			next_at_us = (CASE WHEN pace_slots.next_at_us > ? THEN pace_slots.next_at_us ELSE ? END) + ?
		WHERE pace_slots.next_at_us <= ?
		RETURNING next_at_us`,
		accountID, nowUS+stepUS, nowUS, nowUS, stepUS, nowUS+tolUS+maxWait.Microseconds()).Scan(&tat)
	if err == nil {
		// tat-step is max(old TAT, now): the send time is tolerance before it.
		return time.UnixMicro(max(nowUS, tat-stepUS-tolUS)).UTC(), true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, err
	}
	// Refused: read when a request could go, for the Retry-After figure.
	if err := s.queryRow(ctx, `SELECT next_at_us FROM pace_slots WHERE account_id = ?`, accountID).Scan(&tat); err != nil {
		return time.Time{}, false, err
	}
	return time.UnixMicro(tat - tolUS).UTC(), false, nil
}
