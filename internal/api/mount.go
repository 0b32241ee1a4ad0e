package api

import "net/http"

// RequireToken guards a handler mounted outside the API's own routes (the
// OAuth connect start) with the same API-token check and 401 answer.
func (a *API) RequireToken(h http.Handler) http.Handler {
	return a.authed(func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	})
}
