package gong

import (
	"strings"
	"testing"
	"time"
)

func statsBody(from, to time.Time, extra map[string]any) map[string]any {
	b := map[string]any{"filter": map[string]any{"fromDate": from.Format("2006-01-02"), "toDate": to.Format("2006-01-02")}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// Aggregates, period aggregates and day-by-day lists are three views of
// the same activity: the numbers must agree.
func TestActivityStatsAgree(t *testing.T) {
	h := newHarness(t, Options{})
	today := localMidnight(testNow, h.s.loc)
	from := today.AddDate(0, 0, -90)
	agg := h.must(200, h.do("POST", "/v2/stats/activity/aggregate", statsBody(from, today, nil)))
	daily := h.must(200, h.do("POST", "/v2/stats/activity/day-by-day", statsBody(from, today, nil)))
	period := h.must(200, h.do("POST", "/v2/stats/activity/aggregate-by-period", statsBody(from, today, map[string]any{"aggregationPeriod": "WEEK"})))

	sums := map[string]map[string]int64{}
	for _, u := range list(daily.body, "usersDetailedActivities") {
		days := list(u, "userDailyActivityStats")
		if len(days) != 90 {
			t.Fatalf("%d daily entries for a 90-day range", len(days))
		}
		m := map[string]int64{}
		for _, d := range days {
			for _, k := range activityKinds {
				xs, _ := d[string(k)].([]any)
				m[string(k)] += int64(len(xs))
			}
		}
		sums[str(u["userId"])] = m
	}
	periodSums := map[string]map[string]int64{}
	for _, u := range list(period.body, "usersAggregateActivity") {
		m := map[string]int64{}
		for _, p := range list(u, "userAggregateActivity") {
			for _, k := range activityKinds {
				m[string(k)] += num(p[string(k)])
			}
		}
		periodSums[str(u["userId"])] = m
	}
	users := list(agg.body, "usersAggregateActivityStats")
	if len(users) < 45 {
		t.Fatalf("%d users in the aggregate", len(users))
	}
	total := int64(0)
	quiet := 0
	for _, u := range users {
		id := str(u["userId"])
		st := obj(u["userAggregateActivityStats"])
		for _, k := range activityKinds {
			v := num(st[string(k)])
			total += v
			if v != sums[id][string(k)] || v != periodSums[id][string(k)] {
				t.Fatalf("user %s %s: aggregate %d, daily sum %d, period sum %d", id, k, v, sums[id][string(k)], periodSums[id][string(k)])
			}
		}
		if num(st["callsAsHost"]) > 0 && num(st["ownCallsListenedTo"])+num(st["othersCallsListenedTo"])+num(st["callsCommentsGiven"]) == 0 {
			quiet++
		}
	}
	if total == 0 {
		t.Fatal("no activity at all")
	}
	if quiet == 0 {
		t.Fatal("no active rep with zero listens and comments in the last quarter")
	}
	// Hosted calls match the calls listing.
	hosted := map[string]int64{}
	for _, c := range h.s.Company().Calls {
		if !c.Started.Before(from) && c.Started.Before(today) {
			hosted[c.PrimaryUserID]++
		}
	}
	for _, u := range users {
		if got := num(obj(u["userAggregateActivityStats"])["callsAsHost"]); got != hosted[str(u["userId"])] {
			t.Fatalf("user %v callsAsHost %d, calls listing says %d", u["userId"], got, hosted[str(u["userId"])])
		}
	}
}

func TestStatsRefuseToday(t *testing.T) {
	h := newHarness(t, Options{})
	today := testNow.Truncate(24 * time.Hour)
	for _, p := range []string{"/v2/stats/activity/aggregate", "/v2/stats/activity/day-by-day", "/v2/stats/interaction"} {
		r := h.must(400, h.do("POST", p, statsBody(today.AddDate(0, 0, -7), today.AddDate(0, 0, 1), nil)))
		if e := r.errors(); len(e) != 1 || e[0] != "The date(s) should not exceed the current day." {
			t.Fatalf("%s: %v", p, e)
		}
		h.must(200, h.do("POST", p, statsBody(today.AddDate(0, 0, -7), today, nil)))
	}
	r := h.must(400, h.do("POST", "/v2/stats/activity/aggregate-by-period", statsBody(today.AddDate(0, 0, -7), today.AddDate(0, 0, 1), map[string]any{"aggregationPeriod": "DAY"})))
	if r.errors()[0] != "The date(s) should not exceed the current day." {
		t.Fatal(r.errors())
	}
}

func TestBriefs(t *testing.T) {
	h := newHarness(t, Options{Credits: 2})
	co := h.s.Company()
	sales := co.Workspaces[0].ID
	listed := h.must(200, h.do("GET", "/v2/settings/briefs?workspaceId="+sales, nil))
	published := map[string]bool{}
	for _, b := range list(listed.body, "briefs") {
		if b["status"] == "Published" {
			published[str(b["briefName"])] = true
		}
	}
	if !published["Account Brief"] || !published["Deal Brief"] {
		t.Fatalf("published briefs: %v", published)
	}
	initech := co.AccountByName("Initech")
	q := "/v2/entities/get-brief?workspaceId=" + sales + "&briefName=Account%20Brief&crmEntityType=ACCOUNT&crmEntityId=" + initech.CRMID + "&timePeriod=LAST_30DAYS"
	r := h.must(200, h.do("GET", q, nil))
	if num(r.body["numOfCallsSearched"]) == 0 {
		t.Fatal("Initech brief searched no calls in the last 30 days")
	}
	secs := list(r.body, "briefSections")
	if len(secs) < 3 {
		t.Fatalf("%d sections", len(secs))
	}
	// Every call a brief cites belongs to the account.
	for _, s := range secs {
		for _, f := range list(obj(s["conversationFindings"]), "callFindings") {
			id := str(obj(f["call"])["id"])
			if c := co.Call(id); c == nil || c.AccountID != initech.CRMID {
				t.Fatalf("brief cites call %s which is not an Initech call", id)
			}
		}
	}
	deal := initech.Deals[0]
	h.must(200, h.do("GET", "/v2/entities/get-brief?workspaceId="+sales+"&briefName=Deal%20Brief&crmEntityType=DEAL&crmEntityId="+deal.CRMID+"&timePeriod=ALL_CONVERSATIONS", nil))
	// Two credits spent: the next brief needs payment.
	h.must(402, h.do("GET", q, nil))
	h.must(404, h.do("GET", "/v2/entities/get-brief?workspaceId="+sales+"&briefName=Nope&crmEntityType=ACCOUNT&crmEntityId="+initech.CRMID+"&timePeriod=LAST_30DAYS", nil))
	h.must(400, h.do("GET", "/v2/entities/get-brief?workspaceId="+sales+"&briefName=Account%20Brief", nil))
}

func TestNoCreditsMeans402(t *testing.T) {
	h := newHarness(t, Options{Credits: -1})
	co := h.s.Company()
	a := co.AccountByName("Hooli")
	r := h.must(402, h.do("GET", "/v2/entities/ask-entity?workspaceId="+co.Workspaces[0].ID+"&crmEntityType=ACCOUNT&crmEntityId="+a.CRMID+"&timePeriod=ALL_CONVERSATIONS&question=who+are+the+competitors", nil))
	if len(r.errors()) == 0 {
		t.Fatal("402 without errors")
	}
}

func TestAskEntityAnswersFromCalls(t *testing.T) {
	h := newHarness(t, Options{})
	co := h.s.Company()
	a := co.AccountByName("Pied Piper")
	r := h.must(200, h.do("GET", "/v2/entities/ask-entity?workspaceId="+co.Workspaces[0].ID+"&crmEntityType=ACCOUNT&crmEntityId="+a.CRMID+"&timePeriod=ALL_CONVERSATIONS&question=Which+competitors+came+up%3F", nil))
	found := false
	for _, s := range list(r.body, "answer") {
		items, _ := s["answerItems"].([]any)
		for _, it := range items {
			if strings.Contains(str(it), "Acme Corp") {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("answer does not mention Acme Corp: %s", r.raw)
	}
}
