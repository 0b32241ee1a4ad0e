package metrics_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/metrics"
)

func TestAccessLog(t *testing.T) {
	redact := func(p string) string {
		if strings.HasPrefix(p, "/mcp/") {
			return "/mcp/<redacted>"
		}
		return p
	}
	tests := []struct {
		name     string
		path     string
		header   string
		wantID   string // "" = a fresh id
		wantPath string
		logged   bool // at info level
	}{
		{name: "mcp token redacted", path: "/mcp/pbm_supersecret", wantPath: "/mcp/<redacted>", logged: true},
		{name: "well-formed id kept", path: "/integrated-account", header: "lb-1234.abc", wantID: "lb-1234.abc", wantPath: "/integrated-account", logged: true},
		{name: "ill-formed id replaced", path: "/log", header: "x\ny", wantPath: "/log", logged: true},
		{name: "probe at debug", path: "/healthz", wantPath: "/healthz", logged: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			var seen string
			h := metrics.AccessLog(log, redact, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = metrics.RequestID(r.Context())
				w.WriteHeader(http.StatusTeapot)
				w.Write([]byte("hello"))
			}))
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.header != "" {
				req.Header.Set("X-Request-Id", tc.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			id := rec.Header().Get("X-Request-Id")
			if id == "" || id != seen || (tc.wantID != "" && id != tc.wantID) || (tc.header != "" && tc.wantID == "" && id == tc.header) {
				t.Fatalf("request id: header %q, handler saw %q", id, seen)
			}
			if !tc.logged {
				if buf.Len() != 0 {
					t.Fatalf("probe logged at info: %s", buf.String())
				}
				return
			}
			if strings.Contains(buf.String(), "supersecret") {
				t.Fatalf("token in the log: %s", buf.String())
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("not one JSON line: %q", buf.String())
			}
			if line["request_id"] != id || line["path"] != tc.wantPath || line["status"] != float64(http.StatusTeapot) || line["bytes"] != float64(5) {
				t.Fatalf("log line %v", line)
			}
		})
	}
}
