package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/render"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// Render turns a successful list answer, read at page p, into the
// asked-for format, whole items within the call's answer budget (fitText).
// A speaker lookup that fails leaves speaker ids in place and says so,
// rather than failing an answer that already arrived.
func (e *Executor) Render(ctx context.Context, c *Call, f integration.Format, res *upstream.Result, p page) string {
	body, _ := res.Value().(map[string]any)
	items, _ := body["result"].([]any)
	items = items[min(p.skip, len(items)):]
	var note string
	speakers, calls := render.Speakers{}, render.Calls{}
	if f.Speakers != nil && len(items) > 0 {
		var err error
		speakers, calls, err = e.lookupSpeakers(ctx, c, f.Speakers, items)
		if err != nil {
			note = "Note: speaker names could not be looked up (" + err.Error() + "); speakers are shown by id.\n"
		}
	}
	if f.Renderer != "transcript" {
		return fmt.Sprintf("format renderer %q is not available", f.Renderer)
	}
	// One part per call, so that the budget keeps whole calls.
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = render.TranscriptText([]any{it}, speakers, calls)
	}
	next, _ := body["next_cursor"].(string)
	budget := c.MaxAnswerBytes
	if budget > 0 {
		budget = max(budget-len(note), 1)
	}
	return note + fitText(parts, "\n", budget, p, next, "No transcripts matched.\n", "calls")
}

// lookupSpeakers makes the one extra upstream request that maps speaker ids
// to people for the items' ids, through the executor like any other (its
// filters, scopes, budget and pace apply).
func (e *Executor) lookupSpeakers(ctx context.Context, c *Call, src *integration.SpeakerSource, items []any) (render.Speakers, render.Calls, error) {
	t := c.Set.ByOperation(src.Operation)
	if t == nil {
		return nil, nil, fmt.Errorf("no tool for %s", src.Operation)
	}
	var ids []any
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && m["callId"] != nil {
			ids = append(ids, m["callId"])
		}
	}
	args := map[string]any{src.IDsArgument: ids}
	for k, v := range src.Arguments {
		args[k] = v
	}
	res := e.Do(ctx, c, t, args)
	switch {
	case res.IsError && res.Status == 0:
		return nil, nil, errors.New(res.Err) // not sent: a filter, scope or budget said no
	case res.IsError:
		return nil, nil, fmt.Errorf("upstream answered %d", res.Status)
	}
	body, _ := res.Value().(map[string]any)
	calls, _ := body["result"].([]any)
	return render.SpeakersFromCalls(calls), render.CallsFromCalls(calls), nil
}
