package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/metrics"
	"github.com/patchbay-dev/patchbay/internal/store"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestObserveMCPBoundsLabels(t *testing.T) {
	m := metrics.New(metrics.Options{KnownTool: func(n string) bool { return n == "list_all_gong_calls" }})
	tests := []struct {
		name  string
		entry store.LogEntry
		want  string
	}{
		{"known tool", store.LogEntry{RPCMethod: "tools/call", Tool: "list_all_gong_calls", Status: "ok"},
			`patchbay_mcp_requests_total{method="tools/call",outcome="ok",tool="list_all_gong_calls"} 1`},
		{"made-up tool name", store.LogEntry{RPCMethod: "tools/call", Tool: "drop_table_users", Status: "invalid"},
			`patchbay_mcp_requests_total{method="tools/call",outcome="invalid",tool="other"} 1`},
		{"tools/list has no tool", store.LogEntry{RPCMethod: "tools/list", Tool: "x", Status: "ok"},
			`patchbay_mcp_requests_total{method="tools/list",outcome="ok",tool=""} 1`},
		{"made-up method", store.LogEntry{RPCMethod: "evil/" + strings.Repeat("x", 50), Status: "error"},
			`patchbay_mcp_requests_total{method="other",outcome="error",tool=""} 1`},
		{"denied without a body", store.LogEntry{Status: "denied"},
			`patchbay_mcp_requests_total{method="none",outcome="denied",tool=""} 1`},
		{"unknown outcome", store.LogEntry{RPCMethod: "ping", Status: "weird"},
			`patchbay_mcp_requests_total{method="ping",outcome="other",tool=""} 1`},
	}
	for _, tc := range tests {
		m.ObserveMCP(&tc.entry)
	}
	out := scrape(t, m)
	for _, tc := range tests {
		if !strings.Contains(out, tc.want) {
			t.Errorf("%s: missing %s", tc.name, tc.want)
		}
	}
	if strings.Contains(out, "drop_table_users") || strings.Contains(out, "evil/") {
		t.Error("a client-chosen name became a label value")
	}
}

func TestObserveUpstream(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.ObserveUpstream("gong", 200, 30*time.Millisecond)
	m.ObserveUpstream("gong", 429, 10*time.Millisecond)
	m.ObserveUpstream("gong", 429, 10*time.Millisecond)
	m.ObserveUpstream("gong", 0, 5*time.Second)
	m.ObserveRefresh("gong", nil)
	m.ObserveRefresh("gong", errors.New("invalid_grant"))
	out := scrape(t, m)
	for _, want := range []string{
		`patchbay_upstream_request_duration_seconds_count{integration="gong",status="200"} 1`,
		`patchbay_upstream_request_duration_seconds_count{integration="gong",status="429"} 2`,
		`patchbay_upstream_request_duration_seconds_count{integration="gong",status="0"} 1`,
		`patchbay_upstream_rate_limited_total{integration="gong"} 2`,
		`patchbay_oauth_refreshes_total{integration="gong",outcome="ok"} 1`,
		`patchbay_oauth_refreshes_total{integration="gong",outcome="failed"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestActiveServersReadAtScrape(t *testing.T) {
	n := 3
	var fail error
	m := metrics.New(metrics.Options{ActiveServers: func(context.Context) (int, error) { return n, fail }})
	if out := scrape(t, m); !strings.Contains(out, "patchbay_mcp_servers_active 3") {
		t.Fatalf("gauge not 3:\n%s", out)
	}
	n = 5
	if out := scrape(t, m); !strings.Contains(out, "patchbay_mcp_servers_active 5") {
		t.Fatal("gauge not recomputed on scrape")
	}
	// A database outage drops the figure; the other series still answer.
	fail = errors.New("connection refused")
	m.CleanupLeading(true)
	out := scrape(t, m)
	if strings.Contains(out, "patchbay_mcp_servers_active 5") || !strings.Contains(out, "patchbay_cleanup_leader 1") {
		t.Fatalf("during an outage:\n%s", out)
	}
}
