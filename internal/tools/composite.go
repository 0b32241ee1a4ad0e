package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

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
		if err := json.Unmarshal(start.InputSchema, &schema); err != nil {
			return at("start schema: %v", err)
		}
		props := schema["properties"].(map[string]any)
		// The start tool is listed too and explains every field; the
		// composite keeps the structure and the help of its own required
		// extras only, which keeps the tool list within its token budget.
		for name, p := range props {
			depth := 0
			if !slices.Contains(c.Require, name) {
				depth = 1 // strip this property's own description too
			}
			stripNestedDescriptions(p, depth)
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
			"description": fmt.Sprintf("How long to wait for the work to finish, in seconds (default %d, at most %d).", c.WaitSeconds, c.MaxWaitSeconds),
		}
		raw, err := marshalCompact(schema)
		if err != nil {
			return at("%v", err)
		}
		comp := jsonschema.NewCompiler()
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return at("%v", err)
		}
		if err := comp.AddResource("tool.json", doc); err != nil {
			return at("%v", err)
		}
		compiled, err := comp.Compile("tool.json")
		if err != nil {
			return at("schema: %v", err)
		}
		scopes := append([]string(nil), start.Scopes...)
		for _, sc := range poll.Scopes {
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
		desc := strings.TrimSpace(c.Description) + "\nArguments are those of " + start.Name + " (see its field descriptions)"
		if len(c.Omit) > 0 {
			desc += " without " + strings.Join(c.Omit, ", ")
		}
		desc += ", plus " + WaitArg + "."
		if len(scopes) > 0 {
			desc += "\nScope: " + strings.Join(scopes, ", ") + "."
		}
		t := &Tool{
			Name: c.Name, Title: c.Title, Description: desc, InputSchema: raw,
			Annotations: Annotations{Title: c.Title, ReadOnlyHint: start.Read, DestructiveHint: start.Annotations.DestructiveHint,
				IdempotentHint: start.Annotations.IdempotentHint, OpenWorldHint: true},
			Tags: append([]string(nil), c.Tags...), Scopes: scopes, Resource: start.Resource, Method: "composite",
			Read: start.Read, Custom: true, Credits: start.Credits || poll.Credits,
			Operation: start.Operation, Record: start.Record, Params: start.Params,
			Composite: &CompositeTool{Def: c, Start: start, Poll: poll}, schema: compiled,
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

// stripNestedDescriptions drops "description" below the top level of a
// property's schema.
func stripNestedDescriptions(v any, depth int) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	if depth > 0 {
		delete(m, "description")
	}
	for k, child := range m {
		switch k {
		case "properties":
			if props, ok := child.(map[string]any); ok {
				for _, p := range props {
					stripNestedDescriptions(p, depth+1)
				}
			}
		case "items":
			stripNestedDescriptions(child, depth+1)
		}
	}
}
