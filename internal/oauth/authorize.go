package oauth

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"

	"github.com/patchbay-dev/patchbay/internal/clientip"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// AuthRequest is a checked authorization request.
type AuthRequest struct {
	Client      *Client
	RedirectURI string
	State       string
	Challenge   string
	Resource    *Resource
	Scope       string
	// Params are the request's parameters, to carry through sign-in and
	// the consent form unchanged.
	Params url.Values
}

// AuthError is a refused authorization request. With Redirect false the
// client or redirect URI is not trusted, so the user sees the error and
// is never sent anywhere.
type AuthError struct {
	Redirect    bool
	RedirectURI string
	State       string
	Code        string
	Description string
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Description }

// authParams are the parameters an authorization request may carry
// through the consent form.
var authParams = []string{"response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "resource", "scope"}

// ParseAuthorize checks an authorization request: first the client and
// its redirect URI (errors shown, never redirected), then the rest
// (errors redirected with state and iss).
func (s *Server) ParseAuthorize(ctx context.Context, q url.Values) (*AuthRequest, error) {
	for _, p := range authParams {
		if len(q[p]) > 1 && p != "resource" {
			return nil, &AuthError{Code: "invalid_request", Description: "the parameter " + p + " is repeated"}
		}
	}
	client, err := s.client(ctx, q.Get("client_id"))
	if err != nil {
		var ce *clientError
		if errors.As(err, &ce) {
			return nil, &AuthError{Code: "invalid_client", Description: ce.msg}
		}
		return nil, err
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" || !slices.Contains(client.RedirectURIs, redirect) {
		return nil, &AuthError{Code: "invalid_request", Description: "redirect_uri is missing or is not one this client registered"}
	}
	fail := func(code, format string, args ...any) (*AuthRequest, error) {
		return nil, &AuthError{Redirect: true, RedirectURI: redirect, State: q.Get("state"), Code: code, Description: fmt.Sprintf(format, args...)}
	}
	if len(q.Get("state")) > 2048 {
		return nil, &AuthError{Code: "invalid_request", Description: "state is longer than 2048 characters"}
	}
	if q.Get("response_type") != "code" {
		return fail("unsupported_response_type", "response_type must be code")
	}
	if q.Get("code_challenge_method") != "S256" {
		return fail("invalid_request", "PKCE is required with code_challenge_method S256")
	}
	challenge := q.Get("code_challenge")
	if !validVerifier(challenge) || len(challenge) != 43 {
		return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)")
	}
	resources := q["resource"]
	if len(resources) > 1 {
		return fail("invalid_target", "give one resource: a token is bound to one MCP URL")
	}
	raw := s.PickerURL() // no resource: the installation's picker URL
	if len(resources) == 1 {
		raw = resources[0]
	}
	canon, err := Canonical(raw)
	if err != nil {
		return fail("invalid_target", "%v", err)
	}
	res, err := s.resolve(ctx, canon)
	if errors.Is(err, ErrTooManyFailures) {
		return fail("temporarily_unavailable", "too many requests with an unknown MCP URL came from this address; try again later")
	}
	if errors.Is(err, ErrUnknownResource) {
		return fail("invalid_target", "the resource is not an MCP URL of this Patchbay reachable with OAuth")
	}
	if err != nil {
		return nil, err
	}
	params := url.Values{}
	for _, p := range authParams {
		if v, ok := q[p]; ok {
			params[p] = v
		}
	}
	if client.fetched {
		// Only a document named by a valid request is kept.
		if err := s.store.PutOAuthClient(ctx, client.OAuthClient); err != nil {
			return nil, err
		}
	}
	return &AuthRequest{Client: client, RedirectURI: redirect, State: q.Get("state"), Challenge: challenge, Resource: res,
		Scope: grantedScope(q.Get("scope")), Params: params}, nil
}

// grantedScope is what a request gets: always mcp. An absent or empty
// scope means mcp (ChatGPT drops it on reconnect); unknown scopes are
// ignored rather than refused.
func grantedScope(string) string { return Scope }

// validVerifier: 43–128 unreserved characters (RFC 7636).
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// RedirectURL is where the browser goes with a refused request, or "".
func (s *Server) RedirectURL(e *AuthError) string {
	if !e.Redirect {
		return ""
	}
	return s.answer(e.RedirectURI, url.Values{"error": {e.Code}, "error_description": {e.Description}}, e.State)
}

// answer adds parameters, state and iss (RFC 9207) to a redirect URI,
// keeping its own query.
func (s *Server) answer(redirect string, v url.Values, state string) string {
	u, err := url.Parse(redirect)
	if err != nil {
		return redirect
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	return u.String()
}

// Approval is the user's decision at consent.
type Approval struct {
	ServerID string // the server approved (fixed for per-server and token URLs)
	Via      string // the dashboard credential of the approving session
	By       string // its display form
}

// Approve mints an authorization code for req and returns the redirect
// that carries it (code, state, iss).
func (s *Server) Approve(ctx context.Context, req *AuthRequest, a Approval) (string, error) {
	serverID := a.ServerID
	if req.Resource.Server != nil {
		if serverID != "" && serverID != req.Resource.Server.ID {
			return "", errors.New("oauth: this resource's MCP server is fixed")
		}
		serverID = req.Resource.Server.ID
	}
	srv, err := s.store.GetServer(ctx, serverID)
	if err != nil {
		return "", fmt.Errorf("oauth: the chosen MCP server: %w", err)
	}
	if !srv.Config.OAuth || srv.Expired(s.now()) {
		return "", errors.New("oauth: the chosen MCP server is not reachable with OAuth")
	}
	code := newSecret(CodePrefix)
	c := &store.OAuthCode{
		Hash: hash(code), ClientID: req.Client.ID, ClientName: req.Client.Name, RedirectURI: req.RedirectURI, Challenge: req.Challenge,
		Resource: req.Resource.Display, ResourceHash: req.Resource.Hash, Scope: req.Scope, ServerID: srv.ID,
		ApprovedVia: a.Via, ApprovedBy: a.By, CreatedAt: s.now(), ExpiresAt: s.now().Add(s.cfg.CodeTTL),
	}
	if err := s.store.CreateOAuthCode(ctx, c); err != nil {
		return "", err
	}
	s.log.InfoContext(ctx, "oauth: authorization approved", "client_id", req.Client.ID, "client_name", req.Client.Name, "server_id", srv.ID, "resource_kind", req.Resource.Kind, "approved_by", a.By)
	return s.answer(req.RedirectURI, url.Values{"code": {code}}, req.State), nil
}

// Deny returns the redirect that tells the client the user said no.
func (s *Server) Deny(req *AuthRequest) string {
	return s.answer(req.RedirectURI, url.Values{"error": {"access_denied"}, "error_description": {"the user denied the request"}}, req.State)
}

// handleAuthorize checks the request and hands it to the dashboard's
// consent page (where sign-in happens), or approves it at once in the
// demo's auto-approve mode.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		s.errorPage(w, http.StatusMethodNotAllowed, &AuthError{Code: "invalid_request", Description: "the authorization endpoint takes GET"})
		return
	}
	req, err := s.ParseAuthorize(WithSource(r.Context(), clientip.Of(r, s.cfg.TrustForwardedFor)), r.URL.Query())
	if err != nil {
		var ae *AuthError
		if !errors.As(err, &ae) {
			s.log.ErrorContext(r.Context(), "oauth: authorize", "err", err)
			s.errorPage(w, http.StatusServiceUnavailable, &AuthError{Code: "temporarily_unavailable", Description: "try again shortly"})
			return
		}
		if ae.Redirect {
			http.Redirect(w, r, s.RedirectURL(ae), http.StatusFound)
			return
		}
		s.errorPage(w, http.StatusBadRequest, ae)
		return
	}
	if aa := s.cfg.AutoApprove; aa != nil {
		pick := aa.ServerID
		if req.Resource.Server != nil {
			pick = "" // fixed by the URL
		}
		to, err := s.Approve(r.Context(), req, Approval{ServerID: pick, Via: aa.Via, By: aa.By})
		if err != nil {
			s.log.ErrorContext(r.Context(), "oauth: auto-approve", "err", err)
			http.Redirect(w, r, s.RedirectURL(&AuthError{Redirect: true, RedirectURI: req.RedirectURI, State: req.State, Code: "server_error", Description: "auto-approve failed"}), http.StatusFound)
			return
		}
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	http.Redirect(w, r, s.cfg.ConsentPath+"?"+req.Params.Encode(), http.StatusSeeOther)
}

var errorPageTmpl = template.Must(template.New("e").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization refused · Patchbay</title></head>
<body><main><h1>This authorization request was refused</h1>
<p>{{.Description}} <small>({{.Code}})</small></p>
<p>Nothing was sent back to the application. Go back to it and try connecting again; if this keeps happening, the application's registration with this Patchbay does not match what it asks for.</p>
</main></body></html>`))

func (s *Server) errorPage(w http.ResponseWriter, status int, e *AuthError) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = errorPageTmpl.Execute(w, e)
}

// PageError is an authorization error fit for a page (for the consent
// handler): what to show when a request cannot even be redirected.
func PageError(err error) (*AuthError, bool) {
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}
