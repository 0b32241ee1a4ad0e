package upstream_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// Every call that was sent is observed once, with the status upstream gave
// (0 when none came); calls that were never sent are not observed.
func TestObserveHearsEveryUpstreamCall(t *testing.T) {
	set := gongSet(t)
	users := tool(t, set, "list_all_gong_users")
	tests := []struct {
		name    string
		tool    string
		handler http.HandlerFunc
		closed  bool
		args    map[string]any
		want    []int
	}{
		{name: "ok", handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"users":[]}`)) }, args: map[string]any{}, want: []int{200}},
		{name: "rate limited", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			w.Write([]byte(`{"requestId":"r","errors":["slow down"]}`))
		}, args: map[string]any{}, want: []int{429}},
		{name: "no answer", closed: true, args: map[string]any{}, want: []int{0}},
		{name: "invalid arguments are not sent", tool: "get_single_gong_call_by_id", handler: func(w http.ResponseWriter, r *http.Request) {}, args: map[string]any{}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			url := srv.URL
			if tc.closed {
				srv.Close()
			} else {
				defer srv.Close()
			}
			c := upstream.NewClient()
			var got []int
			c.Observe = func(integration string, status int, d time.Duration) {
				if integration != "gong" || d < 0 {
					t.Errorf("observed %q, %v", integration, d)
				}
				got = append(got, status)
			}
			tl := users
			if tc.tool != "" {
				tl = tool(t, set, tc.tool)
			}
			c.Call(context.Background(), set.Integration, url, upstream.BasicAuth{Key: "k", Secret: "s"}, tl, tc.args)
			if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Fatalf("observed %v, want %v", got, tc.want)
			}
		})
	}
}
