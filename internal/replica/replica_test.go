//go:build postgres

package replica_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
)

type created struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	URL   string `json:"url"`
}

// Two replicas on one PostgreSQL database answer as one installation:
// whatever A writes, B answers from on its very next request, because the
// MCP endpoint reads the server and its account from the database on every
// request and keeps nothing of them between requests.
func TestPostgresReplicasAgree(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	gong := newFakeGong(t)
	admin := apiToken(t, dbURL)
	// A long cleanup interval: an expired server stays in the table, so a
	// refusal below can only come from the per-request expiry check.
	a := startReplica(t, "A", dbURL, gong.URL, time.Hour)
	b := startReplica(t, "B", dbURL, gong.URL, time.Hour)
	db := openDB(t, dbURL)
	ctx := context.Background()

	var acct created
	a.api(t, admin, "POST", "/integrated-account", map[string]any{
		"integration": "gong", "name": "Acme", "base_url": gong.URL,
		"credentials": map[string]any{"type": "access_key", "access_key": "key", "access_key_secret": "secret"},
	}, http.StatusCreated, &acct)
	newServer := func(body map[string]any) created {
		t.Helper()
		var s created
		a.api(t, admin, "POST", "/integrated-account/"+acct.ID+"/mcp", body, http.StatusCreated, &s)
		if s.Token == "" || !strings.Contains(s.URL, s.Token) {
			t.Fatalf("create answer without token/url: %+v", s)
		}
		return s
	}

	// Created through A, used through B: B opens the account's credentials
	// with the shared key and calls upstream.
	srv := newServer(map[string]any{"name": "reads", "config": map[string]any{"methods": []string{"read"}}})
	if status, out := b.rpc(t, srv.Token, "initialize", map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "replica-test", "version": "1"},
	}); status != http.StatusOK || out["result"] == nil {
		t.Fatalf("initialize through B = %d %v", status, out)
	}
	status, all := b.toolNames(t, srv.Token)
	if status != http.StatusOK || !slices.Contains(all, "list_all_gong_users") || !slices.Contains(all, "list_all_gong_calls") || slices.Contains(all, "create_a_gong_call") {
		t.Fatalf("tools/list through B = %d, %d tools (users %v, calls %v, a write tool %v)", status, len(all),
			slices.Contains(all, "list_all_gong_users"), slices.Contains(all, "list_all_gong_calls"), slices.Contains(all, "create_a_gong_call"))
	}
	upstreamBefore := gong.calls.Load()
	status, out := b.rpc(t, srv.Token, "tools/call", map[string]any{"name": "list_all_gong_users", "arguments": map[string]any{}})
	if res := jsonOf(out["result"]); status != http.StatusOK || strings.Contains(res, `"isError":true`) || !strings.Contains(res, "ada@acme.example") {
		t.Fatalf("tools/call through B = %d %s", status, jsonOf(out))
	}
	if gong.calls.Load() != upstreamBefore+1 {
		t.Fatalf("the tool call through B made %d upstream calls", gong.calls.Load()-upstreamBefore)
	}

	// A config change made on A shows on B's next request.
	a.api(t, admin, "PATCH", "/integrated-account/"+acct.ID+"/mcp/"+srv.ID,
		map[string]any{"config": map[string]any{"methods": []string{"read"}, "tags": []string{"users"}}}, http.StatusOK, nil)
	if status, narrowed := b.toolNames(t, srv.Token); status != http.StatusOK || len(narrowed) >= len(all) ||
		!slices.Contains(narrowed, "list_all_gong_users") || slices.Contains(narrowed, "list_all_gong_calls") {
		t.Fatalf("after narrowing on A, B lists %d tools: %v", len(narrowed), narrowed)
	}

	// Deleted on A: B refuses the very next request.
	a.api(t, admin, "DELETE", "/integrated-account/"+acct.ID+"/mcp/"+srv.ID, nil, http.StatusOK, nil)
	if status, _ := b.rpc(t, srv.Token, "tools/list", map[string]any{}); status != http.StatusNotFound {
		t.Fatalf("B answered %d for a server deleted on A, want 404", status)
	}

	// Expired: the API rightly refuses an expiry less than a minute ahead,
	// so time is moved by setting the row's expiry into the past in the
	// shared database, after B has served the server.
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	soon := newServer(map[string]any{"name": "expiring", "expires_at": exp})
	if status, _ := b.toolNames(t, soon.Token); status != http.StatusOK {
		t.Fatalf("B answered %d before the expiry", status)
	}
	if _, err := db.SQL().Exec(`UPDATE mcp_servers SET expires_at = $1 WHERE id = $2`, time.Now().Add(-time.Second).UnixMilli(), soon.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replica{b, a} {
		if status, _ := r.rpc(t, soon.Token, "tools/list", map[string]any{}); status != http.StatusNotFound {
			t.Fatalf("%s answered %d for an expired server, want 404", r.name, status)
		}
	}
	if _, err := db.GetServer(ctx, soon.ID); err != nil {
		t.Fatalf("the expired row is gone (%v): the refusal above did not prove the expiry check", err)
	}

	// Metrics after a few tool calls, one of them rate limited upstream.
	live := newServer(map[string]any{"name": "live"})
	gong.rateLimit.Store(true)
	status, out = b.rpc(t, live.Token, "tools/call", map[string]any{"name": "list_all_gong_users", "arguments": map[string]any{}})
	gong.rateLimit.Store(false)
	if res := jsonOf(out["result"]); status != http.StatusOK || !strings.Contains(res, `"isError":true`) || !strings.Contains(res, "retry_after_seconds") {
		t.Fatalf("rate-limited call through B = %d %s", status, jsonOf(out))
	}
	b.rpc(t, live.Token, "tools/call", map[string]any{"name": "no_such_tool", "arguments": map[string]any{}})
	metrics := b.scrape(t)
	for _, want := range []string{
		`patchbay_mcp_requests_total{method="tools/call",outcome="ok",tool="list_all_gong_users"} 1`,
		`patchbay_mcp_requests_total{method="tools/call",outcome="error",tool="list_all_gong_users"} 1`,
		`patchbay_mcp_requests_total{method="tools/call",outcome="invalid",tool="other"} 1`,
		`patchbay_mcp_requests_total{method="tools/list",outcome="ok",tool=""} 3`,
		`patchbay_mcp_request_duration_seconds_count{method="tools/call"} 3`,
		`patchbay_upstream_request_duration_seconds_count{integration="gong",status="200"} 1`,
		`patchbay_upstream_request_duration_seconds_count{integration="gong",status="429"} 1`,
		`patchbay_upstream_rate_limited_total{integration="gong"} 1`,
		`patchbay_cleanup_leader `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("B's /metrics lacks %s", want)
		}
	}
	// The gauge comes from the database: both replicas count the one live
	// server (the deleted one is gone, the expired one does not count).
	for _, r := range []*replica{a, b} {
		if v := r.metric(t, "patchbay_mcp_servers_active"); v != 1 {
			t.Errorf("%s: patchbay_mcp_servers_active = %v, want 1", r.name, v)
		}
	}

	// No MCP token reaches a log; every request is logged with an id.
	for _, r := range []*replica{a, b} {
		logs := r.logs.String()
		for _, s := range []created{srv, soon, live} {
			if strings.Contains(logs, strings.TrimPrefix(s.Token, credentials.MCPTokenPrefix)) {
				t.Errorf("%s's log holds an MCP token", r.name)
			}
		}
		if !strings.Contains(logs, `"path":"/mcp/<redacted>"`) && r == b {
			t.Errorf("%s's log has no redacted MCP request line", r.name)
		}
		if !strings.Contains(logs, `"request_id":"`) {
			t.Errorf("%s's log has no request ids", r.name)
		}
	}
}

// The expiry cleanup runs on exactly one replica at a time, and moves on
// when that replica dies or stops.
func TestPostgresCleanupLeadership(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	gong := newFakeGong(t)
	db := openDB(t, dbURL)
	const every = 100 * time.Millisecond

	a := startReplica(t, "A", dbURL, gong.URL, every)
	eventually(t, "A leads the cleanup", func() bool { return a.metric(t, "patchbay_cleanup_leader") == 1 })
	b := startReplica(t, "B", dbURL, gong.URL, every)

	// While A runs passes, B (trying the lock as often) never runs one.
	standsBy(t, a, b)
	expireOne(t, db, "cleaned by A")
	if a.metric(t, "patchbay_cleanup_deleted_servers_total") < 1 || b.metric(t, "patchbay_cleanup_deleted_servers_total") != 0 {
		t.Fatalf("deleted: A %v, B %v", a.metric(t, "patchbay_cleanup_deleted_servers_total"), b.metric(t, "patchbay_cleanup_deleted_servers_total"))
	}

	// A dies without a word: its session ends, PostgreSQL frees the lock,
	// and B takes over.
	a.kill()
	eventually(t, "B takes over after A died", func() bool { return b.metric(t, "patchbay_cleanup_leader") == 1 })
	expireOne(t, db, "cleaned by B")

	// A comes back as a standby.
	a2 := startReplica(t, "A2", dbURL, gong.URL, every)
	standsBy(t, b, a2)

	// B stops gracefully: the lock is released and A2 takes over.
	b.stop()
	eventually(t, "A2 takes over after B stopped", func() bool { return a2.metric(t, "patchbay_cleanup_leader") == 1 })
	expireOne(t, db, "cleaned by A2")
}

// standsBy waits for the leader to run three more passes and checks that
// the standby ran none and the database shows one holder of the lock.
func standsBy(t *testing.T, leader, standby *replica) {
	t.Helper()
	start := leader.metric(t, "patchbay_cleanup_runs_total")
	eventually(t, leader.name+" runs cleanup passes", func() bool { return leader.metric(t, "patchbay_cleanup_runs_total") >= start+3 })
	if v := standby.metric(t, "patchbay_cleanup_runs_total"); v != 0 {
		t.Fatalf("standby %s ran %v cleanup passes while %s leads", standby.name, v, leader.name)
	}
	if v := standby.metric(t, "patchbay_cleanup_leader"); v != 0 {
		t.Fatalf("standby %s says it leads", standby.name)
	}
	if v := leader.metric(t, "patchbay_cleanup_leader"); v != 1 {
		t.Fatalf("%s no longer leads", leader.name)
	}
}

// expireOne puts an expired MCP server in the database and waits for the
// leader's cleanup to delete it.
func expireOne(t *testing.T, db interface {
	CreateAccount(context.Context, *store.Account) error
	CreateServer(context.Context, *store.Server) error
	GetServer(context.Context, string) (*store.Server, error)
}, what string) {
	t.Helper()
	ctx := context.Background()
	acct := &store.Account{Integration: "gong", Name: what, BaseURL: "https://api.gong.io",
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "k", AccessKeySecret: "s"}}
	if err := db.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute)
	srv := &store.Server{AccountID: acct.ID, Name: what, TokenHash: credentials.HashToken(what), ExpiresAt: &past}
	if err := db.CreateServer(ctx, srv); err != nil {
		t.Fatal(err)
	}
	eventually(t, "expired server "+what, func() bool {
		_, err := db.GetServer(ctx, srv.ID)
		return errors.Is(err, store.ErrNotFound)
	})
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
