package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// listTTLMs is how long clients may cache tools/list. Short, because a
// server's filters can be edited and the change must show soon.
const listTTLMs = 30_000

// middleware records what the SDK dispatched for the audit log, answers
// tools/list and tools/call for the request's MCP server, and leaves
// everything else (initialize, ping, discover, ...) to the SDK.
func (h *Handler) middleware(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		c, _ := ctx.Value(callKey{}).(*call)
		if c == nil {
			// Only reachable if the SDK handler were mounted without ServeHTTP.
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "no MCP server for this request"}
		}
		cr, isCall := req.(*sdk.CallToolRequest)
		tool := ""
		if isCall && cr.Params != nil {
			tool = cr.Params.Name
		}
		c.dispatch(method, tool)
		switch {
		case method == "tools/list":
			return h.listTools(c), nil
		case method == "initialize" || method == "server/discover":
			return withInstructions(next(ctx, method, req))(c.set.Instructions())
		case method != "tools/call":
			return next(ctx, method, req)
		case !isCall || cr.Params == nil:
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid tools/call request"}
		}
		return h.serveCall(ctx, c, cr) // discovery.go, then callTool
	}
}

// withInstructions puts the integration's server instructions (how to find
// things, where ids come from, paging and the answer budget) in an
// initialize answer: they are said once, not in every tool's description.
func withInstructions(res sdk.Result, err error) func(string) (sdk.Result, error) {
	return func(text string) (sdk.Result, error) {
		if err != nil || text == "" {
			return res, err
		}
		switch r := res.(type) {
		case *sdk.InitializeResult:
			r.Instructions = text
		case *sdk.DiscoverResult: // 2026-07-28's stateless start
			r.Instructions = text
		}
		return res, err
	}
}

func (h *Handler) listTools(c *call) *sdk.ListToolsResult {
	list := h.visibleTools(c)
	if c.server.Config.Discovery() {
		list = DiscoveryTools(c.set, list) // discovery.go
	}
	res := &sdk.ListToolsResult{Tools: h.searchFetchList(c, list)}
	// A server's list is its own: private, not shared between users.
	res.TTLMs, res.CacheScope = listTTLMs, "private"
	return res
}

// maxCachedFilters bounds each tools/list cache; configs beyond it are
// rebuilt per request, which is cheap anyway.
const maxCachedFilters = 4096

// boundedCache is a map that stops taking entries at maxCachedFilters, or
// once its entries' sizes reach maxBytes (if set), so no stream of server
// configs can grow it without bound.
type boundedCache struct {
	maxBytes int
	m        sync.Map
	mu       sync.Mutex
	n, bytes int
}

func (b *boundedCache) load(key string) (any, bool) { return b.m.Load(key) }

// store keeps v (of the given size in bytes) if there is room.
func (b *boundedCache) store(key string, v any, size int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n >= maxCachedFilters || (b.maxBytes > 0 && b.bytes+size > b.maxBytes) {
		return
	}
	if _, loaded := b.m.LoadOrStore(key, v); !loaded {
		b.n++
		b.bytes += size
	}
}

func filterKey(set *tools.Set, f tools.Filter) string {
	return set.Integration.Name + "\x00" + set.Integration.Version + "\x00" + f.Key()
}

func (h *Handler) sdkTools(set *tools.Set, f tools.Filter) []*sdk.Tool {
	key := filterKey(set, f)
	if v, ok := h.listCache.load(key); ok {
		return v.([]*sdk.Tool)
	}
	selected := executor.Select(set, f) // a composite needs its steps allowed too
	out := make([]*sdk.Tool, 0, len(selected))
	for _, t := range selected {
		out = append(out, SDKTool(t))
	}
	h.listCache.store(key, out, 0)
	return out
}

// SDKTool renders a generated tool as the SDK's wire type. The display
// title travels once, in annotations.title: clients fall back to it when
// the top-level title is absent (MCP 2025-06-18 display precedence), and
// sending both would spend about 2.5 KB of every Gong tools/list on
// repeats.
func SDKTool(t *tools.Tool) *sdk.Tool {
	destructive, openWorld := t.Annotations.DestructiveHint, t.Annotations.OpenWorldHint
	return &sdk.Tool{
		Name:        t.Name,
		Description: t.Description,
		InputSchema: t.InputSchema,
		Annotations: &sdk.ToolAnnotations{
			Title:           t.Annotations.Title,
			ReadOnlyHint:    t.Annotations.ReadOnlyHint,
			DestructiveHint: &destructive,
			IdempotentHint:  t.Annotations.IdempotentHint,
			OpenWorldHint:   &openWorld,
		},
	}
}

func (h *Handler) callTool(ctx context.Context, c *call, req *sdk.CallToolRequest) (sdk.Result, error) {
	// The client going away (HTTP request cancelled) cancels the upstream
	// requests, whatever protocol revision it speaks.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()

	name := req.Params.Name
	if res, ok := h.searchFetch(ctx, c, req); ok {
		return res, nil // search and fetch (searchfetch.go)
	}
	ex := h.opts.Executor
	t, args, fail, err := ex.Prepare(c.exec, name, req.Params.Arguments)
	if err != nil {
		// A filtered-out tool is indistinguishable from a missing one.
		c.note("invalid", "unknown tool", nil)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown tool %q", name)}
	}
	if fail != nil {
		c.note("invalid", fail.Err, nil)
		return toolResult(req, fail), nil
	}
	ans := ex.Run(ctx, c.exec, t, args, progressOf(req))
	c.noteResult(ans.Result)
	if ans.IsText {
		return textResult(req, ans.Text), nil
	}
	return toolResult(req, ans.Result), nil
}

// progressOf sends a composite's progress as notifications, to a client
// that asked for them with a progress token.
func progressOf(req *sdk.CallToolRequest) executor.Progress {
	token := req.Params.GetProgressToken()
	if token == nil || req.Session == nil {
		return nil
	}
	return func(ctx context.Context, n int, msg string) {
		_ = req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{ProgressToken: token, Progress: float64(n), Message: msg})
	}
}

func (c *call) note(status, errText string, rl *upstream.RateLimit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.errText, c.rateLimit = status, errText, rl
}

// noteResult notes a call's outcome: "denied" when a budget or pacing
// refused its last request, else ok or error.
func (c *call) noteResult(res *upstream.Result) {
	status := "ok"
	switch {
	case res.IsError && c.exec.Denied():
		status = "denied"
	case res.IsError:
		status = "error"
	}
	c.note(status, res.Err, res.RateLimit)
}

// completeResult is a CallToolResult whose unexported resultType says
// "complete". Results built by hand bypass the SDK code that sets it, and
// 2026-07-28 clients reject a tools/call result without it.
var completeResult = func() sdk.CallToolResult {
	var r sdk.CallToolResult
	if err := json.Unmarshal([]byte(`{"content":[],"resultType":"complete"}`), &r); err != nil {
		panic(err)
	}
	return r
}()

const protocol20260728 = "2026-07-28"

func toolResult(req *sdk.CallToolRequest, res *upstream.Result) *sdk.CallToolResult {
	text, err := res.Text()
	if err != nil {
		text = []byte(`{"error":{"message":"could not encode the answer"}}`)
	}
	var out sdk.CallToolResult
	if req.ProtocolVersion() >= protocol20260728 {
		out = completeResult
	}
	out.Content = []sdk.Content{&sdk.TextContent{Text: string(text)}}
	out.IsError = res.IsError
	if res.IsError {
		out.SetError(errors.New(res.Err))
	}
	return &out
}

// textResult is a tool result of plain text (an answer format).
func textResult(req *sdk.CallToolRequest, text string) *sdk.CallToolResult {
	var out sdk.CallToolResult
	if req.ProtocolVersion() >= protocol20260728 {
		out = completeResult
	}
	out.Content = []sdk.Content{&sdk.TextContent{Text: text}}
	return &out
}
