package finder

import (
	"fmt"
	"strings"
)

// A path picks values out of a decoded JSON item, so that an integration's
// data can say where an account name or a participant's email lives
// without Go code knowing the vendor's shapes:
//
//	metaData.title                                    a field
//	parties[*].emailAddress                           every element of a list
//	context[*].objects[objectType=Account].objectId   elements whose key equals a value
//	firstName + lastName                              values joined by a space
//
// A path that meets a missing key or a value of another shape yields
// nothing; it never fails at run time. Parse checks the syntax once, when
// the integration is loaded.
type path struct {
	text  string
	parts [][]step // the terms joined by " + "; each a list of steps
}

type step struct {
	key string
	// sel is "" (take the value as is), "*" (every element of a list) or
	// "k=v" (the elements that are objects whose k equals v).
	sel      string
	selKey   string
	selValue string
}

func parsePath(text string) (path, error) {
	p := path{text: text}
	for _, term := range strings.Split(text, "+") {
		term = strings.TrimSpace(term)
		if term == "" {
			return path{}, fmt.Errorf("path %q: empty term", text)
		}
		var steps []step
		for _, seg := range strings.Split(term, ".") {
			s, err := parseStep(seg)
			if err != nil {
				return path{}, fmt.Errorf("path %q: %w", text, err)
			}
			steps = append(steps, s)
		}
		p.parts = append(p.parts, steps)
	}
	return p, nil
}

func parseStep(seg string) (step, error) {
	key, sel, hasSel := strings.Cut(seg, "[")
	if key == "" && !hasSel {
		return step{}, fmt.Errorf("empty segment")
	}
	s := step{key: key}
	if !hasSel {
		return s, nil
	}
	if !strings.HasSuffix(sel, "]") {
		return step{}, fmt.Errorf("segment %q: unclosed [", seg)
	}
	s.sel = strings.TrimSuffix(sel, "]")
	if s.sel == "*" {
		return s, nil
	}
	k, v, ok := strings.Cut(s.sel, "=")
	if !ok || k == "" {
		return step{}, fmt.Errorf("segment %q: a selector is [*] or [key=value]", seg)
	}
	s.selKey, s.selValue = k, v
	return s, nil
}

// values returns what the path picks from v. A joined path yields one
// string made of its terms' first values.
func (p path) values(v any) []any {
	if len(p.parts) == 1 {
		return walk(v, p.parts[0])
	}
	var words []string
	for _, steps := range p.parts {
		for _, x := range walk(v, steps) {
			if s := scalarText(x); s != "" {
				words = append(words, s)
				break
			}
		}
	}
	if len(words) == 0 {
		return nil
	}
	return []any{strings.Join(words, " ")}
}

// first is the path's first scalar value as text, or "".
func (p path) first(v any) string {
	for _, x := range p.values(v) {
		if s := scalarText(x); s != "" {
			return s
		}
	}
	return ""
}

func walk(v any, steps []step) []any {
	cur := []any{v}
	for _, s := range steps {
		var next []any
		for _, c := range cur {
			x := c
			if s.key != "" {
				m, ok := c.(map[string]any)
				if !ok {
					continue
				}
				if x, ok = m[s.key]; !ok || x == nil {
					continue
				}
			}
			if s.sel == "" {
				next = append(next, x)
				continue
			}
			list, ok := x.([]any)
			if !ok {
				continue
			}
			for _, el := range list {
				if s.sel == "*" {
					next = append(next, el)
				} else if m, ok := el.(map[string]any); ok && scalarText(m[s.selKey]) == s.selValue {
					next = append(next, el)
				}
			}
		}
		cur = next
	}
	return cur
}

// scalarText renders a JSON scalar as text ("" for objects, lists, null).
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case nil, map[string]any, []any:
		return ""
	default:
		return fmt.Sprint(x) // json.Number, float64
	}
}
