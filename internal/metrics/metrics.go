// Package metrics holds Patchbay's Prometheus series, fed through small
// observer hooks (mcp.Options.Observe, upstream.Client.Observe) instead of
// globals, and served at /metrics. Each App owns its own registry, so tests
// that run several Apps in one process do not share counters.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// Options says how labels are bounded and where the gauges come from.
type Options struct {
	// KnownTool reports whether a tool name exists in some integration; a
	// name a client made up is counted as "other", so clients cannot grow
	// the label set without bound.
	KnownTool func(name string) bool
	// ActiveServers counts MCP servers that are not expired; it runs at
	// scrape time with a short deadline.
	ActiveServers func(ctx context.Context) (int, error)
}

// Metrics is one process's set of series.
type Metrics struct {
	reg       *prometheus.Registry
	knownTool func(string) bool

	mcpRequests     *prometheus.CounterVec
	mcpRefused      *prometheus.CounterVec
	mcpDuration     *prometheus.HistogramVec
	upstreamLatency *prometheus.HistogramVec
	rateLimited     *prometheus.CounterVec
	refreshes       *prometheus.CounterVec
	cleanupLeader   prometheus.Gauge
	cleanupRuns     prometheus.Counter
	cleanupDeleted  prometheus.Counter
}

// New registers every series on a fresh registry.
func New(opts Options) *Metrics {
	if opts.KnownTool == nil {
		opts.KnownTool = func(string) bool { return false }
	}
	m := &Metrics{
		reg:       prometheus.NewRegistry(),
		knownTool: opts.KnownTool,
		mcpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_mcp_requests_total",
			Help: "MCP requests answered, by JSON-RPC method, tool (tools/call only) and outcome (ok, error, denied, invalid).",
		}, []string{"method", "tool", "outcome"}),
		mcpRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_mcp_refused_total",
			Help: "Requests to /mcp/ refused before an MCP server was known, by reason: unknown_token (unknown, expired or revoked: 404), too_many_failures (the failed-token limiter: 429).",
		}, []string{"reason"}),
		mcpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "patchbay_mcp_request_duration_seconds",
			Help:    "Time to answer an MCP request, upstream call included.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method"}),
		upstreamLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "patchbay_upstream_request_duration_seconds",
			Help:    "Upstream API calls by integration and HTTP status (0: no answer), answer body included.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"integration", "status"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_upstream_rate_limited_total",
			Help: "Upstream answers with status 429, passed back to the client without retrying.",
		}, []string{"integration"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_oauth_refreshes_total",
			Help: "OAuth token refreshes by integration and outcome (ok, failed).",
		}, []string{"integration", "outcome"}),
		cleanupLeader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "patchbay_cleanup_leader",
			Help: "1 while this replica leads the expiry cleanup, else 0.",
		}),
		cleanupRuns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbay_cleanup_runs_total",
			Help: "Expiry cleanup passes this replica ran as leader.",
		}),
		cleanupDeleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbay_cleanup_deleted_servers_total",
			Help: "Expired MCP servers this replica deleted.",
		}),
	}
	m.reg.MustRegister(m.mcpRequests, m.mcpRefused, m.mcpDuration, m.upstreamLatency, m.rateLimited, m.refreshes,
		m.cleanupLeader, m.cleanupRuns, m.cleanupDeleted,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if opts.ActiveServers != nil {
		m.reg.MustRegister(&activeServers{count: opts.ActiveServers})
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is for tests and for callers that add their own series.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// rpcMethods are the JSON-RPC methods counted by name; anything else a
// client sends is "other".
var rpcMethods = map[string]bool{
	"initialize": true, "ping": true, "tools/list": true, "tools/call": true,
	"notifications/initialized": true, "notifications/cancelled": true,
	"resources/list": true, "resources/templates/list": true, "prompts/list": true,
	"logging/setLevel": true, "completion/complete": true, "server/discover": true, "batch": true,
}

var outcomes = map[string]bool{"ok": true, "error": true, "denied": true, "invalid": true}

// ObserveMCP counts one MCP request from its audit log entry.
func (m *Metrics) ObserveMCP(e *store.LogEntry) {
	method := e.RPCMethod
	switch {
	case method == "":
		method = "none"
	case !rpcMethods[method]:
		method = "other"
	}
	tool := ""
	if method == "tools/call" {
		tool = "other"
		if m.knownTool(e.Tool) {
			tool = e.Tool
		}
	}
	outcome := e.Status
	if !outcomes[outcome] {
		outcome = "other"
	}
	m.mcpRequests.WithLabelValues(method, tool, outcome).Inc()
	m.mcpDuration.WithLabelValues(method).Observe(e.Duration.Seconds())
}

// ObserveRefused counts one /mcp/ request refused before an MCP server was
// known (those have no audit log entry).
func (m *Metrics) ObserveRefused(reason string) {
	m.mcpRefused.WithLabelValues(reason).Inc()
}

// ObserveUpstream records one upstream call; status 0 means no answer.
func (m *Metrics) ObserveUpstream(integration string, status int, d time.Duration) {
	m.upstreamLatency.WithLabelValues(integration, strconv.Itoa(status)).Observe(d.Seconds())
	if status == http.StatusTooManyRequests {
		m.rateLimited.WithLabelValues(integration).Inc()
	}
}

// ObserveRefresh records one OAuth refresh (for the OAuth connect flow).
func (m *Metrics) ObserveRefresh(integration string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	m.refreshes.WithLabelValues(integration, outcome).Inc()
}

// CleanupLeading marks whether this replica leads the expiry cleanup.
func (m *Metrics) CleanupLeading(leading bool) {
	if leading {
		m.cleanupLeader.Set(1)
	} else {
		m.cleanupLeader.Set(0)
	}
}

// CleanupRan records one cleanup pass and the servers it deleted.
func (m *Metrics) CleanupRan(deleted int) {
	m.cleanupRuns.Inc()
	m.cleanupDeleted.Add(float64(deleted))
}

// activeServers asks the store at scrape time, so every replica reports
// the same figure for the whole installation.
type activeServers struct {
	count func(ctx context.Context) (int, error)
}

var activeServersDesc = prometheus.NewDesc("patchbay_mcp_servers_active",
	"MCP servers that exist and are not expired (the whole installation, read from the database).", nil, nil)

func (c *activeServers) Describe(ch chan<- *prometheus.Desc) { ch <- activeServersDesc }

func (c *activeServers) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(activeServersDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(activeServersDesc, prometheus.GaugeValue, float64(n))
}
