package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// Finding 11: discovery paths and the authorize resource looked tokens up
// outside the failed-token limiter. They now share it with the MCP
// endpoint; a valid token whose server has OAuth off is not a failure.
func TestTokenLookupsShareTheLimiter(t *testing.T) {
	e := newEnv(t, func(c *app.Config) {
		c.AuthLimiter = mcp.LimiterConfig{Free: 2, Refuse: 4, Forgive: time.Hour, Sleep: func(context.Context, time.Duration) {}}
	})
	_, plain := e.server(store.ServerConfig{})
	discover := func(mcpURL string) int {
		res, _ := e.do(http.MethodGet, e.base+"/.well-known/oauth-protected-resource"+mcpURL[len(e.base):], "", nil, "")
		return res.StatusCode
	}
	for i := range 10 {
		if got := discover(plain); got != http.StatusNotFound {
			t.Fatalf("discovery of a plain token URL, try %d: %d, want 404", i, got)
		}
	}
	if got := e.mcp(plain, "").StatusCode; got != http.StatusOK {
		t.Fatalf("a valid URL after discovery of valid tokens: %d, want 200", got)
	}
	var statuses []int
	for range 6 {
		statuses = append(statuses, discover(e.base+"/mcp/"+credentials.NewToken(credentials.MCPTokenPrefix)))
	}
	if fmt.Sprint(statuses) != "[404 404 404 404 429 429]" {
		t.Errorf("discovery of unknown tokens: %v, want 4 look-ups then 429", statuses)
	}
	if got := e.mcp(plain, "").StatusCode; got != http.StatusTooManyRequests {
		t.Errorf("the MCP endpoint after the source's failed discoveries: %d, want 429", got)
	}
}

// docHost serves any client metadata document; /block/ ones wait for
// release, counting how many wait at once.
type docHost struct {
	*httptest.Server
	release       chan struct{}
	waiting, peak atomic.Int32
}

func newDocHost(t *testing.T) *docHost {
	d := &docHost{release: make(chan struct{})}
	d.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) > 7 && r.URL.Path[:7] == "/block/" {
			n := d.waiting.Add(1)
			for p := d.peak.Load(); n > p && !d.peak.CompareAndSwap(p, n); p = d.peak.Load() {
			}
			<-d.release
			d.waiting.Add(-1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"client_id":%q,"client_name":"Doc","redirect_uris":["http://127.0.0.1:7000/cb"],"token_endpoint_auth_method":"none"}`, "https://"+r.Host+r.URL.Path)
	}))
	t.Cleanup(d.Close)
	return d
}

func newLimitedAS(t *testing.T, d *docHost) (*oauth.Server, store.Store) {
	return newASOn(t, d.Certificate(), true, 10*time.Second)
}

// Finding 8: metadata documents were fetched and stored with no limit:
// 150 from one address in 1.2 s.
func TestMetadataDocumentsLimitedPerSource(t *testing.T) {
	d := newDocHost(t)
	s, _ := newLimitedAS(t, d)
	attacker := oauth.WithSource(context.Background(), "203.0.113.7")
	refused := 0
	for i := range 35 {
		_, err := s.ParseAuthorize(attacker, authQuery(fmt.Sprintf("%s/n/%d.json", d.URL, i)))
		switch {
		case err == nil:
		case isPageError(err):
			refused++
		default:
			t.Fatal(err)
		}
	}
	if refused != 5 {
		t.Errorf("%d of 35 new documents refused, want the 5 beyond 30 an hour", refused)
	}
	// A known document is not new; another address is not affected.
	if _, err := s.ParseAuthorize(attacker, authQuery(d.URL+"/n/0.json")); err != nil {
		t.Errorf("a document already known: %v", err)
	}
	other := oauth.WithSource(context.Background(), "198.51.100.1")
	if _, err := s.ParseAuthorize(other, authQuery(d.URL+"/n/other.json")); err != nil {
		t.Errorf("another address: %v", err)
	}
}

func TestMetadataDocumentsStoredOnlyForValidRequests(t *testing.T) {
	d := newDocHost(t)
	s, db := newLimitedAS(t, d)
	id := d.URL + "/n/invalid-request.json"
	q := authQuery(id)
	q.Set("resource", "https://elsewhere.example/mcp/oauth")
	_, err := s.ParseAuthorize(context.Background(), q)
	var ae *oauth.AuthError
	if !errors.As(err, &ae) || !ae.Redirect {
		t.Fatalf("a foreign resource: %v, want a redirected error", err)
	}
	if _, err := db.GetOAuthClient(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the document of an invalid request was stored (%v)", err)
	}
	if _, err := s.ParseAuthorize(context.Background(), authQuery(id)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetOAuthClient(context.Background(), id); err != nil {
		t.Errorf("the document of a valid request was not stored: %v", err)
	}
}

func TestMetadataFetchesInFlightCapped(t *testing.T) {
	d := newDocHost(t)
	s, _ := newLimitedAS(t, d)
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	var finished atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := oauth.WithSource(context.Background(), fmt.Sprintf("198.51.100.%d", i))
			_, errs[i] = s.ParseAuthorize(ctx, authQuery(fmt.Sprintf("%s/block/%d.json", d.URL, i)))
			finished.Add(1)
		}()
	}
	// Release the documents once every fetch is either waiting at the
	// host or answered (refused); a fetch refused needs no release.
	deadline := time.Now().Add(20 * time.Second)
	for d.waiting.Load()+finished.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(d.release)
	wg.Wait()
	refused := 0
	for _, err := range errs {
		if err != nil {
			refused++
		}
	}
	if p := d.peak.Load(); p > 8 {
		t.Errorf("%d fetches in flight at once, want at most 8", p)
	}
	if refused != n-8 {
		t.Errorf("%d of %d fetches refused, want %d", refused, n, n-8)
	}
}
