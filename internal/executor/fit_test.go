package executor

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/fit"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

func closingCursor(t *testing.T, text string) (fit.Cursor, bool) {
	t.Helper()
	i := strings.LastIndex(text, "\nnext_cursor: ")
	if i < 0 {
		return fit.Cursor{}, false
	}
	line, _, _ := strings.Cut(text[i+len("\nnext_cursor: "):], "\n")
	c, ours, err := fit.Parse(line)
	if err != nil {
		t.Fatalf("closing cursor %q: %v", line, err)
	}
	return c, ours
}

func TestFitTextKeepsWholeItems(t *testing.T) {
	t.Parallel()
	parts := []string{strings.Repeat("a", 1000), strings.Repeat("b", 1000), strings.Repeat("c", 1000), strings.Repeat("d", 1000)}
	p := page{from: "vendor-2", skip: 5}
	tests := []struct {
		name     string
		parts    []string
		max      int
		kept     string // the letters whose parts the answer carries
		wantSkip int    // the closing cursor's Skip; -1: the vendor's cursor closes
	}{
		{"everything fits", parts, 5000, "abcd", -1},
		{"no budget", parts, 0, "abcd", -1},
		{"two fit", parts, 2300, "ab", 7},
		{"one fits", parts, 1300, "a", 6},
		{"the first alone is too large", parts, 800, "", 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := fitText(tc.parts, "\n", tc.max, p, "vendor-3", "none\n", "calls")
			if tc.max > 0 && len(out) > tc.max {
				t.Errorf("%d bytes over the budget of %d", len(out), tc.max)
			}
			for _, letter := range "abcd" {
				whole := strings.Contains(out, strings.Repeat(string(letter), 1000))
				if whole != strings.ContainsRune(tc.kept, letter) || (!whole && strings.Contains(out, string(letter)+string(letter))) {
					t.Errorf("part %c: whole %v, want kept=%v (no partial part)", letter, whole, strings.ContainsRune(tc.kept, letter))
				}
			}
			c, ours := closingCursor(t, out)
			if tc.wantSkip < 0 {
				if ours || !strings.Contains(out, "\nnext_cursor: vendor-3\n") {
					t.Errorf("want the vendor's cursor to close:\n%s", out)
				}
				return
			}
			if !ours || c.Upstream != "vendor-2" || c.Skip != tc.wantSkip {
				t.Errorf("closing cursor %+v, want {vendor-2 %d}", c, tc.wantSkip)
			}
			if left := fmt.Sprintf("(%d more calls", len(tc.parts)-(tc.wantSkip-p.skip)); !strings.Contains(out, left) {
				t.Errorf("the closing line does not say %q:\n%s", left, out)
			}
		})
	}
	if out := fitText(nil, "\n", 100, p, "", "none\n", "calls"); out != "none\n" {
		t.Errorf("empty page: %q", out)
	}
}

func TestFitAnswer(t *testing.T) {
	t.Parallel()
	list := &tools.Tool{Paginated: true, Record: &integration.Record{Result: "calls", Cursor: "query"}}
	plain := &tools.Tool{Record: &integration.Record{}}
	items := make([]string, 20)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"%d","pad":"%s"}`, i, strings.Repeat("x", 100))
	}
	body := []byte(`{"next_cursor":"v2","total":40,"result":[` + strings.Join(items, ",") + `]}`)

	// A list over the budget keeps whole items, its total, and a cursor
	// to the first one left out of the page read with cursor v1.
	res := fitAnswer(list, &upstream.Result{Raw: body, Status: 200}, 1000, page{from: "v1", skip: 3})
	text, _ := res.Text()
	var got struct {
		NextCursor string `json:"next_cursor"`
		Total      int    `json:"total"`
		Result     []struct{ ID string }
	}
	if err := json.Unmarshal(text, &got); err != nil || len(text) > 1000 || got.Total != 40 || len(got.Result) == 0 || got.Result[0].ID != "3" {
		t.Fatalf("fitted list %d bytes: %s (%v)", len(text), text, err)
	}
	if c, ours, _ := fit.Parse(got.NextCursor); !ours || c.Upstream != "v1" || c.Skip != 3+len(got.Result) {
		t.Errorf("next_cursor %q, want v1 at %d", got.NextCursor, 3+len(got.Result))
	}

	// Within the budget and from the page's start, the vendor's bytes go
	// out untouched.
	if res := fitAnswer(list, &upstream.Result{Raw: body, Status: 200}, 80_000, page{}); string(res.Raw) != string(body) {
		t.Error("an answer within the budget was re-encoded")
	}

	// Anything else over the budget becomes a note, not a cut value.
	big := &upstream.Result{Raw: []byte(`{"call":{"notes":"` + strings.Repeat("y", 2000) + `"}}`), Status: 200}
	res = fitAnswer(plain, big, 1000, page{})
	text, _ = res.Text()
	if !res.IsError || len(text) > 1000 || !strings.Contains(string(text), "max_answer_bytes") || strings.Contains(string(text), "yyy") {
		t.Errorf("an object over the budget answered %s", text)
	}
	if res := fitWhole(big, 5000); res != big {
		t.Error("an object within the budget was changed")
	}
}

func TestTakeCursor(t *testing.T) {
	t.Parallel()
	list := &tools.Tool{Paginated: true, Record: &integration.Record{Result: "calls", Cursor: "query"}}
	tests := []struct {
		name     string
		cursor   any
		want     page
		wantArg  any // the cursor the vendor sees; nil: none
		wantFail bool
	}{
		{"none", nil, page{}, nil, false},
		{"the vendor's own", "abc", page{from: "abc"}, "abc", false},
		{"ours, inside a later page", fit.Cursor{Upstream: "abc", Skip: 7}.String(), page{from: "abc", skip: 7}, "abc", false},
		{"ours, inside the first page", fit.Cursor{Skip: 4}.String(), page{skip: 4}, nil, false},
		{"ours, damaged", "pb1.%%%", page{}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := map[string]any{"fromDateTime": "x"}
			if tc.cursor != nil {
				args[integration.CursorArg] = tc.cursor
			}
			p, err := takeCursor(list, args)
			if (err != nil) != tc.wantFail {
				t.Fatalf("err %v, want failure %v", err, tc.wantFail)
			}
			if tc.wantFail {
				return
			}
			if p != tc.want || args[integration.CursorArg] != tc.wantArg {
				t.Errorf("page %+v, vendor cursor %v; want %+v, %v", p, args[integration.CursorArg], tc.want, tc.wantArg)
			}
		})
	}
}
