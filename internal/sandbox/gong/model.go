package gong

import (
	"sync"
	"time"
)

// Company is the synthetic Gong tenant a sandbox serves. Everything in it
// is derived from the seed and the clock at generation time, so two
// sandboxes with the same Seed and Now hold identical data.
type Company struct {
	ID        string
	Name      string
	Domain    string
	TimeZone  string
	Generated time.Time // the Now the data was generated relative to

	Workspaces         []*Workspace
	Users              []*User // company users; Avatars holds Gong staff
	Avatars            []*User
	Accounts           []*Account
	Deals              []*Deal
	Contacts           []*Contact
	Calls              []*Call // ordered by call date (Date)
	Trackers           []*Tracker
	CallOutcomes       []CallOutcome
	Scorecards         []*Scorecard
	AnsweredScorecards []*AnsweredScorecard
	Activity           []ActivityEvent // who listened, commented, shared... which call when
	Briefs             []*BriefSetting
	Emails             []*Email
	FlowFolders        []*FlowFolder
	Flows              []*Flow
	FlowInstances      []*FlowInstance
	LibraryFolders     []*LibraryFolder
	Logs               []*LogEntry
	CRMIntegrations    []*CRMIntegration
	PermissionProfiles []*PermissionProfile
	Tasks              []*Task

	contents *contentCache // recently built transcripts and analyses

	userByID    map[string]*User
	callByID    map[string]*Call
	accountByID map[string]*Account // by CRM id
	dealByID    map[string]*Deal    // by CRM id
	contactByID map[string]*Contact // by CRM id
}

// Workspace is a Gong workspace.
type Workspace struct {
	ID, Name, Description string
}

// UserSettings mirrors Gong's user settings block.
type UserSettings struct {
	WebConferencesRecorded        bool `json:"webConferencesRecorded"`
	PreventWebConferenceRecording bool `json:"preventWebConferenceRecording"`
	TelephonyCallsImported        bool `json:"telephonyCallsImported"`
	EmailsImported                bool `json:"emailsImported"`
	PreventEmailImport            bool `json:"preventEmailImport"`
	NonRecordedMeetingsImported   bool `json:"nonRecordedMeetingsImported"`
	GongConnectEnabled            bool `json:"gongConnectEnabled"`
}

// User is a Gong user (a team member).
type User struct {
	ID, Email, FirstName, LastName, Title string
	Phone, Extension, ManagerID           string
	WorkspaceID                           string
	Role                                  string // exec, manager, ae, sdr, se, csm, ops
	Created                               time.Time
	Active                                bool
	Settings                              UserSettings
	PermissionProfileID                   string
}

// FullName is "First Last".
func (u *User) FullName() string { return u.FirstName + " " + u.LastName }

// Account is a CRM account (Salesforce-style ids).
type Account struct {
	CRMID, Name, Domain, Industry, OwnerID, WorkspaceID string
	Employees                                           int
	Contacts                                            []*Contact
	Deals                                               []*Deal
}

// Deal is a CRM opportunity.
type Deal struct {
	CRMID, Name, AccountID, OwnerID string
	Stage, Status                   string // Status: Open, Won, Lost
	Amount                          float64
	Probability                     int
	CloseDate                       time.Time
	Created                         time.Time
}

// Contact is a CRM contact at an account.
type Contact struct {
	CRMID, FirstName, LastName, Title, Email, Phone, AccountID string
}

// FullName is "First Last".
func (c *Contact) FullName() string { return c.FirstName + " " + c.LastName }

// Party is one participant of a call.
type Party struct {
	ID, Name, Title, Email, Phone string
	UserID                        string // set for company users
	ContactID                     string // CRM contact id for customers
	SpeakerID                     string // set when the party spoke; matches transcript speakerId
	Affiliation                   string // Internal, External
	Methods                       []string
	role                          string // script role: host, se, manager, customer, customer2, peer
}

// Comment is a public comment on a call.
type Comment struct {
	ID, CommenterUserID, Text string
	AudioStart, AudioEnd      float64
	Posted                    time.Time
	DuringCall                bool
}

// Call is one recorded conversation.
type Call struct {
	ID, Title, Purpose, WorkspaceID, PrimaryUserID string
	Scheduled, Started                             time.Time
	Duration                                       int // seconds
	Direction, System, Scope, Media, Language      string
	ClientUniqueID, CustomData, MeetingURL         string
	CalendarEventID, SDRDisposition                string
	IsPrivate                                      bool
	Kind                                           string // discovery, demo, pricing, negotiation, checkin, cold, internal
	AccountID, DealID                              string // CRM ids, empty for internal calls
	Parties                                        []*Party
	Comments                                       []*Comment
	OutcomeID                                      string

	seed  uint64 // the transcript and analysis are generated from it on demand
	story string // set for the calls the stories pin (stories.go)
	once  sync.Once
	sum   *CallContent // the small part of the analysis, kept for good (summary)

	// Upload lifecycle for calls added through the API. Generated calls
	// have ReadyAt zero and are always visible.
	uploaded     bool
	mediaPending bool      // created, waiting for media
	readyAt      time.Time // processing finishes
	mediaHash    string
}

// Date is the date Gong filters and orders calls by: the scheduled time
// for web conferences, the actual start otherwise.
func (c *Call) Date() time.Time {
	if c.Direction == "Conference" && !c.Scheduled.IsZero() {
		return c.Scheduled
	}
	return c.Started
}

// Sentence is one transcript sentence, timed in ms from the call start.
type Sentence struct {
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Text  string `json:"text"`
}

// Monologue is a run of sentences by one speaker on one topic.
type Monologue struct {
	SpeakerID string     `json:"speakerId"`
	Topic     string     `json:"topic,omitempty"`
	Sentences []Sentence `json:"sentences"`
}

// CallTracker is a tracker's hits in one call.
type CallTracker struct {
	ID, Name, Type string
	Occurrences    []TrackerOccurrence
	Phrases        map[string][]TrackerOccurrence
	PhraseOrder    []string
}

// TrackerOccurrence is one hit: seconds from the call start and who said it.
type TrackerOccurrence struct {
	StartTime float64 `json:"startTime"`
	SpeakerID string  `json:"speakerId"`
}

// Topic is time spent on one subject.
type Topic struct {
	Name     string `json:"name"`
	Duration int    `json:"duration"`
}

// OutlineSection is one part of the call outline.
type OutlineSection struct {
	Section   string        `json:"section"`
	StartTime float64       `json:"startTime"`
	Duration  float64       `json:"duration"`
	Items     []OutlineItem `json:"items"`
}

// OutlineItem is one line of an outline section.
type OutlineItem struct {
	Text      string  `json:"text"`
	StartTime float64 `json:"startTime"`
}

// HighlightSection groups highlights under a title.
type HighlightSection struct {
	Title string          `json:"title"`
	Items []HighlightItem `json:"items"`
}

// HighlightItem is one highlight.
type HighlightItem struct {
	Text       string    `json:"text"`
	StartTimes []float64 `json:"startTimes"`
}

// CallOutcome is one of the company's call outcome definitions.
type CallOutcome struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Name     string `json:"name"`
}

// CallContent is what Gong's analysis produces for a call. It is built on
// first use from the call's own seed, so it is deterministic and costs
// nothing until someone asks for it.
type CallContent struct {
	Transcript  []Monologue
	Trackers    []CallTracker
	Topics      []Topic
	Brief       string
	Outline     []OutlineSection
	Highlights  []HighlightSection
	KeyPoints   []string
	TalkTime    map[string]float64 // speakerId -> seconds
	Stats       []InteractionStat
	Questions   [2]int // company, non-company
	Objections  []TimedLine
	Competitors []TimedLine
	Pricing     []TimedLine
	NextSteps   []TimedLine
	Pains       []TimedLine
}

// TimedLine is a notable sentence: what was said, by whom, when (seconds).
type TimedLine struct {
	Text      string
	SpeakerID string
	Start     float64
}

// InteractionStat is one named interaction measure.
type InteractionStat struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Tracker is a tracker definition (Settings > Trackers).
type Tracker struct {
	ID, Name, Type, WorkspaceID string // Type: KEYWORD or SMART
	Keywords                    []string
	Affiliation                 string
	flag                        string // script flag a SMART tracker detects
	Created                     time.Time
}

// Scorecard is a scorecard definition.
type Scorecard struct {
	ID, Name, WorkspaceID string
	Enabled               bool
	ReviewMethod          string
	UpdaterUserID         string
	Created, Updated      time.Time
	Questions             []ScorecardQuestion
}

// ScorecardQuestion is one question of a scorecard.
type ScorecardQuestion struct {
	ID, RevisionID string
	Text           string
	IsOverall      bool
	Type           string
	Min, Max       int
}

// AnsweredScorecard is a filled scorecard for a call.
type AnsweredScorecard struct {
	ID, ScorecardID, CallID  string
	ReviewedUserID, Reviewer string
	ReviewMethod             string
	ReviewTime               time.Time
	Scores                   []int // one per question
}

// ActivityKind names a counter of Gong's activity stats; the value is the
// JSON field name.
type ActivityKind string

// The activity counters, in the order Gong documents them.
const (
	ActCallsAsHost                   ActivityKind = "callsAsHost"
	ActCallsGaveFeedback             ActivityKind = "callsGaveFeedback"
	ActCallsRequestedFeedback        ActivityKind = "callsRequestedFeedback"
	ActCallsReceivedFeedback         ActivityKind = "callsReceivedFeedback"
	ActOwnCallsListenedTo            ActivityKind = "ownCallsListenedTo"
	ActOthersCallsListenedTo         ActivityKind = "othersCallsListenedTo"
	ActCallsSharedInternally         ActivityKind = "callsSharedInternally"
	ActCallsSharedExternally         ActivityKind = "callsSharedExternally"
	ActCallsScorecardsFilled         ActivityKind = "callsScorecardsFilled"
	ActCallsScorecardsReceived       ActivityKind = "callsScorecardsReceived"
	ActCallsAttended                 ActivityKind = "callsAttended"
	ActCallsCommentsGiven            ActivityKind = "callsCommentsGiven"
	ActCallsCommentsReceived         ActivityKind = "callsCommentsReceived"
	ActCallsMarkedAsFeedbackGiven    ActivityKind = "callsMarkedAsFeedbackGiven"
	ActCallsMarkedAsFeedbackReceived ActivityKind = "callsMarkedAsFeedbackReceived"
)

var activityKinds = []ActivityKind{
	ActCallsAsHost, ActCallsGaveFeedback, ActCallsRequestedFeedback, ActCallsReceivedFeedback,
	ActOwnCallsListenedTo, ActOthersCallsListenedTo, ActCallsSharedInternally, ActCallsSharedExternally,
	ActCallsScorecardsFilled, ActCallsScorecardsReceived, ActCallsAttended, ActCallsCommentsGiven,
	ActCallsCommentsReceived, ActCallsMarkedAsFeedbackGiven, ActCallsMarkedAsFeedbackReceived,
}

// ActivityEvent is one user action on one call at one time. The activity
// stats endpoints are computed from these, so aggregate, by-period and
// day-by-day figures always agree.
type ActivityEvent struct {
	UserID string
	Kind   ActivityKind
	CallID string
	Time   time.Time
}

// BriefSetting is an AI brief definition (Settings > AI Briefer).
type BriefSetting struct {
	ID, Name, WorkspaceID, Description string
	EntityType                         string // ACCOUNT, DEAL, CONTACT, LEAD
	Published                          bool
	CreatorUserID                      string
	Created, Updated                   time.Time
}

// Email is an email message Gong captured.
type Email struct {
	ID, From, Subject, Mailbox string
	To                         []string
	AccountID                  string
	Sent                       time.Time
}

// FlowFolder is an Engage flow folder.
type FlowFolder struct {
	ID, Name, ParentID, OwnerEmail, Visibility, WorkspaceID string
	Created                                                 time.Time
}

// Flow is an Engage flow.
type Flow struct {
	ID, Name, FolderID, OwnerEmail, Visibility, WorkspaceID, Description string
	Exclusive                                                            bool
	Created                                                              time.Time
	Steps                                                                []FlowStep
}

// FlowStep is one step of a flow.
type FlowStep struct {
	ID, Action, Subject, Body string
	Order                     int
	IsReply                   bool
}

// FlowInstance is a prospect assigned to a flow.
type FlowInstance struct {
	ID, FlowID, ProspectCRMID, OwnerUserID, Status, WorkspaceID string
	Created                                                     time.Time
}

// LibraryFolder is a call library folder.
type LibraryFolder struct {
	ID, Name, ParentID, CreatedBy, WorkspaceID string
	Updated                                    time.Time
	Calls                                      []LibraryCall
}

// LibraryCall is a call (or snippet) placed in a library folder.
type LibraryCall struct {
	CallID, Note, AddedBy string
	Added                 time.Time
	FromSec, ToSec        int // snippet; both 0 for the whole call
}

// LogEntry is one auditing log record.
type LogEntry struct {
	Type, UserID string
	Time         time.Time
	Record       map[string]any
}

// CRMIntegration is a generic CRM integration with its uploaded schema and
// objects.
type CRMIntegration struct {
	ID, Name, OwnerEmail, UniqueID string
	Created                        time.Time
	Schemas                        map[string][]CRMField         // objectType -> fields
	Objects                        map[string]map[string]CRMItem // objectType -> crm id -> object
	deleted                        bool
}

// CRMField is one field of a CRM object schema.
type CRMField struct {
	UniqueName, Label, Type string
	LastModified            time.Time
	IsDeleted               bool
	ReferenceTo             string
	OrderedValueList        []string
}

// CRMItem is one uploaded CRM object.
type CRMItem map[string]any

// PermissionProfile is a Gong permission profile, kept as the spec's JSON
// shape so updates round-trip.
type PermissionProfile struct {
	ID, WorkspaceID string
	Body            map[string]any
	UserIDs         []string
}

// Task is an Engage task (reminder).
type Task struct {
	ID, UserID, Status, Type, Title string
	Actions                         []string
	FlowID                          string
	StepNumber                      int
	ContactID                       string
	Created, Updated, Due           time.Time
	Priority                        string
}

// User looks a user up by id.
func (c *Company) User(id string) *User { return c.userByID[id] }

// Call looks a call up by id.
func (c *Company) Call(id string) *Call { return c.callByID[id] }

// Account looks an account up by CRM id.
func (c *Company) Account(crmID string) *Account { return c.accountByID[crmID] }

// AccountByName finds an account by its name.
func (c *Company) AccountByName(name string) *Account {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Deal looks a deal up by CRM id.
func (c *Company) Deal(crmID string) *Deal { return c.dealByID[crmID] }
