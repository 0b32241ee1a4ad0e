package finder

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Fetch makes one upstream request: the named tool with its arguments.
// The executor gives it, so that filters, budgets and pacing hold for
// every page a finder reads.
type Fetch func(ctx context.Context, tool string, args map[string]any) Page

// Page is one answer of the scanned tool, as a finder needs it.
type Page struct {
	// Value is the decoded answer: {"result": [...], "next_cursor": …}.
	Value  any
	Failed bool
	Status int    // upstream HTTP status; 0 when none came
	Reason string // why it failed, secret-free
	// RateLimit is the failure's back-off figures, passed on untouched.
	RateLimit any
}

// Answer is what a finder answers.
type Answer struct {
	Matches []map[string]any `json:"matches"`
	// Complete is true when the whole range (or listing) was examined and
	// every match is in Matches; otherwise NextCursor resumes at the first
	// item not examined or not answered.
	Complete   bool    `json:"complete"`
	Scanned    Scanned `json:"scanned"`
	NextCursor *string `json:"next_cursor"`
	// Stopped says why an incomplete scan stopped early.
	Stopped string `json:"stopped,omitempty"`
	// Failed is true when an upstream request failed and stopped the scan.
	Failed bool `json:"-"`
	// RateLimit is set when the scan stopped on an upstream 429 or a
	// budget, for the caller to back off by.
	RateLimit any `json:"-"`
	Status    int `json:"-"` // the last upstream status
}

// Scanned says what a finder examined for this answer.
type Scanned struct {
	From             string `json:"from,omitempty"`
	To               string `json:"to,omitempty"`
	Items            int    `json:"items"`
	UpstreamRequests int    `json:"upstream_requests"`
}

// ArgError is a caller's mistake in a finder's arguments.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return e.Msg }

func argErr(format string, a ...any) error { return &ArgError{Msg: fmt.Sprintf(format, a...)} }

// cursor is where a scan resumes: in a dated scan the end of the window
// to read next and how many of its items (newest first) were examined; in
// a listing, the upstream cursor of the page to read next and how many of
// its items were examined. Bound to the arguments by Hash.
type cursor struct {
	End      int64  `json:"e,omitempty"`
	Upstream string `json:"u,omitempty"`
	Skip     int    `json:"s,omitempty"`
	Hash     string `json:"h"`
}

type query struct {
	ids   []any             // with Scan.IDs: the caller's ids
	words map[string]string // param name -> normalized words
	flags map[string]bool   // boolean params given
	from  time.Time
	to    time.Time
	limit int
	hash  string
	cur   *cursor
}

// Run answers one call of the finder with arguments args at time now.
// An *ArgError is the caller's to fix; the Answer carries every other
// outcome, including an upstream refusal part way.
func (d *Def) Run(ctx context.Context, fetch Fetch, args map[string]any, now time.Time) (*Answer, error) {
	return d.RunWithin(ctx, fetch, args, now, 0)
}

// RunWithin is Run with the answer kept within maxBytes of JSON (0: no
// bound): matches that do not fit are left to next_cursor, whole.
func (d *Def) RunWithin(ctx context.Context, fetch Fetch, args map[string]any, now time.Time, maxBytes int) (*Answer, error) {
	q, err := d.parseArgs(args, now)
	if err != nil {
		return nil, err
	}
	s := &scan{def: d, q: q, fetch: fetch, ans: &Answer{Matches: []map[string]any{}}, seen: map[string]bool{}, maxBytes: maxBytes}
	if d.Scan.Dated() {
		s.dated(ctx)
	} else {
		s.listing(ctx)
	}
	return s.ans, nil
}

func (d *Def) parseArgs(args map[string]any, now time.Time) (*query, error) {
	q := &query{words: map[string]string{}, flags: map[string]bool{}, limit: d.Limit}
	known := map[string]*Param{}
	for i := range d.Params {
		known[d.Params[i].Name] = &d.Params[i]
	}
	bound := map[string]any{}
	for k, v := range args {
		switch k {
		case ArgCursor, ArgLimit:
			continue
		case ArgIDs:
			if d.Scan.IDs == "" {
				return nil, argErr("unknown argument %q", k)
			}
			list, ok := v.([]any)
			if !ok || len(list) == 0 || len(list) > d.Scan.MaxIDs || slices.ContainsFunc(list, func(x any) bool { s, ok := x.(string); return !ok || s == "" }) {
				return nil, argErr("ids must be a list of 1 to %d id strings", d.Scan.MaxIDs)
			}
			q.ids = list
			bound[k] = v
			continue
		case ArgFrom, ArgTo:
			if !d.Scan.Dated() {
				return nil, argErr("unknown argument %q", k)
			}
			bound[k] = v
			continue
		}
		p, ok := known[k]
		if !ok {
			return nil, argErr("unknown argument %q; this tool takes %s", k, strings.Join(d.argNames(), ", "))
		}
		bound[k] = v
		if p.Match == MatchBoolean {
			b, ok := v.(bool)
			if !ok {
				return nil, argErr("%s must be true or false", k)
			}
			q.flags[k] = b
			continue
		}
		str, ok := v.(string)
		if !ok {
			return nil, argErr("%s must be a string", k)
		}
		if w := normalize(str); w != "" {
			if len(p.Enum) > 0 && !slices.ContainsFunc(p.Enum, func(e string) bool { return normalize(e) == w }) {
				return nil, argErr("%s must be one of %s", k, strings.Join(p.Enum, ", "))
			}
			q.words[k] = w
		}
	}
	if d.Scan.IDs != "" && q.ids == nil {
		return nil, argErr("ids is required: the ids of the items to answer")
	}
	if v, ok := args[ArgLimit]; ok {
		n, ok := wholeNumber(v)
		if !ok || n < 1 || n > 100 {
			return nil, argErr("limit must be a whole number from 1 to 100")
		}
		q.limit = n
	}
	if d.Scan.Dated() {
		if err := d.parseRange(q, args, now); err != nil {
			return nil, err
		}
	}
	q.hash = hashArgs(d.Name, bound)
	if v, ok := args[ArgCursor]; ok {
		str, _ := v.(string)
		c, err := decodeCursor(str)
		if err != nil || c.Hash != q.hash {
			return nil, argErr("next_cursor does not belong to these arguments: pass it with exactly the arguments of the answer that gave it")
		}
		q.cur = c
	}
	return q, nil
}

func (d *Def) argNames() []string {
	var names []string
	for _, p := range d.Params {
		names = append(names, p.Name)
	}
	if d.Scan.Dated() {
		names = append(names, ArgFrom, ArgTo)
	}
	return append(names, ArgLimit, ArgCursor)
}

func (d *Def) parseRange(q *query, args map[string]any, now time.Time) error {
	var err error
	q.to = now.UTC()
	if v, ok := args[ArgTo]; ok {
		if q.to, err = parseWhen(v); err != nil {
			return argErr("to: %v", err)
		}
	}
	q.from = q.to.AddDate(0, 0, -d.Scan.DefaultDays)
	if v, ok := args[ArgFrom]; ok {
		if q.from, err = parseWhen(v); err != nil {
			return argErr("from: %v", err)
		}
	}
	if !q.from.Before(q.to) {
		return argErr("from must be before to")
	}
	if q.to.Sub(q.from) > time.Duration(d.Scan.MaxDays)*24*time.Hour {
		return argErr("the range is longer than %d days; narrow it", d.Scan.MaxDays)
	}
	return nil
}

func parseWhen(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("must be a date or date-time string")
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-10-01) or ISO-8601 date-time (2026-10-01T09:00:00Z)", s)
}

func wholeNumber(v any) (int, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	case float64:
		return int(n), n == float64(int(n))
	case int:
		return n, true
	}
	return 0, false
}

// hashArgs binds a cursor to the finder and the arguments that shape the
// scan; the limit may change between pages.
func hashArgs(name string, bound map[string]any) string {
	b, _ := json.Marshal(bound) // map keys are sorted: a stable encoding
	sum := sha256.Sum256(append([]byte(name+"\x00"), b...))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func decodeCursor(s string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) > 4096 {
		return nil, fmt.Errorf("bad cursor")
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Skip < 0 {
		return nil, fmt.Errorf("bad cursor")
	}
	return &c, nil
}

func (c cursor) encode() *string {
	b, _ := json.Marshal(c)
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

// normalize lower-cases and folds spacing, for matching.
func normalize(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// scan is one Run's state.
type scan struct {
	def   *Def
	q     *query
	fetch Fetch
	ans   *Answer
	seen  map[string]bool // unit keys answered (with Each)
	// maxBytes bounds the encoded matches (0: no bound); bytes is their
	// size so far.
	maxBytes, bytes int
}

// page reads one page of the scanned tool; ok is false when the scan must
// stop (the answer then says why).
func (s *scan) page(ctx context.Context, extra map[string]any, upCursor string) (items []any, next string, ok bool) {
	args := maps.Clone(s.def.Scan.Arguments)
	if args == nil {
		args = map[string]any{}
	}
	maps.Copy(args, extra)
	if upCursor != "" {
		args[ArgCursor] = upCursor
	}
	s.ans.Scanned.UpstreamRequests++
	res := s.fetch(ctx, s.def.Scan.Tool, args)
	s.ans.Status = res.Status
	if res.Failed {
		s.ans.Failed = true
		s.ans.Stopped = stopReason(res)
		s.ans.RateLimit = res.RateLimit
		return nil, "", false
	}
	body, _ := res.Value.(map[string]any)
	items, _ = body["result"].([]any)
	next, _ = body["next_cursor"].(string)
	return items, next, true
}

func stopReason(res Page) string {
	msg := res.Reason
	if msg == "" {
		msg = "the upstream request failed"
	}
	if res.Status == 429 {
		return "rate limited (HTTP 429): " + msg + "; the matches found so far are answered, and next_cursor goes on from there once the limit resets"
	}
	if res.Status != 0 {
		return fmt.Sprintf("upstream answered HTTP %d: %s", res.Status, msg)
	}
	return msg
}

// dated reads the range backwards, a window at a time.
func (s *scan) dated(ctx context.Context) {
	sc, q := &s.def.Scan, s.q
	window := time.Duration(sc.WindowDays) * 24 * time.Hour
	end, skip := q.to, 0
	if q.cur != nil {
		end, skip = time.Unix(q.cur.End, 0).UTC(), q.cur.Skip
	}
	s.ans.Scanned.To = end.Format(time.RFC3339)
	defer func() {
		if s.ans.Scanned.From == "" {
			s.ans.Scanned.From = s.ans.Scanned.To
		}
	}()
	for end.After(q.from) {
		if s.ans.Scanned.UpstreamRequests >= sc.MaxRequests {
			s.ans.Scanned.From = end.Format(time.RFC3339)
			s.stopAt(cursor{End: end.Unix()}, fmt.Sprintf("this answer's scan reached its %d upstream requests", sc.MaxRequests))
			return
		}
		start := end.Add(-window)
		if start.Before(q.from) {
			start = q.from
		}
		items, ok := s.window(ctx, start, end)
		if !ok {
			s.ans.NextCursor = cursor{End: end.Unix(), Skip: skip, Hash: q.hash}.encode()
			return
		}
		for i := skip; i < len(items); i++ {
			if why := s.full(items[i], nil); why != "" {
				s.ans.NextCursor = cursor{End: end.Unix(), Skip: i, Hash: q.hash}.encode()
				s.ans.Stopped = why
				if i > skip {
					s.ans.Scanned.From = sc.time.first(items[i-1])
				}
				return
			}
			s.ans.Scanned.Items++
		}
		s.ans.Scanned.From = start.Format(time.RFC3339)
		end, skip = start, 0
	}
	s.ans.Complete = true
}

func (s *scan) stopAt(c cursor, why string) {
	c.Hash = s.q.hash
	s.ans.NextCursor = c.encode()
	s.ans.Stopped = why
}

// window reads every page of [start, end) and sorts it newest first.
func (s *scan) window(ctx context.Context, start, end time.Time) ([]any, bool) {
	sc := &s.def.Scan
	bounds := map[string]any{sc.From: start.Format(time.RFC3339), sc.To: end.Format(time.RFC3339)}
	var all []any
	up := ""
	for {
		items, next, ok := s.page(ctx, bounds, up)
		if !ok {
			return nil, false
		}
		all = append(all, items...)
		if next == "" {
			break
		}
		if s.ans.Scanned.UpstreamRequests >= sc.MaxRequests+10 {
			// One window larger than a whole answer's allowance: answer
			// what is known rather than spend without end.
			s.ans.Stopped = "one window of the range holds more items than one answer may read; narrow the range"
			return nil, false
		}
		up = next
	}
	at := make([]time.Time, len(all))
	for i, it := range all {
		at[i], _ = time.Parse(time.RFC3339, sc.time.first(it))
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return at[idx[a]].After(at[idx[b]]) })
	out := make([]any, len(all))
	for i, j := range idx {
		out[i] = all[j]
	}
	return out, true
}

// listing reads the whole listing in the vendor's order, then matches:
// a param with a ref needs every unit at hand.
func (s *scan) listing(ctx context.Context) {
	sc, q := &s.def.Scan, s.q
	type pageItems struct {
		cursor string // the upstream cursor that read this page
		items  []any
	}
	var pages []pageItems
	up, skip := "", 0
	if q.cur != nil {
		up, skip = q.cur.Upstream, q.cur.Skip
	}
	var extra map[string]any
	if q.ids != nil {
		extra = map[string]any{sc.IDs: q.ids}
	}
	for {
		items, next, ok := s.page(ctx, extra, up)
		if !ok {
			s.ans.NextCursor = cursor{Upstream: up, Hash: q.hash}.encode()
			break
		}
		pages = append(pages, pageItems{up, items})
		if next == "" {
			s.ans.Complete = true
			break
		}
		up = next
		if s.ans.Scanned.UpstreamRequests >= sc.MaxRequests {
			s.stopAt(cursor{Upstream: up}, fmt.Sprintf("this answer's scan reached its %d upstream requests", sc.MaxRequests))
			break
		}
	}
	var every []any
	for _, p := range pages {
		every = append(every, p.items...)
	}
	index := s.refIndex(every)
	for pi, p := range pages {
		from := 0
		if pi == 0 {
			from = skip
		}
		for i := from; i < len(p.items); i++ {
			if why := s.full(p.items[i], index); why != "" {
				s.ans.Complete = false
				s.stopAt(cursor{Upstream: p.cursor, Skip: i}, why)
				return
			}
			s.ans.Scanned.Items++
		}
	}
}

// refIndex maps each unit's identity (by every ref param's key) to it.
func (s *scan) refIndex(items []any) map[string]any {
	var index map[string]any
	for _, p := range s.def.Params {
		if p.Ref == nil || s.q.words[p.Name] == "" {
			continue
		}
		if index == nil {
			index = map[string]any{}
		}
		for _, it := range items {
			if k := p.refKey.first(it); k != "" {
				index[p.Name+"\x00"+k] = it
			}
		}
	}
	return index
}

// full examines an item, adding its matching units to the answer, or
// says why the answer is full before it: its limit of matches, or its
// byte budget. An item is examined whole or not at all, so a cursor at it
// loses nothing.
func (s *scan) full(item any, index map[string]any) string {
	if len(s.ans.Matches) >= s.q.limit {
		return fmt.Sprintf("the answer holds its limit of %d matches", s.q.limit)
	}
	units := []any{item}
	if s.def.Each != "" {
		units = s.def.each.values(item)
	}
	var add []map[string]any
	var keys []string
	size := 0
	for _, u := range units {
		if !s.matches(u, index) {
			continue
		}
		if s.def.Each != "" {
			k := s.def.key.first(u)
			if k == "" || s.seen[k] || slices.Contains(keys, k) {
				continue
			}
			keys = append(keys, k)
		}
		m := project(s.def.fields, u, item)
		if s.maxBytes > 0 {
			b, _ := json.Marshal(m)
			size += len(b) + 1
		}
		add = append(add, m)
	}
	if s.maxBytes > 0 && len(add) > 0 && s.bytes+size > s.maxBytes-answerReserve {
		if len(s.ans.Matches) == 0 {
			// One item's matches alone over the budget: answer them all
			// the same rather than stall (they are compact by design).
			s.bytes += size
		} else {
			return fmt.Sprintf("the answer holds what fits its budget of %d bytes", s.maxBytes)
		}
	} else {
		s.bytes += size
	}
	for _, k := range keys {
		s.seen[k] = true
	}
	s.ans.Matches = append(s.ans.Matches, add...)
	return ""
}

// answerReserve is room kept in the byte budget for the answer's own
// fields (scanned, next_cursor, stopped).
const answerReserve = 900

func (s *scan) matches(unit any, index map[string]any) bool {
	for i := range s.def.Params {
		p := &s.def.Params[i]
		if p.Match == MatchBoolean {
			if want, ok := s.q.flags[p.Name]; ok && !anyValue(p.paths, unit, func(v string) bool { return v == fmt.Sprint(want) }) {
				return false
			}
			continue
		}
		w := s.q.words[p.Name]
		if w == "" {
			continue
		}
		target := unit
		if p.Ref != nil {
			target = index[p.Name+"\x00"+p.refPath.first(unit)]
			if target == nil {
				return false
			}
		}
		if p.Match == MatchWords {
			if !everyWord(p.paths, target, w) {
				return false
			}
			continue
		}
		if !anyValue(p.paths, target, matcher(p.Match, w)) {
			return false
		}
	}
	return true
}

func anyValue(paths []path, v any, ok func(string) bool) bool {
	for _, p := range paths {
		for _, x := range p.values(v) {
			if t := scalarText(x); t != "" && ok(t) {
				return true
			}
		}
	}
	return false
}

// everyWord reports whether each word of w is in one of the values.
func everyWord(paths []path, v any, w string) bool {
	var values []string
	for _, p := range paths {
		for _, x := range p.values(v) {
			if t := scalarText(x); t != "" {
				values = append(values, normalize(t))
			}
		}
	}
	for _, word := range strings.Fields(w) {
		if !slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, word) }) {
			return false
		}
	}
	return true
}

func matcher(kind, w string) func(string) bool {
	switch kind {
	case MatchEquals:
		return func(v string) bool { return normalize(v) == w }
	case MatchPerson:
		if strings.Contains(w, "@") && !strings.HasPrefix(w, "@") {
			return func(v string) bool { return normalize(v) == w } // an address
		}
		if domain := strings.TrimPrefix(w, "@"); strings.Contains(domain, ".") && !strings.Contains(domain, " ") {
			return func(v string) bool {
				v = normalize(v)
				_, host, isMail := strings.Cut(v, "@")
				return isMail && (host == domain || strings.HasSuffix(host, "."+domain))
			}
		}
	}
	return func(v string) bool { return strings.Contains(normalize(v), w) }
}

// project makes a match of its fields.
func project(fields []field, unit, item any) map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if f.list != nil {
			var list []map[string]any
			for _, el := range f.list.values(unit) {
				if f.maxItems > 0 && len(list) == f.maxItems {
					break
				}
				if m := project(f.fields, el, item); len(m) > 0 {
					list = append(list, m)
				}
			}
			if len(list) > 0 {
				out[f.name] = list
			}
			continue
		}
		src := unit
		if f.outer {
			src = item
		}
		var all []any
		for _, v := range f.path.values(src) {
			if scalarText(v) == "" {
				continue
			}
			if s, ok := v.(string); ok {
				v = shorten(s, f.maxChars)
			}
			if !f.all {
				out[f.name] = v
				break
			}
			if f.maxItems > 0 && len(all) == f.maxItems {
				break
			}
			all = append(all, v)
		}
		if len(all) > 0 {
			out[f.name] = all
		}
	}
	return out
}

// shorten cuts s to at most n characters (0: no limit) at a word, marking
// the cut with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if n <= 0 || len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
