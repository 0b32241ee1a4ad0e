package agent

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Route is how the agent goes about a workflow.
type Route string

const (
	// Finders uses the finder tools, digests and aimed transcripts.
	Finders Route = "finders"
	// Plain uses only the tools that map Gong's endpoints one to one: what
	// an agent must do without finders (scan listings, cut transcripts
	// itself).
	Plain Route = "plain"
)

// Target says whose calls a post-mortem is about: an account name or, as
// a variant, the email domain of its people.
type Target struct {
	Account string
	Domain  string
}

func (t Target) String() string {
	if t.Domain != "" {
		return "@" + t.Domain
	}
	return t.Account
}

// CallRef is a call as the agent knows it.
type CallRef struct {
	ID, Title, Started, Account, Deal, DealStage string
}

// PostMortem is what a lost-deal post-mortem gathers.
type PostMortem struct {
	Account, Deal, Stage string
	Calls                []CallRef // every call with the target
	DealCalls            []CallRef // those about the deal studied
	// Transcript is what the prospect's side said on the deal's calls, as
	// text ("[mm:ss] Name: words" lines under a header per call).
	Transcript string
}

// PostMortem finds the target's calls of the last days, the deal they
// were about and its stage, and what the prospect's people said.
func (a *Agent) PostMortem(ctx context.Context, route Route, t Target, now time.Time, days int) (*PostMortem, error) {
	from := now.AddDate(0, 0, -days)
	var calls []CallRef
	var err error
	if route == Finders {
		calls, err = a.findCalls(ctx, t, from, now)
	} else {
		calls, err = a.scanCalls(ctx, t, from, now)
	}
	if err != nil {
		return nil, err
	}
	if len(calls) == 0 {
		return nil, fmt.Errorf("no call with %s in the last %d days: %w", t, days, ErrNotFound)
	}
	pm := &PostMortem{Calls: calls, Account: calls[0].Account}
	// The deal to study: the lost one, else the one of the newest call.
	for _, c := range calls {
		if pm.Deal == "" && strings.Contains(strings.ToLower(c.DealStage), "lost") {
			pm.Deal, pm.Stage = c.Deal, c.DealStage
		}
	}
	if pm.Deal == "" {
		for _, c := range calls {
			if c.Deal != "" {
				pm.Deal, pm.Stage = c.Deal, c.DealStage
				break
			}
		}
	}
	var ids []any
	for _, c := range calls {
		if c.Deal == pm.Deal {
			pm.DealCalls = append(pm.DealCalls, c)
			ids = append(ids, c.ID)
		}
	}
	args := map[string]any{"callIds": ids, "format": "text"}
	if route == Finders {
		// Only what the prospect said about the usual reasons deals are
		// lost, with a turn of context either side.
		args["speakers"] = "external"
		args["mentions"] = objectionWords
	}
	texts, err := a.Texts(ctx, "create_a_gong_calls_transcript", args)
	if err != nil {
		return nil, err
	}
	pm.Transcript = strings.Join(texts, "\n")
	return pm, nil
}

// objectionWords are what a sales analyst listens for in a lost deal:
// price, budget, risk, timing, competition.
var objectionWords = []any{"budget", "price", "expensive", "cost", "competitor", "offer", "risk", "worried", "migration", "decided"}

// findCalls pages find_gong_calls.
func (a *Agent) findCalls(ctx context.Context, t Target, from, to time.Time) ([]CallRef, error) {
	if !a.Has(ctx, "find_gong_calls", "find calls by account or participant") {
		return nil, fmt.Errorf("the server offers no find_gong_calls")
	}
	args := map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339), "scope": "External", "limit": 100}
	if t.Domain != "" {
		args["participant"] = t.Domain
	} else {
		args["account"] = t.Account
	}
	var out []CallRef
	err := a.Each(ctx, "find_gong_calls", args, func(ans map[string]any) error {
		for _, m := range list(ans["matches"]) {
			mm := obj(m)
			out = append(out, CallRef{ID: str(mm["id"]), Title: str(mm["title"]), Started: str(mm["started"]),
				Account: str(mm["account"]), Deal: str(mm["deal"]), DealStage: str(mm["deal_stage"])})
		}
		return nil
	})
	return out, err
}

// scanCalls pages the extensive call listing with its CRM context and
// parties and matches the target itself: there is no account filter.
func (a *Agent) scanCalls(ctx context.Context, t Target, from, to time.Time) ([]CallRef, error) {
	args := map[string]any{"fromDateTime": from.Format(time.RFC3339), "toDateTime": to.Format(time.RFC3339), "context": "Extended", "parties": true}
	var out []CallRef
	err := a.Each(ctx, "list_all_gong_calls_extensive", args, func(ans map[string]any) error {
		for _, c := range list(ans["result"]) {
			cm := obj(c)
			ref := CallRef{ID: str(obj(cm["metaData"])["id"]), Title: str(obj(cm["metaData"])["title"]), Started: str(obj(cm["metaData"])["started"])}
			ref.Account, ref.Deal, ref.DealStage = crmOf(cm)
			match := t.Account != "" && strings.Contains(strings.ToLower(ref.Account), strings.ToLower(t.Account))
			if t.Domain != "" {
				for _, p := range list(cm["parties"]) {
					if strings.HasSuffix(strings.ToLower(str(obj(p)["emailAddress"])), "@"+strings.ToLower(t.Domain)) {
						match = true
					}
				}
			}
			if match {
				out = append(out, ref)
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started > out[j].Started })
	return out, err
}

// crmOf reads the account and deal of an extensive call's CRM context.
func crmOf(call map[string]any) (account, deal, stage string) {
	for _, sys := range list(call["context"]) {
		for _, o := range list(obj(sys)["objects"]) {
			om := obj(o)
			fields := map[string]string{}
			for _, f := range list(om["fields"]) {
				fields[str(obj(f)["name"])] = str(obj(f)["value"])
			}
			switch om["objectType"] {
			case "Account":
				account = fields["Name"]
			case "Opportunity":
				deal, stage = fields["Name"], fields["StageName"]
			}
		}
	}
	return account, deal, stage
}

// Rep is a user's activity in an audit.
type Rep struct {
	ID, Name       string
	Listens        int // others' calls listened to
	Comments       int // comments given
	HasActivityRow bool
}

// Audit is an activity audit of one role over a period.
type Audit struct {
	From, To  string // days, To exclusive
	Reps      []Rep
	NoListens []string // names
	NoComment []string // names
}

// Audit lists the active users whose title holds title and their listens
// and comments over [from, to) (days).
func (a *Agent) Audit(ctx context.Context, route Route, title string, from, to time.Time) (*Audit, error) {
	reps := map[string]*Rep{}
	var order []string
	add := func(id, name string) {
		if _, ok := reps[id]; !ok {
			reps[id] = &Rep{ID: id, Name: name}
			order = append(order, id)
		}
	}
	if route == Finders && a.Has(ctx, "find_gong_users", "find users by title or manager") {
		err := a.Each(ctx, "find_gong_users", map[string]any{"title": title, "active": true, "limit": 100}, func(ans map[string]any) error {
			for _, m := range list(ans["matches"]) {
				add(str(obj(m)["id"]), str(obj(m)["name"]))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		err := a.Each(ctx, "list_all_gong_users", map[string]any{}, func(ans map[string]any) error {
			for _, u := range list(ans["result"]) {
				um := obj(u)
				if um["active"] == true && strings.Contains(strings.ToLower(str(um["title"])), strings.ToLower(title)) {
					add(str(um["id"]), strings.TrimSpace(str(um["firstName"])+" "+str(um["lastName"])))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("no active user titled %q: %w", title, ErrNotFound)
	}
	var ids []any
	for _, id := range order {
		ids = append(ids, id)
	}
	au := &Audit{From: from.Format("2006-01-02"), To: to.Format("2006-01-02")}
	err := a.Each(ctx, "list_all_gong_activity_aggregate", map[string]any{"fromDate": au.From, "toDate": au.To, "userIds": ids}, func(ans map[string]any) error {
		for _, row := range list(ans["result"]) {
			rm := obj(row)
			r := reps[str(rm["userId"])]
			if r == nil {
				continue
			}
			st := obj(rm["userAggregateActivityStats"])
			r.Listens, r.Comments, r.HasActivityRow = int(num(st["othersCallsListenedTo"])), int(num(st["callsCommentsGiven"])), true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range order {
		r := reps[id]
		au.Reps = append(au.Reps, *r)
		if r.Listens == 0 {
			au.NoListens = append(au.NoListens, r.Name)
		}
		if r.Comments == 0 {
			au.NoComment = append(au.NoComment, r.Name)
		}
	}
	return au, nil
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	var f float64
	fmt.Sscan(fmt.Sprint(v), &f)
	return f
}

// LastFullQuarter is the calendar quarter before the one holding now, as
// [from, to) days.
func LastFullQuarter(now time.Time) (from, to time.Time) {
	q := (int(now.Month()) - 1) / 3
	to = time.Date(now.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, now.Location())
	return to.AddDate(0, -3, 0), to
}

// Briefing is what a deal briefing gathers.
type Briefing struct {
	Deal, DealID, Stage string
	Brief               string // the AI brief's text (JSON as answered)
	Latest              CallRef
	// Final is the last minutes of the latest call, as text.
	Final string
}

// Briefing finds a deal by name, Gong's brief for it (with the named
// brief template), its latest call and that call's last minutes.
func (a *Agent) Briefing(ctx context.Context, route Route, deal, template string, now time.Time, minutes int) (*Briefing, error) {
	b := &Briefing{}
	var workspace string
	if route == Finders && a.Has(ctx, "find_gong_crm_entities", "CRM id of a deal by name") {
		ans, err := a.JSON(ctx, "find_gong_crm_entities", map[string]any{"name": deal, "type": "Opportunity"})
		if err != nil {
			return nil, err
		}
		ms := list(ans["matches"])
		if len(ms) == 0 {
			return nil, fmt.Errorf("no deal named like %q: %w", deal, ErrNotFound)
		}
		m := obj(ms[0])
		for _, x := range ms { // an exact name wins over a partial one
			if strings.EqualFold(str(obj(x)["name"]), deal) {
				m = obj(x)
			}
		}
		b.Deal, b.DealID, b.Stage, workspace = str(m["name"]), str(m["crm_id"]), str(m["stage"]), str(m["workspace_id"])
		b.Latest = CallRef{ID: str(m["last_call_id"]), Started: str(m["last_call_started"]), Deal: b.Deal}
	} else {
		// Without finders: the newest call whose CRM context names the
		// deal, from a scan of the listing (oldest first, so all of it).
		err := a.Each(ctx, "list_all_gong_calls_extensive", map[string]any{
			"fromDateTime": now.AddDate(0, 0, -180).Format(time.RFC3339), "toDateTime": now.Format(time.RFC3339), "context": "Extended",
		}, func(ans map[string]any) error {
			for _, c := range list(ans["result"]) {
				cm := obj(c)
				_, name, stage := crmOf(cm)
				if !strings.Contains(strings.ToLower(name), strings.ToLower(deal)) {
					continue
				}
				meta := obj(cm["metaData"])
				if str(meta["started"]) > b.Latest.Started {
					b.Deal, b.Stage, workspace = name, stage, str(meta["workspaceId"])
					b.Latest = CallRef{ID: str(meta["id"]), Started: str(meta["started"]), Title: str(meta["title"]), Deal: name}
					b.DealID = dealID(cm)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if b.DealID == "" || b.Latest.ID == "" {
		return nil, fmt.Errorf("no call about a deal like %q: %w", deal, ErrNotFound)
	}
	brief, err := a.Call(ctx, "list_all_gong_entities_get_briefs", map[string]any{
		"workspaceId": workspace, "briefName": template, "crmEntityType": "DEAL", "crmEntityId": b.DealID, "timePeriod": "LAST_90DAYS",
	})
	if err != nil {
		return nil, err
	}
	b.Brief = brief
	args := map[string]any{"callIds": []any{b.Latest.ID}, "format": "text"}
	if route == Finders {
		args["last_minutes"] = minutes
		texts, err := a.Texts(ctx, "create_a_gong_calls_transcript", args)
		if err != nil {
			return nil, err
		}
		b.Final = strings.Join(texts, "\n")
		return b, nil
	}
	texts, err := a.Texts(ctx, "create_a_gong_calls_transcript", args)
	if err != nil {
		return nil, err
	}
	b.Final = LastMinutes(strings.Join(texts, "\n"), minutes)
	return b, nil
}

func dealID(call map[string]any) string {
	for _, sys := range list(call["context"]) {
		for _, o := range list(obj(sys)["objects"]) {
			if om := obj(o); om["objectType"] == "Opportunity" {
				return str(om["objectId"])
			}
		}
	}
	return ""
}

// LastMinutes keeps the "[mm:ss] …" lines of a text transcript within the
// last minutes of its last line: what an agent without aimed transcripts
// does by hand.
func LastMinutes(text string, minutes int) string {
	var lines []string
	var at []int
	for _, l := range strings.Split(text, "\n") {
		var m, s int
		if _, err := fmt.Sscanf(l, "[%d:%d]", &m, &s); err == nil {
			lines = append(lines, l)
			at = append(at, m*60+s)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	end := slices.Max(at)
	var out []string
	for i, l := range lines {
		if at[i] >= end-minutes*60 {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
