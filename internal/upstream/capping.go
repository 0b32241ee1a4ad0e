package upstream

import (
	"encoding/json"
	"fmt"
)

// capBody keeps a tool answer under max bytes of JSON by dropping whole
// items from the end of its list (the "result" list, or else the largest
// top-level array), never cutting JSON mid-value, and says what it did.
func capBody(body any, max int) any {
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	full, err := json.Marshal(m)
	if err != nil || len(full) <= max {
		return body
	}
	key := "result"
	if _, ok := m[key].([]any); !ok {
		key = largestArray(m)
		if key == "" {
			return body
		}
	}
	list := m[key].([]any)
	rest := len(full)
	sizes := make([]int, len(list))
	for i, item := range list {
		b, _ := json.Marshal(item)
		sizes[i] = len(b) + 1 // the comma
		rest -= sizes[i]
	}
	const noteRoom = 400 // room for the note itself
	budget := max - rest - noteRoom
	kept := 0
	for kept < len(list) && budget-sizes[kept] >= 0 {
		budget -= sizes[kept]
		kept++
	}
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[key] = list[:kept]
	hint := "ask for less: a narrower date range or fewer ids"
	if c, _ := m["next_cursor"].(string); c != "" {
		hint += "; next_cursor still continues after the whole upstream page"
	}
	out["truncated"] = map[string]any{
		"returned": kept,
		"omitted":  len(list) - kept,
		"note":     fmt.Sprintf("The answer was cut to stay under %d KB: %d of %d items of %q are shown, whole. To get the %d left out, %s.", max/1000, kept, len(list), key, len(list)-kept, hint),
	}
	return out
}

func largestArray(m map[string]any) string {
	best, bestLen := "", 0
	for k, v := range m {
		if a, ok := v.([]any); ok {
			if b, _ := json.Marshal(a); len(b) > bestLen {
				best, bestLen = k, len(b)
			}
		}
	}
	return best
}
