package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

func spend(t *testing.T, s store.Store, charges ...store.QuotaCharge) int {
	t.Helper()
	full, err := s.SpendQuota(context.Background(), charges)
	if err != nil {
		t.Fatalf("SpendQuota: %v", err)
	}
	return full
}

func used(t *testing.T, s store.Store, scope, window string, start time.Time) int {
	t.Helper()
	n, err := s.QuotaUsed(context.Background(), scope, window, start)
	if err != nil {
		t.Fatalf("QuotaUsed: %v", err)
	}
	return n
}

// A budget lets exactly its limit through per window, refused calls spend
// nothing, a charge touching two budgets is all or none, and a new window
// starts from zero.
func testQuotaSpend(t *testing.T, s store.Store) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	minute := store.QuotaCharge{Scope: "server:a", Window: "minute", Start: start, Limit: 3}
	for i := 0; i < 3; i++ {
		if full := spend(t, s, minute); full != -1 {
			t.Fatalf("call %d of 3 refused (full = %d)", i+1, full)
		}
	}
	if full := spend(t, s, minute); full != 0 {
		t.Fatalf("4th call of a budget of 3: full = %d, want 0", full)
	}
	if n := used(t, s, "server:a", "minute", start); n != 3 {
		t.Errorf("used = %d after a refused call, want 3 (refusals spend nothing)", n)
	}

	day := store.QuotaCharge{Scope: "account:x", Window: "day", Start: start.Truncate(24 * time.Hour), Limit: 1}
	roomy := store.QuotaCharge{Scope: "server:b", Window: "minute", Start: start, Limit: 100}
	if full := spend(t, s, roomy, day); full != -1 {
		t.Fatalf("first call refused: %d", full)
	}
	if full := spend(t, s, roomy, day); full != 1 {
		t.Fatalf("second call with the day budget spent: full = %d, want 1 (the day charge)", full)
	}
	if n := used(t, s, "server:b", "minute", start); n != 1 {
		t.Errorf("the roomy budget was charged for a refused call: used = %d, want 1", n)
	}

	next := minute
	next.Start = start.Add(time.Minute)
	if full := spend(t, s, next); full != -1 {
		t.Fatalf("first call of a new minute refused")
	}
	if n := used(t, s, "server:a", "minute", next.Start); n != 1 {
		t.Errorf("new window used = %d, want 1", n)
	}
	if n := used(t, s, "server:a", "minute", start); n != 0 {
		t.Errorf("the old window still reads %d, want 0", n)
	}
	// A replica whose clock lags a little counts into the newer window
	// rather than resetting it.
	if full := spend(t, s, minute); full != -1 {
		t.Fatalf("lagging replica's call refused")
	}
	if n := used(t, s, "server:a", "minute", next.Start); n != 2 {
		t.Errorf("after a lagging replica's call used = %d, want 2", n)
	}
	if full, err := s.SpendQuota(context.Background(), nil); err != nil || full != -1 {
		t.Errorf("no charges: %d, %v", full, err)
	}
}

// Racing callers (goroutines here; replicas share the same database) never
// get more calls through than the budget.
func testQuotaConcurrent(t *testing.T, s store.Store) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	charges := []store.QuotaCharge{
		{Scope: "account:c", Window: "day", Start: start, Limit: 40},
		{Scope: "server:c", Window: "minute", Start: start, Limit: 1000},
	}
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 10; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				full, err := s.SpendQuota(context.Background(), charges)
				if err != nil {
					t.Error(err)
					return
				}
				if full == -1 {
					ok.Add(1)
				} else {
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 40 || refused.Load() != 20 {
		t.Errorf("%d calls through and %d refused, want 40 and 20", ok.Load(), refused.Load())
	}
	if n := used(t, s, "server:c", "minute", start); n != 40 {
		t.Errorf("server counter = %d, want 40", n)
	}
}

func testAccountBudget(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "budgeted")
	if b, err := s.AccountBudget(ctx, a.ID); err != nil || !b.IsZero() {
		t.Fatalf("new account's budget = %+v, %v; want none", b, err)
	}
	if err := s.SetAccountBudget(ctx, a.ID, store.Budget{PerMinute: 5, PerDay: 900}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAccountBudget(ctx, a.ID, store.Budget{PerMinute: 6, PerDay: 1000}); err != nil {
		t.Fatal(err)
	}
	if b, err := s.AccountBudget(ctx, a.ID); err != nil || b != (store.Budget{PerMinute: 6, PerDay: 1000}) {
		t.Fatalf("budget = %+v, %v; want the last one set", b, err)
	}
	if err := s.SetAccountBudget(ctx, a.ID, store.Budget{}); err != nil {
		t.Fatal(err)
	}
	if b, err := s.AccountBudget(ctx, a.ID); err != nil || !b.IsZero() {
		t.Fatalf("cleared budget = %+v, %v", b, err)
	}
}
