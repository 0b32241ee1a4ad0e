package executor

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// Pacing keeps an account's upstream requests under the integration's
// documented rate, across all of the account's MCP servers and every
// replica: each paced request reserves its send time in the database (one
// atomic upsert of the account's schedule, see store.ReservePace) and
// waits for it. The schedule allows a burst as large as the documented
// rate per second, then spaces requests a little wider than the rate, so
// it stays inside a vendor's token bucket of that size. A plain tool call is
// paced when its account has pace on, and waits at most the account's
// pace_max_wait_seconds; a longer wait is refused at once with Patchbay's
// own 429 result, reserving nothing. A call of several requests (a
// composite, search/fetch, or the second request of any call) is always
// paced, and waits up to multiMaxWait.

// multiMaxWait bounds the wait of one request inside a call of several.
const multiMaxWait = 60 * time.Second

// paceMargin keeps paced requests a little under the vendor's limit, so
// that timing jitter between replicas never provokes a 429.
const paceMargin = 1.1

// Rate is the integration's documented upstream rate in requests per
// second for one account. It is the one place the executor reads it.
func Rate(in *integration.Integration) float64 { return float64(in.RateLimit.PerSecond) }

// Interval is the spacing of paced requests: the documented rate with a
// margin.
func Interval(in *integration.Integration) time.Duration {
	return time.Duration(float64(time.Second) / Rate(in) * paceMargin)
}

// Tolerance is how far ahead of the schedule a burst may run: a burst of
// Rate requests (at least one) goes at once.
func Tolerance(in *integration.Integration) time.Duration {
	return time.Duration(max(0, math.Floor(Rate(in))-1)) * Interval(in)
}

// pace waits for the call's next upstream slot, or returns the 429 result
// that refuses it. A request that need not be paced returns at once.
func (e *Executor) pace(ctx context.Context, c *Call) *upstream.Result {
	if e.opts.Pacer == nil || Rate(c.Set.Integration) <= 0 {
		return nil // nothing to pace to: the integration documents no rate
	}
	c.mu.Lock()
	several := c.Multi || c.requests > 0
	c.mu.Unlock()
	var maxWait time.Duration
	switch {
	case several:
		maxWait = multiMaxWait
	case c.Account.Pace && c.Server != nil: // a credential probe is not paced
		maxWait = c.Account.PaceMaxWait()
	default:
		return nil
	}
	now := e.opts.Now()
	in := c.Set.Integration
	slot, ok, err := e.opts.Pacer.ReservePace(ctx, c.Account.ID, now, Interval(in), Tolerance(in), maxWait)
	if err != nil {
		return upstream.Fail("pacing: could not reserve an upstream request slot; try again shortly", nil)
	}
	if !ok {
		return paceRefusal(c, Rate(in), slot.Sub(now), maxWait)
	}
	wait := slot.Sub(now)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return upstream.Fail("the request was cancelled while waiting for the account's rate", nil)
	case <-t.C:
		return nil
	}
}

// paceRefusal is Patchbay's own 429: the account's rate is taken for
// longer than the call may wait. It carries the same figures as a vendor
// 429, so a client backs off alike.
func paceRefusal(c *Call, rate float64, wait, maxWait time.Duration) *upstream.Result {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	rl := &upstream.RateLimit{Limit: int(math.Round(rate)), Remaining: 0, Reset: secs, RetryAfter: secs}
	msg := fmt.Sprintf("Patchbay paces the %s account %q to %g requests a second across all its MCP servers; the next free slot is %s away, longer than this call may wait (%s). No request was sent upstream: retry after %d seconds.",
		c.Account.Integration, c.Account.Name, rate, wait.Round(100*time.Millisecond), maxWait, secs)
	return &upstream.Result{
		Body:      map[string]any{"error": upstream.ErrorBody{Status: http.StatusTooManyRequests, Message: msg, RateLimit: rl}},
		IsError:   true,
		RateLimit: rl,
		Err:       msg,
	}
}
