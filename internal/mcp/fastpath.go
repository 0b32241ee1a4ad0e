package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The fast path answers the two requests agents send most — a plain
// tools/list or tools/call over Streamable HTTP with a JSON answer — without
// the go-sdk's per-request session. The SDK decodes each body several
// times, each with a fresh decoder buffer (about 280 KB of garbage per
// request), and escapes a tool's text into its result and then compacts the
// result twice more; profiles put that at most of a request's allocations
// and a third of its CPU (bench/NOTES.md). The fast path takes only the
// shape whose answer it can write byte for byte as the SDK would; anything
// else (other methods, 2026-07-28 requests, _meta, progress, batches,
// unusual ids or headers) goes to the SDK unchanged. fastpath_test.go in
// internal/app sends the same requests through both and compares the bytes.

// fastRequest is a request the fast path answers.
type fastRequest struct {
	id     []byte // the JSON-RPC id, echoed as received
	method string // tools/list or tools/call
	name   string // tools/call: the tool
	args   json.RawMessage
}

// fastVersions are the MCP-Protocol-Version values whose tools/list and
// tools/call answers the fast path writes ("" is 2025-03-26 to the SDK).
// 2026-07-28 requests carry per-request _meta and header checks: SDK.
var fastVersions = map[string]bool{"": true, "2024-11-05": true, "2025-03-26": true, "2025-06-18": true, "2025-11-25": true}

// parseFast reports whether r (whose body is body) is in the fast path's
// shape. It must be called after lenientAccept, like the SDK's own checks.
func parseFast(r *http.Request, body []byte) (fastRequest, bool) {
	var fr fastRequest
	if !fastVersions[r.Header.Get("MCP-Protocol-Version")] || len(r.Header.Values("Last-Event-ID")) > 0 {
		return fr, false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fr, false
	}
	if jsonOK, streamOK := accepts(r.Header.Values("Accept")); !jsonOK || !streamOK {
		return fr, false
	}
	if !utf8.Valid(body) {
		return fr, false
	}
	// Keys are matched exactly (the SDK's decoder is case-sensitive, unlike
	// encoding/json's struct decoding) and an unknown key sends the request
	// to the SDK.
	var msg map[string]json.RawMessage
	if json.Unmarshal(body, &msg) != nil || !onlyKeys(msg, "jsonrpc", "id", "method", "params") ||
		string(msg["jsonrpc"]) != `"2.0"` || !simpleID(msg["id"]) {
		return fr, false
	}
	fr.id = msg["id"]
	params, hasParams := msg["params"]
	var p map[string]json.RawMessage
	if hasParams && (json.Unmarshal(params, &p) != nil || p == nil) {
		return fr, false // not an object
	}
	switch string(msg["method"]) {
	case `"tools/list"`:
		fr.method = "tools/list"
		return fr, len(p) == 0
	case `"tools/call"`:
		fr.method = "tools/call"
		name, ok := p["name"]
		if !ok || !onlyKeys(p, "name", "arguments") || len(name) < 2 || name[0] != '"' || bytes.IndexByte(name, '\\') >= 0 {
			return fr, false
		}
		fr.name = string(name[1 : len(name)-1])
		if a, ok := p["arguments"]; ok {
			if a = bytes.TrimSpace(a); len(a) == 0 || a[0] != '{' {
				return fr, false
			}
			fr.args = a
		}
		return fr, true
	}
	return fr, false
}

func onlyKeys(m map[string]json.RawMessage, allowed ...string) bool {
	n := 0
	for _, k := range allowed {
		if _, ok := m[k]; ok {
			n++
		}
	}
	return n == len(m)
}

// simpleID reports whether id is one the SDK echoes unchanged: an integer
// well inside int64, or a non-empty string of printable ASCII without
// escapes.
func simpleID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	if id[0] == '"' {
		if len(id) < 3 || id[len(id)-1] != '"' {
			return false
		}
		for _, b := range id[1 : len(id)-1] {
			if b < 0x20 || b > 0x7e || b == '"' || b == '\\' {
				return false
			}
		}
		return true
	}
	digits := id
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	for _, b := range digits {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// accepts reads Accept values as the SDK does: base media types, wildcards
// counted.
func accepts(values []string) (jsonOK, streamOK bool) {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			base, _, _ := strings.Cut(part, ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "*/*":
				jsonOK, streamOK = true, true
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				streamOK = true
			}
		}
	}
	return jsonOK, streamOK
}

// FastServed counts the requests the fast path has answered.
func (h *Handler) FastServed() int64 { return h.fastServed.Load() }

// answerFast answers fr for c, in the bytes the SDK's stateless JSON
// transport would write, in parts to be written in turn (a list is kept
// encoded and is not copied into each answer).
func (h *Handler) answerFast(ctx context.Context, c *call, fr fastRequest) [][]byte {
	h.fastServed.Add(1)
	c.dispatch(fr.method, fr.name)
	var parts [][]byte
	var err error
	if fr.method == "tools/list" {
		var list []byte
		if list, err = h.encodedList(c); err == nil {
			head := responseStart(fr.id, 16)
			head.WriteString(`,"result":`)
			parts = [][]byte{head.Bytes(), list, []byte("}")}
		}
	} else {
		res, rerr := h.serveCall(ctx, c, &sdk.CallToolRequest{Params: &sdk.CallToolParamsRaw{Name: fr.name, Arguments: fr.args}})
		var out []byte
		out, err = encodeResponse(fr.id, res, rerr)
		parts = [][]byte{out}
	}
	if err != nil {
		h.opts.Logger.ErrorContext(ctx, "mcp: encoding an answer", "err", err)
		out, _ := encodeResponse(fr.id, nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "could not encode the answer"})
		parts = [][]byte{out}
	}
	return parts
}

// writeParts sends a fast answer with the SDK's headers.
func writeParts(w http.ResponseWriter, parts [][]byte) {
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	w.Header().Set("Content-Type", "application/json")
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return // the client went away
		}
	}
}

// encodedList is c's tools/list result, encoded once per listKey: a list
// changes only with what the key holds.
func (h *Handler) encodedList(c *call) ([]byte, error) {
	key := listKey(c)
	if raw, ok := h.listBytes.load(key); ok {
		return raw.([]byte), nil
	}
	var b bytes.Buffer
	if err := encodeNoHTMLEscape(&b, h.listTools(c)); err != nil {
		return nil, err
	}
	h.listBytes.store(key, b.Bytes(), b.Len())
	return b.Bytes(), nil
}

// listKey names everything listTools reads.
func listKey(c *call) string {
	key := filterKey(c.set, c.filter)
	cfg := c.server.Config
	if cfg.SearchFetch {
		key += "\x00search_fetch"
	}
	if cfg.Discovery() {
		key += "\x00discovery"
	}
	if cfg.HideToolsMissingScopes && c.account.Scopes != nil {
		key += "\x00granted:" + strings.Join(c.account.Scopes, " ")
	}
	return key
}

func responseStart(id []byte, size int) *bytes.Buffer {
	b := bytes.NewBuffer(make([]byte, 0, size+64))
	b.WriteString(`{"jsonrpc":"2.0","id":`)
	b.Write(id)
	return b
}

// encodeResponse writes a JSON-RPC response as the go-sdk's jsonrpc2 wire
// encoding does: members in the order jsonrpc, id, result|error; HTML
// characters left alone at this level (each result type's own MarshalJSON
// may escape them).
func encodeResponse(id []byte, res sdk.Result, rerr error) ([]byte, error) {
	if rerr != nil {
		var we *jsonrpc.Error
		if !errors.As(rerr, &we) {
			we = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: rerr.Error()}
		}
		b := responseStart(id, 128)
		b.WriteString(`,"error":`)
		if err := encodeNoHTMLEscape(b, we); err != nil {
			return nil, err
		}
		b.WriteByte('}')
		return b.Bytes(), nil
	}
	text, ok := plainText(res)
	if !ok {
		b := responseStart(id, 1024)
		b.WriteString(`,"result":`)
		if err := encodeNoHTMLEscape(b, res); err != nil {
			return nil, err
		}
		b.WriteByte('}')
		return b.Bytes(), nil
	}
	// A CallToolResult of one text content: the common answer, written in
	// one pass. Its MarshalJSON goes through encoding/json.Marshal, which
	// escapes <, > and & in the text; so does this encoder.
	b := responseStart(id, len(text)+len(text)/8+128)
	b.WriteString(`,"result":{"content":[{"type":"text","text":`)
	if err := json.NewEncoder(b).Encode(text); err != nil {
		return nil, err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	b.WriteString(`}]`)
	if res.(*sdk.CallToolResult).IsError {
		b.WriteString(`,"isError":true`)
	}
	b.WriteString(`}}`)
	return b.Bytes(), nil
}

func encodeNoHTMLEscape(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1)
	return nil
}

// plainText returns the text of a CallToolResult that holds one text
// content and nothing else.
func plainText(res sdk.Result) (string, bool) {
	r, ok := res.(*sdk.CallToolResult)
	if !ok || r.Meta != nil || r.StructuredContent != nil || r.InputRequests != nil || r.RequestState != "" || len(r.Content) != 1 {
		return "", false
	}
	tc, ok := r.Content[0].(*sdk.TextContent)
	if !ok || tc.Meta != nil || tc.Annotations != nil {
		return "", false
	}
	return tc.Text, true
}
