package app_test

import (
	"net/http"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/app"
)

// Finding 13: with PATCHBAY_METRICS_TOKEN set, /metrics needs it.
func TestMetricsNeedTheirToken(t *testing.T) {
	e := newEnv(t)
	_, base := e.replica(func(c *app.Config) { c.MetricsToken = "metrics-s3cret" })
	get := func(auth string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get(""); got != http.StatusUnauthorized {
		t.Errorf("no credential: %d, want 401", got)
	}
	if got := get("Bearer metrics-s3cret"); got != http.StatusOK {
		t.Errorf("right credential: %d, want 200", got)
	}
}
