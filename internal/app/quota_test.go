package app_test

// The quota guard (issue 10, point 6): budgets per MCP server and per
// integrated account, enforced before the upstream call, shared by
// replicas, shown in the admin API.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

type usageJSON struct {
	Used     int    `json:"used"`
	Limit    int    `json:"limit"`
	ResetsAt string `json:"resets_at"`
}

func TestQuotaServerBudget(t *testing.T) {
	e := newEnvWith(t, envOptions{})
	srv := e.server(map[string]any{"name": "budgeted", "config": map[string]any{"budget": map[string]any{"per_minute": 3, "per_day": 100}}})
	free := e.server(map[string]any{"name": "free"})
	users := func(url string) rpcAnswer {
		ans, err := toolCall(context.Background(), t, url, "list_all_gong_users", map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		return ans
	}
	before := e.upstream.Load()
	for i := range 3 {
		if ans := users(srv.URL); ans.Result.IsError {
			t.Fatalf("call %d within the budget failed: %s", i+1, ans.Raw)
		}
	}
	refused := users(srv.URL)
	if !refused.Result.IsError || !strings.Contains(refused.text(), `MCP server \"budgeted\" budget of 3 calls per minute is used up`) || !strings.Contains(refused.text(), "resets at") {
		t.Fatalf("4th call: want an isError naming the budget and its reset, got %s", refused.Raw)
	}
	if refused.Header.Get("Retry-After") == "" || refused.Header.Get("RateLimit-Limit") != "3" {
		t.Errorf("refusal lacks rate-limit headers: %v", refused.Header)
	}
	if n := e.upstream.Load() - before; n != 3 {
		t.Errorf("%d upstream calls; the refused one must not go upstream", n)
	}
	if l := lastLog(t, e, srv.ID); l.Status != "denied" || !strings.Contains(l.Error, "budget") {
		t.Errorf("log entry of the refusal: %+v", l)
	}
	// Other servers have their own (no) budget; invalid calls spend nothing.
	if ans := users(free.URL); ans.Result.IsError {
		t.Errorf("a server without a budget was refused: %s", ans.Raw)
	}
	var got struct {
		Config struct{ Budget map[string]int }
		Usage  map[string]usageJSON
	}
	e.mustAPI("GET", "/integrated-account/"+e.account+"/mcp/"+srv.ID, nil, http.StatusOK, &got)
	if got.Config.Budget["per_minute"] != 3 || got.Usage["minute"].Used != 3 || got.Usage["minute"].Limit != 3 || got.Usage["day"].Used != 3 || got.Usage["day"].Limit != 100 || got.Usage["day"].ResetsAt == "" {
		t.Errorf("server usage = %+v %+v", got.Config, got.Usage)
	}
	// A new minute restores the minute budget; the day budget keeps counting.
	e.clock.Advance(61 * time.Second)
	if ans := users(srv.URL); ans.Result.IsError {
		t.Errorf("call in the next minute: %s", ans.Raw)
	}
	e.mustAPI("GET", "/integrated-account/"+e.account+"/mcp/"+srv.ID, nil, http.StatusOK, &got)
	if got.Usage["minute"].Used != 1 || got.Usage["day"].Used != 4 {
		t.Errorf("usage after a minute: %+v", got.Usage)
	}
	// Renaming keeps the budget; a config without one removes it.
	e.mustAPI("PATCH", "/integrated-account/"+e.account+"/mcp/"+srv.ID, map[string]any{"name": "renamed"}, http.StatusOK, &got)
	if got.Config.Budget["per_minute"] != 3 {
		t.Errorf("rename dropped the budget: %+v", got.Config)
	}
	got.Config.Budget, got.Usage = nil, nil
	e.mustAPI("PATCH", "/integrated-account/"+e.account+"/mcp/"+srv.ID, map[string]any{"config": map[string]any{}}, http.StatusOK, &got)
	if got.Config.Budget != nil || got.Usage != nil {
		t.Errorf("config without a budget kept it: %+v %+v", got.Config, got.Usage)
	}
	for _, bad := range []any{map[string]any{"per_minute": -1}, map[string]any{"per_day": "many"}, "lots", map[string]any{"per_hour": 5}, map[string]any{"per_day": 1e12}} {
		if st, body := e.api("POST", "/integrated-account/"+e.account+"/mcp", map[string]any{"name": "x", "config": map[string]any{"budget": bad}}); st != http.StatusBadRequest {
			t.Errorf("budget %v: %d %s", bad, st, body)
		}
	}
}

// An account budget caps all its servers together, and two replicas on
// one database spend from the same counters.
func TestQuotaAccountBudgetAcrossReplicas(t *testing.T) {
	e := newEnv(t)
	// A second replica: another App on the same database.
	_, replicaURL := e.replica(nil)

	var acct struct {
		Budget map[string]int
		Usage  map[string]usageJSON
	}
	e.mustAPI("PATCH", "/integrated-account/"+e.account, map[string]any{"budget": map[string]any{"per_day": 4}}, http.StatusOK, &acct)
	if acct.Budget["per_day"] != 4 || acct.Usage["day"].Used != 0 {
		t.Fatalf("account after PATCH: %+v", acct)
	}
	a := e.server(map[string]any{"name": "a"})
	b := e.server(map[string]any{"name": "b"})
	urls := []string{a.URL, strings.Replace(b.URL, e.url, replicaURL, 1), a.URL, strings.Replace(a.URL, e.url, replicaURL, 1)}
	for i, u := range urls {
		ans, err := toolCall(context.Background(), t, u, "list_all_gong_users", map[string]any{})
		if err != nil || ans.Result.IsError {
			t.Fatalf("call %d within the account budget: %v %s", i+1, err, ans.Raw)
		}
	}
	for _, u := range []string{b.URL, strings.Replace(a.URL, e.url, replicaURL, 1)} {
		ans, _ := toolCall(context.Background(), t, u, "list_all_gong_users", map[string]any{})
		if !ans.Result.IsError || !strings.Contains(ans.text(), `integrated account \"Sandbox\" budget of 4 calls per day is used up`) {
			t.Errorf("5th call of the day on either replica: %s", ans.Raw)
		}
	}
	e.mustAPI("GET", "/integrated-account/"+e.account, nil, http.StatusOK, &acct)
	if acct.Usage["day"].Used != 4 || acct.Usage["day"].Limit != 4 {
		t.Errorf("account usage = %+v", acct.Usage)
	}
	// Clearing the budget lifts the cap.
	e.mustAPI("PATCH", "/integrated-account/"+e.account, map[string]any{"budget": map[string]any{}}, http.StatusOK, &acct)
	if acct.Budget != nil {
		t.Errorf("cleared budget still shown: %+v", acct.Budget)
	}
	if ans, _ := toolCall(context.Background(), t, a.URL, "list_all_gong_users", map[string]any{}); ans.Result.IsError {
		t.Errorf("call after clearing the budget: %s", ans.Raw)
	}
}
