// Package mcp serves MCP servers at /mcp/{token}: it resolves the token to
// an MCP server and its integrated account, and answers tools/list and
// tools/call for that server from one shared go-sdk Server running in
// stateless mode, so any replica can answer any request and nothing is
// built per request.
package mcp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// Catalog gives the tool set of an integration by name.
type Catalog interface {
	ToolSet(integration string) (*tools.Set, bool)
}

// Reauthorizer and AuthProvider are the executor's (see there).
type (
	Reauthorizer = executor.Reauthorizer
	AuthProvider = executor.AuthProvider
)

// Options configure the handler.
type Options struct {
	Store    store.Store
	Catalog  Catalog
	Upstream *upstream.Client
	Auth     AuthProvider
	Reauth   Reauthorizer // optional
	Logger   *slog.Logger
	Now      func() time.Time
	Version  string
	// PollInterval is how often composite tools check on started work
	// (for the Executor built when none is given).
	PollInterval time.Duration
	// MaxBodyBytes bounds an MCP request body; larger ones get 413.
	MaxBodyBytes int64
	// DisableLocalhostProtection turns off the loopback Host check (for a
	// reverse proxy on the same host that keeps the public Host); Host must
	// then be PublicURL's host when that is set.
	DisableLocalhostProtection bool
	// AllowedOrigins are the browser origins allowed to call the endpoint
	// (nil: DefaultAllowedOrigins; "*": any). See originPolicy.
	AllowedOrigins []string
	// PublicURL is the installation's public base URL, if configured; its
	// origin is always allowed and, behind a proxy, its host is required.
	PublicURL string
	// Observe, if set, hears every MCP request as its audit log entry (for
	// metrics), after the entry is written.
	Observe func(*store.LogEntry)
	// ObserveRefused, if set, hears every request refused before an MCP
	// server was known ("unknown_token", "too_many_failures"): those have
	// no audit log entry.
	ObserveRefused func(reason string)
	// Limiter slows and then refuses sources that keep presenting unknown
	// tokens or wrong API tokens (see limiter.go).
	Limiter LimiterConfig
	// Quota, if set, is charged for every upstream request; an error ends
	// the call with an isError result carrying its text.
	Quota executor.QuotaSpender
	// Executor sends every upstream request. Unset, one is built from
	// Upstream, Auth, Reauth and Quota, pacing through Store.
	Executor *executor.Executor
	// OAuth, if set, serves /mcp/oauth[/{server_id}] and lets token URLs
	// that require API-token auth take OAuth access tokens (oauth.go).
	OAuth OAuthVerifier
	// SSEKeepAlive is how often an idle legacy SSE stream gets a comment
	// line (0: 25 s; negative: never), so proxies that close idle
	// connections (nginx after 60 s by default) leave it open.
	SSEKeepAlive time.Duration
	// SSE caps legacy SSE streams per process, server and source (sse.go).
	SSE SSELimits
	// SDKOnly sends every request through the go-sdk, turning off the fast
	// path for plain tools/list and tools/call (fastpath.go); for the test
	// that compares the two, and as an escape hatch.
	SDKOnly bool
}

// Handler is the /mcp/ endpoint.
type Handler struct {
	opts       Options
	streamable *sdk.StreamableHTTPHandler
	// streamableSSE answers as an event stream, for tool calls that asked
	// for progress notifications (a JSON answer cannot carry them).
	streamableSSE *sdk.StreamableHTTPHandler
	fastServed    atomic.Int64
	listCache     boundedCache // filter key -> []*sdk.Tool
	listBytes     boundedCache // listKey -> encoded tools/list result (fast path)

	origins  *originPolicy
	limiter  *failureLimiter
	server   *sdk.Server
	sessions sync.Map // *sdk.ServerSession -> *session (SSE, stdio)
	sseMu    sync.Mutex
	sse      map[string]*sseStream // legacy SSE sessions by id
}

// New builds the handler.
func New(opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.SSEKeepAlive == 0 {
		opts.SSEKeepAlive = 25 * time.Second
	}
	if opts.Executor == nil {
		opts.Executor = executor.New(executor.Options{Upstream: opts.Upstream, Auth: opts.Auth, Reauth: opts.Reauth, Quota: opts.Quota, Pacer: opts.Store, PollInterval: opts.PollInterval})
	}
	h := &Handler{opts: opts, sse: map[string]*sseStream{}}
	// About a hundred distinct full Gong lists (80 KB each); most
	// installations have a handful of filter configs.
	h.listBytes.maxBytes = 8 << 20
	h.origins = newOriginPolicy(opts.AllowedOrigins, opts.PublicURL, opts.DisableLocalhostProtection)
	h.limiter = newFailureLimiter(opts.Limiter)
	srv := sdk.NewServer(&sdk.Implementation{Name: "patchbay", Title: "Patchbay", Version: opts.Version}, &sdk.ServerOptions{
		Capabilities: &sdk.ServerCapabilities{
			Tools:   &sdk.ToolCapabilities{ListChanged: false},
			Logging: &sdk.LoggingCapabilities{},
		},
		Logger: quiet(opts.Logger),
	})
	srv.AddReceivingMiddleware(h.middleware)
	srv.AddReceivingMiddleware(discoverMiddleware)
	srv.AddReceivingMiddleware(h.sessionMiddleware) // outermost
	h.server = srv
	h.streamable = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, &sdk.StreamableHTTPOptions{
		Stateless:           true,
		JSONResponse:        true,
		MaxRequestBodyBytes: opts.MaxBodyBytes,
		// Host and Origin are checked by h.origins for every transport.
		DisableLocalhostProtection: true,
		Logger:                     quiet(opts.Logger),
	})
	h.streamableSSE = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, &sdk.StreamableHTTPOptions{
		Stateless:                  true,
		MaxRequestBodyBytes:        opts.MaxBodyBytes,
		DisableLocalhostProtection: true,
		Logger:                     quiet(opts.Logger),
	})
	return h
}

// call is one MCP request's state, shared between the HTTP layer and the
// MCP middleware through the request's context.
type call struct {
	ctx     context.Context // the HTTP request's (or session's) context
	server  *store.Server
	account *store.Account
	set     *tools.Set
	filter  tools.Filter
	exec    *executor.Call // what the request sent upstream

	// Filled by the middleware for the log entry and the HTTP headers.
	mu          sync.Mutex
	dispatched  bool   // the SDK (or the fast path) dispatched a method
	method      string // the method dispatched, as the SDK decoded it
	tool        string // tools/call: the tool, as the SDK decoded it
	status      string
	errText     string
	rateLimit   *upstream.RateLimit
	oauthClient string // the OAuth client's name, for the log
}

func (h *Handler) newCall(ctx context.Context, a admitted) *call {
	f := filterOf(a.server.Config)
	return &call{
		ctx: ctx, server: a.server, account: a.account, set: a.set, filter: f, status: "ok",
		exec: &executor.Call{Server: a.server, Account: a.account, Set: a.set, Filter: f, MaxAnswerBytes: a.server.Config.AnswerBudget()},
	}
}

// dispatch records the method (and tool) about to run: the audit log
// names what ran, never a second reading of the body.
func (c *call) dispatch(method, tool string) {
	c.mu.Lock()
	c.dispatched, c.method, c.tool = true, method, tool
	c.mu.Unlock()
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ServeHTTP answers /mcp/{token} (Streamable HTTP), and the legacy
// HTTP+SSE transport's /mcp/{token}/sse and /mcp/{token}/message; and the
// OAuth URLs /mcp/oauth[/{server_id}] (Streamable HTTP), served the same
// way once their access token is checked (oauth.go).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	a, rest, ok := h.admit(w, r, start)
	if !ok {
		return
	}
	switch {
	case rest == "/sse" && r.Method == http.MethodGet:
		h.serveSSE(w, r, a.admitted)
	case rest == "/message" && r.Method == http.MethodPost:
		h.serveSSEMessage(w, r, a.admitted)
	case rest == "/message":
		w.Header().Set("Allow", "POST")
		writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "POST the messages of an SSE session here")
	case r.Method == http.MethodGet || r.Method == http.MethodDelete:
		// Stateless Streamable HTTP offers no GET stream and no session to
		// delete, on every revision; 405 is the answer the spec gives.
		// (POST to /sse is Streamable HTTP too, for clients that try it
		// first on a pasted /sse URL.)
		w.Header().Set("Allow", "POST")
		writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "this Streamable HTTP endpoint takes POST; clients of the older HTTP+SSE transport open GET on this URL followed by /sse")
	default:
		h.serveStreamable(w, r, a, rest, start)
	}
}

// admission is what an admitted request is served with.
type admission struct {
	admitted
	oauthClient string // the OAuth client's name, when it came with OAuth
}

// admit checks the origin, the URL's token (or OAuth access token) and the
// API token a server may require, and finds the server's tool set. It
// answers refused requests itself; rest is the URL path after the token.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, start time.Time) (a admission, rest string, ok bool) {
	if !h.origins.admitBrowser(w, r) {
		return a, "", false
	}
	token, rest := splitToken(r.URL.Path)
	if token == "" || (token != oauthSegment && rest != "" && rest != "/sse" && rest != "/message") {
		h.refused("unknown_token")
		writeJSONError(w, http.StatusNotFound, "not_found", "no MCP server at this URL")
		return a, "", false
	}
	src := h.limiter.source(r)
	if delay, retry := h.limiter.admit(src); retry > 0 {
		h.refused("too_many_failures")
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		writeJSONError(w, http.StatusTooManyRequests, "too_many_failures", "too many requests with an unknown MCP URL or a wrong API token came from this address; retry later")
		return a, "", false
	} else if delay > 0 {
		h.limiter.cfg.Sleep(r.Context(), delay)
	}
	if token == oauthSegment {
		if a.server, a.account, a.oauthClient, ok = h.admitOAuth(w, r, rest, src, start); !ok {
			return a, "", false
		}
		rest = "" // Streamable HTTP only
	} else if a.server, a.account, a.oauthClient, ok = h.admitToken(w, r, token, src, start); !ok {
		return a, "", false
	}
	// From here on every kind of URL is served alike. The client's bearer
	// has done its job: it goes no further (not upstream, not to tools).
	h.limiter.succeed(src)
	r.Header.Del("Authorization")
	if a.set, ok = h.opts.Catalog.ToolSet(a.account.Integration); !ok {
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "the account's integration is not loaded")
		return a, "", false
	}
	return a, rest, true
}

// admitToken resolves a token URL's server and account and checks the
// second factor its server may require.
func (h *Handler) admitToken(w http.ResponseWriter, r *http.Request, token, src string, start time.Time) (*store.Server, *store.Account, string, bool) {
	ctx := r.Context()
	srv, acct, err := h.resolve(ctx, token)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			// Unknown, expired and revoked tokens answer alike.
			h.limiter.fail(src)
			h.refused("unknown_token")
			writeJSONError(w, http.StatusNotFound, "not_found", "no MCP server at this URL")
			return nil, nil, "", false
		}
		h.opts.Logger.ErrorContext(ctx, "mcp: resolving token", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "try again shortly")
		return nil, nil, "", false
	}
	var oauthClient string
	if srv.Config.RequireAPITokenAuth {
		ok := false
		if oauthClient, ok = h.tokenURLAuth(w, r, token, srv, acct, src, start); !ok {
			return nil, nil, "", false
		}
	}
	return srv, acct, oauthClient, true
}

// serveStreamable answers a Streamable HTTP request: on the fast path when
// it has the fast path's shape, else through the go-sdk.
func (h *Handler) serveStreamable(w http.ResponseWriter, r *http.Request, a admission, rest string, start time.Time) {
	ctx := r.Context()
	srv, acct := a.server, a.account
	// Decided before lenientAccept fills the header in: only a client that
	// itself accepts an event stream gets one.
	acceptsStream := strings.Contains(strings.ToLower(strings.Join(r.Header.Values("Accept"), ",")), "text/event-stream")
	var env envelope
	var fast fastRequest
	isFast := false
	if r.Method == http.MethodPost {
		var ok bool
		if env, fast, isFast, ok = h.readRequest(w, r, a, rest, start); !ok {
			return
		}
	}
	c := h.newCall(ctx, a.admitted)
	c.oauthClient = a.oauthClient
	if env.Method == "initialize" {
		// An opaque session id, never checked: every request is served on
		// its own (stateless) whatever id it carries. 2025-era clients and
		// the conformance suite's multi-stream checks (SEP-1699) expect one;
		// DELETE of it answers 405, which the spec allows.
		w.Header().Set("Mcp-Session-Id", sessionID(env.ClientName, env.ClientVersion))
	} else if env.ClientName == "" {
		// Later requests of a 2025-era client name it only through the
		// session id it was given.
		env.ClientName, env.ClientVersion = clientFromSession(r.Header.Get("Mcp-Session-Id"))
	}
	rw := &recorder{ResponseWriter: w, call: c}
	// The audit entry is stored before any byte of the answer leaves
	// (DESIGN §2: log entry, then the JSON-RPC response): an answered
	// request is never missing from the audit log, even after a crash; an
	// entry that cannot be stored turns the answer into an error. Only
	// answers streamed as events (progress) are logged after.
	switch {
	case isFast:
		parts := h.answerFast(ctx, c, fast)
		if h.log(ctx, srv, acct, env, r, http.StatusOK, c, start) != nil {
			writeAuditFailure(w)
			return
		}
		writeParts(rw, parts)
	case env.Progress && acceptsStream:
		h.serveSDK(h.streamableSSE, rw, r, c)
		if r.Method == http.MethodPost {
			_ = h.log(ctx, srv, acct, env, r, rw.statusCode(), c, start)
		}
	default:
		held := &heldResponse{w: rw}
		h.serveSDK(h.streamable, held, r, c)
		if r.Method == http.MethodPost && h.log(ctx, srv, acct, env, r, held.statusCode(), c, start) != nil && !held.streaming {
			writeAuditFailure(w)
			return
		}
		held.release()
	}
}

// readRequest reads a POST body and decides how it is served. Bodies the
// SDK would not read as the audit log does are refused here.
func (h *Handler) readRequest(w http.ResponseWriter, r *http.Request, a admission, rest string, start time.Time) (env envelope, fast fastRequest, isFast, ok bool) {
	ctx := r.Context()
	srv, acct := a.server, a.account
	refuse := func(status int, errText string, answer func()) {
		if h.log(ctx, srv, acct, env, r, status, &call{status: "invalid", errText: errText}, start) != nil {
			writeAuditFailure(w)
			return
		}
		answer()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			refuse(http.StatusRequestEntityTooLarge, "body too large", func() {
				writeJSONError(w, http.StatusRequestEntityTooLarge, "too_large", "request body is larger than the limit")
			})
			return env, fast, false, false
		}
		writeJSONError(w, http.StatusBadRequest, "bad_request", "could not read the request body")
		return env, fast, false, false
	}
	lenientAccept(r)
	if !h.opts.SDKOnly && rest == "" {
		if fast, isFast = parseFast(r, body); isFast {
			return envelope{ID: fast.id, HasID: true, Method: fast.method, Tool: fast.name}, fast, true, true
		}
	}
	if !json.Valid(body) {
		refuse(http.StatusBadRequest, "malformed JSON", func() { writeParseError(w) })
		return env, fast, false, false
	}
	env = peek(body)
	if env.Ambiguous {
		// encoding/json-style readers (and people reading logs) would take
		// another key than the SDK does: refuse rather than run one thing
		// and log another.
		refuse(http.StatusBadRequest, "ambiguous JSON-RPC envelope", func() { writeInvalidRequest(w, env.ID) })
		return env, fast, false, false
	}
	if env.HasID && env.Method != "" && !knownMethods[env.Method] && r.Header.Get("MCP-Protocol-Version") < "2026-07-28" {
		// The SDK answers an unknown method with a plain-text 400 before
		// 2026-07-28; JSON-RPC clients expect "method not found".
		refuse(http.StatusOK, "method not found", func() { writeMethodNotFound(w, env.ID, env.Method) })
		return env, fast, false, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return env, fast, false, true
}

// serveSDK hands r to the go-sdk with the call's state in its context,
// which the SDK passes on to the middleware.
func (h *Handler) serveSDK(sh *sdk.StreamableHTTPHandler, w http.ResponseWriter, r *http.Request, c *call) {
	sh.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// heldResponse keeps an SDK answer in memory until the audit entry is
// written and release is called. An event stream (subscriptions/listen is
// one even in JSON mode) cannot wait: it is passed through as it comes.
type heldResponse struct {
	w         http.ResponseWriter
	status    int
	streaming bool
	body      bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.w.Header() }

func (h *heldResponse) WriteHeader(code int) {
	if h.status != 0 {
		return
	}
	h.status = code
	if strings.HasPrefix(h.w.Header().Get("Content-Type"), "text/event-stream") {
		h.streaming = true
		h.w.WriteHeader(code)
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	if h.streaming {
		return h.w.Write(b)
	}
	return h.body.Write(b)
}

func (h *heldResponse) Flush() {
	if f, ok := h.w.(http.Flusher); ok && h.streaming {
		f.Flush()
	}
}

func (h *heldResponse) statusCode() int {
	if h.status == 0 {
		return http.StatusOK
	}
	return h.status
}

// release sends a held answer.
func (h *heldResponse) release() {
	if h.streaming {
		return
	}
	h.w.WriteHeader(h.statusCode())
	_, _ = h.w.Write(h.body.Bytes())
}

func (h *Handler) refused(reason string) {
	if h.opts.ObserveRefused != nil {
		h.opts.ObserveRefused(reason)
	}
}

// sessionID is a random id that also carries the client's self-reported
// name and version, so the audit log can name the client of every request
// of a stateless session. It grants nothing and is never trusted.
func sessionID(name, version string) string {
	info, _ := json.Marshal([2]string{truncate(name, 60), truncate(version, 30)})
	return newID() + "." + base64.RawURLEncoding.EncodeToString(info)
}

func clientFromSession(id string) (name, version string) {
	_, enc, ok := strings.Cut(id, ".")
	if !ok || len(enc) > 200 {
		return "", ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	var info [2]string
	if err != nil || json.Unmarshal(raw, &info) != nil {
		return "", ""
	}
	return info[0], info[1]
}

// lenientAccept completes an Accept header that takes JSON (or anything)
// but does not list both types the SDK insists on: answers are JSON
// anyway, and clients that send only application/json exist.
func lenientAccept(r *http.Request) {
	acc := strings.ToLower(strings.Join(r.Header.Values("Accept"), ","))
	if strings.Contains(acc, "application/json") && strings.Contains(acc, "text/event-stream") {
		return
	}
	if acc == "" || strings.Contains(acc, "application/json") || strings.Contains(acc, "*/*") {
		r.Header.Set("Accept", "application/json, text/event-stream")
	}
}

func filterOf(cfg store.ServerConfig) tools.Filter {
	return tools.FilterOf(cfg)
}

// splitToken takes "/mcp/{token}[/rest]" apart.
func splitToken(p string) (token, rest string) {
	p = strings.TrimPrefix(p, "/mcp/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

func (h *Handler) resolve(ctx context.Context, token string) (*store.Server, *store.Account, error) {
	if !strings.HasPrefix(token, credentials.MCPTokenPrefix) || len(token) > 128 {
		return nil, nil, store.ErrNotFound
	}
	if j, ok := h.opts.Store.(serverAccountLookup); ok {
		// One query instead of two, on every request.
		srv, acct, err := j.ServerAccountByTokenHash(ctx, credentials.HashToken(token))
		if err != nil {
			return nil, nil, err
		}
		if srv.Expired(h.opts.Now()) {
			return nil, nil, store.ErrNotFound
		}
		return srv, acct, nil
	}
	srv, err := h.opts.Store.ServerByTokenHash(ctx, credentials.HashToken(token))
	if err != nil {
		return nil, nil, err
	}
	if srv.Expired(h.opts.Now()) {
		return nil, nil, store.ErrNotFound
	}
	acct, err := h.opts.Store.GetAccount(ctx, srv.AccountID)
	if err != nil {
		return nil, nil, err
	}
	return srv, acct, nil
}

// serverAccountLookup is a store that finds a server and its account in
// one query (sqlstore does).
type serverAccountLookup interface {
	ServerAccountByTokenHash(ctx context.Context, hash string) (*store.Server, *store.Account, error)
}

func (h *Handler) apiTokenOK(ctx context.Context, r *http.Request) bool {
	tok, ok := bearer(r)
	if !ok || !strings.HasPrefix(tok, credentials.APITokenPrefix) {
		return false
	}
	_, err := h.opts.Store.APITokenByHash(ctx, credentials.HashToken(tok))
	return err == nil
}

func bearer(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	if len(v) < 7 || !strings.EqualFold(v[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(v[7:]), true
}

// knownMethods are the JSON-RPC methods the SDK serves.
var knownMethods = map[string]bool{
	"initialize": true, "ping": true, "server/discover": true, "tools/list": true, "tools/call": true,
	"resources/list": true, "resources/templates/list": true, "resources/read": true, "resources/subscribe": true,
	"resources/unsubscribe": true, "subscriptions/listen": true, "prompts/list": true, "prompts/get": true,
	"completion/complete": true, "logging/setLevel": true, "notifications/initialized": true,
	"notifications/cancelled": true, "notifications/progress": true, "notifications/roots/list_changed": true,
}

func writeMethodNotFound(w http.ResponseWriter, id json.RawMessage, method string) {
	w.Header().Set("Content-Type", "application/json")
	msg, _ := json.Marshal("method not found: " + method)
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":%s}}`, id, msg)
}

// envelope is what the handler needs from a JSON-RPC request body before
// the SDK reads it. The audit log takes the method and tool from the
// middleware (what the SDK dispatched); the envelope's are used only for
// requests the SDK refuses before dispatching.
type envelope struct {
	ID            json.RawMessage
	HasID         bool
	Progress      bool // a tools/call that asked for progress notifications
	Method        string
	Tool          string
	ClientName    string
	ClientVersion string
	// Ambiguous: a key differs only in case from one the SDK reads (the
	// SDK matches keys exactly, lenient readers would not).
	Ambiguous bool
}

// envelopeKeys and paramsKeys are the keys read the way the SDK reads
// them: exactly. Their case variants make a body ambiguous.
var (
	envelopeKeys = []string{"jsonrpc", "id", "method", "params"}
	paramsKeys   = []string{"name", "arguments", "_meta", "clientInfo", "protocolVersion"}
)

func peek(body []byte) envelope {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return envelope{Method: "batch"}
	}
	var msg map[string]json.RawMessage
	if json.Unmarshal(body, &msg) != nil {
		return envelope{}
	}
	e := envelope{Ambiguous: caseVariant(msg, envelopeKeys)}
	_ = json.Unmarshal(msg["method"], &e.Method)
	if id := msg["id"]; len(id) > 0 && string(id) != "null" && (id[0] == '"' || (id[0] >= '0' && id[0] <= '9') || id[0] == '-') {
		e.ID, e.HasID = id, true
	}
	var params map[string]json.RawMessage
	if json.Unmarshal(msg["params"], &params) != nil {
		return e
	}
	e.Ambiguous = e.Ambiguous || caseVariant(params, paramsKeys)
	var ci struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if json.Unmarshal(params["clientInfo"], &ci) == nil {
		e.ClientName, e.ClientVersion = ci.Name, ci.Version
	}
	var meta map[string]json.RawMessage
	_ = json.Unmarshal(params["_meta"], &meta)
	if e.Method == "tools/call" {
		_ = json.Unmarshal(params["name"], &e.Tool)
		_, e.Progress = meta["progressToken"]
	}
	if raw, ok := meta["io.modelcontextprotocol/clientInfo"]; ok && e.ClientName == "" {
		if json.Unmarshal(raw, &ci) == nil {
			e.ClientName, e.ClientVersion = ci.Name, ci.Version
		}
	}
	return e
}

// caseVariant reports whether m has a key that equals one of keys but for
// case, without being it.
func caseVariant(m map[string]json.RawMessage, keys []string) bool {
	for k := range m {
		for _, want := range keys {
			if k != want && strings.EqualFold(k, want) {
				return true
			}
		}
	}
	return false
}

// writeInvalidRequest answers a body refused before the SDK saw it.
func writeInvalidRequest(w http.ResponseWriter, id json.RawMessage) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32600,"message":"Invalid request: a key differs only in letter case from a JSON-RPC or MCP key"}}`, id)
}

// log stores the request's audit entry; an error means it could not be
// stored, and the request must not be answered as if it had been.
func (h *Handler) log(ctx context.Context, srv *store.Server, acct *store.Account, env envelope, r *http.Request, status int, c *call, start time.Time) error {
	c.mu.Lock()
	e := &store.LogEntry{
		ServerID:      srv.ID,
		AccountID:     acct.ID,
		RPCMethod:     env.Method,
		Tool:          env.Tool,
		ClientName:    env.ClientName,
		ClientVersion: env.ClientVersion,
		Status:        c.status,
		HTTPStatus:    status,
		Duration:      time.Since(start),
		Error:         c.errText,
	}
	if c.dispatched {
		e.RPCMethod, e.Tool = c.method, c.tool
	}
	c.mu.Unlock()
	if c.exec != nil {
		e.UpstreamStatus, e.UpstreamRequests = c.exec.LastStatus(), c.exec.Requests()
	}
	if e.ClientName == "" && r != nil {
		e.ClientName = truncate(r.UserAgent(), 120)
	}
	if c.oauthClient != "" {
		// Which OAuth client (as registered) made the call.
		e.ClientName = truncate(strings.TrimSpace(e.ClientName+" (OAuth client: "+c.oauthClient+")"), 250)
	}
	if status >= 400 && e.Status == "ok" {
		e.Status = "error"
	}
	// The request may be cancelled already; the audit entry is still owed.
	if err := h.opts.Store.AppendLog(context.WithoutCancel(ctx), e); err != nil {
		h.opts.Logger.ErrorContext(ctx, "mcp: writing log entry", "err", err)
		return err
	}
	if h.opts.Observe != nil {
		h.opts.Observe(e)
	}
	return nil
}

// writeAuditFailure answers a request whose audit entry could not be
// stored: whatever it did, the client is not told it succeeded.
func writeAuditFailure(w http.ResponseWriter) {
	writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "the request could not be recorded in the audit log; try again shortly")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// recorder notes the status code and adds rate-limit headers to plain JSON
// answers before they are written.
type recorder struct {
	http.ResponseWriter
	call   *call
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.call.mu.Lock()
		rl := r.call.rateLimit
		r.call.mu.Unlock()
		if rl != nil && strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") {
			rl.Headers(r.Header())
		}
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
}

// writeParseError answers malformed JSON the way JSON-RPC clients expect:
// error -32700 with a null id.
func writeParseError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: the request body is not valid JSON"}}`)
}

// quiet keeps the SDK's per-session info lines (one pair per stateless
// request) out of the log; warnings and errors still pass.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(a), m.min}
}
func (m minLevel) WithGroup(n string) slog.Handler { return minLevel{m.Handler.WithGroup(n), m.min} }
