package gong

import (
	"net/http"
	"strings"
	"time"
)

// contentSelector is the contentSelector block of /v2/calls/extensive.
type contentSelector struct {
	Context       string   `json:"context"`
	ContextTiming []string `json:"contextTiming"`
	ExposedFields struct {
		Parties bool `json:"parties"`
		Media   bool `json:"media"`
		Content struct {
			Structure          bool `json:"structure"`
			Topics             bool `json:"topics"`
			Trackers           bool `json:"trackers"`
			TrackerOccurrences bool `json:"trackerOccurrences"`
			PointsOfInterest   bool `json:"pointsOfInterest"`
			Brief              bool `json:"brief"`
			Outline            bool `json:"outline"`
			Highlights         bool `json:"highlights"`
			CallOutcome        bool `json:"callOutcome"`
			KeyPoints          bool `json:"keyPoints"`
		} `json:"content"`
		Interaction struct {
			Speakers               bool `json:"speakers"`
			Video                  bool `json:"video"`
			PersonInteractionStats bool `json:"personInteractionStats"`
			Questions              bool `json:"questions"`
		} `json:"interaction"`
		Collaboration struct {
			PublicComments bool `json:"publicComments"`
		} `json:"collaboration"`
	} `json:"exposedFields"`
}

type callsBodyFilter struct {
	FromDateTime   string   `json:"fromDateTime"`
	ToDateTime     string   `json:"toDateTime"`
	WorkspaceID    string   `json:"workspaceId"`
	CallIDs        []string `json:"callIds"`
	PrimaryUserIDs []string `json:"primaryUserIds"`
}

type extensiveRequest struct {
	Cursor          string           `json:"cursor"`
	Filter          *callsBodyFilter `json:"filter"`
	ContentSelector contentSelector  `json:"contentSelector"`
}

type contextField struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

type contextObject struct {
	ObjectType string         `json:"objectType"`
	ObjectID   string         `json:"objectId"`
	Fields     []contextField `json:"fields,omitempty"`
	Timing     string         `json:"timing,omitempty"`
}

type contextSystem struct {
	System  string          `json:"system"`
	Objects []contextObject `json:"objects"`
}

type partyJSON struct {
	ID           string          `json:"id"`
	EmailAddress string          `json:"emailAddress,omitempty"`
	Name         string          `json:"name,omitempty"`
	Title        string          `json:"title,omitempty"`
	UserID       string          `json:"userId,omitempty"`
	SpeakerID    string          `json:"speakerId,omitempty"`
	Context      []contextSystem `json:"context,omitempty"`
	Affiliation  string          `json:"affiliation"`
	PhoneNumber  string          `json:"phoneNumber,omitempty"`
	Methods      []string        `json:"methods,omitempty"`
}

type phraseJSON struct {
	Count       int                 `json:"count"`
	Occurrences []TrackerOccurrence `json:"occurrences,omitempty"`
	Phrase      string              `json:"phrase"`
}

type trackerJSON struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Count       int                 `json:"count"`
	Type        string              `json:"type"`
	Occurrences []TrackerOccurrence `json:"occurrences,omitempty"`
	Phrases     []phraseJSON        `json:"phrases,omitempty"`
}

type keyPointJSON struct {
	Text string `json:"text"`
}

type contentJSON struct {
	Structure   []Topic            `json:"structure,omitempty"`
	Trackers    []trackerJSON      `json:"trackers,omitempty"`
	Topics      []Topic            `json:"topics,omitempty"`
	Brief       string             `json:"brief,omitempty"`
	Outline     []OutlineSection   `json:"outline,omitempty"`
	Highlights  []HighlightSection `json:"highlights,omitempty"`
	CallOutcome *CallOutcome       `json:"callOutcome,omitempty"`
	KeyPoints   []keyPointJSON     `json:"keyPoints,omitempty"`
}

type speakerJSON struct {
	ID       string  `json:"id"`
	UserID   string  `json:"userId,omitempty"`
	TalkTime float64 `json:"talkTime"`
}

type videoJSON struct {
	Name     string  `json:"name"`
	Duration float64 `json:"duration"`
}

type questionsJSON struct {
	CompanyCount    int `json:"companyCount"`
	NonCompanyCount int `json:"nonCompanyCount"`
}

type interactionJSON struct {
	Speakers         []speakerJSON     `json:"speakers,omitempty"`
	InteractionStats []InteractionStat `json:"interactionStats,omitempty"`
	Video            []videoJSON       `json:"video,omitempty"`
	Questions        *questionsJSON    `json:"questions,omitempty"`
}

type commentJSON struct {
	ID              string  `json:"id"`
	AudioStartTime  float64 `json:"audioStartTime"`
	AudioEndTime    float64 `json:"audioEndTime"`
	CommenterUserID string  `json:"commenterUserId"`
	Comment         string  `json:"comment"`
	Posted          string  `json:"posted"`
	DuringCall      bool    `json:"duringCall"`
}

type collaborationJSON struct {
	PublicComments []commentJSON `json:"publicComments"`
}

type mediaJSON struct {
	AudioURL string `json:"audioUrl,omitempty"`
	VideoURL string `json:"videoUrl,omitempty"`
}

type callData struct {
	MetaData      callMeta           `json:"metaData"`
	Context       []contextSystem    `json:"context,omitempty"`
	Parties       []partyJSON        `json:"parties,omitempty"`
	Content       *contentJSON       `json:"content,omitempty"`
	Interaction   *interactionJSON   `json:"interaction,omitempty"`
	Collaboration *collaborationJSON `json:"collaboration,omitempty"`
	Media         *mediaJSON         `json:"media,omitempty"`
}

// bodyFilter turns a POST body filter into a callFilter (400 on bad input).
func (x *exchange) bodyFilter(f *callsBodyFilter) (callFilter, bool) {
	if f == nil {
		x.fail(http.StatusBadRequest, "filter is required")
		return callFilter{}, false
	}
	cf, ok := x.rangeFilter(f.FromDateTime, f.ToDateTime, f.WorkspaceID)
	if !ok {
		return cf, false
	}
	for _, id := range f.CallIDs {
		if !isNumericID(id) {
			x.fail(http.StatusBadRequest, "callIds: '"+id+"' is not a valid call identifier")
			return cf, false
		}
	}
	cf.ids = setOf(f.CallIDs)
	cf.users = setOf(f.PrimaryUserIDs)
	if f.CallIDs != nil && len(f.CallIDs) == 0 {
		cf.ids = map[string]bool{}
	}
	return cf, true
}

// listCallsExtensive serves POST /v2/calls/extensive. The cursor is read
// from the JSON body only; a ?cursor= query is ignored as Gong ignores it.
func listCallsExtensive(x *exchange) {
	var req extensiveRequest
	if !x.decode(&req) {
		return
	}
	sel := req.ContentSelector
	switch sel.Context {
	case "", "None", "Basic", "Extended":
	default:
		x.fail(http.StatusBadRequest, "contentSelector.context: must be one of None, Basic, Extended")
		return
	}
	for _, t := range sel.ContextTiming {
		if t != "Now" && t != "TimeOfCall" {
			x.fail(http.StatusBadRequest, "contentSelector.contextTiming: must contain Now and/or TimeOfCall")
			return
		}
	}
	if sel.ExposedFields.Media && x.grant != nil && !x.grant.has("api:calls:read:media-url") {
		x.fail(http.StatusForbidden, "The access token lacks the required scope 'api:calls:read:media-url'")
		return
	}
	f, ok := x.bodyFilter(req.Filter)
	if !ok {
		return
	}
	calls := x.s.findCalls(f, x.now)
	if len(calls) == 0 {
		x.fail(http.StatusNotFound, msgNoCalls)
		return
	}
	from, to, rec, ok := x.page("extensive", req.Cursor, len(calls))
	if !ok {
		return
	}
	out := make([]callData, 0, to-from)
	for _, c := range calls[from:to] {
		out = append(out, x.s.callData(c, &sel, x.now))
	}
	x.json(http.StatusOK, struct {
		RequestID string     `json:"requestId"`
		Records   Records    `json:"records"`
		Calls     []callData `json:"calls"`
	}{x.id, rec, out})
}

// stageAtCall is the deal stage a call of this kind implies, used for
// TimeOfCall context.
var stageAtCall = map[string]string{"discovery": "Discovery", "demo": "Demo", "pricing": "Proposal", "negotiation": "Negotiation"}

func (s *Sandbox) callContext(c *Call, sel *contentSelector) []contextSystem {
	if sel.Context == "" || sel.Context == "None" || c.AccountID == "" {
		return nil
	}
	co := s.company
	timings := sel.ContextTiming
	if len(timings) == 0 {
		timings = []string{"Now"}
	}
	var objs []contextObject
	for _, timing := range timings {
		if a := co.accountByID[c.AccountID]; a != nil {
			o := contextObject{ObjectType: "Account", ObjectID: a.CRMID, Timing: timing}
			if sel.Context == "Extended" {
				o.Fields = []contextField{{"Name", a.Name}, {"Website", "https://" + a.Domain}, {"Industry", a.Industry}}
			}
			objs = append(objs, o)
		}
		if d := co.dealByID[c.DealID]; d != nil {
			o := contextObject{ObjectType: "Opportunity", ObjectID: d.CRMID, Timing: timing}
			if sel.Context == "Extended" {
				stage, prob := d.Stage, d.Probability
				if st, ok := stageAtCall[c.Kind]; ok && timing == "TimeOfCall" {
					stage, prob = st, 0
					for _, ds := range dealStages {
						if ds.name == st {
							prob = ds.prob
						}
					}
				}
				o.Fields = []contextField{{"Name", d.Name}, {"Amount", d.Amount}, {"StageName", stage},
					{"Probability", prob}, {"CloseDate", d.CloseDate.Format("2006-01-02")}, {"IsClosed", d.Status != "Open"}, {"IsWon", d.Status == "Won"}}
			}
			objs = append(objs, o)
		}
	}
	return []contextSystem{{System: "Salesforce", Objects: objs}}
}

// callData renders one call of /v2/calls/extensive with what sel asks for.
func (s *Sandbox) callData(c *Call, sel *contentSelector, now time.Time) callData {
	co := s.company
	d := callData{MetaData: s.meta(c), Context: s.callContext(c, sel)}
	ef := &sel.ExposedFields
	cs := ef.Content
	wantContent := cs.Structure || cs.Topics || cs.Trackers || cs.TrackerOccurrences || cs.Brief || cs.Outline || cs.Highlights || cs.CallOutcome || cs.KeyPoints || cs.PointsOfInterest
	in := ef.Interaction
	wantInteraction := in.Speakers || in.Video || in.PersonInteractionStats || in.Questions
	var content *CallContent
	switch {
	case wantContent:
		content = c.Content(co)
	case ef.Parties || wantInteraction: // talk times, stats and questions only
		content = c.summary(co)
	}
	if ef.Parties {
		for _, p := range c.Parties {
			pj := partyJSON{ID: p.ID, EmailAddress: p.Email, Name: p.Name, Title: p.Title, UserID: p.UserID,
				Affiliation: p.Affiliation, PhoneNumber: p.Phone, Methods: p.Methods}
			if _, spoke := content.TalkTime[p.SpeakerID]; spoke {
				pj.SpeakerID = p.SpeakerID
			}
			if ct := co.contactByID[p.ContactID]; ct != nil && sel.Context != "" && sel.Context != "None" {
				o := contextObject{ObjectType: "Contact", ObjectID: ct.CRMID, Timing: "Now"}
				if sel.Context == "Extended" {
					o.Fields = []contextField{{"FirstName", ct.FirstName}, {"LastName", ct.LastName}, {"Title", ct.Title}, {"Email", ct.Email}}
				}
				pj.Context = []contextSystem{{System: "Salesforce", Objects: []contextObject{o}}}
			}
			d.Parties = append(d.Parties, pj)
		}
	}
	if wantContent {
		cj := &contentJSON{}
		if cs.Structure {
			cj.Structure = content.Topics
		}
		if cs.Topics {
			cj.Topics = content.Topics
		}
		if cs.Trackers || cs.TrackerOccurrences {
			for _, t := range content.Trackers {
				tj := trackerJSON{ID: t.ID, Name: t.Name, Count: len(t.Occurrences), Type: t.Type}
				if cs.TrackerOccurrences {
					tj.Occurrences = t.Occurrences
				}
				for _, ph := range t.PhraseOrder {
					pj := phraseJSON{Count: len(t.Phrases[ph]), Phrase: ph}
					if cs.TrackerOccurrences {
						pj.Occurrences = t.Phrases[ph]
					}
					tj.Phrases = append(tj.Phrases, pj)
				}
				cj.Trackers = append(cj.Trackers, tj)
			}
		}
		if cs.Brief {
			cj.Brief = content.Brief
		}
		if cs.Outline {
			cj.Outline = content.Outline
		}
		if cs.Highlights {
			cj.Highlights = content.Highlights
		}
		if cs.CallOutcome {
			for i := range co.CallOutcomes {
				if co.CallOutcomes[i].ID == c.OutcomeID {
					o := co.CallOutcomes[i]
					cj.CallOutcome = &o
				}
			}
		}
		if cs.KeyPoints {
			for _, k := range content.KeyPoints {
				cj.KeyPoints = append(cj.KeyPoints, keyPointJSON{k})
			}
		}
		d.Content = cj
	}
	if wantInteraction {
		ij := &interactionJSON{}
		if in.Speakers {
			for _, p := range c.Parties {
				if t, ok := content.TalkTime[p.SpeakerID]; ok {
					ij.Speakers = append(ij.Speakers, speakerJSON{ID: p.SpeakerID, UserID: p.UserID, TalkTime: round2(t)})
				}
			}
		}
		if in.PersonInteractionStats {
			ij.InteractionStats = content.Stats
		}
		if in.Video && c.Media == "Video" {
			dur := float64(c.Duration)
			ij.Video = []videoJSON{{"Browser", round2(dur * 0.1)}, {"Presentation", round2(dur * 0.35)},
				{"WebcamPrimaryUser", round2(dur * 0.8)}, {"WebcamNonCompany", round2(dur * 0.6)}, {"Webcam", round2(dur * 0.9)}}
		}
		if in.Questions {
			ij.Questions = &questionsJSON{CompanyCount: content.Questions[0], NonCompanyCount: content.Questions[1]}
		}
		d.Interaction = ij
	}
	if ef.Collaboration.PublicComments {
		cj := &collaborationJSON{PublicComments: []commentJSON{}}
		for _, cm := range c.Comments {
			cj.PublicComments = append(cj.PublicComments, commentJSON{ID: cm.ID, AudioStartTime: cm.AudioStart,
				AudioEndTime: cm.AudioEnd, CommenterUserID: cm.CommenterUserID, Comment: cm.Text, Posted: iso(cm.Posted), DuringCall: cm.DuringCall})
		}
		d.Collaboration = cj
	}
	if ef.Media {
		exp := now.Add(8 * time.Hour).Unix()
		m := &mediaJSON{AudioURL: s.mediaURL(c.ID, "mp3", exp)}
		if c.Media == "Video" {
			m.VideoURL = s.mediaURL(c.ID, "mp4", exp)
		}
		d.Media = m
	}
	return d
}

func (s *Sandbox) mediaURL(id, ext string, exp int64) string {
	return s.base() + "/sandbox/media/" + id + "." + ext + "?expires=" + strings.TrimSpace(itoa(exp))
}

type transcriptRequest struct {
	Cursor string           `json:"cursor"`
	Filter *callsBodyFilter `json:"filter"`
}

type callTranscript struct {
	CallID     string      `json:"callId"`
	Transcript []Monologue `json:"transcript"`
}

// getTranscripts serves POST /v2/calls/transcript. Filter by callIds or by
// a date range; the cursor travels in the body.
func getTranscripts(x *exchange) {
	var req transcriptRequest
	if !x.decode(&req) {
		return
	}
	if req.Filter != nil {
		req.Filter.PrimaryUserIDs = nil // not part of this operation's filter
	}
	f, ok := x.bodyFilter(req.Filter)
	if !ok {
		return
	}
	calls := x.s.findCalls(f, x.now)
	if len(calls) == 0 {
		x.fail(http.StatusNotFound, msgNoCalls)
		return
	}
	from, to, rec, ok := x.page("transcript", req.Cursor, len(calls))
	if !ok {
		return
	}
	out := make([]callTranscript, 0, to-from)
	for _, c := range calls[from:to] {
		out = append(out, callTranscript{CallID: c.ID, Transcript: c.Content(x.s.company).Transcript})
	}
	x.json(http.StatusOK, struct {
		RequestID       string           `json:"requestId"`
		Records         Records          `json:"records"`
		CallTranscripts []callTranscript `json:"callTranscripts"`
	}{x.id, rec, out})
}
