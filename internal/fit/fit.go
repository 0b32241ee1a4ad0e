// Package fit keeps tool answers within a server's answer budget without
// losing an item: a list answer carries as many whole items as fit, says
// how many of the page remain, and gives a cursor that resumes at the
// first item left out — even inside one upstream page. The cursor wraps
// the vendor's own, so the vendor's paging is untouched.
package fit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Cursor is where a list resumes: the vendor's cursor that reads the page
// (empty for the first page) and how many of that page's items were
// already answered.
type Cursor struct {
	Upstream string `json:"u,omitempty"`
	Skip     int    `json:"s"`
}

// prefix marks Patchbay's cursors; anything else a client passes is the
// vendor's own cursor, passed on untouched.
const prefix = "pb1."

func (c Cursor) String() string {
	b, _ := json.Marshal(c)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Parse reads a cursor a client passed back. ok is false for a cursor that
// is not Patchbay's (the vendor's own: pass it on as it is); err is set
// for one that claims to be Patchbay's but is damaged.
func Parse(s string) (c Cursor, ok bool, err error) {
	rest, ours := strings.CutPrefix(s, prefix)
	if !ours {
		return Cursor{}, false, nil
	}
	raw, derr := base64.RawURLEncoding.DecodeString(rest)
	if derr != nil || json.Unmarshal(raw, &c) != nil || c.Skip < 0 {
		return Cursor{}, true, fmt.Errorf("next_cursor is damaged: pass it exactly as an answer gave it")
	}
	return c, true, nil
}

// Note is what an answer says when the budget left items out.
type Note struct {
	Returned        int    `json:"returned"`
	RemainingOnPage int    `json:"remaining_on_page"`
	Text            string `json:"note"`
}

// Fields of a list answer.
const (
	ResultKey = "result"
	CursorKey = "next_cursor"
	NoteKey   = "answer_budget"
)

// List fits a list answer ({"next_cursor": …, "result": [...], …}) read
// with the vendor cursor from into max bytes of JSON, after dropping the
// skip items of the page already answered. It returns a new map; the
// input is not changed. When every remaining item fits, the vendor's
// next_cursor stands; otherwise next_cursor resumes at the first item left
// out. One item larger than the whole budget is left out too, with a note
// saying how to ask for it, and the cursor goes past it: the answer never
// exceeds the budget, and paging never stalls.
func List(body map[string]any, max int, from string, skip int) map[string]any {
	items, _ := body[ResultKey].([]any)
	out := make(map[string]any, len(body)+1)
	for k, v := range body {
		out[k] = v
	}
	if skip > len(items) {
		skip = len(items)
	}
	rest := items[skip:]
	out[ResultKey] = rest
	if max <= 0 || size(out) <= max {
		return out
	}
	// Largest prefix that fits with its note: a binary search, since
	// sizes only grow with the prefix.
	lo, hi := 0, len(rest) // rest[:lo] fits; rest[:hi+1] does not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if size(cut(out, rest[:mid], from, skip+mid, len(rest)-mid, "")) <= max {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo > 0 {
		return cut(out, rest[:lo], from, skip+lo, len(rest)-lo, "")
	}
	// Not even the first item fits on its own.
	b, _ := json.Marshal(rest[0])
	why := fmt.Sprintf("The next item alone is %d bytes, more than this server's answer budget of %d bytes, so it was left out; ask for it alone with narrower arguments (a shorter time window, fewer fields) or raise the server's max_answer_bytes. next_cursor continues after it.", len(b), max)
	return cut(out, nil, from, skip+1, len(rest)-1, why)
}

func cut(base map[string]any, kept []any, from string, next, remaining int, why string) map[string]any {
	out := make(map[string]any, len(base)+1)
	for k, v := range base {
		out[k] = v
	}
	if kept == nil {
		kept = []any{}
	}
	out[ResultKey] = kept
	out[CursorKey] = Cursor{Upstream: from, Skip: next}.String()
	text := why
	if text == "" {
		text = fmt.Sprintf("%d items fit this server's answer budget; %d more of this page were left out, whole. Pass next_cursor to get them.", len(kept), remaining)
	}
	out[NoteKey] = Note{Returned: len(kept), RemainingOnPage: remaining, Text: text}
	return out
}

func size(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// Strings keeps the leading parts whose total length, with sep between
// them, stays within max (all when max <= 0); the answer says how many.
func Strings(parts []string, sep string, max int) int {
	if max <= 0 {
		return len(parts)
	}
	total := 0
	for i, p := range parts {
		add := len(p)
		if i > 0 {
			add += len(sep)
		}
		if total+add > max {
			return i
		}
		total += add
	}
	return len(parts)
}
