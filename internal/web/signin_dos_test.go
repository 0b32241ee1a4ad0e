package web

import (
	"context"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// heapBytes is the memory of live and not yet swept heap objects: what
// Argon2id's 19 MiB blocks take, read without stopping the world (the race
// detector's shadow memory would swamp VmRSS).
func heapBytes() int64 {
	m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(m)
	return int64(m[0].Value.Uint64())
}

// Finding 3: 60 parallel wrong passwords were all hashed at full Argon2id
// cost and the process grew by 576 MB. Now the backoff counts each attempt
// before hashing and at most two hashes run at a time.
func TestParallelWrongPasswordsBounded(t *testing.T) {
	old := passwordParams
	passwordParams = argon2Params{memory: 19 * 1024, time: 2, threads: 1} // production cost
	defer func() { passwordParams = old }()
	var running, peak, hashes atomic.Int64
	// Watch concurrency inside the slot-guarded function.
	argonIDKey = func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		hashes.Add(1)
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		defer running.Add(-1)
		return argon2.IDKey(pw, salt, time, memory, threads, keyLen)
	}
	defer func() { argonIDKey = argon2.IDKey }()

	e := newEnv(t, "")
	if err := e.store.CreateSetting(context.Background(), passwordKey, hashPassword("correct horse battery")); err != nil {
		t.Fatal(err)
	}
	hashes.Store(0)
	b := e.browser()
	csrf := b.csrf("/ui/sign-in")
	// Garbage is collected promptly so that the peak shows what is live,
	// not five finished hashes waiting for a collection.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	idle := heapBytes()
	var maxHeap atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if r := heapBytes(); r > maxHeap.Load() {
				maxHeap.Store(r)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	const n = 60
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"csrf_token": {csrf}, "secret": {"wrong password " + strconv.Itoa(i)}}
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/ui/sign-in", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := b.c.Do(req)
			if err != nil {
				statuses[i] = -1
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	for i, st := range statuses {
		if st != http.StatusUnauthorized && st != http.StatusTooManyRequests {
			t.Errorf("attempt %d: status %d, want 401 or 429", i, st)
		}
	}
	if got := hashes.Load(); got > 5 {
		t.Errorf("%d passwords hashed, want at most the 5 the backoff lets through", got)
	}
	if got := peak.Load(); got > 2 {
		t.Errorf("%d hashes ran at once, want at most 2", got)
	}
	if grew := (maxHeap.Load() - idle) >> 20; grew > 100 {
		t.Errorf("the heap grew by %d MB, want at most 100", grew)
	}
	t.Logf("idle heap %d MB, peak %d MB, %d hashes, at most %d at once", idle>>20, maxHeap.Load()>>20, hashes.Load(), peak.Load())
}

// Finding 4: behind a trusted proxy, the backoff keyed on the proxy's
// address, so five bad tries by anyone locked everyone out.
func TestSignInBackoffUsesForwardedFor(t *testing.T) {
	e := newEnv(t, "", func(o *Options) { o.TrustForwardedFor = true })
	b := e.browser()
	signIn := func(secret, from string) answer {
		return b.do(http.MethodPost, "/ui/sign-in", url.Values{"csrf_token": {b.csrf("/ui/sign-in")}, "secret": {secret}}, "X-Forwarded-For", from)
	}
	for range 6 {
		signIn("pba_wrong", "203.0.113.7")
	}
	wantStatus(t, "the attacker is backed off", signIn(e.apiToken, "203.0.113.7"), http.StatusTooManyRequests)
	wantStatus(t, "the admin at another address signs in", signIn(e.apiToken, "198.51.100.9"), http.StatusSeeOther)
}
