package gong_test

import (
	"context"
	"io"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// The records' flattened arguments land where Gong expects them: these are
// the request shapes of Gong's documentation, built from tool arguments.
func TestRecordsBuildGongRequests(t *testing.T) {
	t.Parallel()
	_, set := load(t)
	for _, tc := range []struct {
		tool   string
		args   map[string]any
		method string
		target string // path and query
		body   string
		// multipart names the file part whose content body is, if any.
		multipart string
	}{
		{
			tool:   "list_all_gong_calls_extensive",
			args:   map[string]any{"callIds": []any{"7782342274025937895"}, "parties": true, "brief": true, "trackers": true, "interactionStats": true, "context": "Extended", "next_cursor": "c2"},
			method: "POST", target: "/v2/calls/extensive",
			body: `{"contentSelector":{"context":"Extended","exposedFields":{"content":{"brief":true,"trackers":true},"interaction":{"personInteractionStats":true},"parties":true}},"cursor":"c2","filter":{"callIds":["7782342274025937895"]}}`,
		},
		{
			tool:   "list_all_gong_users_extensive",
			args:   map[string]any{"userIds": []any{"1", "2"}, "next_cursor": "c"},
			method: "POST", target: "/v2/users/extensive",
			body: `{"cursor":"c","filter":{"userIds":["1","2"]}}`,
		},
		{
			tool:   "list_all_gong_coaching_metrics",
			args:   map[string]any{"workspaceId": "12", "managerId": "34", "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"},
			method: "GET", target: "/v2/coaching?from=2026-01-01T00%3A00%3A00Z&manager-id=34&to=2026-02-01T00%3A00%3A00Z&workspace-id=12",
		},
		{
			tool:   "list_all_gong_crm_entities",
			args:   map[string]any{"integrationId": "6286478263646", "objectType": "DEAL", "objectsCrmIds": []any{"1234", "8765"}},
			method: "GET", target: "/v2/crm/entities?integrationId=6286478263646&objectType=DEAL&objectsCrmIds=1234&objectsCrmIds=8765",
		},
		{
			tool:   "upload_gong_crm_data",
			args:   map[string]any{"integrationId": "1", "objectType": "ACCOUNT", "clientRequestId": "r1", "objects": []any{map[string]any{"objectId": "a1"}}},
			method: "POST", target: "/v2/crm/entities?clientRequestId=r1&integrationId=1&objectType=ACCOUNT",
			multipart: "dataFile", body: "{\"objectId\":\"a1\"}\n",
		},
		{
			tool:   "upload_gong_crm_schema_fields",
			args:   map[string]any{"integrationId": "1", "objectType": "ACCOUNT", "fields": []any{map[string]any{"uniqueName": "tier", "label": "Tier", "type": "STRING", "lastModified": "2026-01-01T00:00:00Z"}}},
			method: "POST", target: "/v2/crm/entity-schema?integrationId=1&objectType=ACCOUNT",
			body: `[{"label":"Tier","lastModified":"2026-01-01T00:00:00Z","type":"STRING","uniqueName":"tier"}]`,
		},
		{
			tool:   "update_a_gong_permission_profile_by_id",
			args:   map[string]any{"profileId": "77", "profile": map[string]any{"name": "Reps", "deleteCalls": false}},
			method: "PUT", target: "/v2/permission-profile?profileId=77",
			body: `{"deleteCalls":false,"name":"Reps"}`,
		},
		{
			tool:   "create_a_gong_digital_interaction",
			args:   map[string]any{"eventId": "e1", "eventType": "page viewed", "timestamp": "2026-01-31T10:00:00Z", "contentTitle": "Pricing", "personEmail": "jane@acme.com", "companyDomain": "acme.com"},
			method: "POST", target: "/v2/digital-interaction",
			body: `{"content":{"contentTitle":"Pricing"},"eventId":"e1","eventType":"page viewed","person":{"company":{"domain":"acme.com"},"email":"jane@acme.com"},"timestamp":"2026-01-31T10:00:00Z"}`,
		},
		{
			tool:   "assign_gong_flow_prospects",
			args:   map[string]any{"flowId": "f", "crmProspectsIds": []any{"c1"}, "flowInstanceOwnerEmail": "rep@acme.com", "coolOffOverride": true},
			method: "POST", target: "/v2/flows/prospects/assign",
			body: `{"crmProspectsIds":["c1"],"flowId":"f","flowInstanceOwnerEmail":"rep@acme.com","overrides":{"coolOffOverride":true}}`,
		},
		{
			tool:   "list_all_gong_tasks",
			args:   map[string]any{"userId": "5", "status": []any{"OPEN"}, "types": []any{"FLOW"}, "taskAction": []any{"CALL"}},
			method: "POST", target: "/v2/tasks",
			body: `{"filter":{"status":["OPEN"],"taskAction":["CALL"],"types":["FLOW"],"userId":"5"}}`,
		},
		{
			tool:   "erase_gong_data_for_phone_number",
			args:   map[string]any{"phoneNumber": "+1 425 555 2671"},
			method: "POST", target: "/v2/data-privacy/erase-data-for-phone-number?phoneNumber=%2B1+425+555+2671",
		},
		{
			tool:   "delete_a_gong_meeting_by_id",
			args:   map[string]any{"meetingId": "99", "organizerEmail": "rep@acme.com"},
			method: "DELETE", target: "/v2/meetings/99",
			body: `{"organizerEmail":"rep@acme.com"}`,
		},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			tool, ok := set.Lookup(tc.tool)
			if !ok {
				t.Fatalf("no tool %s", tc.tool)
			}
			if err := tool.Validate(tc.args); err != nil {
				t.Fatalf("arguments do not fit the input schema: %v", err)
			}
			req, err := upstream.Build(context.Background(), "https://api.gong.io", tool, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if got := req.URL.RequestURI(); req.Method != tc.method || got != tc.target {
				t.Errorf("request %s %s, want %s %s", req.Method, got, tc.method, tc.target)
			}
			var body string
			if tc.multipart != "" {
				// A file part: read it back the way Gong would.
				if err := req.ParseMultipartForm(1 << 20); err != nil {
					t.Fatalf("not a multipart body: %v", err)
				}
				f, _, err := req.FormFile(tc.multipart)
				if err != nil {
					t.Fatalf("no %s part: %v", tc.multipart, err)
				}
				b, _ := io.ReadAll(f)
				body = string(b)
			} else if req.Body != nil {
				b, _ := io.ReadAll(req.Body)
				body = string(b)
			}
			if body != tc.body {
				t.Errorf("body %s\nwant %s", body, tc.body)
			}
		})
	}
}
