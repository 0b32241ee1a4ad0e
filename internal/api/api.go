// Package api is the admin REST API: integrated accounts, MCP servers,
// tool previews and the audit log, all behind an API token. Bodies and
// answers are shaped like managed MCP platforms' (Truto's) so their guides
// carry over.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Catalog gives the tool set of an integration by name.
type Catalog interface {
	ToolSet(integration string) (*tools.Set, bool)
}

// Options configure the API.
type Options struct {
	Store   store.Store
	Catalog Catalog
	Logger  *slog.Logger
	Now     func() time.Time
	// PublicURL is the base of MCP URLs handed out (scheme://host[:port]).
	PublicURL func(r *http.Request) string
	// CheckBaseURL refuses API hosts an account may not use (SSRF guard).
	CheckBaseURL func(integration, baseURL string) error
	// VerifyAccount makes one cheap upstream call to prove credentials work.
	VerifyAccount func(ctx context.Context, a *store.Account) error
	// Quota shows budgets' usage in answers (optional).
	Quota *quota.Guard
	// OAuth, if set, adds the OAuth grants and static clients (oauth.go).
	OAuth *oauth.Server
}

// API is the admin REST API handler.
type API struct {
	opts Options
	svc  *Service
	mux  *http.ServeMux
}

// maxBody bounds admin request bodies.
const maxBody = 1 << 20

// New builds the API.
func New(opts Options) *API {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &API{opts: opts, svc: NewService(opts), mux: http.NewServeMux()}
	a.routes()
	return a
}

func (a *API) routes() {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		a.mux.Handle(pattern, a.authed(fn))
	}
	h("POST /integrated-account", a.createAccount)
	h("GET /integrated-account", a.listAccounts)
	h("GET /integrated-account/{id}", a.getAccount)
	h("PATCH /integrated-account/{id}", a.patchAccount)
	h("DELETE /integrated-account/{id}", a.deleteAccount)
	h("GET /integrated-account/{id}/tools", a.previewTools)
	h("POST /integrated-account/{id}/mcp", a.createServer)
	h("GET /integrated-account/{id}/mcp", a.listServers)
	h("GET /integrated-account/{id}/mcp/{mcpId}", a.getServer)
	h("PATCH /integrated-account/{id}/mcp/{mcpId}", a.patchServer)
	h("DELETE /integrated-account/{id}/mcp/{mcpId}", a.deleteServer)
	h("GET /log", a.listLogs)
	h("POST /api-token", a.createToken)
	h("GET /api-token", a.listTokens)
	h("DELETE /api-token/{id}", a.deleteToken)
	a.oauthRoutes(h)
}

// Handler returns the API's routes; mount it at the root.
func (a *API) Handler() http.Handler { return a.mux }

// Error is an API error answer: {error, message} with a status.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func errf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return errf(http.StatusBadRequest, "bad_request", format, args...)
}

func notFound(what string) *Error {
	return errf(http.StatusNotFound, "not_found", "%s not found", what)
}

func (a *API) authed(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.authenticate(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay"`)
			writeError(w, errf(http.StatusUnauthorized, "unauthorized", "a valid API token is required: Authorization: Bearer <API token>"))
			return
		}
		if err := fn(w, r); err != nil {
			var ae *Error
			if !errors.As(err, &ae) {
				a.opts.Logger.ErrorContext(r.Context(), "api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
				ae = errf(http.StatusInternalServerError, "internal_error", "something went wrong; the error was logged")
			}
			writeError(w, ae)
		}
	})
}

func (a *API) authenticate(r *http.Request) bool {
	v := r.Header.Get("Authorization")
	if len(v) < 7 || !strings.EqualFold(v[:7], "bearer ") {
		return false
	}
	tok := strings.TrimSpace(v[7:])
	if !strings.HasPrefix(tok, credentials.APITokenPrefix) || len(tok) > 128 {
		return false
	}
	_, err := a.opts.Store.APITokenByHash(r.Context(), credentials.HashToken(tok))
	return err == nil
}

func writeError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.Status, map[string]string{"error": e.Code, "message": e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads a JSON body strictly: unknown fields, wrong types, trailing
// data and oversized bodies are 400s (413 for size).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errf(http.StatusRequestEntityTooLarge, "too_large", "request body is larger than %d bytes", maxBody)
		}
		return badRequest("could not read the request body")
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON body: %s", describeJSONErr(err))
	}
	if dec.More() {
		return badRequest("invalid JSON body: unexpected data after the object")
	}
	return nil
}

func describeJSONErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return fmt.Sprintf("field %q must be %s, not %s", field, jsonType(te.Type.Kind().String()), te.Value)
	}
	if errors.Is(err, io.EOF) {
		return "the body is empty"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "int", "int64", "float64":
		return "a number"
	}
	return kind
}

func timePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func list(v any) map[string]any { return map[string]any{"result": v, "next_cursor": nil} }
