package mcp

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Finding 10: parallel guesses were all admitted before any was counted,
// then the address (valid URLs behind the same NAT included) was locked
// out for about ten minutes. Requests in flight now count: of 100
// arriving before any answer, only the first Refuse-1 or so are looked
// up, and the address works again within a minute.
func TestLimiterCountsRequestsInFlight(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	l := newFailureLimiter(LimiterConfig{Now: clk.Now}) // defaults: refuse from 30, forgive one per 2 s
	admitted := 0
	for range 100 { // all in flight: none has failed or succeeded yet
		if _, retry := l.admit("203.0.113.1"); retry == 0 {
			admitted++
		}
	}
	if admitted > 30 {
		t.Errorf("%d of 100 parallel unknown tokens were looked up, want at most 30", admitted)
	}
	for range admitted {
		l.fail("203.0.113.1")
	}
	if _, retry := l.admit("203.0.113.1"); retry == 0 {
		t.Fatal("the address was not refused after the burst")
	}
	clk.Add(60 * time.Second)
	_, retry := l.admit("203.0.113.1")
	if retry != 0 {
		t.Fatalf("a minute after the burst the address is still refused for %v", retry)
	}
	l.succeed("203.0.113.1")
	if _, retry := l.admit("198.51.100.1"); retry != 0 {
		t.Error("another address was refused")
	}
}

// A request whose token names a server costs nothing: many valid
// requests in a row are never slowed or refused.
func TestLimiterSuccessesAreFree(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	l := newFailureLimiter(LimiterConfig{Now: clk.Now})
	for i := range 200 {
		delay, retry := l.admit("203.0.113.1")
		if delay != 0 || retry != 0 {
			t.Fatalf("valid request %d: delay %v, refused for %v", i, delay, retry)
		}
		l.succeed("203.0.113.1")
	}
}
