package gong

import (
	"sync"
	"time"
)

// Clock is a hand-driven clock for tests and demos. Pass its Now method as
// Options.Now and move time with Advance or Set; the sandbox never sleeps on
// it, so every state machine (call processing, CRM uploads, bulk flow
// assignments, erasures, token expiry, rate-limit windows) moves exactly
// when the test says so:
//
//	clk := gong.NewClock(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
//	sb := gong.New(gong.Options{Now: clk.Now})
//	... POST /v2/calls, PUT media ...
//	clk.Advance(10 * time.Minute) // processing done, the call is visible
//
// Sandbox.Advance does the same without a Clock, whatever Options.Now is.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
