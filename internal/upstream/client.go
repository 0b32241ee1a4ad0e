package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	// The go-sdk's JSON decoder, already in the binary: several times
	// faster than encoding/json at splitting large upstream answers.
	fastjson "github.com/segmentio/encoding/json"

	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Auth attaches credentials to an upstream request.
type Auth interface {
	Apply(ctx context.Context, req *http.Request) error
}

// BasicAuth is Gong's access key + secret.
type BasicAuth struct{ Key, Secret string }

func (b BasicAuth) Apply(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(b.Key, b.Secret)
	return nil
}

// Client calls upstream APIs. One Client is shared: its http.Client keeps
// connections to the vendor alive across tool calls.
type Client struct {
	HTTP *http.Client
	// Timeout bounds one upstream call, answer body included.
	Timeout time.Duration
	// MaxBody bounds how much of an upstream answer is read. The client
	// does not cut answers: the executor keeps each one within its MCP
	// server's answer budget, whole items with a cursor to the rest
	// (internal/executor/fit.go), and cutting here first would lose items
	// no cursor can reach.
	MaxBody int64
	// Observe, if set, hears every upstream call that was sent: the
	// integration, the HTTP status (0 when no answer came) and the time
	// taken, answer body included (for metrics).
	Observe func(integration string, status int, d time.Duration)
}

// NewClient returns a client with pooled connections and sane limits.
func NewClient() *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.ResponseHeaderTimeout = 60 * time.Second
	return &Client{
		HTTP:    &http.Client{Transport: tr, CheckRedirect: noRedirects},
		Timeout: 30 * time.Second,
		MaxBody: 32 << 20,
	}
}

// Following a redirect would send credentials to wherever upstream points.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// RateLimit is what a client needs to back off, in IETF draft terms.
type RateLimit struct {
	Limit      int `json:"limit"`
	Remaining  int `json:"remaining"`
	Reset      int `json:"reset_seconds"`
	RetryAfter int `json:"retry_after_seconds"`
}

// Headers renders the rate-limit figures as HTTP response headers.
func (r *RateLimit) Headers(h http.Header) {
	h.Set("Retry-After", strconv.Itoa(r.RetryAfter))
	h.Set("RateLimit-Limit", strconv.Itoa(r.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(r.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(r.Reset))
}

// Result is a tool call's outcome.
type Result struct {
	// Raw, when set, is the answer's JSON text exactly as the tool sends it,
	// cut from the upstream bytes without decoding them (see successText);
	// Body is then decoded from it on demand by Value.
	Raw       []byte
	Body      any  // the JSON value the tool answers with
	IsError   bool // an isError tool result
	Status    int  // upstream HTTP status; 0 when no answer came
	RateLimit *RateLimit
	// Err is a short, secret-free reason for the audit log.
	Err string
}

// Value is the answer as a decoded JSON value (numbers as json.Number).
func (r *Result) Value() any {
	if r.Body == nil && r.Raw != nil {
		dec := json.NewDecoder(bytes.NewReader(r.Raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			r.Body = v
		}
	}
	return r.Body
}

// Text is the answer's JSON text.
func (r *Result) Text() ([]byte, error) {
	if r.Raw != nil {
		return r.Raw, nil
	}
	return json.Marshal(r.Body)
}

// ErrorBody is the shape of every error a tool answers with.
type ErrorBody struct {
	Status        int        `json:"status,omitempty"`
	Message       string     `json:"message"`
	RequestID     string     `json:"request_id,omitempty"`
	Errors        []string   `json:"errors,omitempty"`
	MissingScopes []string   `json:"missing_scopes,omitempty"`
	RateLimit     *RateLimit `json:"rate_limit,omitempty"`
}

// Fail builds an isError result that made no upstream call.
func Fail(msg string, missingScopes []string) *Result {
	return &Result{Body: map[string]any{"error": ErrorBody{Message: msg, MissingScopes: missingScopes}}, IsError: true, Err: msg}
}

// Call makes the upstream request for tool t and maps the answer.
func (c *Client) Call(ctx context.Context, in *integration.Integration, baseURL string, auth Auth, t *tools.Tool, args map[string]any) *Result {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := Build(ctx, baseURL, t, args)
	if err != nil {
		var ae *ArgError
		if errors.As(err, &ae) {
			return Fail(ae.Msg, nil)
		}
		return Fail("cannot build the upstream request", nil)
	}
	if err := auth.Apply(ctx, req); err != nil {
		return Fail(err.Error(), nil)
	}
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.observe(in, 0, start)
		return transportFailure(ctx, in, c.Timeout, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
	c.observe(in, resp.StatusCode, start)
	if err != nil {
		r := transportFailure(ctx, in, c.Timeout, err)
		r.Status = resp.StatusCode
		return r
	}
	if int64(len(raw)) > c.MaxBody {
		return &Result{Body: errBody(ErrorBody{Status: resp.StatusCode, Message: fmt.Sprintf("%s's answer is larger than %d bytes; narrow the request", in.Title, c.MaxBody)}), IsError: true, Status: resp.StatusCode, Err: "answer too large"}
	}
	return mapResponse(in, t, resp, raw, args)
}

func (c *Client) observe(in *integration.Integration, status int, start time.Time) {
	if c.Observe != nil {
		c.Observe(in.Name, status, time.Since(start))
	}
}

func errBody(e ErrorBody) map[string]any { return map[string]any{"error": e} }

func transportFailure(ctx context.Context, in *integration.Integration, timeout time.Duration, err error) *Result {
	var msg string
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		msg = fmt.Sprintf("%s did not answer within %s; try again later or narrow the request", in.Title, timeout)
	case errors.Is(ctx.Err(), context.Canceled):
		msg = "the request was cancelled"
	default:
		msg = fmt.Sprintf("could not reach %s: the connection failed (%s)", in.Title, describeNetErr(err))
	}
	return &Result{Body: errBody(ErrorBody{Message: msg}), IsError: true, Err: msg}
}

// describeNetErr keeps the useful end of a transport error without the URL
// (which the caller already knows and which may carry query values).
func describeNetErr(err error) string {
	var ue interface{ Unwrap() error }
	for errors.As(err, &ue) {
		inner := ue.Unwrap()
		if inner == nil {
			break
		}
		err = inner
		if _, ok := err.(interface{ Unwrap() error }); !ok {
			break
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "connection closed before a complete answer"
	}
	return err.Error()
}

func mapResponse(in *integration.Integration, t *tools.Tool, resp *http.Response, raw []byte, args map[string]any) *Result {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		text, ok := successText(t, raw, resp.StatusCode, args)
		if !ok {
			return &Result{Body: errBody(ErrorBody{Status: resp.StatusCode, Message: in.Title + " answered with something that is not JSON"}), IsError: true, Status: resp.StatusCode, Err: "non-JSON answer"}
		}
		return &Result{Raw: text, Status: resp.StatusCode}
	}
	var doc any
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			doc = nil
		}
	}

	e := ErrorBody{Status: resp.StatusCode}
	if m, ok := doc.(map[string]any); ok {
		if id, ok := m[in.Errors.RequestID].(string); ok {
			e.RequestID = id
		}
		if list, ok := m[in.Errors.Messages].([]any); ok {
			for _, x := range list {
				e.Errors = append(e.Errors, fmt.Sprint(x))
			}
		}
	}
	joined := strings.Join(e.Errors, "; ")
	for _, er := range in.EmptyResults {
		if er.Status == resp.StatusCode && strings.Contains(joined, er.MessageContains) && (t.Paginated || t.Record.Result != "") {
			return &Result{Body: map[string]any{"result": []any{}, "next_cursor": nil}, Status: resp.StatusCode}
		}
	}
	e.Message = fmt.Sprintf("%s answered %d %s", in.Title, resp.StatusCode, http.StatusText(resp.StatusCode))
	if joined != "" {
		e.Message += ": " + joined
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Message += ". The account's credentials were refused; reconnect the account."
	case http.StatusForbidden:
		e.MissingScopes = in.ScopesIn(joined)
		if len(e.MissingScopes) == 0 && strings.Contains(strings.ToLower(joined), "scope") {
			e.MissingScopes = t.Scopes
		}
	case http.StatusTooManyRequests:
		e.RateLimit = rateLimitFrom(in.RateLimit, resp.Header)
		e.Message += fmt.Sprintf(". Rate limit reached: retry after %d seconds.", e.RateLimit.RetryAfter)
	}
	if hint := in.Errors.StatusHints[resp.StatusCode]; hint != "" {
		e.Message += ". " + hint
	}
	return &Result{Body: errBody(e), IsError: true, Status: resp.StatusCode, RateLimit: e.RateLimit, Err: e.Message}
}

// successText cuts a tool's answer out of the upstream bytes without
// decoding them into Go values: the whole body for plain tools, or
// {"next_cursor": …, "result": <the list>} for list tools. Items keep the
// vendor's bytes: its key order, every digit of its numbers, its
// whitespace. ok is false when the body is not JSON.
func successText(t *tools.Tool, raw []byte, status int, args map[string]any) (text []byte, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return fmt.Appendf(nil, `{"status":%d}`, status), true
	}
	path := t.Record.Result
	if path == "" {
		// Passed on as it came: one validating scan, no re-encoding.
		return raw, fastjson.Valid(raw)
	}
	// One decode of the top level (which also validates the whole body);
	// the list itself is never decoded.
	var top map[string]json.RawMessage
	if err := fastjson.Unmarshal(raw, &top); err != nil {
		if !fastjson.Valid(raw) {
			return nil, false
		}
		top = nil // an array or a scalar: no list, no cursor
	}
	first, rest, _ := strings.Cut(path, ".")
	list := top[first]
	if rest != "" && list != nil {
		list = rawLookup(list, rest)
	}
	if len(list) == 0 || list[0] != '[' {
		list = []byte("[]") // absent or null: nothing on this page
	}
	paging := pagination(t)
	next := nextPageCursor(paging, top, list, args)
	out := make([]byte, 0, len(list)+len(next)+64)
	out = append(out, `{"next_cursor":`...)
	out = append(out, next...)
	// What an agent needs to plan, beside the list: the vendor's total
	// across pages, and the record's kept fields (a stats answer's time
	// zone and date range), each as the vendor wrote it.
	if total := topLookup(top, paging.Total); len(total) > 0 && (total[0] == '-' || (total[0] >= '0' && total[0] <= '9')) {
		out = append(out, `,"total":`...)
		out = append(out, total...)
	}
	for _, k := range t.Record.Keep {
		if v := top[k]; len(v) > 0 {
			key, _ := json.Marshal(k)
			out = append(append(append(out, ','), key...), ':')
			out = append(out, v...)
		}
	}
	out = append(out, `,"result":`...)
	out = append(out, list...)
	return append(out, '}'), true
}

// topLookup finds a dotted path in a decoded top level (nil when absent).
func topLookup(top map[string]json.RawMessage, dotted string) json.RawMessage {
	if dotted == "" {
		return nil
	}
	first, rest := splitPath(dotted)
	raw := top[first]
	if rest != "" && raw != nil {
		raw = rawLookup(raw, rest)
	}
	return raw
}

// rawLookup finds a dotted path in JSON bytes in one pass of a tokenizer,
// decoding nothing: the value's own bytes, or nil when the path is absent
// or crosses something that is not an object.
func rawLookup(raw []byte, dotted string) json.RawMessage {
	t := fastjson.NewTokenizer(raw)
	if !t.Next() || t.Delim != '{' {
		return nil
	}
	part, rest, _ := strings.Cut(dotted, ".")
	depth := 1 // the depth of the keys of the object being searched
	for t.Next() && t.Err == nil {
		if t.Depth < depth {
			return nil // that object ended without the key
		}
		if !t.IsKey || t.Depth != depth || string(t.String()) != part {
			continue
		}
		if !t.Next() || !t.Next() { // the colon, then the value
			return nil
		}
		if rest != "" {
			if t.Delim != '{' {
				return nil
			}
			part, rest, _ = strings.Cut(rest, ".")
			depth++
			continue
		}
		if t.Delim != '{' && t.Delim != '[' {
			return json.RawMessage(t.Value)
		}
		start, d := len(raw)-t.Remaining()-1, t.Depth
		for t.Next() && t.Err == nil {
			if (t.Delim == '}' || t.Delim == ']') && t.Depth == d {
				return raw[start : len(raw)-t.Remaining()]
			}
		}
		return nil
	}
	return nil
}

// rateLimitFrom reads a 429's figures in the vendor's header dialect; the
// documented rate stands in for a limit the answer does not state.
func rateLimitFrom(rule integration.RateLimitRule, h http.Header) *RateLimit {
	names := rule.Headers
	rl := &RateLimit{Limit: rule.PerSecond, RetryAfter: 1}
	retry := strings.TrimSpace(h.Get(names.RetryAfter))
	if v, err := strconv.Atoi(retry); err == nil && v >= 0 {
		rl.RetryAfter = v
	} else if when, err := http.ParseTime(retry); err == nil {
		rl.RetryAfter = max(0, int(time.Until(when).Seconds()+0.5))
	}
	rl.Reset = rl.RetryAfter
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get(names.Limit))); err == nil {
		rl.Limit = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get(names.Remaining))); err == nil {
		rl.Remaining = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get(names.Reset))); err == nil {
		rl.Reset = v
	}
	return rl
}
