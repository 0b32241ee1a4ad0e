package gong

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t, Options{})
	wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte(h.s.AccessKey()+":nope"))
	cases := []struct {
		name   string
		auth   string
		status int
	}{
		{"no header", "-", http.StatusUnauthorized},
		{"wrong secret", wrong, http.StatusUnauthorized},
		{"unknown bearer", "Bearer abc", http.StatusUnauthorized},
		{"access key", "", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r result
			switch tc.auth {
			case "-":
				r = h.doNoAuth("GET", "/v2/workspaces")
			case "":
				r = h.do("GET", "/v2/workspaces", nil)
			default:
				r = h.do("GET", "/v2/workspaces", nil, "Authorization", tc.auth)
			}
			h.must(tc.status, r)
			if str(r.body["requestId"]) == "" {
				t.Fatalf("no requestId: %s", r.raw)
			}
			if tc.status != http.StatusOK && len(r.errors()) == 0 {
				t.Fatalf("no errors[]: %s", r.raw)
			}
		})
	}
}

func TestCredentialsAreDerivedFromSeedUnlessGiven(t *testing.T) {
	a, b, c := New(Options{Seed: 7}), New(Options{Seed: 7}), New(Options{Seed: 8})
	if a.AccessKey() != b.AccessKey() || a.AccessKeySecret() != b.AccessKeySecret() || a.ClientSecret() != b.ClientSecret() {
		t.Fatal("same seed gave different credentials")
	}
	if a.AccessKey() == c.AccessKey() {
		t.Fatal("different seeds gave the same access key")
	}
	d := New(Options{AccessKey: "k", AccessKeySecret: "s", ClientID: "id", ClientSecret: "cs"})
	if d.AccessKey() != "k" || d.AccessKeySecret() != "s" || d.ClientID() != "id" || d.ClientSecret() != "cs" {
		t.Fatal("explicit credentials ignored")
	}
}

func TestListCallsPagesThroughEverything(t *testing.T) {
	h := newHarness(t, Options{})
	seen := map[string]bool{}
	cursor, pages := "", 0
	var last time.Time
	for {
		path := "/v2/calls"
		if cursor != "" {
			path += "?cursor=" + cursor
		}
		r := h.must(200, h.do("GET", path, nil))
		rec := obj(r.body["records"])
		calls := list(r.body, "calls")
		if int(num(rec["currentPageSize"])) != len(calls) || len(calls) > 100 {
			t.Fatalf("page %d: currentPageSize %v with %d calls", pages, rec["currentPageSize"], len(calls))
		}
		if num(rec["currentPageNumber"]) != int64(pages) {
			t.Fatalf("currentPageNumber %v on page %d", rec["currentPageNumber"], pages)
		}
		for _, c := range calls {
			id := str(c["id"])
			if len(id) != 19 || id < "9007199254740993" && len(id) <= 16 {
				t.Fatalf("call id %q is not a 19-digit id beyond 2^53", id)
			}
			if seen[id] {
				t.Fatalf("call %s listed twice", id)
			}
			seen[id] = true
			d := str(c["scheduled"])
			if c["direction"] != "Conference" {
				d = str(c["started"])
			}
			at, err := time.Parse(time.RFC3339, d)
			if err != nil || at.Before(last) {
				t.Fatalf("calls out of order or bad date %q", d)
			}
			last = at
		}
		pages++
		cursor = str(rec["cursor"])
		if cursor == "" {
			if int(num(rec["totalRecords"])) != len(seen) {
				t.Fatalf("totalRecords %v but %d calls listed", rec["totalRecords"], len(seen))
			}
			break
		}
	}
	if len(seen) < 900 || pages < 10 {
		t.Fatalf("only %d calls in %d pages", len(seen), pages)
	}
}

func TestListCallsRangeIsInclusiveExclusive(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.s.Company().Calls[500]
	at := c.Date().Format(time.RFC3339)
	in := h.must(200, h.do("GET", "/v2/calls?fromDateTime="+at+"&toDateTime="+c.Date().Add(time.Second).Format(time.RFC3339), nil))
	found := false
	for _, x := range list(in.body, "calls") {
		found = found || x["id"] == c.ID
	}
	if !found {
		t.Fatal("fromDateTime is not inclusive")
	}
	out := h.do("GET", "/v2/calls?fromDateTime="+c.Date().Add(-time.Hour).Format(time.RFC3339)+"&toDateTime="+at, nil)
	for _, x := range list(out.body, "calls") {
		if x["id"] == c.ID {
			t.Fatal("toDateTime is not exclusive")
		}
	}
	// Offsets other than Z mean the same instant.
	ny := c.Date().In(time.FixedZone("EST", -5*3600)).Format(time.RFC3339)
	alt := h.must(200, h.do("GET", "/v2/calls?fromDateTime="+strings.ReplaceAll(ny, "+", "%2B")+"&toDateTime="+c.Date().Add(time.Second).Format(time.RFC3339), nil))
	if len(list(alt.body, "calls")) == 0 {
		t.Fatal("offset date-times not honoured")
	}
}

func TestListCallsWorkspaceFilter(t *testing.T) {
	h := newHarness(t, Options{})
	cs := h.s.Company().Workspaces[1]
	r := h.must(200, h.do("GET", "/v2/calls?workspaceId="+cs.ID, nil))
	for _, c := range list(r.body, "calls") {
		if c["workspaceId"] != cs.ID {
			t.Fatalf("call from workspace %v in %s listing", c["workspaceId"], cs.Name)
		}
	}
}

func TestEmptyCallQueriesAre404(t *testing.T) {
	h := newHarness(t, Options{})
	old := "fromDateTime=2001-01-01T00:00:00Z&toDateTime=2001-02-01T00:00:00Z"
	for _, r := range []result{
		h.do("GET", "/v2/calls?"+old, nil),
		h.do("POST", "/v2/calls/extensive", `{"filter":{"fromDateTime":"2001-01-01T00:00:00Z","toDateTime":"2001-02-01T00:00:00Z"}}`),
		h.do("POST", "/v2/calls/transcript", `{"filter":{"callIds":["1234567890123456789"]}}`),
	} {
		h.must(404, r)
		if e := r.errors(); len(e) != 1 || e[0] != "No calls found corresponding to the provided filters" {
			t.Fatalf("errors = %v", e)
		}
		if str(r.body["requestId"]) == "" {
			t.Fatal("404 without requestId")
		}
	}
}

func TestCursorSentTheWrongWayIsIgnored(t *testing.T) {
	h := newHarness(t, Options{})
	// POST with the cursor in the query: Gong ignores it, page 1 again.
	first := h.must(200, h.do("POST", "/v2/calls/extensive", `{"filter":{}}`))
	cur := str(obj(first.body["records"])["cursor"])
	if cur == "" {
		t.Fatal("no cursor on the first page")
	}
	again := h.must(200, h.do("POST", "/v2/calls/extensive?cursor="+cur, `{"filter":{}}`))
	if num(obj(again.body["records"])["currentPageNumber"]) != 0 ||
		obj(list(again.body, "calls")[0]["metaData"])["id"] != obj(list(first.body, "calls")[0]["metaData"])["id"] {
		t.Fatal("a query-string cursor moved a POST listing")
	}
	second := h.must(200, h.do("POST", "/v2/calls/extensive", map[string]any{"cursor": cur, "filter": map[string]any{}}))
	if num(obj(second.body["records"])["currentPageNumber"]) != 1 {
		t.Fatal("a body cursor did not move the POST listing")
	}
	// GET with the cursor in a body: ignored too.
	g1 := h.must(200, h.do("GET", "/v2/calls", nil))
	gcur := str(obj(g1.body["records"])["cursor"])
	g2 := h.must(200, h.do("GET", "/v2/calls", `{"cursor":"`+gcur+`"}`))
	if num(obj(g2.body["records"])["currentPageNumber"]) != 0 {
		t.Fatal("a body cursor moved a GET listing")
	}
	// A cursor of one listing is not valid for another.
	h.must(400, h.do("GET", "/v2/calls?cursor="+cur, nil))
	h.must(400, h.do("GET", "/v2/calls?cursor=garbage", nil))
}

func TestMalformedJSONIs400(t *testing.T) {
	h := newHarness(t, Options{})
	for _, p := range []string{"/v2/calls/extensive", "/v2/calls/transcript", "/v2/users/extensive", "/v2/stats/activity/aggregate", "/v2/calls"} {
		r := h.must(400, h.do("POST", p, `{"filter":`))
		if len(r.errors()) == 0 || str(r.body["requestId"]) == "" {
			t.Fatalf("%s: %s", p, r.raw)
		}
	}
}

func TestGetCall(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.s.Company().Calls[10]
	r := h.must(200, h.do("GET", "/v2/calls/"+c.ID, nil))
	if got := obj(r.body["call"]); got["id"] != c.ID || got["title"] != c.Title {
		t.Fatalf("got %v", got)
	}
	nf := h.must(404, h.do("GET", "/v2/calls/1234567890123456789", nil))
	if !strings.Contains(str(nf.errors()[0]), "was not found") {
		t.Fatalf("errors %v", nf.errors())
	}
	h.must(400, h.do("GET", "/v2/calls/not-a-number", nil))
}

// Every transcript speaker is a party of the call, sentences are timed in
// milliseconds inside the call and in order.
func TestTranscriptMatchesParties(t *testing.T) {
	h := newHarness(t, Options{})
	var ids []string
	for _, c := range h.s.Company().Calls[:60] {
		ids = append(ids, c.ID)
	}
	ext := h.must(200, h.do("POST", "/v2/calls/extensive", map[string]any{"filter": map[string]any{"callIds": ids},
		"contentSelector": map[string]any{"exposedFields": map[string]any{"parties": true}}}))
	speakers := map[string]map[string]bool{}
	durations := map[string]int64{}
	for _, c := range list(ext.body, "calls") {
		id := str(obj(c["metaData"])["id"])
		durations[id] = num(obj(c["metaData"])["duration"])
		speakers[id] = map[string]bool{}
		for _, p := range list(c, "parties") {
			if sp := str(p["speakerId"]); sp != "" {
				speakers[id][sp] = true
			}
		}
	}
	tr := h.must(200, h.do("POST", "/v2/calls/transcript", map[string]any{"filter": map[string]any{"callIds": ids}}))
	got := list(tr.body, "callTranscripts")
	if len(got) != len(ids) {
		t.Fatalf("%d transcripts for %d calls", len(got), len(ids))
	}
	for _, ct := range got {
		id := str(ct["callId"])
		var prev int64 = -1
		used := map[string]bool{}
		for _, m := range list(ct, "transcript") {
			sp := str(m["speakerId"])
			used[sp] = true
			if !speakers[id][sp] {
				t.Fatalf("call %s: speaker %s is not a party", id, sp)
			}
			for _, s := range list(m, "sentences") {
				st, en := num(s["start"]), num(s["end"])
				if st < prev || en <= st || en > durations[id]*1000 {
					t.Fatalf("call %s: sentence %d-%d out of order or outside %ds", id, st, en, durations[id])
				}
				prev = en
			}
		}
		if len(used) != len(speakers[id]) {
			t.Fatalf("call %s: %d parties have a speakerId but %d spoke", id, len(speakers[id]), len(used))
		}
	}
}

func TestContentSelector(t *testing.T) {
	h := newHarness(t, Options{})
	co := h.s.Company()
	last := co.Calls[len(co.Calls)-1]
	body := func(sel map[string]any) map[string]any {
		return map[string]any{"filter": map[string]any{"callIds": []string{last.ID}}, "contentSelector": sel}
	}
	bare := list(h.must(200, h.do("POST", "/v2/calls/extensive", body(map[string]any{}))).body, "calls")[0]
	for _, k := range []string{"parties", "content", "interaction", "context", "collaboration", "media"} {
		if _, ok := bare[k]; ok {
			t.Fatalf("%s present without being selected", k)
		}
	}
	full := list(h.must(200, h.do("POST", "/v2/calls/extensive", body(map[string]any{
		"context": "Extended", "contextTiming": []string{"Now", "TimeOfCall"},
		"exposedFields": map[string]any{
			"parties":       true,
			"content":       map[string]any{"trackers": true, "trackerOccurrences": true, "topics": true, "brief": true, "outline": true, "highlights": true, "callOutcome": true, "keyPoints": true, "structure": true},
			"interaction":   map[string]any{"speakers": true, "questions": true, "personInteractionStats": true, "video": true},
			"collaboration": map[string]any{"publicComments": true},
		}}))).body, "calls")[0]
	content := obj(full["content"])
	for _, k := range []string{"trackers", "topics", "brief", "outline", "highlights", "callOutcome", "keyPoints", "structure"} {
		if content[k] == nil {
			t.Fatalf("content.%s missing", k)
		}
	}
	ctx := list(full, "context")
	if len(ctx) != 1 || ctx[0]["system"] != "Salesforce" {
		t.Fatalf("context = %v", full["context"])
	}
	names := map[string]bool{}
	for _, o := range list(ctx[0], "objects") {
		for _, f := range list(o, "fields") {
			if f["name"] == "Name" {
				names[str(f["value"])] = true
			}
		}
	}
	if !names["Pied Piper"] {
		t.Fatalf("the latest call's CRM context does not name Pied Piper: %v", names)
	}
	// The Competitors tracker counts what the transcript says.
	tr := h.must(200, h.do("POST", "/v2/calls/transcript", map[string]any{"filter": map[string]any{"callIds": []string{last.ID}}}))
	mentions := 0
	for _, m := range list(list(tr.body, "callTranscripts")[0], "transcript") {
		for _, s := range list(m, "sentences") {
			for _, comp := range []string{"Acme Corp", "Contoso", "Fabrikam"} {
				if strings.Contains(str(s["text"]), comp) {
					mentions++
				}
			}
		}
	}
	for _, tk := range list(content, "trackers") {
		if tk["name"] == "Competitors" && int(num(tk["count"])) != mentions {
			t.Fatalf("Competitors tracker count %v, transcript has %d mentions", tk["count"], mentions)
		}
	}
}

func TestNamedAccountsAndRecency(t *testing.T) {
	h := newHarness(t, Options{})
	co := h.s.Company()
	for _, name := range []string{"Initech", "Stark Industries", "Pied Piper", "Hooli"} {
		a := co.AccountByName(name)
		if a == nil || len(a.Deals) == 0 {
			t.Fatalf("account %s missing or without deals", name)
		}
	}
	initech := co.AccountByName("Initech")
	recent := 0
	for _, c := range co.Calls {
		if c.AccountID == initech.CRMID && c.Scope == "External" && testNow.Sub(c.Started) < 30*24*time.Hour {
			recent++
		}
	}
	if recent == 0 {
		t.Fatal("Initech has no external calls in the last 30 days")
	}
	last := co.Calls[len(co.Calls)-1]
	if co.Account(last.AccountID) == nil || co.Account(last.AccountID).Name != "Pied Piper" {
		t.Fatalf("most recent call %q is not with Pied Piper", last.Title)
	}
	if !last.Started.Before(testNow) || last.Started.Add(time.Duration(last.Duration)*time.Second).After(testNow) {
		t.Fatal("most recent call is not over yet")
	}
	// Initech's conversations carry the objections the demo looks for.
	var text strings.Builder
	for _, c := range co.Calls {
		if c.AccountID == initech.CRMID {
			for _, m := range c.Content(co).Transcript {
				for _, s := range m.Sentences {
					text.WriteString(s.Text + "\n")
				}
			}
		}
	}
	for _, want := range []string{"ninety thousand", "eleven years", "Acme Corp"} {
		if !strings.Contains(text.String(), want) {
			t.Fatalf("Initech calls never say %q", want)
		}
	}
}

func TestGenerationIsDeterministic(t *testing.T) {
	t.Parallel()
	a := New(Options{Seed: 42, Now: func() time.Time { return testNow }})
	// Later the same day: the same company.
	b := New(Options{Seed: 42, Now: func() time.Time { return testNow.Add(5 * time.Hour) }})
	c := New(Options{Seed: 43, Now: func() time.Time { return testNow }})
	if len(a.Company().Calls) != len(b.Company().Calls) {
		t.Fatal("call counts differ")
	}
	for i := range a.Company().Calls {
		x, y := a.Company().Calls[i], b.Company().Calls[i]
		if x.ID != y.ID || x.Title != y.Title || !x.Started.Equal(y.Started) {
			t.Fatalf("call %d differs", i)
		}
	}
	ta, tb := a.Company().Calls[3].Content(a.Company()), b.Company().Calls[3].Content(b.Company())
	if ta.Brief != tb.Brief || len(ta.Transcript) != len(tb.Transcript) {
		t.Fatal("content differs between identical sandboxes")
	}
	if a.Company().Calls[0].ID == c.Company().Calls[0].ID {
		t.Fatal("different seeds, same data")
	}
	for _, tc := range []struct {
		small              bool
		minUsers, maxUsers int
		minCalls, maxCalls int
	}{{false, 150, 160, 5000, 6000}, {true, 45, 55, 950, 1100}} {
		s := New(Options{Seed: 42, Small: tc.small, Now: func() time.Time { return testNow }})
		if n := len(s.Company().Users); n < tc.minUsers || n > tc.maxUsers {
			t.Errorf("small=%v: %d users", tc.small, n)
		}
		if n := len(s.Company().Calls); n < tc.minCalls || n > tc.maxCalls {
			t.Errorf("small=%v: %d calls", tc.small, n)
		}
	}
}
