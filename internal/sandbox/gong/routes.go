package gong

import "strings"

// route is one Gong operation. key is "METHOD /path/{param}", the same
// name faults are registered under.
type route struct {
	method, pattern, key string
	segs                 []string
	scope                string // OAuth scope a Bearer token needs (from the spec's prose)
	write                bool   // handler mutates state: take the write lock
	handle               func(*exchange)
}

// buildRoutes lists every operation of Gong's OpenAPI document. Scopes are
// the ones each operation's description names ("...requires the scope
// '...'"); the four permission-profile operations name none, so they use
// the read/write pair Gong's OAuth app settings offer.
func buildRoutes() []*route {
	rs := []*route{
		// Calls
		{method: "GET", pattern: "/v2/calls", scope: "api:calls:read:basic", handle: listCalls},
		{method: "POST", pattern: "/v2/calls", scope: "api:calls:create", write: true, handle: addCall},
		{method: "GET", pattern: "/v2/calls/{id}", scope: "api:calls:read:basic", handle: getCall},
		{method: "PUT", pattern: "/v2/calls/{id}/media", scope: "api:calls:create", write: true, handle: addCallMedia},
		{method: "POST", pattern: "/v2/calls/extensive", scope: "api:calls:read:extensive", handle: listCallsExtensive},
		{method: "POST", pattern: "/v2/calls/transcript", scope: "api:calls:read:transcript", handle: getTranscripts},
		// Users
		{method: "GET", pattern: "/v2/users", scope: "api:users:read", handle: listUsers},
		{method: "POST", pattern: "/v2/users/extensive", scope: "api:users:read", handle: listUsersExtensive},
		{method: "GET", pattern: "/v2/users/{id}", scope: "api:users:read", handle: getUser},
		{method: "GET", pattern: "/v2/users/{id}/settings-history", scope: "api:users:read", handle: getUserHistory},
		// Stats
		{method: "POST", pattern: "/v2/stats/activity/aggregate", scope: "api:stats:user-actions", handle: statsAggregate},
		{method: "POST", pattern: "/v2/stats/activity/aggregate-by-period", scope: "api:stats:user-actions", handle: statsAggregateByPeriod},
		{method: "POST", pattern: "/v2/stats/activity/day-by-day", scope: "api:stats:user-actions:detailed", handle: statsDayByDay},
		{method: "POST", pattern: "/v2/stats/activity/scorecards", scope: "api:stats:scorecards", handle: statsScorecards},
		{method: "POST", pattern: "/v2/stats/interaction", scope: "api:stats:interaction", handle: statsInteraction},
		// AI
		{method: "GET", pattern: "/v2/entities/ask-entity", scope: "api:ai-ask:read", handle: askEntity},
		{method: "GET", pattern: "/v2/entities/get-brief", scope: "api:ai-briefer:read", handle: generateBrief},
		// Settings
		{method: "GET", pattern: "/v2/settings/briefs", scope: "api:ai-briefer:read", handle: listBriefs},
		{method: "GET", pattern: "/v2/settings/scorecards", scope: "api:settings:scorecards:read", handle: listScorecards},
		{method: "GET", pattern: "/v2/settings/trackers", scope: "api:settings:trackers:read", handle: listTrackers},
		{method: "GET", pattern: "/v2/workspaces", scope: "api:workspaces:read", handle: listWorkspaces},
		{method: "GET", pattern: "/v2/call-outcomes", scope: "api:call-outcomes:read", handle: listCallOutcomes},
		// Data privacy
		{method: "GET", pattern: "/v2/data-privacy/data-for-email-address", scope: "api:data-privacy:read", handle: dataForEmail},
		{method: "GET", pattern: "/v2/data-privacy/data-for-phone-number", scope: "api:data-privacy:read", handle: dataForPhone},
		{method: "POST", pattern: "/v2/data-privacy/erase-data-for-email-address", scope: "api:data-privacy:delete", write: true, handle: eraseEmail},
		{method: "POST", pattern: "/v2/data-privacy/erase-data-for-phone-number", scope: "api:data-privacy:delete", write: true, handle: erasePhone},
		// Library
		{method: "GET", pattern: "/v2/library/folders", scope: "api:library:read", handle: libraryFolders},
		{method: "GET", pattern: "/v2/library/folder-content", scope: "api:library:read", handle: libraryFolderContent},
		// CRM
		{method: "GET", pattern: "/v2/crm/entities", scope: "api:crm:get-objects", handle: getCrmObjects},
		{method: "POST", pattern: "/v2/crm/entities", scope: "api:crm:upload", write: true, handle: uploadCrmData},
		{method: "GET", pattern: "/v2/crm/entity-schema", scope: "api:crm:schema", handle: listCrmSchema},
		{method: "POST", pattern: "/v2/crm/entity-schema", scope: "api:crm:schema", write: true, handle: uploadCrmSchema},
		{method: "GET", pattern: "/v2/crm/integrations", scope: "api:crm:integrations:read", handle: listCrmIntegrations},
		{method: "PUT", pattern: "/v2/crm/integrations", scope: "api:crm:integration:register", write: true, handle: registerCrmIntegration},
		{method: "DELETE", pattern: "/v2/crm/integrations", scope: "api:crm:integration:delete", write: true, handle: deleteCrmIntegration},
		{method: "GET", pattern: "/v2/crm/request-status", scope: "api:crm:upload", handle: crmRequestStatus},
		// Auditing
		{method: "GET", pattern: "/v2/logs", scope: "api:logs:read", handle: listLogs},
		// Meetings
		{method: "POST", pattern: "/v2/meetings", scope: "api:meetings:user:create", write: true, handle: addMeeting},
		{method: "PUT", pattern: "/v2/meetings/{meetingId}", scope: "api:meetings:user:update", write: true, handle: updateMeeting},
		{method: "DELETE", pattern: "/v2/meetings/{meetingId}", scope: "api:meetings:user:delete", write: true, handle: deleteMeeting},
		{method: "POST", pattern: "/v2/meetings/integration/status", scope: "api:meetings:integration:status", handle: meetingIntegrationStatus},
		// Permissions
		{method: "GET", pattern: "/v2/all-permission-profiles", scope: "api:permission-profile:read", handle: listPermissionProfiles},
		{method: "GET", pattern: "/v2/permission-profile", scope: "api:permission-profile:read", handle: getPermissionProfile},
		{method: "POST", pattern: "/v2/permission-profile", scope: "api:permission-profile:write", write: true, handle: createPermissionProfile},
		{method: "PUT", pattern: "/v2/permission-profile", scope: "api:permission-profile:write", write: true, handle: updatePermissionProfile},
		{method: "GET", pattern: "/v2/permission-profile/users", scope: "api:users:read", handle: listPermissionProfileUsers},
		{method: "POST", pattern: "/v2/calls/users-access", scope: "api:call-user-access:read", handle: getUsersAccess},
		{method: "PUT", pattern: "/v2/calls/users-access", scope: "api:call-user-access:write", write: true, handle: addUsersAccess},
		{method: "DELETE", pattern: "/v2/calls/users-access", scope: "api:call-user-access:write", write: true, handle: deleteUsersAccess},
		// Engage flows
		{method: "GET", pattern: "/v2/flows", scope: "api:flows:read", handle: listFlows},
		{method: "GET", pattern: "/v2/flows/folders", scope: "api:flows:read", handle: listFlowFolders},
		{method: "POST", pattern: "/v2/flows/prospects", scope: "api:flows:read", handle: prospectsAssignedFlows},
		{method: "POST", pattern: "/v2/flows/prospects/assign", scope: "api:flows:write", write: true, handle: assignProspects},
		{method: "POST", pattern: "/v2/flows/prospects/assign/cool-off-override", scope: "api:flows:write", write: true, handle: assignProspectsOverride},
		{method: "POST", pattern: "/v2/flows/prospects/bulk-assignments", scope: "api:flows:write", write: true, handle: submitBulkAssignment},
		{method: "GET", pattern: "/v2/flows/prospects/bulk-assignments/{id}", scope: "api:flows:read", handle: getBulkAssignment},
		{method: "POST", pattern: "/v2/flows/prospects/unassign-flows-by-crm-id", scope: "api:flows:write", write: true, handle: unassignByCrmID},
		{method: "POST", pattern: "/v2/flows/prospects/unassign-flows-by-instance-id", scope: "api:flows:write", write: true, handle: unassignByInstanceID},
		{method: "POST", pattern: "/v2/flows/steps", scope: "api:flows:read", handle: flowSteps},
		// Digital interactions, integration settings, legacy engagement
		{method: "POST", pattern: "/v2/digital-interaction", scope: "api:digital-interactions:write", write: true, handle: addDigitalInteraction},
		{method: "POST", pattern: "/v2/integration-settings", scope: "api:integration-settings:write", write: true, handle: integrationSettings},
		{method: "PUT", pattern: "/v2/customer-engagement/action", scope: "api:engagement-data:write", write: true, handle: engagementAction},
		{method: "PUT", pattern: "/v2/customer-engagement/content/shared", scope: "api:engagement-data:write", write: true, handle: engagementShared},
		{method: "PUT", pattern: "/v2/customer-engagement/content/viewed", scope: "api:engagement-data:write", write: true, handle: engagementViewed},
		// Coaching, tasks
		{method: "GET", pattern: "/v2/coaching", scope: "api:coaching:read", handle: listCoaching},
		{method: "POST", pattern: "/v2/tasks", scope: "api:tasks:read", handle: listTasks},
		{method: "PATCH", pattern: "/v2/tasks/{taskId}", scope: "api:tasks:write", write: true, handle: updateTask},
	}
	for _, r := range rs {
		r.key = r.method + " " + r.pattern
		r.segs = strings.Split(strings.Trim(r.pattern, "/"), "/")
	}
	return rs
}

// match finds the route for method and path. Literal segments win over
// parameters, so /v2/calls/extensive never reads as /v2/calls/{id}.
// methodOK reports whether the path exists under another method.
func (s *Sandbox) match(method, path string) (rt *route, params map[string]string, methodOK bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	bestScore := -1
	for _, r := range s.routes {
		if len(r.segs) != len(segs) {
			continue
		}
		score, ok := 0, true
		for i, p := range r.segs {
			if strings.HasPrefix(p, "{") {
				continue
			}
			if p != segs[i] {
				ok = false
				break
			}
			score++
		}
		if !ok {
			continue
		}
		if r.method != method {
			methodOK = true
			continue
		}
		if score > bestScore {
			rt, bestScore = r, score
		}
	}
	if rt == nil {
		return nil, nil, methodOK
	}
	for i, p := range rt.segs {
		if strings.HasPrefix(p, "{") {
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segs[i]
		}
	}
	return rt, params, methodOK
}
