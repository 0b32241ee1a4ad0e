// Package executor sends upstream requests. Every request Patchbay makes to
// an integration's API — a plain tool call, a composite's start and polls,
// search/fetch scans, a transcript's speaker lookup, a credential probe and
// the one retry after a 401 — goes through Executor.Do, which applies every
// rule of a tool call in one place: the MCP server's filters, the scope
// check, needs_reauth, the quota charged per upstream request, pacing and
// credentials; and counts the requests sent for the audit log. Calls made
// of several requests run here too, each request through Do: composites
// (RunComposite) and answer formats that look more up (Render).
package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// AuthProvider returns the credentials to call upstream with for an
// account (refreshing OAuth tokens when needed).
type AuthProvider func(ctx context.Context, a *store.Account) (upstream.Auth, error)

// Reauthorizer gets new credentials after upstream rejected the given ones
// with a 401 (an OAuth token revoked or expired early).
type Reauthorizer func(ctx context.Context, a *store.Account, rejected upstream.Auth) (upstream.Auth, error)

// QuotaSpender charges one upstream request of srv on acct to their
// budgets; an error means the request must not be sent (quota.Guard.Spend).
type QuotaSpender func(ctx context.Context, srv *store.Server, acct *store.Account) error

// Pacer reserves an account's upstream request slots (store.Store does, in
// the database, so every replica shares them).
type Pacer interface {
	ReservePace(ctx context.Context, accountID string, now time.Time, interval, tolerance, maxWait time.Duration) (slot time.Time, ok bool, err error)
}

// Options configure an Executor.
type Options struct {
	Upstream *upstream.Client
	Auth     AuthProvider
	Reauth   Reauthorizer // optional
	Quota    QuotaSpender // optional
	Pacer    Pacer        // optional: no pacing
	// PollInterval is how often composites check on started work
	// (default DefaultPollInterval).
	PollInterval time.Duration
	// Now is the pacing clock (default time.Now): pacing is about the
	// vendor's real clock, never an installation's test clock.
	Now func() time.Time
}

// Executor sends upstream requests under every rule of a tool call.
type Executor struct {
	opts Options
}

// New returns an executor. It wraps the upstream client's transport once,
// so that each request actually sent is counted for the call that sent it.
func New(opts Options) *Executor {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if hc := opts.Upstream.HTTP; hc != nil {
		if _, ok := hc.Transport.(*countingTransport); !ok {
			next := hc.Transport
			if next == nil {
				next = http.DefaultTransport
			}
			hc.Transport = &countingTransport{next: next}
		}
	}
	return &Executor{opts: opts}
}

// Call is one MCP request's (or one credential probe's) view of upstream:
// who asks, under which rules, and what it has sent so far. It is safe for
// concurrent use.
type Call struct {
	// Server is the MCP server asking; nil for a credential probe, which
	// has no filters and spends no budget.
	Server  *store.Server
	Account *store.Account
	Set     *tools.Set
	Filter  tools.Filter
	// MaxAnswerBytes is the server's answer budget (0: none): answers are
	// kept within it, whole items, with a cursor to the rest.
	MaxAnswerBytes int
	// Multi marks a call made of several upstream requests (a composite,
	// search/fetch): each of its requests is paced, whatever the account's
	// pace setting, so it never provokes a 429 of its own.
	Multi bool

	mu        sync.Mutex
	auth      upstream.Auth
	requests  int
	status    int
	rateLimit *upstream.RateLimit
	denied    bool
}

// Requests is how many requests the call sent upstream.
func (c *Call) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// LastStatus is the HTTP status of the call's last upstream answer (0: none).
func (c *Call) LastStatus() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Denied reports whether the call's last request was refused by a budget
// or by pacing (an audit "denied" rather than an "error").
func (c *Call) Denied() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.denied
}

// RateLimit is the last rate-limit figures the call met, if any.
func (c *Call) RateLimit() *upstream.RateLimit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rateLimit
}

// Allowed reports whether the server's filters let t run. A composite is
// allowed only when its start and poll tools are too: a filter must never
// be crossed by a tool made of other tools.
func (c *Call) Allowed(t *tools.Tool) bool {
	return c.Server == nil || Allows(c.Filter, t)
}

// Allows reports whether filter f lets t run: a composite needs its start
// and poll tools allowed too.
func Allows(f tools.Filter, t *tools.Tool) bool {
	if !f.Allows(t) {
		return false
	}
	if comp := t.Composite; comp != nil {
		return f.Allows(comp.Start) && f.Allows(comp.Poll)
	}
	if fd := t.Finder; fd != nil {
		return f.Allows(fd.Scan)
	}
	return true
}

// Select lists the tools of set that f allows (see Allows): what a
// server with that filter lists and may call.
func Select(set *tools.Set, f tools.Filter) []*tools.Tool {
	out := make([]*tools.Tool, 0, len(set.Tools))
	for _, t := range set.Select(f) {
		if (t.Composite == nil && t.Finder == nil) || Allows(f, t) {
			out = append(out, t)
		}
	}
	return out
}

// Lookup finds a tool by name that the call may run.
func (c *Call) Lookup(name string) (*tools.Tool, bool) {
	t, ok := c.Set.Lookup(name)
	if !ok || !c.Allowed(t) {
		return nil, false
	}
	return t, true
}

// ErrUnknownTool is a tool that does not exist or that the server's filters
// leave out: the two are indistinguishable to a client.
var ErrUnknownTool = errors.New("unknown tool")

// Prepare finds the tool a tools/call names and decodes and validates its
// arguments. An unknown or filtered-out tool is ErrUnknownTool; invalid
// arguments give an isError result that says why.
func (e *Executor) Prepare(c *Call, name string, raw json.RawMessage) (*tools.Tool, map[string]any, *upstream.Result, error) {
	t, ok := c.Lookup(name)
	if !ok {
		return nil, nil, nil, ErrUnknownTool
	}
	args, err := upstream.DecodeArgs(raw)
	if err == nil {
		err = t.Validate(args)
	}
	if err != nil {
		return nil, nil, upstream.Fail(err.Error(), nil), nil
	}
	return t, args, nil, nil
}

// Do sends one upstream request for tool t, or says why it may not be
// sent. In order: the server's filters, the account's granted scopes and
// status, one charge to the budgets, the pace, credentials; a 401 on OAuth
// credentials refreshes them and tries once more (charged and paced again,
// as it is another request).
func (e *Executor) Do(ctx context.Context, c *Call, t *tools.Tool, args map[string]any) *upstream.Result {
	if c.Server != nil {
		if res := e.check(c, t); res != nil {
			return res
		}
	}
	auth, err := e.credentials(ctx, c)
	if err != nil {
		return e.refuse(c, err.Error(), nil, false)
	}
	res := e.send(ctx, c, t, args, auth)
	if res.Status == http.StatusUnauthorized && e.opts.Reauth != nil && c.Account.Credentials.Type == credentials.TypeOAuth2 {
		// One refresh and one retry: the token may have been revoked or
		// expired early; a second 401 is the answer.
		again, err := e.opts.Reauth(ctx, c.Account, auth)
		if err != nil {
			res = upstream.Fail(err.Error(), nil)
			res.Status = http.StatusUnauthorized
			return res
		}
		c.mu.Lock()
		c.auth = again
		c.mu.Unlock()
		res = e.send(ctx, c, t, args, again)
	}
	return res
}

// check applies the MCP server's rules to t: its filters, the account's
// granted scopes and its status. A credential probe skips them: any answer
// but a 401 proves a key works.
func (e *Executor) check(c *Call, t *tools.Tool) *upstream.Result {
	if !c.Allowed(t) {
		return e.refuse(c, fmt.Sprintf("the tool %s is not allowed on this MCP server", t.Name), nil, false)
	}
	if missing := MissingScopes(c.Account.Scopes, t.Scopes); len(missing) > 0 {
		msg := fmt.Sprintf("the %s account %q was not granted the scope this tool needs (%s); reconnect it with that scope", c.Account.Integration, c.Account.Name, strings.Join(missing, ", "))
		return e.refuse(c, msg, missing, false)
	}
	if c.Account.Status == store.StatusNeedsReauth {
		msg := fmt.Sprintf("the %s account %q needs to be reconnected: its credentials stopped working. An admin can reconnect it in the Patchbay dashboard (Integrated accounts → Reconnect)", c.Account.Integration, c.Account.Name)
		return e.refuse(c, msg, nil, false)
	}
	return nil
}

// send charges, paces and sends one request.
func (e *Executor) send(ctx context.Context, c *Call, t *tools.Tool, args map[string]any, auth upstream.Auth) *upstream.Result {
	if c.Server != nil && e.opts.Quota != nil {
		if err := e.opts.Quota(ctx, c.Server, c.Account); err != nil {
			res := upstream.Fail(err.Error(), nil)
			var be interface{ RateLimit() *upstream.RateLimit }
			if errors.As(err, &be) {
				res.RateLimit = be.RateLimit()
				res.Body = map[string]any{"error": upstream.ErrorBody{Status: http.StatusTooManyRequests, Message: err.Error(), RateLimit: res.RateLimit}}
			}
			return e.deny(c, res)
		}
	}
	if res := e.pace(ctx, c); res != nil {
		return e.deny(c, res)
	}
	ctx = context.WithValue(ctx, callKey{}, c)
	res := e.opts.Upstream.Call(ctx, c.Set.Integration, c.Account.BaseURL, auth, t, args)
	c.mu.Lock()
	c.denied = false
	if res.Status != 0 {
		c.status = res.Status
	}
	if res.RateLimit != nil {
		c.rateLimit = res.RateLimit
	}
	c.mu.Unlock()
	return res
}

func (e *Executor) credentials(ctx context.Context, c *Call) (upstream.Auth, error) {
	c.mu.Lock()
	auth := c.auth
	c.mu.Unlock()
	if auth != nil {
		return auth, nil
	}
	auth, err := e.opts.Auth(ctx, c.Account)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.auth = auth
	c.mu.Unlock()
	return auth, nil
}

func (e *Executor) refuse(c *Call, msg string, missing []string, denied bool) *upstream.Result {
	c.mu.Lock()
	c.denied = denied
	c.mu.Unlock()
	return upstream.Fail(msg, missing)
}

func (e *Executor) deny(c *Call, res *upstream.Result) *upstream.Result {
	c.mu.Lock()
	c.denied = true
	if res.RateLimit != nil {
		c.rateLimit = res.RateLimit
	}
	c.mu.Unlock()
	return res
}

// Refused reports whether res is a refusal by a budget or by pacing: no
// request was sent, and a call made of several requests stops there.
func Refused(res *upstream.Result) bool {
	return res.IsError && res.Status == 0 && res.RateLimit != nil
}

// MissingScopes lists the needed scopes not granted; unknown grants (nil)
// are left for upstream to judge.
func MissingScopes(granted, needed []string) []string {
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

type callKey struct{}

// countingTransport counts each request sent on the Call in its context:
// the one place that knows a request really left (a request that cannot
// be built never reaches it).
type countingTransport struct{ next http.RoundTripper }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c, ok := r.Context().Value(callKey{}).(*Call); ok {
		c.mu.Lock()
		c.requests++
		c.mu.Unlock()
	}
	return t.next.RoundTrip(r)
}

// CloseIdleConnections passes on to the wrapped transport (http.Client
// calls it through this interface).
func (t *countingTransport) CloseIdleConnections() {
	if ci, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
