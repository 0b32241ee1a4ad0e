package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// setSchema gives t its input schema: the whole of it compiled for
// Validate, and the listed form every client reads on every conversation
// (InputSchema), which says the same in fewer bytes: see listedSchema.
func (t *Tool) setSchema(schema map[string]any, leaner ...func(listed map[string]any)) error {
	full, err := marshalCompact(schema)
	if err != nil {
		return err
	}
	if t.schema, err = compileSchema(full); err != nil {
		return fmt.Errorf("input schema does not compile: %w", err)
	}
	t.fullSchema = full
	var listed map[string]any
	if err := json.Unmarshal(full, &listed); err != nil {
		return err
	}
	for _, f := range leaner {
		f(listed)
	}
	dropPatterns(listed)
	pointRepeats(listed)
	t.InputSchema, err = marshalCompact(listed)
	return err
}

// dropPatterns removes "pattern" from a listed schema: a pattern spells out
// what the description or the server instructions say in words (ids are
// numeric strings), and Validate enforces it with an error that quotes it.
func dropPatterns(s map[string]any) {
	eachSubschema(s, dropPatterns)
	delete(s, "pattern")
}

// stripDescriptions drops the "description" of every property nested in a
// schema, and the schema's own too unless keepOwn.
func stripDescriptions(s map[string]any, keepOwn bool) {
	if !keepOwn {
		delete(s, "description")
	}
	eachSubschema(s, func(sub map[string]any) { stripDescriptions(sub, false) })
}

// eachSubschema calls f on the schemas directly under s: its properties,
// its items and its alternatives.
func eachSubschema(s map[string]any, f func(map[string]any)) {
	if props, ok := s["properties"].(map[string]any); ok {
		for _, p := range props {
			if m, ok := p.(map[string]any); ok {
				f(m)
			}
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		f(items)
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		alts, _ := s[k].([]any)
		for _, a := range alts {
			if m, ok := a.(map[string]any); ok {
				f(m)
			}
		}
	}
}

// pointRepeats lists a structure once per tool. Where an argument, or a
// field nested in one, has the shape of another argument (a call's parties
// carry the same CRM context as the call; an event takes three identical
// lists of custom fields), the repeat keeps its type and points to the
// first: {"type":"array","description":"Shaped like context."}. Validate
// still holds the repeat to the whole shape.
func pointRepeats(schema map[string]any) {
	props, _ := schema["properties"].(map[string]any)
	names := sortedKeys(props)
	first := map[string]string{} // shape -> the argument that shows it
	for _, name := range names {
		if k, ok := shapeKey(props[name]); ok {
			if _, seen := first[k]; !seen {
				first[k] = name
			}
		}
	}
	for _, name := range names {
		p, _ := props[name].(map[string]any)
		if k, ok := shapeKey(p); ok && first[k] != name {
			props[name] = pointer(p, first[k])
			continue
		}
		pointNested(p, name, first)
	}
}

// pointNested replaces the fields nested in arg's schema s that have the
// shape of another argument.
func pointNested(s map[string]any, arg string, first map[string]string) {
	if s == nil {
		return
	}
	if items, ok := s["items"].(map[string]any); ok {
		pointNested(items, arg, first)
	}
	props, _ := s["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p, _ := props[name].(map[string]any)
		if k, ok := shapeKey(p); ok && first[k] != "" && first[k] != arg {
			props[name] = pointer(p, first[k])
			continue
		}
		pointNested(p, arg, first)
	}
}

// pointer is the short form of s, a repeat of the shape of to (an
// argument's name, or another tool's argument).
func pointer(s map[string]any, to string) map[string]any {
	desc := "Shaped like " + to + "."
	if d, ok := s["description"].(string); ok && d != "" {
		desc = d + " " + desc
	}
	return map[string]any{"type": s["type"], "description": desc}
}

// minShape is the smallest shape worth a pointer: below it, the pointer
// costs about as much as the repeat.
const minShape = 120

// shapeKey is the canonical form of a structured schema (an object with
// properties, or an array of them), without descriptions and with enum
// values in order, so that two fields Gong documents apart still match;
// ok is false for anything smaller or simpler.
func shapeKey(v any) (string, bool) {
	s, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	structured := s["properties"] != nil
	if items, ok := s["items"].(map[string]any); ok && items["properties"] != nil {
		structured = true
	}
	if !structured {
		return "", false
	}
	b, err := json.Marshal(canonical(s))
	if err != nil || len(b) < minShape {
		return "", false
	}
	return string(b), true
}

func canonical(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			switch k {
			case "description":
			case "enum", "required":
				out[k] = sortedValues(x[k])
			default:
				out[k] = canonical(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = canonical(val)
		}
		return out
	}
	return v
}

func sortedValues(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := slices.Clone(list)
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}
