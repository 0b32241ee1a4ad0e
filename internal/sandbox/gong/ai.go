package gong

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// entityQuery is the CRM entity and period an AI endpoint works on.
type entityQuery struct {
	workspace  *Workspace
	entityType string
	entityID   string
	account    *Account
	deal       *Deal
	contact    *Contact
	from, to   time.Time // to is exclusive; zero from = no lower bound
	calls      []*Call
	emails     []*Email
}

// entityQuery validates the parameters shared by get-brief and ask-entity
// and collects the entity's calls and emails in the period.
func (x *exchange) entityQuery() (*entityQuery, bool) {
	var missing []string
	for _, p := range []string{"workspaceId", "crmEntityType", "crmEntityId", "timePeriod"} {
		if x.query(p) == "" {
			missing = append(missing, "Required parameter '"+p+"' is missing")
		}
	}
	if len(missing) > 0 {
		x.fail(http.StatusBadRequest, missing...)
		return nil, false
	}
	q := &entityQuery{entityType: x.query("crmEntityType"), entityID: x.query("crmEntityId")}
	wsID := x.query("workspaceId")
	if !isNumericID(wsID) {
		x.fail(http.StatusBadRequest, "workspaceId must be a number")
		return nil, false
	}
	if q.workspace = x.s.workspace(wsID); q.workspace == nil {
		x.fail(http.StatusNotFound, "Workspace not found: "+wsID)
		return nil, false
	}
	co := x.s.company
	switch q.entityType {
	case "ACCOUNT":
		q.account = co.accountByID[q.entityID]
	case "DEAL":
		q.deal = co.dealByID[q.entityID]
		if q.deal != nil {
			q.account = co.accountByID[q.deal.AccountID]
		}
	case "CONTACT":
		q.contact = co.contactByID[q.entityID]
		if q.contact != nil {
			q.account = co.accountByID[q.contact.AccountID]
		}
	case "LEAD":
	default:
		x.fail(http.StatusBadRequest, "crmEntityType must be one of ACCOUNT, CONTACT, DEAL, LEAD")
		return nil, false
	}
	if q.account == nil {
		x.fail(http.StatusNotFound, "CRM entity "+q.entityType+" "+q.entityID+" was not found")
		return nil, false
	}
	if !x.period(q) {
		return nil, false
	}
	for _, c := range co.Calls {
		if !c.visible(x.now) || !q.covers(c) {
			continue
		}
		if !q.from.IsZero() && c.Started.Before(q.from) || !c.Started.Before(q.to) {
			continue
		}
		q.calls = append(q.calls, c)
	}
	for _, e := range co.Emails {
		if e.AccountID != q.account.CRMID || !q.from.IsZero() && e.Sent.Before(q.from) || !e.Sent.Before(q.to) {
			continue
		}
		if q.contact != nil && e.From != q.contact.Email && !contains(e.To, q.contact.Email) {
			continue
		}
		q.emails = append(q.emails, e)
	}
	return q, true
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (q *entityQuery) covers(c *Call) bool {
	switch {
	case q.deal != nil:
		return c.DealID == q.deal.CRMID
	case q.contact != nil:
		for _, p := range c.Parties {
			if p.ContactID == q.contact.CRMID {
				return true
			}
		}
		return false
	}
	return c.AccountID == q.account.CRMID && c.Scope == "External"
}

// period turns timePeriod (and the custom range) into [from, to).
func (x *exchange) period(q *entityQuery) bool {
	now := x.now
	today := now.Truncate(24 * time.Hour)
	q.to = now
	lastActivity := func() time.Time {
		last := time.Time{}
		for _, c := range x.s.company.Calls {
			if q.covers(c) && c.visible(now) && c.Started.After(last) {
				last = c.Started
			}
		}
		if last.IsZero() {
			return now
		}
		return last.Add(time.Second)
	}
	switch p := x.query("timePeriod"); p {
	case "LAST_7DAYS":
		q.from = now.AddDate(0, 0, -7)
	case "LAST_30DAYS":
		q.from = now.AddDate(0, 0, -30)
	case "LAST_90DAYS":
		q.from = now.AddDate(0, 0, -90)
	case "LAST_YEAR":
		q.from = now.AddDate(-1, 0, 0)
	case "LAST_90_DAYS_SINCE_LAST_ACTIVITY":
		q.to = lastActivity()
		q.from = q.to.AddDate(0, 0, -90)
	case "LAST_YEAR_SINCE_LAST_ACTIVITY":
		q.to = lastActivity()
		q.from = q.to.AddDate(-1, 0, 0)
	case "THIS_WEEK":
		q.from = periodStart(today, "WEEK")
	case "THIS_MONTH":
		q.from = periodStart(today, "MONTH")
	case "THIS_QUARTER":
		q.from = periodStart(today, "QUARTER")
	case "THIS_YEAR":
		q.from = periodStart(today, "YEAR")
	case "ALL_CONVERSATIONS":
	case "CUSTOM_RANGE":
		from, ok1 := parseTime(x.query("fromDateTime"))
		if !ok1 {
			x.fail(http.StatusBadRequest, "fromDateTime is required for CUSTOM_RANGE (ISO-8601)")
			return false
		}
		q.from = from
		if v := x.query("toDateTime"); v != "" {
			to, ok := parseTime(v)
			if !ok {
				x.fail(http.StatusBadRequest, "toDateTime: invalid date-time")
				return false
			}
			q.to = to
		}
	default:
		x.fail(http.StatusBadRequest, "timePeriod '"+p+"' is not supported")
		return false
	}
	return true
}

// spendCredit takes one AI credit, answering 402 when none are left.
func (x *exchange) spendCredit() bool {
	for {
		n := x.s.credits.Load()
		if n <= 0 {
			x.fail(http.StatusPaymentRequired, "Payment Required: the company has no Gong credits left for AI features")
			return false
		}
		if x.s.credits.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

type callInfo struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Started string `json:"started"`
	URL     string `json:"url"`
}

type callFinding struct {
	Call callInfo `json:"call"`
}

type emailInfo struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	SentDateTime string `json:"sentDateTime"`
}

type emailFinding struct {
	Emails []emailInfo `json:"emails"`
}

type conversationFindings struct {
	CallFindings  []callFinding  `json:"callFindings,omitempty"`
	EmailFindings []emailFinding `json:"emailFindings,omitempty"`
}

type briefSection struct {
	Title                string                `json:"title,omitempty"`
	SectionSummary       []string              `json:"sectionSummary"`
	ConversationFindings *conversationFindings `json:"conversationFindings,omitempty"`
	BriefSectionType     string                `json:"briefSectionType"`
}

func (x *exchange) callInfo(c *Call) callInfo {
	return callInfo{ID: c.ID, Title: c.Title, Started: iso(c.Started), URL: x.s.callURL(c.ID)}
}

// evidence gathers, across the query's calls, the lines of one kind,
// de-duplicated, with the calls they came from.
func (x *exchange) evidence(q *entityQuery, pickLines func(*CallContent) []TimedLine, max int) ([]string, []callFinding) {
	var texts []string
	var findings []callFinding
	seen := map[string]bool{}
	for i := len(q.calls) - 1; i >= 0; i-- { // most recent first
		c := q.calls[i]
		found := false
		for _, l := range pickLines(c.summary(x.s.company)) {
			found = true
			if !seen[l.Text] && len(texts) < max {
				seen[l.Text] = true
				texts = append(texts, fmt.Sprintf("%s (%s, %s)", strings.TrimSuffix(l.Text, "."), partyName(c, l.SpeakerID), c.Started.Format("Jan 2")))
			}
		}
		if found && len(findings) < 5 {
			findings = append(findings, callFinding{Call: x.callInfo(c)})
		}
	}
	return texts, findings
}

func (x *exchange) emailFindings(q *entityQuery, words ...string) []emailFinding {
	var es []emailInfo
	for i := len(q.emails) - 1; i >= 0 && len(es) < 3; i-- {
		e := q.emails[i]
		low := strings.ToLower(e.Subject)
		for _, w := range words {
			if strings.Contains(low, w) {
				es = append(es, emailInfo{ID: e.ID, Title: e.Subject, SentDateTime: iso(e.Sent)})
				break
			}
		}
	}
	if len(es) == 0 {
		return nil
	}
	return []emailFinding{{Emails: es}}
}

func (q *entityQuery) name() string {
	switch {
	case q.deal != nil:
		return q.deal.Name
	case q.contact != nil:
		return q.contact.FullName() + " (" + q.account.Name + ")"
	}
	return q.account.Name
}

// generateBrief serves GET /v2/entities/get-brief. The brief is assembled
// from the entity's calls in the period, so every statement points at a
// call that says it. Each brief costs one credit.
func generateBrief(x *exchange) {
	if x.query("briefName") == "" {
		x.fail(http.StatusBadRequest, "Required parameter 'briefName' is missing")
		return
	}
	q, ok := x.entityQuery()
	if !ok {
		return
	}
	var setting *BriefSetting
	for _, b := range x.s.company.Briefs {
		if b.WorkspaceID == q.workspace.ID && strings.EqualFold(b.Name, x.query("briefName")) && b.Published {
			setting = b
		}
	}
	if setting == nil {
		x.fail(http.StatusNotFound, "No published brief named '"+x.query("briefName")+"' in workspace "+q.workspace.ID)
		return
	}
	if setting.EntityType != q.entityType {
		x.fail(http.StatusBadRequest, "Brief '"+setting.Name+"' is defined for "+setting.EntityType+" entities, not "+q.entityType)
		return
	}
	if !x.spendCredit() {
		return
	}
	var sections []briefSection
	if len(q.calls) == 0 {
		sections = append(sections, briefSection{Title: "Summary", BriefSectionType: "Conversations",
			SectionSummary: []string{"No conversations with " + q.name() + " in this period."}})
	} else {
		first, last := q.calls[0], q.calls[len(q.calls)-1]
		summary := []string{fmt.Sprintf("%d conversations with %s between %s and %s; the most recent was \"%s\" on %s.",
			len(q.calls), q.name(), first.Started.Format("Jan 2, 2006"), last.Started.Format("Jan 2, 2006"), last.Title, last.Started.Format("Jan 2, 2006"))}
		if b := last.summary(x.s.company).Brief; b != "" {
			summary = append(summary, "Latest call: "+b)
		}
		sections = append(sections, briefSection{Title: "Summary", BriefSectionType: "Conversations", SectionSummary: summary,
			ConversationFindings: &conversationFindings{CallFindings: []callFinding{{Call: x.callInfo(last)}}}})
		add := func(title string, lines func(*CallContent) []TimedLine, emailWords ...string) {
			texts, calls := x.evidence(q, lines, 5)
			if len(texts) == 0 {
				texts = []string{"Nothing noted in this period."}
			}
			sections = append(sections, briefSection{Title: title, BriefSectionType: "Conversations", SectionSummary: texts,
				ConversationFindings: &conversationFindings{CallFindings: calls, EmailFindings: x.emailFindings(q, emailWords...)}})
		}
		add("Pain points", func(c *CallContent) []TimedLine { return c.Pains })
		add("Objections and risks", func(c *CallContent) []TimedLine { return c.Objections }, "security", "migration")
		add("Competition", func(c *CallContent) []TimedLine { return c.Competitors })
		add("Pricing", func(c *CallContent) []TimedLine { return c.Pricing }, "pricing", "quote", "proposal")
		add("Next steps", func(c *CallContent) []TimedLine { return c.NextSteps }, "following up", "agenda")
	}
	var crm []string
	for _, d := range q.account.Deals {
		if q.deal != nil && d != q.deal {
			continue
		}
		owner := ""
		if u := x.s.company.userByID[d.OwnerID]; u != nil {
			owner = u.FullName()
		}
		crm = append(crm, fmt.Sprintf("%s: %s, %s, closing %s, owner %s", d.Name, d.Stage, money(d.Amount), d.CloseDate.Format("Jan 2, 2006"), owner))
	}
	if len(crm) == 0 {
		crm = []string{"No deals in the CRM."}
	}
	sections = append(sections, briefSection{Title: "CRM details", BriefSectionType: "CrmOrGongData", SectionSummary: crm})
	x.json(http.StatusOK, struct {
		RequestID           string         `json:"requestId"`
		NumOfCallsSearched  int            `json:"numOfCallsSearched"`
		NumOfEmailsSearched int            `json:"numOfEmailsSearched"`
		BriefSections       []briefSection `json:"briefSections"`
	}{x.id, len(q.calls), len(q.emails), sections})
}

type answerSection struct {
	AnswerItems   []string       `json:"answerItems"`
	EmailFindings []emailFinding `json:"emailFindings,omitempty"`
	CallFindings  []callFinding  `json:"callFindings,omitempty"`
}

// askEntity serves GET /v2/entities/ask-entity. The "AI" reads the
// question's keywords and answers from the matching lines of the entity's
// calls (Gong searches at most 60 calls and 500 emails). One credit each.
func askEntity(x *exchange) {
	question := strings.TrimSpace(x.query("question"))
	if question == "" {
		x.fail(http.StatusBadRequest, "Required parameter 'question' is missing")
		return
	}
	q, ok := x.entityQuery()
	if !ok {
		return
	}
	if len(q.calls) > 60 {
		q.calls = q.calls[len(q.calls)-60:]
	}
	if len(q.emails) > 500 {
		q.emails = q.emails[len(q.emails)-500:]
	}
	if !x.spendCredit() {
		return
	}
	low := strings.ToLower(question)
	type topic struct {
		words []string
		intro string
		lines func(*CallContent) []TimedLine
	}
	topics := []topic{
		{[]string{"objection", "concern", "risk", "worr", "push back", "pushback", "blocker"}, "Objections and concerns raised:", func(c *CallContent) []TimedLine { return c.Objections }},
		{[]string{"competit", "acme", "contoso", "fabrikam", "alternative", "vendor"}, "Competitors mentioned:", func(c *CallContent) []TimedLine { return c.Competitors }},
		{[]string{"price", "pricing", "budget", "cost", "discount", "quote"}, "Pricing and budget discussion:", func(c *CallContent) []TimedLine { return c.Pricing }},
		{[]string{"next step", "follow", "plan", "action"}, "Agreed next steps:", func(c *CallContent) []TimedLine { return c.NextSteps }},
		{[]string{"pain", "problem", "challenge", "need"}, "Pain points described:", func(c *CallContent) []TimedLine { return c.Pains }},
	}
	var answer []answerSection
	for _, t := range topics {
		hit := false
		for _, w := range t.words {
			if strings.Contains(low, w) {
				hit = true
			}
		}
		if !hit {
			continue
		}
		texts, calls := x.evidence(q, t.lines, 5)
		if len(texts) == 0 {
			answer = append(answer, answerSection{AnswerItems: []string{t.intro + " none found in " + fmt.Sprint(len(q.calls)) + " conversations."}})
			continue
		}
		answer = append(answer, answerSection{AnswerItems: append([]string{t.intro}, texts...), CallFindings: calls})
	}
	if len(answer) == 0 {
		items := []string{fmt.Sprintf("%s had %d conversations and %d emails in this period.", q.name(), len(q.calls), len(q.emails))}
		var calls []callFinding
		if n := len(q.calls); n > 0 {
			last := q.calls[n-1]
			items = append(items, "Most recent call: \""+last.Title+"\" on "+last.Started.Format("Jan 2, 2006")+". "+last.summary(x.s.company).Brief)
			calls = append(calls, callFinding{Call: x.callInfo(last)})
		}
		answer = append(answer, answerSection{AnswerItems: items, CallFindings: calls})
	}
	x.json(http.StatusOK, struct {
		RequestID           string          `json:"requestId"`
		NumOfCallsSearched  int             `json:"numOfCallsSearched"`
		NumOfEmailsSearched int             `json:"numOfEmailsSearched"`
		Answer              []answerSection `json:"answer"`
	}{x.id, len(q.calls), len(q.emails), answer})
}
