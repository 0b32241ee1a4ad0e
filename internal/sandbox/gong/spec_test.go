package gong

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	gongspec "github.com/patchbay-dev/patchbay/integrations/gong"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := gongspec.FS.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*openapi3.Schema]bool{}
	for _, ref := range doc.Components.Schemas {
		relaxJavaObjects(ref, seen)
	}
	return doc
}

// relaxJavaObjects fixes one erratum of Gong's document: fields typed
// java.lang.Object in Gong's code come out as a bare {"type":"object"}
// (swagger-core does this), although they hold strings and numbers — the
// spec's own example for ContextField.value is the string "Gong Inc.".
// A bare object schema (no properties, no additionalProperties) is
// therefore read as "any JSON value". Everything else is left strict.
func relaxJavaObjects(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	if s.Type.Is("object") && len(s.Properties) == 0 && s.AdditionalProperties.Schema == nil && s.AdditionalProperties.Has == nil {
		s.Type = nil
	}
	for _, p := range s.Properties {
		relaxJavaObjects(p, seen)
	}
	relaxJavaObjects(s.Items, seen)
	relaxJavaObjects(s.AdditionalProperties.Schema, seen)
}

type specOp struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
}

func specOps(doc *openapi3.T) []specOp {
	var ops []specOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, specOp{method, path, item, op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].op.OperationID < ops[j].op.OperationID })
	return ops
}

// Every operation of Gong's document has a route with the same method,
// path and the scope its description names.
func TestEveryOperationIsRouted(t *testing.T) {
	doc := loadSpec(t)
	s := New(Options{})
	ops := specOps(doc)
	if len(ops) != 67 {
		t.Fatalf("the document has %d operations, expected 67", len(ops))
	}
	for _, o := range ops {
		concrete := strings.NewReplacer("{id}", "1234567890123456789", "{meetingId}", "1234567890123456789", "{taskId}", "1234567890123456789").Replace(o.path)
		rt, _, _ := s.match(o.method, concrete)
		if rt == nil || rt.pattern != o.path {
			t.Errorf("%s %s (%s) has no route", o.method, o.path, o.op.OperationID)
			continue
		}
		if i := strings.Index(o.op.Description, "requires the scope '"); i >= 0 {
			rest := o.op.Description[i+len("requires the scope '"):]
			want := rest[:strings.Index(rest, "'")]
			if rt.scope != want {
				t.Errorf("%s %s: scope %q, the spec says %q", o.method, o.path, rt.scope, want)
			}
		}
	}
}

type specCase struct {
	method, path string
	body         any
	ctype        string
	status       int // expected status
}

func jsonBody(v any) []byte { b, _ := json.Marshal(v); return b }

func multipartBody(field, name string, content []byte) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile(field, name)
	_, _ = fw.Write(content)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// specCases builds, for every operation, a request that succeeds and a
// request that fails, against the sandbox h.
func specCases(t *testing.T, h *harness) map[string][]specCase {
	co := h.s.Company()
	ws := co.Workspaces[0].ID
	call := co.Calls[len(co.Calls)-1]
	user := co.Users[5]
	acct := co.AccountByName("Initech")
	today := testNow.Truncate(24 * time.Hour)
	from, to := today.AddDate(0, 0, -14).Format(dateOnly), today.Format(dateOnly)
	stats := map[string]any{"filter": map[string]any{"fromDate": from, "toDate": to}}
	future := map[string]any{"filter": map[string]any{"fromDate": from, "toDate": today.AddDate(0, 0, 2).Format(dateOnly)}}
	integ := co.CRMIntegrations[0].ID
	sdr := co.Users[0]
	for _, u := range co.Users {
		if u.Role == "sdr" {
			sdr = u
		}
	}
	flow := co.Flows[0]
	task := co.Tasks[0]
	profile := co.PermissionProfiles[0]
	contact := co.Contacts[0]
	ldjson, ldType := multipartBody("dataFile", "accounts.ldjson", []byte(`{"objectId":"A1","Name":"New Co"}`+"\n"+`not json`+"\n"))

	// A call waiting for media, for addCallRecording.
	created := h.must(200, h.do("POST", "/v2/calls", map[string]any{"clientUniqueId": "spec-upload-1", "actualStart": testNow.Add(-time.Hour).Format(time.RFC3339),
		"direction": "Outbound", "primaryUser": user.ID, "parties": []map[string]any{{"userId": user.ID}, {"name": "Pat Buyer", "phoneNumber": "+14155550100"}}}))
	newCall := str(created.body["callId"])
	media, mediaType := multipartBody("mediaFile", "call.mp3", []byte("ID3 fake audio bytes for the spec test"))
	bulk := h.must(202, h.do("POST", "/v2/flows/prospects/bulk-assignments", map[string]any{"flowId": flow.ID, "flowInstanceOwnerEmail": sdr.Email,
		"prospects": []map[string]any{{"crmId": contact.CRMID}}}))
	meetingBody := map[string]any{"startTime": testNow.Add(24 * time.Hour).Format(time.RFC3339), "endTime": testNow.Add(25 * time.Hour).Format(time.RFC3339),
		"invitees": []map[string]any{{"email": contact.Email}}, "organizerEmail": user.Email, "title": "Spec meeting"}
	meeting := h.must(200, h.do("POST", "/v2/meetings", meetingBody))
	meetingID := str(meeting.body["meetingId"])
	doomed := str(h.must(200, h.do("POST", "/v2/meetings", meetingBody)).body["meetingId"])
	h.must(201, h.do("DELETE", "/v2/crm/integrations?integrationId="+integ+"&clientRequestId=spec-del", nil))
	engagement := map[string]any{"reportingSystem": "spec", "eventTimestamp": testNow.Format(time.RFC3339), "contentId": "c1", "contentUrl": "https://x.test/c1", "contentTitle": "Deck"}
	q := url.QueryEscape

	return map[string][]specCase{
		"listCalls":                          {{"GET", "/v2/calls?fromDateTime=" + q(testNow.AddDate(0, 0, -7).Format(time.RFC3339)) + "&toDateTime=" + q(testNow.Format(time.RFC3339)), nil, "", 200}, {"GET", "/v2/calls?fromDateTime=nope", nil, "", 400}, {"GET", "/v2/calls?fromDateTime=2001-01-01T00:00:00Z&toDateTime=2001-01-02T00:00:00Z", nil, "", 404}},
		"addCall":                            {{"POST", "/v2/calls", map[string]any{"clientUniqueId": "spec-2", "actualStart": testNow.Format(time.RFC3339), "direction": "Inbound", "primaryUser": user.ID, "parties": []map[string]any{{"userId": user.ID}}, "downloadMediaUrl": "https://media.test/2.mp3"}, "", 200}, {"POST", "/v2/calls", map[string]any{"clientUniqueId": "spec-upload-1", "actualStart": testNow.Format(time.RFC3339), "direction": "Inbound", "primaryUser": user.ID, "parties": []map[string]any{{"userId": user.ID}}}, "", 409}, {"POST", "/v2/calls", `{}`, "", 400}},
		"addCallRecording":                   {{"PUT", "/v2/calls/" + newCall + "/media", media, mediaType, 201}, {"PUT", "/v2/calls/" + call.ID + "/media", media, mediaType, 400}},
		"getCall":                            {{"GET", "/v2/calls/" + call.ID, nil, "", 200}, {"GET", "/v2/calls/1234567890123456789", nil, "", 404}},
		"listCallsExtensive":                 {{"POST", "/v2/calls/extensive", map[string]any{"filter": map[string]any{"callIds": []string{call.ID, co.Calls[3].ID}}, "contentSelector": map[string]any{"context": "Extended", "contextTiming": []string{"Now", "TimeOfCall"}, "exposedFields": map[string]any{"parties": true, "media": true, "content": map[string]any{"structure": true, "topics": true, "trackers": true, "trackerOccurrences": true, "brief": true, "outline": true, "highlights": true, "callOutcome": true, "keyPoints": true}, "interaction": map[string]any{"speakers": true, "video": true, "personInteractionStats": true, "questions": true}, "collaboration": map[string]any{"publicComments": true}}}}, "", 200}, {"POST", "/v2/calls/extensive", `{"filter":{"fromDateTime":"2001-01-01T00:00:00Z","toDateTime":"2001-01-02T00:00:00Z"}}`, "", 404}},
		"getCallTranscripts":                 {{"POST", "/v2/calls/transcript", map[string]any{"filter": map[string]any{"callIds": []string{call.ID}}}, "", 200}, {"POST", "/v2/calls/transcript", `{`, "", 400}},
		"listUsers":                          {{"GET", "/v2/users?includeAvatars=true", nil, "", 200}, {"GET", "/v2/users?cursor=bad", nil, "", 400}},
		"listMultipleUsers":                  {{"POST", "/v2/users/extensive", map[string]any{"filter": map[string]any{"userIds": []string{user.ID}}}, "", 200}, {"POST", "/v2/users/extensive", map[string]any{"filter": map[string]any{"userIds": []string{"1"}}}, "", 404}},
		"getUser":                            {{"GET", "/v2/users/" + user.ID, nil, "", 200}, {"GET", "/v2/users/1234567890123456789", nil, "", 404}},
		"getUserHistory":                     {{"GET", "/v2/users/" + user.ID + "/settings-history", nil, "", 200}, {"GET", "/v2/users/1234567890123456789/settings-history", nil, "", 404}},
		"listMultipleUsersAggregateActivity": {{"POST", "/v2/stats/activity/aggregate", stats, "", 200}, {"POST", "/v2/stats/activity/aggregate", future, "", 400}},
		"listMultipleUsersAggregateByPeriod": {{"POST", "/v2/stats/activity/aggregate-by-period", map[string]any{"filter": stats["filter"], "aggregationPeriod": "MONTH"}, "", 200}, {"POST", "/v2/stats/activity/aggregate-by-period", stats, "", 400}},
		"listMultipleUsersDayByDayActivity":  {{"POST", "/v2/stats/activity/day-by-day", stats, "", 200}, {"POST", "/v2/stats/activity/day-by-day", future, "", 400}},
		"listAnsweredScorecards":             {{"POST", "/v2/stats/activity/scorecards", map[string]any{"filter": map[string]any{"reviewMethod": "BOTH"}}, "", 200}, {"POST", "/v2/stats/activity/scorecards", map[string]any{"filter": map[string]any{"callFromDate": "2001-01-01", "callToDate": "2001-01-02"}}, "", 404}},
		"listInteractionStats":               {{"POST", "/v2/stats/interaction", stats, "", 200}, {"POST", "/v2/stats/interaction", future, "", 400}},
		"askEntity":                          {{"GET", "/v2/entities/ask-entity?workspaceId=" + ws + "&crmEntityType=ACCOUNT&crmEntityId=" + acct.CRMID + "&timePeriod=LAST_90DAYS&question=" + q("What objections came up?"), nil, "", 200}, {"GET", "/v2/entities/ask-entity?workspaceId=" + ws + "&crmEntityType=ACCOUNT&crmEntityId=nope&timePeriod=LAST_90DAYS&question=x", nil, "", 404}},
		"generateBrief":                      {{"GET", "/v2/entities/get-brief?workspaceId=" + ws + "&briefName=" + q("Account Brief") + "&crmEntityType=ACCOUNT&crmEntityId=" + acct.CRMID + "&timePeriod=LAST_90DAYS", nil, "", 200}, {"GET", "/v2/entities/get-brief?workspaceId=" + ws, nil, "", 400}},
		"listBriefs":                         {{"GET", "/v2/settings/briefs?workspaceId=" + ws, nil, "", 200}, {"GET", "/v2/settings/briefs?workspaceId=1", nil, "", 404}},
		"listScorecards":                     {{"GET", "/v2/settings/scorecards", nil, "", 200}},
		"listTrackers":                       {{"GET", "/v2/settings/trackers?workspaceId=" + ws, nil, "", 200}, {"GET", "/v2/settings/trackers?workspaceId=1", nil, "", 404}},
		"listWorkspaces":                     {{"GET", "/v2/workspaces", nil, "", 200}},
		"listCallOutcomes":                   {{"GET", "/v2/call-outcomes", nil, "", 200}},
		"findAllReferencesToEmailAddress":    {{"GET", "/v2/data-privacy/data-for-email-address?emailAddress=" + q(contact.Email), nil, "", 200}, {"GET", "/v2/data-privacy/data-for-email-address", nil, "", 400}},
		"findAllReferencesToPhoneNumber":     {{"GET", "/v2/data-privacy/data-for-phone-number?phoneNumber=" + q("+14155550100"), nil, "", 200}, {"GET", "/v2/data-privacy/data-for-phone-number?phoneNumber=123", nil, "", 400}},
		"purgeEmailAddress":                  {{"POST", "/v2/data-privacy/erase-data-for-email-address?emailAddress=" + q("someone@else.test"), nil, "", 200}, {"POST", "/v2/data-privacy/erase-data-for-email-address", nil, "", 400}},
		"purgePhoneNumber":                   {{"POST", "/v2/data-privacy/erase-data-for-phone-number?phoneNumber=" + q("+15550001111"), nil, "", 200}, {"POST", "/v2/data-privacy/erase-data-for-phone-number?phoneNumber=555", nil, "", 400}},
		"getLibraryStructure":                {{"GET", "/v2/library/folders?workspaceId=" + ws, nil, "", 200}, {"GET", "/v2/library/folders", nil, "", 400}},
		"getCallsInSpecificFolder":           {{"GET", "/v2/library/folder-content?folderId=" + co.LibraryFolders[1].ID, nil, "", 200}, {"GET", "/v2/library/folder-content?folderId=1", nil, "", 404}},
		"getCrmObjects":                      {{"GET", "/v2/crm/entities?integrationId=" + integ + "&objectType=ACCOUNT&objectsCrmIds=" + acct.CRMID, nil, "", 200}, {"GET", "/v2/crm/entities?integrationId=" + integ + "&objectType=PLANET&objectsCrmIds=x", nil, "", 400}},
		"uploadCrmData":                      {{"POST", "/v2/crm/entities?integrationId=" + integ + "&objectType=ACCOUNT&clientRequestId=spec-up", ldjson, ldType, 201}, {"POST", "/v2/crm/entities?integrationId=" + integ + "&objectType=ACCOUNT&clientRequestId=spec-up", ldjson, ldType, 409}},
		"listCrmSchemaFields":                {{"GET", "/v2/crm/entity-schema?integrationId=" + integ + "&objectType=DEAL", nil, "", 200}, {"GET", "/v2/crm/entity-schema?integrationId=1&objectType=DEAL", nil, "", 400}},
		"uploadCrmSchemaField":               {{"POST", "/v2/crm/entity-schema?integrationId=" + integ + "&objectType=LEAD", []map[string]any{{"uniqueName": "Email", "label": "Email", "type": "EMAILADDRESS"}}, "", 201}, {"POST", "/v2/crm/entity-schema?integrationId=" + integ + "&objectType=LEAD", []map[string]any{{"uniqueName": "X"}}, "", 400}},
		"listGenericCrmIntegration":          {{"GET", "/v2/crm/integrations", nil, "", 200}},
		"registerGenericCrmIntegration":      {{"PUT", "/v2/crm/integrations", map[string]any{"ownerEmail": user.Email, "name": "Second"}, "", 409}, {"PUT", "/v2/crm/integrations", `{}`, "", 400}},
		"deleteGenericCrmIntegration":        {{"DELETE", "/v2/crm/integrations?integrationId=" + integ + "&clientRequestId=spec-del-2", nil, "", 201}, {"DELETE", "/v2/crm/integrations?integrationId=" + integ + "&clientRequestId=spec-del", nil, "", 409}},
		"getRequestStatus":                   {{"GET", "/v2/crm/request-status?integrationId=" + integ + "&clientRequestId=spec-del", nil, "", 200}, {"GET", "/v2/crm/request-status?integrationId=" + integ + "&clientRequestId=unknown", nil, "", 400}},
		"listLogs":                           {{"GET", "/v2/logs?logType=AccessLog&fromDateTime=" + q(testNow.AddDate(0, 0, -30).Format(time.RFC3339)), nil, "", 200}, {"GET", "/v2/logs?logType=Nope&fromDateTime=2020-01-01T00:00:00Z", nil, "", 400}},
		"addMeeting":                         {{"POST", "/v2/meetings", meetingBody, "", 200}, {"POST", "/v2/meetings", map[string]any{"startTime": "x"}, "", 400}},
		"updateMeeting":                      {{"PUT", "/v2/meetings/" + meetingID, meetingBody, "", 200}, {"PUT", "/v2/meetings/1234567890123456789", meetingBody, "", 404}},
		"deleteMeeting":                      {{"DELETE", "/v2/meetings/1234567890123456789", map[string]any{"organizerEmail": user.Email}, "", 404}, {"DELETE", "/v2/meetings/" + doomed, map[string]any{"organizerEmail": user.Email}, "", 200}},
		"integrationStatus":                  {{"POST", "/v2/meetings/integration/status", map[string]any{"emails": []string{user.Email, "nobody@else.test"}}, "", 200}},
		"listPermissionProfile":              {{"GET", "/v2/all-permission-profiles?workspaceId=" + ws, nil, "", 200}, {"GET", "/v2/all-permission-profiles", nil, "", 400}},
		"getPermissionProfile":               {{"GET", "/v2/permission-profile?profileId=" + profile.ID, nil, "", 200}, {"GET", "/v2/permission-profile?profileId=1", nil, "", 400}},
		"createPermissionProfile":            {{"POST", "/v2/permission-profile?workspaceId=" + ws, map[string]any{"name": "Spec profile", "callsAccess": map[string]any{"permissionLevel": "own"}}, "", 200}, {"POST", "/v2/permission-profile?workspaceId=" + ws, map[string]any{"name": "Admin"}, "", 422}},
		"updatePermissionProfile":            {{"PUT", "/v2/permission-profile?profileId=" + profile.ID, profile.Body, "", 200}, {"PUT", "/v2/permission-profile?profileId=" + profile.ID, map[string]any{}, "", 400}},
		"listPermissionProfileUsers":         {{"GET", "/v2/permission-profile/users?profileId=" + profile.ID, nil, "", 200}, {"GET", "/v2/permission-profile/users", nil, "", 400}},
		"addUsersAccessToCalls":              {{"PUT", "/v2/calls/users-access", map[string]any{"callAccessList": []map[string]any{{"callId": call.ID, "userIds": []string{user.ID}}}}, "", 200}, {"PUT", "/v2/calls/users-access", map[string]any{"callAccessList": []map[string]any{{"callId": "1", "userIds": []string{user.ID}}}}, "", 400}},
		"getUsersAccessToCalls":              {{"POST", "/v2/calls/users-access", map[string]any{"filter": map[string]any{"callIds": []string{call.ID}}}, "", 200}, {"POST", "/v2/calls/users-access", `{}`, "", 400}},
		"deleteUsersAccessToCalls":           {{"DELETE", "/v2/calls/users-access", map[string]any{"callAccessList": []map[string]any{{"callId": call.ID, "userIds": []string{user.ID}}}}, "", 200}, {"DELETE", "/v2/calls/users-access", `{}`, "", 400}},
		"listFlows":                          {{"GET", "/v2/flows?flowOwnerEmail=" + q(sdr.Email), nil, "", 200}, {"GET", "/v2/flows?flowOwnerEmail=nobody", nil, "", 400}},
		"listFlowsFolders":                   {{"GET", "/v2/flows/folders?flowFolderOwnerEmail=" + q(sdr.Email), nil, "", 200}, {"GET", "/v2/flows/folders", nil, "", 400}},
		"getProspectsAssignedFlows":          {{"POST", "/v2/flows/prospects", map[string]any{"crmProspectsIds": []string{co.FlowInstances[0].ProspectCRMID}}, "", 200}, {"POST", "/v2/flows/prospects", `{}`, "", 400}},
		"assignProspects":                    {{"POST", "/v2/flows/prospects/assign", map[string]any{"crmProspectsIds": []string{co.Contacts[5].CRMID, "nope"}, "flowId": co.Flows[2].ID, "flowInstanceOwnerEmail": sdr.Email}, "", 200}, {"POST", "/v2/flows/prospects/assign", map[string]any{"crmProspectsIds": []string{"x"}, "flowId": "1", "flowInstanceOwnerEmail": sdr.Email}, "", 404}},
		"assignProspectsCoolOffOverrides":    {{"POST", "/v2/flows/prospects/assign/cool-off-override", map[string]any{"crmProspectsIds": []string{co.Contacts[5].CRMID}, "flowId": co.Flows[2].ID, "flowInstanceOwnerEmail": sdr.Email}, "", 200}, {"POST", "/v2/flows/prospects/assign/cool-off-override", `{}`, "", 400}},
		"submitFlowProspectsBulkAssignment":  {{"POST", "/v2/flows/prospects/bulk-assignments", map[string]any{"flowId": flow.ID, "flowInstanceOwnerEmail": sdr.Email, "prospects": []map[string]any{{"firstName": "A", "lastName": "B", "email": "a@b.test"}}}, "", 202}, {"POST", "/v2/flows/prospects/bulk-assignments", map[string]any{"flowId": "1", "flowInstanceOwnerEmail": sdr.Email, "prospects": []map[string]any{{"crmId": "x"}}}, "", 404}},
		"getFlowProspectsBulkAssignment":     {{"GET", "/v2/flows/prospects/bulk-assignments/" + str(bulk.body["id"]), nil, "", 200}, {"GET", "/v2/flows/prospects/bulk-assignments/1", nil, "", 404}},
		"unassignProspectFlows":              {{"POST", "/v2/flows/prospects/unassign-flows-by-crm-id", map[string]any{"crmProspectId": co.FlowInstances[1].ProspectCRMID}, "", 200}, {"POST", "/v2/flows/prospects/unassign-flows-by-crm-id", `{}`, "", 400}},
		"unassignFlows":                      {{"POST", "/v2/flows/prospects/unassign-flows-by-instance-id", map[string]any{"flowInstanceIds": []string{co.FlowInstances[2].ID}}, "", 200}, {"POST", "/v2/flows/prospects/unassign-flows-by-instance-id", `{}`, "", 400}},
		"getFlowSteps":                       {{"POST", "/v2/flows/steps", map[string]any{"flowIds": []string{flow.ID}}, "", 200}, {"POST", "/v2/flows/steps", map[string]any{"flowIds": []string{"1"}}, "", 404}},
		"addDigitalInteraction":              {{"POST", "/v2/digital-interaction", map[string]any{"eventId": "e1", "timestamp": testNow.Format(time.RFC3339), "eventType": "PageView", "content": map[string]any{"contentTitle": "Pricing page"}, "person": map[string]any{"email": contact.Email}}, "", 200}, {"POST", "/v2/digital-interaction", map[string]any{"eventId": "e1", "timestamp": testNow.Format(time.RFC3339), "eventType": "PageView", "content": map[string]any{"contentTitle": "Pricing page"}}, "", 409}},
		"integrationSettings":                {{"POST", "/v2/integration-settings", map[string]any{"integrationTypeSettings": []map[string]any{{"integrationType": "DIALER", "allowedOrigin": "https://dialer.test"}}}, "", 200}, {"POST", "/v2/integration-settings", `{}`, "", 400}},
		"customAction":                       {{"PUT", "/v2/customer-engagement/action", map[string]any{"reportingSystem": "spec", "eventTimestamp": testNow.Format(time.RFC3339), "eventId": "a1", "actionName": "Signed"}, "", 200}, {"PUT", "/v2/customer-engagement/action", `{}`, "", 400}},
		"contentShared":                      {{"PUT", "/v2/customer-engagement/content/shared", engagement, "", 200}, {"PUT", "/v2/customer-engagement/content/shared", map[string]any{"reportingSystem": "spec"}, "", 400}},
		"contentViewed":                      {{"PUT", "/v2/customer-engagement/content/viewed", engagement, "", 200}, {"PUT", "/v2/customer-engagement/content/viewed", `{`, "", 400}},
		"listUsers_1":                        {{"GET", "/v2/coaching?workspace-id=" + ws + "&manager-id=" + co.Users[3].ID + "&from=" + q(testNow.AddDate(0, 0, -30).Format(time.RFC3339)) + "&to=" + q(testNow.Format(time.RFC3339)), nil, "", 200}, {"GET", "/v2/coaching", nil, "", 400}},
		"listTasks":                          {{"POST", "/v2/tasks", map[string]any{"filter": map[string]any{"userId": task.UserID, "types": []string{"FLOW", "MANUAL"}, "taskAction": []string{"CALL"}, "status": []string{"OPEN"}}}, "", 200}, {"POST", "/v2/tasks", `{"filter":{}}`, "", 400}},
		"updateReminder":                     {{"PATCH", "/v2/tasks/" + task.ID, map[string]any{"userId": task.UserID, "status": "DONE", "priority": "High"}, "", 200}, {"PATCH", "/v2/tasks/1234567890123456789", map[string]any{"userId": task.UserID}, "", 404}},
	}
}

// Every answer, success or error, matches the operation's response schema
// in Gong's OpenAPI document. Statuses the document does not declare for
// an operation (a 401 where it lists only 403, say) are checked against
// ErrorResponse.
func TestResponsesMatchTheSpec(t *testing.T) {
	doc := loadSpec(t)
	h := newHarness(t, Options{})
	cases := specCases(t, h)
	errSchema := doc.Components.Schemas["ErrorResponse"].Value
	opts := &openapi3filter.Options{MultiError: true}
	for _, o := range specOps(doc) {
		cs, ok := cases[o.op.OperationID]
		if !ok {
			t.Errorf("no test case for %s", o.op.OperationID)
			continue
		}
		// Every operation refuses an unauthenticated caller.
		cs = append(cs, specCase{o.method, strings.NewReplacer("{id}", "1", "{meetingId}", "1", "{taskId}", "1").Replace(o.path), nil, "", 401})
		for _, c := range cs {
			var rd io.Reader
			ctype := c.ctype
			switch b := c.body.(type) {
			case nil:
			case string:
				rd = strings.NewReader(b)
			case []byte:
				rd = bytes.NewReader(b)
			default:
				rd = bytes.NewReader(jsonBody(b))
			}
			if rd != nil && ctype == "" {
				ctype = "application/json"
			}
			req := httptest.NewRequest(c.method, c.path, rd)
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			if c.status != 401 {
				req.SetBasicAuth(h.s.AccessKey(), h.s.AccessKeySecret())
			}
			w := httptest.NewRecorder()
			h.s.ServeHTTP(w, req)
			raw := w.Body.Bytes()
			name := o.op.OperationID + " " + c.method + " " + c.path
			if w.Code != c.status {
				t.Errorf("%s: status %d, want %d: %s", name, w.Code, c.status, raw)
				continue
			}
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				if _, isArr := c.body.([]map[string]any); !isArr {
					t.Errorf("%s: answer is not a JSON object: %s", name, raw)
					continue
				}
			}
			if str(body["requestId"]) == "" && o.op.OperationID != "deleteMeeting" {
				t.Errorf("%s: no requestId: %s", name, raw)
			}
			if o.op.Responses.Status(w.Code) == nil {
				var generic any
				_ = json.Unmarshal(raw, &generic)
				if err := errSchema.VisitJSON(generic); err != nil || len(body) != 2 {
					t.Errorf("%s: undeclared status %d with a body that is not an ErrorResponse: %v %s", name, w.Code, err, raw)
				}
				continue
			}
			route := &routers.Route{Spec: doc, Path: o.path, PathItem: o.item, Method: o.method, Operation: o.op}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts},
				Status:                 w.Code, Header: w.Header(), Body: io.NopCloser(bytes.NewReader(raw)), Options: opts,
			}
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("%s: answer %d does not match the spec: %v\n%.600s", name, w.Code, err, raw)
			}
		}
	}
	_ = http.StatusOK
}
