package gong

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// scorecards defines the scorecards and answers some of them. Every
// answer is also an activity event (filled by the reviewer, received by
// the host), so /v2/stats/activity/scorecards and the activity counters
// agree.
func (g *gen) scorecards() {
	sales := g.ws("Sales")
	mk := func(name, method string, qs ...string) *Scorecard {
		sc := &Scorecard{ID: g.ids.next(), Name: name, WorkspaceID: sales, Enabled: true, ReviewMethod: method,
			UpdaterUserID: g.usersByRole("exec")[1].ID, Created: g.now.AddDate(-1, 0, -g.intn(60)).Truncate(time.Hour)}
		sc.Updated = sc.Created.AddDate(0, 2, 0)
		for i, q := range qs {
			sc.Questions = append(sc.Questions, ScorecardQuestion{ID: g.ids.next(), RevisionID: g.ids.next(), Text: q,
				IsOverall: i == 0, Type: "SCALE", Min: 1, Max: 5})
		}
		g.c.Scorecards = append(g.c.Scorecards, sc)
		return sc
	}
	byKind := map[string]*Scorecard{
		"discovery":   mk("Discovery Call Scorecard", "MANUAL", "Overall, how effective was this discovery call?", "Did the rep uncover the business pain?", "Were decision makers and the buying process identified?", "Was a clear next step agreed?"),
		"demo":        mk("Demo Excellence", "MANUAL", "Overall demo quality", "Was the demo tailored to the customer's pains?", "Did the rep handle questions well?"),
		"pricing":     mk("Negotiation Readiness", "MANUAL", "Overall negotiation quality", "Did the rep anchor on value before price?", "Were objections handled?", "Is there a mutual close plan?"),
		"cold":        mk("SDR Cold Call", "AUTOMATIC", "Overall cold call score", "Permission-based opener used", "Meeting ask made"),
		"checkin":     mk("QBR Checklist", "MANUAL", "Overall QBR quality", "Adoption metrics reviewed", "Renewal risks discussed"),
		"negotiation": nil,
	}
	byKind["negotiation"] = byKind["pricing"]
	for _, c := range g.c.Calls {
		sc := byKind[c.Kind]
		if sc == nil || !g.chance(0.18) {
			continue
		}
		host := g.c.userByID[c.PrimaryUserID]
		reviewer := ""
		if sc.ReviewMethod == "MANUAL" {
			m := g.c.userByID[host.ManagerID]
			if m == nil || !m.Active {
				continue
			}
			reviewer = m.ID
		}
		at := c.Started.Add(time.Duration(2+g.intn(70)) * time.Hour)
		if at.After(g.now) {
			continue
		}
		as := &AnsweredScorecard{ID: g.ids.next(), ScorecardID: sc.ID, CallID: c.ID, ReviewedUserID: host.ID,
			Reviewer: reviewer, ReviewMethod: sc.ReviewMethod, ReviewTime: at}
		for range sc.Questions {
			as.Scores = append(as.Scores, 1+g.intn(5))
		}
		g.c.AnsweredScorecards = append(g.c.AnsweredScorecards, as)
		if reviewer != "" {
			g.event(reviewer, ActCallsScorecardsFilled, c.ID, at)
		}
		g.event(host.ID, ActCallsScorecardsReceived, c.ID, at)
	}
}

func (g *gen) event(user string, k ActivityKind, call string, at time.Time) {
	g.c.Activity = append(g.c.Activity, ActivityEvent{UserID: user, Kind: k, CallID: call, Time: at})
}

var commentTexts = []string{
	"Great job handling the pricing pushback here.",
	"Nice discovery question — this is where the real pain came out.",
	"Let's talk about this objection in our 1:1.",
	"Good recovery after the competitor comparison.",
	"Could have asked about the decision process here.",
	"Strong close — clear next steps with owners and dates.",
	"Listen to how they describe the migration risk, worth sharing with the SE team.",
}

// activity derives who did what with each call. Managers listen to and
// comment on their teams' calls; account executives follow their profile
// (aeProfileFor): some never listen or comment, some do plenty of both.
func (g *gen) activity() {
	aes := g.usersByRole("ae")
	profile := map[string]aeProfile{}
	for i, u := range aes {
		profile[u.ID] = aeProfileFor(i)
	}
	for _, c := range g.c.Calls {
		host := g.c.userByID[c.PrimaryUserID]
		g.event(host.ID, ActCallsAsHost, c.ID, c.Started)
		for _, p := range c.Parties {
			if p.UserID != "" && p.UserID != host.ID {
				g.event(p.UserID, ActCallsAttended, c.ID, c.Started)
			}
		}
		end := c.Started.Add(time.Duration(c.Duration) * time.Second)
		later := func(maxHours int) (time.Time, bool) {
			at := end.Add(time.Duration(10+g.intn(maxHours*60)) * time.Minute)
			return at, !at.After(g.now)
		}
		comment := func(by *User, maxHours int) {
			at, ok := later(maxHours)
			if !ok {
				return
			}
			g.event(by.ID, ActCallsCommentsGiven, c.ID, at)
			if by.ID != host.ID {
				g.event(host.ID, ActCallsCommentsReceived, c.ID, at)
			}
			start := float64(g.intn(max(1, c.Duration-60)))
			c.Comments = append(c.Comments, &Comment{ID: g.ids.next(), CommenterUserID: by.ID, Text: pick(g, commentTexts),
				AudioStart: start, AudioEnd: start + float64(10+g.intn(50)), Posted: at})
		}
		m := g.c.userByID[host.ManagerID]
		if m != nil && !m.Active {
			m = nil
		}
		if m != nil && g.chance(0.3) {
			if at, ok := later(96); ok {
				g.event(m.ID, ActOthersCallsListenedTo, c.ID, at)
			}
		}
		own, isAE := profile[host.ID]
		if !isAE {
			own = aeProfile{listen: 0.25}
		}
		if g.chance(own.listen) {
			if at, ok := later(48); ok {
				g.event(host.ID, ActOwnCallsListenedTo, c.ID, at)
			}
		}
		if isAE && g.chance(own.comment*0.3) {
			comment(host, 48)
		}
		if peer := pick(g, aes); peer.ID != host.ID && peer.Active && g.chance(profile[peer.ID].listen*0.3) {
			if at, ok := later(120); ok {
				g.event(peer.ID, ActOthersCallsListenedTo, c.ID, at)
				if g.chance(profile[peer.ID].comment) {
					comment(peer, 120)
				}
			}
		}
		if m != nil && g.chance(0.12) {
			comment(m, 72)
		}
		if m != nil && g.chance(0.08) {
			if at, ok := later(24); ok {
				g.event(host.ID, ActCallsRequestedFeedback, c.ID, at)
				if at2 := at.Add(time.Duration(1+g.intn(48)) * time.Hour); !at2.After(g.now) {
					g.event(m.ID, ActCallsGaveFeedback, c.ID, at2)
					g.event(host.ID, ActCallsReceivedFeedback, c.ID, at2)
					g.event(m.ID, ActCallsMarkedAsFeedbackGiven, c.ID, at2)
					g.event(host.ID, ActCallsMarkedAsFeedbackReceived, c.ID, at2)
				}
			}
		}
		if g.chance(0.06) {
			if at, ok := later(48); ok {
				g.event(host.ID, ActCallsSharedInternally, c.ID, at)
			}
		}
		if c.Scope == "External" && g.chance(0.03) {
			if at, ok := later(48); ok {
				g.event(host.ID, ActCallsSharedExternally, c.ID, at)
			}
		}
	}
	sort.SliceStable(g.c.Activity, func(i, j int) bool { return g.c.Activity[i].Time.Before(g.c.Activity[j].Time) })
}

func (g *gen) briefs() {
	sales, cs := g.ws("Sales"), g.ws("Customer Success")
	creator := g.usersByRole("ops")[0].ID
	mk := func(name, ws, entity, desc string, published bool) {
		b := &BriefSetting{ID: g.ids.next(), Name: name, WorkspaceID: ws, EntityType: entity, Description: desc,
			Published: published, CreatorUserID: creator, Created: g.now.AddDate(0, -4, -g.intn(30)).Truncate(time.Hour)}
		b.Updated = b.Created.AddDate(0, 0, 3+g.intn(20))
		g.c.Briefs = append(g.c.Briefs, b)
	}
	mk("Account Brief", sales, "ACCOUNT", "Where the account stands: stakeholders, pains, objections, competition and next steps.", true)
	mk("Deal Brief", sales, "DEAL", "Deal status, risks, competition, pricing discussions and the agreed next steps.", true)
	mk("Executive Summary", sales, "DEAL", "A one-page summary for executives: where the deal stands, what the customer cares about, risks and the path to signature.", true)
	mk("Deal Risk Assessment", sales, "DEAL", "Risks and objections raised across the deal's conversations.", true)
	mk("Contact Prep Brief", sales, "CONTACT", "What this person cares about, from their calls and emails.", true)
	mk("Renewal Brief (draft)", sales, "ACCOUNT", "Work in progress: renewal readiness.", false)
	mk("Account Health Brief", cs, "ACCOUNT", "Adoption, sentiment and renewal risk for customer success.", true)
}

var emailSubjects = []string{"Following up on our call", "Proposal for %s", "Re: Pricing questions", "Security questionnaire",
	"Agenda for next week", "Re: Migration plan", "Intro: %s <> " + companyName, "Updated quote for %s"}

func (g *gen) emails() {
	for _, a := range g.c.Accounts {
		owner := g.c.userByID[a.OwnerID]
		for i := 0; i < 4+g.intn(5); i++ {
			ct := pick(g, a.Contacts)
			subj := pick(g, emailSubjects)
			if strings.Contains(subj, "%s") {
				subj = fmt.Sprintf(subj, a.Name)
			}
			e := &Email{ID: fmt.Sprintf("%016x%016x", g.r.Uint64(), g.r.Uint64()), Subject: subj, AccountID: a.CRMID,
				Mailbox: owner.Email, Sent: g.now.Add(-time.Duration(1+g.intn(170*24)) * time.Hour).Truncate(time.Minute)}
			if g.chance(0.5) {
				e.From, e.To = owner.Email, []string{ct.Email}
			} else {
				e.From, e.To = ct.Email, []string{owner.Email}
			}
			g.c.Emails = append(g.c.Emails, e)
		}
	}
	sort.SliceStable(g.c.Emails, func(i, j int) bool { return g.c.Emails[i].Sent.Before(g.c.Emails[j].Sent) })
}

// engage builds Engage flow folders, flows with steps, prospects assigned
// to them and the tasks those flows create.
func (g *gen) engage() {
	sales := g.ws("Sales")
	sdrs := g.usersByRole("sdr")
	var sdrm *User
	for _, u := range g.c.Users {
		if u.Title == "SDR Manager" {
			sdrm = u
		}
	}
	created := g.now.AddDate(0, -8, 0).Truncate(24 * time.Hour)
	company := &FlowFolder{ID: g.ids.next(), Name: "Company Flows", OwnerEmail: sdrm.Email, Visibility: "Company", WorkspaceID: sales, Created: created}
	outbound := &FlowFolder{ID: g.ids.next(), Name: "Outbound", ParentID: company.ID, OwnerEmail: sdrm.Email, Visibility: "Company", WorkspaceID: sales, Created: created}
	g.c.FlowFolders = append(g.c.FlowFolders, company, outbound)
	for _, u := range sdrs[:3] {
		g.c.FlowFolders = append(g.c.FlowFolders, &FlowFolder{ID: g.ids.next(), Name: u.FirstName + "'s flows", OwnerEmail: u.Email,
			Visibility: "Personal", WorkspaceID: sales, Created: created.AddDate(0, 1, g.intn(20))})
	}
	steps := func(n int) []FlowStep {
		actions := []string{"AUTO_SEND_EMAIL", "CALL", "LINKEDIN_CONNECT", "SEND_EMAIL", "CALL", "SEND_EMAIL", "LINKEDIN_MESSAGE"}
		var out []FlowStep
		for i := 0; i < n; i++ {
			st := FlowStep{ID: g.ids.next(), Order: i + 1, Action: actions[i%len(actions)]}
			if strings.Contains(st.Action, "EMAIL") {
				st.Subject = pick(g, []string{"{{company}} + " + companyName, "Quick question, {{first_name}}", "Re: {{company}} analytics"})
				st.Body = "Hi {{first_name}}, teams like yours use " + companyName + " to cut reporting time in half. Worth a 20 minute call next week?"
				st.IsReply = i > 0 && g.chance(0.5)
			}
			out = append(out, st)
		}
		return out
	}
	mkFlow := func(name string, f *FlowFolder, vis, desc string) *Flow {
		fl := &Flow{ID: g.ids.next(), Name: name, FolderID: f.ID, OwnerEmail: f.OwnerEmail, Visibility: vis, WorkspaceID: sales,
			Description: desc, Exclusive: g.chance(0.3), Created: f.Created.AddDate(0, 0, g.intn(40)), Steps: steps(3 + g.intn(4))}
		g.c.Flows = append(g.c.Flows, fl)
		return fl
	}
	mkFlow("Inbound Lead Follow-up", company, "Company", "Fast follow-up for inbound demo requests")
	mkFlow("Outbound - Enterprise", outbound, "Company", "Six-touch enterprise outbound sequence")
	mkFlow("Outbound - Mid-Market", outbound, "Company", "Mid-market outbound sequence")
	mkFlow("Webinar Attendees", company, "Shared", "Follow up with webinar attendees")
	mkFlow("Closed Lost Re-engagement", company, "Company", "Re-open conversations six months after a loss")
	for _, f := range g.c.FlowFolders[2:] {
		mkFlow("Personal follow-up ("+strings.TrimSuffix(f.Name, "'s flows")+")", f, "Personal", "")
	}
	statuses := []string{"Running", "Running", "Running", "Paused", "FinishedNoReply", "FinishedResponse", "Pending"}
	// Flows prospect the other accounts' people; the named accounts are in
	// live sales cycles run by their account executives.
	var prospects []*Contact
	for _, a := range g.c.Accounts[len(namedAccounts):] {
		prospects = append(prospects, a.Contacts...)
	}
	for i := 0; i < 60; i++ {
		ct := pick(g, prospects)
		fl := g.c.Flows[g.intn(5)]
		owner := pick(g, sdrs)
		fi := &FlowInstance{ID: g.ids.next(), FlowID: fl.ID, ProspectCRMID: ct.CRMID, OwnerUserID: owner.ID,
			Status: pick(g, statuses), WorkspaceID: sales, Created: g.now.Add(-time.Duration(24+g.intn(60*24)) * time.Hour).Truncate(time.Minute)}
		g.c.FlowInstances = append(g.c.FlowInstances, fi)
		if fi.Status == "Running" {
			t := &Task{ID: g.ids.next(), UserID: owner.ID, Status: "OPEN", Type: "FLOW", Actions: []string{"CALL"},
				FlowID: fl.ID, StepNumber: 1 + g.intn(len(fl.Steps)), ContactID: ct.CRMID, Created: fi.Created,
				Updated: fi.Created, Due: g.now.Add(time.Duration(g.intn(72)-24) * time.Hour).Truncate(time.Hour), Priority: pick(g, []string{"High", "Medium", "Low"})}
			g.c.Tasks = append(g.c.Tasks, t)
		}
	}
	for _, u := range sdrs {
		t := &Task{ID: g.ids.next(), UserID: u.ID, Status: "OPEN", Type: "MANUAL", Actions: []string{"CALL"},
			Title: "Call back " + pick(g, g.c.Contacts).FullName(), ContactID: pick(g, g.c.Contacts).CRMID,
			Created: g.now.AddDate(0, 0, -3), Updated: g.now.AddDate(0, 0, -3), Due: g.now.AddDate(0, 0, 1).Truncate(time.Hour), Priority: "Medium"}
		g.c.Tasks = append(g.c.Tasks, t)
	}
}

func (g *gen) library() {
	sales := g.ws("Sales")
	vp := g.usersByRole("exec")[1].ID
	updated := g.now.AddDate(0, 0, -g.intn(30)).Truncate(time.Hour)
	mk := func(name, parent string) *LibraryFolder {
		f := &LibraryFolder{ID: g.ids.next(), Name: name, ParentID: parent, CreatedBy: vp, WorkspaceID: sales, Updated: updated}
		g.c.LibraryFolders = append(g.c.LibraryFolders, f)
		return f
	}
	root := mk("Sales Best Practices", "")
	folders := map[string]*LibraryFolder{
		"discovery":   mk("Great Discovery Calls", root.ID),
		"demo":        mk("Demo Highlights", root.ID),
		"pricing":     mk("Objection Handling", root.ID),
		"negotiation": mk("Competitive: Acme Corp", root.ID),
		"cold":        mk("Cold Call Openers", root.ID),
	}
	mk("Onboarding", "")
	folders["checkin"] = mk("Customer Success Stories", "")
	for _, c := range g.c.Calls {
		f := folders[c.Kind]
		if f == nil || len(f.Calls) >= 8 || !g.chance(0.05) {
			continue
		}
		lc := LibraryCall{CallID: c.ID, AddedBy: vp, Added: c.Started.Add(48 * time.Hour)}
		if lc.Added.After(g.now) {
			continue
		}
		if g.chance(0.6) {
			lc.FromSec = g.intn(max(1, c.Duration-300))
			lc.ToSec = lc.FromSec + 60 + g.intn(180)
			lc.Note = "Listen from " + fmt.Sprintf("%d:%02d", lc.FromSec/60, lc.FromSec%60)
		}
		f.Calls = append(f.Calls, lc)
	}
}

// logs writes auditing logs. Call plays come from the listen activity, so
// the UserCallPlay log and the listen counters tell the same story.
func (g *gen) logs() {
	for _, u := range g.c.Users {
		if !u.Active {
			continue
		}
		for d := 1; d <= 180; d += 1 + g.intn(4) {
			at := g.now.AddDate(0, 0, -d).Truncate(24 * time.Hour).Add(time.Duration(13*60+g.intn(8*60)) * time.Minute)
			g.c.Logs = append(g.c.Logs, &LogEntry{Type: "AccessLog", UserID: u.ID, Time: at,
				Record: map[string]any{"action": "Login", "ipAddress": fmt.Sprintf("203.0.113.%d", 1+g.intn(250)), "userAgent": "Mozilla/5.0"}})
		}
	}
	for _, e := range g.c.Activity {
		switch e.Kind {
		case ActOwnCallsListenedTo, ActOthersCallsListenedTo:
			g.c.Logs = append(g.c.Logs, &LogEntry{Type: "UserCallPlay", UserID: e.UserID, Time: e.Time,
				Record: map[string]any{"callId": e.CallID, "playedSeconds": 60 + g.intn(1200)}})
		case ActCallsSharedExternally:
			g.c.Logs = append(g.c.Logs, &LogEntry{Type: "ExternallySharedCallAccess", UserID: e.UserID, Time: e.Time.Add(2 * time.Hour),
				Record: map[string]any{"callId": e.CallID, "accessedBy": "external recipient"}})
			g.c.Logs = append(g.c.Logs, &LogEntry{Type: "ExternallySharedCallPlay", UserID: e.UserID, Time: e.Time.Add(3 * time.Hour),
				Record: map[string]any{"callId": e.CallID, "playedSeconds": 30 + g.intn(600)}})
		case ActCallsScorecardsFilled:
			g.c.Logs = append(g.c.Logs, &LogEntry{Type: "UserActivityLog", UserID: e.UserID, Time: e.Time,
				Record: map[string]any{"action": "Filled scorecard", "callId": e.CallID}})
		}
	}
	sort.SliceStable(g.c.Logs, func(i, j int) bool { return g.c.Logs[i].Time.Before(g.c.Logs[j].Time) })
}

// crm registers one generic CRM integration holding the accounts, deals
// and contacts, with their schemas.
func (g *gen) crm() {
	ops := g.usersByRole("ops")[0]
	ci := &CRMIntegration{ID: g.ids.next(), Name: "Vandelay Generic CRM", OwnerEmail: ops.Email, UniqueID: "vandelay-crm",
		Created: g.now.AddDate(-1, 0, 0).Truncate(24 * time.Hour), Schemas: map[string][]CRMField{}, Objects: map[string]map[string]CRMItem{}}
	at := ci.Created
	ci.Schemas["ACCOUNT"] = []CRMField{{UniqueName: "Name", Label: "Account Name", Type: "STRING", LastModified: at},
		{UniqueName: "Website", Label: "Website", Type: "URL", LastModified: at}, {UniqueName: "Industry", Label: "Industry", Type: "PICKLIST", LastModified: at},
		{UniqueName: "NumberOfEmployees", Label: "Employees", Type: "NUMBER", LastModified: at}}
	ci.Schemas["DEAL"] = []CRMField{{UniqueName: "Name", Label: "Opportunity Name", Type: "STRING", LastModified: at},
		{UniqueName: "Amount", Label: "Amount", Type: "CURRENCY", LastModified: at},
		{UniqueName: "StageName", Label: "Stage", Type: "PICKLIST", LastModified: at, OrderedValueList: []string{"Discovery", "Qualification", "Demo", "Proposal", "Negotiation", "Closed Won", "Closed Lost"}},
		{UniqueName: "CloseDate", Label: "Close Date", Type: "DATE", LastModified: at}, {UniqueName: "AccountId", Label: "Account", Type: "REFERENCE", ReferenceTo: "ACCOUNT", LastModified: at}}
	ci.Schemas["CONTACT"] = []CRMField{{UniqueName: "FirstName", Label: "First Name", Type: "STRING", LastModified: at},
		{UniqueName: "LastName", Label: "Last Name", Type: "STRING", LastModified: at}, {UniqueName: "Email", Label: "Email", Type: "EMAIL", LastModified: at},
		{UniqueName: "Title", Label: "Title", Type: "STRING", LastModified: at}, {UniqueName: "AccountId", Label: "Account", Type: "REFERENCE", ReferenceTo: "ACCOUNT", LastModified: at}}
	ci.Objects["ACCOUNT"], ci.Objects["DEAL"], ci.Objects["CONTACT"] = map[string]CRMItem{}, map[string]CRMItem{}, map[string]CRMItem{}
	for _, a := range g.c.Accounts {
		ci.Objects["ACCOUNT"][a.CRMID] = CRMItem{"objectId": a.CRMID, "Name": a.Name, "Website": "https://" + a.Domain, "Industry": a.Industry, "NumberOfEmployees": a.Employees}
	}
	for _, d := range g.c.Deals {
		ci.Objects["DEAL"][d.CRMID] = CRMItem{"objectId": d.CRMID, "Name": d.Name, "Amount": d.Amount, "StageName": d.Stage,
			"CloseDate": d.CloseDate.Format("2006-01-02"), "AccountId": d.AccountID}
	}
	for _, ct := range g.c.Contacts {
		ci.Objects["CONTACT"][ct.CRMID] = CRMItem{"objectId": ct.CRMID, "FirstName": ct.FirstName, "LastName": ct.LastName,
			"Email": ct.Email, "Title": ct.Title, "AccountId": ct.AccountID}
	}
	g.c.CRMIntegrations = append(g.c.CRMIntegrations, ci)
}

func (g *gen) permissions() {
	sales := g.ws("Sales")
	level := func(l string) map[string]any { return map[string]any{"permissionLevel": l} }
	mk := func(name, desc string, calls string, admin bool, roles ...string) {
		p := &PermissionProfile{ID: g.ids.next(), WorkspaceID: sales}
		p.Body = map[string]any{"id": p.ID, "name": name, "description": desc,
			"callsAccess": level(calls), "dealsAccess": level(calls), "coachingAccess": level(calls),
			"insightsAccess": level(calls), "usageAccess": level(calls), "emailsAccess": level(calls),
			"libraryFolderAccess": map[string]any{"permissionLevel": "all", "managePublicFolder": admin},
			"forecastPermissions": map[string]any{"forecastAccess": level(calls)},
			"scoreCalls":          true, "overrideScore": admin, "downloadCallMedia": admin, "shareCallsWithCustomers": true,
			"manuallyScheduleAndUploadCalls": true, "privateCalls": true, "deleteCalls": admin, "trimCalls": admin,
			"listenInCalls": true, "callsAndSearch": true, "library": true, "deals": true, "account": true,
			"coaching": true, "usage": admin, "teamStats": true, "activity": true, "forecast": true,
			"manageScorecards": admin, "manageGeneralBusinessSettings": admin, "exportCallsAndCoachingDataToCSV": admin}
		for _, u := range g.c.Users {
			for _, r := range roles {
				if u.Role == r {
					p.UserIDs = append(p.UserIDs, u.ID)
					u.PermissionProfileID = p.ID
				}
			}
		}
		g.c.PermissionProfiles = append(g.c.PermissionProfiles, p)
	}
	mk("Admin", "Full access for executives and RevOps", "all", true, "exec", "ops")
	mk("Manager", "Managers see their teams", "managers-team", false, "manager")
	mk("Individual Contributor", "Reps see their own calls and public library", "own", false, "ae", "sdr", "se", "csm", "former")
}
