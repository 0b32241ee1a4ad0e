package finder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// A made-up vendor, on purpose not shaped like any real one: meetings with
// a "when", an "org" block and "people".
const defsYAML = `
- name: find_meetings
  title: Find meetings
  description: Finds meetings by org, person or words in the subject.
  tags: [meetings]
  scan:
    tool: list_meetings
    arguments: {expand: true}
    from: after
    to: before
    time: info.when
    window_days: 7
    default_days: 30
    max_days: 200
    max_requests: 12
  params:
    - {name: org, description: Org name, paths: ["links[*].objects[kind=Org].attrs[n=Name].v"]}
    - {name: person, description: Name or email, match: person, paths: ["people[*].name", "people[*].mail"]}
    - {name: subject, description: Words in the subject, paths: [info.subject]}
    - {name: side, description: Who took part, match: equals, enum: [Inside, Outside], paths: [info.side]}
    - {name: text, description: Free words, match: words, paths: [info.subject, "links[*].objects[kind=Org].attrs[n=Name].v", "people[*].name"]}
  fields:
    - {name: id, path: info.id}
    - {name: when, path: info.when}
    - {name: org, path: "links[*].objects[kind=Org].attrs[n=Name].v"}
    - name: guests
      list: "people[role=guest]"
      fields: [{name: name, path: name}, {name: mail, path: mail}]
- name: find_orgs
  title: Find orgs
  description: Org names to ids.
  tags: [meetings]
  each: "links[*].objects[*]"
  key: oid
  scan:
    tool: list_meetings
    from: after
    to: before
    time: info.when
    window_days: 30
    default_days: 180
    max_days: 366
  params:
    - {name: name, description: Name, paths: ["attrs[n=Name].v"]}
  fields:
    - {name: id, path: oid}
    - {name: kind, path: kind}
    - {name: name, path: "attrs[n=Name].v"}
    - {name: last_meeting, path: "^info.when"}
- name: find_staff
  title: Find staff
  description: Staff by name, boss or status.
  tags: [staff]
  scan: {tool: list_staff, max_requests: 5}
  params:
    - {name: name, description: Name, paths: ["first + last"]}
    - {name: boss, description: Boss name, paths: ["first + last"], ref: {path: bossId, key: sid}}
    - {name: active, description: Active or not, match: boolean, paths: [on]}
  fields:
    - {name: id, path: sid}
    - {name: name, path: "first + last"}
`

func loadDefs(t *testing.T) map[string]*Def {
	t.Helper()
	var defs []*Def
	if err := yaml.Unmarshal([]byte(defsYAML), &defs); err != nil {
		t.Fatal(err)
	}
	out := map[string]*Def{}
	for _, d := range defs {
		d.File = "test.yaml"
		if err := d.Prepare(func(n string) bool { return n == "list_meetings" || n == "list_staff" }); err != nil {
			t.Fatal(err)
		}
		out[d.Name] = d
	}
	return out
}

type meeting struct {
	id      string
	when    time.Time
	org     string
	orgID   string
	subject string
	side    string
	guests  [][2]string // name, mail
}

func (m meeting) json() any {
	people := []any{map[string]any{"name": "Host Person", "mail": "host@us.example", "role": "host"}}
	for _, g := range m.guests {
		people = append(people, map[string]any{"name": g[0], "mail": g[1], "role": "guest"})
	}
	v := map[string]any{
		"info":   map[string]any{"id": m.id, "when": m.when.Format(time.RFC3339), "subject": m.subject, "side": m.side},
		"people": people,
	}
	if m.org != "" {
		v["links"] = []any{map[string]any{"objects": []any{
			map[string]any{"kind": "Org", "oid": m.orgID, "attrs": []any{map[string]any{"n": "Name", "v": m.org}}},
		}}}
	}
	// Round-trip through JSON as an upstream answer would be decoded.
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

var orgs = []struct{ name, domain string }{{"Initrode", "initrode.example"}, {"Vandelay Industries", "vandelay.example"}, {"Pied Pipes", "piedpipes.example"}, {"Hooli Labs", "hooli.example"}}

// meetings makes n meetings over the last 180 days, oldest first, as the
// fake listing keeps them.
func meetings(n int) []meeting {
	var out []meeting
	for i := range n {
		o := orgs[i%len(orgs)]
		m := meeting{
			id:      strconv.Itoa(1000 + i),
			when:    now.Add(-180 * 24 * time.Hour).Add(time.Duration(i) * (180 * 24 * time.Hour / time.Duration(n))),
			subject: fmt.Sprintf("Meeting %d about %s", i, []string{"pricing", "renewal", "onboarding"}[i%3]),
			side:    "Outside",
		}
		if i%7 == 6 {
			m.side = "Inside"
		} else {
			m.org, m.orgID = o.name, fmt.Sprintf("ORG-%d", i%len(orgs))
			m.guests = [][2]string{{fmt.Sprintf("Guest %d", i%5), fmt.Sprintf("guest%d@%s", i%5, o.domain)}}
		}
		out = append(out, m)
	}
	return out
}

// fakeListing serves list_meetings (after/before, 100 a page, ascending)
// and list_staff, counting requests; fail, if set, answers instead.
type fakeListing struct {
	meetings []meeting
	staff    []any
	requests int
	fail     func(n int) *Page
}

func (f *fakeListing) fetch(_ context.Context, tool string, args map[string]any) Page {
	f.requests++
	if f.fail != nil {
		if r := f.fail(f.requests); r != nil {
			return *r
		}
	}
	var items []any
	switch tool {
	case "list_meetings":
		after, _ := time.Parse(time.RFC3339, args["after"].(string))
		before, _ := time.Parse(time.RFC3339, args["before"].(string))
		for _, m := range f.meetings {
			if !m.when.Before(after) && m.when.Before(before) {
				items = append(items, m.json())
			}
		}
	case "list_staff":
		items = f.staff
	default:
		return Page{Failed: true, Status: 404, Reason: "no such tool"}
	}
	off := 0
	if c, ok := args[ArgCursor].(string); ok {
		off, _ = strconv.Atoi(strings.TrimPrefix(c, "p"))
	}
	end := min(off+100, len(items))
	var next any
	if end < len(items) {
		next = "p" + strconv.Itoa(end)
	}
	return Page{Status: 200, Value: map[string]any{"result": items[off:end], "next_cursor": next}}
}

// want lists, newest first, the ids of the meetings keep selects in
// [from, to).
func want(ms []meeting, from, to time.Time, keep func(meeting) bool) []string {
	var ids []string
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if !m.when.Before(from) && m.when.Before(to) && keep(m) {
			ids = append(ids, m.id)
		}
	}
	return ids
}

func ids(a *Answer) []string {
	var out []string
	for _, m := range a.Matches {
		out = append(out, m["id"].(string))
	}
	return out
}

func run(t *testing.T, d *Def, f *fakeListing, args map[string]any) *Answer {
	t.Helper()
	a, err := d.Run(context.Background(), f.fetch, args, now)
	if err != nil {
		t.Fatalf("Run(%v): %v", args, err)
	}
	return a
}

func TestCallsFinderMatchesNewestFirst(t *testing.T) {
	t.Parallel()
	defs := loadDefs(t)
	ms := meetings(900)
	d30 := now.AddDate(0, 0, -30)
	cases := []struct {
		name string
		args map[string]any
		keep func(meeting) bool
		from time.Time
	}{
		{"org, default 30 days", map[string]any{"org": "initrode"}, func(m meeting) bool { return m.org == "Initrode" }, d30},
		{"org partial and spaced", map[string]any{"org": "  VANDELAY   industries "}, func(m meeting) bool { return m.org == "Vandelay Industries" }, d30},
		{"email domain", map[string]any{"person": "hooli.example"}, func(m meeting) bool { return m.org == "Hooli Labs" }, d30},
		{"one address", map[string]any{"person": "guest2@piedpipes.example"}, func(m meeting) bool {
			return len(m.guests) > 0 && m.guests[0][1] == "guest2@piedpipes.example"
		}, d30},
		{"name", map[string]any{"person": "guest 3"}, func(m meeting) bool { return len(m.guests) > 0 && m.guests[0][0] == "Guest 3" }, d30},
		{"subject and side", map[string]any{"subject": "renewal", "side": "outside"}, func(m meeting) bool {
			return strings.Contains(m.subject, "renewal") && m.side == "Outside"
		}, d30},
		{"inside only", map[string]any{"side": "Inside"}, func(m meeting) bool { return m.side == "Inside" }, d30},
		{"free words across fields", map[string]any{"text": "vandelay   RENEWAL guest"}, func(m meeting) bool {
			return m.org == "Vandelay Industries" && strings.Contains(m.subject, "renewal")
		}, d30},
		{"explicit range", map[string]any{"org": "Pied", "from": "2026-09-01", "to": "2026-10-01T00:00:00Z"}, func(m meeting) bool {
			return m.org == "Pied Pipes"
		}, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeListing{meetings: ms}
			tc.args[ArgLimit] = 100
			a := run(t, defs["find_meetings"], f, tc.args)
			to := now
			if s, ok := tc.args["to"].(string); ok {
				to, _ = time.Parse(time.RFC3339, s)
			}
			exp := want(ms, tc.from, to, tc.keep)
			if len(exp) == 0 {
				t.Fatal("test data has no match; the case proves nothing")
			}
			if got := ids(a); !slices.Equal(got, exp) {
				t.Fatalf("matches %v, want %v", got, exp)
			}
			if !a.Complete || a.NextCursor != nil {
				t.Fatalf("complete %v cursor %v, want a complete answer", a.Complete, a.NextCursor)
			}
			if a.Scanned.UpstreamRequests != f.requests {
				t.Fatalf("scanned.upstream_requests %d, fake saw %d", a.Scanned.UpstreamRequests, f.requests)
			}
			if examined := len(want(ms, tc.from, to, func(meeting) bool { return true })); a.Scanned.Items != examined {
				t.Fatalf("scanned.items %d, want every item of the range (%d)", a.Scanned.Items, examined)
			}
		})
	}
}

func TestCallsFinderProjectsCompactFields(t *testing.T) {
	t.Parallel()
	f := &fakeListing{meetings: meetings(300)}
	a := run(t, loadDefs(t)["find_meetings"], f, map[string]any{"org": "Hooli", ArgLimit: 1})
	if len(a.Matches) != 1 {
		t.Fatalf("%d matches, want 1", len(a.Matches))
	}
	m := a.Matches[0]
	guests, _ := m["guests"].([]map[string]any)
	if m["org"] != "Hooli Labs" || len(guests) != 1 || !strings.HasSuffix(guests[0]["mail"].(string), "@hooli.example") {
		t.Fatalf("match %v: want the org and only the guest (not the host)", m)
	}
	if _, leaked := m["subject"]; leaked {
		t.Fatalf("match %v carries a field the definition does not list", m)
	}
}

// Paging a finder with a small limit returns every match exactly once,
// in order, whether it stops on its limit or on its request allowance.
func TestCallsFinderCursorResumesExactly(t *testing.T) {
	t.Parallel()
	defs := loadDefs(t)
	ms := meetings(3000) // ~115 a week: windows of two pages
	args := map[string]any{"subject": "renewal", "side": "Inside", "from": "2026-07-01"}
	exp := want(ms, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), now, func(m meeting) bool {
		return strings.Contains(m.subject, "renewal") && m.side == "Inside"
	})
	for _, limit := range []int{7, 100} {
		f := &fakeListing{meetings: ms}
		var got []string
		pages, stoppedOnRequests := 0, false
		a := &Answer{}
		for {
			call := map[string]any{ArgLimit: limit}
			for k, v := range args {
				call[k] = v
			}
			if a.NextCursor != nil {
				call[ArgCursor] = *a.NextCursor
			}
			a = run(t, defs["find_meetings"], f, call)
			got = append(got, ids(a)...)
			if a.Scanned.UpstreamRequests > 12+10 {
				t.Fatalf("one answer made %d upstream requests", a.Scanned.UpstreamRequests)
			}
			stoppedOnRequests = stoppedOnRequests || strings.Contains(a.Stopped, "upstream requests")
			pages++
			if a.Complete {
				break
			}
			if a.NextCursor == nil || pages > 200 {
				t.Fatalf("incomplete answer without a way on: %+v", a)
			}
		}
		if !slices.Equal(got, exp) {
			t.Fatalf("limit %d: %d matches over %d answers, want %d; first difference at %d", limit, len(got), pages, len(exp), firstDiff(got, exp))
		}
		if limit == 100 && !stoppedOnRequests {
			t.Fatalf("limit 100: no answer stopped on its request allowance; the case proves less than it says")
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestCursorBoundToItsArguments(t *testing.T) {
	t.Parallel()
	d := loadDefs(t)["find_meetings"]
	f := &fakeListing{meetings: meetings(900)}
	a := run(t, d, f, map[string]any{"org": "Initrode", ArgLimit: 2})
	if a.NextCursor == nil {
		t.Fatal("no cursor")
	}
	for _, args := range []map[string]any{
		{"org": "Vandelay", ArgCursor: *a.NextCursor},
		{"org": "Initrode", "from": "2026-08-01", ArgCursor: *a.NextCursor},
		{"org": "Initrode", ArgCursor: "bm90IGEgY3Vyc29y"},
		{"org": "Initrode", ArgCursor: "%%%"},
	} {
		before := f.requests
		_, err := d.Run(context.Background(), f.fetch, args, now)
		var ae *ArgError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "next_cursor") {
			t.Errorf("%v: err %v, want a cursor ArgError", args, err)
		}
		if f.requests != before {
			t.Errorf("%v: a refused call reached upstream", args)
		}
	}
	// The limit may change between pages.
	if _, err := d.Run(context.Background(), f.fetch, map[string]any{"org": "Initrode", ArgLimit: 50, ArgCursor: *a.NextCursor}, now); err != nil {
		t.Fatalf("a new limit with the same cursor: %v", err)
	}
}

func TestBadArgumentsRefusedBeforeUpstream(t *testing.T) {
	t.Parallel()
	d := loadDefs(t)["find_meetings"]
	for _, args := range []map[string]any{
		{"org": 7},
		{"orgs": "Initrode"},
		{"side": "Sideways"},
		{"from": "yesterday"},
		{"from": "2026-12-01", "to": "2026-11-01"},
		{"from": "2024-01-01"},
		{ArgLimit: 0},
		{ArgLimit: 101},
		{ArgLimit: 2.5},
	} {
		f := &fakeListing{meetings: meetings(50)}
		_, err := d.Run(context.Background(), f.fetch, args, now)
		var ae *ArgError
		if !errors.As(err, &ae) {
			t.Errorf("%v: err %v, want an ArgError", args, err)
		}
		if f.requests != 0 {
			t.Errorf("%v: %d upstream requests for refused arguments", args, f.requests)
		}
	}
}

func TestStopsOnUpstreamRefusalWithWhatItFound(t *testing.T) {
	t.Parallel()
	d := loadDefs(t)["find_meetings"]
	ms := meetings(3000)
	rl := &struct{ limit int }{3}
	f := &fakeListing{meetings: ms, fail: func(n int) *Page {
		if n == 4 {
			return &Page{Failed: true, Status: 429, Reason: "too many requests", RateLimit: rl}
		}
		return nil
	}}
	args := map[string]any{"org": "Initrode", ArgLimit: 100}
	a := run(t, d, f, args)
	if a.Complete || a.NextCursor == nil || !strings.Contains(a.Stopped, "429") || a.RateLimit != rl || a.Status != 429 {
		t.Fatalf("answer %+v: want incomplete, a cursor, the 429 and its figures", a)
	}
	if len(a.Matches) == 0 {
		t.Fatal("the matches found before the 429 were dropped")
	}
	// Resuming after the limit resets completes the list exactly.
	f.fail = nil
	args[ArgCursor] = *a.NextCursor
	b := run(t, d, f, args)
	got := append(ids(a), ids(b)...)
	exp := want(ms, now.AddDate(0, 0, -30), now, func(m meeting) bool { return m.org == "Initrode" })
	if !b.Complete || !slices.Equal(got, exp) {
		t.Fatalf("after resuming: complete %v, %d matches, want %d", b.Complete, len(got), len(exp))
	}
}

func TestEachUnitAnsweredOnceFromItsNewestItem(t *testing.T) {
	t.Parallel()
	ms := meetings(900)
	f := &fakeListing{meetings: ms}
	a := run(t, loadDefs(t)["find_orgs"], f, map[string]any{"name": "i"}) // Initrode, Vandelay Industries, Pied Pipes, Hooli Labs
	if len(a.Matches) != len(orgs) {
		t.Fatalf("%d matches %v, want each org once", len(a.Matches), a.Matches)
	}
	for _, m := range a.Matches {
		var newest time.Time
		for _, x := range ms {
			if x.org == m["name"] && x.when.After(newest) {
				newest = x.when
			}
		}
		if m["last_meeting"] != newest.Format(time.RFC3339) || m["kind"] != "Org" || !strings.HasPrefix(m["id"].(string), "ORG-") {
			t.Errorf("match %v: want last_meeting %s", m, newest.Format(time.RFC3339))
		}
	}
}

func TestListingFinderWithRefsAndFlags(t *testing.T) {
	t.Parallel()
	// 250 staff over three pages; every tenth is the boss of the nine after.
	var staff []any
	for i := range 250 {
		s := map[string]any{"sid": fmt.Sprint("S", i), "first": fmt.Sprint("Name", i), "last": "Surname", "on": i%4 != 0}
		if i%10 != 0 {
			s["bossId"] = fmt.Sprint("S", i-i%10)
		}
		staff = append(staff, s)
	}
	d := loadDefs(t)["find_staff"]
	cases := []struct {
		args map[string]any
		want func(i int) bool
	}{
		{map[string]any{"boss": "name20 surname"}, func(i int) bool { return i > 20 && i < 30 }},
		{map[string]any{"boss": "Name230", "active": false}, func(i int) bool { return i > 230 && i < 240 && i%4 == 0 }},
		{map[string]any{"name": "name24"}, func(i int) bool { return i == 24 || (i >= 240 && i < 250) }},
	}
	for _, tc := range cases {
		f := &fakeListing{staff: staff}
		tc.args[ArgLimit] = 100
		a := run(t, d, f, tc.args)
		var exp []string
		for i := range 250 {
			if tc.want(i) {
				exp = append(exp, fmt.Sprint("S", i))
			}
		}
		if got := ids(a); !slices.Equal(got, exp) || !a.Complete || f.requests != 3 {
			t.Errorf("%v: got %v (complete %v, %d requests), want %v in 3 requests", tc.args, got, a.Complete, f.requests, exp)
		}
	}
	// A small limit pages through the listing without loss.
	f := &fakeListing{staff: staff}
	var got []string
	a := &Answer{}
	for range 100 {
		args := map[string]any{"active": true, ArgLimit: 40}
		if a.NextCursor != nil {
			args[ArgCursor] = *a.NextCursor
		}
		a = run(t, d, f, args)
		got = append(got, ids(a)...)
		if a.Complete {
			break
		}
	}
	var exp []string
	for i := range 250 {
		if i%4 != 0 {
			exp = append(exp, fmt.Sprint("S", i))
		}
	}
	if !slices.Equal(got, exp) {
		t.Fatalf("paged active staff: %d, want %d", len(got), len(exp))
	}
}

func TestPrepareRefusesBadDefinitions(t *testing.T) {
	t.Parallel()
	base := func() Def {
		return Def{Name: "f", Title: "F", Description: "d", Tags: []string{"t"}, File: "x.yaml",
			Scan:   Scan{Tool: "list", From: "a", To: "b", Time: "t", WindowDays: 7, DefaultDays: 30, MaxDays: 60},
			Params: []Param{{Name: "q", Description: "d", Paths: []string{"a.b"}}},
			Fields: []Field{{Name: "id", Path: "id"}}}
	}
	cases := map[string]func(*Def){
		"undocumented tool":  func(d *Def) { d.Scan.Tool = "nope" },
		"half a range":       func(d *Def) { d.Scan.To = "" },
		"no params":          func(d *Def) { d.Params = nil },
		"bad match":          func(d *Def) { d.Params[0].Match = "fuzzy" },
		"bad path":           func(d *Def) { d.Params[0].Paths = []string{"a[x"} },
		"bad selector":       func(d *Def) { d.Params[0].Paths = []string{"a[=b]"} },
		"param named limit":  func(d *Def) { d.Params[0].Name = ArgLimit },
		"ref on a dated one": func(d *Def) { d.Params[0].Ref = &Ref{Path: "a", Key: "b"} },
		"field without path": func(d *Def) { d.Fields = []Field{{Name: "x"}} },
		"each without key":   func(d *Def) { d.Each = "a[*]" },
		"window of zero":     func(d *Def) { d.Scan.WindowDays = 0 },
		"default over max":   func(d *Def) { d.Scan.DefaultDays = 90 },
		"no description":     func(d *Def) { d.Description = " " },
	}
	ok := base()
	if err := ok.Prepare(func(n string) bool { return n == "list" }); err != nil {
		t.Fatalf("the base definition: %v", err)
	}
	for name, mutate := range cases {
		d := base()
		mutate(&d)
		if err := d.Prepare(func(n string) bool { return n == "list" }); err == nil || !strings.Contains(err.Error(), "x.yaml") {
			t.Errorf("%s: err %v, want an error naming the file", name, err)
		}
	}
}

func TestPathValues(t *testing.T) {
	t.Parallel()
	var doc any
	_ = json.Unmarshal([]byte(`{"a":{"b":"x","n":3,"t":true},"l":[{"k":"A","v":1},{"k":"B","v":2},{"k":"A","v":3},7],"first":"Ada","last":"Lovelace","nul":null}`), &doc)
	cases := []struct {
		path string
		want []string
	}{
		{"a.b", []string{"x"}},
		{"a.n", []string{"3"}},
		{"a.t", []string{"true"}},
		{"l[*].v", []string{"1", "2", "3"}},
		{"l[k=A].v", []string{"1", "3"}},
		{"l[k=C].v", nil},
		{"a.b.c", nil},
		{"a[*]", nil},
		{"nul.x", nil},
		{"missing", nil},
		{"first + last", []string{"Ada Lovelace"}},
		{"first + missing", []string{"Ada"}},
	}
	for _, tc := range cases {
		p, err := parsePath(tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		var got []string
		for _, v := range p.values(doc) {
			got = append(got, scalarText(v))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestInputSchemaListsEveryArgument(t *testing.T) {
	t.Parallel()
	d := loadDefs(t)["find_meetings"]
	var s struct {
		Properties map[string]struct {
			Type string   `json:"type"`
			Enum []string `json:"enum"`
		} `json:"properties"`
		Additional bool `json:"additionalProperties"`
	}
	if err := json.Unmarshal(d.InputSchema(), &s); err != nil {
		t.Fatal(err)
	}
	for _, name := range d.argNames() {
		if _, ok := s.Properties[name]; !ok {
			t.Errorf("schema lacks %s", name)
		}
	}
	if !slices.Equal(s.Properties["side"].Enum, []string{"Inside", "Outside"}) || s.Properties[ArgLimit].Type != "integer" || s.Additional {
		t.Errorf("schema %s", d.InputSchema())
	}
	staff := loadDefs(t)["find_staff"]
	if !strings.Contains(string(staff.InputSchema()), `"active":{"description":"Active or not","type":"boolean"}`) || strings.Contains(string(staff.InputSchema()), `"from"`) {
		t.Errorf("listing finder schema %s: want a boolean flag and no date range", staff.InputSchema())
	}
}

// With a byte budget, each answer stays within it and paging still
// returns every match once.
func TestByteBudgetKeepsEveryMatch(t *testing.T) {
	t.Parallel()
	d := loadDefs(t)["find_meetings"]
	ms := meetings(900)
	exp := want(ms, now.AddDate(0, 0, -30), now, func(m meeting) bool { return m.side == "Outside" })
	const budget = 3000
	f := &fakeListing{meetings: ms}
	var got []string
	a := &Answer{}
	cut := false
	for range 200 {
		args := map[string]any{"side": "Outside", ArgLimit: 100}
		if a.NextCursor != nil {
			args[ArgCursor] = *a.NextCursor
		}
		var err error
		if a, err = d.RunWithin(context.Background(), f.fetch, args, now, budget); err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(a); len(b) > budget {
			t.Fatalf("an answer of %d bytes, over the budget of %d", len(b), budget)
		}
		cut = cut || strings.Contains(a.Stopped, "budget")
		got = append(got, ids(a)...)
		if a.Complete {
			break
		}
	}
	if !slices.Equal(got, exp) || !cut {
		t.Fatalf("%d matches (budget stops: %v), want %d", len(got), cut, len(exp))
	}
}
