package gong

import "net/http"

// listWorkspaces serves GET /v2/workspaces.
func listWorkspaces(x *exchange) {
	type ws struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	out := []ws{}
	for _, w := range x.s.company.Workspaces {
		out = append(out, ws{w.ID, w.Name, w.Description})
	}
	x.json(http.StatusOK, struct {
		RequestID  string `json:"requestId"`
		Workspaces []ws   `json:"workspaces"`
	}{x.id, out})
}

// optionalWorkspace reads an optional workspaceId query parameter; it
// answers 404 for an unknown workspace.
func (x *exchange) optionalWorkspace(name string) (string, bool) {
	id := x.query(name)
	if id == "" {
		return "", true
	}
	if x.s.workspace(id) == nil {
		x.fail(http.StatusNotFound, "Workspace not found: "+id)
		return "", false
	}
	return id, true
}

type trackerKeywords struct {
	Language            string   `json:"language"`
	Keywords            []string `json:"keywords"`
	IncludeRelatedForms bool     `json:"includeRelatedForms"`
}

type keywordTracker struct {
	TrackerID        string            `json:"trackerId"`
	TrackerName      string            `json:"trackerName"`
	WorkspaceID      string            `json:"workspaceId"`
	LanguageKeywords []trackerKeywords `json:"languageKeywords"`
	Affiliation      string            `json:"affiliation"`
	PartOfQuestion   bool              `json:"partOfQuestion"`
	SaidAt           string            `json:"saidAt"`
	SaidAtInterval   int               `json:"saidAtInterval,omitempty"`
	SaidAtUnit       string            `json:"saidAtUnit,omitempty"`
	SaidInTopics     []string          `json:"saidInTopics"`
	Created          string            `json:"created"`
	Updated          string            `json:"updated"`
}

// listTrackers serves GET /v2/settings/trackers (keyword trackers; smart
// trackers are not exposed by this operation).
func listTrackers(x *exchange) {
	ws, ok := x.optionalWorkspace("workspaceId")
	if !ok {
		return
	}
	out := []keywordTracker{}
	for _, t := range x.s.company.Trackers {
		if t.Type != "KEYWORD" || ws != "" && t.WorkspaceID != ws {
			continue
		}
		out = append(out, keywordTracker{TrackerID: t.ID, TrackerName: t.Name, WorkspaceID: t.WorkspaceID,
			LanguageKeywords: []trackerKeywords{{Language: "eng", Keywords: t.Keywords, IncludeRelatedForms: true}},
			Affiliation:      t.Affiliation, SaidAt: "Anytime", SaidInTopics: []string{}, Created: iso(t.Created), Updated: iso(t.Created)})
	}
	x.json(http.StatusOK, struct {
		RequestID       string           `json:"requestId"`
		KeywordTrackers []keywordTracker `json:"keywordTrackers"`
	}{x.id, out})
}

type scorecardQuestionJSON struct {
	QuestionID         int64  `json:"questionId"`
	QuestionRevisionID int64  `json:"questionRevisionId"`
	QuestionText       string `json:"questionText"`
	IsOverall          bool   `json:"isOverall"`
	QuestionType       string `json:"questionType"`
	MinRange           int    `json:"minRange"`
	MaxRange           int    `json:"maxRange"`
}

type scorecardJSON struct {
	ScorecardID   int64                   `json:"scorecardId"`
	ScorecardName string                  `json:"scorecardName"`
	WorkspaceID   int64                   `json:"workspaceId"`
	Enabled       bool                    `json:"enabled"`
	UpdaterUserID int64                   `json:"updaterUserId"`
	Created       string                  `json:"created"`
	Updated       string                  `json:"updated"`
	ReviewMethod  string                  `json:"reviewMethod"`
	Questions     []scorecardQuestionJSON `json:"questions"`
}

// listScorecards serves GET /v2/settings/scorecards.
func listScorecards(x *exchange) {
	out := []scorecardJSON{}
	for _, sc := range x.s.company.Scorecards {
		sj := scorecardJSON{ScorecardID: id64(sc.ID), ScorecardName: sc.Name, WorkspaceID: id64(sc.WorkspaceID), Enabled: sc.Enabled,
			UpdaterUserID: id64(sc.UpdaterUserID), Created: iso(sc.Created), Updated: iso(sc.Updated), ReviewMethod: sc.ReviewMethod}
		for _, q := range sc.Questions {
			sj.Questions = append(sj.Questions, scorecardQuestionJSON{QuestionID: id64(q.ID), QuestionRevisionID: id64(q.RevisionID),
				QuestionText: q.Text, IsOverall: q.IsOverall, QuestionType: q.Type, MinRange: q.Min, MaxRange: q.Max})
		}
		out = append(out, sj)
	}
	x.json(http.StatusOK, struct {
		RequestID  string          `json:"requestId"`
		Scorecards []scorecardJSON `json:"scorecards"`
	}{x.id, out})
}

type briefJSON struct {
	BriefID       string `json:"briefId"`
	BriefName     string `json:"briefName"`
	WorkspaceID   string `json:"workspaceId"`
	Description   string `json:"description"`
	Status        string `json:"status"`
	Creator       string `json:"creator"`
	CreatorUserID string `json:"creatorUserId"`
	Created       string `json:"created"`
	Updated       string `json:"updated"`
}

// listBriefs serves GET /v2/settings/briefs.
func listBriefs(x *exchange) {
	ws, ok := x.optionalWorkspace("workspaceId")
	if !ok {
		return
	}
	out := []briefJSON{}
	for _, b := range x.s.company.Briefs {
		if ws != "" && b.WorkspaceID != ws {
			continue
		}
		status := "Not published"
		if b.Published {
			status = "Published"
		}
		creator := ""
		if u := x.s.company.userByID[b.CreatorUserID]; u != nil {
			creator = u.FullName()
		}
		out = append(out, briefJSON{BriefID: b.ID, BriefName: b.Name, WorkspaceID: b.WorkspaceID, Description: b.Description,
			Status: status, Creator: creator, CreatorUserID: b.CreatorUserID, Created: iso(b.Created), Updated: iso(b.Updated)})
	}
	x.json(http.StatusOK, struct {
		RequestID string      `json:"requestId"`
		Briefs    []briefJSON `json:"briefs"`
	}{x.id, out})
}

type callOutcomeJSON struct {
	CallOutcome   string `json:"callOutcome"`
	DisplayOrder  int    `json:"displayOrder"`
	ConnectStatus string `json:"connectStatus"`
	Sentiment     string `json:"sentiment"`
	TodoAction    string `json:"todoAction,omitempty"`
	Automation    string `json:"automation,omitempty"`
	Category      string `json:"category"`
}

// listCallOutcomes serves GET /v2/call-outcomes: the outcome definitions
// reps pick from (and that call analysis assigns).
func listCallOutcomes(x *exchange) {
	out := []callOutcomeJSON{}
	for i, o := range x.s.company.CallOutcomes {
		oj := callOutcomeJSON{CallOutcome: o.Name, DisplayOrder: i + 1, ConnectStatus: "CONNECTED",
			Sentiment: map[string]string{"Positive": "POSITIVE", "Negative": "NEGATIVE"}[o.Category], Category: "ANSWERED", TodoAction: "COMPLETE"}
		if oj.Sentiment == "" {
			oj.Sentiment = "NEUTRAL"
		}
		if o.Name == "Not Interested" {
			oj.Automation, oj.TodoAction = "MARK_AS_OPT_OUT", "COMPLETE_AND_REMOVE"
		}
		out = append(out, oj)
	}
	x.json(http.StatusOK, struct {
		RequestID string            `json:"requestId"`
		Outcomes  []callOutcomeJSON `json:"outcomes"`
	}{x.id, out})
}
