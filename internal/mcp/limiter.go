package mcp

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/patchbay-dev/patchbay/internal/clientip"
)

// LimiterConfig tunes the per-source failure limiter in front of token
// resolution. Zero values take the defaults.
//
// The limiter's state lives in this process's memory: with several
// replicas behind a load balancer, each replica counts on its own, so a
// source gets up to (replicas × Refuse) failures before every replica
// refuses it. Tokens carry 256 random bits, so the limiter is not what
// makes guessing hopeless; it keeps a guesser from costing database work
// and flooding the audit trail.
type LimiterConfig struct {
	// Free is how many recent failures a source may have before its
	// requests are slowed down (default 10).
	Free int
	// Refuse is how many recent failures make the endpoint answer the
	// source 429 without looking at its token (default 30).
	Refuse int
	// Forgive is how long it takes for one failure to be forgotten
	// (default 2 s): a source that stops failing is back to normal after
	// Refuse × Forgive at most.
	Forgive time.Duration
	// Step is the delay added per failure beyond Free, up to MaxDelay
	// (defaults 100 ms and 2 s).
	Step, MaxDelay time.Duration
	// TrustForwardedFor takes the source address from the last entry of
	// X-Forwarded-For (the one the proxy in front appended). Only turn it
	// on behind a proxy you run: otherwise a caller picks its own address.
	TrustForwardedFor bool
	// Disabled turns the limiter off.
	Disabled bool
	// Sleep waits before answering a slowed source (default: a timer that
	// ends early with ctx); tests replace it to see the delays.
	Sleep func(ctx context.Context, d time.Duration)
	// Now is the limiter's clock (default time.Now).
	Now func() time.Time
	// Shared, if set, is the limiter to use (its own config applies): one
	// limiter for the MCP endpoint and internal/oauth's token look-ups.
	Shared *FailureLimiter
}

// maxSources bounds the limiter's memory; beyond it the sources with the
// fewest failures are forgotten first (by a sweep of expired ones, then a
// reset when a flood of distinct sources still fills the table).
const maxSources = 100_000

// failureLimiter counts failed token and API-token checks per source
// address, leaking one failure per Forgive.
//
// It also bounds the look-ups in flight per source (Free at a time): a
// request past that waits for one to finish, so a burst of parallel
// guesses is decided with the failures of the earlier ones counted — most
// of it refused without a look-up — while a burst of valid requests only
// waits the few milliseconds a look-up takes. A source's count never grows
// far past Refuse this way, so valid URLs behind the same address work
// again soon after a burst ends.
type failureLimiter struct {
	cfg     LimiterConfig
	mu      sync.Mutex
	sources map[string]*leak
}

type leak struct {
	level float64   // failures not yet forgiven
	at    time.Time // when level was last brought up to date
	// pending are the start times of admitted look-ups not yet finished
	// (by succeed or fail); one a caller never finishes expires after
	// lookupExpiry.
	pending []time.Time
	wake    chan struct{} // closed (and replaced) when a look-up finishes
}

// lookupExpiry is how long an admitted look-up may stay unfinished before
// it no longer holds its place (a path that answered 503 and never said).
const lookupExpiry = 10 * time.Second

func newFailureLimiter(cfg LimiterConfig) *failureLimiter {
	if cfg.Shared != nil {
		return cfg.Shared
	}
	if cfg.Free <= 0 {
		cfg.Free = 10
	}
	if cfg.Refuse <= cfg.Free {
		cfg.Refuse = max(30, cfg.Free+1)
	}
	if cfg.Forgive <= 0 {
		cfg.Forgive = 2 * time.Second
	}
	if cfg.Step <= 0 {
		cfg.Step = 100 * time.Millisecond
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 2 * time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &failureLimiter{cfg: cfg, sources: map[string]*leak{}}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// source is the address the limiter counts a request under.
func (l *failureLimiter) source(r *http.Request) string {
	return clientip.Of(r, l.cfg.TrustForwardedFor)
}

// current brings a source's level up to date and drops its expired
// look-ups; l.mu must be held.
func (l *failureLimiter) current(src string, now time.Time) float64 {
	e, ok := l.sources[src]
	if !ok {
		return 0
	}
	e.level = max(e.level-float64(now.Sub(e.at))/float64(l.cfg.Forgive), 0)
	e.at = now
	for len(e.pending) > 0 && now.Sub(e.pending[0]) > lookupExpiry {
		e.pending = e.pending[1:]
	}
	if e.level == 0 && len(e.pending) == 0 {
		delete(l.sources, src)
	}
	return e.level
}

// entry is src's record, made if missing; l.mu must be held.
func (l *failureLimiter) entry(src string, now time.Time) *leak {
	if e, ok := l.sources[src]; ok {
		return e
	}
	if len(l.sources) >= maxSources {
		l.sweep(now)
		if len(l.sources) >= maxSources {
			l.sources = map[string]*leak{}
		}
	}
	e := &leak{at: now}
	l.sources[src] = e
	return e
}

// admit decides what to do with a request from src before its token is
// looked at: refuse it (retryAfter > 0) or let it through after delay.
// A request let through holds one of the source's Free look-up places
// until succeed or fail; past them it waits for one.
func (l *failureLimiter) admit(src string) (delay, retryAfter time.Duration) {
	if l.cfg.Disabled {
		return 0, 0
	}
	for {
		now := l.cfg.Now()
		l.mu.Lock()
		level := l.current(src, now)
		var inFlight int
		if e, ok := l.sources[src]; ok {
			inFlight = len(e.pending)
		}
		// The latest failure counts whole until it is forgiven: Refuse
		// failures in quick succession (level just under Refuse) refuse
		// the next request. Look-ups in flight count as failures to come.
		if over := level + float64(inFlight) - float64(l.cfg.Refuse-1); over > 0 && level > 0 {
			l.mu.Unlock()
			return 0, max(time.Duration(over*float64(l.cfg.Forgive)), time.Second)
		}
		e := l.entry(src, now)
		if len(e.pending) < l.cfg.Free {
			e.pending = append(e.pending, now)
			l.mu.Unlock()
			if over := level - float64(l.cfg.Free); over > 0 {
				return min(time.Duration(over*float64(l.cfg.Step)), l.cfg.MaxDelay), 0
			}
			return 0, 0
		}
		if e.wake == nil {
			e.wake = make(chan struct{})
		}
		wake := e.wake
		l.mu.Unlock()
		t := time.NewTimer(100 * time.Millisecond) // also lets expired look-ups go
		select {
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// finish ends one of src's look-ups in flight, adding a failure if it
// failed.
func (l *failureLimiter) finish(src string, failed bool) {
	if l.cfg.Disabled {
		return
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	level := l.current(src, now)
	e := l.entry(src, now)
	if len(e.pending) > 0 {
		e.pending = e.pending[1:]
	}
	if failed {
		e.level = level + 1
	}
	if e.wake != nil {
		close(e.wake)
		e.wake = nil
	}
	if e.level == 0 && len(e.pending) == 0 {
		delete(l.sources, src)
	}
}

// fail records a failed check from src (a request admit let through).
func (l *failureLimiter) fail(src string) { l.finish(src, true) }

// succeed records that a request admit let through named a server (or
// brought no token to check): it costs nothing.
func (l *failureLimiter) succeed(src string) { l.finish(src, false) }

// AdmitLookup lets internal/oauth put its token look-ups (discovery paths,
// the authorize resource) behind this limiter: refused (retryAfter > 0)
// means answer 429 without a look-up; otherwise LookupDone must follow.
func (l *failureLimiter) AdmitLookup(src string) (retryAfter time.Duration) {
	_, retryAfter = l.admit(src)
	return retryAfter
}

// LookupDone ends an admitted look-up; found: the token named a server.
func (l *failureLimiter) LookupDone(src string, found bool) { l.finish(src, !found) }

// FailureLimiter is the failed-token limiter, to share with internal/oauth
// (LimiterConfig.Shared).
type FailureLimiter = failureLimiter

// NewFailureLimiter makes a limiter to share between the MCP endpoint and
// internal/oauth.
func NewFailureLimiter(cfg LimiterConfig) *FailureLimiter { return newFailureLimiter(cfg) }

// sweep forgets sources whose failures have all been forgiven.
func (l *failureLimiter) sweep(now time.Time) {
	for src := range l.sources {
		l.current(src, now)
	}
}
