package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/patchbay-dev/patchbay/internal/finder"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/render"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// Answer is what one tool call answers: the JSON result, or Text when the
// call asked for a text format and got a successful answer.
type Answer struct {
	*upstream.Result
	Text   string
	IsText bool
}

// Run answers one tools/call of t with validated args: a finder's scan, a
// composite's steps, or one upstream request narrowed and formatted as the
// arguments ask. Every upstream request it makes goes through Do, and
// every answer is kept within the call's answer budget (fit.go).
func (e *Executor) Run(ctx context.Context, c *Call, t *tools.Tool, args map[string]any, progress Progress) *Answer {
	switch {
	case t.Finder != nil:
		return &Answer{Result: e.RunFinder(ctx, c, t, args)}
	case t.Composite != nil:
		return &Answer{Result: fitWhole(e.RunComposite(ctx, c, t, args, progress), c.MaxAnswerBytes)}
	}
	format, _ := args[integration.FormatArg].(string)
	delete(args, integration.FormatArg)
	aim, err := takeAim(t, args)
	if err != nil {
		return &Answer{Result: upstream.Fail(err.Error(), nil)}
	}
	p, err := takeCursor(t, args)
	if err != nil {
		return &Answer{Result: upstream.Fail(err.Error(), nil)}
	}
	res := e.Do(ctx, c, t, args)
	if !res.IsError && !aim.Zero() {
		res = e.aimed(ctx, c, t, aim, res)
	}
	if f, ok := t.Record.Formats[format]; ok && !res.IsError {
		return &Answer{Result: res, Text: e.Render(ctx, c, f, res, p), IsText: true}
	}
	return &Answer{Result: fitAnswer(t, res, c.MaxAnswerBytes, p)}
}

// takeAim removes the aim arguments from args and reads them.
func takeAim(t *tools.Tool, args map[string]any) (render.Aim, error) {
	var a render.Aim
	if t.Record == nil || t.Record.Aim == "" {
		return a, nil
	}
	num := func(name string) float64 {
		v, _ := args[name].(json.Number)
		f, _ := v.Float64()
		return f
	}
	a.LastMinutes, a.FromSecond, a.ToSecond = num(integration.AimLastMinutes), num(integration.AimFromSecond), num(integration.AimToSecond)
	a.Side, _ = args[integration.AimSpeakers].(string)
	if list, ok := args[integration.AimMentions].([]any); ok {
		for _, m := range list {
			s, _ := m.(string)
			a.Mentions = append(a.Mentions, s)
		}
	}
	for _, name := range integration.AimArgs {
		delete(args, name)
	}
	if err := a.Check(); err != nil {
		return a, fmt.Errorf("invalid arguments: %w", err)
	}
	return a, nil
}

// aimed narrows a transcript answer. Which side a speaker is on takes one
// speaker lookup, through Do like every request.
func (e *Executor) aimed(ctx context.Context, c *Call, t *tools.Tool, aim render.Aim, res *upstream.Result) *upstream.Result {
	body, _ := res.Value().(map[string]any)
	items, _ := body["result"].([]any)
	var speakers render.Speakers
	if aim.NeedsSpeakers() && len(items) > 0 {
		var err error
		if speakers, _, err = e.lookupSpeakers(ctx, c, t.Record.SpeakerSource(), items); err != nil {
			return upstream.Fail("the speakers filter needs to know who is on which side, and the lookup failed: "+err.Error(), nil)
		}
	}
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	out["result"] = aim.Apply(items, speakers)
	return &upstream.Result{Body: out, Status: res.Status, RateLimit: res.RateLimit}
}

// RunFinder runs a finder tool: its scan reads pages of the scan tool
// through Do, paced as a call of several requests, within the call's
// filters and budgets.
func (e *Executor) RunFinder(ctx context.Context, c *Call, t *tools.Tool, args map[string]any) *upstream.Result {
	c.mu.Lock()
	c.Multi = true
	c.mu.Unlock()
	fetch := func(ctx context.Context, name string, a map[string]any) finder.Page {
		st, ok := c.Lookup(name)
		if !ok {
			return finder.Page{Failed: true, Reason: fmt.Sprintf("the tool %s is not allowed on this MCP server", name)}
		}
		if err := st.Validate(a); err != nil {
			return finder.Page{Failed: true, Reason: "the finder built arguments its scan tool refuses: " + err.Error()}
		}
		res := e.Do(ctx, c, st, a)
		return finder.Page{Value: res.Value(), Failed: res.IsError, Status: res.Status, Reason: res.Err, RateLimit: res.RateLimit}
	}
	ans, err := t.Finder.Def.RunWithin(ctx, fetch, args, e.opts.Now(), c.MaxAnswerBytes)
	if err != nil {
		return upstream.Fail("invalid arguments: "+err.Error(), nil)
	}
	rl, _ := ans.RateLimit.(*upstream.RateLimit)
	if ans.Failed && len(ans.Matches) == 0 {
		// Stopped before finding anything: an error the client can act on
		// (the cursor is in the message's answer all the same).
		res := upstream.Fail(ans.Stopped, nil)
		res.Status, res.RateLimit = ans.Status, rl
		status := ans.Status
		if rl != nil {
			status = http.StatusTooManyRequests
		}
		res.Body = map[string]any{"error": upstream.ErrorBody{Status: status, Message: ans.Stopped, RateLimit: rl}, "next_cursor": ans.NextCursor}
		return res
	}
	return &upstream.Result{Body: ans, Status: ans.Status, RateLimit: rl}
}
