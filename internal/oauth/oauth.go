// Package oauth makes Patchbay an OAuth 2.1 authorization server and an
// RFC 9728 protected resource for MCP clients (ChatGPT and Claude
// connectors, the MCP SDKs, mcp-remote), following the MCP authorization
// spec (2025-06-18, 2025-11-25, 2026-07-28).
//
// What it serves:
//
//   - discovery: protected resource metadata (RFC 9728) at the
//     path-inserted, path-appended and root URLs, authorization server
//     metadata (RFC 8414) at /.well-known/oauth-authorization-server,
//     /.well-known/openid-configuration and their per-resource aliases;
//     public, with CORS;
//   - /oauth/register: dynamic client registration (RFC 7591), public
//     clients only, rate limited; unused clients are swept after a day;
//   - Client ID Metadata Documents: a client_id that is an https URL is
//     fetched (SSRF-guarded by the dialed address, size and time bounded,
//     cached per Cache-Control) and must name itself exactly;
//   - /oauth/authorize: checks the client and redirect URI before any
//     redirect, requires PKCE S256 and an RFC 8707 resource naming a known
//     MCP URL, then hands the browser to the dashboard's consent page,
//     whose approval mints a code (Approve); answers carry code, state and
//     iss (RFC 9207);
//   - /oauth/token (authorization_code, refresh_token with rotation, a
//     short grace window for concurrent refreshes and reuse revocation)
//     and /oauth/revoke (RFC 7009);
//   - Verify and Challenge for the resource server (internal/mcp).
//
// Tokens are opaque, prefixed, 256-bit random strings stored only as
// SHA-256 hashes (as MCP URL tokens are), bound to a client, a resource
// URL, an MCP server and the dashboard credential that approved them.
// Opaque tokens make revocation immediate on every replica and need no
// signing keys; the resource server looks the token up anyway.
//
// Libraries: the standard library (net/http, crypto/rand, crypto/sha256,
// crypto/subtle, html/template), plus the go-sdk's oauthex types where they
// fit: ProtectedResourceMetadata for the RFC 9728 document and
// ClientRegistrationMetadata to read RFC 7591 requests and metadata
// documents. The authorization server metadata has its own struct because
// oauthex.AuthServerMeta always emits "jwks_uri" (no omitempty), and there
// are no JWKS here. No Go authorization-server library available handles
// RFC 8707 resource indicators on the authorize and token requests together
// with dynamic registration (fosite, zitadel/oidc and go-oauth2 were
// checked), and those, not the endpoints, are what MCP needs; so the few
// endpoints are written here.
package oauth

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/clientip"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// Token prefixes: a leaked string says what it is, and secret scanners
// and log redaction can find it.
const (
	AccessTokenPrefix  = "pb_oat_"
	RefreshTokenPrefix = "pb_ort_"
	CodePrefix         = "pb_oac_"
	ClientIDPrefix     = "pbc_"
)

// Scope is the one scope: tool permissions come from the MCP server's
// config chosen at consent, not from scopes.
const Scope = "mcp"

// Paths of the resources and endpoints.
const (
	PickerPath    = "/mcp/oauth"
	ServerPrefix  = "/mcp/oauth/"
	AuthorizePath = "/oauth/authorize"
	TokenPath     = "/oauth/token"
	RegisterPath  = "/oauth/register"
	RevokePath    = "/oauth/revoke"
)

// Config configures the authorization server.
type Config struct {
	Store store.Store
	// PublicURL is the installation's public base URL (required); the
	// issuer is its origin and every resource URL derives from it, never
	// from a request's Host.
	PublicURL string
	// Lifetimes: access tokens (default 1 h), refresh tokens (30 days,
	// sliding), codes (60 s); tokens never outlive their MCP server.
	AccessTTL, RefreshTTL, CodeTTL time.Duration
	// RefreshGrace is how long a spent refresh token may be spent again
	// (concurrent refreshes; default 30 s); later reuse revokes the grant.
	RefreshGrace time.Duration
	// UnusedClientTTL: a registered client that never got a grant is
	// swept after this long (default 24 h).
	UnusedClientTTL time.Duration
	// Redirects is the redirect URI policy (nil: DefaultRedirectPolicy).
	Redirects *RedirectPolicy
	// RegisterPerHour bounds registrations per source address, and new
	// client metadata documents fetched per source address (default 30).
	RegisterPerHour int
	// TokenGuard, if set, admits look-ups of MCP token URLs (discovery
	// paths, the authorize resource) per source: the MCP endpoint's
	// failed-token limiter, shared so a guesser gains nothing here.
	TokenGuard TokenGuard
	// TrustForwardedFor takes the source address from X-Forwarded-For.
	TrustForwardedFor bool
	// CIMD tunes the Client ID Metadata Document fetcher.
	CIMD CIMDConfig
	// ConsentPath is the dashboard page /oauth/authorize hands a valid
	// request to (its query string unchanged).
	ConsentPath string
	// CredentialLive reports whether the dashboard credential that
	// approved a grant (a session's Via) still exists; nil: always.
	CredentialLive func(ctx context.Context, via string) (bool, error)
	// AutoApprove, for `patchbay demo` only, approves every valid request
	// at once; refused unless the public URL is on loopback.
	AutoApprove *AutoApprove
	Logger      *slog.Logger
	Now         func() time.Time
}

// AutoApprove approves without sign-in or consent (demo only).
type AutoApprove struct {
	ServerID string // the server picked for /mcp/oauth
	Via, By  string // the approving credential, as a grant records it
}

// CIMDConfig tunes the metadata document fetcher.
type CIMDConfig struct {
	Timeout  time.Duration // default 5 s
	MaxBytes int64         // default 64 KiB
	// RootCAs and AllowLoopback are for tests: trust a test server's
	// certificate and let it listen on loopback.
	RootCAs       *x509.CertPool
	AllowLoopback bool
}

// Server is the authorization server.
type Server struct {
	cfg       Config
	store     store.Store
	issuer    string
	log       *slog.Logger
	now       func() time.Time
	redirects *RedirectPolicy
	fetcher   *http.Client
	registers *rateLimiter
	// documents bounds new metadata documents per source; fetching holds
	// a slot for each fetch in flight (clients.go).
	documents *rateLimiter
	fetching  chan struct{}
}

// New checks the config and builds the server.
func New(cfg Config) (*Server, error) {
	issuer, err := Issuer(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	if cfg.Store == nil {
		return nil, errors.New("oauth: a store is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.AccessTTL, time.Hour)
	def(&cfg.RefreshTTL, 30*24*time.Hour)
	def(&cfg.CodeTTL, 60*time.Second)
	def(&cfg.RefreshGrace, 30*time.Second)
	def(&cfg.UnusedClientTTL, 24*time.Hour)
	def(&cfg.CIMD.Timeout, 5*time.Second)
	if cfg.CIMD.MaxBytes <= 0 {
		cfg.CIMD.MaxBytes = 64 << 10
	}
	if cfg.RegisterPerHour <= 0 {
		cfg.RegisterPerHour = 30
	}
	if cfg.ConsentPath == "" {
		cfg.ConsentPath = "/ui/oauth/consent"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Redirects == nil {
		cfg.Redirects = DefaultRedirectPolicy()
	}
	if cfg.AutoApprove != nil {
		u, _ := url.Parse(issuer)
		if ip := net.ParseIP(strings.Trim(u.Hostname(), "[]")); !strings.EqualFold(u.Hostname(), "localhost") && (ip == nil || !ip.IsLoopback()) {
			return nil, errors.New("oauth: auto-approve is for a demo on loopback only")
		}
	}
	s := &Server{cfg: cfg, store: cfg.Store, issuer: issuer, log: cfg.Logger, now: cfg.Now, redirects: cfg.Redirects}
	s.fetcher = newFetcher(cfg.CIMD)
	s.registers = newRateLimiter(cfg.RegisterPerHour, time.Hour, cfg.Now)
	s.documents = newRateLimiter(cfg.RegisterPerHour, time.Hour, cfg.Now)
	s.fetching = make(chan struct{}, maxFetching)
	return s, nil
}

// Issuer is the issuer of a public URL: its origin, lowercased, without a
// default port or a path. Clients need the authorization server at the
// root of the host, so a public URL with a path is refused.
func Issuer(publicURL string) (string, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(publicURL), "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("oauth needs a public URL such as https://patchbay.example.com, not %q", publicURL)
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("oauth needs Patchbay at the root of its host: the public URL %q has a path", publicURL)
	}
	return origin(u), nil
}

func origin(u *url.URL) string {
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// Issuer is the server's issuer identifier.
func (s *Server) Issuer() string { return s.issuer }

// URL is the absolute URL of a path on this installation.
func (s *Server) URL(path string) string { return s.issuer + path }

func newSecret(prefix string) string { return credentials.NewToken(prefix) }

func hash(v string) string { return credentials.HashToken(v) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// oauthError is an RFC 6749 error answer.
type oauthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func errorf(status int, code, format string, args ...any) *oauthError {
	return &oauthError{Status: status, Code: code, Description: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, e *oauthError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="patchbay"`)
	}
	writeJSON(w, e.Status, e)
}

// publicCORS lets browser-based clients call the public, cookieless
// endpoints (discovery, registration, token, revocation); it answers
// preflights and reports true when it did.
func publicCORS(w http.ResponseWriter, r *http.Request, methods string) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Retry-After")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", methods+", OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

func (s *Server) source(r *http.Request) string {
	return clientip.Of(r, s.cfg.TrustForwardedFor)
}

// Handler serves the endpoints and the discovery documents: mount it at
// /oauth/ and /.well-known/, and wrap the /mcp/ handler with Discovery.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(AuthorizePath, s.handleAuthorize)
	mux.HandleFunc(TokenPath, s.handleToken)
	mux.HandleFunc(RevokePath, s.handleRevoke)
	mux.HandleFunc(RegisterPath, s.handleRegister)
	mux.HandleFunc(RegisterPath+"/{id...}", s.handleRegistration)
	mux.HandleFunc("/.well-known/", s.serveDiscovery)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "not_found", "no such OAuth endpoint"))
	})
	return mux
}

// Sweep deletes expired codes and tokens, grants whose MCP server or
// approving credential is gone, and unused clients. One replica runs it
// (the cleanup leader).
func (s *Server) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	n, err := s.store.SweepOAuth(ctx, now, now.Add(-s.cfg.UnusedClientTTL))
	if err != nil {
		return n, err
	}
	if s.cfg.CredentialLive == nil {
		return n, nil
	}
	grants, err := s.store.ListOAuthGrants(ctx, store.OAuthGrantFilter{})
	if err != nil {
		return n, err
	}
	checked := map[string]bool{}
	for _, g := range grants {
		live, ok := checked[g.ApprovedVia]
		if !ok {
			if live, err = s.cfg.CredentialLive(ctx, g.ApprovedVia); err != nil {
				return n, err
			}
			checked[g.ApprovedVia] = live
		}
		if !live {
			if err := s.store.RevokeOAuthGrant(ctx, g.ID); err == nil {
				n++
			}
		}
	}
	return n, nil
}

func (s *Server) credentialLive(ctx context.Context, via string) (bool, error) {
	if s.cfg.CredentialLive == nil {
		return true, nil
	}
	return s.cfg.CredentialLive(ctx, via)
}

// minTime is the earlier of t and an optional cap.
func minTime(t time.Time, limit *time.Time) time.Time {
	if limit != nil && limit.Before(t) {
		return *limit
	}
	return t
}
