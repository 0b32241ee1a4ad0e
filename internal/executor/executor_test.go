package executor_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

var gongSet = sync.OnceValues(func() (*tools.Set, error) {
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		return nil, err
	}
	return tools.Generate(in)
})

// vendor is a fake upstream that counts requests and answers each with
// the next status of its script (then 200).
type vendor struct {
	requests atomic.Int64
	mu       sync.Mutex
	script   []int
}

func (v *vendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.requests.Add(1)
	v.mu.Lock()
	status := http.StatusOK
	if len(v.script) > 0 {
		status, v.script = v.script[0], v.script[1:]
	}
	v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"requestId":"r","users":[],"records":{}}`))
}

type fixture struct {
	set    *tools.Set
	vendor *vendor
	acct   *store.Account
	spent  atomic.Int64
	budget int64 // requests the quota allows
	reauth atomic.Int64
	pacer  *fakePacer
	exec   *executor.Executor
}

func newFixture(t *testing.T, budget int64) *fixture {
	t.Helper()
	set, err := gongSet()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{set: set, vendor: &vendor{}, budget: budget, pacer: &fakePacer{}}
	ts := httptest.NewServer(f.vendor)
	t.Cleanup(ts.Close)
	f.acct = &store.Account{ID: "a1", Integration: "gong", Name: "Acme", BaseURL: ts.URL, Status: store.StatusActive,
		Credentials: credentials.Upstream{Type: credentials.TypeOAuth2}}
	f.exec = executor.New(executor.Options{
		Upstream: upstream.NewClient(),
		Auth: func(context.Context, *store.Account) (upstream.Auth, error) {
			return upstream.BasicAuth{Key: "k", Secret: "s"}, nil
		},
		Reauth: func(context.Context, *store.Account, upstream.Auth) (upstream.Auth, error) {
			f.reauth.Add(1)
			return upstream.BasicAuth{Key: "k2", Secret: "s2"}, nil
		},
		Quota: func(context.Context, *store.Server, *store.Account) error {
			if f.spent.Add(1) > f.budget {
				f.spent.Add(-1)
				return &fakeExceeded{}
			}
			return nil
		},
		Pacer: f.pacer,
	})
	return f
}

type fakeExceeded struct{}

func (*fakeExceeded) Error() string { return "quota: the test budget is used up" }
func (*fakeExceeded) RateLimit() *upstream.RateLimit {
	return &upstream.RateLimit{Limit: 1, RetryAfter: 60, Reset: 60}
}

// fakePacer grants slots at once unless refuse is set, and counts asks.
type fakePacer struct {
	asks   atomic.Int64
	refuse atomic.Bool
}

func (p *fakePacer) ReservePace(_ context.Context, _ string, now time.Time, _, _, _ time.Duration) (time.Time, bool, error) {
	p.asks.Add(1)
	if p.refuse.Load() {
		return now.Add(7 * time.Second), false, nil
	}
	return now, true, nil
}

func (f *fixture) call(t *testing.T, methods ...string) *executor.Call {
	return &executor.Call{Server: &store.Server{ID: "s1"}, Account: f.acct, Set: f.set, Filter: tools.Filter{Methods: methods}}
}

func (f *fixture) tool(t *testing.T, name string) *tools.Tool {
	t.Helper()
	tl, ok := f.set.Lookup(name)
	if !ok {
		t.Fatalf("no tool %s", name)
	}
	return tl
}

// Every request of a call is charged; the one past the budget is refused
// without reaching upstream, and the call's count says what was sent.
func TestDoChargesEveryRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 2)
	c := f.call(t)
	users := f.tool(t, "list_all_gong_users")
	for i := range 2 {
		if res := f.exec.Do(context.Background(), c, users, map[string]any{}); res.IsError {
			t.Fatalf("request %d: %s", i+1, res.Err)
		}
	}
	res := f.exec.Do(context.Background(), c, users, map[string]any{})
	if !res.IsError || !executor.Refused(res) || !c.Denied() || !strings.Contains(res.Err, "used up") {
		t.Fatalf("3rd request: %+v", res)
	}
	if n := f.vendor.requests.Load(); n != 2 || c.Requests() != 2 || c.LastStatus() != http.StatusOK {
		t.Errorf("vendor saw %d, call counted %d (last status %d); want 2", n, c.Requests(), c.LastStatus())
	}
}

func TestDoAppliesTheServersRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 100)
	users := f.tool(t, "list_all_gong_users")
	for _, tc := range []struct {
		name string
		c    func() *executor.Call
		want string
	}{
		{"filtered out", func() *executor.Call { return f.call(t, "list_all_gong_calls") }, "not allowed"},
		{"scope not granted", func() *executor.Call {
			c := f.call(t)
			acct := *f.acct
			acct.Scopes = []string{"api:calls:read:basic"}
			c.Account = &acct
			return c
		}, "not granted the scope"},
		{"needs reauth", func() *executor.Call {
			c := f.call(t)
			acct := *f.acct
			acct.Status = store.StatusNeedsReauth
			c.Account = &acct
			return c
		}, "needs to be reconnected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.vendor.requests.Load()
			c := tc.c()
			res := f.exec.Do(context.Background(), c, users, map[string]any{})
			if !res.IsError || !strings.Contains(res.Err, tc.want) {
				t.Errorf("answer %+v, want %q", res, tc.want)
			}
			if f.vendor.requests.Load() != before || c.Requests() != 0 {
				t.Error("a refused request reached upstream")
			}
		})
	}
	// A credential probe is no server's call: no filter, no scope, no budget.
	f.budget = 0
	probe := &executor.Call{Account: &store.Account{ID: "a2", BaseURL: f.acct.BaseURL, Scopes: []string{}}, Set: f.set}
	if res := f.exec.Do(context.Background(), probe, users, map[string]any{}); res.IsError || probe.Requests() != 1 {
		t.Errorf("probe: %+v, %d requests", res, probe.Requests())
	}
}

// A composite is allowed only when its start and poll tools are.
func TestCompositeNeedsItsStepsAllowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 100)
	var comp *tools.Tool
	for _, tl := range f.set.Tools {
		if tl.Composite != nil {
			comp = tl
			break
		}
	}
	if comp == nil {
		t.Skip("the integration has no composite tool")
	}
	only := f.call(t, comp.Name)
	if !only.Filter.Allows(comp) {
		t.Fatalf("filter %v does not allow %s itself", only.Filter, comp.Name)
	}
	if only.Allowed(comp) {
		t.Errorf("%s allowed with its steps %s and %s filtered out", comp.Name, comp.Composite.Start.Name, comp.Composite.Poll.Name)
	}
	if _, ok := only.Lookup(comp.Name); ok {
		t.Errorf("Lookup finds %s", comp.Name)
	}
	all := f.call(t, comp.Name, comp.Composite.Start.Name, comp.Composite.Poll.Name)
	if !all.Allowed(comp) {
		t.Errorf("%s refused with its steps allowed", comp.Name)
	}
}

// A 401 on OAuth credentials refreshes them and tries once more: two
// requests, both charged and counted.
func TestDoRefreshesOnceAfter401(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 100)
	f.vendor.script = []int{http.StatusUnauthorized}
	c := f.call(t)
	res := f.exec.Do(context.Background(), c, f.tool(t, "list_all_gong_users"), map[string]any{})
	if res.IsError || f.reauth.Load() != 1 || c.Requests() != 2 || f.spent.Load() != 2 {
		t.Errorf("result %+v; reauth %d, requests %d, charged %d; want 1, 2, 2", res.Err, f.reauth.Load(), c.Requests(), f.spent.Load())
	}
	// A second 401 is the answer.
	f.vendor.script = []int{http.StatusUnauthorized, http.StatusUnauthorized}
	c = f.call(t)
	if res := f.exec.Do(context.Background(), c, f.tool(t, "list_all_gong_users"), map[string]any{}); res.Status != http.StatusUnauthorized || c.Requests() != 2 {
		t.Errorf("two 401s: status %d, %d requests", res.Status, c.Requests())
	}
}

func TestPacing(t *testing.T) {
	t.Parallel()
	users := func(f *fixture) *tools.Tool { return f.tool(t, "list_all_gong_users") }
	t.Run("off: a plain call is not paced", func(t *testing.T) {
		f := newFixture(t, 100)
		f.exec.Do(context.Background(), f.call(t), users(f), map[string]any{})
		if n := f.pacer.asks.Load(); n != 0 {
			t.Errorf("pacer asked %d times", n)
		}
	})
	t.Run("off: the second request of a call is paced", func(t *testing.T) {
		f := newFixture(t, 100)
		c := f.call(t)
		f.exec.Do(context.Background(), c, users(f), map[string]any{})
		f.exec.Do(context.Background(), c, users(f), map[string]any{})
		if n := f.pacer.asks.Load(); n != 1 {
			t.Errorf("pacer asked %d times, want 1", n)
		}
	})
	t.Run("on: a wait too long is Patchbay's own 429", func(t *testing.T) {
		f := newFixture(t, 100)
		f.acct.Pace = true
		f.pacer.refuse.Store(true)
		c := f.call(t)
		res := f.exec.Do(context.Background(), c, users(f), map[string]any{})
		if !executor.Refused(res) || res.RateLimit.RetryAfter != 7 || !c.Denied() || f.vendor.requests.Load() != 0 {
			t.Fatalf("result %+v", res)
		}
		var body map[string]upstream.ErrorBody
		if err := jsonRoundTrip(res, &body); err != nil || body["error"].Status != http.StatusTooManyRequests {
			t.Errorf("body %v %v", body, err)
		}
	})
}

func jsonRoundTrip(res *upstream.Result, into any) error {
	text, err := res.Text()
	if err != nil {
		return err
	}
	if len(text) == 0 {
		return errors.New("empty")
	}
	return json.Unmarshal(text, into)
}
