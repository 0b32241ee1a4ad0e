//go:build postgres

package replica_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
)

// countingSandbox is the Gong sandbox (which enforces Gong's 3 requests a
// second per company) behind a counter of the API requests it received and
// of the 429s it answered. Each scenario swaps in a fresh sandbox, so one
// scenario's burst never drains the next one's rate.
type countingSandbox struct {
	*httptest.Server
	current  atomic.Pointer[gongsandbox.Sandbox]
	requests atomic.Int64
	limited  atomic.Int64
}

func newCountingSandbox(t *testing.T) *countingSandbox {
	c := &countingSandbox{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		c.current.Load().ServeHTTP(sw, r)
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			c.requests.Add(1)
			if sw.status == http.StatusTooManyRequests {
				c.limited.Add(1)
			}
		}
	}))
	t.Cleanup(c.Close)
	return c
}

// fresh installs a new sandbox (a full rate bucket) and zeroes the counts.
func (c *countingSandbox) fresh() *gongsandbox.Sandbox {
	sb := gongsandbox.New(gongsandbox.Options{Seed: 1})
	sb.SetBaseURL(c.URL)
	c.current.Store(sb)
	c.requests.Store(0)
	c.limited.Store(0)
	return sb
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// outcome sorts the answers of one scenario.
type outcome struct {
	served, vendor429, patchbay429, other int
	examples                              []string
}

// Pacing (issue 17, item 2): 30 concurrent calls over two servers of one
// account, half through each of two replicas on one PostgreSQL database.
func TestPostgresPacingAcrossReplicas(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	sandbox := newCountingSandbox(t)
	admin := apiToken(t, dbURL)
	a := startReplica(t, "A", dbURL, sandbox.URL, time.Hour)
	b := startReplica(t, "B", dbURL, sandbox.URL, time.Hour)

	// run sets up a fresh sandbox and a fresh account (its own pace
	// schedule) with the given pace settings, then sends the 30 calls.
	run := func(t *testing.T, pace map[string]any) outcome {
		sb := sandbox.fresh()
		var acct created
		a.api(t, admin, "POST", "/integrated-account", map[string]any{
			"integration": "gong", "name": "Paced " + t.Name(), "base_url": sandbox.URL,
			"credentials": map[string]any{"type": "access_key", "access_key": sb.AccessKey(), "access_key_secret": sb.AccessKeySecret()},
		}, http.StatusCreated, &acct)
		if pace != nil {
			a.api(t, admin, "PATCH", "/integrated-account/"+acct.ID, pace, http.StatusOK, nil)
		}
		var one, two created
		a.api(t, admin, "POST", "/integrated-account/"+acct.ID+"/mcp", map[string]any{"name": "one"}, http.StatusCreated, &one)
		b.api(t, admin, "POST", "/integrated-account/"+acct.ID+"/mcp", map[string]any{"name": "two"}, http.StatusCreated, &two)
		// Let the account's probe request's token come back, then count
		// from zero.
		time.Sleep(1500 * time.Millisecond)
		sandbox.requests.Store(0)
		sandbox.limited.Store(0)

		var mu sync.Mutex
		var out outcome
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 30 {
			rep, token := a, one.Token
			if i%2 == 1 {
				rep, token = b, two.Token
			}
			wg.Go(func() {
				<-start
				status, ans := rep.rpc(t, token, "tools/call", map[string]any{"name": "list_all_gong_users", "arguments": map[string]any{}})
				res := jsonOf(ans["result"])
				mu.Lock()
				defer mu.Unlock()
				switch {
				case status != http.StatusOK:
					out.other++
					out.examples = append(out.examples, jsonOf(ans))
				case !strings.Contains(res, `"isError":true`) && strings.Contains(res, "emailAddress"):
					out.served++
				case strings.Contains(res, "Patchbay paces") && strings.Contains(res, `\"retry_after_seconds\":`):
					out.patchbay429++
				case strings.Contains(res, "answered 429") && strings.Contains(res, `\"retry_after_seconds\":`):
					out.vendor429++
				default:
					out.other++
					out.examples = append(out.examples, res)
				}
			})
		}
		close(start)
		wg.Wait()
		t.Logf("served %d, Gong's 429 %d, Patchbay's 429 %d, other %d; the sandbox received %d requests and answered %d with 429",
			out.served, out.vendor429, out.patchbay429, out.other, sandbox.requests.Load(), sandbox.limited.Load())
		if out.other > 0 {
			t.Errorf("%d unexpected answers, e.g. %.400s", out.other, out.examples[0])
		}
		return out
	}

	t.Run("pace off: the sandbox's 429s pass straight back", func(t *testing.T) {
		out := run(t, nil)
		if n := sandbox.limited.Load(); n == 0 || int64(out.vendor429) != n || out.patchbay429 != 0 {
			t.Errorf("the sandbox answered %d with 429; clients got %d of them and %d of Patchbay's", n, out.vendor429, out.patchbay429)
		}
		if out.served+out.vendor429 != 30 {
			t.Errorf("%d served + %d 429s, want 30", out.served, out.vendor429)
		}
	})
	t.Run("pace on, 15 s wait: every call served, no 429", func(t *testing.T) {
		out := run(t, map[string]any{"pace": true, "pace_max_wait_seconds": 15})
		if out.served != 30 || sandbox.limited.Load() != 0 || sandbox.requests.Load() != 30 {
			t.Errorf("served %d; the sandbox received %d and answered %d with 429", out.served, sandbox.requests.Load(), sandbox.limited.Load())
		}
	})
	t.Run("pace on, default 5 s wait: no 429 from the sandbox, Patchbay's own for the rest", func(t *testing.T) {
		out := run(t, map[string]any{"pace": true})
		if sandbox.limited.Load() != 0 || out.vendor429 != 0 {
			t.Errorf("the sandbox answered %d with 429", sandbox.limited.Load())
		}
		// 30 requests at under 3 a second take about 10 s: some cannot be
		// served within 5 s, and those were never sent.
		if out.patchbay429 == 0 || out.served+out.patchbay429 != 30 || int64(out.served) != sandbox.requests.Load() {
			t.Errorf("served %d, Patchbay's 429 %d; the sandbox received %d", out.served, out.patchbay429, sandbox.requests.Load())
		}
	})
}
