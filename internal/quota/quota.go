// Package quota is the quota guard: optional budgets of upstream calls per
// minute and per day for an integrated account (all its MCP servers
// together) and for one MCP server. Counters live in the database, so
// every replica spends from the same budget; a call is charged before it
// goes upstream, and a refused call spends nothing.
package quota

import (
	"context"
	"fmt"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// Windows of a budget.
const (
	Minute = "minute"
	Day    = "day"
)

// Guard checks and spends budgets.
type Guard struct {
	Store store.Store
	Now   func() time.Time
}

// New returns a guard on s (now nil: time.Now).
func New(s store.Store, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	return &Guard{Store: s, Now: now}
}

// ServerScope and AccountScope name the counters of a budget.
func ServerScope(id string) string  { return "server:" + id }
func AccountScope(id string) string { return "account:" + id }

// windowStart is the start of the UTC minute or day holding t.
func windowStart(window string, t time.Time) time.Time {
	t = t.UTC()
	if window == Day {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t.Truncate(time.Minute)
}

func windowEnd(window string, start time.Time) time.Time {
	if window == Day {
		return start.AddDate(0, 0, 1)
	}
	return start.Add(time.Minute)
}

// Exceeded is the error of a call refused by a budget; its text names the
// budget and when it resets.
type Exceeded struct {
	Owner    string // e.g. `MCP server "sales"`
	Window   string
	Limit    int
	ResetsAt time.Time
	Now      time.Time
}

func (e *Exceeded) Error() string {
	wait := e.ResetsAt.Sub(e.Now).Round(time.Second)
	return fmt.Sprintf("quota: the %s budget of %d calls per %s is used up; it resets at %s (in %s). No call was made upstream. An admin can raise the budget in Patchbay",
		e.Owner, e.Limit, e.Window, e.ResetsAt.UTC().Format(time.RFC3339), wait)
}

// RateLimit gives the figures a client backs off by, as for an upstream 429.
func (e *Exceeded) RateLimit() *upstream.RateLimit {
	secs := max(1, int(e.ResetsAt.Sub(e.Now).Seconds()+0.999))
	return &upstream.RateLimit{Limit: e.Limit, Remaining: 0, Reset: secs, RetryAfter: secs}
}

type owned struct {
	charge store.QuotaCharge
	owner  string
}

func charges(b *store.Budget, scope, owner string, now time.Time) []owned {
	if b.IsZero() {
		return nil
	}
	var out []owned
	if b.PerMinute > 0 {
		out = append(out, owned{store.QuotaCharge{Scope: scope, Window: Minute, Start: windowStart(Minute, now), Limit: b.PerMinute}, owner})
	}
	if b.PerDay > 0 {
		out = append(out, owned{store.QuotaCharge{Scope: scope, Window: Day, Start: windowStart(Day, now), Limit: b.PerDay}, owner})
	}
	return out
}

// Spend charges one upstream call of srv on acct against both budgets; an
// *Exceeded error means the call must not go upstream.
func (g *Guard) Spend(ctx context.Context, srv *store.Server, acct *store.Account) error {
	now := g.Now()
	var ab store.Budget
	if acct.Budget != nil {
		ab = *acct.Budget // read with the account
	} else {
		var err error
		if ab, err = g.Store.AccountBudget(ctx, acct.ID); err != nil {
			return fmt.Errorf("quota: reading the account's budget: %w", err)
		}
	}
	list := charges(srv.Config.Budget, ServerScope(srv.ID), fmt.Sprintf("MCP server %q", srv.Name), now)
	list = append(list, charges(&ab, AccountScope(acct.ID), fmt.Sprintf("integrated account %q", acct.Name), now)...)
	if len(list) == 0 {
		return nil
	}
	cs := make([]store.QuotaCharge, len(list))
	for i, o := range list {
		cs[i] = o.charge
	}
	full, err := g.Store.SpendQuota(ctx, cs)
	if err != nil {
		return fmt.Errorf("quota: %w", err)
	}
	if full < 0 {
		return nil
	}
	c := list[full]
	return &Exceeded{Owner: c.owner, Window: c.charge.Window, Limit: c.charge.Limit, ResetsAt: windowEnd(c.charge.Window, c.charge.Start), Now: now}
}

// WindowUsage is one window of a budget as the admin API shows it.
type WindowUsage struct {
	Used     int    `json:"used"`
	Limit    int    `json:"limit"`
	ResetsAt string `json:"resets_at"`
}

// Usage reads a budget's counters: nil when there is no budget, else
// "minute" and/or "day" entries.
func (g *Guard) Usage(ctx context.Context, scope string, b *store.Budget) (map[string]WindowUsage, error) {
	if b.IsZero() {
		return nil, nil
	}
	now := g.Now()
	out := map[string]WindowUsage{}
	for _, w := range []struct {
		name  string
		limit int
	}{{Minute, b.PerMinute}, {Day, b.PerDay}} {
		if w.limit <= 0 {
			continue
		}
		start := windowStart(w.name, now)
		n, err := g.Store.QuotaUsed(ctx, scope, w.name, start)
		if err != nil {
			return nil, err
		}
		out[w.name] = WindowUsage{Used: n, Limit: w.limit, ResetsAt: windowEnd(w.name, start).Format(time.RFC3339)}
	}
	return out, nil
}

// MaxBudget bounds a budget's figures (a typo of extra zeros is a 400).
const MaxBudget = 100_000_000

// Check validates a budget a user wrote.
func Check(b *store.Budget) error {
	if b == nil {
		return nil
	}
	if b.PerMinute < 0 || b.PerDay < 0 || b.PerMinute > MaxBudget || b.PerDay > MaxBudget {
		return fmt.Errorf("budget.per_minute and budget.per_day must be numbers from 0 (no cap) to %d", MaxBudget)
	}
	return nil
}
