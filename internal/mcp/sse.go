package mcp

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/clientip"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Long-lived sessions: the legacy HTTP+SSE transport (2024-11-05) at
// /mcp/{token}/sse and stdio (`patchbay stdio --server`) connect a session
// of the shared SDK server that outlives one HTTP request. Their requests
// reach the same middleware as Streamable HTTP ones; sessionMiddleware
// gives each request its *call (the MCP server, account and tool set,
// current as of the request) and writes its log entry.

// session is one long-lived session's state.
type session struct {
	ctx context.Context // ends when the session ends
	mu  sync.Mutex
	cur admitted
	// refresh, if set, re-reads the server before each request (stdio);
	// SSE sessions are refreshed by each POST to the message endpoint.
	refresh func(ctx context.Context) (admitted, error)
}

// admitted is what a request was admitted with.
type admitted struct {
	server  *store.Server
	account *store.Account
	set     *tools.Set
}

type callKey struct{}

// sessionMiddleware serves requests of long-lived sessions. It must wrap
// the middleware that answers tools (it is added after it).
func (h *Handler) sessionMiddleware(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		ss, ok := req.GetSession().(*sdk.ServerSession)
		if !ok {
			return next(ctx, method, req)
		}
		v, ok := h.sessions.Load(ss)
		if !ok {
			return next(ctx, method, req)
		}
		s := v.(*session)
		start := time.Now()
		if s.refresh != nil {
			a, err := s.refresh(ctx)
			if err != nil {
				// The server was deleted or expired while connected.
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: "this MCP server no longer exists"}
			}
			s.mu.Lock()
			s.cur = a
			s.mu.Unlock()
		}
		s.mu.Lock()
		a := s.cur
		s.mu.Unlock()
		c := h.newCall(s.ctx, a)
		res, err := next(context.WithValue(ctx, callKey{}, c), method, req)
		env := envelope{Method: method}
		if p := ss.InitializeParams(); p != nil && p.ClientInfo != nil {
			env.ClientName, env.ClientVersion = p.ClientInfo.Name, p.ClientInfo.Version
		}
		if cr, ok := req.(*sdk.CallToolRequest); ok && cr.Params != nil {
			env.Tool = cr.Params.Name
		}
		if err != nil && c.status == "ok" {
			c.status, c.errText = "invalid", err.Error()
		}
		if h.log(ctx, a.server, a.account, env, nil, http.StatusOK, c, start) != nil {
			// Nothing runs unrecorded: the client is told it failed.
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the request could not be recorded in the audit log; try again shortly"}
		}
		return res, err
	}
}

// SSELimits bound the hanging GETs of the legacy SSE transport, so that
// one URL or one address cannot take every stream; zero fields take the
// defaults.
type SSELimits struct {
	Total     int // per process (default 1000)
	PerServer int // per MCP server (default 100)
	PerSource int // per source address (default 50)
	// Recheck is how often an open stream re-reads its server by token
	// hash, so it closes soon after the server is deleted, revoked or
	// expires, on whichever replica that happened (default 2 s).
	Recheck time.Duration
}

func (l SSELimits) withDefaults() SSELimits {
	if l.Total <= 0 {
		l.Total = 1000
	}
	if l.PerServer <= 0 {
		l.PerServer = 100
	}
	if l.PerSource <= 0 {
		l.PerSource = 50
	}
	if l.Recheck <= 0 {
		l.Recheck = 2 * time.Second
	}
	return l
}

// sseStream is one legacy SSE session: the SDK transport and its state.
type sseStream struct {
	transport *sdk.SSEServerTransport
	state     *session
	ready     chan struct{} // closed once the session is registered
	serverID  string
	source    string
}

// sseFull says which cap a new stream of serverID from source would pass,
// or "" if none. The caller holds sseMu; at most Total streams are walked.
func (h *Handler) sseFull(lim SSELimits, serverID, source string) string {
	if len(h.sse) >= lim.Total {
		return "too many open SSE sessions"
	}
	perServer, perSource := 0, 0
	for _, st := range h.sse {
		if st.serverID == serverID {
			perServer++
		}
		if st.source == source {
			perSource++
		}
	}
	switch {
	case perServer >= lim.PerServer:
		return "too many open SSE sessions for this MCP server"
	case perSource >= lim.PerSource:
		return "too many open SSE sessions from your address"
	}
	return ""
}

// serveSSE answers GET /mcp/{token}/sse: it opens a legacy SSE session
// whose first event names the message endpoint.
func (h *Handler) serveSSE(w http.ResponseWriter, r *http.Request, a admitted) {
	lim := h.opts.SSE.withDefaults()
	source := clientip.Of(r, h.opts.Limiter.TrustForwardedFor)
	h.sseMu.Lock()
	if full := h.sseFull(lim, a.server.ID, source); full != "" {
		h.sseMu.Unlock()
		w.Header().Set("Retry-After", "30")
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", full+"; use Streamable HTTP at the MCP URL itself")
		return
	}
	id := rand.Text()
	stream := &lockedStream{w: w}
	st := &sseStream{
		transport: &sdk.SSEServerTransport{
			// Relative to the MCP URL, whatever path prefix a proxy adds.
			Endpoint:            "message?sessionid=" + id,
			Response:            stream,
			MaxRequestBodyBytes: h.opts.MaxBodyBytes,
		},
		state:    &session{ctx: r.Context(), cur: a},
		ready:    make(chan struct{}),
		serverID: a.server.ID,
		source:   source,
	}
	h.sse[id] = st
	h.sseMu.Unlock()
	defer func() {
		h.sseMu.Lock()
		delete(h.sse, id)
		h.sseMu.Unlock()
	}()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	ss, err := h.connect(r.Context(), st.transport, st.state, st.ready)
	if err != nil {
		h.opts.Logger.ErrorContext(r.Context(), "mcp: opening an SSE session", "err", err)
		return
	}
	defer ss.Close()
	done := make(chan struct{})
	go func() { _ = ss.Wait(); close(done) }()
	var tick <-chan time.Time
	if h.opts.SSEKeepAlive > 0 {
		t := time.NewTicker(h.opts.SSEKeepAlive)
		defer t.Stop()
		tick = t.C
	}
	recheck := time.NewTicker(lim.Recheck)
	defer recheck.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-done:
			return
		case <-tick:
			if stream.comment("keepalive") != nil {
				return
			}
		case <-recheck.C:
			if h.serverGone(r.Context(), a.server.TokenHash) {
				return
			}
		}
	}
}

// serverGone reports whether the server with this token hash was deleted,
// revoked (its token replaced) or has expired. A store error is not taken
// as gone: a database blip must not drop every stream.
func (h *Handler) serverGone(ctx context.Context, tokenHash string) bool {
	srv, err := h.opts.Store.ServerByTokenHash(ctx, tokenHash)
	if errors.Is(err, store.ErrNotFound) {
		return true
	}
	return err == nil && srv.Expired(h.opts.Now())
}

// lockedStream is an event stream's response writer shared by the SDK's
// transport and the keepalive: the SDK writes each event in one Write, so a
// lock around writes keeps comments between whole events.
type lockedStream struct {
	mu sync.Mutex
	w  http.ResponseWriter
}

func (l *lockedStream) Header() http.Header { return l.w.Header() }

func (l *lockedStream) WriteHeader(code int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.WriteHeader(code)
}

func (l *lockedStream) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (l *lockedStream) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = http.NewResponseController(l.w).Flush()
}

// comment sends an SSE comment line, which clients ignore.
func (l *lockedStream) comment(text string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := io.WriteString(l.w, ": "+text+"\n\n"); err != nil {
		return err
	}
	return http.NewResponseController(l.w).Flush()
}

// serveSSEMessage answers POST /mcp/{token}/message?sessionid=...: one
// client message of a legacy SSE session; the answer goes out on the
// session's event stream.
func (h *Handler) serveSSEMessage(w http.ResponseWriter, r *http.Request, a admitted) {
	id := r.URL.Query().Get("sessionid")
	h.sseMu.Lock()
	st := h.sse[id]
	h.sseMu.Unlock()
	if st == nil || st.state.cur.server.ID != a.server.ID {
		// Another token's session is indistinguishable from a gone one.
		writeJSONError(w, http.StatusNotFound, "not_found", "no SSE session with this id; open a new one with GET on the /sse URL")
		return
	}
	select {
	case <-st.ready:
	case <-r.Context().Done():
		return
	}
	st.state.mu.Lock()
	st.state.cur = a // the server's config as of this request
	st.state.mu.Unlock()
	st.transport.ServeHTTP(w, r)
}

// connect connects the shared server to a long-lived transport and
// registers the session's state before the first message is read.
func (h *Handler) connect(ctx context.Context, t sdk.Transport, s *session, ready chan struct{}) (*sdk.ServerSession, error) {
	if ready == nil {
		ready = make(chan struct{})
	}
	gate := &gatedTransport{Transport: t, ready: ready}
	ss, err := h.server.Connect(ctx, gate, nil)
	if err != nil {
		close(ready)
		return nil, err
	}
	h.sessions.Store(ss, s)
	close(ready)
	go func() {
		_ = ss.Wait()
		h.sessions.Delete(ss)
	}()
	return ss, nil
}

// ServeSession serves the MCP server with the given id over t (stdio)
// until the client goes away or ctx ends. The server is re-read before
// every request, so config changes apply and a deleted or expired server
// stops answering.
func (h *Handler) ServeSession(ctx context.Context, serverID string, t sdk.Transport) error {
	load := func(ctx context.Context) (admitted, error) {
		srv, err := h.opts.Store.GetServer(ctx, serverID)
		if err != nil {
			return admitted{}, err
		}
		if srv.Expired(h.opts.Now()) {
			return admitted{}, store.ErrNotFound
		}
		acct, err := h.opts.Store.GetAccount(ctx, srv.AccountID)
		if err != nil {
			return admitted{}, err
		}
		set, ok := h.opts.Catalog.ToolSet(acct.Integration)
		if !ok {
			return admitted{}, errors.New("the account's integration " + acct.Integration + " is not loaded")
		}
		return admitted{server: srv, account: acct, set: set}, nil
	}
	a, err := load(ctx)
	if err != nil {
		return err
	}
	ss, err := h.connect(ctx, t, &session{ctx: ctx, cur: a, refresh: load}, nil)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- ss.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		ss.Close()
		err = <-done
	}
	if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// gatedTransport holds back reads until ready is closed, so no message is
// handled before its session's state is registered.
type gatedTransport struct {
	sdk.Transport
	ready chan struct{}
}

func (g *gatedTransport) Connect(ctx context.Context) (sdk.Connection, error) {
	c, err := g.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &gatedConn{Connection: c, ready: g.ready}, nil
}

// SupportsProtocolVersion keeps the inner transport's answer (the legacy
// SSE transport does not offer 2026-07-28).
func (g *gatedTransport) SupportsProtocolVersion(v string) bool {
	if s, ok := g.Transport.(interface{ SupportsProtocolVersion(string) bool }); ok {
		return s.SupportsProtocolVersion(v)
	}
	return true
}

type gatedConn struct {
	sdk.Connection
	ready chan struct{}
}

func (g *gatedConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	select {
	case <-g.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Connection.Read(ctx)
}
