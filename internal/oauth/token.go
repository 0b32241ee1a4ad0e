package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

const maxFormBytes = 16 << 10

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

// readForm parses a form body and the public client's id (in the body, or
// as the user of HTTP Basic with an empty password).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, string, *oauthError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, "", errorf(http.StatusBadRequest, "invalid_request", "the body must be a form (application/x-www-form-urlencoded) of at most %d bytes", maxFormBytes)
	}
	f := r.PostForm
	for k, v := range f {
		if len(v) > 1 && k != "resource" {
			return nil, "", errorf(http.StatusBadRequest, "invalid_request", "the parameter %s is repeated", k)
		}
	}
	id := f.Get("client_id")
	if user, pass, ok := r.BasicAuth(); ok {
		if pass != "" || (id != "" && id != user) {
			return nil, "", errorf(http.StatusUnauthorized, "invalid_client", "public clients have no secret; send client_id only")
		}
		id = user
	}
	if f.Get("client_secret") != "" {
		return nil, "", errorf(http.StatusUnauthorized, "invalid_client", "public clients have no secret; send client_id only")
	}
	if id == "" {
		return nil, "", errorf(http.StatusUnauthorized, "invalid_client", "client_id is required")
	}
	return f, id, nil
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if publicCORS(w, r, "POST") {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, errorf(http.StatusMethodNotAllowed, "invalid_request", "POST a form here"))
		return
	}
	f, clientID, oe := readForm(w, r)
	if oe != nil {
		writeError(w, oe)
		return
	}
	var res *tokenResponse
	var err error
	switch f.Get("grant_type") {
	case "authorization_code":
		res, err = s.exchangeCode(r.Context(), f, clientID)
	case "refresh_token":
		res, err = s.refresh(r.Context(), f, clientID)
	case "":
		err = errorf(http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		err = errorf(http.StatusBadRequest, "unsupported_grant_type", "grant types: authorization_code, refresh_token")
	}
	if err != nil {
		if !errors.As(err, &oe) {
			s.log.ErrorContext(r.Context(), "oauth: token endpoint", "err", err)
			oe = errorf(http.StatusServiceUnavailable, "temporarily_unavailable", "try again shortly")
		}
		writeError(w, oe)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// pkceOK compares the verifier's S256 with the challenge in constant time.
func pkceOK(verifier, challenge string) bool {
	if !validVerifier(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// resourceMatches checks an optional resource parameter against a grant's.
func resourceMatches(f url.Values, resourceHash string) *oauthError {
	rs := f["resource"]
	if len(rs) == 0 {
		return nil
	}
	if len(rs) > 1 {
		return errorf(http.StatusBadRequest, "invalid_target", "give one resource")
	}
	canon, err := Canonical(rs[0])
	if err != nil || subtle.ConstantTimeCompare([]byte(hash(canon)), []byte(resourceHash)) != 1 {
		return errorf(http.StatusBadRequest, "invalid_target", "the resource is not the one this grant is for")
	}
	return nil
}

// liveServer finds the grant's MCP server if it is still reachable by
// OAuth.
func (s *Server) liveServer(ctx context.Context, id string) (*store.Server, error) {
	srv, err := s.store.GetServer(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "the MCP server of this grant no longer exists")
	}
	if err != nil {
		return nil, err
	}
	if srv.Expired(s.now()) || !srv.Config.OAuth {
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "the MCP server of this grant expired or no longer allows OAuth")
	}
	return srv, nil
}

func (s *Server) exchangeCode(ctx context.Context, f url.Values, clientID string) (*tokenResponse, error) {
	code := f.Get("code")
	if code == "" || len(code) > 128 {
		return nil, errorf(http.StatusBadRequest, "invalid_request", "code is required")
	}
	now := s.now()
	c, fresh, err := s.store.UseOAuthCode(ctx, hash(code), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "the code is unknown or expired")
	}
	if err != nil {
		return nil, err
	}
	if !fresh {
		// A replayed code: whatever it bought is revoked (OAuth 2.1 §4.1.3).
		if c.GrantID != "" {
			if err := s.store.RevokeOAuthGrant(ctx, c.GrantID); err == nil {
				s.log.WarnContext(ctx, "oauth: authorization code replayed; its grant is revoked", "client_id", c.ClientID, "grant_id", c.GrantID)
			}
		}
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "the code was already used")
	}
	if c.ClientID != clientID {
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
	}
	if f.Get("redirect_uri") != c.RedirectURI {
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
	}
	if !pkceOK(f.Get("code_verifier"), c.Challenge) {
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
	}
	if oe := resourceMatches(f, c.ResourceHash); oe != nil {
		return nil, oe
	}
	srv, err := s.liveServer(ctx, c.ServerID)
	if err != nil {
		return nil, err
	}
	client, err := s.storedClient(ctx, c.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(http.StatusUnauthorized, "invalid_client", "the client no longer exists")
	}
	if err != nil {
		return nil, err
	}
	g := &store.OAuthGrant{ClientID: c.ClientID, ClientName: c.ClientName, ServerID: srv.ID, Resource: c.Resource, ResourceHash: c.ResourceHash,
		Scope: c.Scope, ApprovedVia: c.ApprovedVia, ApprovedBy: c.ApprovedBy, CreatedAt: now, LastUsedAt: now}
	res, tokens := s.mint(now, srv, client.Refresh, g)
	if err := s.store.CreateOAuthGrant(ctx, g, c.Hash, tokens); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "oauth: tokens issued", "client_id", g.ClientID, "client_name", g.ClientName, "grant_id", g.ID, "server_id", g.ServerID)
	return res, nil
}

// mint makes an access token and, for clients that take them, a refresh
// token; both capped at the server's expiry. It sets g.ExpiresAt.
func (s *Server) mint(now time.Time, srv *store.Server, refresh bool, g *store.OAuthGrant) (*tokenResponse, []*store.OAuthToken) {
	access := newSecret(AccessTokenPrefix)
	accessExp := minTime(now.Add(s.cfg.AccessTTL), srv.ExpiresAt)
	res := &tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(math.Ceil(accessExp.Sub(now).Seconds())), Scope: g.Scope}
	tokens := []*store.OAuthToken{{Hash: hash(access), Kind: store.OAuthAccessToken, CreatedAt: now, ExpiresAt: accessExp}}
	g.ExpiresAt = accessExp
	if refresh {
		rt := newSecret(RefreshTokenPrefix)
		refreshExp := minTime(now.Add(s.cfg.RefreshTTL), srv.ExpiresAt)
		res.RefreshToken = rt
		tokens = append(tokens, &store.OAuthToken{Hash: hash(rt), Kind: store.OAuthRefreshToken, CreatedAt: now, ExpiresAt: refreshExp})
		if refreshExp.After(g.ExpiresAt) {
			g.ExpiresAt = refreshExp
		}
	}
	return res, tokens
}

func (s *Server) refresh(ctx context.Context, f url.Values, clientID string) (*tokenResponse, error) {
	rt := f.Get("refresh_token")
	if rt == "" || len(rt) > 128 {
		return nil, errorf(http.StatusBadRequest, "invalid_request", "refresh_token is required")
	}
	invalid := errorf(http.StatusBadRequest, "invalid_grant", "the refresh token is unknown, expired or revoked")
	now := s.now()
	tok, g, err := s.store.OAuthTokenByHash(ctx, hash(rt))
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if tok.Kind != store.OAuthRefreshToken || !now.Before(tok.ExpiresAt) || g.ClientID != clientID {
		return nil, invalid
	}
	if oe := resourceMatches(f, g.ResourceHash); oe != nil {
		return nil, oe
	}
	if live, err := s.credentialLive(ctx, g.ApprovedVia); err != nil {
		return nil, err
	} else if !live {
		_ = s.store.RevokeOAuthGrant(ctx, g.ID)
		return nil, errorf(http.StatusBadRequest, "invalid_grant", "the credential that approved this grant was revoked")
	}
	srv, err := s.liveServer(ctx, g.ServerID)
	if err != nil {
		return nil, err
	}
	res, tokens := s.mint(now, srv, true, g)
	err = s.store.RotateOAuthRefresh(ctx, tok.Hash, now, s.cfg.RefreshGrace, g.ExpiresAt, tokens)
	switch {
	case errors.Is(err, store.ErrReused):
		s.log.WarnContext(ctx, "oauth: a spent refresh token was presented again after the grace window; the grant is revoked", "client_id", g.ClientID, "grant_id", g.ID)
		return nil, invalid
	case errors.Is(err, store.ErrNotFound):
		return nil, invalid
	case err != nil:
		return nil, err
	}
	return res, nil
}

// handleRevoke is RFC 7009: a refresh token takes its whole grant along,
// an access token only itself. Unknown tokens and other clients' tokens
// answer 200 as well, telling nothing.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if publicCORS(w, r, "POST") {
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, errorf(http.StatusMethodNotAllowed, "invalid_request", "POST a form here"))
		return
	}
	f, clientID, oe := readForm(w, r)
	if oe != nil {
		writeError(w, oe)
		return
	}
	token := f.Get("token")
	if token == "" {
		writeError(w, errorf(http.StatusBadRequest, "invalid_request", "token is required"))
		return
	}
	if len(token) <= 128 {
		tok, g, err := s.store.OAuthTokenByHash(r.Context(), hash(token))
		if err == nil && g.ClientID == clientID {
			if tok.Kind == store.OAuthRefreshToken {
				err = s.store.RevokeOAuthGrant(r.Context(), g.ID)
			} else {
				err = s.store.DeleteOAuthToken(r.Context(), tok.Hash)
			}
			if err == nil {
				s.log.InfoContext(r.Context(), "oauth: token revoked by its client", "client_id", clientID, "grant_id", g.ID, "kind", tok.Kind)
			}
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.ErrorContext(r.Context(), "oauth: revoking", "err", err)
			writeError(w, errorf(http.StatusServiceUnavailable, "temporarily_unavailable", "try again shortly"))
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
