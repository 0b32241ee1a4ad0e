package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/integration"
)

// WaitArg bounds how long a composite tool waits, in seconds.
const WaitArg = "wait_seconds"

// CompositeTool is what a composite runs: its start and poll tools.
type CompositeTool struct {
	Def   *integration.Composite
	Start *Tool
	Poll  *Tool
}

// addComposites turns the integration's composite definitions into tools
// whose input is the start tool's, plus the wait.
func (s *Set) addComposites(in *integration.Integration) error {
	for _, c := range in.Composites {
		at := func(format string, a ...any) error {
			return fmt.Errorf("%s: composite %q: %s", c.File, c.Name, fmt.Sprintf(format, a...))
		}
		if !snakeName(c.Name) || strings.TrimSpace(c.Description) == "" || len(c.Tags) == 0 {
			return at("name (snake_case), description and tags are required")
		}
		if _, dup := s.byName[c.Name]; dup {
			return at("name already used")
		}
		start, ok := s.byName[c.Start]
		if !ok {
			return at("start tool %q is not documented", c.Start)
		}
		poll, ok := s.byName[c.Poll.Tool]
		if !ok {
			return at("poll tool %q is not documented", c.Poll.Tool)
		}
		if c.Poll.Until != "success" && (c.Poll.Status == "" || len(c.Poll.Done) == 0) {
			return at("poll needs until: success, or a status field with done values")
		}
		for arg, src := range c.Poll.Arguments {
			if !strings.HasPrefix(src, "start.") && !strings.HasPrefix(src, "args.") {
				return at("poll argument %s: %q must start with start. or args.", arg, src)
			}
		}
		if c.WaitSeconds <= 0 || c.MaxWaitSeconds < c.WaitSeconds {
			return at("wait_seconds must be positive and at most max_wait_seconds")
		}
		var schema map[string]any
		if err := json.Unmarshal(start.fullSchema, &schema); err != nil {
			return at("start schema: %v", err)
		}
		props := schema["properties"].(map[string]any)
		// The start tool is listed too and explains every field; the
		// composite keeps the help of its own required extras only, which
		// keeps the tool list within its token budget.
		for name, p := range props {
			if m, ok := p.(map[string]any); ok {
				stripDescriptions(m, slices.Contains(c.Require, name))
			}
		}
		required, _ := schema["required"].([]any)
		for _, o := range c.Omit {
			if _, ok := props[o]; !ok || slices.Contains(required, any(o)) {
				return at("omitted argument %q is not an optional argument of %s", o, start.Name)
			}
			delete(props, o)
		}
		for _, r := range c.Require {
			if _, ok := props[r]; !ok {
				return at("required argument %q is not an argument of %s", r, start.Name)
			}
			if !slices.Contains(required, any(r)) {
				required = append(required, r)
			}
		}
		if len(required) > 0 {
			schema["required"] = required
		}
		props[WaitArg] = map[string]any{
			"type": "integer", "minimum": 0, "maximum": c.MaxWaitSeconds,
			"description": fmt.Sprintf("Default %d.", c.WaitSeconds),
		}
		scopes := append([]string(nil), start.Scopes...)
		for _, sc := range poll.Scopes {
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
		// The schema shows which of the start tool's arguments are here;
		// their meaning is described once, on the start tool.
		desc := strings.TrimSpace(c.Description) + "\nArguments as in " + start.Name + "."
		if start.Credits || poll.Credits {
			desc += "\n" + strings.TrimSpace(in.CreditsNote)
		}
		t := &Tool{
			Name: c.Name, Title: c.Title, Description: desc,
			Annotations: Annotations{Title: c.Title, ReadOnlyHint: start.Read, DestructiveHint: start.Annotations.DestructiveHint,
				IdempotentHint: start.Annotations.IdempotentHint, OpenWorldHint: true},
			Tags: append([]string(nil), c.Tags...), Scopes: scopes, Resource: start.Resource, Method: "composite",
			Read: start.Read, Custom: true, Credits: start.Credits || poll.Credits,
			Operation: start.Operation, Record: start.Record, Params: start.Params,
			Composite: &CompositeTool{Def: c, Start: start, Poll: poll},
		}
		// A structured argument is shown once, on the start tool: the
		// composite lists its name and type and points there.
		own := append(slices.Clone(c.Require), WaitArg)
		pointToStart := func(listed map[string]any) {
			props, _ := listed["properties"].(map[string]any)
			for name, p := range props {
				if _, ok := shapeKey(p); ok && !slices.Contains(own, name) {
					props[name] = pointer(p.(map[string]any), start.Name+"'s "+name)
				}
			}
		}
		if err := t.setSchema(schema, pointToStart); err != nil {
			return at("schema: %v", err)
		}
		s.byName[t.Name] = t
		s.Tools = append(s.Tools, t)
	}
	return nil
}

func snakeName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
