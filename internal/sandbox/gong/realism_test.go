package gong

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests hold the realistic default company to the figures of issue
// 15 and docs/demo-company.md, over HTTP against a running sandbox.

type live struct {
	t   *testing.T
	s   *Sandbox
	srv *httptest.Server
}

func newLive(t *testing.T, opts Options) *live {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	opts.RatePerSecond, opts.DailyLimit = -1, -1
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &live{t: t, s: s, srv: srv}
}

// call sends one request and returns the status and the raw answer.
func (l *live) call(method, path string, body any) (int, []byte) {
	l.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			l.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, l.srv.URL+path, rd)
	if err != nil {
		l.t.Fatal(err)
	}
	req.SetBasicAuth(l.s.AccessKey(), l.s.AccessKeySecret())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		l.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// ok sends a request that must succeed and decodes the answer into v.
func (l *live) ok(method, path string, body, v any) []byte {
	l.t.Helper()
	status, raw := l.call(method, path, body)
	if status != http.StatusOK {
		l.t.Fatalf("%s %s: %d %s", method, path, status, raw)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			l.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return raw
}

type recordsJSON struct {
	TotalRecords      int    `json:"totalRecords"`
	CurrentPageSize   int    `json:"currentPageSize"`
	CurrentPageNumber int    `json:"currentPageNumber"`
	Cursor            string `json:"cursor"`
}

type listedCall struct {
	ID        string `json:"id"`
	Started   string `json:"started"`
	Duration  int    `json:"duration"`
	Scope     string `json:"scope"`
	Workspace string `json:"workspaceId"`
}

// allCalls lists every call in [from, to) with GET /v2/calls, page by page.
func (l *live) allCalls(from, to time.Time) []listedCall {
	l.t.Helper()
	q := url.Values{"fromDateTime": {from.Format(time.RFC3339)}, "toDateTime": {to.Format(time.RFC3339)}}
	var out []listedCall
	for page := 0; ; page++ {
		var r struct {
			Records recordsJSON  `json:"records"`
			Calls   []listedCall `json:"calls"`
		}
		l.ok("GET", "/v2/calls?"+q.Encode(), nil, &r)
		if r.Records.CurrentPageNumber != page || r.Records.CurrentPageSize != len(r.Calls) || len(r.Calls) > 100 {
			l.t.Fatalf("page %d: records %+v with %d calls", page, r.Records, len(r.Calls))
		}
		out = append(out, r.Calls...)
		if r.Records.Cursor == "" {
			if r.Records.TotalRecords != len(out) {
				l.t.Fatalf("totalRecords %d, listed %d", r.Records.TotalRecords, len(out))
			}
			return out
		}
		if len(r.Calls) != 100 {
			l.t.Fatalf("a page of %d before the last", len(r.Calls))
		}
		q.Set("cursor", r.Records.Cursor)
	}
}

type sentenceJSON struct {
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Text  string `json:"text"`
}

type transcriptJSON struct {
	CallID     string `json:"callId"`
	Transcript []struct {
		SpeakerID string         `json:"speakerId"`
		Topic     string         `json:"topic"`
		Sentences []sentenceJSON `json:"sentences"`
	} `json:"transcript"`
}

// transcripts fetches the transcripts of ids (up to 100 at a time) and
// also returns each one's exact JSON.
func (l *live) transcripts(ids []string) ([]transcriptJSON, map[string]int) {
	l.t.Helper()
	var out []transcriptJSON
	sizes := map[string]int{}
	for len(ids) > 0 {
		n := min(100, len(ids))
		var r struct {
			Records         recordsJSON       `json:"records"`
			CallTranscripts []json.RawMessage `json:"callTranscripts"`
		}
		l.ok("POST", "/v2/calls/transcript", map[string]any{"filter": map[string]any{"callIds": ids[:n]}}, &r)
		for _, raw := range r.CallTranscripts {
			var tr transcriptJSON
			if err := json.Unmarshal(raw, &tr); err != nil {
				l.t.Fatal(err)
			}
			out = append(out, tr)
			sizes[tr.CallID] = len(raw)
		}
		ids = ids[n:]
	}
	return out, sizes
}

func TestRealisticUsersPage(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	type user struct {
		ID, Title string
		Active    bool
	}
	var all []user
	cursor := ""
	for page := 0; ; page++ {
		var r struct {
			Records recordsJSON `json:"records"`
			Users   []user      `json:"users"`
		}
		path := "/v2/users"
		if cursor != "" {
			path += "?cursor=" + url.QueryEscape(cursor)
		}
		l.ok("GET", path, nil, &r)
		if r.Records.CurrentPageNumber != page || r.Records.CurrentPageSize != len(r.Users) {
			t.Fatalf("page %d: %+v", page, r.Records)
		}
		if page == 0 && (len(r.Users) != 100 || r.Records.Cursor == "") {
			t.Fatalf("first page of users: %d users, cursor %q", len(r.Users), r.Records.Cursor)
		}
		all = append(all, r.Users...)
		if cursor = r.Records.Cursor; cursor == "" {
			break
		}
	}
	inactive, aes := 0, 0
	for _, u := range all {
		if !u.Active {
			inactive++
		}
		if strings.Contains(u.Title, "Account Executive") && u.Active {
			aes++
		}
	}
	if len(all) < 150 || inactive == 0 || aes < 40 {
		t.Fatalf("%d users, %d inactive, %d active AEs", len(all), inactive, aes)
	}
}

func TestRealisticCallVolume(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	calls := l.allCalls(testNow.AddDate(0, 0, -180), testNow)
	if len(calls) < 5000 {
		t.Fatalf("%d calls in 180 days", len(calls))
	}
}

// density is one transcript's measures.
type density struct{ wordsPerSpeakingMin, wordsPerCallMin, kbPerCallMin float64 }

func measure(tr transcriptJSON, size, duration int) density {
	words, speakMs := 0, int64(0)
	for _, m := range tr.Transcript {
		for _, s := range m.Sentences {
			words += len(strings.Fields(s.Text))
			speakMs += s.End - s.Start
		}
	}
	mins := float64(duration) / 60
	return density{float64(words) / (float64(speakMs) / 60000), float64(words) / mins, float64(size) / 1024 / mins}
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func TestTranscriptDensity(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	calls := l.allCalls(testNow.AddDate(0, 0, -180), testNow)
	durations := map[string]int{}
	var ids []string
	for i := 0; i < 50; i++ { // spread over the whole listing
		c := calls[i*len(calls)/50]
		ids = append(ids, c.ID)
		durations[c.ID] = c.Duration
	}
	trs, sizes := l.transcripts(ids)
	if len(trs) != 50 {
		t.Fatalf("%d transcripts for 50 calls", len(trs))
	}
	var speaking, perCall, kb []float64
	for _, tr := range trs {
		d := measure(tr, sizes[tr.CallID], durations[tr.CallID])
		speaking, perCall, kb = append(speaking, d.wordsPerSpeakingMin), append(perCall, d.wordsPerCallMin), append(kb, d.kbPerCallMin)
	}
	ms, mc, mk := median(speaking), median(perCall), median(kb)
	t.Logf("median: %.0f words per speaking minute, %.0f words per call minute, %.2f KB per call minute", ms, mc, mk)
	if ms < 120 || ms > 170 {
		t.Errorf("median %.0f words per minute of speaking time, want 120-170", ms)
	}
	if mc < 75 {
		t.Errorf("median %.0f words per minute of call, want at least 75", mc)
	}
	if mk < 0.7 || mk > 1.5 {
		t.Errorf("median %.2f KB of transcript JSON per call minute, want 0.7-1.5", mk)
	}
}

// crmCall is a call of /v2/calls/extensive with its CRM context and
// parties.
type crmCall struct {
	MetaData struct {
		ID       string `json:"id"`
		Started  string `json:"started"`
		Duration int    `json:"duration"`
	} `json:"metaData"`
	Context []struct {
		Objects []struct {
			ObjectType string `json:"objectType"`
			ObjectID   string `json:"objectId"`
			Fields     []struct {
				Name  string `json:"name"`
				Value any    `json:"value"`
			} `json:"fields"`
		} `json:"objects"`
	} `json:"context"`
	Parties []struct {
		EmailAddress string `json:"emailAddress"`
		SpeakerID    string `json:"speakerId"`
		Affiliation  string `json:"affiliation"`
	} `json:"parties"`
	Content struct {
		Highlights []struct {
			Title string `json:"title"`
			Items []struct {
				Text       string    `json:"text"`
				StartTimes []float64 `json:"startTimes"`
			} `json:"items"`
		} `json:"highlights"`
	} `json:"content"`
}

// field returns a CRM field of the call's object of type objectType.
func (c crmCall) field(objectType, name string) any {
	for _, sys := range c.Context {
		for _, o := range sys.Objects {
			if o.ObjectType != objectType {
				continue
			}
			for _, f := range o.Fields {
				if f.Name == name {
					return f.Value
				}
			}
		}
	}
	return nil
}

func (c crmCall) objectID(objectType string) string {
	for _, sys := range c.Context {
		for _, o := range sys.Objects {
			if o.ObjectType == objectType {
				return o.ObjectID
			}
		}
	}
	return ""
}

// extensive lists every call in [from, to) with its CRM context and the
// exposedFields asked for.
func (l *live) extensive(from, to time.Time, exposed map[string]any) []crmCall {
	l.t.Helper()
	body := map[string]any{
		"filter":          map[string]any{"fromDateTime": from.Format(time.RFC3339), "toDateTime": to.Format(time.RFC3339)},
		"contentSelector": map[string]any{"context": "Extended", "exposedFields": exposed},
	}
	var out []crmCall
	for {
		var r struct {
			Records recordsJSON `json:"records"`
			Calls   []crmCall   `json:"calls"`
		}
		l.ok("POST", "/v2/calls/extensive", body, &r)
		out = append(out, r.Calls...)
		if r.Records.Cursor == "" {
			return out
		}
		body["cursor"] = r.Records.Cursor
	}
}

// spoken maps call id to what its external parties said.
func (l *live) spokenByCustomers(calls []crmCall) map[string]string {
	var ids []string
	external := map[string]bool{}
	for _, c := range calls {
		ids = append(ids, c.MetaData.ID)
		for _, p := range c.Parties {
			if p.Affiliation == "External" && p.SpeakerID != "" {
				external[p.SpeakerID] = true
			}
		}
	}
	trs, _ := l.transcripts(ids)
	out := map[string]string{}
	for _, tr := range trs {
		var b strings.Builder
		for _, m := range tr.Transcript {
			if external[m.SpeakerID] {
				for _, s := range m.Sentences {
					b.WriteString(s.Text + "\n")
				}
			}
		}
		out[tr.CallID] = b.String()
	}
	return out
}

func TestStoryInitechLostDeal(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	from := testNow.AddDate(0, 0, -30)
	// First the CRM context of every call, then the parties of Initech's,
	// as an agent would.
	var initechIDs []string
	var initech, others []crmCall
	for _, c := range l.extensive(from, testNow, map[string]any{}) {
		if c.field("Account", "Name") == "Initech" {
			initechIDs = append(initechIDs, c.MetaData.ID)
		} else {
			others = append(others, c)
		}
	}
	body := map[string]any{"filter": map[string]any{"callIds": initechIDs},
		"contentSelector": map[string]any{"context": "Extended", "exposedFields": map[string]any{"parties": true}}}
	var withParties struct {
		Calls []crmCall `json:"calls"`
	}
	l.ok("POST", "/v2/calls/extensive", body, &withParties)
	lostDeal := false
	for _, c := range withParties.Calls {
		withInitechPeople := false
		for _, p := range c.Parties {
			if strings.HasSuffix(p.EmailAddress, "@initech.com") {
				withInitechPeople = true
			}
		}
		if !withInitechPeople {
			continue
		}
		initech = append(initech, c)
		if c.objectID("Opportunity") == "" {
			continue // an SDR's call, before any deal
		}
		lostDeal = true
		if stage := c.field("Opportunity", "StageName"); stage != "Closed Lost" {
			t.Fatalf("Initech call %s: deal stage %v, want Closed Lost", c.MetaData.ID, stage)
		}
		closed, err := time.Parse("2006-01-02", str(c.field("Opportunity", "CloseDate")))
		if err != nil || closed.Before(from.Truncate(24*time.Hour)) || closed.After(testNow) {
			t.Fatalf("Initech deal closed %v, not within the last 30 days", c.field("Opportunity", "CloseDate"))
		}
	}
	if !lostDeal {
		t.Fatal("no Initech call carries the lost deal")
	}
	if len(initech) < 8 {
		t.Fatalf("%d calls with Initech people in the last 30 days, want at least 8", len(initech))
	}
	// The prospect's own words: at least three distinct objections.
	said := l.spokenByCustomers(initech)
	var all strings.Builder
	for _, s := range said {
		all.WriteString(s)
	}
	objections := map[string]string{
		"price against budget":   "ninety thousand",
		"migration risk":         "eleven years",
		"a competitor's offer":   "Acme Corp",
		"a flat three year rate": "three year",
	}
	raised := 0
	for name, phrase := range objections {
		if strings.Contains(all.String(), phrase) {
			raised++
		} else {
			t.Logf("Initech never raised %s", name)
		}
	}
	if raised < 3 {
		t.Fatalf("Initech's people raised %d distinct objections, want at least 3", raised)
	}
	// Other accounts have their own objections, not Initech's: nobody says
	// Initech's words in their calls (checked on every tenth of them, to
	// keep the test quick).
	var sample []string
	for i := 0; i < len(others); i += 10 {
		sample = append(sample, others[i].MetaData.ID)
	}
	trs, _ := l.transcripts(sample)
	if len(trs) != len(sample) || len(trs) < 20 {
		t.Fatalf("%d transcripts of other accounts' calls", len(trs))
	}
	for _, tr := range trs {
		for _, m := range tr.Transcript {
			for _, s := range m.Sentences {
				if strings.Contains(s.Text, "ninety thousand") || strings.Contains(s.Text, "eleven years") {
					t.Fatalf("call %s, not with Initech, raises Initech's objection: %q", tr.CallID, s.Text)
				}
			}
		}
	}
}

func TestStoryPiedPiperRenewal(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	var ids []string
	for _, c := range l.extensive(testNow.AddDate(0, 0, -14), testNow, map[string]any{}) {
		if c.field("Opportunity", "Name") == "Pied Piper - Renewal" {
			ids = append(ids, c.MetaData.ID)
		}
	}
	var r struct {
		Calls []crmCall `json:"calls"`
	}
	l.ok("POST", "/v2/calls/extensive", map[string]any{"filter": map[string]any{"callIds": ids},
		"contentSelector": map[string]any{"exposedFields": map[string]any{"content": map[string]any{"highlights": true}}}}, &r)
	renewal := r.Calls
	if len(renewal) < 2 {
		t.Fatalf("%d calls on the Pied Piper renewal in the last 14 days", len(renewal))
	}
	latest := renewal[len(renewal)-1]
	started, _ := time.Parse(time.RFC3339, latest.MetaData.Started)
	if testNow.Sub(started) > 3*24*time.Hour {
		t.Fatalf("latest renewal call started %s, more than 3 days ago", latest.MetaData.Started)
	}
	dur := latest.MetaData.Duration
	if dur < 30*60 {
		t.Fatalf("latest renewal call lasts %d s, want at least 30 minutes", dur)
	}
	// Its final ten minutes hold concrete next steps.
	var late []string
	for _, h := range latest.Content.Highlights {
		if h.Title != "Next steps" {
			continue
		}
		for _, it := range h.Items {
			if len(it.StartTimes) > 0 && it.StartTimes[0] >= float64(dur-600) {
				late = append(late, it.Text)
			}
		}
	}
	if len(late) < 3 {
		t.Fatalf("%d next steps in the final ten minutes: %q", len(late), late)
	}
	trs, _ := l.transcripts([]string{latest.MetaData.ID})
	var final strings.Builder
	for _, m := range trs[0].Transcript {
		for _, s := range m.Sentences {
			if s.Start >= int64(dur-600)*1000 {
				final.WriteString(s.Text + "\n")
			}
		}
	}
	for _, step := range late {
		if !strings.Contains(final.String(), step) {
			t.Fatalf("next step %q is not in the transcript's final ten minutes", step)
		}
	}
}

func TestStoryStarkExecutiveSummary(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	var briefs struct {
		Briefs []struct {
			BriefName, Status string
		} `json:"briefs"`
	}
	sales := l.s.Company().Workspaces[0].ID
	l.ok("GET", "/v2/settings/briefs?workspaceId="+sales, nil, &briefs)
	found := false
	for _, b := range briefs.Briefs {
		found = found || b.BriefName == "Executive Summary" && b.Status == "Published"
	}
	if !found {
		t.Fatalf("no published Executive Summary brief: %+v", briefs.Briefs)
	}
	dealID, accountID := "", ""
	for _, c := range l.extensive(testNow.AddDate(0, 0, -90), testNow, map[string]any{}) {
		if c.field("Account", "Name") == "Stark Industries" && c.objectID("Opportunity") != "" {
			dealID, accountID = c.objectID("Opportunity"), c.objectID("Account")
		}
	}
	if dealID == "" {
		t.Fatal("no Stark Industries call with a deal in the last 90 days")
	}
	q := url.Values{"workspaceId": {sales}, "briefName": {"Executive Summary"}, "crmEntityType": {"DEAL"},
		"crmEntityId": {dealID}, "timePeriod": {"LAST_90DAYS"}}
	var brief struct {
		Sections []any `json:"briefSections"`
	}
	l.ok("GET", "/v2/entities/get-brief?"+q.Encode(), nil, &brief)
	if len(brief.Sections) == 0 {
		t.Fatal("the Executive Summary brief of the Stark Industries deal is empty")
	}
	// The template is configured for deals: asking it of the account is refused.
	q.Set("crmEntityType", "ACCOUNT")
	q.Set("crmEntityId", accountID)
	if status, raw := l.call("GET", "/v2/entities/get-brief?"+q.Encode(), nil); status != http.StatusBadRequest {
		t.Fatalf("Executive Summary for an account: %d %.200s", status, raw)
	}
}

// lastFullQuarter is the last complete calendar quarter before t, as
// dates in loc.
func lastFullQuarter(t time.Time, loc *time.Location) (from, to string) {
	l := t.In(loc)
	start := time.Date(l.Year(), l.Month()-(l.Month()-1)%3, 1, 0, 0, 0, 0, loc)
	return start.AddDate(0, -3, 0).Format("2006-01-02"), start.Format("2006-01-02")
}

func TestStoryAEActivitySpread(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	aes := map[string]bool{}
	for _, u := range l.s.Company().Users {
		if u.Active && strings.Contains(u.Title, "Account Executive") {
			aes[u.ID] = true
		}
	}
	from, to := lastFullQuarter(testNow, l.s.loc)
	body := map[string]any{"filter": map[string]any{"fromDate": from, "toDate": to}}
	zeroListens, zeroComments, plenty, commenters := 0, 0, 0, 0
	seen := 0
	for {
		var r struct {
			Records recordsJSON `json:"records"`
			Stats   []struct {
				UserID string         `json:"userId"`
				Agg    map[string]int `json:"userAggregateActivityStats"`
			} `json:"usersAggregateActivityStats"`
		}
		l.ok("POST", "/v2/stats/activity/aggregate", body, &r)
		for _, u := range r.Stats {
			seen++
			if !aes[u.UserID] {
				continue
			}
			listens := u.Agg["ownCallsListenedTo"] + u.Agg["othersCallsListenedTo"]
			comments := u.Agg["callsCommentsGiven"]
			switch {
			case listens == 0:
				zeroListens++
			case listens >= 5 && comments >= 2:
				plenty++
			}
			if comments == 0 {
				zeroComments++
			} else {
				commenters++
			}
		}
		if r.Records.Cursor == "" {
			break
		}
		body["cursor"] = r.Records.Cursor
	}
	t.Logf("quarter %s..%s: %d AEs with zero listens, %d with zero comments, %d with plenty of both", from, to, zeroListens, zeroComments, plenty)
	if seen < 150 {
		t.Fatalf("the stats paged through %d users", seen)
	}
	if zeroListens < 3 || zeroComments < 2 || plenty < max(3, zeroListens) || commenters == 0 {
		t.Fatalf("AE activity: %d zero listens, %d zero comments, %d plenty of both, %d commenting", zeroListens, zeroComments, plenty, commenters)
	}
}

func TestMismatchedCursorIsRefused(t *testing.T) {
	t.Parallel()
	l := newLive(t, Options{})
	nov := "fromDateTime=" + url.QueryEscape(testNow.AddDate(0, 0, -120).Format(time.RFC3339)) + "&toDateTime=" + url.QueryEscape(testNow.Format(time.RFC3339))
	june := "fromDateTime=" + url.QueryEscape(testNow.AddDate(0, 0, -60).Format(time.RFC3339)) + "&toDateTime=" + url.QueryEscape(testNow.Format(time.RFC3339))
	var first struct {
		Records recordsJSON `json:"records"`
	}
	l.ok("GET", "/v2/calls?"+nov, nil, &first)
	cur := url.QueryEscape(first.Records.Cursor)
	var users struct {
		Records recordsJSON `json:"records"`
	}
	l.ok("GET", "/v2/users?includeAvatars=true", nil, &users)
	// The cursor works with the request that made it...
	l.ok("GET", "/v2/calls?"+nov+"&cursor="+cur, nil, nil)
	// ...and nowhere else: another date range, another endpoint, another body.
	filter := map[string]any{"fromDateTime": testNow.AddDate(0, 0, -120).Format(time.RFC3339)}
	var ext struct {
		Records recordsJSON `json:"records"`
	}
	l.ok("POST", "/v2/calls/extensive", map[string]any{"filter": filter}, &ext)
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"another date range", "GET", "/v2/calls?" + june + "&cursor=" + cur, nil},
		{"no date range", "GET", "/v2/calls?cursor=" + cur, nil},
		{"another endpoint", "POST", "/v2/calls/extensive", map[string]any{"cursor": first.Records.Cursor, "filter": filter}},
		{"another filter", "POST", "/v2/calls/extensive", map[string]any{"cursor": ext.Records.Cursor, "filter": map[string]any{"fromDateTime": testNow.AddDate(0, 0, -60).Format(time.RFC3339)}}},
		{"a users cursor on calls", "GET", "/v2/calls?" + nov + "&cursor=" + url.QueryEscape(users.Records.Cursor), nil},
		{"other users", "GET", "/v2/users?cursor=" + url.QueryEscape(users.Records.Cursor), nil},
	} {
		status, raw := l.call(tc.method, tc.path, tc.body)
		var e struct {
			RequestID string   `json:"requestId"`
			Errors    []string `json:"errors"`
		}
		if err := json.Unmarshal(raw, &e); status != http.StatusBadRequest || err != nil || e.RequestID == "" || len(e.Errors) == 0 {
			t.Errorf("%s: %d %.200s, want a 400 in Gong's error shape", tc.name, status, raw)
		}
	}
	// The answer's shape is not part of the binding: a cursor survives a
	// change of contentSelector.
	l.ok("POST", "/v2/calls/extensive", map[string]any{"cursor": ext.Records.Cursor, "filter": filter,
		"contentSelector": map[string]any{"exposedFields": map[string]any{"parties": true}}}, nil)
}

func TestStatsInCompanyTimeZone(t *testing.T) {
	t.Parallel()
	for _, tz := range []string{"", "Asia/Tokyo"} {
		l := newLive(t, Options{Small: true, TimeZone: tz})
		loc := l.s.loc
		want := tz
		if want == "" {
			want = "America/New_York"
		}
		// A call started late in the UTC day falls on the next day in
		// Tokyo and on the same day in New York.
		var c *Call
		for _, x := range l.s.Company().Calls {
			if x.Started.UTC().Hour() >= 16 && testNow.Sub(x.Started) > 48*time.Hour {
				c = x
			}
		}
		day := c.Started.In(loc).Format("2006-01-02")
		next := c.Started.In(loc).AddDate(0, 0, 1).Format("2006-01-02")
		var r struct {
			Users []struct {
				Daily []struct {
					CallsAsHost []string `json:"callsAsHost"`
					FromDate    string   `json:"fromDate"`
				} `json:"userDailyActivityStats"`
			} `json:"usersDetailedActivities"`
		}
		l.ok("POST", "/v2/stats/activity/day-by-day", map[string]any{"filter": map[string]any{"fromDate": day, "toDate": next, "userIds": []string{c.PrimaryUserID}}}, &r)
		if len(r.Users) != 1 || len(r.Users[0].Daily) != 1 {
			t.Fatalf("%s: day-by-day answer %+v", want, r)
		}
		d := r.Users[0].Daily[0]
		midnight, _ := time.ParseInLocation("2006-01-02", day, loc)
		if d.FromDate != midnight.Format(time.RFC3339) || strings.HasSuffix(d.FromDate, "Z") {
			t.Fatalf("%s: fromDate %s, want %s", want, d.FromDate, midnight.Format(time.RFC3339))
		}
		if !strings.Contains(strings.Join(d.CallsAsHost, ","), c.ID) {
			t.Fatalf("%s: call %s started %s is not on %s", want, c.ID, c.Started, day)
		}
		var agg struct {
			FromDateTime string `json:"fromDateTime"`
			TimeZone     string `json:"timeZone"`
		}
		l.ok("POST", "/v2/stats/activity/aggregate", map[string]any{"filter": map[string]any{"fromDate": day, "toDate": next}}, &agg)
		if agg.TimeZone != want || agg.FromDateTime != midnight.Format(time.RFC3339) {
			t.Fatalf("aggregate answers timeZone %q from %q, want %s from %s", agg.TimeZone, agg.FromDateTime, want, midnight.Format(time.RFC3339))
		}
	}
	if ValidTimeZone("Mars/Olympus") || !ValidTimeZone("Europe/Paris") {
		t.Fatal("ValidTimeZone")
	}
}

func TestSameSeedSameDaySameAnswers(t *testing.T) {
	t.Parallel()
	requests := func(l *live) [][]byte {
		var out [][]byte
		var page struct {
			Records recordsJSON `json:"records"`
			Calls   []listedCall
		}
		out = append(out, l.ok("GET", "/v2/users", nil, nil))
		out = append(out, l.ok("GET", "/v2/calls", nil, &page))
		out = append(out, l.ok("GET", "/v2/calls?cursor="+url.QueryEscape(page.Records.Cursor), nil, nil))
		ids := []string{page.Calls[0].ID, page.Calls[50].ID, page.Calls[99].ID}
		out = append(out, l.ok("POST", "/v2/calls/transcript", map[string]any{"filter": map[string]any{"callIds": ids}}, nil))
		out = append(out, l.ok("POST", "/v2/calls/extensive", map[string]any{"filter": map[string]any{"callIds": ids},
			"contentSelector": map[string]any{"context": "Extended", "exposedFields": map[string]any{"parties": true,
				"content": map[string]any{"brief": true, "trackers": true, "topics": true, "highlights": true}}}}, nil))
		from, to := lastFullQuarter(testNow, l.s.loc)
		out = append(out, l.ok("POST", "/v2/stats/activity/aggregate", map[string]any{"filter": map[string]any{"fromDate": from, "toDate": to}}, nil))
		return out
	}
	a := requests(newLive(t, Options{Seed: 7}))
	b := requests(newLive(t, Options{Seed: 7}))
	// A restart later the same day answers the same.
	c := requests(newLive(t, Options{Seed: 7, Now: func() time.Time { return testNow.Add(6 * time.Hour) }}))
	for i := range a {
		if !bytes.Equal(a[i], b[i]) || !bytes.Equal(a[i], c[i]) {
			t.Fatalf("answer %d differs between sandboxes of the same seed and day", i)
		}
	}
}

// TestMemoryStaysSmall lists every call of the realistic company and
// fetches 200 transcripts, then reads the process's resident set size
// from /proc/self/status after a collection that returns freed memory to
// the OS: the sandbox (and the test binary around it) must stay under
// 200 MB. Under the race detector, whose shadow memory multiplies RSS,
// it checks the Go heap in use instead, the same bound on what the
// sandbox itself holds.
func TestMemoryStaysSmall(t *testing.T) {
	l := newLive(t, Options{})
	calls := l.allCalls(testNow.AddDate(0, 0, -180), testNow)
	var ids []string
	for i := 0; i < 200; i++ {
		ids = append(ids, calls[i*len(calls)/200].ID)
	}
	if trs, _ := l.transcripts(ids); len(trs) != 200 {
		t.Fatalf("%d transcripts", len(trs))
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapMB := float64(ms.HeapInuse) / (1 << 20)
	rssMB, err := residentMB()
	t.Logf("after listing %d calls and fetching 200 transcripts: RSS %.0f MB (%v), heap in use %.0f MB", len(calls), rssMB, err, heapMB)
	if raceEnabled || err != nil {
		if heapMB >= 200 {
			t.Fatalf("heap in use %.0f MB, want under 200 MB", heapMB)
		}
		return
	}
	if rssMB >= 200 {
		t.Fatalf("RSS %.0f MB, want under 200 MB", rssMB)
	}
	runtime.KeepAlive(l.s)
}

// residentMB reads VmRSS from /proc/self/status (Linux).
func residentMB() (float64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024, err
		}
	}
	return 0, io.ErrUnexpectedEOF
}
