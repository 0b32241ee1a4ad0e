package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
)

// Reseal re-encrypts every account's credentials that are not sealed with
// the cipher's first key, and returns how many it rewrote. Each row is
// swapped only if it still holds what was read (compare-and-swap on the
// ciphertext), so a token refresh racing the rotation is never undone;
// such a row is simply read again.
func (s *DB) Reseal(ctx context.Context) (int, error) {
	rows, err := s.query(ctx, `SELECT id FROM integrated_accounts`)
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		done, err := s.resealOne(ctx, id)
		if err != nil {
			return n, fmt.Errorf("account %s: %w", id, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

func (s *DB) resealOne(ctx context.Context, id string) (bool, error) {
	for attempt := 0; attempt < 10; attempt++ {
		var old string
		if err := s.queryRow(ctx, `SELECT credentials FROM integrated_accounts WHERE id = ?`, id).Scan(&old); err != nil {
			return false, err
		}
		sealed, err := base64.StdEncoding.DecodeString(old)
		if err != nil {
			return false, err
		}
		if s.cipher.SealedBy(sealed) {
			return false, nil
		}
		creds, err := s.openCredentials(old)
		if err != nil {
			return false, err
		}
		next, err := s.sealCredentials(creds)
		if err != nil {
			return false, err
		}
		res, err := s.exec(ctx, `UPDATE integrated_accounts SET credentials = ? WHERE id = ? AND credentials = ?`, next, id, old)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return true, nil
		}
	}
	return false, fmt.Errorf("credentials kept changing during the rotation; run it again")
}
