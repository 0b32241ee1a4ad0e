package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// advancing moves the sandbox's clock a minute every few milliseconds
// until stopped, so its state machines progress while a composite waits.
func advancing(e *env) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
				e.sandbox.Advance(time.Minute)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func newCallArgs(e *env, unique string) map[string]any {
	host := e.sandbox.Company().Users[0]
	return map[string]any{
		"clientUniqueId": unique, "title": "Uploaded by a test", "actualStart": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
		"direction": "Outbound", "primaryUser": host.ID, "duration": 600,
		"parties":          []any{map[string]any{"userId": host.ID, "emailAddress": host.Email, "name": host.FirstName + " " + host.LastName}},
		"downloadMediaUrl": "https://media.example.com/" + unique + ".mp3",
	}
}

func TestCompositeCallUploadWaitsUntilVisible(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)

	// Nobody moves the sandbox's clock: processing never finishes, and the
	// tool says so instead of claiming success.
	got, isErr := call(t, cs, "add_gong_call_with_media_and_wait", mergeArgs(newCallArgs(e, "t-slow"), map[string]any{"wait_seconds": 0}))
	if isErr || got["status"] != "still_processing" || !strings.Contains(fmt.Sprint(got["message"]), "get_single_gong_call_by_id") {
		t.Fatalf("unprocessed upload: %v", got)
	}
	slowID := got["started"].(map[string]any)["callId"].(string)
	if one, isErr := call(t, cs, "get_single_gong_call_by_id", map[string]any{"id": slowID}); !isErr {
		t.Fatalf("the still-processing call is already readable: %v", one)
	}

	stop := advancing(e)
	got, isErr = call(t, cs, "add_gong_call_with_media_and_wait", newCallArgs(e, "t-fast"))
	stop()
	if isErr || got["status"] != "done" {
		t.Fatalf("processed upload: %v", got)
	}
	id := got["started"].(map[string]any)["callId"].(string)
	if got["result"].(map[string]any)["call"].(map[string]any)["id"] != id {
		t.Errorf("done answer is not the uploaded call: %v", got["result"])
	}
	if one, isErr := call(t, cs, "get_single_gong_call_by_id", map[string]any{"id": id}); isErr || one["call"].(map[string]any)["title"] != "Uploaded by a test" {
		t.Errorf("after done, the call is not readable: %v", one)
	}

	// A refused start (clientUniqueId reused) is an error, and nothing is polled.
	got, isErr = call(t, cs, "add_gong_call_with_media_and_wait", newCallArgs(e, "t-fast"))
	if !isErr || fmt.Sprint(got["error"].(map[string]any)["status"]) != "409" {
		t.Errorf("reused clientUniqueId: %v", got)
	}
	// downloadMediaUrl is required here, though optional for create_a_gong_call.
	args := newCallArgs(e, "t-nomedia")
	delete(args, "downloadMediaUrl")
	if got, isErr := call(t, cs, "add_gong_call_with_media_and_wait", args); !isErr || !strings.Contains(fmt.Sprint(got), "downloadMediaUrl") {
		t.Errorf("missing downloadMediaUrl: %v", got)
	}
}

func mergeArgs(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestCompositeBulkAssignment(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	co := e.sandbox.Company()
	flow, owner := co.Flows[0], co.Users[0]
	var contact string
	for _, a := range co.Accounts {
		if len(a.Contacts) > 0 {
			contact = a.Contacts[0].CRMID
			break
		}
	}
	stop := advancing(e)
	defer stop()
	ok, isErr := call(t, cs, "assign_gong_flow_prospects_and_wait", map[string]any{
		"flowId": flow.ID, "flowInstanceOwnerEmail": owner.Email, "prospects": []any{map[string]any{"crmId": contact}},
	})
	if isErr || ok["status"] != "done" || fmt.Sprint(ok["result"].(map[string]any)["status"]) != "COMPLETED" {
		t.Fatalf("assignment of a known contact: %v", ok)
	}
	failed, isErr := call(t, cs, "assign_gong_flow_prospects_and_wait", map[string]any{
		"flowId": flow.ID, "flowInstanceOwnerEmail": owner.Email, "prospects": []any{map[string]any{"crmId": "003NOSUCHCONTACT"}},
	})
	if !isErr || failed["status"] != "failed" || !strings.Contains(fmt.Sprint(failed["result"]), "CRM_OBJECT_NOT_FOUND") {
		t.Fatalf("assignment of an unknown contact: %v", failed)
	}
}

func TestCompositeCRMIntegrationDelete(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	integ := e.sandbox.Company().CRMIntegrations[0]
	stop := advancing(e)
	defer stop()
	got, isErr := call(t, cs, "delete_gong_crm_integration_and_wait", map[string]any{"integrationId": integ.ID, "clientRequestId": "del-1"})
	if isErr || got["status"] != "done" || fmt.Sprint(got["result"].(map[string]any)["status"]) != "DONE" {
		t.Fatalf("delete: %v", got)
	}
	list, _ := call(t, cs, "list_all_gong_crm_integrations", map[string]any{})
	if strings.Contains(fmt.Sprint(list), integ.ID) {
		t.Errorf("the integration is still listed after DONE: %v", list)
	}
}

func TestCompositeSendsProgress(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var notes []string
	client := sdk.NewClient(&sdk.Implementation{Name: "progress-test", Version: "1"}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
			mu.Lock()
			notes = append(notes, req.Params.Message)
			mu.Unlock()
		},
	})
	cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: e.server(map[string]any{}).URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	// The first poll always finds the call processing (the sandbox's clock
	// has not moved yet); after a moment the clock runs and it finishes.
	stopped := make(chan func(), 1)
	go func() {
		time.Sleep(30 * time.Millisecond)
		stopped <- advancing(e)
	}()
	defer func() { (<-stopped)() }()
	params := &sdk.CallToolParams{Name: "add_gong_call_with_media_and_wait", Arguments: newCallArgs(e, "t-progress")}
	params.SetProgressToken("upload-1")
	res, err := cs.CallTool(context.Background(), params)
	if err != nil || res.IsError {
		t.Fatalf("call: %v %v", err, res)
	}
	var body map[string]any
	json.Unmarshal([]byte(res.Content[0].(*sdk.TextContent).Text), &body)
	mu.Lock()
	defer mu.Unlock()
	if body["status"] != "done" || len(notes) == 0 || !strings.Contains(notes[0], "waiting for create_a_gong_call") {
		t.Errorf("status %v, %d progress notifications (%v)", body["status"], len(notes), notes)
	}
}

func TestCompositeCRMUpload(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(e.server(map[string]any{}).URL, nil)
	integ := e.sandbox.Company().CRMIntegrations[0]
	stop := advancing(e)
	defer stop()
	objects := []any{
		map[string]any{"objectId": "acct-test-1", "name": "Umbrella Corp"},
		map[string]any{"objectId": "acct-test-2", "name": "Wayne Enterprises"},
	}
	got, isErr := call(t, cs, "upload_gong_crm_data_and_wait", map[string]any{
		"integrationId": integ.ID, "objectType": "ACCOUNT", "clientRequestId": "up-1", "objects": objects,
	})
	if isErr || got["status"] != "done" || fmt.Sprint(got["result"].(map[string]any)["status"]) != "DONE" {
		t.Fatalf("upload: %v", got)
	}
	// The objects went up as an LDJSON file and are now Gong's.
	listed, isErr := call(t, cs, "list_all_gong_crm_entities", map[string]any{"integrationId": integ.ID, "objectType": "ACCOUNT", "objectsCrmIds": []any{"acct-test-1", "acct-test-2"}})
	if isErr || !strings.Contains(fmt.Sprint(listed), "Wayne Enterprises") || !strings.Contains(fmt.Sprint(listed), "Umbrella Corp") {
		t.Errorf("uploaded objects not found: %v", listed)
	}
	// The same clientRequestId again is refused at the start.
	again, isErr := call(t, cs, "upload_gong_crm_data_and_wait", map[string]any{
		"integrationId": integ.ID, "objectType": "ACCOUNT", "clientRequestId": "up-1", "objects": objects,
	})
	if !isErr || fmt.Sprint(again["error"].(map[string]any)["status"]) != "409" {
		t.Errorf("reused clientRequestId: %v", again)
	}
}
