package executor

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// DefaultPollInterval is how often a composite tool checks on the work.
const DefaultPollInterval = 2 * time.Second

// Progress hears a composite's progress while it waits: the poll's number
// and what it found.
type Progress func(ctx context.Context, n int, msg string)

// RunComposite starts a composite's work, then polls until it is done,
// failed, or the wait runs out, and answers which — never "done" for work
// that is only accepted. Every start and poll is one request through Do:
// charged, paced and counted; a poll refused by a budget ends the wait and
// says so. progress (optional) hears each poll that finds the work going on.
func (e *Executor) RunComposite(ctx context.Context, c *Call, t *tools.Tool, args map[string]any, progress Progress) *upstream.Result {
	comp := t.Composite
	wait := time.Duration(comp.Def.WaitSeconds) * time.Second
	if v, ok := args[tools.WaitArg]; ok {
		var secs int
		fmt.Sscan(fmt.Sprint(v), &secs)
		wait = time.Duration(secs) * time.Second
	}
	delete(args, tools.WaitArg)

	c.Multi = true // several requests: each paced
	start := e.Do(ctx, c, comp.Start, args)
	if start.IsError {
		return start // nothing was started: the error says why
	}
	pollArgs, err := pollArguments(comp.Def.Poll.Arguments, start.Value(), args)
	if err != nil {
		return upstream.Fail(fmt.Sprintf("%s was accepted, but its answer lacks %v, so it cannot be followed; its answer: %v", comp.Start.Name, err, start.Value()), nil)
	}
	interval := e.opts.PollInterval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	deadline := time.Now().Add(wait)
	var last *upstream.Result
	for i := 1; ; i++ {
		last = e.Do(ctx, c, comp.Poll, pollArgs)
		if Refused(last) {
			return &upstream.Result{Body: map[string]any{"status": "unknown", "started": start.Value(), "poll_error": last.Value(),
				"message": fmt.Sprintf("%s was accepted, but checking on it stopped: %s Check again later with %s and arguments %v.", comp.Start.Name, last.Err, comp.Poll.Name, pollArgs)},
				IsError: true, RateLimit: last.RateLimit, Err: last.Err}
		}
		state, status := classify(comp, last)
		switch state {
		case "done":
			return &upstream.Result{Body: map[string]any{"status": "done", "started": start.Value(), "result": last.Value()}, Status: last.Status}
		case "failed":
			return &upstream.Result{Body: map[string]any{"status": "failed", "started": start.Value(), "result": last.Value(),
				"message": fmt.Sprintf("%s reports %s", comp.Poll.Name, status)}, IsError: true, Status: last.Status, Err: "composite failed: " + status}
		case "error":
			last.Body = map[string]any{"status": "unknown", "started": start.Value(), "poll_error": last.Value(),
				"message": fmt.Sprintf("%s was accepted, but checking on it with %s failed; check again with %v", comp.Start.Name, comp.Poll.Name, pollArgs)}
			last.Raw = nil // the answer is now Body
			return last
		}
		if progress != nil {
			progress(ctx, i, fmt.Sprintf("waiting for %s: %s", comp.Start.Name, status))
		}
		if !time.Now().Add(interval).Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return upstream.Fail("the request was cancelled while waiting; the work goes on upstream", nil)
		case <-time.After(interval):
		}
	}
	return &upstream.Result{Body: map[string]any{
		"status":  "still_processing",
		"started": start.Value(),
		"result":  last.Value(),
		"message": fmt.Sprintf("Not finished after %s. It was started and goes on; check again later with %s and arguments %v.", wait, comp.Poll.Name, pollArgs),
	}, Status: last.Status}
}

// classify reads one poll answer: done, failed, pending, or error.
func classify(comp *tools.CompositeTool, r *upstream.Result) (state, status string) {
	p := comp.Def.Poll
	if p.Until == "success" {
		switch {
		case !r.IsError:
			return "done", "ready"
		case r.Status == http.StatusNotFound:
			return "pending", "processing"
		}
		return "error", ""
	}
	if r.IsError {
		return "error", ""
	}
	body, _ := r.Value().(map[string]any)
	status = fmt.Sprint(lookup(body, p.Status))
	switch {
	case slices.Contains(p.Done, status):
		return "done", status
	case slices.Contains(p.Failed, status):
		return "failed", status
	}
	return "pending", status
}

// pollArguments fills the poll tool's arguments from the start answer
// ("start.x.y") and the composite's arguments ("args.x").
func pollArguments(spec map[string]string, startBody any, args map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for name, src := range spec {
		var v any
		if rest, ok := strings.CutPrefix(src, "start."); ok {
			m, _ := startBody.(map[string]any)
			v = lookup(m, rest)
		} else if rest, ok := strings.CutPrefix(src, "args."); ok {
			v = args[rest]
		}
		if v == nil {
			return nil, fmt.Errorf("%s", src)
		}
		out[name] = fmt.Sprint(v)
	}
	return out, nil
}

func lookup(m map[string]any, dotted string) any {
	var cur any = m
	for _, part := range strings.Split(dotted, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[part]
	}
	return cur
}
