package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// sandboxTranscriptIDs pages the sandbox's own transcript endpoint over a
// range: the calls an agent paging Patchbay must get, each once.
func (e *env) sandboxTranscriptIDs(from, to string) (ids []string, pages int) {
	e.t.Helper()
	body := map[string]any{"filter": map[string]any{"fromDateTime": from, "toDateTime": to}}
	for {
		page := e.sandboxDo("POST", "/v2/calls/transcript", body)
		pages++
		for _, tr := range page["callTranscripts"].([]any) {
			ids = append(ids, tr.(map[string]any)["callId"].(string))
		}
		rec, _ := page["records"].(map[string]any)
		next, _ := rec["cursor"].(string)
		if next == "" || pages > 20 {
			return ids, pages
		}
		body["cursor"] = next
	}
}

// A transcript range spanning several upstream pages, paged through
// Patchbay with a small answer budget, returns every call exactly once, in
// JSON and in text, and no answer is larger than the budget: items cut by
// the budget are reached by the cursor, even inside one upstream page.
func TestPagingWithinTheAnswerBudgetLosesNothing(t *testing.T) {
	e := newEnv(t)
	const budget = 12_000
	srv := e.server(map[string]any{"config": map[string]any{"max_answer_bytes": budget}})
	cs := e.connect(srv.URL, nil)

	// The shortest range ending now that spans more than one upstream page.
	now := time.Now().UTC().Truncate(time.Second)
	var from, to string
	var want []string
	var pages int
	for days := 7; days <= 720 && pages < 2; days *= 2 {
		from, to = now.AddDate(0, 0, -days).Format(time.RFC3339), now.Format(time.RFC3339)
		want, pages = e.sandboxTranscriptIDs(from, to)
	}
	if pages < 2 {
		t.Fatalf("no range spans two upstream pages (%d calls)", len(want))
	}
	// last_minutes keeps each transcript small, so that many fit an answer
	// and the budget cuts inside upstream pages.
	args := map[string]any{"fromDateTime": from, "toDateTime": to, "last_minutes": 1}
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			a := map[string]any{}
			for k, v := range args {
				a[k] = v
			}
			if format == "text" {
				a["format"] = "text"
			}
			seen := map[string]int{}
			var got []string
			answers, cutInsidePage := 0, false
			for {
				res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "create_a_gong_calls_transcript", Arguments: a})
				if err != nil || res.IsError {
					t.Fatalf("answer %d: %v %v", answers+1, err, res)
				}
				text := textOf(t, res)
				answers++
				if len(text) > budget {
					t.Errorf("answer %d is %d bytes, over the budget of %d", answers, len(text), budget)
				}
				ids, next, cut := readTranscriptAnswer(t, format, text)
				cutInsidePage = cutInsidePage || cut
				for _, id := range ids {
					seen[id]++
					got = append(got, id)
				}
				if next == "" || answers > 200 {
					break
				}
				a["next_cursor"] = next
			}
			if !cutInsidePage {
				t.Error("the budget never cut inside an upstream page: the test proves nothing")
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("call %s returned %d times", id, n)
				}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%d calls over %d answers; the sandbox lists %d over %d pages\ngot  %v\nwant %v", len(got), answers, len(want), pages, got, want)
			}
			t.Logf("%s: %d calls over %d upstream pages in %d answers of at most %d bytes", format, len(got), pages, answers, budget)
		})
	}
}

var callHeader = regexp.MustCompile(`(?m)^Call (\d+)`)

// readTranscriptAnswer reads one answer's call ids, its cursor and whether
// the budget cut it (a Patchbay cursor rather than the vendor's).
func readTranscriptAnswer(t *testing.T, format, text string) (ids []string, next string, cut bool) {
	t.Helper()
	if format == "text" {
		for _, m := range callHeader.FindAllStringSubmatch(text, -1) {
			ids = append(ids, m[1])
		}
		if i := strings.LastIndex(text, "\nnext_cursor: "); i >= 0 {
			next, _, _ = strings.Cut(text[i+len("\nnext_cursor: "):], "\n")
		}
		return ids, next, strings.Contains(text, "left out, whole")
	}
	var ans struct {
		NextCursor *string `json:"next_cursor"`
		Result     []struct {
			CallID string `json:"callId"`
		} `json:"result"`
		Budget *struct {
			Returned        int `json:"returned"`
			RemainingOnPage int `json:"remaining_on_page"`
		} `json:"answer_budget"`
	}
	if err := json.Unmarshal([]byte(text), &ans); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	for _, r := range ans.Result {
		ids = append(ids, r.CallID)
	}
	if ans.NextCursor != nil {
		next = *ans.NextCursor
	}
	if ans.Budget != nil && ans.Budget.Returned != len(ans.Result) {
		t.Errorf("the note says %d returned, the answer has %d", ans.Budget.Returned, len(ans.Result))
	}
	return ids, next, ans.Budget != nil && ans.Budget.RemainingOnPage > 0
}

// max_answer_bytes: the default, the bounds, and PATCH keeping it when
// the config it sends does not name it.
func TestMaxAnswerBytesConfig(t *testing.T) {
	e := newEnv(t)
	type out struct {
		created
		Config struct {
			MaxAnswerBytes int `json:"max_answer_bytes"`
		} `json:"config"`
	}
	var def out
	e.mustAPI("POST", "/integrated-account/"+e.account+"/mcp", map[string]any{"name": "default"}, http.StatusCreated, &def)
	if def.Config.MaxAnswerBytes != 80_000 {
		t.Errorf("default max_answer_bytes %d, want 80000", def.Config.MaxAnswerBytes)
	}
	for _, bad := range []any{7_999, 200_001, 0, -1, "big", 1.5} {
		status, body := e.api("POST", "/integrated-account/"+e.account+"/mcp", map[string]any{"name": "bad", "config": map[string]any{"max_answer_bytes": bad}})
		var eb struct{ Error, Message string }
		if status != http.StatusBadRequest || json.Unmarshal(body, &eb) != nil || eb.Error == "" || eb.Message == "" {
			t.Errorf("max_answer_bytes %v: %d %s; want 400 {error, message}", bad, status, body)
		}
		status, body = e.api("PATCH", "/integrated-account/"+e.account+"/mcp/"+def.ID, map[string]any{"config": map[string]any{"max_answer_bytes": bad}})
		if status != http.StatusBadRequest {
			t.Errorf("PATCH max_answer_bytes %v: %d %s; want 400", bad, status, body)
		}
	}
	var got out
	e.mustAPI("PATCH", "/integrated-account/"+e.account+"/mcp/"+def.ID, map[string]any{"config": map[string]any{"max_answer_bytes": 8_000}}, http.StatusOK, &got)
	if got.Config.MaxAnswerBytes != 8_000 {
		t.Errorf("PATCH to 8000 answered %d", got.Config.MaxAnswerBytes)
	}
	e.mustAPI("PATCH", "/integrated-account/"+e.account+"/mcp/"+def.ID, map[string]any{"config": map[string]any{"methods": []string{"read"}}}, http.StatusOK, &got)
	if got.Config.MaxAnswerBytes != 8_000 {
		t.Errorf("a PATCH of other config keys changed max_answer_bytes to %d", got.Config.MaxAnswerBytes)
	}
	e.mustAPI("GET", "/integrated-account/"+e.account+"/mcp/"+def.ID, nil, http.StatusOK, &got)
	if got.Config.MaxAnswerBytes != 8_000 {
		t.Errorf("GET says %d after the PATCHes", got.Config.MaxAnswerBytes)
	}
	// And the MCP server answers within it.
	var created out
	e.mustAPI("POST", "/integrated-account/"+e.account+"/mcp", map[string]any{"name": "small", "config": map[string]any{"max_answer_bytes": 8_000}}, http.StatusCreated, &created)
	cs := e.connect(created.URL, nil)
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "list_all_gong_calls", Arguments: rangeArgs(90)})
	if err != nil || res.IsError {
		t.Fatalf("list calls: %v %v", err, res)
	}
	if text := textOf(t, res); len(text) > 8_000 || !strings.Contains(text, `"answer_budget"`) {
		t.Errorf("a 90-day call list is %d bytes under an 8000-byte budget (note present: %v)", len(text), strings.Contains(text, `"answer_budget"`))
	}
}

// The list envelope keeps what an agent plans with: Gong's total across
// pages, and for stats the time zone and the date range Gong used.
func TestListEnvelopeKeepsTotalAndStatsRange(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	args := rangeArgs(90)
	calls, isErr := call(t, cs, "list_all_gong_calls", args)
	direct := e.sandboxDo("GET", "/v2/calls?fromDateTime="+url.QueryEscape(args["fromDateTime"].(string))+"&toDateTime="+url.QueryEscape(args["toDateTime"].(string)), nil)
	want := direct["records"].(map[string]any)["totalRecords"]
	if isErr || calls["total"] == nil || calls["total"] != want {
		t.Errorf("list_all_gong_calls total %v, the sandbox's totalRecords %v", calls["total"], want)
	}
	today := time.Now().UTC()
	stats, isErr := call(t, cs, "list_all_gong_activity_aggregate", map[string]any{"fromDate": today.AddDate(0, 0, -30).Format(time.DateOnly), "toDate": today.Format(time.DateOnly)})
	if isErr || stats["timeZone"] != e.sandbox.Company().TimeZone || stats["fromDateTime"] == nil || stats["toDateTime"] == nil {
		t.Errorf("stats answer lacks its time zone (want %s) or range: timeZone %v from %v to %v", e.sandbox.Company().TimeZone, stats["timeZone"], stats["fromDateTime"], stats["toDateTime"])
	}
}
