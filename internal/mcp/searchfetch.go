package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/finder"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/render"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// The search and fetch tools ChatGPT deep research (and company knowledge)
// requires, added to a server whose config has search_fetch. The
// integration's data (integration.yaml search_fetch) says what they are
// made of: search runs a finder tool with the query's words, newest first,
// and says what it covered; fetch reads one item's details and transcript.
// Every request goes through the executor, so filters, scopes, budgets,
// pacing and the audit log work as for any tool call.

const (
	searchToolName = "search"
	fetchToolName  = "fetch"
	searchLimit    = 20
)

func searchFetchTools(sf *integration.SearchFetch) []*sdk.Tool {
	return []*sdk.Tool{
		{
			Name:  searchToolName,
			Title: "Search calls",
			Description: fmt.Sprintf("Searches the recorded calls of the last %d days by words in the call title, participant names, emails and titles, CRM account and deal names, and a date (2026-10-07, 2026-10 or October). ", sf.Days) +
				`Every word must match. Returns {"results":[{"id","title","url"}]}, newest first, and what the search covered; pass a result's id to fetch to read the call's transcript.`,
			InputSchema: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":"Words to look for, e.g. \"Initech renewal\" or \"Dana Lee 2026-10\"."}},"required":["query"],"additionalProperties":false}`),
			Annotations: readOnlyAnnotations("Search calls"),
		},
		{
			Name:        fetchToolName,
			Title:       "Fetch a call",
			Description: `Fetches one call found by search: {"id","title","text","url","metadata"}, where text is the call's transcript ("[mm:ss] Speaker: words" lines, speakers named with company and title) and metadata has the date, duration, participants and accounts.`,
			InputSchema: json.RawMessage(`{"type":"object","properties":{"id":{"type":"string","description":"A call id from search."}},"required":["id"],"additionalProperties":false}`),
			Annotations: readOnlyAnnotations("Fetch a call"),
		},
	}
}

func readOnlyAnnotations(title string) *sdk.ToolAnnotations {
	f, t := false, true
	return &sdk.ToolAnnotations{Title: title, ReadOnlyHint: true, DestructiveHint: &f, IdempotentHint: true, OpenWorldHint: &t}
}

// sfTools are the tools search and fetch are made of, when the
// integration defines them.
type sfTools struct {
	def                         *integration.SearchFetch
	finder, details, transcript *tools.Tool
}

func searchFetchOf(set *tools.Set) (sfTools, bool) {
	sf := set.Integration.SearchFetch
	if sf == nil {
		return sfTools{}, false
	}
	f, ok1 := set.Lookup(sf.Finder)
	d, ok2 := set.Lookup(sf.Details.Tool)
	t, ok3 := set.Lookup(sf.Transcript.Tool)
	return sfTools{sf, f, d, t}, ok1 && ok2 && ok3 && f.Finder != nil
}

// searchFetchOn reports whether the server offers search and fetch: its
// config asks for them and its filters allow the tools they are made of.
func searchFetchOn(c *call) (sfTools, bool) {
	st, ok := searchFetchOf(c.set)
	if !ok || !c.server.Config.SearchFetch {
		return st, false
	}
	return st, c.exec.Allowed(st.finder) && c.exec.Allowed(st.details) && c.exec.Allowed(st.transcript)
}

// searchFetchList adds search and fetch to a server's tool list.
func (h *Handler) searchFetchList(c *call, list []*sdk.Tool) []*sdk.Tool {
	st, on := searchFetchOn(c)
	if !on {
		return list
	}
	if c.server.Config.HideToolsMissingScopes && len(st.missing(c)) > 0 {
		return list
	}
	out := make([]*sdk.Tool, 0, len(list)+2)
	out = append(out, searchFetchTools(st.def)...)
	return append(out, list...)
}

func (st sfTools) missing(c *call) []string {
	var missing []string
	for _, t := range []*tools.Tool{st.finder, st.details, st.transcript} {
		for _, m := range executor.MissingScopes(c.account.Scopes, t.Scopes) {
			if !slices.Contains(missing, m) {
				missing = append(missing, m)
			}
		}
	}
	return missing
}

// searchFetch answers tools/call for search and fetch; ok is false for
// any other tool.
func (h *Handler) searchFetch(ctx context.Context, c *call, req *sdk.CallToolRequest) (res sdk.Result, ok bool) {
	name := req.Params.Name
	if name != searchToolName && name != fetchToolName {
		return nil, false
	}
	st, on := searchFetchOn(c)
	if !on {
		return nil, false
	}
	var args struct {
		Query *string `json:"query"`
		ID    *string `json:"id"`
	}
	if len(req.Params.Arguments) > 0 {
		if err := json.Unmarshal(req.Params.Arguments, &args); err != nil {
			return h.sfFail(c, req, "invalid", "invalid arguments: "+err.Error(), nil), true
		}
	}
	if name == searchToolName && args.Query == nil {
		return h.sfFail(c, req, "invalid", "invalid arguments: query is required", nil), true
	}
	if name == fetchToolName && (args.ID == nil || strings.TrimSpace(*args.ID) == "") {
		return h.sfFail(c, req, "invalid", "invalid arguments: id is required", nil), true
	}
	if missing := st.missing(c); len(missing) > 0 {
		msg := fmt.Sprintf("the %s account %q was not granted the scope this tool needs (%s); reconnect it with that scope", c.account.Integration, c.account.Name, strings.Join(missing, ", "))
		return h.sfFail(c, req, "error", msg, missing), true
	}
	c.exec.Multi = true // several requests: paced
	sf := &sfCall{h: h, c: c, st: st}
	var out any
	var up *upstream.Result
	if name == searchToolName {
		out, up = sf.search(ctx, *args.Query)
	} else {
		out, up = sf.fetch(ctx, strings.TrimSpace(*args.ID))
	}
	if up != nil {
		c.noteResult(up)
		return toolResult(req, up), true
	}
	c.note("ok", "", sf.rateLimit)
	var text strings.Builder
	enc := json.NewEncoder(&text)
	enc.SetEscapeHTML(false) // titles like "Acme <> Initech" stay readable
	_ = enc.Encode(out)
	r := textResult(req, strings.TrimSpace(text.String()))
	r.StructuredContent = out
	return r, true
}

func (h *Handler) sfFail(c *call, req *sdk.CallToolRequest, status, msg string, missing []string) *sdk.CallToolResult {
	c.note(status, msg, nil)
	return toolResult(req, upstream.Fail(msg, missing))
}

type sfCall struct {
	h         *Handler
	c         *call
	st        sfTools
	rateLimit *upstream.RateLimit
}

// do sends one upstream request through the executor; a failed answer is
// returned as is.
func (s *sfCall) do(ctx context.Context, t *tools.Tool, args map[string]any) (map[string]any, *upstream.Result) {
	res := s.h.opts.Executor.Do(ctx, s.c.exec, t, args)
	if res.RateLimit != nil {
		s.rateLimit = res.RateLimit
	}
	if res.IsError {
		return nil, res
	}
	body, _ := res.Value().(map[string]any)
	return body, nil
}

type searchResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// search runs the finder with the query's words, over the date its words
// name or the last days.
func (s *sfCall) search(ctx context.Context, query string) (any, *upstream.Result) {
	now := s.h.opts.Now().UTC()
	words, from, to := dateWords(query, now)
	if from.IsZero() {
		from, to = now.AddDate(0, 0, -s.st.def.Days), now.Add(time.Minute)
	}
	args := map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339), "limit": json.Number(strconv.Itoa(searchLimit))}
	if len(words) > 0 {
		args[s.st.def.Words] = strings.Join(words, " ")
	}
	res := s.h.opts.Executor.RunFinder(ctx, s.c.exec, s.st.finder, args)
	if res.RateLimit != nil {
		s.rateLimit = res.RateLimit
	}
	if res.IsError {
		return nil, res
	}
	ans, _ := res.Body.(*finder.Answer)
	results := make([]searchResult, 0, len(ans.Matches))
	for _, m := range ans.Matches {
		results = append(results, searchResult{ID: render.String(m["id"]), Title: render.String(m["title"]), URL: render.String(m["url"])})
	}
	out := map[string]any{"results": results, "complete": ans.Complete, "scanned": ans.Scanned}
	if ans.Stopped != "" {
		out["note"] = "The search stopped early: " + ans.Stopped + ". Narrow the query (a date such as 2026-10) to search further back."
	}
	return out, nil
}

var months = map[string]time.Month{}

func init() {
	for m := time.January; m <= time.December; m++ {
		months[strings.ToLower(m.String())] = m
		months[strings.ToLower(m.String()[:3])] = m
	}
}

// dateWords takes the first date word of a query out of it: a day
// (2026-10-07), a month (2026-10) or a month's name (the latest such month
// up to now). from is zero when there is none.
func dateWords(query string, now time.Time) (words []string, from, to time.Time) {
	for _, w := range strings.Fields(query) {
		if !from.IsZero() {
			words = append(words, w)
			continue
		}
		lw := strings.ToLower(w)
		if d, err := time.Parse("2006-01-02", w); err == nil {
			from, to = d, d.AddDate(0, 0, 1)
		} else if d, err := time.Parse("2006-01", w); err == nil {
			from, to = d, d.AddDate(0, 1, 0)
		} else if m, ok := months[lw]; ok {
			y := now.Year()
			if m > now.Month() {
				y--
			}
			from = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			to = from.AddDate(0, 1, 0)
		} else {
			words = append(words, w)
		}
	}
	return words, from, to
}

func (s *sfCall) fetch(ctx context.Context, id string) (any, *upstream.Result) {
	body, fail := s.do(ctx, s.st.details, byID(s.st.def.Details, id))
	if fail != nil {
		return nil, fail
	}
	calls := render.Items(body["result"])
	if len(calls) == 0 {
		f := upstream.Fail(fmt.Sprintf("no call with id %q; use an id from search", id), nil)
		f.Status = http.StatusNotFound
		return nil, f
	}
	cm, _ := calls[0].(map[string]any)
	meta, _ := cm["metaData"].(map[string]any)
	tbody, fail := s.do(ctx, s.st.transcript, byID(s.st.def.Transcript, id))
	if fail != nil {
		return nil, fail
	}
	transcripts := render.Items(tbody["result"])
	text := render.TranscriptText(transcripts, render.SpeakersFromCalls(calls), render.CallsFromCalls(calls))
	if len(transcripts) == 0 {
		text = "This call has no transcript.\n"
	}
	var parties []string
	for _, p := range render.Items(cm["parties"]) {
		pm, _ := p.(map[string]any)
		if label := partyLabel(pm); label != "" {
			parties = append(parties, label)
		}
	}
	metadata := map[string]any{
		"started":          render.String(meta["started"]),
		"duration_seconds": meta["duration"],
		"parties":          parties,
		"accounts":         accounts(cm),
	}
	for _, k := range []string{"direction", "scope", "system", "language", "purpose"} {
		if v := render.String(meta[k]); v != "" {
			metadata[k] = v
		}
	}
	return map[string]any{"id": id, "title": render.String(meta["title"]), "text": text, "url": render.String(meta["url"]), "metadata": metadata}, nil
}

func byID(t integration.ByIDTool, id string) map[string]any {
	args := map[string]any{t.IDs: []any{id}}
	for k, v := range t.Arguments {
		args[k] = v
	}
	return args
}

// accounts lists the CRM account names in a call's or party's context.
func accounts(m map[string]any) []string {
	var out []string
	for _, sys := range render.Items(m["context"]) {
		sm, _ := sys.(map[string]any)
		for _, obj := range render.Items(sm["objects"]) {
			om, _ := obj.(map[string]any)
			if render.String(om["objectType"]) != "Account" {
				continue
			}
			for _, f := range render.Items(om["fields"]) {
				fm, _ := f.(map[string]any)
				if render.String(fm["name"]) == "Name" && render.String(fm["value"]) != "" {
					out = append(out, render.String(fm["value"]))
				}
			}
		}
	}
	return out
}

func partyLabel(pm map[string]any) string {
	name := render.String(pm["name"])
	if name == "" {
		name = render.String(pm["emailAddress"])
	}
	if name == "" {
		return ""
	}
	var extra []string
	if acc := accounts(pm); len(acc) > 0 {
		extra = append(extra, acc[0])
	} else if e := render.String(pm["emailAddress"]); strings.Contains(e, "@") {
		extra = append(extra, e[strings.LastIndexByte(e, '@')+1:])
	}
	if t := render.String(pm["title"]); t != "" {
		extra = append(extra, t)
	}
	if len(extra) == 0 {
		return name
	}
	return name + " (" + strings.Join(extra, ", ") + ")"
}
