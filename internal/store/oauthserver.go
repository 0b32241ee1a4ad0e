package store

import (
	"context"
	"errors"
	"time"
)

// What Patchbay persists as an OAuth 2.1 authorization server for MCP
// clients (internal/oauth). Secrets — codes, access and refresh tokens —
// are kept only as SHA-256 hashes. A token URL's resource is a secret too,
// so grants and codes keep only its hash and a redacted display form.

// ErrReused: a refresh token was presented again after its grace window;
// the grant it belonged to has been revoked.
var ErrReused = errors.New("refresh token reused")

// OAuth client kinds.
const (
	OAuthClientDynamic  = "dcr"    // RFC 7591 dynamic registration
	OAuthClientMetadata = "cimd"   // a Client ID Metadata Document (client_id is its https URL)
	OAuthClientStatic   = "static" // made by an admin
)

// OAuth token kinds.
const (
	OAuthAccessToken  = "access"
	OAuthRefreshToken = "refresh"
)

// OAuthClient is a client of Patchbay's authorization server.
type OAuthClient struct {
	ID           string
	Kind         string
	Name         string
	RedirectURIs []string
	// Metadata is the registration or metadata document as JSON.
	Metadata  string
	CreatedIP string
	CreatedAt time.Time
	// ExpiresAt: until when a metadata document may be used without
	// fetching it again (cimd); nil for the other kinds.
	ExpiresAt *time.Time
}

// OAuthGrant is one approval: a client may call one MCP server at one
// resource URL, on the strength of the dashboard credential that approved
// it.
type OAuthGrant struct {
	ID           string
	ClientID     string
	ClientName   string
	ServerID     string
	Resource     string // display form; a token URL's token is redacted
	ResourceHash string // SHA-256 of the canonical resource URL
	Scope        string
	// ApprovedVia names the dashboard credential that approved the grant
	// (a dashboard session's Via); the grant dies with it.
	ApprovedVia string
	ApprovedBy  string // display form of ApprovedVia
	CreatedAt   time.Time
	LastUsedAt  time.Time // the last token issue
	ExpiresAt   time.Time // the last token's expiry (sliding)
}

// OAuthCode is an authorization code: single use, short-lived.
type OAuthCode struct {
	Hash         string
	ClientID     string
	ClientName   string
	RedirectURI  string
	Challenge    string // PKCE S256 code_challenge
	Resource     string
	ResourceHash string
	Scope        string
	ServerID     string
	ApprovedVia  string
	ApprovedBy   string
	GrantID      string // the grant its exchange created ("" before)
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       *time.Time
}

// OAuthToken is an access or refresh token.
type OAuthToken struct {
	Hash      string
	Kind      string
	GrantID   string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time // a refresh token's rotation
}

// OAuthGrantFilter narrows a grant listing; zero values match everything.
type OAuthGrantFilter struct {
	ServerID string
	ClientID string
}

// OAuthServerStore is the authorization server's part of Store.
type OAuthServerStore interface {
	// CreateOAuthClient stores a new client (ErrConflict if its id is taken).
	CreateOAuthClient(ctx context.Context, c *OAuthClient) error
	// PutOAuthClient creates or replaces a client (a metadata document
	// fetched again).
	PutOAuthClient(ctx context.Context, c *OAuthClient) error
	GetOAuthClient(ctx context.Context, id string) (*OAuthClient, error)
	// ListOAuthClients lists the clients of a kind ("" = all), oldest first.
	ListOAuthClients(ctx context.Context, kind string) ([]*OAuthClient, error)
	// DeleteOAuthClient removes a client with its codes, grants and tokens.
	DeleteOAuthClient(ctx context.Context, id string) error

	CreateOAuthCode(ctx context.Context, c *OAuthCode) error
	// UseOAuthCode marks an unexpired code used and returns it; fresh
	// says this call spent it. A code spent before comes back with fresh
	// false: a replay. Expired or unknown codes are ErrNotFound.
	UseOAuthCode(ctx context.Context, hash string, now time.Time) (code *OAuthCode, fresh bool, err error)

	// CreateOAuthGrant stores a grant with its first tokens and notes it
	// on the code that led to it (codeHash may be empty), all or nothing.
	CreateOAuthGrant(ctx context.Context, g *OAuthGrant, codeHash string, tokens []*OAuthToken) error
	GetOAuthGrant(ctx context.Context, id string) (*OAuthGrant, error)
	// ListOAuthGrants lists grants, newest first.
	ListOAuthGrants(ctx context.Context, f OAuthGrantFilter) ([]*OAuthGrant, error)
	// RevokeOAuthGrant deletes a grant with its tokens.
	RevokeOAuthGrant(ctx context.Context, id string) error

	// OAuthTokenByHash finds a token, expired or not, with its grant.
	OAuthTokenByHash(ctx context.Context, hash string) (*OAuthToken, *OAuthGrant, error)
	// RotateOAuthRefresh spends a refresh token and stores its successors
	// (tokens, of its grant), moving the grant's expiry to grantExpiry.
	// A token spent no longer than grace ago may be spent again (clients
	// that refresh concurrently); later, the grant is revoked and
	// ErrReused returned. Unknown or expired tokens are ErrNotFound.
	RotateOAuthRefresh(ctx context.Context, hash string, now time.Time, grace time.Duration, grantExpiry time.Time, tokens []*OAuthToken) error
	// DeleteOAuthToken removes one token (revocation of an access token).
	DeleteOAuthToken(ctx context.Context, hash string) error

	// SweepOAuth deletes expired codes and tokens, grants that expired or
	// whose MCP server is gone (with their tokens), metadata-document
	// clients past their cache lifetime and dynamic clients registered
	// before unusedBefore, both only when no grant or code uses them. It
	// returns how many rows went.
	SweepOAuth(ctx context.Context, now, unusedBefore time.Time) (int, error)
}
