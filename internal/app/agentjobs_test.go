package app_test

// The three workflows of Gong's guide, run by the scripted agent
// (test/agent) on the true-to-life company through a real MCP client: it
// reads only tools/list and the answers. Expected values come from the
// sandbox — its company model, and its own API asked directly — never from
// Patchbay's code.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/test/agent"
)

// answerBudget is the default max_answer_bytes every answer stays within.
const answerBudget = 80_000

// maxWorkflowCalls is how many tool calls a workflow may take.
const maxWorkflowCalls = 6

func agentOn(t *testing.T, e *env, config map[string]any) *agent.Agent {
	t.Helper()
	srv := e.server(map[string]any{"config": config})
	ag, err := agent.New(context.Background(), e.connect(srv.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	ag.MaxCalls = maxWorkflowCalls
	if want := config["tool_exposure"] == "discovery"; ag.Discovery != want {
		t.Fatalf("the agent sees discovery mode %v, want %v", ag.Discovery, want)
	}
	return ag
}

func checkCost(t *testing.T, ag *agent.Agent) {
	t.Helper()
	t.Logf("cost: %d tool calls, %d answer bytes (largest %d), %d meta calls, tools/list %d bytes, %s",
		ag.Cost.Calls, ag.Cost.AnswerBytes, ag.Cost.Largest, ag.Cost.MetaCalls, ag.ListBytes, ag.Cost.Wall.Round(time.Millisecond))
	if ag.Cost.Calls > maxWorkflowCalls {
		t.Errorf("%d tool calls, want at most %d", ag.Cost.Calls, maxWorkflowCalls)
	}
	if ag.Cost.Largest > answerBudget {
		t.Errorf("an answer of %d bytes, over the budget of %d", ag.Cost.Largest, answerBudget)
	}
	if ag.Discovery && (ag.ListBytes > 4096 || ag.Cost.MetaCalls == 0) {
		t.Errorf("discovery mode: tools/list %d bytes (want at most 4 KB) and %d searches", ag.ListBytes, ag.Cost.MetaCalls)
	}
}

// turnLines are a text transcript's "[mm:ss] Name: words" lines.
func turnLines(text string) (speakers, words []string) {
	for _, l := range strings.Split(text, "\n") {
		if len(l) < 8 || l[0] != '[' || l[3] != ':' && l[4] != ':' {
			continue
		}
		_, rest, ok := strings.Cut(l, "] ")
		if !ok {
			continue
		}
		name, said, ok := strings.Cut(rest, ": ")
		if ok {
			speakers, words = append(speakers, name), append(words, said)
		}
	}
	return speakers, words
}

// externalCalls are the sandbox's calls with account acct in [from, to),
// newest (actual start) first.
func externalCalls(co *gongsandbox.Company, acct *gongsandbox.Account, from, to time.Time) []string {
	var calls []*gongsandbox.Call
	for _, c := range co.Calls {
		if c.AccountID == acct.CRMID && c.Scope == "External" && !c.Date().Before(from) && c.Date().Before(to) {
			calls = append(calls, c)
		}
	}
	slices.SortStableFunc(calls, func(a, b *gongsandbox.Call) int { return b.Started.Compare(a.Started) })
	var ids []string
	for _, c := range calls {
		ids = append(ids, c.ID)
	}
	return ids
}

func contactNames(acct *gongsandbox.Account) []string {
	var names []string
	for _, c := range acct.Contacts {
		names = append(names, c.FullName())
	}
	return names
}

func TestAgentLostDealPostMortem(t *testing.T) {
	e := newEnvWith(t, envOptions{realistic: true})
	co := e.sandbox.Company()
	now := time.Now().UTC()
	initechSaid := []string{"ninety thousand", "eleven years", "Acme Corp", "three year"}
	for _, tc := range []struct {
		name      string
		exposure  string
		target    agent.Target
		account   string
		wantLost  bool
		objection []string // the prospect's own words, at least three of which must come back
	}{
		{"Initech by account name", "all", agent.Target{Account: "Initech"}, "Initech", true, initechSaid},
		{"Initech by its people's email domain", "all", agent.Target{Domain: "initech.com"}, "Initech", true, initechSaid},
		{"another account", "all", agent.Target{Account: "Hooli"}, "Hooli", false, nil},
		{"Initech in discovery mode", "discovery", agent.Target{Account: "Initech"}, "Initech", true, initechSaid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ag := agentOn(t, e, map[string]any{"methods": []string{"read"}, "tool_exposure": tc.exposure})
			pm, err := ag.PostMortem(context.Background(), agent.Finders, tc.target, now, 30)
			if err != nil {
				t.Fatal(err)
			}
			checkCost(t, ag)
			acct := co.AccountByName(tc.account)
			want := externalCalls(co, acct, now.AddDate(0, 0, -30), now)
			var got []string
			for _, c := range pm.Calls {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("calls %v, want the sandbox's %v", got, want)
			}
			if pm.Account != tc.account {
				t.Errorf("account %q, want %q", pm.Account, tc.account)
			}
			if tc.wantLost && pm.Stage != "Closed Lost" {
				t.Errorf("deal %q at stage %q, want the lost deal", pm.Deal, pm.Stage)
			}
			var deal *gongsandbox.Deal
			for _, d := range acct.Deals {
				if d.Name == pm.Deal {
					deal = d
				}
			}
			if deal == nil || tc.wantLost && deal.Status != "Lost" {
				t.Fatalf("deal %q is not one of %s's (or not the lost one)", pm.Deal, tc.account)
			}
			// Nothing lost: the transcript of every call about the deal came
			// back, whatever the answer budget made of them.
			var wantDeal []string
			for _, id := range want {
				if co.Call(id).DealID == deal.CRMID {
					wantDeal = append(wantDeal, id)
				}
			}
			if len(pm.DealCalls) != len(wantDeal) || len(wantDeal) == 0 {
				t.Fatalf("%d calls about %s, want the sandbox's %d", len(pm.DealCalls), deal.Name, len(wantDeal))
			}
			for _, id := range wantDeal {
				if !strings.Contains(pm.Transcript, "Call "+id) {
					t.Fatalf("the transcripts lack call %s", id)
				}
			}
			// Every turn the agent read is the prospect's own, by name.
			speakers, words := turnLines(pm.Transcript)
			if len(speakers) == 0 {
				t.Fatalf("no speaker turn came back:\n%.2000s", pm.Transcript)
			}
			people := contactNames(acct)
			for _, s := range speakers {
				if !slices.ContainsFunc(people, func(p string) bool { return strings.HasPrefix(s, p) }) {
					t.Fatalf("a turn by %q, not one of %s's people %v", s, tc.account, people)
				}
			}
			all := strings.Join(words, "\n")
			raised := 0
			for _, o := range tc.objection {
				if strings.Contains(all, o) {
					raised++
				}
			}
			if len(tc.objection) > 0 && raised < 3 {
				t.Errorf("%d of the prospect's objections came back, want at least 3", raised)
			}
		})
	}
}

// sandboxActivity asks the sandbox itself for users' listens and comments.
func sandboxActivity(t *testing.T, e *env, from, to time.Time, ids []string) map[string][2]int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"filter": map[string]any{"fromDate": from.Format("2006-01-02"), "toDate": to.Format("2006-01-02"), "userIds": ids}})
	req, _ := http.NewRequest("POST", e.sbURL+"/v2/stats/activity/aggregate", bytes.NewReader(body))
	req.SetBasicAuth(e.sandbox.AccessKey(), e.sandbox.AccessKeySecret())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Stats []struct {
			UserID string `json:"userId"`
			Stats  struct {
				Listened int `json:"othersCallsListenedTo"`
				Comments int `json:"callsCommentsGiven"`
			} `json:"userAggregateActivityStats"`
		} `json:"usersAggregateActivityStats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("sandbox stats: %d %v", resp.StatusCode, err)
	}
	m := map[string][2]int{}
	for _, s := range out.Stats {
		m[s.UserID] = [2]int{s.Stats.Listened, s.Stats.Comments}
	}
	return m
}

func TestAgentActivityAudit(t *testing.T) {
	e := newEnvWith(t, envOptions{realistic: true})
	co := e.sandbox.Company()
	loc, _ := time.LoadLocation(co.TimeZone)
	now := time.Now().In(loc)
	lastFrom, lastTo := agent.LastFullQuarter(now)
	for _, tc := range []struct {
		name, exposure string
		from, to       time.Time
	}{
		{"last full quarter", "all", lastFrom, lastTo},
		{"the quarter before", "all", lastFrom.AddDate(0, -3, 0), lastFrom},
		{"last full quarter in discovery mode", "discovery", lastFrom, lastTo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ag := agentOn(t, e, map[string]any{"methods": []string{"read"}, "tool_exposure": tc.exposure})
			au, err := ag.Audit(context.Background(), agent.Finders, "Account Executive", tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			checkCost(t, ag)
			var wantIDs []string
			name := map[string]string{}
			for _, u := range co.Users {
				if u.Active && u.Role == "ae" {
					wantIDs = append(wantIDs, u.ID)
					name[u.ID] = u.FullName()
				}
			}
			var gotIDs []string
			for _, r := range au.Reps {
				gotIDs = append(gotIDs, r.ID)
			}
			slices.Sort(gotIDs)
			slices.Sort(wantIDs)
			if !slices.Equal(gotIDs, wantIDs) {
				t.Fatalf("audited %d reps, want the %d active account executives", len(gotIDs), len(wantIDs))
			}
			truth := sandboxActivity(t, e, tc.from, tc.to, wantIDs)
			var noListen, noComment []string
			for _, id := range wantIDs {
				if truth[id][0] == 0 {
					noListen = append(noListen, name[id])
				}
				if truth[id][1] == 0 {
					noComment = append(noComment, name[id])
				}
			}
			slices.Sort(noListen)
			slices.Sort(noComment)
			gotNoListen, gotNoComment := slices.Sorted(slices.Values(au.NoListens)), slices.Sorted(slices.Values(au.NoComment))
			if !slices.Equal(gotNoListen, noListen) || !slices.Equal(gotNoComment, noComment) {
				t.Fatalf("zero listens %v and zero comments %v, want %v and %v", gotNoListen, gotNoComment, noListen, noComment)
			}
			if len(noListen) < 3 || len(noComment) < 2 {
				t.Fatalf("the sandbox has %d reps with no listens and %d with no comments: the story is missing", len(noListen), len(noComment))
			}
		})
	}
}

func TestAgentDealBriefing(t *testing.T) {
	e := newEnvWith(t, envOptions{realistic: true})
	co := e.sandbox.Company()
	now := time.Now().UTC()
	for _, tc := range []struct {
		name, exposure, deal, template string
	}{
		{"Pied Piper renewal", "all", "Pied Piper - Renewal", "Deal Brief"},
		{"Stark Industries with the Executive Summary", "all", "Stark Industries", "Executive Summary"},
		{"Pied Piper renewal in discovery mode", "discovery", "Pied Piper - Renewal", "Deal Brief"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ag := agentOn(t, e, map[string]any{"methods": []string{"read"}, "tool_exposure": tc.exposure})
			b, err := ag.Briefing(context.Background(), agent.Finders, tc.deal, tc.template, now, 10)
			if err != nil {
				t.Fatal(err)
			}
			checkCost(t, ag)
			var deal *gongsandbox.Deal
			for _, d := range co.Deals {
				if strings.Contains(d.Name, tc.deal) && (deal == nil || d.Status == "Open") {
					deal = d
				}
			}
			if b.DealID != deal.CRMID {
				t.Fatalf("deal %s (%s), want %s (%s)", b.DealID, b.Deal, deal.CRMID, deal.Name)
			}
			var latest *gongsandbox.Call
			for _, c := range co.Calls {
				if c.DealID == deal.CRMID && c.Date().Before(now) {
					latest = c
				}
			}
			if b.Latest.ID != latest.ID {
				t.Fatalf("latest call %s, want %s", b.Latest.ID, latest.ID)
			}
			if !strings.Contains(b.Brief, tc.template) && !strings.Contains(b.Brief, "brief") {
				t.Errorf("the brief answer does not look like a brief:\n%.500s", b.Brief)
			}
			// The final ten minutes: every turn within them, up to the end.
			var stamps []int
			for _, l := range strings.Split(b.Final, "\n") {
				var m, s int
				if _, err := fmt.Sscanf(l, "[%d:%d]", &m, &s); err == nil {
					stamps = append(stamps, m*60+s)
				}
			}
			if len(stamps) < 5 {
				t.Fatalf("the final minutes hold %d turns:\n%s", len(stamps), b.Final)
			}
			if first, last := stamps[0], stamps[len(stamps)-1]; first < latest.Duration-11*60 || last < latest.Duration-3*60 {
				t.Fatalf("turns from %d s to %d s of a %d s call, want the final ten minutes", first, last, latest.Duration)
			}
		})
	}
}
