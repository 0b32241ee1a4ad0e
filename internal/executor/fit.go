package executor

import (
	"fmt"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/fit"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// The answer budget (store.ServerConfig.MaxAnswerBytes, Call.MaxAnswerBytes)
// applied to every answer Run gives, in every format: a list keeps whole
// items and a cursor to the first one left out (internal/fit), a text
// format keeps whole calls, and any other answer over the budget becomes
// a note saying so — never an answer cut mid-value, never an item dropped
// without a way to page to it. The upstream client does not cut answers
// itself (it only bounds what it reads, upstream.Client.MaxBody), so
// nothing is lost before the budget is applied.

// page is where a list answer starts: the vendor's cursor that read the
// page and how many of its items earlier answers already gave.
type page struct {
	from string
	skip int
}

// takeCursor reads the cursor a client passed back to a list tool. A
// Patchbay cursor (fit.Parse) is replaced by its vendor part, which is all
// the vendor sees; any other cursor is the vendor's own and stays as it is.
func takeCursor(t *tools.Tool, args map[string]any) (page, error) {
	s, _ := args[integration.CursorArg].(string)
	if !t.Paginated || s == "" {
		return page{}, nil
	}
	c, ours, err := fit.Parse(s)
	switch {
	case err != nil:
		return page{}, fmt.Errorf("invalid arguments: %w", err)
	case !ours:
		return page{from: s}, nil
	case c.Upstream == "":
		delete(args, integration.CursorArg)
	default:
		args[integration.CursorArg] = c.Upstream
	}
	return page{from: c.Upstream, skip: c.Skip}, nil
}

// fitAnswer keeps a successful JSON answer of t within max bytes (0: no
// budget). The vendor's bytes go out untouched when they fit.
func fitAnswer(t *tools.Tool, res *upstream.Result, max int, p page) *upstream.Result {
	if res.IsError || (p.skip == 0 && (max <= 0 || (res.Raw != nil && len(res.Raw) <= max))) {
		return res
	}
	if body, ok := res.Value().(map[string]any); ok && t.Record != nil && t.Record.Result != "" {
		if _, ok := body[fit.ResultKey].([]any); ok {
			return &upstream.Result{Body: fit.List(body, max, p.from, p.skip), Status: res.Status, RateLimit: res.RateLimit}
		}
	}
	return fitWhole(res, max)
}

// fitWhole is the rule for an answer that is not a list (a single object,
// a composite's outcome): it goes out whole or, over the budget, becomes a
// note saying how large it was and how to ask for less.
func fitWhole(res *upstream.Result, max int) *upstream.Result {
	if res.IsError || max <= 0 {
		return res
	}
	text, err := res.Text()
	if err != nil || len(text) <= max {
		return res
	}
	msg := fmt.Sprintf("The answer is %d bytes, more than this MCP server's answer budget of %d bytes (max_answer_bytes), so it was not sent rather than cut mid-value. Ask for less (fewer ids, a shorter date range, fewer fields) or raise the server's max_answer_bytes.", len(text), max)
	out := upstream.Fail(msg, nil)
	out.Status, out.RateLimit, out.Err = res.Status, res.RateLimit, "answer over the answer budget"
	return out
}

// fitText joins the rendered items (one part per item, joined by sep)
// within max bytes, whole items only, and closes with the line that
// continues: the vendor's next page when every item fit, else a cursor
// that resumes at the first item left out and how many were left out.
// none is what an empty page says; noun names the items ("calls").
func fitText(parts []string, sep string, max int, p page, next, none, noun string) string {
	if len(parts) == 0 {
		return none + vendorClosing(next)
	}
	all := strings.Join(parts, sep) + vendorClosing(next)
	if max <= 0 || len(all) <= max {
		return all
	}
	// Room for the longest closing this page could need.
	room := len(budgetClosing(fit.Cursor{Upstream: p.from, Skip: p.skip + len(parts)}, len(parts), max, noun))
	kept := fit.Strings(parts, sep, max-room)
	if kept == 0 {
		// The first item alone does not fit: say so and go past it, so
		// paging never stalls.
		lead := fmt.Sprintf("The next of the %s is %d bytes of text, more than this MCP server's answer budget of %d bytes, so it was left out; ask for it alone and narrower (last_minutes, from_second/to_second, speakers or mentions), or raise the server's max_answer_bytes.\n", noun, len(parts[0]), max)
		closing := budgetClosing(fit.Cursor{Upstream: p.from, Skip: p.skip + 1}, len(parts)-1, max, noun)
		if len(lead)+len(closing) > max {
			return closing // a budget this small has room for the cursor only
		}
		return lead + closing
	}
	return strings.Join(parts[:kept], sep) + budgetClosing(fit.Cursor{Upstream: p.from, Skip: p.skip + kept}, len(parts)-kept, max, noun)
}

func vendorClosing(next string) string {
	if next == "" {
		return ""
	}
	return "\nnext_cursor: " + next + "\n(pass it back exactly as next_cursor to get the next page)\n"
}

func budgetClosing(c fit.Cursor, left, max int, noun string) string {
	return fmt.Sprintf("\nnext_cursor: %s\n(%d more %s of this page were left out, whole, to stay within this MCP server's answer budget of %d bytes; pass next_cursor back exactly to get them)\n", c, left, noun, max)
}
