package fit

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// vendor is a listing of items in pages of 100 with opaque cursors.
type vendor struct{ items []any }

func newVendor(n int, seed uint64, big map[int]int) *vendor {
	r := rand.New(rand.NewPCG(seed, 1))
	v := &vendor{}
	for i := range n {
		pad := 50 + r.IntN(3000)
		if b, ok := big[i]; ok {
			pad = b
		}
		v.items = append(v.items, map[string]any{"id": strconv.Itoa(i), "text": strings.Repeat("x", pad)})
	}
	return v
}

func (v *vendor) page(cursor string) map[string]any {
	off := 0
	if cursor != "" {
		off, _ = strconv.Atoi(strings.TrimPrefix(cursor, "vendor-"))
	}
	end := min(off+100, len(v.items))
	var next any
	if end < len(v.items) {
		next = "vendor-" + strconv.Itoa(end)
	}
	// A fresh decode each time, as an upstream answer would be.
	b, _ := json.Marshal(map[string]any{"next_cursor": next, "result": v.items[off:end]})
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// readAll pages the way a client does, through List, and returns every
// answer.
func readAll(t *testing.T, v *vendor, max int) (ids []string, answers []map[string]any) {
	t.Helper()
	next := ""
	for range 10_000 {
		from, skip := next, 0
		c, ours, err := Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		if ours {
			from, skip = c.Upstream, c.Skip
		}
		ans := List(v.page(from), max, from, skip)
		if b, _ := json.Marshal(ans); len(b) > max {
			t.Fatalf("an answer of %d bytes, over the budget of %d", len(b), max)
		}
		answers = append(answers, ans)
		for _, it := range ans[ResultKey].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		n, _ := ans[CursorKey].(string)
		if n == "" {
			return ids, answers
		}
		next = n
	}
	t.Fatal("paging never ended")
	return nil, nil
}

func TestPagingThroughABudgetReturnsEveryItemOnce(t *testing.T) {
	t.Parallel()
	for _, max := range []int{8_000, 20_000, 80_000, 1 << 30} {
		v := newVendor(537, uint64(max), nil)
		ids, answers := readAll(t, v, max)
		var want []string
		for i := range 537 {
			want = append(want, strconv.Itoa(i))
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("budget %d: %d items, want each of %d once in order", max, len(ids), len(want))
		}
		cuts := 0
		for _, a := range answers {
			if n, ok := a[NoteKey].(Note); ok {
				cuts++
				if n.Returned != len(a[ResultKey].([]any)) || n.RemainingOnPage <= 0 || !strings.Contains(n.Text, "next_cursor") {
					t.Errorf("budget %d: note %+v does not say what happened", max, n)
				}
			}
		}
		if max < 100_000 && cuts == 0 {
			t.Errorf("budget %d: no page was cut; the case proves nothing", max)
		}
		if max == 1<<30 && (cuts != 0 || len(answers) != 6) {
			t.Errorf("an unlimited budget cut %d pages over %d answers", cuts, len(answers))
		}
	}
}

func TestAnItemLargerThanTheBudgetIsNamedAndSkipped(t *testing.T) {
	t.Parallel()
	v := newVendor(150, 7, map[int]int{3: 20_000, 120: 9_000})
	ids, answers := readAll(t, v, 8_000)
	for _, id := range []string{"3", "120"} {
		if slices.Contains(ids, id) {
			t.Errorf("item %s, larger than the budget, was answered", id)
		}
	}
	if len(ids) != 148 {
		t.Errorf("%d items, want the 148 that fit", len(ids))
	}
	said := 0
	for _, a := range answers {
		if n, ok := a[NoteKey].(Note); ok && strings.Contains(n.Text, "more than this server's answer budget") {
			said++
		}
	}
	if said != 2 {
		t.Errorf("%d answers named an oversized item, want 2", said)
	}
}

func TestListDoesNotChangeItsInput(t *testing.T) {
	t.Parallel()
	body := newVendor(100, 3, nil).page("")
	before, _ := json.Marshal(body)
	_ = List(body, 8_000, "", 10)
	if after, _ := json.Marshal(body); string(after) != string(before) {
		t.Fatal("List changed its input")
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	c := Cursor{Upstream: "abc==", Skip: 42}
	got, ours, err := Parse(c.String())
	if err != nil || !ours || got != c {
		t.Fatalf("round trip: %+v %v %v", got, ours, err)
	}
	if _, ours, err := Parse("eyJ2ZW5kb3IiOjF9"); ours || err != nil {
		t.Errorf("a vendor cursor taken for ours: %v %v", ours, err)
	}
	for _, bad := range []string{prefix + "%%", prefix + "bm90IGpzb24", prefix + "eyJzIjotMX0"} {
		if _, ours, err := Parse(bad); !ours || err == nil {
			t.Errorf("%q: ours %v err %v, want a damaged-cursor error", bad, ours, err)
		}
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	parts := []string{"aaaa", "bbbb", "cccc"}
	for _, tc := range []struct{ max, want int }{{0, 3}, {3, 0}, {4, 1}, {8, 1}, {9, 2}, {14, 3}} {
		if got := Strings(parts, "\n", tc.max); got != tc.want {
			t.Errorf("max %d: %d, want %d", tc.max, got, tc.want)
		}
	}
}
