package gong_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/finder"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// finderEnv runs Gong's finders against a sandbox over HTTP; fetch checks
// each request against the scanned tool's schema, as the executor does.
type finderEnv struct {
	set      *tools.Set
	defs     map[string]*finder.Def
	sb       *gongsandbox.Sandbox
	url      string
	client   *upstream.Client
	auth     upstream.Auth
	requests int
}

func newFinderEnv(t *testing.T) *finderEnv {
	t.Helper()
	_, set := load(t)
	defs, err := finder.Load(gong.FS, func(n string) bool { _, ok := set.Lookup(n); return ok })
	if err != nil {
		t.Fatal(err)
	}
	e := &finderEnv{set: set, defs: map[string]*finder.Def{}, client: upstream.NewClient()}
	for _, d := range defs {
		e.defs[d.Name] = d
	}
	e.sb = gongsandbox.New(gongsandbox.Options{Seed: 1, RatePerSecond: -1, DailyLimit: -1})
	srv := httptest.NewServer(e.sb)
	t.Cleanup(srv.Close)
	e.sb.SetBaseURL(srv.URL)
	e.url, e.auth = srv.URL, upstream.BasicAuth{Key: e.sb.AccessKey(), Secret: e.sb.AccessKeySecret()}
	return e
}

func (e *finderEnv) fetch(t *testing.T) finder.Fetch {
	return func(ctx context.Context, tool string, args map[string]any) finder.Page {
		e.requests++
		tl, ok := e.set.Lookup(tool)
		if !ok {
			t.Fatalf("finder asked for unknown tool %s", tool)
		}
		if err := tl.Validate(args); err != nil {
			t.Fatalf("finder sent %s arguments its schema refuses: %v", tool, err)
		}
		return page(e.client.Call(ctx, e.set.Integration, e.url, e.auth, tl, args))
	}
}

// Gong's finders, run against the sandbox, answer what a reading of the
// whole listing by hand answers: the test pages the raw extensive listing
// itself and matches with its own code.
func TestGongFindersAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	e := newFinderEnv(t)
	byName, sb, fetch := e.defs, e.sb, e.fetch(t)
	now := sb.Now()

	calls := rawCalls(t, e.client, e.set, e.url, e.auth, now.AddDate(0, 0, -30), now)
	var account string
	for _, c := range calls {
		if a := c.account(); a != "" {
			account = a
			break
		}
	}
	if account == "" {
		t.Fatal("no call of the last 30 days has an account: the sandbox proves nothing")
	}
	word := strings.ToUpper(strings.Fields(account)[0])
	var want []string
	for i := len(calls) - 1; i >= 0; i-- {
		if strings.Contains(strings.ToUpper(calls[i].account()), word) {
			want = append(want, calls[i].MetaData.ID)
		}
	}
	ans, err := byName["find_gong_calls"].Run(context.Background(), fetch, map[string]any{"account": word, "limit": json.Number("100")}, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ans.Matches {
		got = append(got, m["id"].(string))
		if !strings.Contains(strings.ToUpper(m["account"].(string)), word) {
			t.Errorf("match %v is not of account %s", m, word)
		}
	}
	if !slices.Equal(got, want) || !ans.Complete {
		t.Fatalf("find_gong_calls account=%s: %d matches (complete %v), want %d newest first", word, len(got), ans.Complete, len(want))
	}

	// The CRM ids a brief needs come back for a deal's name.
	var deal, dealID string
	for _, c := range calls {
		if deal, dealID = c.object("Opportunity"); deal != "" {
			break
		}
	}
	ents, err := byName["find_gong_crm_entities"].Run(context.Background(), fetch, map[string]any{"name": strings.ToLower(deal), "type": "Opportunity"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents.Matches) == 0 || !slices.ContainsFunc(ents.Matches, func(m map[string]any) bool { return m["crm_id"] == dealID && m["name"] == deal }) {
		t.Fatalf("find_gong_crm_entities %q: %v, want its CRM id %s", deal, ents.Matches, dealID)
	}

	// Users by their manager, across every page.
	users := sb.Company().Users
	var mgr *gongsandbox.User
	for _, u := range users {
		if u.ManagerID == "" {
			continue
		}
		for _, m := range users {
			if m.ID == u.ManagerID {
				mgr = m
			}
		}
		if mgr != nil {
			break
		}
	}
	var reports []string
	for _, u := range users {
		if u.ManagerID == mgr.ID {
			reports = append(reports, u.ID)
		}
	}
	found, err := byName["find_gong_users"].Run(context.Background(), fetch, map[string]any{"manager": mgr.FirstName + " " + mgr.LastName, "limit": json.Number("100")}, now)
	if err != nil {
		t.Fatal(err)
	}
	var foundIDs []string
	for _, m := range found.Matches {
		foundIDs = append(foundIDs, m["id"].(string))
	}
	slices.Sort(foundIDs)
	slices.Sort(reports)
	if !slices.Equal(foundIDs, reports) || !found.Complete {
		t.Fatalf("reports of %s %s: %v, want %v", mgr.FirstName, mgr.LastName, foundIDs, reports)
	}
	if e.requests == 0 {
		t.Fatal("no upstream request went through fetch")
	}
}

func page(res *upstream.Result) finder.Page {
	return finder.Page{Value: res.Value(), Failed: res.IsError, Status: res.Status, Reason: res.Err, RateLimit: res.RateLimit}
}

type rawCall struct {
	MetaData struct {
		ID      string `json:"id"`
		Started string `json:"started"`
	} `json:"metaData"`
	Context []struct {
		Objects []struct {
			ObjectType string `json:"objectType"`
			ObjectID   string `json:"objectId"`
			Fields     []struct {
				Name  string `json:"name"`
				Value any    `json:"value"`
			} `json:"fields"`
		} `json:"objects"`
	} `json:"context"`
}

func (c rawCall) object(kind string) (name, id string) {
	for _, sys := range c.Context {
		for _, o := range sys.Objects {
			if o.ObjectType != kind {
				continue
			}
			for _, f := range o.Fields {
				if f.Name == "Name" {
					s, _ := f.Value.(string)
					return s, o.ObjectID
				}
			}
		}
	}
	return "", ""
}

func (c rawCall) account() string { n, _ := c.object("Account"); return n }

// rawCalls pages the extensive listing of [from, to), oldest first.
func rawCalls(t *testing.T, client *upstream.Client, set *tools.Set, base string, auth upstream.Auth, from, to time.Time) []rawCall {
	t.Helper()
	tl, _ := set.Lookup("list_all_gong_calls_extensive")
	var out []rawCall
	args := map[string]any{"fromDateTime": from.Format(time.RFC3339), "toDateTime": to.Format(time.RFC3339), "context": "Extended"}
	for {
		res := client.Call(context.Background(), set.Integration, base, auth, tl, args)
		text, _ := res.Text()
		if res.IsError {
			t.Fatalf("listing: %s", text)
		}
		var page struct {
			Next   *string   `json:"next_cursor"`
			Result []rawCall `json:"result"`
		}
		if err := json.Unmarshal(text, &page); err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Result...)
		if page.Next == nil {
			break
		}
		args["next_cursor"] = *page.Next
	}
	slices.SortStableFunc(out, func(a, b rawCall) int { return strings.Compare(a.MetaData.Started, b.MetaData.Started) })
	return out
}

// A digest carries what Gong knows of each call, compactly.
func TestGongCallDigests(t *testing.T) {
	t.Parallel()
	e := newFinderEnv(t)
	digests, fetch := e.defs["get_gong_call_digests"], e.fetch(t)
	now := e.sb.Now()
	calls := rawCalls(t, e.client, e.set, e.url, e.auth, now.AddDate(0, 0, -60), now)
	var ids []any
	for i := len(calls) - 1; i >= 0 && len(ids) < 5; i-- {
		if calls[i].account() != "" {
			ids = append(ids, calls[i].MetaData.ID)
		}
	}
	ans, err := digests.Run(context.Background(), fetch, map[string]any{"ids": ids}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Matches) != len(ids) || !ans.Complete {
		t.Fatalf("%d digests (complete %v) for %d ids", len(ans.Matches), ans.Complete, len(ids))
	}
	withBrief := 0
	for _, m := range ans.Matches {
		b, _ := json.Marshal(m)
		if len(b) > 2200 {
			t.Errorf("digest of %v is %d bytes, want about 2 KB at most", m["id"], len(b))
		}
		if !slices.Contains(ids, m["id"]) || m["title"] == nil || m["account"] == nil || m["participants"] == nil {
			t.Errorf("digest %s lacks what a digest is for", b)
		}
		if m["brief"] != nil && m["key_points"] != nil {
			withBrief++
		}
	}
	if withBrief == 0 {
		t.Error("no digest carries Gong's brief and key points")
	}
	if _, err := digests.Run(context.Background(), fetch, map[string]any{}, now); err == nil {
		t.Error("digests without ids were not refused")
	}
}
