package mcp

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// OAuth URLs: /mcp/oauth/{server_id} (one server) and /mcp/oauth (the
// server comes from the grant, chosen at consent). They take only an OAuth
// access token issued for exactly that URL; once it is checked, they are
// served like /mcp/{token}. A token URL of a server with
// require_api_token_auth and OAuth on also takes an OAuth access token
// bound to it, in place of the API token (see tokenURLAuth).

// oauthSegment is the first path segment of the OAuth URLs; no MCP token
// can be "oauth" (tokens carry the pbm_ prefix).
const oauthSegment = "oauth"

// OAuthVerifier is the resource-server side of internal/oauth.
type OAuthVerifier interface {
	// Verify checks an access token presented at a canonical MCP URL.
	Verify(ctx context.Context, token, resourceURL string) (*oauth.Access, error)
	// Challenge is the WWW-Authenticate value for a resource path.
	Challenge(resourcePath string, insufficient bool) string
	// URL is the absolute (canonical) URL of a path.
	URL(path string) string
}

// oauthDenied answers a request at an OAuth-protected URL that brought no
// usable access token: 401 with the challenge that starts OAuth, or 403
// when the token lacks the scope.
func (h *Handler) oauthDenied(w http.ResponseWriter, resourcePath string, err error, msg string) {
	if errors.Is(err, oauth.ErrInsufficientScope) {
		w.Header().Set("WWW-Authenticate", h.opts.OAuth.Challenge(resourcePath, true))
		writeJSONError(w, http.StatusForbidden, "insufficient_scope", "this access token does not carry the mcp scope")
		return
	}
	w.Header().Set("WWW-Authenticate", h.opts.OAuth.Challenge(resourcePath, false))
	writeJSONError(w, http.StatusUnauthorized, "unauthorized", msg)
}

// admitOAuth checks a request at /mcp/oauth[/{server_id}]: rest is what
// follows /mcp/oauth. It answers refusals itself.
func (h *Handler) admitOAuth(w http.ResponseWriter, r *http.Request, rest, src string, start time.Time) (srv *store.Server, acct *store.Account, client string, ok bool) {
	ctx := r.Context()
	serverID, _ := strings.CutPrefix(rest, "/")
	if h.opts.OAuth == nil || (rest != "" && (serverID == "" || strings.Contains(serverID, "/") || len(serverID) > 64)) {
		writeJSONError(w, http.StatusNotFound, "not_found", "no MCP server at this URL")
		return nil, nil, "", false
	}
	resourcePath := "/mcp/" + oauthSegment + rest
	// A per-server URL names its server: one that does not exist, expired
	// or has OAuth off is not here at all.
	live := func(s *store.Server) bool { return s.Config.OAuth && !s.Expired(h.opts.Now()) }
	if serverID != "" {
		s, err := h.opts.Store.GetServer(ctx, serverID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.opts.Logger.ErrorContext(r.Context(), "mcp: reading a server", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "try again shortly")
			return nil, nil, "", false
		}
		if err != nil || !live(s) {
			h.limiter.fail(src)
			writeJSONError(w, http.StatusNotFound, "not_found", "no MCP server at this URL")
			return nil, nil, "", false
		}
		srv = s
	}
	tok, present := bearer(r)
	if !present || tok == "" {
		// The first request of every OAuth client: not a failure.
		h.limiter.succeed(src)
		h.oauthDenied(w, resourcePath, oauth.ErrInvalidToken, "this MCP server requires OAuth: Authorization: Bearer <access token>")
		return nil, nil, "", false
	}
	access, err := h.opts.OAuth.Verify(ctx, tok, h.opts.OAuth.URL(resourcePath))
	if err == nil && srv != nil && access.ServerID != srv.ID {
		err = oauth.ErrInvalidToken
	}
	if err == nil && srv == nil {
		// The picker: the grant names the server.
		s, gerr := h.opts.Store.GetServer(ctx, access.ServerID)
		switch {
		case gerr == nil && live(s):
			srv = s
		case gerr == nil || errors.Is(gerr, store.ErrNotFound):
			err = oauth.ErrInvalidToken
		default:
			err = gerr
		}
	}
	if err != nil && !errors.Is(err, oauth.ErrInvalidToken) && !errors.Is(err, oauth.ErrInsufficientScope) {
		h.opts.Logger.ErrorContext(r.Context(), "mcp: checking an OAuth access token", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "try again shortly")
		return nil, nil, "", false
	}
	if err != nil {
		h.limiter.fail(src)
		h.oauthDenied(w, resourcePath, err, "the access token is invalid, expired, revoked or for another MCP URL")
		if srv != nil {
			if a, aerr := h.opts.Store.GetAccount(ctx, srv.AccountID); aerr == nil {
				status := http.StatusUnauthorized
				if errors.Is(err, oauth.ErrInsufficientScope) {
					status = http.StatusForbidden
				}
				h.log(ctx, srv, a, envelope{}, r, status, &call{status: "denied", errText: "invalid OAuth access token"}, start)
			}
		}
		return nil, nil, "", false
	}
	acct, err = h.opts.Store.GetAccount(ctx, srv.AccountID)
	if err != nil {
		h.opts.Logger.ErrorContext(r.Context(), "mcp: reading the account", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "try again shortly")
		return nil, nil, "", false
	}
	return srv, acct, oauthClientName(access), true
}

func oauthClientName(a *oauth.Access) string {
	if a.ClientName != "" {
		return a.ClientName
	}
	return a.ClientID
}

// tokenURLAuth checks the second factor of a token URL whose server
// requires API-token auth: an API token, or (with OAuth on for the
// server) an OAuth access token bound to this very URL. It answers
// refusals itself; client names the OAuth client when one was used.
func (h *Handler) tokenURLAuth(w http.ResponseWriter, r *http.Request, token string, srv *store.Server, acct *store.Account, src string, start time.Time) (client string, ok bool) {
	ctx := r.Context()
	withOAuth := h.opts.OAuth != nil && srv.Config.OAuth
	resourcePath := "/mcp/" + token
	tok, _ := bearer(r)
	var err error
	if withOAuth && oauth.IsAccessToken(tok) {
		var access *oauth.Access
		access, err = h.opts.OAuth.Verify(ctx, tok, h.opts.OAuth.URL(resourcePath))
		if err == nil && access.ServerID == srv.ID {
			return oauthClientName(access), true
		}
		if err != nil && !errors.Is(err, oauth.ErrInvalidToken) && !errors.Is(err, oauth.ErrInsufficientScope) {
			h.opts.Logger.ErrorContext(r.Context(), "mcp: checking an OAuth access token", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "try again shortly")
			return "", false
		}
	} else if h.apiTokenOK(ctx, r) {
		return "", true
	}
	h.limiter.fail(src)
	status := http.StatusUnauthorized
	if withOAuth {
		if errors.Is(err, oauth.ErrInsufficientScope) {
			status = http.StatusForbidden
			h.oauthDenied(w, resourcePath, err, "")
		} else {
			w.Header().Set("WWW-Authenticate", h.opts.OAuth.Challenge(resourcePath, false)+`, error_description="this MCP server requires an API token or an OAuth access token in the Authorization header"`)
			writeJSONError(w, http.StatusUnauthorized, "unauthorized", "this MCP server requires Authorization: Bearer <API token or OAuth access token>")
		}
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay", error="invalid_token", error_description="this MCP server requires an API token in the Authorization header"`)
		writeJSONError(w, http.StatusUnauthorized, "unauthorized", "this MCP server requires Authorization: Bearer <API token>")
	}
	errText := "missing or invalid API token"
	if withOAuth {
		errText += " or OAuth access token"
	}
	h.log(ctx, srv, acct, envelope{}, r, status, &call{status: "denied", errText: errText}, start)
	return "", false
}
