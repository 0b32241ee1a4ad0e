package web

import (
	"sync"
	"time"
)

// backoff slows down password and token guessing per client address: a
// few free failures, then each further failure doubles the wait before the
// next attempt is even looked at. A success clears the record. The state
// is per process; with several replicas a guesser gets a few more tries,
// never unbounded ones.
type backoff struct {
	mu   sync.Mutex
	now  func() time.Time
	free int           // from this many failures on, each one makes the next attempt wait
	base time.Duration // the first wait
	max  time.Duration // the longest wait
	m    map[string]*attempts
}

type attempts struct {
	failures int
	until    time.Time // no attempt is checked before this
	last     time.Time
}

// maxTracked bounds memory; stale records are dropped first.
const maxTracked = 10_000

func newBackoff(now func() time.Time) *backoff {
	return &backoff{now: now, free: 5, base: time.Second, max: 5 * time.Minute, m: map[string]*attempts{}}
}

// wait is how long key must wait before its next attempt; 0 = go ahead.
func (b *backoff) wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.m[key]
	if a == nil {
		return 0
	}
	if d := a.until.Sub(b.now()); d > 0 {
		return d
	}
	return 0
}

// attempt is wait, and when that is 0 also counts this attempt as a
// failure at once, before any password is hashed: parallel guesses are
// counted as they arrive, not after their hashes finish. A success resets
// the count.
func (b *backoff) attempt(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if a := b.m[key]; a != nil {
		if d := a.until.Sub(b.now()); d > 0 {
			return d
		}
	}
	b.failLocked(key)
	return 0
}

func (b *backoff) fail(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failLocked(key)
}

func (b *backoff) failLocked(key string) {
	now := b.now()
	a := b.m[key]
	if a == nil {
		if len(b.m) >= maxTracked {
			b.prune(now)
		}
		a = &attempts{}
		b.m[key] = a
	}
	a.failures++
	a.last = now
	if n := a.failures - b.free; n >= 0 {
		d := b.max
		if n <= 20 {
			d = min(b.base<<n, b.max)
		}
		a.until = now.Add(d)
	}
}

func (b *backoff) reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
}

// prune drops records idle for an hour, or all of them if that is not
// enough (the map must stay bounded whatever a flood of addresses does).
func (b *backoff) prune(now time.Time) {
	for k, a := range b.m {
		if now.Sub(a.last) > time.Hour && !a.until.After(now) {
			delete(b.m, k)
		}
	}
	if len(b.m) >= maxTracked {
		clear(b.m)
	}
}
