// Package stdio bridges MCP clients that only launch local commands (stdio
// transport) to a remote Streamable HTTP MCP server.
//
// The bridge forwards JSON-RPC messages unchanged in both directions, so
// the client and the server negotiate the protocol revision between them;
// the bridge only speaks the HTTP binding for the client: it follows the
// negotiated revision in MCP-Protocol-Version (from the initialize result,
// or a 2026-07-28 request's _meta), sends Mcp-Method and Mcp-Name from
// 2026-07-28 on, keeps an Mcp-Session-Id if the server issues one (and
// deletes the session on shutdown), and reads both JSON and event-stream
// answers.
package stdio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Bridge connects a local stdio transport to a remote MCP URL.
type Bridge struct {
	URL    string
	Header http.Header // sent with every request (e.g. Authorization)
	// Local is the client side; nil means this process's stdin/stdout.
	Local  sdk.Transport
	Client *http.Client // nil: a client without a global timeout
	Logger *slog.Logger // diagnostics (stderr); nil discards
	// Grace bounds how long in-flight requests may finish after stdin
	// closes; zero means 10 s.
	Grace time.Duration

	mu        sync.Mutex
	version   string // negotiated protocol revision
	sessionID string
	out       sdk.Connection
	outMu     sync.Mutex
}

const (
	protocolVersionHeader = "MCP-Protocol-Version"
	sessionIDHeader       = "Mcp-Session-Id"
	metaProtocolVersion   = "io.modelcontextprotocol/protocolVersion"
	statelessRevision     = "2026-07-28"
	// maxAnswer bounds one HTTP answer read into memory.
	maxAnswer = 64 << 20
)

// Run bridges until stdin ends (in-flight requests get Grace to finish) or
// ctx ends (SIGTERM: in-flight requests are cancelled), then ends the HTTP
// session if the server issued one.
func (b *Bridge) Run(ctx context.Context) error {
	if b.Local == nil {
		b.Local = &sdk.StdioTransport{}
	}
	if b.Client == nil {
		b.Client = &http.Client{}
	}
	if b.Logger == nil {
		b.Logger = slog.New(slog.DiscardHandler)
	}
	if b.Grace == 0 {
		b.Grace = 10 * time.Second
	}
	conn, err := b.Local.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	b.out = conn

	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var inflight sync.WaitGroup
	var readErr error
	for {
		msg, err := conn.Read(ctx)
		if err != nil {
			readErr = err
			break
		}
		if req, ok := msg.(*jsonrpc.Request); ok && req.IsCall() {
			// Calls run concurrently: a slow tool must not hold up others.
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				b.forward(reqCtx, req)
			}()
			continue
		}
		// Notifications and responses go out in order, before anything the
		// client sends after them.
		b.forward(reqCtx, msg)
	}

	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	if ctx.Err() == nil {
		select {
		case <-done:
		case <-time.After(b.Grace):
		case <-ctx.Done():
		}
	}
	cancel()
	<-done
	b.endSession()
	if ctx.Err() != nil || errors.Is(readErr, io.EOF) || errors.Is(readErr, context.Canceled) {
		return nil
	}
	return readErr
}

// forward sends one message and relays what comes back.
func (b *Bridge) forward(ctx context.Context, msg jsonrpc.Message) {
	req, _ := msg.(*jsonrpc.Request)
	err := b.post(ctx, msg)
	if err == nil || req == nil || !req.IsCall() {
		if err != nil {
			b.Logger.Warn("stdio bridge: sending a message failed", "err", b.redact(err))
		}
		return
	}
	code := int64(-32000) // implementation-defined: the HTTP leg failed
	if ctx.Err() != nil {
		code = jsonrpc.CodeInternalError
	}
	b.write(&jsonrpc.Response{ID: req.ID, Error: &jsonrpc.Error{Code: code, Message: b.redact(err).Error()}})
}

func (b *Bridge) write(msg jsonrpc.Message) {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	if err := b.out.Write(context.Background(), msg); err != nil {
		b.Logger.Warn("stdio bridge: writing to the client failed", "err", err)
	}
}

func (b *Bridge) post(ctx context.Context, msg jsonrpc.Message) error {
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, b.URL, bytes.NewReader(data))
	if err != nil {
		return errors.New("the MCP URL is not valid")
	}
	for k, v := range b.Header {
		hreq.Header[k] = v
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json, text/event-stream")
	req, _ := msg.(*jsonrpc.Request)
	b.mu.Lock()
	version, sid := b.version, b.sessionID
	b.mu.Unlock()
	if req != nil {
		if v := metaVersion(req.Params); v != "" {
			version = v
		}
	}
	if version != "" {
		hreq.Header.Set(protocolVersionHeader, version)
	}
	if sid != "" {
		hreq.Header.Set(sessionIDHeader, sid)
	}
	if req != nil && version >= statelessRevision {
		hreq.Header.Set("Mcp-Method", req.Method)
		if name := nameOf(req.Method, req.Params); name != "" {
			hreq.Header.Set("Mcp-Name", name)
		}
	}

	resp, err := b.Client.Do(hreq)
	if err != nil {
		return fmt.Errorf("could not reach the MCP server: %w", err)
	}
	defer resp.Body.Close()
	if s := resp.Header.Get(sessionIDHeader); s != "" && req != nil && req.Method == "initialize" {
		b.mu.Lock()
		b.sessionID = s
		b.mu.Unlock()
	}
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	ctype, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case ctype == "text/event-stream" && resp.StatusCode < 300:
		return b.relayStream(resp.Body, req)
	case ctype == "application/json":
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		if err != nil {
			return err
		}
		// JSON-RPC errors come with 4xx statuses too (e.g. -32022 with
		// 400, -32601 with 404 on 2026-07-28): relay those as they are.
		if n := b.relay(body, req); n > 0 || resp.StatusCode < 300 {
			return nil
		}
		return httpError(resp, body)
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode < 300 {
			return fmt.Errorf("the server answered with content type %q", resp.Header.Get("Content-Type"))
		}
		return httpError(resp, body)
	}
}

// redact keeps the MCP URL (its path holds the server's token) and the
// header values (an API token) out of an error shown to the client, the
// model behind it, or stderr: Go's HTTP errors quote the whole URL.
func (b *Bridge) redact(err error) error {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = strings.Replace(msg, ue.Error(), ue.Err.Error(), 1)
	}
	for _, secret := range b.secrets() {
		msg = strings.ReplaceAll(msg, secret, "[redacted]")
	}
	return errors.New(msg)
}

// secrets are the strings redact removes, longest first so that a whole
// URL goes before a part of it: the URL, its path and query and their
// parts, and each header value and its words.
func (b *Bridge) secrets() []string {
	var out []string
	add := func(s string) {
		if len(s) >= 6 {
			out = append(out, s)
		}
	}
	add(b.URL)
	if u, err := url.Parse(b.URL); err == nil {
		add(u.Path)
		add(u.RawQuery)
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
		for _, part := range strings.FieldsFunc(u.Path+"&"+u.RawQuery, func(r rune) bool { return strings.ContainsRune("/?&=", r) }) {
			add(part)
		}
	}
	for _, vs := range b.Header {
		for _, v := range vs {
			add(v)
			for _, w := range strings.Fields(v) {
				add(w)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

func httpError(resp *http.Response, body []byte) error {
	text := strings.TrimSpace(string(body))
	var e struct{ Message string }
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		text = e.Message
	}
	if len(text) > 500 {
		text = text[:500]
	}
	return fmt.Errorf("HTTP %d from the MCP server: %s", resp.StatusCode, text)
}

// relay writes the JSON-RPC messages of a body (one message or a batch)
// to the client and reports how many there were.
func (b *Bridge) relay(body []byte, req *jsonrpc.Request) int {
	body = bytes.TrimSpace(body)
	var raws []json.RawMessage
	if len(body) > 0 && body[0] == '[' {
		if json.Unmarshal(body, &raws) != nil {
			return 0
		}
	} else {
		raws = []json.RawMessage{body}
	}
	n := 0
	for _, raw := range raws {
		msg, err := jsonrpc.DecodeMessage(raw)
		if err != nil {
			continue
		}
		b.observe(msg, req)
		b.write(msg)
		n++
	}
	return n
}

// relayStream relays an event stream until the answer to req arrives or
// the server ends the stream.
func (b *Bridge) relayStream(body io.Reader, req *jsonrpc.Request) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64*1024), maxAnswer)
	var data []byte
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) == 0 {
				continue
			}
			msg, err := jsonrpc.DecodeMessage(data)
			data = data[:0]
			if err != nil {
				continue
			}
			b.observe(msg, req)
			b.write(msg)
			if r, ok := msg.(*jsonrpc.Response); ok && req != nil && r.ID == req.ID {
				return nil
			}
		case strings.HasPrefix(line, "data:"):
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")...)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if req != nil && req.IsCall() {
		return errors.New("the server ended the event stream without an answer")
	}
	return nil
}

// observe learns the negotiated revision from an initialize result.
func (b *Bridge) observe(msg jsonrpc.Message, req *jsonrpc.Request) {
	r, ok := msg.(*jsonrpc.Response)
	if !ok || req == nil || req.Method != "initialize" || r.ID != req.ID || r.Error != nil {
		return
	}
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if json.Unmarshal(r.Result, &res) == nil && res.ProtocolVersion != "" {
		b.mu.Lock()
		b.version = res.ProtocolVersion
		b.mu.Unlock()
	}
}

// endSession deletes the server's session, if it issued one.
func (b *Bridge) endSession() {
	b.mu.Lock()
	sid, version := b.sessionID, b.version
	b.mu.Unlock()
	if sid == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, b.URL, nil)
	if err != nil {
		return
	}
	for k, v := range b.Header {
		req.Header[k] = v
	}
	req.Header.Set(sessionIDHeader, sid)
	if version != "" {
		req.Header.Set(protocolVersionHeader, version)
	}
	if resp, err := b.Client.Do(req); err == nil {
		resp.Body.Close()
	}
}

func metaVersion(params json.RawMessage) string {
	var p struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	if len(params) == 0 || json.Unmarshal(params, &p) != nil {
		return ""
	}
	var v string
	_ = json.Unmarshal(p.Meta[metaProtocolVersion], &v)
	return v
}

func nameOf(method string, params json.RawMessage) string {
	var p struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	switch method {
	case "tools/call", "prompts/get":
		_ = json.Unmarshal(params, &p)
		return p.Name
	case "resources/read":
		_ = json.Unmarshal(params, &p)
		return p.URI
	}
	return ""
}

// ParseHeader parses a --header value "Name: value".
func ParseHeader(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, ":")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		// The value is not quoted: it may be an API token.
		return "", "", errors.New(`a header is not of the form "Name: value"`)
	}
	return http.CanonicalHeaderKey(k), strings.TrimSpace(v), nil
}

// ParseHeaders parses headers given one per line ("Name: value"), as in
// PATCHBAY_MCP_HEADERS or a --header-file; blank lines and lines starting
// with # are skipped. An error names the line, never its value.
func ParseHeaders(text string) (http.Header, error) {
	h := http.Header{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, err := ParseHeader(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		h.Add(k, v)
	}
	return h, nil
}
