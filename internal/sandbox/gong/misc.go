package gong

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

var logTypes = map[string]bool{"AccessLog": true, "UserActivityLog": true, "UserCallPlay": true,
	"ExternallySharedCallAccess": true, "ExternallySharedCallPlay": true}

type logEntryJSON struct {
	UserID           string         `json:"userId,omitempty"`
	UserEmailAddress string         `json:"userEmailAddress,omitempty"`
	UserFullName     string         `json:"userFullName,omitempty"`
	EventTime        string         `json:"eventTime"`
	LogRecord        map[string]any `json:"logRecord"`
}

// listLogs serves GET /v2/logs.
func listLogs(x *exchange) {
	lt := x.query("logType")
	if !logTypes[lt] {
		x.fail(http.StatusBadRequest, "logType must be one of "+strings.Join(sortedKeys(logTypes), ", "))
		return
	}
	if x.query("fromDateTime") == "" {
		x.fail(http.StatusBadRequest, "Required parameter 'fromDateTime' is missing")
		return
	}
	f, ok := x.rangeFilter(x.query("fromDateTime"), x.query("toDateTime"), "")
	if !ok {
		return
	}
	var entries []*LogEntry
	for _, e := range x.s.company.Logs {
		if e.Type == lt && !e.Time.Before(f.from) && (f.to.IsZero() || e.Time.Before(f.to)) && !e.Time.After(x.now) {
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		x.fail(http.StatusNotFound, "No logs found corresponding to the provided filters")
		return
	}
	from, to, rec, ok := x.page("logs", x.query("cursor"), len(entries))
	if !ok {
		return
	}
	out := []logEntryJSON{}
	for _, e := range entries[from:to] {
		lj := logEntryJSON{UserID: e.UserID, EventTime: iso(e.Time), LogRecord: e.Record}
		if u := x.s.company.userByID[e.UserID]; u != nil {
			lj.UserEmailAddress, lj.UserFullName = u.Email, u.FullName()
		}
		out = append(out, lj)
	}
	x.json(http.StatusOK, struct {
		RequestID  string         `json:"requestId"`
		Records    Records        `json:"records"`
		LogEntries []logEntryJSON `json:"logEntries"`
	}{x.id, rec, out})
}

type invitee struct {
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
}

type meetingRequest struct {
	StartTime      string    `json:"startTime"`
	EndTime        string    `json:"endTime"`
	Title          string    `json:"title"`
	Invitees       []invitee `json:"invitees"`
	ExternalID     string    `json:"externalId"`
	Provider       string    `json:"provider"`
	OrganizerEmail string    `json:"organizerEmail"`
}

// meetingFrom validates a create/update body into a meeting.
func (x *exchange) meetingFrom(req *meetingRequest) (*meeting, bool) {
	start, ok1 := parseTime(req.StartTime)
	end, ok2 := parseTime(req.EndTime)
	if !ok1 || !ok2 || req.OrganizerEmail == "" || req.Invitees == nil {
		x.fail(http.StatusBadRequest, "startTime, endTime (ISO-8601), invitees and organizerEmail are required")
		return nil, false
	}
	if !start.Before(end) {
		x.fail(http.StatusBadRequest, "startTime must be before endTime")
		return nil, false
	}
	if x.s.userByEmail(req.OrganizerEmail) == nil {
		x.fail(http.StatusNotFound, "Organizer "+req.OrganizerEmail+" is not a Gong user")
		return nil, false
	}
	m := &meeting{organizer: req.OrganizerEmail, externalID: req.ExternalID, start: start, end: end, title: req.Title}
	for _, i := range req.Invitees {
		m.invitees = append(m.invitees, i.Email)
	}
	return m, true
}

// addMeeting serves POST /v2/meetings.
func addMeeting(x *exchange) {
	var req meetingRequest
	if !x.decode(&req) {
		return
	}
	m, ok := x.meetingFrom(&req)
	if !ok {
		return
	}
	if m.externalID != "" {
		for _, other := range x.s.state.meetings {
			if other.externalID == m.externalID {
				x.fail(http.StatusConflict, "A meeting with externalId '"+m.externalID+"' already exists")
				return
			}
		}
	}
	id := x.s.ids.next()
	x.s.state.meetings[id] = m
	x.json(http.StatusOK, struct {
		RequestID          string    `json:"requestId"`
		MeetingID          string    `json:"meetingId"`
		MeetingURL         string    `json:"meetingUrl"`
		AdditionalInvitees []invitee `json:"additionalInvitees"`
	}{x.id, id, x.s.base() + "/meeting/" + id, []invitee{{Email: "recorder@gong.io", DisplayName: "Gong Recorder"}}})
}

// updateMeeting serves PUT /v2/meetings/{meetingId}.
func updateMeeting(x *exchange) {
	id := x.params["meetingId"]
	old := x.s.state.meetings[id]
	if old == nil {
		x.fail(http.StatusNotFound, "Meeting "+id+" was not found")
		return
	}
	var req meetingRequest
	if !x.decode(&req) {
		return
	}
	m, ok := x.meetingFrom(&req)
	if !ok {
		return
	}
	if !strings.EqualFold(old.organizer, m.organizer) {
		x.fail(http.StatusForbidden, "Only the organizer can update the meeting")
		return
	}
	x.s.state.meetings[id] = m
	x.json(http.StatusOK, struct {
		RequestID string `json:"requestId"`
		MeetingID string `json:"meetingId"`
	}{x.id, id})
}

// deleteMeeting serves DELETE /v2/meetings/{meetingId} (a JSON body names
// the organizer).
func deleteMeeting(x *exchange) {
	id := x.params["meetingId"]
	m := x.s.state.meetings[id]
	if m == nil {
		x.fail(http.StatusNotFound, "Meeting "+id+" was not found")
		return
	}
	var req struct {
		OrganizerEmail string `json:"organizerEmail"`
	}
	if !x.decode(&req) {
		return
	}
	if !strings.EqualFold(req.OrganizerEmail, m.organizer) {
		x.fail(http.StatusForbidden, "Only the organizer can delete the meeting")
		return
	}
	delete(x.s.state.meetings, id)
	x.json(http.StatusOK, struct {
		OrganizerEmail string `json:"organizerEmail"`
	}{m.organizer})
}

// meetingIntegrationStatus serves POST /v2/meetings/integration/status.
func meetingIntegrationStatus(x *exchange) {
	var req struct {
		Emails []string `json:"emails"`
	}
	if !x.decode(&req) {
		return
	}
	if len(req.Emails) > 100 {
		x.fail(http.StatusBadRequest, "At most 100 emails per request")
		return
	}
	type status struct {
		Email           string `json:"email"`
		Exists          bool   `json:"exists"`
		Valid           bool   `json:"valid"`
		UserFacingError string `json:"userFacingError,omitempty"`
		FixURL          string `json:"fixUrl,omitempty"`
		HelpURL         string `json:"helpUrl,omitempty"`
	}
	out := []status{}
	for _, e := range req.Emails {
		u := x.s.userByEmail(e)
		st := status{Email: e, Exists: u != nil, Valid: u != nil && u.Active && u.Settings.WebConferencesRecorded}
		if !st.Valid {
			st.UserFacingError = "The user's calendar integration is not connected"
			st.FixURL, st.HelpURL = x.s.base()+"/settings/integrations", "https://help.gong.io/"
		}
		out = append(out, st)
	}
	x.json(http.StatusOK, struct {
		RequestID string   `json:"requestId"`
		Users     []status `json:"users"`
	}{x.id, out})
}

// Permission profiles keep the spec's JSON shape as a map so whatever a
// client sets round-trips.

func (s *Sandbox) profile(id string) *PermissionProfile {
	for _, p := range s.company.PermissionProfiles {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (x *exchange) profileParam() *PermissionProfile {
	id := x.query("profileId")
	if id == "" {
		x.fail(http.StatusBadRequest, "Required parameter 'profileId' is missing")
		return nil
	}
	p := x.s.profile(id)
	if p == nil {
		x.fail(http.StatusBadRequest, "Permission profile "+id+" was not found")
	}
	return p
}

func (x *exchange) profileAnswer(p *PermissionProfile) {
	x.json(http.StatusOK, struct {
		RequestID string         `json:"requestId"`
		Profile   map[string]any `json:"profile"`
	}{x.id, p.Body})
}

// listPermissionProfiles serves GET /v2/all-permission-profiles.
func listPermissionProfiles(x *exchange) {
	ws := x.query("workspaceId")
	if ws == "" {
		x.fail(http.StatusBadRequest, "Required parameter 'workspaceId' is missing")
		return
	}
	if x.s.workspace(ws) == nil {
		x.fail(http.StatusBadRequest, "Workspace "+ws+" was not found")
		return
	}
	out := []map[string]any{}
	for _, p := range x.s.company.PermissionProfiles {
		if p.WorkspaceID == ws {
			out = append(out, p.Body)
		}
	}
	x.json(http.StatusOK, struct {
		RequestID string           `json:"requestId"`
		Profiles  []map[string]any `json:"profiles"`
	}{x.id, out})
}

func getPermissionProfile(x *exchange) {
	if p := x.profileParam(); p != nil {
		x.profileAnswer(p)
	}
}

// decodeProfile reads a PermissionProfileDTO body.
func (x *exchange) decodeProfile() (map[string]any, bool) {
	var body map[string]any
	if !x.decode(&body) {
		return nil, false
	}
	if name, _ := body["name"].(string); strings.TrimSpace(name) == "" {
		x.fail(http.StatusBadRequest, "name is required")
		return nil, false
	}
	// Round-trip through JSON so only JSON values are stored.
	raw, _ := json.Marshal(body)
	var clean map[string]any
	_ = json.Unmarshal(raw, &clean)
	return clean, true
}

// createPermissionProfile serves POST /v2/permission-profile; a name
// already used in the workspace is a 422.
func createPermissionProfile(x *exchange) {
	ws := x.query("workspaceId")
	if x.s.workspace(ws) == nil {
		x.fail(http.StatusBadRequest, "workspaceId: workspace '"+ws+"' was not found")
		return
	}
	body, ok := x.decodeProfile()
	if !ok {
		return
	}
	for _, p := range x.s.company.PermissionProfiles {
		if p.WorkspaceID == ws && strings.EqualFold(str(p.Body["name"]), str(body["name"])) {
			x.fail(http.StatusUnprocessableEntity, "A permission profile named '"+str(body["name"])+"' already exists")
			return
		}
	}
	p := &PermissionProfile{ID: x.s.ids.next(), WorkspaceID: ws, Body: body}
	body["id"] = p.ID
	x.s.company.PermissionProfiles = append(x.s.company.PermissionProfiles, p)
	x.profileAnswer(p)
}

// updatePermissionProfile serves PUT /v2/permission-profile.
func updatePermissionProfile(x *exchange) {
	p := x.profileParam()
	if p == nil {
		return
	}
	body, ok := x.decodeProfile()
	if !ok {
		return
	}
	body["id"] = p.ID
	p.Body = body
	x.profileAnswer(p)
}

func str(v any) string { s, _ := v.(string); return s }

// listPermissionProfileUsers serves GET /v2/permission-profile/users.
func listPermissionProfileUsers(x *exchange) {
	p := x.profileParam()
	if p == nil {
		return
	}
	type u struct {
		ID           string `json:"id"`
		FullName     string `json:"fullName"`
		EmailAddress string `json:"emailAddress"`
	}
	out := []u{}
	for _, id := range p.UserIDs {
		if usr := x.s.company.userByID[id]; usr != nil {
			out = append(out, u{usr.ID, usr.FullName(), usr.Email})
		}
	}
	x.json(http.StatusOK, struct {
		RequestID string `json:"requestId"`
		Users     []u    `json:"users"`
	}{x.id, out})
}

type callAccessList struct {
	CallAccessList []struct {
		CallID  string   `json:"callId"`
		UserIDs []string `json:"userIds"`
	} `json:"callAccessList"`
}

// accessChange validates a users-access body: known calls and users.
func (x *exchange) accessChange() (*callAccessList, bool) {
	var req callAccessList
	if !x.decode(&req) {
		return nil, false
	}
	if len(req.CallAccessList) == 0 {
		x.fail(http.StatusBadRequest, "callAccessList is required")
		return nil, false
	}
	for _, a := range req.CallAccessList {
		if x.s.company.callByID[a.CallID] == nil {
			x.fail(http.StatusBadRequest, "Call ID "+a.CallID+" was not found")
			return nil, false
		}
		for _, u := range a.UserIDs {
			if x.s.company.userByID[u] == nil {
				x.fail(http.StatusBadRequest, "User ID "+u+" was not found")
				return nil, false
			}
		}
	}
	return &req, true
}

func (x *exchange) ok() {
	x.json(http.StatusOK, struct {
		RequestID string `json:"requestId"`
	}{x.id})
}

// addUsersAccess serves PUT /v2/calls/users-access.
func addUsersAccess(x *exchange) {
	req, ok := x.accessChange()
	if !ok {
		return
	}
	for _, a := range req.CallAccessList {
		m := x.s.state.callAccess[a.CallID]
		if m == nil {
			m = map[string]bool{}
			x.s.state.callAccess[a.CallID] = m
		}
		for _, u := range a.UserIDs {
			m[u] = true
		}
	}
	x.ok()
}

// deleteUsersAccess serves DELETE /v2/calls/users-access (JSON body).
func deleteUsersAccess(x *exchange) {
	req, ok := x.accessChange()
	if !ok {
		return
	}
	for _, a := range req.CallAccessList {
		for _, u := range a.UserIDs {
			delete(x.s.state.callAccess[a.CallID], u)
		}
	}
	x.ok()
}

// getUsersAccess serves POST /v2/calls/users-access (a read).
func getUsersAccess(x *exchange) {
	var req struct {
		Filter *struct {
			CallIDs []string `json:"callIds"`
		} `json:"filter"`
	}
	if !x.decode(&req) {
		return
	}
	if req.Filter == nil || len(req.Filter.CallIDs) == 0 {
		x.fail(http.StatusBadRequest, "filter.callIds is required")
		return
	}
	type userRef struct {
		UserID string `json:"userId"`
	}
	type access struct {
		CallID string    `json:"callId"`
		Users  []userRef `json:"users"`
	}
	out := []access{}
	for _, id := range req.Filter.CallIDs {
		a := access{CallID: id, Users: []userRef{}}
		for _, u := range sortedKeys(x.s.state.callAccess[id]) {
			a.Users = append(a.Users, userRef{u})
		}
		out = append(out, a)
	}
	x.json(http.StatusOK, struct {
		RequestID      string   `json:"requestId"`
		CallAccessList []access `json:"callAccessList"`
	}{x.id, out})
}

// addDigitalInteraction serves POST /v2/digital-interaction. An eventId
// reported twice is a 409.
func addDigitalInteraction(x *exchange) {
	var req struct {
		EventID          string `json:"eventId"`
		Timestamp        string `json:"timestamp"`
		EventType        string `json:"eventType"`
		SourceSystemName string `json:"sourceSystemName"`
		Content          *struct {
			ContentID    string `json:"contentId"`
			ContentTitle string `json:"contentTitle"`
			ContentURL   string `json:"contentUrl"`
		} `json:"content"`
		Person *struct {
			Email string `json:"email"`
		} `json:"person"`
	}
	if !x.decode(&req) {
		return
	}
	at, ok := parseTime(req.Timestamp)
	if req.EventID == "" || req.EventType == "" || !ok || req.Content == nil || req.Content.ContentTitle == "" {
		x.fail(http.StatusBadRequest, "eventId, timestamp (ISO-8601), eventType and content.contentTitle are required")
		return
	}
	key := "digital/" + req.EventID
	if x.s.state.engagementEvents[key] {
		x.fail(http.StatusConflict, "Event "+req.EventID+" was already reported")
		return
	}
	x.s.state.engagementEvents[key] = true
	ev := digitalEvent{kind: "digitalInteraction", eventID: req.EventID, system: req.SourceSystemName, name: req.EventType,
		contentID: req.Content.ContentID, contentURL: req.Content.ContentURL, at: at}
	if req.Person != nil {
		ev.email = req.Person.Email
	}
	x.s.state.digitalEvents = append(x.s.state.digitalEvents, ev)
	x.ok()
}

// integrationSettings serves POST /v2/integration-settings.
func integrationSettings(x *exchange) {
	var req struct {
		Settings []struct {
			IntegrationType string `json:"integrationType"`
			AllowedOrigin   string `json:"allowedOrigin"`
		} `json:"integrationTypeSettings"`
	}
	if !x.decode(&req) {
		return
	}
	if len(req.Settings) == 0 {
		x.fail(http.StatusBadRequest, "integrationTypeSettings is required")
		return
	}
	for _, st := range req.Settings {
		switch st.IntegrationType {
		case "EMAIL_COMPOSER", "ACCOUNT_PAGES", "DIALER":
		default:
			x.fail(http.StatusBadRequest, "integrationType must be one of EMAIL_COMPOSER, ACCOUNT_PAGES, DIALER")
			return
		}
		if !strings.HasPrefix(st.AllowedOrigin, "https://") && !strings.HasPrefix(st.AllowedOrigin, "http://") {
			x.fail(http.StatusBadRequest, "allowedOrigin must be an http(s) origin")
			return
		}
		x.s.state.allowedOrigins[st.IntegrationType] = st.AllowedOrigin
	}
	x.json(http.StatusOK, struct {
		RequestID     string `json:"requestId"`
		IntegrationID int64  `json:"integrationId"`
	}{x.id, id64(x.s.company.CRMIntegrations[0].ID)})
}

// engagementEvent handles the three legacy customer-engagement PUTs: the
// same (reportingSystem, eventId) reported twice is a 409.
func engagementEvent(x *exchange, kind string, needContent bool) {
	var req struct {
		ReportingSystem string `json:"reportingSystem"`
		EventTimestamp  string `json:"eventTimestamp"`
		EventID         string `json:"eventId"`
		ContentID       string `json:"contentId"`
		ContentURL      string `json:"contentUrl"`
		ContentTitle    string `json:"contentTitle"`
		ActionName      string `json:"actionName"`
		Viewer          *struct {
			Email string `json:"email"`
		} `json:"viewer"`
		Actor *struct {
			Email string `json:"email"`
		} `json:"actor"`
	}
	if !x.decode(&req) {
		return
	}
	at, ok := parseTime(req.EventTimestamp)
	if req.ReportingSystem == "" || !ok || needContent && (req.ContentID == "" || req.ContentURL == "" || req.ContentTitle == "") {
		msg := "reportingSystem and eventTimestamp (ISO-8601) are required"
		if needContent {
			msg = "reportingSystem, eventTimestamp (ISO-8601), contentId, contentUrl and contentTitle are required"
		}
		x.fail(http.StatusBadRequest, msg)
		return
	}
	if req.EventID != "" {
		key := kind + "/" + req.ReportingSystem + "/" + req.EventID
		if x.s.state.engagementEvents[key] {
			x.fail(http.StatusConflict, "Event "+req.EventID+" was already reported by "+req.ReportingSystem)
			return
		}
		x.s.state.engagementEvents[key] = true
	}
	ev := digitalEvent{kind: kind, eventID: req.EventID, system: req.ReportingSystem, name: req.ActionName,
		contentID: req.ContentID, contentURL: req.ContentURL, at: at}
	if req.Viewer != nil {
		ev.email = req.Viewer.Email
	}
	if req.Actor != nil {
		ev.email = req.Actor.Email
	}
	x.s.state.digitalEvents = append(x.s.state.digitalEvents, ev)
	x.json(http.StatusOK, struct {
		RequestID     string `json:"requestId"`
		IntegrationID int64  `json:"integrationId,omitempty"`
	}{RequestID: x.id})
}

func engagementAction(x *exchange) { engagementEvent(x, "customEvent", false) }
func engagementShared(x *exchange) { engagementEvent(x, "contentShared", true) }
func engagementViewed(x *exchange) { engagementEvent(x, "contentViewed", true) }

type coachingUser struct {
	ID           string `json:"id"`
	EmailAddress string `json:"emailAddress"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Title        string `json:"title"`
}

func coachingUserOf(u *User) coachingUser {
	return coachingUser{u.ID, u.Email, u.FirstName, u.LastName, u.Title}
}

// listCoaching serves GET /v2/coaching: for the manager, each direct
// report's coaching figures in [from, to), counted from the same activity
// the stats endpoints use.
func listCoaching(x *exchange) {
	ws, mgr := x.query("workspace-id"), x.query("manager-id")
	if ws == "" || mgr == "" || x.query("from") == "" || x.query("to") == "" {
		x.fail(http.StatusBadRequest, "workspace-id, manager-id, from and to are required")
		return
	}
	if x.s.workspace(ws) == nil {
		x.fail(http.StatusBadRequest, "workspace-id: workspace "+ws+" was not found")
		return
	}
	m := x.s.company.userByID[mgr]
	if m == nil {
		x.fail(http.StatusBadRequest, "manager-id: user "+mgr+" was not found")
		return
	}
	f, ok := x.rangeFilter(x.query("from"), x.query("to"), "")
	if !ok {
		return
	}
	reports := []map[string]any{}
	for _, u := range x.s.company.Users {
		if u.ManagerID != m.ID {
			continue
		}
		// Gong's metrics map each metric to the set of calls behind it.
		metrics := map[string][]string{"callsHosted": {}, "callsListenedByManager": {}, "callsCommentedByManager": {},
			"callsScoredByManager": {}, "feedbackRequested": {}, "feedbackReceived": {}}
		add := func(metric, call string) {
			if !contains(metrics[metric], call) {
				metrics[metric] = append(metrics[metric], call)
			}
		}
		for _, e := range x.s.company.Activity {
			if e.Time.Before(f.from) || !f.to.IsZero() && !e.Time.Before(f.to) {
				continue
			}
			if e.UserID == u.ID {
				switch e.Kind {
				case ActCallsAsHost:
					add("callsHosted", e.CallID)
				case ActCallsRequestedFeedback:
					add("feedbackRequested", e.CallID)
				case ActCallsReceivedFeedback:
					add("feedbackReceived", e.CallID)
				}
			}
			if e.UserID == m.ID {
				if c := x.s.company.callByID[e.CallID]; c != nil && c.PrimaryUserID == u.ID {
					switch e.Kind {
					case ActOthersCallsListenedTo:
						add("callsListenedByManager", e.CallID)
					case ActCallsCommentsGiven:
						add("callsCommentedByManager", e.CallID)
					case ActCallsScorecardsFilled:
						add("callsScoredByManager", e.CallID)
					}
				}
			}
		}
		reports = append(reports, map[string]any{"report": coachingUserOf(u), "metrics": metrics})
	}
	x.json(http.StatusOK, struct {
		RequestID    string           `json:"requestId"`
		CoachingData []map[string]any `json:"coachingData"`
	}{x.id, []map[string]any{{"manager": coachingUserOf(m), "directReportsMetrics": reports}}})
}

type taskJSON struct {
	ID          int64          `json:"id"`
	UserID      int64          `json:"userId"`
	Created     string         `json:"created"`
	Updated     string         `json:"updated"`
	Status      string         `json:"status"`
	Type        string         `json:"type"`
	Actions     []string       `json:"actions"`
	Account     map[string]any `json:"account,omitempty"`
	DueDate     string         `json:"dueDate,omitempty"`
	Flow        map[string]any `json:"flow,omitempty"`
	Contact     map[string]any `json:"contact,omitempty"`
	Title       string         `json:"title,omitempty"`
	Priority    map[string]any `json:"priority,omitempty"`
	Opportunity map[string]any `json:"opportunity,omitempty"`
}

var priorities = map[string]int{"Low": 1, "Medium": 2, "High": 3}

func (s *Sandbox) taskJSON(t *Task) taskJSON {
	tj := taskJSON{ID: id64(t.ID), UserID: id64(t.UserID), Created: iso(t.Created), Updated: iso(t.Updated), Status: t.Status,
		Type: t.Type, Actions: t.Actions, DueDate: iso(t.Due)}
	if t.Type == "MANUAL" {
		tj.Title = t.Title
	}
	if w, ok := priorities[t.Priority]; ok {
		tj.Priority = map[string]any{"id": w, "name": t.Priority, "weight": w}
	}
	if ct := s.company.contactByID[t.ContactID]; ct != nil {
		a := s.company.accountByID[ct.AccountID]
		tj.Contact = map[string]any{"crmId": ct.CRMID, "type": "CONTACT", "data": map[string]any{
			"firstName": ct.FirstName, "lastName": ct.LastName, "companyName": a.Name, "affiliation": "Them", "title": ct.Title,
			"emails": []map[string]string{{"email": ct.Email}}, "phoneNumbers": []map[string]any{{"raw": ct.Phone, "normalized": "+" + digits(ct.Phone), "isVerified": true}}}}
		tj.Account = map[string]any{"crmId": a.CRMID, "name": a.Name}
	}
	if f := s.flow(t.FlowID); f != nil {
		step := f.Steps[min(len(f.Steps), max(1, t.StepNumber))-1]
		tj.Flow = map[string]any{"id": id64(f.ID), "name": f.Name, "step": map[string]any{"id": id64(step.ID), "name": strings.ToLower(step.Action), "stepNumber": step.Order}}
	}
	return tj
}

func (x *exchange) tasksAnswer(ts []*Task) {
	out := []taskJSON{}
	for _, t := range ts {
		out = append(out, x.s.taskJSON(t))
	}
	x.json(http.StatusOK, struct {
		RequestID string     `json:"requestId"`
		Tasks     []taskJSON `json:"tasks"`
		CrmType   string     `json:"crmType"`
	}{x.id, out, "SALESFORCE"})
}

// listTasks serves POST /v2/tasks (a read).
func listTasks(x *exchange) {
	var req struct {
		Filter *struct {
			UserID      string   `json:"userId"`
			WorkspaceID string   `json:"workspaceId"`
			Types       []string `json:"types"`
			TaskAction  []string `json:"taskAction"`
			Status      []string `json:"status"`
		} `json:"filter"`
	}
	if !x.decode(&req) {
		return
	}
	f := req.Filter
	if f == nil || f.UserID == "" || len(f.Types) == 0 || len(f.TaskAction) == 0 || len(f.Status) == 0 {
		x.fail(http.StatusBadRequest, "filter.userId, filter.types, filter.taskAction and filter.status are required")
		return
	}
	if x.s.company.userByID[f.UserID] == nil {
		x.fail(http.StatusBadRequest, "userId: user "+f.UserID+" was not found")
		return
	}
	types, statuses, actions := setOf(f.Types), setOf(f.Status), setOf(f.TaskAction)
	var out []*Task
	for _, t := range x.s.company.Tasks {
		if t.UserID != f.UserID || !types[t.Type] || !statuses[t.Status] {
			continue
		}
		match := false
		for _, a := range t.Actions {
			match = match || actions[a]
		}
		if match {
			out = append(out, t)
		}
	}
	x.tasksAnswer(out)
}

// updateTask serves PATCH /v2/tasks/{taskId}.
func updateTask(x *exchange) {
	var req struct {
		UserID   string `json:"userId"`
		Status   string `json:"status"`
		DueDate  string `json:"dueDate"`
		Priority string `json:"priority"`
	}
	if !x.decode(&req) {
		return
	}
	var t *Task
	for _, c := range x.s.company.Tasks {
		if c.ID == x.params["taskId"] {
			t = c
		}
	}
	if t == nil {
		x.fail(http.StatusNotFound, "TaskId not found: "+x.params["taskId"])
		return
	}
	if req.UserID != t.UserID {
		x.fail(http.StatusForbidden, "The task does not belong to user "+req.UserID)
		return
	}
	switch req.Status {
	case "", "OPEN", "DONE", "DISMISSED":
	default:
		x.fail(http.StatusBadRequest, "status must be one of OPEN, DONE, DISMISSED")
		return
	}
	var due time.Time
	if req.DueDate != "" {
		d, ok := parseTime(req.DueDate)
		if !ok {
			x.fail(http.StatusBadRequest, "dueDate: invalid date-time")
			return
		}
		due = d
	}
	if _, ok := priorities[req.Priority]; req.Priority != "" && !ok {
		x.fail(http.StatusBadRequest, "priority must be one of Low, Medium, High")
		return
	}
	if req.Status != "" {
		t.Status = req.Status
	}
	if !due.IsZero() {
		t.Due = due
	}
	if req.Priority != "" {
		t.Priority = req.Priority
	}
	t.Updated = x.now
	x.tasksAnswer([]*Task{t})
}
