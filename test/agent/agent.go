// Package agent is a scripted agent: it runs the three workflows of
// Gong's guide (a lost-deal post-mortem, an activity audit, a deal
// briefing) against one MCP server the way a model would, choosing tools
// from tools/list and arguments from the answers, with no knowledge of
// Patchbay's code. Tests use it to prove the workflows finish; the
// benchmark uses it to measure what they cost an agent (tool calls,
// answer bytes, time). It has two routes: the finder tools, and the plain
// API tools alone (what an agent must do without finders).
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Session is what the agent needs of an MCP client session.
type Session interface {
	ListTools(ctx context.Context, p *sdk.ListToolsParams) (*sdk.ListToolsResult, error)
	CallTool(ctx context.Context, p *sdk.CallToolParams) (*sdk.CallToolResult, error)
}

// Cost is what a workflow cost the agent.
type Cost struct {
	Calls       int           // tool calls of the workflow
	MetaCalls   int           // discovery calls (search_tools, get_tool_schema)
	AnswerBytes int           // bytes of every answer's text the model would read
	Largest     int           // the largest single answer
	Wall        time.Duration // time spent in tool calls
}

// Agent runs workflows on one MCP server.
type Agent struct {
	s     Session
	tools map[string]*sdk.Tool
	// Discovery is true when the server lists only the discovery meta-tools:
	// the agent then finds and calls tools through them.
	Discovery bool
	// ListBytes is the size of the tools/list result, paid once per
	// conversation.
	ListBytes int
	Cost      Cost
	// MaxCalls fails a workflow that needs more tool calls (0: no cap).
	MaxCalls int
	found    map[string]bool // tools found through search_tools
}

// New lists the server's tools.
func New(ctx context.Context, s Session) (*Agent, error) {
	res, err := s.ListTools(ctx, nil)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(res)
	a := &Agent{s: s, tools: map[string]*sdk.Tool{}, ListBytes: len(b), found: map[string]bool{}}
	for _, t := range res.Tools {
		a.tools[t.Name] = t
	}
	_, search := a.tools["search_tools"]
	_, call := a.tools["call_tool"]
	a.Discovery = search && call && len(a.tools) <= 3
	return a, nil
}

// Has reports whether the server offers a tool (in discovery mode, by
// searching for it).
func (a *Agent) Has(ctx context.Context, name, query string) bool {
	if !a.Discovery {
		_, ok := a.tools[name]
		return ok
	}
	if a.found[name] {
		return true
	}
	text, _, err := a.raw(ctx, "search_tools", map[string]any{"query": query}, true)
	if err != nil {
		return false
	}
	if strings.Contains(text, `"`+name+`"`) {
		a.found[name] = true
	}
	return a.found[name]
}

// ToolError is a tool's isError answer.
type ToolError struct {
	Tool string
	Text string
}

func (e *ToolError) Error() string { return e.Tool + ": " + e.Text }

// Call calls a tool and returns its answer's text.
func (a *Agent) Call(ctx context.Context, tool string, args map[string]any) (string, error) {
	if a.MaxCalls > 0 && a.Cost.Calls >= a.MaxCalls {
		return "", fmt.Errorf("the workflow needs more than %d tool calls", a.MaxCalls)
	}
	name, callArgs := tool, args
	if a.Discovery {
		// A tool is called only once a search has shown it, as a model
		// that sees only the meta-tools would.
		if !a.Has(ctx, tool, strings.ReplaceAll(tool, "_", " ")) {
			return "", fmt.Errorf("search_tools does not find %s on this server", tool)
		}
		name, callArgs = "call_tool", map[string]any{"tool_name": tool, "arguments": args}
	}
	text, isErr, err := a.raw(ctx, name, callArgs, false)
	if err != nil {
		return "", err
	}
	if isErr {
		return "", &ToolError{Tool: tool, Text: text}
	}
	return text, nil
}

// JSON calls a tool whose answer is JSON and decodes it.
func (a *Agent) JSON(ctx context.Context, tool string, args map[string]any) (map[string]any, error) {
	text, err := a.Call(ctx, tool, args)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return nil, fmt.Errorf("%s: the answer is not a JSON object: %w", tool, err)
	}
	return out, nil
}

func (a *Agent) raw(ctx context.Context, name string, args map[string]any, meta bool) (string, bool, error) {
	start := time.Now()
	res, err := a.s.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	a.Cost.Wall += time.Since(start)
	if meta {
		a.Cost.MetaCalls++
	} else {
		a.Cost.Calls++
	}
	if err != nil {
		return "", false, fmt.Errorf("%s: %w", name, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	text := b.String()
	a.Cost.AnswerBytes += len(text)
	a.Cost.Largest = max(a.Cost.Largest, len(text))
	return text, res.IsError, nil
}

// Each calls a list tool page by page until next_cursor runs out, giving
// each decoded answer to fn.
func (a *Agent) Each(ctx context.Context, tool string, args map[string]any, fn func(map[string]any) error) error {
	args = clone(args)
	for {
		ans, err := a.JSON(ctx, tool, args)
		if err != nil {
			return err
		}
		if err := fn(ans); err != nil {
			return err
		}
		next, _ := ans["next_cursor"].(string)
		if next == "" {
			return nil
		}
		args["next_cursor"] = next
	}
}

// Texts calls a text-format tool page by page. A text answer ends with a
// line naming next_cursor when there is more.
func (a *Agent) Texts(ctx context.Context, tool string, args map[string]any) ([]string, error) {
	args = clone(args)
	var out []string
	for {
		text, err := a.Call(ctx, tool, args)
		if err != nil {
			return out, err
		}
		out = append(out, text)
		next := TextCursor(text)
		if next == "" {
			return out, nil
		}
		args["next_cursor"] = next
	}
}

// TextCursor finds the continuation cursor a text answer names on its
// closing line: `next_cursor: <cursor>` (quotes around it are accepted).
func TextCursor(text string) string {
	const mark = "next_cursor: "
	i := strings.LastIndex(text, mark)
	if i < 0 {
		return ""
	}
	line, _, _ := strings.Cut(text[i+len(mark):], "\n")
	return strings.Trim(strings.TrimSpace(line), `"`)
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ErrNotFound is a workflow that found nothing to work on.
var ErrNotFound = errors.New("not found")

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprint(v)
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
