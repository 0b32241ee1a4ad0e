package gong

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"
)

const dateOnly = "2006-01-02"

type statsFilter struct {
	FromDate            string   `json:"fromDate"`
	ToDate              string   `json:"toDate"`
	CreatedFromDateTime string   `json:"createdFromDateTime"`
	CreatedToDateTime   string   `json:"createdToDateTime"`
	UserIDs             []string `json:"userIds"`
}

type statsRequest struct {
	Cursor            string       `json:"cursor"`
	Filter            *statsFilter `json:"filter"`
	AggregationPeriod string       `json:"aggregationPeriod"`
}

// statsQuery is a validated stats request: a day range [from, to) in the
// company time zone and the users it covers.
type statsQuery struct {
	from, to time.Time
	users    []*User
	cursor   string
}

// statsPage validates a stats request and cuts the page of users it
// answers for; kind names the cursor space.
func (x *exchange) statsPage(req *statsRequest, kind string) (q *statsQuery, users []*User, rec Records, ok bool) {
	if q, ok = x.statsQuery(req); !ok {
		return nil, nil, rec, false
	}
	from, to, rec, ok := x.page(kind, q.cursor, len(q.users))
	if !ok {
		return nil, nil, rec, false
	}
	return q, q.users[from:to], rec, true
}

// statsRequest reads and validates the common stats body. Gong refuses
// ranges that reach into today: toDate is exclusive and may be today at
// most.
func (x *exchange) statsQuery(req *statsRequest) (*statsQuery, bool) {
	f := req.Filter
	if f == nil {
		x.fail(http.StatusBadRequest, "filter is required")
		return nil, false
	}
	if f.FromDate == "" || f.ToDate == "" {
		x.fail(http.StatusBadRequest, "filter.fromDate and filter.toDate are required (YYYY-MM-DD)")
		return nil, false
	}
	// Dates are days in the company time zone, as on Gong.
	loc := x.s.loc
	from, err1 := time.ParseInLocation(dateOnly, f.FromDate, loc)
	to, err2 := time.ParseInLocation(dateOnly, f.ToDate, loc)
	if err1 != nil || err2 != nil {
		x.fail(http.StatusBadRequest, "Dates must be in the format YYYY-MM-DD")
		return nil, false
	}
	today := localMidnight(x.now, loc)
	if to.After(today) || !from.Before(today) {
		x.fail(http.StatusBadRequest, "The date(s) should not exceed the current day.")
		return nil, false
	}
	if !from.Before(to) {
		x.fail(http.StatusBadRequest, "fromDate must be before toDate")
		return nil, false
	}
	var cFrom, cTo time.Time
	var ok bool
	if f.CreatedFromDateTime != "" {
		if cFrom, ok = parseTime(f.CreatedFromDateTime); !ok {
			x.fail(http.StatusBadRequest, "createdFromDateTime: invalid date-time")
			return nil, false
		}
	}
	if f.CreatedToDateTime != "" {
		if cTo, ok = parseTime(f.CreatedToDateTime); !ok {
			x.fail(http.StatusBadRequest, "createdToDateTime: invalid date-time")
			return nil, false
		}
	}
	ids := setOf(f.UserIDs)
	q := &statsQuery{from: from, to: to, cursor: req.Cursor}
	for _, u := range x.s.company.Users {
		if ids != nil && !ids[u.ID] {
			continue
		}
		if !cFrom.IsZero() && u.Created.Before(cFrom) || !cTo.IsZero() && !u.Created.Before(cTo) {
			continue
		}
		q.users = append(q.users, u)
	}
	if len(q.users) == 0 {
		x.fail(http.StatusNotFound, "No users found corresponding to the provided filters")
		return nil, false
	}
	return q, true
}

// activity holds one value per kind of activity Gong reports: counts in
// an aggregate (AggregateActivity), call id lists in a day's detail
// (DailyActivityWithDates). One shape, so every endpoint counts alike.
type activity[T any] struct {
	CallsAsHost                   T `json:"callsAsHost"`
	CallsGaveFeedback             T `json:"callsGaveFeedback"`
	CallsRequestedFeedback        T `json:"callsRequestedFeedback"`
	CallsReceivedFeedback         T `json:"callsReceivedFeedback"`
	OwnCallsListenedTo            T `json:"ownCallsListenedTo"`
	OthersCallsListenedTo         T `json:"othersCallsListenedTo"`
	CallsSharedInternally         T `json:"callsSharedInternally"`
	CallsSharedExternally         T `json:"callsSharedExternally"`
	CallsScorecardsFilled         T `json:"callsScorecardsFilled"`
	CallsScorecardsReceived       T `json:"callsScorecardsReceived"`
	CallsAttended                 T `json:"callsAttended"`
	CallsCommentsGiven            T `json:"callsCommentsGiven"`
	CallsCommentsReceived         T `json:"callsCommentsReceived"`
	CallsMarkedAsFeedbackGiven    T `json:"callsMarkedAsFeedbackGiven"`
	CallsMarkedAsFeedbackReceived T `json:"callsMarkedAsFeedbackReceived"`
}

func (a *activity[T]) field(k ActivityKind) *T {
	switch k {
	case ActCallsAsHost:
		return &a.CallsAsHost
	case ActCallsGaveFeedback:
		return &a.CallsGaveFeedback
	case ActCallsRequestedFeedback:
		return &a.CallsRequestedFeedback
	case ActCallsReceivedFeedback:
		return &a.CallsReceivedFeedback
	case ActOwnCallsListenedTo:
		return &a.OwnCallsListenedTo
	case ActOthersCallsListenedTo:
		return &a.OthersCallsListenedTo
	case ActCallsSharedInternally:
		return &a.CallsSharedInternally
	case ActCallsSharedExternally:
		return &a.CallsSharedExternally
	case ActCallsScorecardsFilled:
		return &a.CallsScorecardsFilled
	case ActCallsScorecardsReceived:
		return &a.CallsScorecardsReceived
	case ActCallsAttended:
		return &a.CallsAttended
	case ActCallsCommentsGiven:
		return &a.CallsCommentsGiven
	case ActCallsCommentsReceived:
		return &a.CallsCommentsReceived
	case ActCallsMarkedAsFeedbackGiven:
		return &a.CallsMarkedAsFeedbackGiven
	}
	return &a.CallsMarkedAsFeedbackReceived
}

// activityCounts is Gong's AggregateActivity.
type activityCounts = activity[int]

// idList marshals as [] when empty: Gong's daily lists are never null.
type idList []string

func (l idList) MarshalJSON() ([]byte, error) {
	if len(l) == 0 {
		return []byte("[]"), nil
	}
	b := []byte{'['}
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, s)
	}
	return append(b, ']'), nil
}

// activityLists is Gong's DailyActivityWithDates.
type activityLists struct {
	activity[idList]
	FromDate string `json:"fromDate"`
	ToDate   string `json:"toDate"`
}

// dailyActivity groups the activity of the page's users by user and day
// over [from, to). A call appears once per user, kind and day; every
// figure the three activity endpoints report is counted from this, which
// is why aggregates always equal the sum of the daily lists.
// Days are calendar days in the company time zone (23 or 25 hours long
// when the clocks change).
func (s *Sandbox) dailyActivity(users []*User, from, to time.Time) map[string][]activityLists {
	days := daysBetween(from, to)
	bounds := make([]time.Time, days+1)
	for i := range bounds {
		bounds[i] = from.AddDate(0, 0, i)
	}
	out := map[string][]activityLists{}
	for _, u := range users {
		ds := make([]activityLists, days)
		for i := range ds {
			ds[i].FromDate, ds[i].ToDate = isoIn(bounds[i]), isoIn(bounds[i+1])
		}
		out[u.ID] = ds
	}
	seen := map[string]bool{}
	for _, e := range s.company.Activity {
		if e.Time.Before(from) || !e.Time.Before(to) {
			continue
		}
		ds, ok := out[e.UserID]
		if !ok {
			continue
		}
		i := sort.Search(days, func(i int) bool { return e.Time.Before(bounds[i+1]) })
		key := e.UserID + string(e.Kind) + e.CallID + strconv.Itoa(i)
		if seen[key] {
			continue
		}
		seen[key] = true
		l := ds[i].field(e.Kind)
		*l = append(*l, e.CallID)
	}
	return out
}

func countsOf(days []activityLists) activityCounts {
	var a activityCounts
	for i := range days {
		for _, k := range activityKinds {
			*a.field(k) += len(*days[i].field(k))
		}
	}
	return a
}

type userAggregate struct {
	UserID    string         `json:"userId"`
	UserEmail string         `json:"userEmailAddress"`
	Aggregate activityCounts `json:"userAggregateActivityStats"`
}

// statsAggregate serves POST /v2/stats/activity/aggregate.
func statsAggregate(x *exchange) {
	var req statsRequest
	if !x.decode(&req) {
		return
	}
	q, users, rec, ok := x.statsPage(&req, "stats-aggregate")
	if !ok {
		return
	}
	daily := x.s.dailyActivity(users, q.from, q.to)
	out := []userAggregate{}
	for _, u := range users {
		out = append(out, userAggregate{UserID: u.ID, UserEmail: u.Email, Aggregate: countsOf(daily[u.ID])})
	}
	x.json(http.StatusOK, struct {
		RequestID    string          `json:"requestId"`
		Records      Records         `json:"records"`
		Stats        []userAggregate `json:"usersAggregateActivityStats"`
		FromDateTime string          `json:"fromDateTime"`
		ToDateTime   string          `json:"toDateTime"`
		TimeZone     string          `json:"timeZone"`
	}{x.id, rec, out, isoIn(q.from), isoIn(q.to), x.s.company.TimeZone})
}

type userDayByDay struct {
	UserID    string          `json:"userId"`
	UserEmail string          `json:"userEmailAddress"`
	Daily     []activityLists `json:"userDailyActivityStats"`
}

// statsDayByDay serves POST /v2/stats/activity/day-by-day: one entry per
// day of the range for every user.
func statsDayByDay(x *exchange) {
	var req statsRequest
	if !x.decode(&req) {
		return
	}
	q, users, rec, ok := x.statsPage(&req, "stats-daily")
	if !ok {
		return
	}
	daily := x.s.dailyActivity(users, q.from, q.to)
	out := []userDayByDay{}
	for _, u := range users {
		out = append(out, userDayByDay{UserID: u.ID, UserEmail: u.Email, Daily: daily[u.ID]})
	}
	x.json(http.StatusOK, struct {
		RequestID string         `json:"requestId"`
		Records   Records        `json:"records"`
		Users     []userDayByDay `json:"usersDetailedActivities"`
	}{x.id, rec, out})
}

type periodCounts struct {
	activityCounts
	FromDate string `json:"fromDate"`
	ToDate   string `json:"toDate"`
}

type userByPeriod struct {
	UserID    string         `json:"userId"`
	UserEmail string         `json:"userEmailAddress"`
	Periods   []periodCounts `json:"userAggregateActivity"`
}

// periodStart returns the start of the calendar period holding d. Weeks
// start on Monday, as Gong documents.
func periodStart(d time.Time, period string) time.Time {
	switch period {
	case "WEEK":
		wd := (int(d.Weekday()) + 6) % 7
		return d.AddDate(0, 0, -wd)
	case "MONTH":
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location())
	case "QUARTER":
		return time.Date(d.Year(), d.Month()-(d.Month()-1)%3, 1, 0, 0, 0, 0, d.Location())
	case "YEAR":
		return time.Date(d.Year(), 1, 1, 0, 0, 0, 0, d.Location())
	}
	return d
}

func nextPeriod(d time.Time, period string) time.Time {
	switch period {
	case "WEEK":
		return d.AddDate(0, 0, 7)
	case "MONTH":
		return d.AddDate(0, 1, 0)
	case "QUARTER":
		return d.AddDate(0, 3, 0)
	case "YEAR":
		return d.AddDate(1, 0, 0)
	}
	return d.AddDate(0, 0, 1)
}

// statsAggregateByPeriod serves POST /v2/stats/activity/aggregate-by-period.
// The first period starts at fromDate and the last ends at toDate.
func statsAggregateByPeriod(x *exchange) {
	var req statsRequest
	if !x.decode(&req) {
		return
	}
	switch req.AggregationPeriod {
	case "DAY", "WEEK", "MONTH", "QUARTER", "YEAR":
	default:
		x.fail(http.StatusBadRequest, "aggregationPeriod is required: one of DAY, WEEK, MONTH, QUARTER, YEAR")
		return
	}
	q, users, rec, ok := x.statsPage(&req, "stats-period")
	if !ok {
		return
	}
	daily := x.s.dailyActivity(users, q.from, q.to)
	out := []userByPeriod{}
	for _, u := range users {
		up := userByPeriod{UserID: u.ID, UserEmail: u.Email}
		days := daily[u.ID]
		for start := q.from; start.Before(q.to); {
			end := nextPeriod(periodStart(start, req.AggregationPeriod), req.AggregationPeriod)
			if end.After(q.to) {
				end = q.to
			}
			i, j := daysBetween(q.from, start), daysBetween(q.from, end)
			up.Periods = append(up.Periods, periodCounts{activityCounts: countsOf(days[i:j]), FromDate: isoIn(start), ToDate: isoIn(end)})
			start = end
		}
		out = append(out, up)
	}
	x.json(http.StatusOK, struct {
		RequestID string         `json:"requestId"`
		Records   Records        `json:"records"`
		Users     []userByPeriod `json:"usersAggregateActivity"`
	}{x.id, rec, out})
}

type personStats struct {
	UserID    string            `json:"userId"`
	UserEmail string            `json:"userEmailAddress"`
	Stats     []InteractionStat `json:"personInteractionStats"`
}

// statsInteraction serves POST /v2/stats/interaction: each user's
// interaction measures averaged over the calls they hosted in the range.
func statsInteraction(x *exchange) {
	var req statsRequest
	if !x.decode(&req) {
		return
	}
	q, users, rec, ok := x.statsPage(&req, "stats-interaction")
	if !ok {
		return
	}
	byUser := map[string][]*Call{}
	for _, c := range x.s.company.Calls {
		if c.Started.Before(q.from) || !c.Started.Before(q.to) || !c.visible(x.now) {
			continue
		}
		byUser[c.PrimaryUserID] = append(byUser[c.PrimaryUserID], c)
	}
	out := []personStats{}
	for _, u := range users {
		ps := personStats{UserID: u.ID, UserEmail: u.Email, Stats: []InteractionStat{}}
		calls := byUser[u.ID]
		if len(calls) > 0 {
			sums := map[string]float64{}
			var names []string
			questions := 0.0
			for _, c := range calls {
				ct := c.summary(x.s.company)
				for _, st := range ct.Stats {
					if _, ok := sums[st.Name]; !ok {
						names = append(names, st.Name)
					}
					sums[st.Name] += st.Value
				}
				questions += float64(ct.Questions[0]) / math.Max(1, float64(c.Duration)/3600)
			}
			for _, n := range names {
				ps.Stats = append(ps.Stats, InteractionStat{Name: n, Value: round2(sums[n] / float64(len(calls)))})
			}
			ps.Stats = append(ps.Stats, InteractionStat{Name: "Question Rate", Value: round2(questions / float64(len(calls)))})
		}
		out = append(out, ps)
	}
	x.json(http.StatusOK, struct {
		RequestID    string        `json:"requestId"`
		Records      Records       `json:"records"`
		Stats        []personStats `json:"peopleInteractionStats"`
		FromDateTime string        `json:"fromDateTime"`
		ToDateTime   string        `json:"toDateTime"`
		TimeZone     string        `json:"timeZone"`
	}{x.id, rec, out, isoIn(q.from), isoIn(q.to), x.s.company.TimeZone})
}

type scorecardAnswer struct {
	QuestionID         int64    `json:"questionId"`
	QuestionRevisionID int64    `json:"questionRevisionId"`
	IsOverall          bool     `json:"isOverall"`
	Score              int      `json:"score"`
	AnswerText         string   `json:"answerText,omitempty"`
	NotApplicable      bool     `json:"notApplicable"`
	SelectedOptions    []string `json:"selectedOptions,omitempty"`
}

type answeredScorecardJSON struct {
	AnsweredScorecardID int64             `json:"answeredScorecardId"`
	ScorecardID         int64             `json:"scorecardId"`
	ScorecardName       string            `json:"scorecardName"`
	CallID              int64             `json:"callId"`
	CallStartTime       string            `json:"callStartTime"`
	ReviewedUserID      int64             `json:"reviewedUserId"`
	ReviewerUserID      int64             `json:"reviewerUserId,omitempty"`
	ReviewMethod        string            `json:"reviewMethod"`
	ReviewTime          string            `json:"reviewTime"`
	VisibilityType      string            `json:"visibilityType"`
	Answers             []scorecardAnswer `json:"answers"`
}

func id64(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

type scorecardsRequest struct {
	Cursor string `json:"cursor"`
	Filter *struct {
		CallFromDate    string   `json:"callFromDate"`
		CallToDate      string   `json:"callToDate"`
		ReviewFromDate  string   `json:"reviewFromDate"`
		ReviewToDate    string   `json:"reviewToDate"`
		ReviewMethod    string   `json:"reviewMethod"`
		ReviewedUserIDs []string `json:"reviewedUserIds"`
		ScorecardIDs    []string `json:"scorecardIds"`
	} `json:"filter"`
}

// statsScorecards serves POST /v2/stats/activity/scorecards.
func statsScorecards(x *exchange) {
	var req scorecardsRequest
	if !x.decode(&req) {
		return
	}
	f := req.Filter
	if f == nil {
		x.fail(http.StatusBadRequest, "filter is required")
		return
	}
	var cf, ct, rf, rt time.Time
	for name, v := range map[string]struct {
		s string
		t *time.Time
	}{"callFromDate": {f.CallFromDate, &cf}, "callToDate": {f.CallToDate, &ct}, "reviewFromDate": {f.ReviewFromDate, &rf}, "reviewToDate": {f.ReviewToDate, &rt}} {
		if v.s == "" {
			continue
		}
		t, err := time.ParseInLocation(dateOnly, v.s, x.s.loc)
		if err != nil {
			x.fail(http.StatusBadRequest, name+": dates must be in the format YYYY-MM-DD")
			return
		}
		*v.t = t
	}
	method := f.ReviewMethod
	switch method {
	case "", "BOTH", "AUTOMATIC", "MANUAL":
	default:
		x.fail(http.StatusBadRequest, "reviewMethod must be one of AUTOMATIC, MANUAL, BOTH")
		return
	}
	users, cards := setOf(f.ReviewedUserIDs), setOf(f.ScorecardIDs)
	co := x.s.company
	var list []*AnsweredScorecard
	for _, a := range co.AnsweredScorecards {
		c := co.callByID[a.CallID]
		switch {
		case !cf.IsZero() && c.Started.Before(cf), !ct.IsZero() && !c.Started.Before(ct),
			!rf.IsZero() && a.ReviewTime.Before(rf), !rt.IsZero() && !a.ReviewTime.Before(rt),
			method == "AUTOMATIC" && a.ReviewMethod != "AUTOMATIC", method == "MANUAL" && a.ReviewMethod != "MANUAL",
			users != nil && !users[a.ReviewedUserID], cards != nil && !cards[a.ScorecardID]:
			continue
		}
		list = append(list, a)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].ReviewTime.Before(list[j].ReviewTime) })
	if len(list) == 0 {
		x.fail(http.StatusNotFound, "No answered scorecards found corresponding to the provided filters")
		return
	}
	from, to, rec, ok := x.page("scorecards", req.Cursor, len(list))
	if !ok {
		return
	}
	out := []answeredScorecardJSON{}
	for _, a := range list[from:to] {
		var sc *Scorecard
		for _, s := range co.Scorecards {
			if s.ID == a.ScorecardID {
				sc = s
			}
		}
		aj := answeredScorecardJSON{AnsweredScorecardID: id64(a.ID), ScorecardID: id64(sc.ID), ScorecardName: sc.Name,
			CallID: id64(a.CallID), CallStartTime: iso(co.callByID[a.CallID].Started), ReviewedUserID: id64(a.ReviewedUserID),
			ReviewerUserID: id64(a.Reviewer), ReviewMethod: a.ReviewMethod, ReviewTime: iso(a.ReviewTime), VisibilityType: "PUBLIC"}
		for i, q := range sc.Questions {
			aj.Answers = append(aj.Answers, scorecardAnswer{QuestionID: id64(q.ID), QuestionRevisionID: id64(q.RevisionID),
				IsOverall: q.IsOverall, Score: a.Scores[i]})
		}
		out = append(out, aj)
	}
	x.json(http.StatusOK, struct {
		RequestID string                  `json:"requestId"`
		Records   Records                 `json:"records"`
		Answered  []answeredScorecardJSON `json:"answeredScorecards"`
	}{x.id, rec, out})
}

// localMidnight is the start of t's day in loc.
func localMidnight(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// daysBetween counts the calendar days from a to b, two local midnights.
func daysBetween(a, b time.Time) int { return int(math.Round(b.Sub(a).Hours() / 24)) }

// isoIn formats t with its own zone's offset, as Gong writes the stats'
// dates in the company time zone (2026-03-01T00:00:00-05:00).
func isoIn(t time.Time) string { return t.Format(isoTime) }
