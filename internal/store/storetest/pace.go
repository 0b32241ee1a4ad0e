package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// testPaceSchedule: requests interval apart after a burst, refused without
// reserving when the wait would pass maxWait, per account.
func testPaceSchedule(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 10, 7, 12, 0, 0, 0, time.UTC)
	const step, tol, wait = 100 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond
	reserve := func(acct string, at time.Time) (time.Duration, bool) {
		t.Helper()
		slot, ok, err := s.ReservePace(ctx, acct, at, step, tol, wait)
		if err != nil {
			t.Fatalf("ReservePace: %v", err)
		}
		return slot.Sub(t0), ok
	}
	// A burst of two (tolerance one step) goes at once; then 100 ms apart.
	for i, want := range []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond} {
		if got, ok := reserve("a", t0); !ok || got != want {
			t.Fatalf("request %d: slot +%s ok=%v, want +%s", i+1, got, ok, want)
		}
	}
	// The next would wait 300 ms: refused, naming when it could go.
	if got, ok := reserve("a", t0); ok || got != 300*time.Millisecond {
		t.Fatalf("request 5: slot +%s ok=%v, want refused at +300ms", got, ok)
	}
	// The refusal reserved nothing: at +300 ms the next goes at once.
	if got, ok := reserve("a", t0.Add(300*time.Millisecond)); !ok || got != 300*time.Millisecond {
		t.Fatalf("request at +300ms: slot +%s ok=%v", got, ok)
	}
	// Another account has a schedule of its own.
	if got, ok := reserve("b", t0); !ok || got != 0 {
		t.Fatalf("another account: slot +%s ok=%v", got, ok)
	}
}

// testPaceConcurrent: concurrent reservations never share a slot.
func testPaceConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 10, 7, 12, 0, 0, 0, time.UTC)
	const n, step = 20, 10 * time.Millisecond
	var mu sync.Mutex
	seen := map[time.Time]bool{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			slot, ok, err := s.ReservePace(ctx, "acct", t0, step, 0, time.Hour)
			if err != nil || !ok {
				t.Errorf("ReservePace: %v %v", ok, err)
				return
			}
			mu.Lock()
			seen[slot] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d distinct slots for %d requests", len(seen), n)
	}
	for i := range n {
		if !seen[t0.Add(time.Duration(i)*step)] {
			t.Errorf("slot +%s not taken", time.Duration(i)*step)
		}
	}
}

// testAccountPace: the pace setting round-trips, unset wait included.
func testAccountPace(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "paced")
	got, err := s.GetAccount(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Pace || got.PaceMaxWaitSeconds != nil || got.PaceMaxWait() != store.DefaultPaceMaxWait {
		t.Fatalf("a new account: pace %v, wait %v", got.Pace, got.PaceMaxWaitSeconds)
	}
	zero := 0
	got.Pace, got.PaceMaxWaitSeconds = true, &zero
	if err := s.UpdateAccount(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := s.GetAccount(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Pace || again.PaceMaxWaitSeconds == nil || *again.PaceMaxWaitSeconds != 0 || again.PaceMaxWait() != 0 {
		t.Errorf("after update: pace %v, wait %v", again.Pace, again.PaceMaxWaitSeconds)
	}
}

// testLogUpstreamRequests: the count of upstream requests round-trips.
func testLogUpstreamRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.AppendLog(ctx, &store.LogEntry{ServerID: "s", AccountID: "a", RPCMethod: "tools/call", Tool: "search", Status: "ok", HTTPStatus: 200, UpstreamRequests: 5}); err != nil {
		t.Fatal(err)
	}
	logs, err := s.ListLogs(ctx, store.LogFilter{ServerID: "s"})
	if err != nil || len(logs) != 1 || logs[0].UpstreamRequests != 5 {
		t.Fatalf("ListLogs = %v, %v", logs, err)
	}
}
