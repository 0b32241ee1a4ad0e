package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// RequireBearer answers 401 unless the request carries
// "Authorization: Bearer <token>": /metrics shows per-tool use, which is
// not for everyone who can reach the port. An empty token leaves h open.
func RequireBearer(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	// Comparing hashes keeps the comparison constant-time whatever the
	// length of what was sent.
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "a bearer token is required (PATCHBAY_METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
