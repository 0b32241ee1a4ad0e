package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/test/agent"
)

// (g) What the guide's three workflows cost an agent, by route: the
// scripted agent (test/agent) runs each against the same MCP server with
// every tool, once with the finder tools and once with the plain API tools
// alone. Upstream requests are the audit log's count for the run.

// agentRow is one workflow by one route.
type agentRow struct {
	workflow, route            string
	calls, meta, bytes, listed int
	upstream                   int
	wall                       []float64 // ms, one per round
	err                        string
}

type workflow struct {
	name string
	run  func(ctx context.Context, a *agent.Agent, route agent.Route, now time.Time) error
}

var agentWorkflows = []workflow{
	{"lost-deal post-mortem (Initech, 30 days)", func(ctx context.Context, a *agent.Agent, r agent.Route, now time.Time) error {
		_, err := a.PostMortem(ctx, r, agent.Target{Account: "Initech"}, now, 30)
		return err
	}},
	{"activity audit (account executives, last quarter)", func(ctx context.Context, a *agent.Agent, r agent.Route, now time.Time) error {
		from, to := agent.LastFullQuarter(now)
		_, err := a.Audit(ctx, r, "Account Executive", from, to)
		return err
	}},
	{"deal briefing (Pied Piper renewal: brief, last call's final 10 min)", func(ctx context.Context, a *agent.Agent, r agent.Route, now time.Time) error {
		_, err := a.Briefing(ctx, r, "Pied Piper - Renewal", "Deal Brief", now, 10)
		return err
	}},
}

// routes of (g): the finder and plain routes on the server with every
// tool listed, and the finder route on a discovery-mode server.
var agentRoutes = []struct {
	name      string
	route     agent.Route
	discovery bool
}{
	{"finders", agent.Finders, false},
	{"plain tools", agent.Plain, false},
	{"finders, discovery mode", agent.Finders, true},
}

// agentCost runs every workflow by every route, rounds times. url is the
// server with every tool; a discovery-mode server on the same account is
// made for the third route.
func (f *figures) agentCost(ctx context.Context, step func(string, ...any), base, url, dbPath, key string, rounds int) error {
	db, err := openDB(ctx, dbPath, key)
	if err != nil {
		return err
	}
	defer db.Close()
	discoveryURL, err := discoveryServer(ctx, db, base)
	if err != nil {
		return err
	}
	for _, wf := range agentWorkflows {
		for _, rt := range agentRoutes {
			row := &agentRow{workflow: wf.name, route: rt.name}
			u := url
			if rt.discovery {
				u = discoveryURL
			}
			for r := range rounds {
				step("(g) round %d/%d: %s by %s", r+1, rounds, wf.name, rt.name)
				since := time.Now()
				a, err := newAgent(ctx, u)
				if err == nil {
					err = wf.run(ctx, a, rt.route, time.Now().UTC())
				}
				if err != nil {
					row.err = err.Error()
					break
				}
				row.calls, row.meta, row.bytes, row.listed = a.Cost.Calls, a.Cost.MetaCalls, a.Cost.AnswerBytes, a.ListBytes
				row.wall = append(row.wall, float64(a.Cost.Wall.Microseconds())/1000)
				if row.upstream, err = upstreamSince(ctx, db, since); err != nil {
					return err
				}
			}
			f.agent = append(f.agent, row)
		}
	}
	return nil
}

// discoveryServer adds an MCP server in discovery mode to the database's
// first account and returns its URL.
func discoveryServer(ctx context.Context, db *sqlstore.DB, base string) (string, error) {
	accounts, err := db.ListAccounts(ctx)
	if err != nil || len(accounts) == 0 {
		return "", fmt.Errorf("no account for the discovery server: %v", err)
	}
	tok := credentials.NewToken(credentials.MCPTokenPrefix)
	s := &store.Server{AccountID: accounts[0].ID, Name: "Bench discovery", TokenHash: credentials.HashToken(tok),
		Config: store.ServerConfig{ToolExposure: store.ToolExposureDiscovery}}
	if err := db.CreateServer(ctx, s); err != nil {
		return "", err
	}
	return base + "/mcp/" + tok, nil
}

func newAgent(ctx context.Context, url string) (*agent.Agent, error) {
	client := sdk.NewClient(&sdk.Implementation{Name: "patchbay-bench-agent", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Timeout: 5 * time.Minute}}, nil)
	if err != nil {
		return nil, err
	}
	return agent.New(ctx, cs)
}

// openDB opens the bench's SQLite database with its encryption key.
func openDB(ctx context.Context, path, key string) (*sqlstore.DB, error) {
	k, err := credentials.ParseKey(key)
	if err != nil {
		return nil, err
	}
	cipher, err := credentials.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return sqlstore.Open(ctx, path, cipher)
}

// upstreamSince sums the upstream requests of the audit entries since t.
func upstreamSince(ctx context.Context, db *sqlstore.DB, t time.Time) (int, error) {
	entries, err := db.ListLogs(ctx, store.LogFilter{Since: t, Limit: 1000})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		n += e.UpstreamRequests
	}
	return n, nil
}

// agentTable renders (g), with each finder route's share of the plain
// route's answer bytes.
func (f *figures) agentTable() string {
	t := &table{head: []string{"workflow", "route", "tool calls (+ discovery)", "tools/list bytes", "answer bytes (≈ tokens)", "list + answers vs plain", "upstream requests", "wall (ms, median)"}}
	plain := map[string]int{}
	for _, r := range f.agent {
		if r.route == agentRoutes[1].name && r.err == "" {
			plain[r.workflow] = r.bytes + r.listed
		}
	}
	for _, r := range f.agent {
		if r.err != "" {
			t.add(r.workflow, r.route, "failed: "+r.err, "", "", "", "", "")
			continue
		}
		share := ""
		if p := plain[r.workflow]; p > 0 && r.route != agentRoutes[1].name {
			share = fmt.Sprintf("%.0f %%", 100*float64(r.bytes+r.listed)/float64(p))
		}
		calls := fmt.Sprint(r.calls)
		if r.meta > 0 {
			calls += fmt.Sprintf(" (+ %d)", r.meta)
		}
		w := slices.Clone(r.wall)
		t.add(r.workflow, r.route, calls, fmt.Sprint(r.listed), fmt.Sprintf("%d (≈ %d)", r.bytes, r.bytes/4), share, fmt.Sprint(r.upstream), f0(median(w)))
	}
	return t.String()
}
