package gong

import (
	"net/http"
	"strconv"
	"time"
)

type conferencingProvider struct {
	Provider  string `json:"provider"`
	IsDefault bool   `json:"isDefault"`
}

type spokenLanguage struct {
	Language string `json:"language"`
	Primary  bool   `json:"primary"`
}

// userJSON is Gong's UserMetadata.
type userJSON struct {
	ID                    string                 `json:"id"`
	EmailAddress          string                 `json:"emailAddress"`
	Created               string                 `json:"created"`
	Active                bool                   `json:"active"`
	EmailAliases          []string               `json:"emailAliases"`
	TrustedEmailAddress   string                 `json:"trustedEmailAddress,omitempty"`
	FirstName             string                 `json:"firstName"`
	LastName              string                 `json:"lastName"`
	Title                 string                 `json:"title,omitempty"`
	PhoneNumber           string                 `json:"phoneNumber,omitempty"`
	Extension             string                 `json:"extension,omitempty"`
	PersonalMeetingUrls   []string               `json:"personalMeetingUrls"`
	Settings              UserSettings           `json:"settings"`
	ManagerID             string                 `json:"managerId,omitempty"`
	MeetingConsentPageURL string                 `json:"meetingConsentPageUrl,omitempty"`
	ConferencingProviders []conferencingProvider `json:"conferencingProviders"`
	SpokenLanguages       []spokenLanguage       `json:"spokenLanguages"`
}

func (s *Sandbox) userJSON(u *User) userJSON {
	return userJSON{
		ID: u.ID, EmailAddress: u.Email, Created: iso(u.Created), Active: u.Active, EmailAliases: []string{},
		TrustedEmailAddress: u.Email, FirstName: u.FirstName, LastName: u.LastName, Title: u.Title,
		PhoneNumber: u.Phone, Extension: u.Extension,
		PersonalMeetingUrls:   []string{"https://vandelaycloud.zoom.us/my/" + asciiLower(u.FirstName+u.LastName)},
		Settings:              u.Settings,
		ManagerID:             u.ManagerID,
		MeetingConsentPageURL: s.base() + "/consent/" + u.ID,
		ConferencingProviders: []conferencingProvider{{"Zoom", true}, {"Google Meet", false}},
		SpokenLanguages:       []spokenLanguage{{"en-US", true}},
	}
}

func asciiLower(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range asciiName(s) {
		switch {
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r))
		}
	}
	return string(b)
}

// listedUsers is the company's users, plus Gong's staff avatars on request.
func (s *Sandbox) listedUsers(avatars bool) []*User {
	us := s.company.Users
	if avatars {
		us = append(append([]*User{}, us...), s.company.Avatars...)
	}
	return us
}

type usersResponse struct {
	RequestID string     `json:"requestId"`
	Records   Records    `json:"records"`
	Users     []userJSON `json:"users"`
}

func (x *exchange) usersPage(kind, cursor string, users []*User) {
	from, to, rec, ok := x.page(kind, cursor, len(users))
	if !ok {
		return
	}
	resp := usersResponse{RequestID: x.id, Records: rec, Users: []userJSON{}}
	for _, u := range users[from:to] {
		resp.Users = append(resp.Users, x.s.userJSON(u))
	}
	x.json(http.StatusOK, resp)
}

// listUsers serves GET /v2/users.
func listUsers(x *exchange) {
	avatars, _ := strconv.ParseBool(x.query("includeAvatars"))
	x.usersPage("users", x.query("cursor"), x.s.listedUsers(avatars))
}

type usersExtensiveRequest struct {
	Cursor string `json:"cursor"`
	Filter *struct {
		CreatedFromDateTime string   `json:"createdFromDateTime"`
		CreatedToDateTime   string   `json:"createdToDateTime"`
		IncludeAvatars      bool     `json:"includeAvatars"`
		UserIDs             []string `json:"userIds"`
	} `json:"filter"`
}

// listUsersExtensive serves POST /v2/users/extensive.
func listUsersExtensive(x *exchange) {
	var req usersExtensiveRequest
	if !x.decode(&req) {
		return
	}
	if req.Filter == nil {
		x.fail(http.StatusBadRequest, "filter is required")
		return
	}
	var from, to time.Time
	var ok bool
	if v := req.Filter.CreatedFromDateTime; v != "" {
		if from, ok = parseTime(v); !ok {
			x.fail(http.StatusBadRequest, "createdFromDateTime: invalid date-time '"+v+"'")
			return
		}
	}
	if v := req.Filter.CreatedToDateTime; v != "" {
		if to, ok = parseTime(v); !ok {
			x.fail(http.StatusBadRequest, "createdToDateTime: invalid date-time '"+v+"'")
			return
		}
	}
	ids := setOf(req.Filter.UserIDs)
	var users []*User
	for _, u := range x.s.listedUsers(req.Filter.IncludeAvatars || ids != nil) {
		if ids != nil && !ids[u.ID] {
			continue
		}
		if !from.IsZero() && u.Created.Before(from) {
			continue
		}
		if !to.IsZero() && !u.Created.Before(to) {
			continue
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		x.fail(http.StatusNotFound, "No users found corresponding to the provided filters")
		return
	}
	x.usersPage("users-extensive", req.Cursor, users)
}

func (x *exchange) userParam() *User {
	id := x.params["id"]
	if !isNumericID(id) {
		x.fail(http.StatusBadRequest, "User ID '"+id+"' is not a valid user identifier")
		return nil
	}
	u := x.s.company.userByID[id]
	if u == nil {
		x.fail(http.StatusNotFound, "User not found: "+id)
	}
	return u
}

// getUser serves GET /v2/users/{id}.
func getUser(x *exchange) {
	u := x.userParam()
	if u == nil {
		return
	}
	x.json(http.StatusOK, struct {
		RequestID string   `json:"requestId"`
		User      userJSON `json:"user"`
	}{x.id, x.s.userJSON(u)})
}

type settingChange struct {
	Setting string `json:"setting"`
	Value   bool   `json:"value"`
	Time    string `json:"time"`
}

// getUserHistory serves GET /v2/users/{id}/settings-history: the settings
// as set when the user was created, then any later changes.
func getUserHistory(x *exchange) {
	u := x.userParam()
	if u == nil {
		return
	}
	t := iso(u.Created)
	hist := []settingChange{
		{"active", true, t},
		{"webConferencesRecorded", true, t},
		{"emailsImported", true, t},
		{"nonRecordedMeetingsImported", true, t},
	}
	if !u.Settings.WebConferencesRecorded {
		hist = append(hist, settingChange{"webConferencesRecorded", false, iso(u.Created.Add(24 * time.Hour))})
	}
	if u.Settings.GongConnectEnabled {
		hist = append(hist, settingChange{"gongConnectEnabled", true, iso(u.Created.Add(48 * time.Hour))})
	}
	if !u.Active {
		hist = append(hist, settingChange{"active", false, iso(x.s.company.Generated.AddDate(0, -2, 0))})
	}
	x.json(http.StatusOK, struct {
		RequestID           string          `json:"requestId"`
		UserSettingsHistory []settingChange `json:"userSettingsHistory"`
	}{x.id, hist})
}
