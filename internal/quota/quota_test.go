package quota_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t *testing.T) *sqlstore.DB {
	t.Helper()
	cipher, err := credentials.NewCipher(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "q.db"), cipher)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each Spend is one upstream request: a budget of n allows exactly n, the
// next is refused with when it resets, and a new window starts again.
func TestSpendChargesEachUpstreamRequest(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	clk := &clock{t: time.Date(2026, 10, 7, 12, 0, 30, 0, time.UTC)}
	g := quota.New(db, clk.Now)
	srv := &store.Server{ID: "s1", Name: "sales", Config: store.ServerConfig{Budget: &store.Budget{PerMinute: 3, PerDay: 5}}}
	acct := &store.Account{ID: "a1", Name: "Acme", Budget: &store.Budget{}}
	ctx := context.Background()
	for i := range 3 {
		if err := g.Spend(ctx, srv, acct); err != nil {
			t.Fatalf("request %d within the budget: %v", i+1, err)
		}
	}
	err := g.Spend(ctx, srv, acct)
	var ex *quota.Exceeded
	if !errors.As(err, &ex) || ex.Window != quota.Minute || ex.Limit != 3 || !ex.ResetsAt.Equal(time.Date(2026, 10, 7, 12, 1, 0, 0, time.UTC)) {
		t.Fatalf("4th request: %v", err)
	}
	if rl := ex.RateLimit(); rl.RetryAfter != 30 || rl.Limit != 3 || rl.Remaining != 0 {
		t.Errorf("rate-limit figures %+v, want a retry after 30 s", rl)
	}
	if !strings.Contains(err.Error(), `MCP server "sales"`) {
		t.Errorf("the error does not name the budget: %v", err)
	}
	usage, err := g.Usage(ctx, quota.ServerScope(srv.ID), srv.Config.Budget)
	if err != nil {
		t.Fatal(err)
	}
	if usage[quota.Minute].Used != 3 || usage[quota.Day].Used != 3 {
		t.Errorf("usage after a refusal = %+v; a refused request spends nothing", usage)
	}
	clk.Add(time.Minute)
	for i := range 2 {
		if err := g.Spend(ctx, srv, acct); err != nil {
			t.Fatalf("request %d of the next minute: %v", i+1, err)
		}
	}
	if err := g.Spend(ctx, srv, acct); !errors.As(err, &ex) || ex.Window != quota.Day {
		t.Fatalf("6th request of the day: %v, want the day budget", err)
	}
}

// The account's budget is shared by its servers; when it is full, the
// server's own counter is not charged either (all or none).
func TestSpendChargesAccountAndServerTogether(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	clk := &clock{t: time.Date(2026, 10, 7, 12, 0, 0, 0, time.UTC)}
	g := quota.New(db, clk.Now)
	acct := &store.Account{ID: "a1", Name: "Acme", Budget: &store.Budget{PerDay: 2}}
	one := &store.Server{ID: "s1", Name: "one", Config: store.ServerConfig{Budget: &store.Budget{PerDay: 10}}}
	two := &store.Server{ID: "s2", Name: "two"}
	ctx := context.Background()
	if err := g.Spend(ctx, one, acct); err != nil {
		t.Fatal(err)
	}
	if err := g.Spend(ctx, two, acct); err != nil {
		t.Fatal(err)
	}
	var ex *quota.Exceeded
	if err := g.Spend(ctx, one, acct); !errors.As(err, &ex) || !strings.Contains(ex.Owner, "Acme") {
		t.Fatalf("3rd request on the account: %v", err)
	}
	usage, err := g.Usage(ctx, quota.ServerScope(one.ID), one.Config.Budget)
	if err != nil {
		t.Fatal(err)
	}
	if usage[quota.Day].Used != 1 {
		t.Errorf("server %q was charged for a refused request: %+v", one.Name, usage)
	}
}

func TestSpendWithoutBudgetsTouchesNothing(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	g := quota.New(db, nil)
	for range 10 {
		if err := g.Spend(context.Background(), &store.Server{ID: "s"}, &store.Account{ID: "a", Budget: &store.Budget{}}); err != nil {
			t.Fatal(err)
		}
	}
	if usage, err := g.Usage(context.Background(), quota.ServerScope("s"), nil); err != nil || usage != nil {
		t.Errorf("usage of no budget = %v, %v", usage, err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		b    *store.Budget
		ok   bool
	}{
		{"none", nil, true},
		{"zero: no cap", &store.Budget{}, true},
		{"both", &store.Budget{PerMinute: 60, PerDay: 10_000}, true},
		{"the largest", &store.Budget{PerDay: quota.MaxBudget}, true},
		{"negative", &store.Budget{PerMinute: -1}, false},
		{"too large", &store.Budget{PerDay: quota.MaxBudget + 1}, false},
	} {
		if err := quota.Check(tc.b); (err == nil) != tc.ok {
			t.Errorf("%s: Check = %v", tc.name, err)
		}
	}
}
