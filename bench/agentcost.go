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
	workflow, route      string
	calls, bytes, listed int
	upstream             int
	wall                 []float64 // ms, one per round
	err                  string
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

// agentCost runs every workflow by both routes, rounds times.
func (f *figures) agentCost(ctx context.Context, step func(string, ...any), url, dbPath, key string, rounds int) error {
	db, err := openDB(ctx, dbPath, key)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, wf := range agentWorkflows {
		for _, route := range []agent.Route{agent.Finders, agent.Plain} {
			row := &agentRow{workflow: wf.name, route: string(route)}
			for r := range rounds {
				step("(g) round %d/%d: %s by %s", r+1, rounds, wf.name, route)
				since := time.Now()
				a, err := newAgent(ctx, url)
				if err == nil {
					err = wf.run(ctx, a, route, time.Now().UTC())
				}
				if err != nil {
					row.err = err.Error()
					break
				}
				row.calls, row.bytes, row.listed = a.Cost.Calls, a.Cost.AnswerBytes, a.ListBytes
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

func newAgent(ctx context.Context, url string) (*agent.Agent, error) {
	client := sdk.NewClient(&sdk.Implementation{Name: "patchbay-bench-agent", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Timeout: 5 * time.Minute}}, nil)
	if err != nil {
		return nil, err
	}
	return agent.New(ctx, cs)
}

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
	t := &table{head: []string{"workflow", "route", "tool calls", "answer bytes (≈ tokens)", "upstream requests", "wall (ms, median)", "bytes vs plain"}}
	plain := map[string]int{}
	for _, r := range f.agent {
		if r.route == string(agent.Plain) && r.err == "" {
			plain[r.workflow] = r.bytes
		}
	}
	for _, r := range f.agent {
		if r.err != "" {
			t.add(r.workflow, r.route, "failed: "+r.err, "", "", "", "")
			continue
		}
		share := ""
		if p := plain[r.workflow]; p > 0 && r.route != string(agent.Plain) {
			share = fmt.Sprintf("%.0f %%", 100*float64(r.bytes)/float64(p))
		}
		w := slices.Clone(r.wall)
		t.add(r.workflow, r.route, fmt.Sprint(r.calls), fmt.Sprintf("%d (≈ %d)", r.bytes, r.bytes/4), fmt.Sprint(r.upstream), f0(median(w)), share)
	}
	return t.String()
}
