package gong

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// oauthLogin runs the authorization-code flow with AutoApprove and
// returns the token answer.
func oauthLogin(t *testing.T, h *harness, scope string) result {
	t.Helper()
	q := url.Values{"client_id": {h.s.ClientID()}, "response_type": {"code"}, "scope": {scope},
		"redirect_uri": {"https://app.test/callback"}, "state": {"xyz"}}
	req := httptest.NewRequest("GET", "/oauth2/authorize?"+q.Encode(), nil)
	w := httptest.NewRecorder()
	h.s.ServeHTTP(w, req)
	if w.Code != http.StatusFound {
		t.Fatalf("authorize: %d %s", w.Code, w.Body)
	}
	loc, _ := url.Parse(w.Header().Get("Location"))
	if loc.Host != "app.test" || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	// Parameters in the query string, as Gong documents.
	return h.token(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {"https://app.test/callback"}}, true)
}

func (h *harness) token(params url.Values, inQuery bool) result {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(h.s.ClientID()+":"+h.s.ClientSecret()))
	if inQuery {
		return h.do("POST", "/oauth2/generate-customer-token?"+params.Encode(), nil, "Authorization", auth)
	}
	return h.do("POST", "/oauth2/generate-customer-token", params.Encode(), "Authorization", auth,
		"Content-Type", "application/x-www-form-urlencoded")
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestOAuthFlow(t *testing.T) {
	h := newHarness(t, Options{AutoApprove: true, AccessTokenTTL: time.Hour})
	h.s.SetBaseURL("http://127.0.0.1:9999")
	tok := h.must(200, oauthLogin(t, h, "api:calls:read:basic api:users:read"))
	if tok.body["api_base_url_for_customer"] != "http://127.0.0.1:9999" || num(tok.body["expires_in"]) != 3600 ||
		tok.body["token_type"] != "Bearer" || tok.body["scope"] != "api:calls:read:basic api:users:read" {
		t.Fatalf("token answer %s", tok.raw)
	}
	access, refresh := str(tok.body["access_token"]), str(tok.body["refresh_token"])
	h.must(200, h.do("GET", "/v2/users", nil, bearer(access)...))
	// A scope the grant lacks: 403 naming it.
	r := h.must(403, h.do("GET", "/v2/workspaces", nil, bearer(access)...))
	if !strings.Contains(str(r.errors()[0]), "api:workspaces:read") {
		t.Fatalf("403 does not name the scope: %v", r.errors())
	}
	// Refresh tokens rotate: the new one works, the old one is spent.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	next := h.must(200, h.token(form, false))
	if str(next.body["refresh_token"]) == refresh {
		t.Fatal("refresh token did not rotate")
	}
	reuse := h.must(400, h.token(form, false))
	if reuse.body["error"] != "invalid_grant" || str(reuse.body["error_description"]) == "" {
		t.Fatalf("reuse answer %s", reuse.raw)
	}
	// Access tokens expire on the sandbox clock.
	h.clk.Advance(61 * time.Minute)
	h.must(401, h.do("GET", "/v2/users", nil, bearer(access)...))
	fresh := str(next.body["access_token"])
	h.must(401, h.do("GET", "/v2/users", nil, bearer(fresh)...))
	again := h.must(200, h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {str(next.body["refresh_token"])}}, true))
	h.must(200, h.do("GET", "/v2/users", nil, bearer(str(again.body["access_token"]))...))
	// Revoking every grant kills access and refresh tokens.
	h.s.RevokeGrants()
	h.must(401, h.do("GET", "/v2/users", nil, bearer(str(again.body["access_token"]))...))
	h.must(400, h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {str(again.body["refresh_token"])}}, false))
}

func TestOAuthCodeIsSingleUseAndClientChecked(t *testing.T) {
	h := newHarness(t, Options{AutoApprove: true})
	q := url.Values{"client_id": {h.s.ClientID()}, "response_type": {"code"}, "scope": {"api:users:read"}, "redirect_uri": {"https://app.test/cb"}}
	w := httptest.NewRecorder()
	h.s.ServeHTTP(w, httptest.NewRequest("GET", "/oauth2/authorize?"+q.Encode(), nil))
	loc, _ := url.Parse(w.Header().Get("Location"))
	code := loc.Query().Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	bad := h.do("POST", "/oauth2/generate-customer-token?"+form.Encode(), nil, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(h.s.ClientID()+":wrong")))
	h.must(401, bad)
	// The failed client authentication did not burn the code; using it
	// twice does.
	h.must(200, h.token(form, true))
	h.must(400, h.token(form, true))
	// Without AutoApprove the user sees a consent page, and approving it
	// redirects with a code.
	h2 := newHarness(t, Options{})
	w = httptest.NewRecorder()
	h2.s.ServeHTTP(w, httptest.NewRequest("GET", "/oauth2/authorize?"+strings.Replace(q.Encode(), url.QueryEscape(h.s.ClientID()), url.QueryEscape(h2.s.ClientID()), 1), nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<form") {
		t.Fatalf("consent page: %d %s", w.Code, w.Body)
	}
	approve := url.Values{"client_id": {h2.s.ClientID()}, "response_type": {"code"}, "scope": {"api:users:read"}, "redirect_uri": {"https://app.test/cb"}, "decision": {"approve"}}
	req := httptest.NewRequest("POST", "/oauth2/authorize", strings.NewReader(approve.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	h2.s.ServeHTTP(w, req)
	if loc, _ := url.Parse(w.Header().Get("Location")); w.Code != 302 || loc.Query().Get("code") == "" {
		t.Fatalf("approval: %d %s", w.Code, w.Header().Get("Location"))
	}
}

func TestRateLimits(t *testing.T) {
	h := newHarness(t, Options{RatePerSecond: 3, DailyLimit: 5})
	for i := 0; i < 3; i++ {
		h.must(200, h.do("GET", "/v2/workspaces", nil))
	}
	r := h.must(429, h.do("GET", "/v2/workspaces", nil))
	if r.header.Get("Retry-After") != "1" || len(r.errors()) == 0 {
		t.Fatalf("429 without Retry-After 1: %v %s", r.header, r.raw)
	}
	h.clk.Advance(time.Second)
	h.must(200, h.do("GET", "/v2/workspaces", nil))
	h.must(200, h.do("GET", "/v2/workspaces", nil))
	// Five calls today: the daily limit answers until midnight UTC.
	d := h.must(429, h.do("GET", "/v2/workspaces", nil))
	midnight := testNow.Truncate(24 * time.Hour).Add(24 * time.Hour)
	if want := int(midnight.Sub(testNow.Add(time.Second)).Seconds()); d.header.Get("Retry-After") != itoa(int64(want)) {
		t.Fatalf("daily Retry-After %q, want %d", d.header.Get("Retry-After"), want)
	}
	h.clk.Set(midnight)
	h.must(200, h.do("GET", "/v2/workspaces", nil))
}

func mediaForm(t *testing.T, content string) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("mediaFile", "call.mp3")
	_, _ = io.WriteString(fw, content)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// An uploaded call is invisible to every read until its media has been
// received and processed.
func TestCallUploadLifecycle(t *testing.T) {
	h := newHarness(t, Options{})
	host := h.s.Company().Users[5]
	start := testNow.Add(-2 * time.Hour)
	body := map[string]any{"clientUniqueId": "pbx-42", "actualStart": start.Format(time.RFC3339), "direction": "Outbound",
		"primaryUser": host.ID, "title": "Uploaded", "duration": 300,
		"parties": []map[string]any{{"userId": host.ID}, {"name": "Pat Buyer", "emailAddress": "pat@buyer.com"}}}
	id := str(h.must(200, h.do("POST", "/v2/calls", body)).body["callId"])
	window := "/v2/calls?fromDateTime=" + url.QueryEscape(start.Add(-time.Minute).Format(time.RFC3339)) + "&toDateTime=" + url.QueryEscape(start.Add(time.Minute).Format(time.RFC3339))
	invisible := func() {
		t.Helper()
		h.must(404, h.do("GET", "/v2/calls/"+id, nil))
		h.must(404, h.do("POST", "/v2/calls/transcript", map[string]any{"filter": map[string]any{"callIds": []string{id}}}))
		h.must(404, h.do("POST", "/v2/calls/extensive", map[string]any{"filter": map[string]any{"callIds": []string{id}}}))
		if r := h.do("GET", window, nil); r.status == 200 {
			for _, c := range list(r.body, "calls") {
				if c["id"] == id {
					t.Fatal("unprocessed call listed")
				}
			}
		}
	}
	invisible()
	h.clk.Advance(time.Hour) // no media: still nothing
	invisible()
	// The clientUniqueId is taken.
	h.must(409, h.do("POST", "/v2/calls", body))
	form, ctype := mediaForm(t, "RIFF....WAVEfmt fake audio")
	h.must(201, h.do("PUT", "/v2/calls/"+id+"/media", form, "Content-Type", ctype))
	h.must(400, h.do("PUT", "/v2/calls/"+id+"/media", form, "Content-Type", ctype)) // media already there
	invisible()
	h.clk.Advance(callProcessingDelay)
	got := h.must(200, h.do("GET", "/v2/calls/"+id, nil))
	if obj(got.body["call"])["title"] != "Uploaded" {
		t.Fatalf("call %s", got.raw)
	}
	tr := h.must(200, h.do("POST", "/v2/calls/transcript", map[string]any{"filter": map[string]any{"callIds": []string{id}}}))
	if len(list(list(tr.body, "callTranscripts")[0], "transcript")) == 0 {
		t.Fatal("processed call has no transcript")
	}
	// The same media for another call is refused.
	id2 := str(h.must(200, h.do("POST", "/v2/calls", map[string]any{"clientUniqueId": "pbx-43", "actualStart": start.Format(time.RFC3339),
		"direction": "Outbound", "primaryUser": host.ID, "parties": []map[string]any{{"userId": host.ID}}})).body["callId"])
	h.must(400, h.do("PUT", "/v2/calls/"+id2+"/media", form, "Content-Type", ctype))
	// downloadMediaUrl skips step two; processing still takes time.
	id3 := str(h.must(200, h.do("POST", "/v2/calls", map[string]any{"clientUniqueId": "pbx-44", "actualStart": start.Format(time.RFC3339),
		"direction": "Conference", "primaryUser": host.ID, "downloadMediaUrl": "https://media.test/44.mp4", "parties": []map[string]any{{"userId": host.ID}}})).body["callId"])
	h.must(404, h.do("GET", "/v2/calls/"+id3, nil))
	h.clk.Advance(callProcessingDelay)
	h.must(200, h.do("GET", "/v2/calls/"+id3, nil))
	// A user Gong does not record cannot host an uploaded call.
	var unrecorded *User
	for _, u := range h.s.Company().Users {
		if !u.Settings.WebConferencesRecorded && u.Active {
			unrecorded = u
		}
	}
	h.must(409, h.do("POST", "/v2/calls", map[string]any{"clientUniqueId": "pbx-45", "actualStart": start.Format(time.RFC3339),
		"direction": "Outbound", "primaryUser": unrecorded.ID, "parties": []map[string]any{{"userId": unrecorded.ID}}}))
}

func TestCRMUploadAndDeleteAreAsync(t *testing.T) {
	h := newHarness(t, Options{})
	integ := h.s.Company().CRMIntegrations[0].ID
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("dataFile", "a.ldjson")
	_, _ = io.WriteString(fw, "{\"objectId\":\"NEW-1\",\"Name\":\"Newco\"}\n{broken\n{\"Name\":\"no id\"}\n")
	_ = w.Close()
	up := "/v2/crm/entities?integrationId=" + integ + "&objectType=ACCOUNT&clientRequestId=r1"
	h.must(201, h.do("POST", up, buf.Bytes(), "Content-Type", w.FormDataContentType()))
	h.must(409, h.do("POST", up, buf.Bytes(), "Content-Type", w.FormDataContentType()))
	status := func(crid string) result {
		return h.must(200, h.do("GET", "/v2/crm/request-status?integrationId="+integ+"&clientRequestId="+crid, nil))
	}
	get := "/v2/crm/entities?integrationId=" + integ + "&objectType=ACCOUNT&objectsCrmIds=NEW-1"
	if s := status("r1"); s.body["status"] != "PENDING" {
		t.Fatalf("status %v", s.body["status"])
	}
	if m := obj(h.must(200, h.do("GET", get, nil)).body["crmObjectsMap"]); len(m) != 0 {
		t.Fatal("object visible before processing")
	}
	h.clk.Advance(crmPendingFor)
	if s := status("r1"); s.body["status"] != "IN_PROGRESS" {
		t.Fatalf("status %v", s.body["status"])
	}
	h.clk.Advance(crmProcessingFor)
	done := status("r1")
	if done.body["status"] != "DONE" || num(done.body["totalSuccessCount"]) != 1 || num(done.body["totalErrorCount"]) != 2 {
		t.Fatalf("done: %s", done.raw)
	}
	if m := obj(h.must(200, h.do("GET", get, nil)).body["crmObjectsMap"]); m["NEW-1"] == nil {
		t.Fatal("uploaded object missing after processing")
	}
	// Deleting the integration is async too; registering another one
	// conflicts until the delete is done.
	h.must(201, h.do("DELETE", "/v2/crm/integrations?integrationId="+integ+"&clientRequestId=d1", nil))
	h.must(409, h.do("PUT", "/v2/crm/integrations", map[string]any{"ownerEmail": "ops@vandelaycloud.com", "name": "New"}))
	h.clk.Advance(crmPendingFor + crmProcessingFor)
	if s := status("d1"); s.body["status"] != "DONE" {
		t.Fatalf("delete status %v", s.body["status"])
	}
	if l := list(h.must(200, h.do("GET", "/v2/crm/integrations", nil)).body, "integrations"); len(l) != 0 {
		t.Fatalf("integration still listed: %v", l)
	}
	h.must(200, h.do("PUT", "/v2/crm/integrations", map[string]any{"ownerEmail": "ops@vandelaycloud.com", "name": "New"}))
}

func TestBulkAssignmentIsPolled(t *testing.T) {
	h := newHarness(t, Options{})
	co := h.s.Company()
	flow := co.Flows[3]
	var owner *User
	for _, u := range co.Users {
		if u.Role == "sdr" {
			owner = u
		}
	}
	inFlow := map[string]bool{}
	for _, fi := range co.FlowInstances {
		inFlow[fi.ProspectCRMID] = true
	}
	var fresh *Contact // a contact in no flow yet
	for _, ct := range co.Contacts {
		if !inFlow[ct.CRMID] {
			fresh = ct
		}
	}
	sub := h.must(202, h.do("POST", "/v2/flows/prospects/bulk-assignments", map[string]any{"flowId": flow.ID, "flowInstanceOwnerEmail": owner.Email,
		"prospects": []map[string]any{{"crmId": fresh.CRMID}, {"crmId": "does-not-exist"}, {"firstName": "Ada"}}}))
	id := str(sub.body["id"])
	if sub.body["status"] != "PENDING" || num(sub.body["totalCount"]) != 3 {
		t.Fatalf("submit %s", sub.raw)
	}
	assigned := func() bool {
		r := h.must(200, h.do("POST", "/v2/flows/prospects", map[string]any{"crmProspectsIds": []string{fresh.CRMID}}))
		for _, p := range list(r.body, "prospectsAssigned") {
			if p["flowId"] == flow.ID {
				return true
			}
		}
		return false
	}
	if assigned() {
		t.Fatal("assigned before the job ran")
	}
	h.clk.Advance(bulkPendingFor)
	if r := h.must(200, h.do("GET", "/v2/flows/prospects/bulk-assignments/"+id, nil)); r.body["status"] != "IN_PROGRESS" {
		t.Fatalf("status %v", r.body["status"])
	}
	h.clk.Advance(bulkProcessingFor)
	r := h.must(200, h.do("GET", "/v2/flows/prospects/bulk-assignments/"+id, nil))
	if r.body["status"] != "COMPLETED" || num(r.body["successCount"]) != 1 || num(r.body["failedCount"]) != 2 {
		t.Fatalf("completed: %s", r.raw)
	}
	if !assigned() {
		t.Fatal("prospect not in the flow after completion")
	}
	h.must(400, h.do("POST", "/v2/flows/prospects/bulk-assignments", map[string]any{"flowId": flow.ID, "flowInstanceOwnerEmail": owner.Email,
		"prospects": make([]map[string]any, 51)}))
}

func TestEraseEmailTakesEffectLater(t *testing.T) {
	h := newHarness(t, Options{})
	ct := h.s.Company().AccountByName("Initech").Contacts[0]
	q := "/v2/data-privacy/data-for-email-address?emailAddress=" + url.QueryEscape(ct.Email)
	before := h.must(200, h.do("GET", q, nil))
	if len(list(before.body, "customerData")) == 0 {
		t.Fatal("contact has no references to erase")
	}
	h.must(200, h.do("POST", "/v2/data-privacy/erase-data-for-email-address?emailAddress="+url.QueryEscape(ct.Email), nil))
	still := h.must(200, h.do("GET", q, nil))
	if len(list(still.body, "customerData")) == 0 {
		t.Fatal("erasure was immediate; Gong's takes hours")
	}
	h.clk.Advance(erasureDelay)
	after := h.must(200, h.do("GET", q, nil))
	for _, k := range []string{"emails", "calls", "customerData"} {
		if n := len(list(after.body, k)); n != 0 {
			t.Fatalf("%d %s still reference %s", n, k, ct.Email)
		}
	}
}

func TestClientRequestAndEventIDsAreSingleUse(t *testing.T) {
	h := newHarness(t, Options{})
	ev := map[string]any{"reportingSystem": "cms", "eventTimestamp": testNow.Format(time.RFC3339), "eventId": "v-1",
		"contentId": "d1", "contentUrl": "https://cms.test/d1", "contentTitle": "Deck"}
	h.must(200, h.do("PUT", "/v2/customer-engagement/content/viewed", ev))
	h.must(409, h.do("PUT", "/v2/customer-engagement/content/viewed", ev))
	integ := h.s.Company().CRMIntegrations[0].ID
	h.must(201, h.do("DELETE", "/v2/crm/integrations?integrationId="+integ+"&clientRequestId=same", nil))
	h.must(409, h.do("DELETE", "/v2/crm/integrations?integrationId="+integ+"&clientRequestId=same", nil))
}
