package gong

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Gong's date-time format in answers: ISO-8601 with offset, no fractions.
const isoTime = "2006-01-02T15:04:05Z07:00"

func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(isoTime)
}

const msgNoCalls = "No calls found corresponding to the provided filters"

// callMeta is Gong's CallBasicData.
type callMeta struct {
	ID              string `json:"id"`
	URL             string `json:"url"`
	Title           string `json:"title"`
	Scheduled       string `json:"scheduled,omitempty"`
	Started         string `json:"started"`
	Duration        int    `json:"duration"`
	PrimaryUserID   string `json:"primaryUserId"`
	Direction       string `json:"direction"`
	System          string `json:"system"`
	Scope           string `json:"scope"`
	Media           string `json:"media"`
	Language        string `json:"language"`
	WorkspaceID     string `json:"workspaceId"`
	SDRDisposition  string `json:"sdrDisposition,omitempty"`
	ClientUniqueID  string `json:"clientUniqueId,omitempty"`
	CustomData      string `json:"customData,omitempty"`
	Purpose         string `json:"purpose,omitempty"`
	MeetingURL      string `json:"meetingUrl,omitempty"`
	IsPrivate       bool   `json:"isPrivate"`
	CalendarEventID string `json:"calendarEventId,omitempty"`
}

func (s *Sandbox) callURL(id string) string { return s.base() + "/call?id=" + id }

func (s *Sandbox) meta(c *Call) callMeta {
	return callMeta{
		ID: c.ID, URL: s.callURL(c.ID), Title: c.Title, Scheduled: iso(c.Scheduled), Started: iso(c.Started),
		Duration: c.Duration, PrimaryUserID: c.PrimaryUserID, Direction: c.Direction, System: c.System,
		Scope: c.Scope, Media: c.Media, Language: c.Language, WorkspaceID: c.WorkspaceID,
		SDRDisposition: c.SDRDisposition, ClientUniqueID: c.ClientUniqueID, CustomData: c.CustomData,
		Purpose: c.Purpose, MeetingURL: c.MeetingURL, IsPrivate: c.IsPrivate, CalendarEventID: c.CalendarEventID,
	}
}

// visible reports whether read APIs can see the call: generated calls
// always, uploaded calls once their media arrived and processing ended.
func (c *Call) visible(now time.Time) bool {
	if !c.uploaded {
		return true
	}
	return !c.mediaPending && !now.Before(c.readyAt)
}

// callFilter is the common filter of the call listings.
type callFilter struct {
	from, to  time.Time // zero = open
	workspace string
	ids       map[string]bool
	users     map[string]bool
}

// parseTime reads an ISO-8601 date-time with offset or Z.
func parseTime(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	return t, err == nil
}

// rangeFilter builds a filter from fromDateTime/toDateTime/workspaceId,
// answering 400 on a malformed value.
func (x *exchange) rangeFilter(from, to, workspace string) (callFilter, bool) {
	var f callFilter
	var ok bool
	if from != "" {
		if f.from, ok = parseTime(from); !ok {
			x.fail(http.StatusBadRequest, "fromDateTime: invalid date-time '"+from+"', expected ISO-8601 such as 2018-02-18T02:30:00-07:00")
			return f, false
		}
	}
	if to != "" {
		if f.to, ok = parseTime(to); !ok {
			x.fail(http.StatusBadRequest, "toDateTime: invalid date-time '"+to+"', expected ISO-8601 such as 2018-02-18T08:00:00Z")
			return f, false
		}
	}
	if !f.from.IsZero() && !f.to.IsZero() && !f.from.Before(f.to) {
		x.fail(http.StatusBadRequest, "fromDateTime must be before toDateTime")
		return f, false
	}
	if workspace != "" && !isNumericID(workspace) {
		x.fail(http.StatusBadRequest, "workspaceId: invalid workspace identifier '"+workspace+"'")
		return f, false
	}
	f.workspace = workspace
	return f, true
}

func isNumericID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func setOf(xs []string) map[string]bool {
	if len(xs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// findCalls returns the visible calls matching f, in call-date order.
// fromDateTime is inclusive and toDateTime exclusive, as Gong documents.
func (s *Sandbox) findCalls(f callFilter, now time.Time) []*Call {
	var out []*Call
	for _, c := range s.company.Calls {
		d := c.Date()
		if !f.from.IsZero() && d.Before(f.from) {
			continue
		}
		if !f.to.IsZero() && !d.Before(f.to) {
			continue
		}
		if f.workspace != "" && c.WorkspaceID != f.workspace {
			continue
		}
		if f.ids != nil && !f.ids[c.ID] {
			continue
		}
		if f.users != nil && !f.users[c.PrimaryUserID] {
			continue
		}
		if !c.visible(now) {
			continue
		}
		out = append(out, c)
	}
	return out
}

type callsResponse struct {
	RequestID string     `json:"requestId"`
	Records   Records    `json:"records"`
	Calls     []callMeta `json:"calls"`
}

// listCalls serves GET /v2/calls. The cursor comes from the query string
// only, as on Gong.
func listCalls(x *exchange) {
	f, ok := x.rangeFilter(x.query("fromDateTime"), x.query("toDateTime"), x.query("workspaceId"))
	if !ok {
		return
	}
	calls := x.s.findCalls(f, x.now)
	if len(calls) == 0 {
		x.fail(http.StatusNotFound, msgNoCalls)
		return
	}
	from, to, rec, ok := x.page("calls", x.query("cursor"), len(calls))
	if !ok {
		return
	}
	resp := callsResponse{RequestID: x.id, Records: rec, Calls: make([]callMeta, 0, to-from)}
	for _, c := range calls[from:to] {
		resp.Calls = append(resp.Calls, x.s.meta(c))
	}
	x.json(http.StatusOK, resp)
}

// getCall serves GET /v2/calls/{id}.
func getCall(x *exchange) {
	id := x.params["id"]
	if !isNumericID(id) {
		x.fail(http.StatusBadRequest, "Call ID '"+id+"' is not a valid call identifier")
		return
	}
	c := x.s.company.callByID[id]
	if c == nil || !c.visible(x.now) {
		x.fail(http.StatusNotFound, "Call ID "+id+" was not found")
		return
	}
	x.json(http.StatusOK, struct {
		RequestID string   `json:"requestId"`
		Call      callMeta `json:"call"`
	}{x.id, x.s.meta(c)})
}

// newCallRequest is Gong's NewCallAddingRequest (the fields the sandbox
// reads; unknown fields are accepted and ignored, as Gong does).
type newCallRequest struct {
	ClientUniqueID string  `json:"clientUniqueId"`
	Title          string  `json:"title"`
	Purpose        string  `json:"purpose"`
	ScheduledStart string  `json:"scheduledStart"`
	ScheduledEnd   string  `json:"scheduledEnd"`
	ActualStart    string  `json:"actualStart"`
	Duration       float64 `json:"duration"`
	Parties        []struct {
		PhoneNumber  string `json:"phoneNumber"`
		EmailAddress string `json:"emailAddress"`
		Name         string `json:"name"`
		PartyID      string `json:"partyId"`
		UserID       string `json:"userId"`
	} `json:"parties"`
	Direction        string `json:"direction"`
	Disposition      string `json:"disposition"`
	CustomData       string `json:"customData"`
	MeetingURL       string `json:"meetingUrl"`
	CallProviderCode string `json:"callProviderCode"`
	DownloadMediaURL string `json:"downloadMediaUrl"`
	WorkspaceID      string `json:"workspaceId"`
	LanguageCode     string `json:"languageCode"`
	PrimaryUser      string `json:"primaryUser"`
}

var reservedTLDs = []string{".example", ".test", ".invalid", ".localhost"}

// addCall serves POST /v2/calls, step one of uploading a call. The call
// stays invisible to every read API until its media arrives (here, or by
// PUT /v2/calls/{id}/media) and processing finishes.
func addCall(x *exchange) {
	var req newCallRequest
	if !x.decode(&req) {
		return
	}
	var missing []string
	for name, v := range map[string]string{"clientUniqueId": req.ClientUniqueID, "actualStart": req.ActualStart,
		"direction": req.Direction, "primaryUser": req.PrimaryUser} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name+" is required")
		}
	}
	if len(req.Parties) == 0 {
		missing = append(missing, "parties is required")
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		x.fail(http.StatusBadRequest, missing...)
		return
	}
	start, ok := parseTime(req.ActualStart)
	if !ok {
		x.fail(http.StatusBadRequest, "actualStart: invalid date-time '"+req.ActualStart+"'")
		return
	}
	switch req.Direction {
	case "Inbound", "Outbound", "Conference", "Unknown":
	default:
		x.fail(http.StatusBadRequest, "direction: must be one of Inbound, Outbound, Conference, Unknown")
		return
	}
	co := x.s.company
	primary := co.userByID[req.PrimaryUser]
	if primary == nil || primary.Role == "avatar" {
		x.fail(http.StatusBadRequest, "primaryUser: user "+req.PrimaryUser+" was not found")
		return
	}
	ws := req.WorkspaceID
	if ws == "" {
		ws = primary.WorkspaceID
	} else if x.s.workspace(ws) == nil {
		x.fail(http.StatusBadRequest, "workspaceId: workspace "+ws+" was not found")
		return
	}
	c := &Call{Title: req.Title, Purpose: req.Purpose, WorkspaceID: ws, PrimaryUserID: primary.ID, Started: start,
		Duration: int(req.Duration), Direction: req.Direction, System: req.CallProviderCode, Media: "Audio",
		Language: "eng", ClientUniqueID: req.ClientUniqueID, CustomData: req.CustomData, MeetingURL: req.MeetingURL,
		SDRDisposition: req.Disposition, uploaded: true, Scope: "Internal", Kind: "internal"}
	if t, ok := parseTime(req.ScheduledStart); ok {
		c.Scheduled = t
	}
	if req.LanguageCode != "" {
		c.Language = req.LanguageCode
	}
	if c.Title == "" {
		c.Title = "Call by " + primary.FullName()
	}
	if c.System == "" {
		c.System = "API upload"
	}
	if c.Duration <= 0 {
		c.Duration = 60
	}
	if c.Direction == "Conference" {
		c.Media = "Video"
	}
	hasPrimary, customers := false, 0
	for _, p := range req.Parties {
		email := strings.ToLower(strings.TrimSpace(p.EmailAddress))
		for _, tld := range reservedTLDs {
			if strings.HasSuffix(email, tld) {
				x.fail(http.StatusBadRequest, "parties: email address '"+p.EmailAddress+"' has a reserved domain")
				return
			}
		}
		u := co.userByID[p.UserID]
		if u == nil && email != "" {
			for _, cand := range co.Users {
				if strings.EqualFold(cand.Email, email) {
					u = cand
				}
			}
		}
		var party *Party
		switch {
		case u != nil && u.ID == primary.ID:
			hasPrimary = true
			party = userParty(u, "host")
		case u != nil:
			party = userParty(u, "peer")
		default:
			role := "customer"
			if customers > 0 {
				role = "customer2"
			}
			customers++
			party = &Party{Name: p.Name, Email: p.EmailAddress, Phone: p.PhoneNumber, Affiliation: "External",
				Methods: []string{"Attendee"}, role: role}
			if party.Name == "" {
				party.Name = "Phone Caller #" + string(rune('0'+customers))
			}
		}
		party.ID, party.SpeakerID = x.s.ids.next(), x.s.ids.next()
		c.Parties = append(c.Parties, party)
	}
	if !hasPrimary {
		x.fail(http.StatusBadRequest, "parties: a party must be provided for the primaryUser")
		return
	}
	if customers > 0 {
		c.Scope, c.Kind = "External", "discovery"
	}
	if !primary.Settings.WebConferencesRecorded && !primary.Settings.TelephonyCallsImported {
		x.fail(http.StatusConflict, "Recording is not enabled for the primary user "+primary.ID)
		return
	}
	st := x.s.state
	if prev, dup := st.clientUniqueIDs[req.ClientUniqueID]; dup {
		x.fail(http.StatusConflict, "A call with clientUniqueId '"+req.ClientUniqueID+"' already exists (call "+prev+")")
		return
	}
	if req.DownloadMediaURL != "" {
		if st.mediaURLs[req.DownloadMediaURL] {
			x.fail(http.StatusBadRequest, "downloadMediaUrl must be unique; '"+req.DownloadMediaURL+"' was already used")
			return
		}
		st.mediaURLs[req.DownloadMediaURL] = true
		c.readyAt = x.now.Add(callProcessingDelay)
	} else {
		c.mediaPending = true
	}
	c.ID = x.s.ids.next()
	sum := sha256.Sum256([]byte(req.ClientUniqueID))
	c.seed = binary.BigEndian.Uint64(sum[:8])
	st.clientUniqueIDs[req.ClientUniqueID] = c.ID
	x.s.insertCall(c)
	x.json(http.StatusOK, struct {
		RequestID string `json:"requestId"`
		CallID    string `json:"callId"`
	}{x.id, c.ID})
}

// insertCall adds c keeping Calls ordered by call date.
func (s *Sandbox) insertCall(c *Call) {
	calls := s.company.Calls
	i := sort.Search(len(calls), func(i int) bool { return calls[i].Date().After(c.Date()) })
	calls = append(calls, nil)
	copy(calls[i+1:], calls[i:])
	calls[i] = c
	s.company.Calls = calls
	s.company.callByID[c.ID] = c
}

func (s *Sandbox) workspace(id string) *Workspace {
	for _, w := range s.company.Workspaces {
		if w.ID == id {
			return w
		}
	}
	return nil
}

// addCallMedia serves PUT /v2/calls/{id}/media: a multipart form with the
// recording in part "mediaFile". Processing starts now and takes
// callProcessingDelay of sandbox time.
func addCallMedia(x *exchange) {
	id := x.params["id"]
	c := x.s.company.callByID[id]
	if c == nil {
		x.fail(http.StatusNotFound, "Call ID "+id+" was not found")
		return
	}
	if !c.uploaded || !c.mediaPending {
		x.fail(http.StatusBadRequest, "Media was already provided for call "+id)
		return
	}
	file, _, err := x.r.FormFile("mediaFile")
	if err != nil {
		x.fail(http.StatusBadRequest, "Malformed request: multipart/form-data with a 'mediaFile' part is required")
		return
	}
	defer file.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(file, 1536<<20))
	if err != nil {
		x.fail(http.StatusBadRequest, "Could not read mediaFile: "+err.Error())
		return
	}
	if n == 0 {
		x.fail(http.StatusBadRequest, "mediaFile is empty")
		return
	}
	hash := hex.EncodeToString(h.Sum(nil))
	if other, dup := x.s.state.mediaHashes[hash]; dup {
		x.fail(http.StatusBadRequest, "Identical media was already uploaded for call "+other)
		return
	}
	x.s.state.mediaHashes[hash] = id
	c.mediaHash = hash
	c.mediaPending = false
	c.readyAt = x.now.Add(callProcessingDelay)
	x.json(http.StatusCreated, struct {
		RequestID string `json:"requestId"`
		CallID    string `json:"callId"`
		URL       string `json:"url"`
	}{x.id, id, x.s.callURL(id)})
}
