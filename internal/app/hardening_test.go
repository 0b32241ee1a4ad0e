package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
)

// Finding 13: with PATCHBAY_METRICS_TOKEN set, /metrics needs it.
func TestMetricsNeedTheirToken(t *testing.T) {
	e := newEnv(t)
	_, base := e.replica(func(c *app.Config) { c.MetricsToken = "metrics-s3cret" })
	get := func(auth string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get(""); got != http.StatusUnauthorized {
		t.Errorf("no credential: %d, want 401", got)
	}
	if got := get("Bearer metrics-s3cret"); got != http.StatusOK {
		t.Errorf("right credential: %d, want 200", got)
	}
}

// openSSE opens a legacy SSE stream and reads its endpoint event; it
// answers the response (status 200) or the refusal's status.
func openSSE(t *testing.T, ctx context.Context, mcpURL, from string) (*http.Response, int) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", mcpURL+"/sse", nil)
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "event: endpoint\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, http.StatusOK
}

// Finding 7: one read-only URL filled the one global cap of legacy SSE
// streams and every other server got 503; deleting a server left its
// streams open.
func TestLegacySSECappedPerServerAndSource(t *testing.T) {
	e := newEnvWith(t, envOptions{config: func(c *app.Config) {
		c.SSE = mcp.SSELimits{PerServer: 3, PerSource: 4, Total: 100}
		c.AuthLimiter.TrustForwardedFor = true
	}})
	a, b := e.server(map[string]any{}), e.server(map[string]any{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 3 {
		if _, st := openSSE(t, ctx, a.URL, fmt.Sprintf("198.51.100.%d", i+1)); st != http.StatusOK {
			t.Fatalf("stream %d of server a: %d", i, st)
		}
	}
	if _, st := openSSE(t, ctx, a.URL, "198.51.100.9"); st != http.StatusServiceUnavailable {
		t.Errorf("fourth stream of server a: %d, want 503", st)
	}
	if _, st := openSSE(t, ctx, b.URL, "198.51.100.9"); st != http.StatusOK {
		t.Errorf("server b while a is full: %d, want 200", st)
	}
	// Per source: 203.0.113.5 may hold 4, across servers.
	c := e.server(map[string]any{})
	for i := range 3 {
		if _, st := openSSE(t, ctx, c.URL, "203.0.113.5"); st != http.StatusOK {
			t.Fatalf("stream %d from one address: %d", i, st)
		}
	}
	if _, st := openSSE(t, ctx, b.URL, "203.0.113.5"); st != http.StatusOK {
		t.Fatalf("fourth stream from one address: %d", st)
	}
	if _, st := openSSE(t, ctx, b.URL, "203.0.113.5"); st != http.StatusServiceUnavailable {
		t.Errorf("fifth stream from one address: %d, want 503", st)
	}
}

func TestLegacySSEClosesWhenServerGoes(t *testing.T) {
	e := newEnvWith(t, envOptions{config: func(c *app.Config) {
		c.SSE = mcp.SSELimits{Recheck: 50 * time.Millisecond}
		c.SSEKeepAlive = -1
	}})
	srv := e.server(map[string]any{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitEnd := func(resp *http.Response, what string) {
		ended := make(chan error, 1)
		go func() { _, err := io.Copy(io.Discard, resp.Body); ended <- err }()
		select {
		case <-ended:
		case <-ctx.Done():
			t.Fatalf("the stream of %s stayed open", what)
		}
	}
	resp, _ := openSSE(t, ctx, srv.URL, "")
	e.mustAPI("DELETE", "/integrated-account/"+e.account+"/mcp/"+srv.ID, nil, http.StatusOK, nil)
	waitEnd(resp, "a deleted server")

	soon := e.clock.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339)
	expiring := e.server(map[string]any{"expires_at": soon})
	resp, _ = openSSE(t, ctx, expiring.URL, "")
	e.clock.Advance(3 * time.Minute)
	waitEnd(resp, "an expired server")
}

// Finding 10, end to end: 100 parallel unknown tokens from one address
// are mostly refused without a look-up, and a valid URL from that address
// works again within 60 s.
func TestSecurityParallelGuessesCountedInFlight(t *testing.T) {
	clk := gongsandbox.NewClock(time.Now())
	e := newEnvWith(t, envOptions{config: func(c *app.Config) {
		c.AuthLimiter = mcp.LimiterConfig{Now: clk.Now, Sleep: func(context.Context, time.Duration) {}}
	}})
	live := e.server(map[string]any{})
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	statuses := postAll(100, func(int) (string, string, string) {
		return e.url + "/mcp/" + credentials.NewToken(credentials.MCPTokenPrefix), list, ""
	})
	looked, refused := 0, 0
	for _, st := range statuses {
		switch st {
		case http.StatusNotFound:
			looked++
		case http.StatusTooManyRequests:
			refused++
		}
	}
	if looked > 30 || looked+refused != 100 {
		t.Errorf("%d looked up (404), %d refused (429) of 100; want at most 30 look-ups and the rest refused", looked, refused)
	}
	clk.Advance(60 * time.Second)
	if got := observe(t, nil, "POST", live.URL, list, nil); got.Status != http.StatusOK {
		t.Errorf("a valid URL from that address a minute later: %d, want 200", got.Status)
	}
}

// Finding 15: config.allow_credits: false leaves the tools that spend
// Gong credits out of tools/list and refuses them on tools/call, without
// an upstream call; absent, a server keeps them (and an update keeps the
// setting).
func TestAllowCreditsFilter(t *testing.T) {
	e := newEnv(t)
	const creditTool = "list_all_gong_entities_get_briefs"
	listed := func(url string) (bool, *sdk.ClientSession) {
		cs := e.connect(url, nil)
		res, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range res.Tools {
			if tl.Name == creditTool {
				return true, cs
			}
		}
		return false, cs
	}
	if ok, _ := listed(e.server(map[string]any{}).URL); !ok {
		t.Fatalf("a default server lacks %s", creditTool)
	}
	var c struct {
		created
		Config struct {
			AllowCredits bool `json:"allow_credits"`
		} `json:"config"`
	}
	e.mustAPI("POST", "/integrated-account/"+e.account+"/mcp", map[string]any{"name": "no credits", "config": map[string]any{"allow_credits": false}}, http.StatusCreated, &c)
	if c.Config.AllowCredits {
		t.Error("the created server says allow_credits true")
	}
	ok, cs := listed(c.URL)
	if ok {
		t.Errorf("%s listed with allow_credits false", creditTool)
	}
	before := e.upstream.Load()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: creditTool, Arguments: map[string]any{"workspaceId": "1", "crmEntityId": "x", "briefName": "b"}})
	if err == nil && !res.IsError {
		t.Errorf("%s was callable with allow_credits false", creditTool)
	}
	if e.upstream.Load() != before {
		t.Error("the excluded tool reached upstream")
	}
	// An update without the field keeps it; a wrong type is refused.
	e.mustAPI("PATCH", "/integrated-account/"+e.account+"/mcp/"+c.ID, map[string]any{"config": map[string]any{"methods": []string{"read"}}}, http.StatusOK, nil)
	if ok, _ := listed(c.URL); ok {
		t.Error("an update without allow_credits brought the credit tools back")
	}
	if st, _ := e.api("PATCH", "/integrated-account/"+e.account+"/mcp/"+c.ID, `{"config":{"allow_credits":"no"}}`); st != http.StatusBadRequest {
		t.Errorf("allow_credits \"no\": %d, want 400", st)
	}
}

// postAll sends n MCP POSTs at once, the i-th to the URL with the body and
// User-Agent request(i) gives, and answers their statuses (0: no answer).
func postAll(n int, request func(i int) (url, body, userAgent string)) []int {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url, body, ua := request(i)
			req, _ := http.NewRequest("POST", url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if ua != "" {
				req.Header.Set("User-Agent", ua)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	return statuses
}
