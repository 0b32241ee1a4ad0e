package gong

import (
	"math"
	"sync"
	"time"
)

// rateLimiter enforces Gong's per-company limits: a token bucket of
// perSecond calls refilled continuously, and a daily quota that resets at
// midnight UTC. Both run on the sandbox clock, so a test can exhaust a
// limit and then Advance past it.
type rateLimiter struct {
	mu        sync.Mutex
	perSecond float64 // <= 0: unlimited
	daily     int     // <= 0: unlimited
	tokens    float64
	last      time.Time
	day       time.Time
	used      int
}

func newRateLimiter(perSecond, daily int) *rateLimiter {
	if perSecond == 0 {
		perSecond = 3
	}
	if daily == 0 {
		daily = 10000
	}
	l := &rateLimiter{perSecond: float64(perSecond), daily: daily}
	l.tokens = l.perSecond
	return l
}

// take spends one call. When a limit is hit it returns limited and the
// whole number of seconds (at least 1) to put in Retry-After.
func (l *rateLimiter) take(now time.Time) (retryAfter int, limited bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.daily > 0 {
		day := now.UTC().Truncate(24 * time.Hour)
		if !day.Equal(l.day) {
			l.day, l.used = day, 0
		}
		if l.used >= l.daily {
			return int(math.Ceil(day.Add(24 * time.Hour).Sub(now).Seconds())), true
		}
	}
	if l.perSecond > 0 {
		if !l.last.IsZero() && now.After(l.last) {
			l.tokens = math.Min(l.perSecond, l.tokens+now.Sub(l.last).Seconds()*l.perSecond)
		}
		if l.last.IsZero() || now.After(l.last) {
			l.last = now
		}
		if l.tokens < 1 {
			wait := (1 - l.tokens) / l.perSecond
			return max(1, int(math.Ceil(wait))), true
		}
		l.tokens--
	}
	if l.daily > 0 {
		l.used++
	}
	return 0, false
}
