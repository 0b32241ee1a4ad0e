package gong

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordSleeps replaces the sandbox's waiting with a recorder, so latency
// and slow-body faults are observable without waiting.
func recordSleeps(s *Sandbox) func() []time.Duration {
	var mu sync.Mutex
	var got []time.Duration
	s.sleep = func(_ *http.Request, d time.Duration) {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), got...)
	}
}

func TestFaults(t *testing.T) {
	h := newHarness(t, Options{})
	sleeps := recordSleeps(h.s)
	cases := []struct {
		name   string
		route  string
		fault  Fault
		status int
	}{
		{"status", "GET /v2/calls", Fault{Status: 503}, 503},
		{"forced 429", "GET /v2/calls", Fault{Force429: true}, 429},
		{"every route", "*", Fault{Status: 500}, 500},
		{"latency only", "GET /v2/calls", Fault{Latency: 250 * time.Millisecond}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.s.SetFault(tc.route, tc.fault)
			defer h.s.SetFault(tc.route, Fault{})
			r := h.must(tc.status, h.do("GET", "/v2/calls", nil))
			if tc.status != 200 && (len(r.errors()) == 0 || str(r.body["requestId"]) == "") {
				t.Fatalf("fault answer is not an ErrorResponse: %s", r.raw)
			}
			if tc.status == 429 && r.header.Get("Retry-After") == "" {
				t.Fatal("forced 429 without Retry-After")
			}
			if tc.route != "*" {
				h.must(200, h.do("GET", "/v2/workspaces", nil)) // other routes unaffected
			}
		})
	}
	if got := sleeps(); len(got) != 1 || got[0] != 250*time.Millisecond {
		t.Fatalf("latency waits %v", got)
	}
	h.must(200, h.do("GET", "/v2/calls", nil)) // cleared
	// The header fault applies to one request only.
	h.must(502, h.do("GET", "/v2/calls/"+h.s.Company().Calls[0].ID, nil, "X-Sandbox-Fault", "status=502"))
	h.must(200, h.do("GET", "/v2/calls/"+h.s.Company().Calls[0].ID, nil))
	h.must(400, h.do("GET", "/v2/calls", nil, "X-Sandbox-Fault", "explode=1"))
}

func TestSlowBodyDeliversTheWholeAnswer(t *testing.T) {
	h := newHarness(t, Options{})
	sleeps := recordSleeps(h.s)
	plain := h.must(200, h.do("GET", "/v2/users", nil))
	h.s.SetFault("GET /v2/users", Fault{SlowBody: time.Second})
	slow := h.must(200, h.do("GET", "/v2/users", nil))
	if len(list(slow.body, "users")) != len(list(plain.body, "users")) {
		t.Fatal("slow body lost data")
	}
	total := time.Duration(0)
	for _, d := range sleeps() {
		total += d
	}
	if n := len(sleeps()); n < 5 || total > time.Second {
		t.Fatalf("%d pauses totalling %v", n, total)
	}
}

func TestAdminFaultsAndDroppedConnections(t *testing.T) {
	h := newHarness(t, Options{})
	srv := httptest.NewServer(h.s)
	defer srv.Close()
	h.s.SetBaseURL(srv.URL)
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.SetBasicAuth(h.s.AccessKey(), h.s.AccessKeySecret())
		return srv.Client().Do(req)
	}
	admin := func(method, body string) int {
		req, _ := http.NewRequest(method, srv.URL+"/sandbox/faults", strings.NewReader(body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if admin("POST", `{"route":"GET /v2/workspaces","drop":true}`) != 200 {
		t.Fatal("admin POST refused")
	}
	if resp, err := get("/v2/workspaces"); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	if admin("POST", `{"route":"GET /v2/users","status":503}`) != 200 {
		t.Fatal("admin POST refused")
	}
	resp, err := get("/v2/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if admin("DELETE", `{"route":"GET /v2/users"}`) != 200 {
		t.Fatal("admin DELETE refused")
	}
	resp, err = get("/v2/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("fault not cleared: %d", resp.StatusCode)
	}
	if admin("DELETE", "") != 200 {
		t.Fatal("clear all refused")
	}
	resp, err = get("/v2/workspaces")
	if err != nil {
		t.Fatalf("drop fault not cleared: %v", err)
	}
	resp.Body.Close()
	if admin("POST", `{"latency_ms":5}`) != 400 {
		t.Fatal("fault without a route accepted")
	}
}
