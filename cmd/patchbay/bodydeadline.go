package main

import (
	"net/http"
	"time"
)

// bodyTimeout is how long a request body may take to arrive. Without it a
// client trickling a body a byte at a time holds a connection and a
// handler forever (http.Server's ReadTimeout would also cut the long-lived
// SSE streams, so it stays unset).
const bodyTimeout = 30 * time.Second

// withBodyDeadline gives every request with a body a read deadline of d.
// net/http clears it once the body has been read to its end (its
// background read starts without one), so answers that stream afterwards
// (a tool call's progress events) are not cut; requests without a body
// (the legacy SSE GET) never get one.
func withBodyDeadline(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		}
		h.ServeHTTP(w, r)
	})
}

// newHTTPServer is the http.Server every command serves with.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           withBodyDeadline(bodyTimeout, h),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}
