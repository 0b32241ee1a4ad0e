package mcp

import (
	"runtime"
	"sync"
	"sync/atomic"
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
// out for about ten minutes. Look-ups in flight are now bounded and
// counted: of 100 parallel unknown tokens most are refused without a
// look-up, and the address works again within a minute.
func TestLimiterCountsRequestsInFlight(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	l := newFailureLimiter(LimiterConfig{Now: clk.Now}) // defaults: refuse from 30, forgive one per 2 s
	var looked, refused atomic.Int32
	release := make(chan struct{}) // the look-ups take until released
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, retry := l.admit("203.0.113.1"); retry > 0 {
				refused.Add(1)
				return
			}
			looked.Add(1)
			<-release // the look-up finds nothing
			l.fail("203.0.113.1")
		}()
	}
	// All 100 arrive while the first look-ups are still running.
	for looked.Load() < 10 {
		runtime.Gosched()
	}
	time.Sleep(50 * time.Millisecond) // let the rest arrive
	close(release)
	wg.Wait()
	if looked.Load() > 40 || refused.Load() < 60 {
		t.Errorf("%d of 100 parallel unknown tokens looked up, %d refused; want most refused without a look-up", looked.Load(), refused.Load())
	}
	if _, retry := l.admit("203.0.113.1"); retry == 0 {
		t.Fatal("the address was not refused after the burst")
	}
	clk.Add(60 * time.Second)
	if _, retry := l.admit("203.0.113.1"); retry != 0 {
		t.Fatalf("a minute after the burst the address is still refused for %v", retry)
	}
	l.succeed("203.0.113.1")
}

// A burst of valid requests from one address (clients behind one NAT) is
// never refused: each only waits for a look-up place.
func TestLimiterParallelValidRequestsPass(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	l := newFailureLimiter(LimiterConfig{Now: clk.Now})
	var refused atomic.Int32
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if delay, retry := l.admit("203.0.113.1"); delay != 0 || retry != 0 {
				refused.Add(1)
				return
			}
			l.succeed("203.0.113.1")
		}()
	}
	wg.Wait()
	if refused.Load() != 0 {
		t.Errorf("%d of 200 parallel valid requests slowed or refused", refused.Load())
	}
	if _, retry := l.admit("198.51.100.1"); retry != 0 {
		t.Error("another address was refused")
	}
}
