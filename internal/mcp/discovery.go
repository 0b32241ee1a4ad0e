package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Discovery mode (config.tool_exposure "discovery", Truto's shape): instead
// of every tool, tools/list shows three meta-tools, so a server of sixty
// tools costs a client about 3 KB of context instead of 40-80 KB, at the
// price of a search (and a schema read) before the first call.
//
//   - search_tools finds tools by words, among the tools the server's
//     filters allow;
//   - get_tool_schema gives the full description and input schema of up
//     to five of them;
//   - call_tool runs one, by re-entering callTool: validation, scopes,
//     budgets, pacing, composites and the audit log are the direct call's.
//
// Everything the meta-tools see is the list the server would show in "all"
// mode (visibleTools): a tool the filters leave out is never found,
// suggested, described or called. search and fetch (config.search_fetch)
// stay listed beside the meta-tools: ChatGPT deep research looks for them
// by name in tools/list.

const (
	searchToolsName   = "search_tools"
	getToolSchemaName = "get_tool_schema"
	callToolName      = "call_tool"

	searchDefaultLimit = 10
	searchMaxLimit     = 50
	// searchMaxQuery bounds the work one search costs.
	searchMaxQuery = 500
	schemaMaxTools = 5
	// topicsMaxBytes bounds the tags search_tools' description carries, so
	// the whole list stays under 4 KB whatever the integration.
	topicsMaxBytes = 400
)

// serveCall answers a tools/call: the meta-tools on a discovery server,
// else the direct call. Both the SDK middleware and the fast path come
// here, so the two answer alike.
func (h *Handler) serveCall(ctx context.Context, c *call, req *sdk.CallToolRequest) (sdk.Result, error) {
	if !c.server.Config.Discovery() {
		return h.callTool(ctx, c, req)
	}
	switch name := req.Params.Name; {
	case name == searchToolsName:
		return h.searchTools(c, req), nil
	case name == getToolSchemaName:
		return h.getToolSchema(c, req), nil
	case name == callToolName:
		return h.callThrough(ctx, c, req)
	case searchFetchListed(h, c, name):
		return h.callTool(ctx, c, req) // listed beside the meta-tools
	default:
		// Whether the tool exists or is filtered out, the answer is the same.
		c.note("invalid", "discovery mode: tools are called through call_tool", nil)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(
			"tool %q is not listed on this server, which is in discovery mode: find tools with search_tools, read their input schema with get_tool_schema, and run them with call_tool", name)}
	}
}

// searchFetchListed reports whether name is search or fetch and the server
// lists them (searchfetch.go decides).
func searchFetchListed(h *Handler, c *call, name string) bool {
	if name != searchToolName && name != fetchToolName {
		return false
	}
	for _, st := range h.searchFetchList(c, nil) {
		if st.Name == name {
			return true
		}
	}
	return false
}

// visibleTools is what tools/list shows in "all" mode, before search and
// fetch: the tools the server's filters allow, less those whose scopes
// the account lacks when the server hides them.
func (h *Handler) visibleTools(c *call) []*sdk.Tool {
	list := h.sdkTools(c.set, c.filter)
	if !c.server.Config.HideToolsMissingScopes || c.account.Scopes == nil {
		return list
	}
	return slicesFilter(list, func(st *sdk.Tool) bool {
		t, ok := c.set.Lookup(st.Name)
		return ok && len(executor.MissingScopes(c.account.Scopes, t.Scopes)) == 0
	})
}

func slicesFilter(list []*sdk.Tool, keep func(*sdk.Tool) bool) []*sdk.Tool {
	out := make([]*sdk.Tool, 0, len(list))
	for _, st := range list {
		if keep(st) {
			out = append(out, st)
		}
	}
	return out
}

// DiscoveryTools is the three meta-tools a discovery server of set lists
// when it would list visible in "all" mode (the dashboard's preview uses
// it too). call_tool's annotations are what any of those tools may do.
func DiscoveryTools(set *tools.Set, visible []*sdk.Tool) []*sdk.Tool {
	readOnly, idempotent, destructive, openWorld := true, true, false, false
	for _, st := range visible {
		a := st.Annotations
		readOnly = readOnly && a.ReadOnlyHint
		idempotent = idempotent && a.IdempotentHint
		destructive = destructive || (a.DestructiveHint != nil && *a.DestructiveHint)
		openWorld = openWorld || (a.OpenWorldHint == nil || *a.OpenWorldHint)
	}
	integ := set.Integration.Title
	if integ == "" {
		integ = set.Integration.Name
	}
	local := func(title string) *sdk.ToolAnnotations {
		a := readOnlyAnnotations(title)
		f := false
		a.OpenWorldHint = &f // reads the server's own catalogue
		return a
	}
	return []*sdk.Tool{
		{
			Name: searchToolsName,
			Description: fmt.Sprintf("Finds this server's %s tools by words (what they act on, what they do, their arguments); this server lists only these three meta-tools. ", integ) +
				`Returns {"tools":[{"name","title","summary","annotations"}]}, best first; an empty query lists every tool name by resource. ` +
				"Then read a tool's arguments with get_tool_schema and run it with call_tool." + topicHint(set, visible),
			InputSchema: json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{"query":{"type":"string","description":"Words, e.g. \"call transcript\" or \"users activity\"."},"limit":{"type":"integer","minimum":1,"maximum":%d,"description":"Most tools to answer (default %d)."}},"required":["query"],"additionalProperties":false}`, searchMaxLimit, searchDefaultLimit)),
			Annotations: local("Search tools"),
		},
		{
			Name:        getToolSchemaName,
			Description: fmt.Sprintf(`Describes up to %d tools found by search_tools: {"tools":[{"name","description","inputSchema","annotations"}]}, with suggestions for a name not found. Pass inputSchema's arguments to call_tool.`, schemaMaxTools),
			InputSchema: json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{"tool_names":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":%d}},"required":["tool_names"],"additionalProperties":false}`, schemaMaxTools)),
			Annotations: local("Get tool schemas"),
		},
		{
			Name:        callToolName,
			Description: "Runs a tool found by search_tools with arguments that follow its schema (from get_tool_schema), and answers what the tool answers.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"tool_name":{"type":"string"},"arguments":{"type":"object","description":"The tool's arguments."}},"required":["tool_name"],"additionalProperties":false}`),
			Annotations: &sdk.ToolAnnotations{Title: "Call a tool", ReadOnlyHint: readOnly, DestructiveHint: &destructive, IdempotentHint: idempotent, OpenWorldHint: &openWorld},
		},
	}
}

// topicHint names the visible tools' tags, so an agent can pick its words
// before the first search; bounded by topicsMaxBytes.
func topicHint(set *tools.Set, visible []*sdk.Tool) string {
	var names []string
	seen := map[string]bool{}
	for _, st := range visible {
		t, ok := set.Lookup(st.Name)
		if !ok {
			continue
		}
		for _, tag := range t.Tags {
			if !seen[tag] {
				seen[tag] = true
				names = append(names, tag)
			}
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		if b.Len()+len(n)+2 > topicsMaxBytes {
			b.WriteString(", …")
			break
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	if b.Len() == 0 {
		return ""
	}
	return " Topics: " + b.String() + "."
}

// catalogue is the tools a discovery server's meta-tools may see, in list
// order.
type catalogue struct {
	tools  []*tools.Tool
	listed map[string]*sdk.Tool // by name
}

func (h *Handler) catalogueOf(c *call) *catalogue {
	visible := h.visibleTools(c)
	cat := &catalogue{listed: make(map[string]*sdk.Tool, len(visible))}
	for _, st := range visible {
		if t, ok := c.set.Lookup(st.Name); ok {
			cat.tools = append(cat.tools, t)
			cat.listed[st.Name] = st
		}
	}
	return cat
}

// metaArgs decodes a meta-tool's arguments strictly (unknown keys refused).
func metaArgs(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid arguments: %v", err)
	}
	return nil
}

// metaResult is a meta-tool's JSON answer (or, with isError, its message).
func metaResult(c *call, req *sdk.CallToolRequest, v any, isError bool, errText string) *sdk.CallToolResult {
	var text strings.Builder
	enc := json.NewEncoder(&text)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	r := textResult(req, strings.TrimSpace(text.String()))
	if isError {
		r.IsError = true
		r.SetError(errors.New(errText))
		c.note("invalid", errText, nil)
	}
	return r
}

func metaFail(c *call, req *sdk.CallToolRequest, msg string) *sdk.CallToolResult {
	return metaResult(c, req, map[string]any{"error": map[string]string{"message": msg}}, true, msg)
}

// searchHit is one search_tools match.
type searchHit struct {
	Name        string         `json:"name"`
	Title       string         `json:"title"`
	Summary     string         `json:"summary"`
	Annotations hitAnnotations `json:"annotations"`
	score       float64        // ranking only
}

type hitAnnotations struct {
	ReadOnly    bool `json:"readOnlyHint"`
	Destructive bool `json:"destructiveHint"`
	Idempotent  bool `json:"idempotentHint"`
	OpenWorld   bool `json:"openWorldHint"`
}

func (h *Handler) searchTools(c *call, req *sdk.CallToolRequest) *sdk.CallToolResult {
	var args struct {
		Query *string `json:"query"`
		Limit *int    `json:"limit"`
	}
	if err := metaArgs(req.Params.Arguments, &args); err != nil {
		return metaFail(c, req, err.Error())
	}
	if args.Query == nil {
		return metaFail(c, req, "invalid arguments: query is required (an empty string lists every tool)")
	}
	if len(*args.Query) > searchMaxQuery {
		return metaFail(c, req, fmt.Sprintf("invalid arguments: query is at most %d bytes; a few words find a tool", searchMaxQuery))
	}
	limit := searchDefaultLimit
	if args.Limit != nil {
		if *args.Limit < 1 || *args.Limit > searchMaxLimit {
			return metaFail(c, req, fmt.Sprintf("invalid arguments: limit must be between 1 and %d", searchMaxLimit))
		}
		limit = *args.Limit
	}
	cat := h.catalogueOf(c)
	hits := cat.search(*args.Query)
	if len(hits) == 0 {
		// Nothing matched (or nothing was asked): the whole catalogue, by
		// name, so the next step is never a guess.
		msg := "no tool matches those words; here is every tool, by resource"
		if len(words(*args.Query)) == 0 {
			msg = "every tool, by resource"
		}
		return metaResult(c, req, map[string]any{"tools": []searchHit{}, "note": msg, "tools_by_resource": cat.byResource()}, false, "")
	}
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return metaResult(c, req, map[string]any{"tools": hits}, false, "")
}

// stopWords are query words that say nothing about which tool is meant.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "in": true, "on": true, "for": true, "to": true, "and": true,
	"or": true, "by": true, "with": true, "from": true, "at": true, "is": true, "are": true, "be": true, "it": true,
	"my": true, "me": true, "i": true, "what": true, "which": true, "who": true, "how": true, "all": true, "their": true,
}

// field weights: a word in a tool's name or resource says more than one
// in its description.
var fieldWeights = []float64{3, 3, 2, 2, 2, 1, 1} // name, resource, method, tags, title, arguments, description

// search ranks the catalogue's tools for query: each query word scores
// the heaviest field it occurs in, weighted by how rare the word is among
// the tools. Stop words, and words every tool carries (the integration's
// name), tell tools apart no better than nothing. A tool matching no word
// is left out.
func (cat *catalogue) search(query string) []searchHit {
	var q []string
	for _, w := range words(query) {
		if !stopWords[w] && !slices.Contains(q, w) {
			q = append(q, w)
		}
	}
	fields := make([][][]string, len(cat.tools))
	df := make(map[string]int, len(q))
	for i, t := range cat.tools {
		fields[i] = toolFields(t)
		for _, w := range q {
			if fieldOf(fields[i], w) >= 0 {
				df[w]++
			}
		}
	}
	if len(cat.tools) > 1 {
		q = slices.DeleteFunc(q, func(w string) bool { return df[w] == len(cat.tools) })
	}
	if len(q) == 0 {
		return nil
	}
	n := float64(len(cat.tools))
	var hits []searchHit
	for i, t := range cat.tools {
		score, matched := 0.0, 0
		for _, w := range q {
			f := fieldOf(fields[i], w)
			if f < 0 {
				continue
			}
			matched++
			score += fieldWeights[f] * math.Log(1+n/float64(df[w]))
		}
		if matched == 0 {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(query), t.Name) {
			score += 100 // the exact name first
		}
		hits = append(hits, cat.hit(t, score*float64(matched)/float64(len(q))))
	}
	// Ties go to the shorter name: the plain tool before its variants.
	sort.SliceStable(hits, func(a, b int) bool {
		if hits[a].score != hits[b].score {
			return hits[a].score > hits[b].score
		}
		return len(hits[a].Name) < len(hits[b].Name)
	})
	return hits
}

func (cat *catalogue) hit(t *tools.Tool, score float64) searchHit {
	a := t.Annotations
	return searchHit{
		Name: t.Name, Title: t.Title, Summary: summary(t.Description), score: score,
		Annotations: hitAnnotations{ReadOnly: a.ReadOnlyHint, Destructive: a.DestructiveHint, Idempotent: a.IdempotentHint, OpenWorld: a.OpenWorldHint},
	}
}

// byResource lists every tool name under its resource.
func (cat *catalogue) byResource() map[string][]string {
	out := map[string][]string{}
	for _, t := range cat.tools {
		r := t.Resource
		if r == "" {
			r = "other"
		}
		out[r] = append(out[r], t.Name)
	}
	return out
}

// toolFields are a tool's searchable words, field by field in the order of
// fieldWeights.
func toolFields(t *tools.Tool) [][]string {
	var props struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(t.InputSchema, &props)
	var argNames []string
	for name := range props.Properties {
		argNames = append(argNames, words(name)...)
	}
	return [][]string{
		words(t.Name), words(t.Resource), words(t.Method), words(strings.Join(t.Tags, " ")),
		words(t.Title), argNames, words(t.Description),
	}
}

// fieldOf is the index of the first field holding word w, or -1.
func fieldOf(fields [][]string, w string) int {
	for i, f := range fields {
		for _, fw := range f {
			if fw == w {
				return i
			}
		}
	}
	return -1
}

// words splits s into lower-case words, breaking at anything not a letter
// or digit and at camelCase humps, with a plural s dropped so "calls"
// finds "call".
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			w := string(cur)
			if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
				w = w[:len(w)-1]
			}
			out = append(out, w)
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				flush()
			}
			cur = append(cur, unicode.ToLower(r))
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
			prevLower = true
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return out
}

// summary is the first sentence of a description, at most 160 bytes.
func summary(desc string) string {
	s := strings.TrimSpace(desc)
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) > 160 {
		cut := strings.LastIndexByte(s[:157], ' ')
		if cut < 80 {
			cut = 157
		}
		s = strings.ToValidUTF8(s[:cut], "") + "…"
	}
	return s
}

// schemaEntry is one tool as get_tool_schema describes it.
type schemaEntry struct {
	Name        string               `json:"name"`
	Description string               `json:"description"`
	InputSchema any                  `json:"inputSchema"`
	Annotations *sdk.ToolAnnotations `json:"annotations"`
}

type unknownName struct {
	Name       string   `json:"name"`
	DidYouMean []string `json:"did_you_mean,omitempty"`
}

func (h *Handler) getToolSchema(c *call, req *sdk.CallToolRequest) *sdk.CallToolResult {
	var args struct {
		ToolNames []string `json:"tool_names"`
	}
	if err := metaArgs(req.Params.Arguments, &args); err != nil {
		return metaFail(c, req, err.Error())
	}
	if len(args.ToolNames) == 0 || len(args.ToolNames) > schemaMaxTools {
		return metaFail(c, req, fmt.Sprintf("invalid arguments: tool_names takes 1 to %d names", schemaMaxTools))
	}
	cat := h.catalogueOf(c)
	found := []schemaEntry{}
	var unknown []unknownName
	for i, name := range args.ToolNames {
		if slices.Contains(args.ToolNames[:i], name) {
			continue // described once
		}
		st, ok := cat.listed[name]
		if !ok {
			unknown = append(unknown, unknownName{Name: truncate(name, 100), DidYouMean: cat.suggest(name)})
			continue
		}
		found = append(found, schemaEntry{Name: st.Name, Description: st.Description, InputSchema: st.InputSchema, Annotations: st.Annotations})
	}
	out := map[string]any{"tools": found}
	if len(unknown) > 0 {
		out["unknown"] = unknown
	}
	if len(found) == 0 {
		msg := "no such tool on this server; find tools with search_tools"
		out["error"] = map[string]string{"message": msg}
		return metaResult(c, req, out, true, msg)
	}
	return metaResult(c, req, out, false, "")
}

// suggest names up to three catalogue tools close to name: same name but
// for case, names containing it, then the nearest by edit distance.
func (cat *catalogue) suggest(name string) []string {
	type cand struct {
		name string
		d    int
	}
	lname := strings.ToLower(strings.TrimSpace(name))
	if lname == "" || len(lname) > 200 {
		return nil
	}
	var cands []cand
	for _, t := range cat.tools {
		tn := strings.ToLower(t.Name)
		d := editDistance(lname, tn)
		if len(lname) >= 4 && strings.Contains(tn, lname) {
			d = min(d, 2)
		}
		if d <= max(3, len(lname)/4) {
			cands = append(cands, cand{t.Name, d})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].d < cands[b].d })
	var out []string
	for i := 0; i < len(cands) && i < 3; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// callThrough runs call_tool's tool as a direct tools/call of it: the same
// function, the same checks. The audit log names the tool that ran.
func (h *Handler) callThrough(ctx context.Context, c *call, req *sdk.CallToolRequest) (sdk.Result, error) {
	var args struct {
		ToolName  *string         `json:"tool_name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := metaArgs(req.Params.Arguments, &args); err != nil {
		return metaFail(c, req, err.Error()), nil
	}
	if args.ToolName == nil || *args.ToolName == "" {
		return metaFail(c, req, "invalid arguments: tool_name is required"), nil
	}
	name := *args.ToolName
	if a := strings.TrimSpace(string(args.Arguments)); a == "null" {
		args.Arguments = nil
	} else if a != "" && a[0] != '{' {
		return metaFail(c, req, "invalid arguments: arguments must be an object"), nil
	}
	cat := h.catalogueOf(c)
	_, listed := cat.listed[name]
	if !listed && !searchFetchListed(h, c, name) {
		msg := fmt.Sprintf("unknown tool %q; find tools with search_tools", truncate(name, 100))
		if s := cat.suggest(name); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, ", ") + "?"
		}
		c.dispatch("tools/call", name)
		return metaFail(c, req, msg), nil
	}
	c.dispatch("tools/call", name)
	params := *req.Params
	params.Name, params.Arguments = name, args.Arguments
	return h.callTool(ctx, c, &sdk.CallToolRequest{Session: req.Session, Params: &params, Extra: req.Extra})
}
