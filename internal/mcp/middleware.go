package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// listTTLMs is how long clients may cache tools/list. Short, because a
// server's filters can be edited and the change must show soon.
const listTTLMs = 30_000

// middleware answers tools/list and tools/call for the request's MCP server
// and leaves everything else (initialize, ping, discover, ...) to the SDK.
func (h *Handler) middleware(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		if method != "tools/list" && method != "tools/call" {
			return next(ctx, method, req)
		}
		c := h.callOf(ctx, req)
		if c == nil {
			// Only reachable if the SDK handler were mounted without ServeHTTP.
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "no MCP server for this request"}
		}
		if method == "tools/list" {
			return h.listTools(c), nil
		}
		cr, ok := req.(*sdk.CallToolRequest)
		if !ok {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid tools/call request"}
		}
		return h.callTool(ctx, c, cr)
	}
}

func (h *Handler) callOf(ctx context.Context, req sdk.Request) *call {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c // a long-lived session's request (sse.go)
	}
	extra := req.GetExtra()
	if extra == nil || extra.Header == nil {
		return nil
	}
	v, ok := h.inflight.Load(extra.Header.Get(stateHeader))
	if !ok {
		return nil
	}
	return v.(*call)
}

func (h *Handler) listTools(c *call) *sdk.ListToolsResult {
	list := h.sdkTools(c.set, c.filter)
	if c.server.Config.HideToolsMissingScopes && c.account.Scopes != nil {
		allowed := make([]*sdk.Tool, 0, len(list))
		for _, st := range list {
			if t, ok := c.set.Lookup(st.Name); ok && len(missingScopes(c.account.Scopes, t.Scopes)) == 0 {
				allowed = append(allowed, st)
			}
		}
		list = allowed
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
	selected := set.Select(f)
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
	name := req.Params.Name
	if res, ok := h.searchFetch(ctx, c, req); ok {
		return res, nil // search and fetch (searchfetch.go)
	}
	c.mu.Lock()
	c.tool = name
	c.mu.Unlock()
	t, ok := c.set.Lookup(name)
	if !ok || !c.filter.Allows(t) {
		// A filtered-out tool is indistinguishable from a missing one.
		c.note("invalid", 0, "unknown tool", nil)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown tool %q", name)}
	}
	args, err := upstream.DecodeArgs(req.Params.Arguments)
	if err == nil {
		err = t.Validate(args)
	}
	if err != nil {
		c.note("invalid", 0, err.Error(), nil)
		return toolResult(req, upstream.Fail(err.Error(), nil)), nil
	}
	if missing := missingScopes(c.account.Scopes, t.Scopes); len(missing) > 0 {
		msg := fmt.Sprintf("the %s account %q was not granted the scope this tool needs (%s); reconnect it with that scope", c.account.Integration, c.account.Name, strings.Join(missing, ", "))
		c.note("error", 0, msg, nil)
		return toolResult(req, upstream.Fail(msg, missing)), nil
	}
	if c.account.Status == store.StatusNeedsReauth {
		msg := fmt.Sprintf("the %s account %q needs to be reconnected: its credentials stopped working. An admin can reconnect it in the Patchbay dashboard (Integrated accounts → Reconnect)", c.account.Integration, c.account.Name)
		c.note("error", 0, msg, nil)
		return toolResult(req, upstream.Fail(msg, nil)), nil
	}
	if h.opts.Quota != nil {
		// Budgets are spent only by calls that would reach upstream.
		if err := h.opts.Quota(ctx, c.server, c.account); err != nil {
			res := upstream.Fail(err.Error(), nil)
			var be interface{ RateLimit() *upstream.RateLimit }
			if errors.As(err, &be) {
				res.RateLimit = be.RateLimit()
				res.Body = map[string]any{"error": upstream.ErrorBody{Status: http.StatusTooManyRequests, Message: err.Error(), RateLimit: res.RateLimit}}
			}
			c.note("denied", 0, err.Error(), res.RateLimit)
			return toolResult(req, res), nil
		}
	}
	auth, err := h.opts.Auth(ctx, c.account)
	if err != nil {
		c.note("error", 0, err.Error(), nil)
		return toolResult(req, upstream.Fail(err.Error(), nil)), nil
	}
	// The client going away (HTTP request cancelled) cancels the upstream
	// call, whatever protocol revision it speaks.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()

	if t.Composite != nil {
		res := h.runComposite(ctx, c, req, auth, t, args)
		status := "ok"
		if res.IsError {
			status = "error"
		}
		c.note(status, res.Status, res.Err, res.RateLimit)
		return toolResult(req, res), nil
	}

	format, _ := args[integration.FormatArg].(string)
	delete(args, integration.FormatArg)
	res := h.opts.Upstream.Call(ctx, c.set.Integration, c.account.BaseURL, auth, t, args)
	if res.Status == http.StatusUnauthorized && h.opts.Reauth != nil && c.account.Credentials.Type == credentials.TypeOAuth2 {
		// One refresh and one retry: the token may have been revoked or
		// expired early; a second 401 is the answer.
		if again, err := h.opts.Reauth(ctx, c.account, auth); err == nil {
			auth = again
			res = h.opts.Upstream.Call(ctx, c.set.Integration, c.account.BaseURL, auth, t, args)
		} else {
			res = upstream.Fail(err.Error(), nil)
			res.Status = http.StatusUnauthorized
		}
	}
	status := "ok"
	if res.IsError {
		status = "error"
	}
	c.note(status, res.Status, res.Err, res.RateLimit)
	if f, ok := t.Record.Formats[format]; ok && !res.IsError {
		return textResult(req, h.renderFormat(ctx, c, auth, f, res)), nil
	}
	return toolResult(req, res), nil
}

// missingScopes lists the needed scopes not granted; unknown grants (nil)
// are left for upstream to judge.
func missingScopes(granted, needed []string) []string {
	if granted == nil {
		return nil
	}
	var missing []string
	for _, n := range needed {
		if !slices.Contains(granted, n) {
			missing = append(missing, n)
		}
	}
	return missing
}

func (c *call) note(status string, upstreamStatus int, errText string, rl *upstream.RateLimit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.upstreamStatus, c.errText, c.rateLimit = status, upstreamStatus, errText, rl
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
