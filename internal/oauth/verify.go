package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// Resource-server errors.
var (
	// ErrInvalidToken: unknown, expired or revoked, or bound to another
	// resource: answered 401 with error="invalid_token".
	ErrInvalidToken = errors.New("invalid token")
	// ErrInsufficientScope: valid, but without the scope: 403 with
	// error="insufficient_scope".
	ErrInsufficientScope = errors.New("insufficient scope")
)

// Access is what a valid access token grants.
type Access struct {
	GrantID    string
	ClientID   string
	ClientName string
	ServerID   string
}

// IsAccessToken tells an OAuth access token from other bearers by prefix.
func IsAccessToken(bearer string) bool { return strings.HasPrefix(bearer, AccessTokenPrefix) }

// Verify checks an access token presented at the MCP URL whose canonical
// form is resourceURL: it must be unexpired, issued for exactly that URL,
// carry the mcp scope, and its approving credential must still exist. The
// caller checks the server itself (that it is the URL's, exists, is
// unexpired and has OAuth on).
func (s *Server) Verify(ctx context.Context, token, resourceURL string) (*Access, error) {
	if !IsAccessToken(token) || len(token) > 128 {
		return nil, ErrInvalidToken
	}
	tok, g, err := s.store.OAuthTokenByHash(ctx, hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if tok.Kind != store.OAuthAccessToken || !s.now().Before(tok.ExpiresAt) {
		return nil, ErrInvalidToken
	}
	if !credentials.EqualHash(g.ResourceHash, hash(resourceURL)) {
		return nil, ErrInvalidToken // audience: another MCP URL's token
	}
	live, err := s.credentialLive(ctx, g.ApprovedVia)
	if err != nil {
		return nil, err
	}
	if !live {
		return nil, ErrInvalidToken
	}
	if !slices.Contains(strings.Fields(g.Scope), Scope) {
		return nil, ErrInsufficientScope
	}
	return &Access{GrantID: g.ID, ClientID: g.ClientID, ClientName: g.ClientName, ServerID: g.ServerID}, nil
}

// Challenge is the WWW-Authenticate value for a 401 (or, with
// insufficient, a 403) at an MCP URL path: it names the path-inserted
// resource metadata URL, as claude.ai needs.
func (s *Server) Challenge(resourcePath string, insufficient bool) string {
	md := s.MetadataURL(resourcePath)
	if insufficient {
		return `Bearer error="insufficient_scope", scope="` + Scope + `", resource_metadata="` + md + `", error_description="this token does not carry the mcp scope"`
	}
	return `Bearer resource_metadata="` + md + `", scope="` + Scope + `", error="invalid_token"`
}

// Grants lists the live grants of a server ("" = all).
func (s *Server) Grants(ctx context.Context, serverID string) ([]*store.OAuthGrant, error) {
	gs, err := s.store.ListOAuthGrants(ctx, store.OAuthGrantFilter{ServerID: serverID})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := gs[:0]
	for _, g := range gs {
		if now.Before(g.ExpiresAt) {
			out = append(out, g)
		}
	}
	return out, nil
}

// RevokeGrant ends a grant and its tokens at once.
func (s *Server) RevokeGrant(ctx context.Context, id, by string) error {
	if err := s.store.RevokeOAuthGrant(ctx, id); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "oauth: grant revoked", "grant_id", id, "by", by)
	return nil
}
