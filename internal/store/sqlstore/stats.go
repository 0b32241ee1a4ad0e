package sqlstore

import (
	"context"
	"time"
)

// CountActiveServers counts MCP servers that exist and are not expired at
// now: the figure behind the patchbay_mcp_servers_active gauge.
func (s *DB) CountActiveServers(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM mcp_servers WHERE expires_at IS NULL OR expires_at > ?`, ms(now)).Scan(&n)
	return n, err
}
