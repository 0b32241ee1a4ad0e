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
type failureLimiter struct {
	cfg     LimiterConfig
	mu      sync.Mutex
	sources map[string]*leak
}

type leak struct {
	level float64   // failures not yet forgiven
	at    time.Time // when level was last brought up to date
}

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

// current brings a source's level up to date; l.mu must be held.
func (l *failureLimiter) current(src string, now time.Time) float64 {
	e, ok := l.sources[src]
	if !ok {
		return 0
	}
	e.level -= float64(now.Sub(e.at)) / float64(l.cfg.Forgive)
	e.at = now
	if e.level <= 0 {
		delete(l.sources, src)
		return 0
	}
	return e.level
}

// admit decides what to do with a request from src before its token is
// looked at: refuse it (retryAfter > 0) or let it through after delay.
// A request let through is counted as a failure at once, before its
// look-up, and refunded by succeed: parallel guesses are counted as they
// arrive, so a burst is mostly refused without a look-up and cannot push
// the source's count far beyond Refuse (which would lock out valid URLs
// behind the same address for long).
func (l *failureLimiter) admit(src string) (delay, retryAfter time.Duration) {
	if l.cfg.Disabled {
		return 0, 0
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	level := l.current(src, now)
	// The latest failure counts whole until it is forgiven: Refuse failures
	// in quick succession (level just under Refuse) refuse the next request.
	if over := level - float64(l.cfg.Refuse-1); over > 0 {
		return 0, max(time.Duration(over*float64(l.cfg.Forgive)), time.Second)
	}
	l.charge(src, level, now)
	if over := level - float64(l.cfg.Free); over > 0 {
		return min(time.Duration(over*float64(l.cfg.Step)), l.cfg.MaxDelay), 0
	}
	return 0, 0
}

// charge adds one failure to src, whose current level is level; l.mu must
// be held.
func (l *failureLimiter) charge(src string, level float64, now time.Time) {
	if level == 0 && len(l.sources) >= maxSources {
		l.sweep(now)
		if len(l.sources) >= maxSources {
			l.sources = map[string]*leak{}
		}
	}
	l.sources[src] = &leak{level: level + 1, at: now}
}

// fail records that a request admit let through failed its check: the
// failure admit counted stands. (Kept so that each failing path says so.)
func (l *failureLimiter) fail(string) {}

// succeed refunds the failure admit counted for a request whose token
// named a server (or that brought no token to check).
func (l *failureLimiter) succeed(src string) {
	if l.cfg.Disabled {
		return
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if level := l.current(src, now); level > 0 {
		l.sources[src].level = max(level-1, 0)
	}
}

// AdmitLookup lets internal/oauth put its token look-ups (discovery paths,
// the authorize resource) behind this limiter: refused (retryAfter > 0)
// means answer 429 without a look-up; otherwise one failure is counted,
// refunded by LookupFound.
func (l *failureLimiter) AdmitLookup(src string) (retryAfter time.Duration) {
	_, retryAfter = l.admit(src)
	return retryAfter
}

// LookupFound refunds AdmitLookup's failure: the token named a server.
func (l *failureLimiter) LookupFound(src string) { l.succeed(src) }

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
