package app_test

// The three workflows teams run first, each driven the way an agent would:
// through a real MCP client, paging with next_cursor, chaining ids from one
// tool into the next. Expected values come from the sandbox's own model of
// its synthetic company, never from Patchbay's code.

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
)

func findCall(calls []*gongsandbox.Call, id string) *gongsandbox.Call {
	for _, c := range calls {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// pages calls a list tool until next_cursor runs out.
func pages(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i := 0; ; i++ {
		if i > 50 {
			t.Fatalf("%s: more than 50 pages", tool)
		}
		got, isErr := call(t, cs, tool, args)
		if isErr {
			t.Fatalf("%s: %v", tool, got)
		}
		if got["truncated"] != nil {
			t.Fatalf("%s: the answer was cut (%v); ask for less", tool, got["truncated"])
		}
		for _, x := range got["result"].([]any) {
			out = append(out, x.(map[string]any))
		}
		next, _ := got["next_cursor"].(string)
		if next == "" {
			return out
		}
		args = cloneArgs(args)
		args["next_cursor"] = next
	}
}

func cloneArgs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// crmNames reads the CRM account and opportunity of an extensive call.
func crmNames(c map[string]any) (account, dealID string) {
	for _, sys := range asList(c["context"]) {
		for _, o := range asList(sys.(map[string]any)["objects"]) {
			om := o.(map[string]any)
			switch om["objectType"] {
			case "Account":
				for _, f := range asList(om["fields"]) {
					if fm := f.(map[string]any); fm["name"] == "Name" {
						account = fmt.Sprint(fm["value"])
					}
				}
			case "Opportunity":
				dealID = fmt.Sprint(om["objectId"])
			}
		}
	}
	return account, dealID
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func TestWorkflowLostDealPostMortem(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{"config": map[string]any{"methods": []string{"read"}}}).URL, nil)
	now := time.Now().UTC()
	from := now.AddDate(0, 0, -30)

	// 1. Calls with the Initech account in the last 30 days: first the CRM
	// context of every call, then the participants of just those calls
	// (asking for both at once over 30 days is more than one answer holds).
	calls := pages(t, cs, "list_all_gong_calls_extensive", map[string]any{
		"fromDateTime": from.Format(time.RFC3339), "toDateTime": now.Format(time.RFC3339), "context": "Extended",
	})
	var ids []any
	for _, c := range calls {
		if account, _ := crmNames(c); account == "Initech" {
			ids = append(ids, c["metaData"].(map[string]any)["id"].(string))
		}
	}
	external := map[string]map[string]bool{} // call id -> external speaker ids
	for _, c := range pages(t, cs, "list_all_gong_calls_extensive", map[string]any{"callIds": ids, "parties": true}) {
		id := c["metaData"].(map[string]any)["id"].(string)
		external[id] = map[string]bool{}
		for _, p := range asList(c["parties"]) {
			pm := p.(map[string]any)
			if pm["affiliation"] == "External" && pm["speakerId"] != nil {
				external[id][pm["speakerId"].(string)] = true
			}
		}
	}
	co := e.sandbox.Company()
	initech := co.AccountByName("Initech")
	want := map[string][]string{} // call id -> objection sentences, from the model
	for _, c := range co.Calls {
		if c.AccountID == initech.CRMID && !c.Date().Before(from) && c.Date().Before(now) {
			want[c.ID] = nil
			for _, o := range c.Content(co).Objections {
				want[c.ID] = append(want[c.ID], o.Text)
			}
		}
	}
	if len(ids) == 0 || len(ids) != len(want) {
		t.Fatalf("found %d Initech calls, the sandbox has %d", len(ids), len(want))
	}

	// 2. Their transcripts, and 3. every sentence the prospect said.
	// Real-sized transcripts: a few calls per request fit one answer.
	var transcripts []map[string]any
	for i := 0; i < len(ids); i += 2 {
		transcripts = append(transcripts, pages(t, cs, "create_a_gong_calls_transcript", map[string]any{"callIds": ids[i:min(i+2, len(ids))]})...)
	}
	prospectSaid := map[string]map[string]bool{}
	for _, tr := range transcripts {
		id := tr["callId"].(string)
		prospectSaid[id] = map[string]bool{}
		for _, m := range asList(tr["transcript"]) {
			mm := m.(map[string]any)
			if !external[id][fmt.Sprint(mm["speakerId"])] {
				continue
			}
			for _, s := range asList(mm["sentences"]) {
				prospectSaid[id][s.(map[string]any)["text"].(string)] = true
			}
		}
	}
	objections := 0
	for id, lines := range want {
		for _, line := range lines {
			objections++
			if !prospectSaid[id][line] {
				t.Errorf("call %s: the prospect's objection %q was not found in the transcript", id, line)
			}
		}
	}
	if objections == 0 {
		t.Fatal("the sandbox's recent Initech calls raise no objection: nothing was tested")
	}
	t.Logf("post-mortem: %d Initech calls, %d objections found", len(ids), objections)
}

func TestWorkflowActivityAudit(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{"config": map[string]any{"tags": []string{"users", "analytics"}}}).URL, nil)
	users := pages(t, cs, "list_all_gong_users", map[string]any{})
	known := map[string]bool{}
	for _, u := range users {
		known[u["id"].(string)] = true
	}

	// Last full quarter, in dates; the range must end before today.
	now := time.Now().UTC()
	qStart := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	from, to := qStart.AddDate(0, -3, 0).Format("2006-01-02"), qStart.Format("2006-01-02")
	agg := pages(t, cs, "create_a_gong_activity_aggregate_by_period", map[string]any{"fromDate": from, "toDate": to, "aggregationPeriod": "QUARTER"})
	var flagged, fine []string
	for _, u := range agg {
		id := u["userId"].(string)
		if !known[id] {
			t.Errorf("activity for unknown user %s", id)
		}
		var listens, comments int64
		for _, p := range asList(u["userAggregateActivity"]) {
			pm := p.(map[string]any)
			listens += num(pm["ownCallsListenedTo"]) + num(pm["othersCallsListenedTo"])
			comments += num(pm["callsCommentsGiven"])
		}
		if listens == 0 || comments == 0 {
			flagged = append(flagged, id)
		} else {
			fine = append(fine, id)
		}
	}
	if len(flagged) == 0 || len(fine) == 0 {
		t.Fatalf("flagged %d of %d reps: the audit must separate some from others", len(flagged), len(agg))
	}
	// Cross-check the flags with the day-by-day detail of the same quarter.
	// A quarter of daily detail is large: ask for a few users at a time.
	var daily []map[string]any
	for i := 0; i < len(flagged); i += 4 {
		batch := flagged[i:min(i+4, len(flagged))]
		daily = append(daily, pages(t, cs, "list_all_gong_activity_day_by_day", map[string]any{"fromDate": from, "toDate": to, "userIds": toAny(batch)})...)
	}
	if len(daily) != len(flagged) {
		t.Errorf("day-by-day detail for %d of %d flagged users", len(daily), len(flagged))
	}
	for _, u := range daily {
		var listened, commented int
		for _, d := range asList(u["userDailyActivityStats"]) {
			dm := d.(map[string]any)
			listened += len(asList(dm["ownCallsListenedTo"])) + len(asList(dm["othersCallsListenedTo"]))
			commented += len(asList(dm["callsCommentsGiven"]))
		}
		if listened != 0 && commented != 0 {
			t.Errorf("user %s was flagged, but day by day they listened %d and commented %d times", u["userId"], listened, commented)
		}
	}
	sort.Strings(flagged)
	t.Logf("activity audit %s..%s: %d reps flagged of %d", from, to, len(flagged), len(agg))
}

func num(v any) int64 {
	var n int64
	fmt.Sscan(fmt.Sprint(v), &n)
	return n
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestWorkflowExecutiveBriefing(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	now := time.Now().UTC()

	// The most recent Pied Piper call, and its deal, from the CRM context.
	calls := pages(t, cs, "list_all_gong_calls_extensive", map[string]any{
		"fromDateTime": now.AddDate(0, 0, -90).Format(time.RFC3339), "toDateTime": now.Format(time.RFC3339), "context": "Extended",
	})
	var latest map[string]any
	var dealID string
	for _, c := range calls {
		account, deal := crmNames(c)
		if account != "Pied Piper" || deal == "" {
			continue
		}
		if latest == nil || c["metaData"].(map[string]any)["started"].(string) > latest["metaData"].(map[string]any)["started"].(string) {
			latest, dealID = c, deal
		}
	}
	if latest == nil {
		t.Fatal("no Pied Piper call with a deal in the last 90 days")
	}
	meta := latest["metaData"].(map[string]any)
	callID := meta["id"].(string)
	co := e.sandbox.Company()
	var wantLatest string
	for _, c := range co.Calls {
		if c.AccountID == co.AccountByName("Pied Piper").CRMID && c.Date().Before(now) && (wantLatest == "" || c.Date().After(findCall(co.Calls, wantLatest).Date())) {
			wantLatest = c.ID
		}
	}
	if callID != wantLatest {
		t.Errorf("most recent Pied Piper call: found %s, the sandbox says %s", callID, wantLatest)
	}

	// The brief for that deal, with a published brief of the call's workspace.
	briefs, isErr := call(t, cs, "list_all_gong_briefs", map[string]any{"workspaceId": meta["workspaceId"]})
	if isErr {
		t.Fatalf("briefs: %v", briefs)
	}
	var briefName string
	for _, b := range briefList(briefs) {
		// As an agent would: a published brief that says it is about deals.
		about := strings.ToLower(fmt.Sprint(b["briefName"], " ", b["description"]))
		if b["status"] == "Published" && (strings.Contains(about, "deal") || strings.Contains(about, "opportunit")) {
			briefName = b["briefName"].(string)
			break
		}
	}
	if briefName == "" {
		t.Fatal("no published brief in the workspace")
	}
	brief, isErr := call(t, cs, "list_all_gong_entities_get_briefs", map[string]any{
		"workspaceId": meta["workspaceId"], "briefName": briefName, "crmEntityType": "DEAL", "crmEntityId": dealID, "timePeriod": "LAST_90DAYS",
	})
	if isErr || len(asList(brief["briefSections"])) == 0 {
		t.Fatalf("brief: %v", brief)
	}

	// The final 10 minutes of that call's transcript.
	tr, isErr := call(t, cs, "create_a_gong_calls_transcript", map[string]any{"callIds": []any{callID}})
	if isErr {
		t.Fatalf("transcript: %v", tr)
	}
	durationMS := num(meta["duration"]) * 1000
	cut := durationMS - 10*60*1000
	var lastTen []string
	for _, m := range asList(asList(tr["result"])[0].(map[string]any)["transcript"]) {
		for _, s := range asList(m.(map[string]any)["sentences"]) {
			sm := s.(map[string]any)
			if num(sm["start"]) >= cut {
				lastTen = append(lastTen, sm["text"].(string))
			}
		}
	}
	var want []string
	c := findCall(co.Calls, callID)
	for _, m := range c.Content(co).Transcript {
		for _, s := range m.Sentences {
			if s.Start >= cut {
				want = append(want, s.Text)
			}
		}
	}
	if len(lastTen) == 0 || strings.Join(lastTen, "\n") != strings.Join(want, "\n") {
		t.Errorf("final 10 minutes: got %d sentences, the sandbox has %d", len(lastTen), len(want))
	}
	t.Logf("briefing: deal %s, brief %q with %d sections, call %s, %d sentences in its last 10 minutes", dealID, briefName, len(asList(brief["briefSections"])), callID, len(lastTen))
}

func briefList(v map[string]any) []map[string]any {
	raw := asList(v["result"])
	if raw == nil {
		raw = asList(v["briefs"])
	}
	var out []map[string]any
	for _, b := range raw {
		out = append(out, b.(map[string]any))
	}
	return out
}
