// Package tools generates MCP tools from an integration and its
// documentation records, and filters them by an MCP server's config. All of
// it is pure functions over loaded data: the same integration always gives
// the same tools, byte for byte.
package tools

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchbay-dev/patchbay/internal/integration"
)

// Tool is one generated tool with everything needed to list and call it.
type Tool struct {
	Name        string
	Title       string
	Description string
	// InputSchema is the compact JSON of the flat input object schema as
	// tools/list shows it: lean (see setSchema). Validate holds arguments
	// to the whole schema, unknown arguments refused.
	InputSchema json.RawMessage
	Annotations Annotations
	Tags        []string
	Scopes      []string
	Resource    string
	Method      string
	// Read is true for list, get and read-only custom methods (the "read"
	// method filter); otherwise the tool is a write.
	Read    bool
	Custom  bool
	Credits bool

	Operation *integration.Operation
	Record    *integration.Record
	Params    []integration.Param // resolved: never empty for an operation with inputs
	// Paginated tools accept next_cursor and answer {result, next_cursor}.
	Paginated bool
	// Composite is set on multi-step tools (start, then poll until done).
	Composite *CompositeTool
	// Finder is set on finder tools (scan a list tool and match).
	Finder *FinderTool
	// RequiredBodyObjects are top-level body objects upstream requires even
	// when all their fields are optional (Gong's "filter"); Build sends {}.
	RequiredBodyObjects []string

	schema     *jsonschema.Schema
	fullSchema json.RawMessage // what schema was compiled from
}

// Annotations are the MCP tool annotations (hints), all always set.
type Annotations struct {
	Title           string
	ReadOnlyHint    bool
	DestructiveHint bool
	IdempotentHint  bool
	OpenWorldHint   bool
}

// Set is the full, ordered tool set of one integration.
type Set struct {
	Integration *integration.Integration
	Tools       []*Tool // sorted by name
	byName      map[string]*Tool
}

// Lookup finds a tool by its exact name.
func (s *Set) Lookup(name string) (*Tool, bool) {
	t, ok := s.byName[name]
	return t, ok
}

// Name builds a tool name following the managed-platform convention:
// list_all_{i}_{resource}, get_single_{i}_{singular}_by_id,
// create_a_{i}_{singular}, update_a_{i}_{singular}_by_id,
// delete_a_{i}_{singular}_by_id, and {method}_{i}_{resource} for custom
// methods.
func Name(integ, resource, singular, method string) string {
	if singular == "" {
		singular = Singular(resource)
	}
	switch method {
	case "list":
		return "list_all_" + integ + "_" + resource
	case "get":
		return "get_single_" + integ + "_" + singular + "_by_id"
	case "create":
		return "create_a_" + integ + "_" + singular
	case "update":
		return "update_a_" + integ + "_" + singular + "_by_id"
	case "delete":
		return "delete_a_" + integ + "_" + singular + "_by_id"
	}
	return method + "_" + integ + "_" + resource
}

// Singular turns the last word of a snake_case resource into its singular.
func Singular(resource string) string {
	i := strings.LastIndexByte(resource, '_')
	head, last := resource[:i+1], resource[i+1:]
	switch {
	case strings.HasSuffix(last, "ies") && len(last) > 3:
		last = last[:len(last)-3] + "y"
	case strings.HasSuffix(last, "sses"), strings.HasSuffix(last, "uses"), strings.HasSuffix(last, "xes"),
		strings.HasSuffix(last, "ches"), strings.HasSuffix(last, "shes"):
		last = last[:len(last)-2]
	case strings.HasSuffix(last, "ss"), strings.HasSuffix(last, "us"):
	case strings.HasSuffix(last, "s") && len(last) > 1:
		last = last[:len(last)-1]
	}
	return head + last
}

// Generate builds the tool set of an integration: one tool per documentation
// record (the quality gate: no record, no tool).
func Generate(in *integration.Integration) (*Set, error) {
	set := &Set{Integration: in, byName: map[string]*Tool{}}
	for _, r := range in.Records {
		t, err := generate(in, r)
		if err != nil {
			return nil, fmt.Errorf("%s: operation %q: %w", r.File, r.Operation, err)
		}
		if prev, dup := set.byName[t.Name]; dup {
			return nil, fmt.Errorf("%s: operation %q: tool name %q already used by %q", r.File, r.Operation, t.Name, prev.Record.Operation)
		}
		set.byName[t.Name] = t
		set.Tools = append(set.Tools, t)
	}
	if err := set.addComposites(in); err != nil {
		return nil, err
	}
	if err := set.addFinders(in); err != nil {
		return nil, err
	}
	sort.Slice(set.Tools, func(i, j int) bool { return set.Tools[i].Name < set.Tools[j].Name })
	return set, nil
}

func generate(in *integration.Integration, r *integration.Record) (*Tool, error) {
	op := in.Operations[r.Operation]
	name := r.Name
	if name == "" {
		name = Name(in.Name, r.Resource, r.Singular, r.Method)
	}
	t := &Tool{
		Name:      name,
		Title:     r.Title,
		Tags:      append([]string(nil), r.Tags...),
		Scopes:    scopesOf(r, op),
		Resource:  r.Resource,
		Method:    r.Method,
		Custom:    !integration.IsStandardMethod(r.Method),
		Credits:   r.Credits,
		Operation: op,
		Record:    r,
		Paginated: r.Cursor != "",
	}
	t.Read = r.Method == "list" || r.Method == "get" || r.ReadOnly
	if t.Title == "" {
		t.Title = integration.CleanDescription(op.Op.Summary)
	}
	t.Annotations = Annotations{
		Title:           t.Title,
		ReadOnlyHint:    t.Read,
		DestructiveHint: r.Destructive,
		IdempotentHint:  r.Idempotent || t.Read && !r.Credits,
		OpenWorldHint:   true, // every tool reaches the vendor's API
	}
	t.Description = describe(r, in.CreditsNote)

	params, props, required, err := inputs(op, r)
	if err != nil {
		return nil, err
	}
	t.Params = params
	if body := bodySchema(op); body != nil {
		for _, name := range body.Value.Required {
			if p := body.Value.Properties[name]; p != nil && p.Value != nil && p.Value.Type != nil && p.Value.Type.Is("object") {
				t.RequiredBodyObjects = append(t.RequiredBodyObjects, name)
			}
		}
	}
	if t.Paginated {
		// How to page is said once, in the server instructions.
		props[integration.CursorArg] = map[string]any{"type": "string"}
	}
	if len(r.Formats) > 0 {
		props[integration.FormatArg] = formatProperty(r.Formats)
	}
	if r.Aim != "" {
		for name, p := range aimProperties() {
			props[name] = p
		}
	}
	schema := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		schema["required"] = required
	}
	if err := t.setSchema(schema); err != nil {
		return nil, err
	}
	return t, nil
}

// aimProperties are the arguments that narrow a transcript tool's answer
// in Patchbay (internal/render Aim), in both formats.
func aimProperties() map[string]any {
	return map[string]any{
		integration.AimLastMinutes: map[string]any{"type": "number", "minimum": 0, "description": "Each call's final minutes only."},
		integration.AimFromSecond:  map[string]any{"type": "number", "minimum": 0},
		integration.AimToSecond:    map[string]any{"type": "number", "minimum": 0},
		integration.AimSpeakers:    map[string]any{"type": "string", "enum": []any{"all", "internal", "external"}},
		integration.AimMentions: map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "maxItems": 10,
			"description": "Turns mentioning any, with one turn either side."},
	}
}

func formatProperty(formats map[string]integration.Format) map[string]any {
	names := []string{"json"}
	desc := "json (default)"
	keys := make([]string, 0, len(formats))
	for k := range formats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		names = append(names, k)
		desc += "; " + k + ": " + strings.TrimSpace(formats[k].Description)
	}
	enum := make([]any, len(names))
	for i, n := range names {
		enum[i] = n
	}
	return map[string]any{"type": "string", "enum": enum, "description": desc + "."}
}

func scopesOf(r *integration.Record, op *integration.Operation) []string {
	if len(r.Scopes) > 0 {
		return append([]string(nil), r.Scopes...)
	}
	return append([]string(nil), op.Scopes...)
}

// describe is the record's description plus the integration's credits
// note for a tool that spends credits. Paging, scopes and the other
// conventions every tool shares are not repeated here: paging is the
// next_cursor argument and the server instructions, scopes travel in
// Tool.Scopes and in a missing-scope error.
func describe(r *integration.Record, creditsNote string) string {
	d := strings.TrimSpace(r.Description)
	if r.Credits {
		d += "\n" + strings.TrimSpace(creditsNote)
	}
	return d
}

// Instructions are the server instructions of the integration: the
// conventions its tools share, for the MCP initialize answer.
func (s *Set) Instructions() string { return strings.TrimSpace(s.Integration.Instructions) }

// inputs resolves the record's parameters against the operation and builds
// the flat input schema's properties.
func inputs(op *integration.Operation, r *integration.Record) ([]integration.Param, map[string]any, []any, error) {
	params := r.Parameters
	if len(params) == 0 {
		params = defaultParams(op)
	}
	props := map[string]any{}
	var required []any
	for i, p := range params {
		if p.Field == "" {
			params[i].Field = p.Name
			p.Field = p.Name
		}
		s, err := upstreamSchema(op, p)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("parameters[%d] %q: %w", i, p.Name, err)
		}
		if len(r.Parameters) > 0 {
			// A record that lists its arguments describes them itself,
			// nested fields included: what it leaves undescribed its names
			// and types explain, so the vendor's prose does not come back.
			stripDescriptions(s, false)
		}
		for k, v := range p.Schema {
			s[k] = v
		}
		if p.Description != "" {
			s["description"] = strings.TrimSpace(p.Description)
		}
		props[p.Name] = s
		if p.Required {
			required = append(required, p.Name)
		}
	}
	return params, props, required, nil
}

// defaultParams exposes every path, query and top-level body parameter
// under its upstream name, minus the cursor.
func defaultParams(op *integration.Operation) []integration.Param {
	var out []integration.Param
	for _, pr := range op.Op.Parameters {
		p := pr.Value
		if p == nil || p.Name == "cursor" || (p.In != "path" && p.In != "query") {
			continue
		}
		out = append(out, integration.Param{Name: p.Name, In: p.In, Field: p.Name, Required: p.Required || p.In == "path"})
	}
	body := bodySchema(op)
	if body == nil {
		return out
	}
	bs := body.Value
	if bs.Type != nil && bs.Type.Is("array") {
		out = append(out, integration.Param{Name: "items", In: "body", Field: ".", Required: true})
		return out
	}
	names := make([]string, 0, len(bs.Properties))
	for n := range bs.Properties {
		if n != "cursor" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	req := map[string]bool{}
	for _, n := range bs.Required {
		req[n] = true
	}
	for _, n := range names {
		if bs.Properties[n].Value != nil && bs.Properties[n].Value.ReadOnly {
			continue
		}
		out = append(out, integration.Param{Name: n, In: "body", Field: n, Required: req[n]})
	}
	return out
}

// Probe is the integration's cheap credential check (integration.yaml
// probe), or nil when it names none.
func (s *Set) Probe() *Tool {
	if s.Integration.Probe == "" {
		return nil
	}
	return s.ByOperation(s.Integration.Probe)
}

// ByOperation is the plain tool of an operation (not a composite or a
// finder made of it), or nil.
func (s *Set) ByOperation(id string) *Tool {
	for _, t := range s.Tools {
		if t.Composite == nil && t.Finder == nil && t.Operation != nil && t.Operation.ID == id {
			return t
		}
	}
	return nil
}
