package mcp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

func gongSet(t *testing.T) *tools.Set {
	t.Helper()
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// testCatalogue is what a discovery server with cfg's filters sees.
func testCatalogue(set *tools.Set, cfg store.ServerConfig) (*catalogue, []*sdk.Tool) {
	cat := &catalogue{listed: map[string]*sdk.Tool{}}
	var visible []*sdk.Tool
	for _, t := range executor.Select(set, tools.FilterOf(cfg)) {
		st := SDKTool(t)
		visible = append(visible, st)
		cat.tools = append(cat.tools, t)
		cat.listed[t.Name] = st
	}
	return cat, visible
}

// Every filter a server can have (each method class combination, no tag or
// any one tag, credits allowed or not) lists the meta-tools, plus search
// and fetch, in at most 4 KB: the list a client pays for.
func TestDiscoveryListFitsFourKB(t *testing.T) {
	t.Parallel()
	set := gongSet(t)
	tags := []string{""}
	for _, tl := range set.Tools {
		for _, tag := range tl.Tags {
			if !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
		}
	}
	h := &Handler{} // listTools needs only its caches
	methodSets := [][]string{nil, {"read"}, {"write"}, {"custom"}, {"read", "write"}, {"read", "custom"}, {"write", "custom"}, {"list"}, {"create"}}
	largest, tried := 0, 0
	for _, methods := range methodSets {
		for _, tag := range tags {
			for _, noCredits := range []bool{false, true} {
				cfg := store.ServerConfig{Methods: methods, NoCredits: noCredits, ToolExposure: store.ToolExposureDiscovery}
				if tag != "" {
					cfg.Tags = []string{tag}
				}
				_, visible := testCatalogue(set, cfg)
				if len(visible) == 0 {
					continue // refused at creation
				}
				tried++
				// As served, with search and fetch beside the meta-tools.
				cfg.SearchFetch = true
				res := h.listTools(h.newCall(context.Background(), admitted{server: &store.Server{Config: cfg}, account: &store.Account{}, set: set}))
				if len(res.Tools) < 3 || res.Tools[len(res.Tools)-1].Name != callToolName {
					t.Fatalf("listed %d tools", len(res.Tools))
				}
				b, err := json.Marshal(res)
				if err != nil {
					t.Fatal(err)
				}
				largest = max(largest, len(b))
				if len(b) > 4096 {
					t.Errorf("methods %v tags %q no_credits %v: discovery tools/list is %d bytes", methods, tag, noCredits, len(b))
				}
			}
		}
	}
	if tried < 50 {
		t.Fatalf("only %d filters tried", tried)
	}
	t.Logf("%d filters tried; largest discovery tools/list (with search and fetch) %d bytes", tried, largest)
}

// call_tool's annotations say what the server's tools may do.
func TestDiscoveryCallToolAnnotations(t *testing.T) {
	t.Parallel()
	set := gongSet(t)
	for _, tc := range []struct {
		name                  string
		cfg                   store.ServerConfig
		readOnly, destructive bool
	}{
		{"every tool", store.ServerConfig{}, false, true},
		{"reads", store.ServerConfig{Methods: []string{"read"}}, true, false},
		{"writes that never delete", store.ServerConfig{Methods: []string{"create"}}, false, false},
		{"deletes", store.ServerConfig{Methods: []string{"delete"}}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, visible := testCatalogue(set, tc.cfg)
			list := DiscoveryTools(set, visible)
			var names []string
			for _, st := range list {
				names = append(names, st.Name)
			}
			if want := []string{"search_tools", "get_tool_schema", "call_tool"}; !slices.Equal(names, want) {
				t.Fatalf("tools = %v, want %v", names, want)
			}
			a := list[2].Annotations
			if a.ReadOnlyHint != tc.readOnly || *a.DestructiveHint != tc.destructive {
				t.Errorf("call_tool readOnly %v destructive %v, want %v %v", a.ReadOnlyHint, *a.DestructiveHint, tc.readOnly, tc.destructive)
			}
			for _, meta := range list[:2] {
				if !meta.Annotations.ReadOnlyHint || *meta.Annotations.DestructiveHint {
					t.Errorf("%s is not read-only", meta.Name)
				}
			}
		})
	}
}

func hitNames(hits []searchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Name)
	}
	return out
}

func TestDiscoverySearchRanks(t *testing.T) {
	t.Parallel()
	set := gongSet(t)
	all, _ := testCatalogue(set, store.ServerConfig{})
	// within: the tool must rank among the first so many (a broad query
	// may rightly put a finder or a variant first).
	for _, tc := range []struct {
		query, want string
		within      int
	}{
		{"transcript", "create_a_gong_calls_transcript", 1},
		{"call transcripts", "create_a_gong_calls_transcript", 1},
		{"get a call by id", "get_single_gong_call_by_id", 1},
		{"list_all_gong_users", "list_all_gong_users", 1},
		{"LIST_ALL_GONG_USERS", "list_all_gong_users", 1},
		{"scorecards", "list_all_gong_scorecards", 1},
		{"delete meeting", "delete_a_gong_meeting_by_id", 1},
		{"workspaces", "list_all_gong_workspaces", 1},
		{"gong users", "list_all_gong_users", 3},
	} {
		hits := hitNames(all.search(tc.query))
		if i := slices.Index(hits, tc.want); i < 0 || i >= tc.within {
			t.Errorf("search %q: %v, want %s among the first %d", tc.query, hits, tc.want, tc.within)
		}
	}
	for _, q := range []string{"", "  ", "gong", "zebra quantum", "in the", "Gong, all of it"} {
		if hits := all.search(q); len(hits) != 0 {
			t.Errorf("search %q found %v, want nothing in particular", q, hitNames(hits))
		}
	}
	// An argument name finds its tool.
	if hits := hitNames(all.search("callIds")); !slices.Contains(hits, "create_a_gong_calls_transcript") {
		t.Errorf("search by argument name: %v", hits)
	}
}

// A tool the filters leave out is never found, suggested or grouped, by
// any spelling.
func TestDiscoveryNeverNamesFilteredTools(t *testing.T) {
	t.Parallel()
	set := gongSet(t)
	cat, _ := testCatalogue(set, store.ServerConfig{Methods: []string{"read"}, Tags: []string{"calls"}})
	hidden := []string{"list_all_gong_users", "create_a_gong_call", "delete_a_gong_meeting_by_id", "get_single_gong_user_by_id"}
	for _, name := range hidden {
		for _, q := range []string{name, strings.ToUpper(name), strings.ReplaceAll(name, "_", " "), name[:len(name)-1]} {
			for _, h := range cat.search(q) {
				if slices.Contains(hidden, h.Name) {
					t.Errorf("search %q found %s", q, h.Name)
				}
			}
			for _, s := range cat.suggest(q) {
				if slices.Contains(hidden, s) {
					t.Errorf("suggest %q named %s", q, s)
				}
			}
			if _, ok := cat.listed[q]; ok {
				t.Errorf("%q is listed", q)
			}
		}
	}
	for _, names := range cat.byResource() {
		for _, n := range names {
			if slices.Contains(hidden, n) {
				t.Errorf("by resource lists %s", n)
			}
		}
	}
}

func TestDiscoverySuggests(t *testing.T) {
	t.Parallel()
	set := gongSet(t)
	all, _ := testCatalogue(set, store.ServerConfig{})
	for _, tc := range []struct{ name, want string }{
		{"list_all_gong_user", "list_all_gong_users"},
		{"List_All_Gong_Users", "list_all_gong_users"},
		{"get_single_gong_call", "get_single_gong_call_by_id"},
		{"list_gong_workspaces", "list_all_gong_workspaces"},
	} {
		if got := all.suggest(tc.name); len(got) == 0 || got[0] != tc.want {
			t.Errorf("suggest %q = %v, want %s first", tc.name, got, tc.want)
		}
	}
	if got := all.suggest("completely_unrelated_words_here"); len(got) != 0 {
		t.Errorf("suggest for nonsense = %v", got)
	}
}

func TestWordsAndSummary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"list_all_gong_calls", []string{"list", "all", "gong", "call"}},
		{"callIds fromDateTime", []string{"call", "ids", "from", "date", "time"}},
		{"Access, status!", []string{"access", "statu"}},
		{"", nil},
	} {
		if got := words(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := summary("Lists calls. Pages of 100."); got != "Lists calls." {
		t.Errorf("summary = %q", got)
	}
	long := strings.Repeat("word ", 60)
	if got := summary(long); len(got) > 160+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("long summary = %q", got)
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d, want 3", d)
	}
}
