package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// caller makes one request of operation op and reports whether it
// succeeded; one caller serves one client (worker) and is not shared.
type caller func(ctx context.Context, op int) error

// target is something the load is sent to.
type target struct {
	name string
	// client sets up one worker's state (outside the timing) and returns
	// its caller and a function that releases the state.
	client func(ctx context.Context, worker int) (caller, func(), error)
}

// result is one measurement.
type result struct {
	n, errs  int
	firstErr error
	window   time.Duration
	lat      []time.Duration // sorted
}

func (r result) rps() float64 {
	if r.window <= 0 {
		return 0
	}
	return float64(r.n) / r.window.Seconds()
}

// pct is the p-th percentile (0..100) of sorted latencies (nearest rank).
func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*p/100+0.5) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

// newTransport is the load generator's HTTP transport: keep-alive
// connections, enough of them for every client.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// runLoad runs clients closed-loop workers against t for warm+dur. Worker w
// sends ops[(w+i) % len(ops)] as its i-th request, so a mix is spread
// evenly. Requests that complete inside the measured window (after the
// warm-up) are counted.
func runLoad(ctx context.Context, t *target, clients int, ops []int, warm, dur time.Duration) (result, error) {
	callers := make([]caller, clients)
	var releases []func()
	defer func() {
		for _, r := range releases {
			r()
		}
	}()
	for w := range clients {
		c, rel, err := t.client(ctx, w)
		if err != nil {
			return result{}, fmt.Errorf("%s: client %d: %w", t.name, w, err)
		}
		callers[w] = c
		if rel != nil {
			releases = append(releases, rel)
		}
	}
	start := time.Now()
	from, until := start.Add(warm), start.Add(warm+dur)
	lats := make([][]time.Duration, clients)
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			local := make([]time.Duration, 0, 4096)
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(until) || ctx.Err() != nil {
					break
				}
				err := callers[w](ctx, ops[(w+i)%len(ops)])
				t1 := time.Now()
				if t1.Before(from) || t1.After(until) {
					continue
				}
				if err != nil {
					if errs.Add(1) == 1 {
						firstErr.Store(err)
					}
					continue
				}
				local = append(local, t1.Sub(t0))
			}
			lats[w] = local
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return result{}, ctx.Err()
	}
	r := result{window: dur, errs: int(errs.Load())}
	if e, ok := firstErr.Load().(error); ok {
		r.firstErr = e
	}
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	slices.Sort(r.lat)
	r.n = len(r.lat)
	return r, nil
}

// median of a list of figures.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// series collects one figure across rounds.
type series struct {
	rps, p50, p99 []float64 // p50/p99 in milliseconds
	n, errs       int
	firstErr      error
}

func (s *series) add(r result) {
	s.rps = append(s.rps, r.rps())
	s.p50 = append(s.p50, ms(r.pct(50)))
	s.p99 = append(s.p99, ms(r.pct(99)))
	s.n += r.n
	s.errs += r.errs
	if s.firstErr == nil {
		s.firstErr = r.firstErr
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
