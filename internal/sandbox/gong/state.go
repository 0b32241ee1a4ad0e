package gong

import "time"

// runtimeState is what API callers change: uploads, async jobs, dedup
// keys. Everything is guarded by Sandbox.mu.
type runtimeState struct {
	clientUniqueIDs  map[string]string      // clientUniqueId -> call id
	mediaHashes      map[string]string      // content hash -> call id
	mediaURLs        map[string]bool        // downloadMediaUrl values seen
	crmRequests      map[string]*crmRequest // integrationId/clientRequestId
	bulkAssignments  map[string]*bulkAssignment
	erasures         []*erasure
	meetings         map[string]*meeting
	engagementEvents map[string]bool // reportingSystem/eventId
	digitalEvents    []digitalEvent
	callAccess       map[string]map[string]bool // call id -> user ids with individual access
	allowedOrigins   map[string]string
}

func newRuntimeState() *runtimeState {
	return &runtimeState{
		clientUniqueIDs: map[string]string{}, mediaHashes: map[string]string{}, mediaURLs: map[string]bool{},
		crmRequests: map[string]*crmRequest{}, bulkAssignments: map[string]*bulkAssignment{},
		meetings: map[string]*meeting{}, engagementEvents: map[string]bool{}, callAccess: map[string]map[string]bool{},
		allowedOrigins: map[string]string{},
	}
}

// Processing delays, in sandbox time. Tests move the clock past them.
const (
	callProcessingDelay = 5 * time.Minute  // media received -> call visible
	crmPendingFor       = 30 * time.Second // PENDING -> IN_PROGRESS
	crmProcessingFor    = 2 * time.Minute  // IN_PROGRESS -> DONE/FAILED
	bulkPendingFor      = 10 * time.Second
	bulkProcessingFor   = time.Minute
	erasureDelay        = 2 * time.Hour // "may take several hours"
)

// asyncPhase says where a job started at start is at now, for jobs that go
// PENDING -> IN_PROGRESS -> finished.
func asyncPhase(start, now time.Time, pending, processing time.Duration) int {
	switch el := now.Sub(start); {
	case el < pending:
		return 0
	case el < pending+processing:
		return 1
	}
	return 2
}

// meeting is a Gong meeting created through the API.
type meeting struct {
	organizer  string
	invitees   []string
	externalID string
	start, end time.Time
	title      string
}

// digitalEvent is a reported engagement (digital interaction or a legacy
// customer-engagement event) with the person it is about.
type digitalEvent struct {
	kind, eventID, system, name string
	contentID, contentURL       string
	email                       string
	at                          time.Time
}
