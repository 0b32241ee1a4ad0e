package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Finding 13: /metrics needed no credential and showed per-tool use.
func TestRequireBearer(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("series")) })
	tests := []struct {
		name, token, auth string
		want              int
	}{
		{"no token configured", "", "", http.StatusOK},
		{"right token", "s3cret-metrics", "Bearer s3cret-metrics", http.StatusOK},
		{"no credential", "s3cret-metrics", "", http.StatusUnauthorized},
		{"wrong token", "s3cret-metrics", "Bearer s3cret-metric", http.StatusUnauthorized},
		{"basic scheme", "s3cret-metrics", "Basic s3cret-metrics", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			RequireBearer(tc.token, ok).ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want != http.StatusOK && w.Body.String() == "series" {
				t.Error("refused request still got the series")
			}
		})
	}
}
