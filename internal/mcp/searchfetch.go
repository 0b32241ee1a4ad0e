package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/render"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// The search and fetch tools ChatGPT deep research (and company knowledge)
// requires, added to a server whose config has search_fetch: search finds
// calls by title, participants, accounts and date; fetch gives one call's
// transcript as text. Both are made of the integration's own tools, so
// scopes, rate limits and the audit log work as for any tool call.

const (
	searchToolName = "search"
	fetchToolName  = "fetch"
	// Operations the two tools are made of.
	opCallsExtensive = "listCallsExtensive"
	opTranscripts    = "getCallTranscripts"
	// searchWindow and searchPages bound one search: the calls of the last
	// 180 days, at most 5 pages of 100 (one upstream request each).
	searchWindow = 180 * 24 * time.Hour
	searchPages  = 5
	searchLimit  = 20
)

var searchFetchTools = []*sdk.Tool{
	{
		Name:  searchToolName,
		Title: "Search calls",
		Description: "Searches the recorded calls of the last 180 days by words in the call title, participant names, emails and companies, CRM account names, or the date (2026-10-07, 2026-10 or October). " +
			`Every word must match. Returns {"results":[{"id","title","url"}]}, newest first; pass a result's id to fetch to read the call's transcript.`,
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

func readOnlyAnnotations(title string) *sdk.ToolAnnotations {
	f, t := false, true
	return &sdk.ToolAnnotations{Title: title, ReadOnlyHint: true, DestructiveHint: &f, IdempotentHint: true, OpenWorldHint: &t}
}

// searchFetchOn reports whether the server offers search and fetch: its
// config asks for them and its filters allow the tools they are made of.
func searchFetchOn(c *call) bool {
	if !c.server.Config.SearchFetch {
		return false
	}
	ext, tr := toolFor(c.set, opCallsExtensive), toolFor(c.set, opTranscripts)
	return ext != nil && tr != nil && c.exec.Allowed(ext) && c.exec.Allowed(tr)
}

// searchFetchList adds search and fetch to a server's tool list.
func (h *Handler) searchFetchList(c *call, list []*sdk.Tool) []*sdk.Tool {
	if !searchFetchOn(c) {
		return list
	}
	if c.server.Config.HideToolsMissingScopes && len(h.searchFetchMissing(c)) > 0 {
		return list
	}
	out := make([]*sdk.Tool, 0, len(list)+2)
	out = append(out, searchFetchTools...)
	return append(out, list...)
}

func (h *Handler) searchFetchMissing(c *call) []string {
	var missing []string
	for _, op := range []string{opCallsExtensive, opTranscripts} {
		if t := toolFor(c.set, op); t != nil {
			missing = append(missing, executor.MissingScopes(c.account.Scopes, t.Scopes)...)
		}
	}
	return missing
}

func toolFor(set *tools.Set, op string) *tools.Tool { return set.ByOperation(op) }

// searchFetch answers tools/call for search and fetch; ok is false for
// any other tool.
func (h *Handler) searchFetch(ctx context.Context, c *call, req *sdk.CallToolRequest) (res sdk.Result, ok bool) {
	name := req.Params.Name
	if (name != searchToolName && name != fetchToolName) || !searchFetchOn(c) {
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
	ext, tr := toolFor(c.set, opCallsExtensive), toolFor(c.set, opTranscripts)
	if missing := h.searchFetchMissing(c); len(missing) > 0 {
		msg := fmt.Sprintf("the %s account %q was not granted the scope this tool needs (%s); reconnect it with that scope", c.account.Integration, c.account.Name, strings.Join(missing, ", "))
		return h.sfFail(c, req, "error", msg, missing), true
	}
	c.exec.Multi = true // several requests: paced
	sf := &sfCall{h: h, c: c}
	var out any
	var up *upstream.Result
	if name == searchToolName {
		out, up = sf.search(ctx, ext, *args.Query)
	} else {
		out, up = sf.fetch(ctx, ext, tr, strings.TrimSpace(*args.ID))
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

func (s *sfCall) search(ctx context.Context, ext *tools.Tool, query string) (any, *upstream.Result) {
	terms := strings.Fields(strings.ToLower(query))
	now := s.h.opts.Now().UTC()
	args := map[string]any{
		"fromDateTime": now.Add(-searchWindow).Format(time.RFC3339),
		"toDateTime":   now.Add(time.Minute).Format(time.RFC3339),
		"parties":      true,
		"context":      "Extended",
	}
	type hit struct {
		r       searchResult
		started string
	}
	var hits []hit
	var stopped string
	for page := 0; page < searchPages; page++ {
		body, fail := s.do(ctx, ext, args)
		if fail != nil {
			if len(hits) > 0 && (fail.Status == http.StatusTooManyRequests || executor.Refused(fail)) {
				// What was found so far beats nothing; the answer says
				// where the scan stopped and why.
				stopped = fmt.Sprintf("The search stopped after %d of up to %d pages of calls: %s", page, searchPages, fail.Err)
				break
			}
			return nil, fail
		}
		for _, it := range render.Items(body["result"]) {
			cm, _ := it.(map[string]any)
			meta, _ := cm["metaData"].(map[string]any)
			if meta == nil || !matches(haystack(cm), terms) {
				continue
			}
			hits = append(hits, hit{searchResult{ID: render.String(meta["id"]), Title: render.String(meta["title"]), URL: render.String(meta["url"])}, render.String(meta["started"])})
		}
		next := render.String(body["next_cursor"])
		if next == "" {
			break
		}
		args["next_cursor"] = next
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].started > hits[j].started })
	results := make([]searchResult, 0, min(len(hits), searchLimit))
	for i := 0; i < len(hits) && i < searchLimit; i++ {
		results = append(results, hits[i].r)
	}
	out := map[string]any{"results": results}
	if stopped != "" {
		out["note"] = stopped
	}
	return out, nil
}

func (s *sfCall) fetch(ctx context.Context, ext, tr *tools.Tool, id string) (any, *upstream.Result) {
	body, fail := s.do(ctx, ext, map[string]any{"callIds": []any{id}, "parties": true, "context": "Extended"})
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
	tbody, fail := s.do(ctx, tr, map[string]any{"callIds": []any{id}})
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

// haystack is what search looks in: title, participants, accounts, date.
func haystack(cm map[string]any) string {
	meta, _ := cm["metaData"].(map[string]any)
	var b strings.Builder
	b.WriteString(render.String(meta["title"]))
	for _, p := range render.Items(cm["parties"]) {
		pm, _ := p.(map[string]any)
		for _, k := range []string{"name", "emailAddress", "title"} {
			b.WriteString("\n" + render.String(pm[k]))
		}
		b.WriteString("\n" + strings.Join(accounts(pm), "\n"))
	}
	b.WriteString("\n" + strings.Join(accounts(cm), "\n"))
	if t, err := time.Parse(time.RFC3339, render.String(meta["started"])); err == nil {
		b.WriteString("\n" + t.Format("2006-01-02 January 2006 Jan"))
	}
	return strings.ToLower(b.String())
}

func matches(hay string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(hay, t) {
			return false
		}
	}
	return true
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
