package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// Resource kinds: the three MCP URLs a token can be bound to.
const (
	KindPicker = "picker" // /mcp/oauth: the server is chosen at consent
	KindServer = "server" // /mcp/oauth/{server_id}
	KindToken  = "token"  // /mcp/{token} of a require_api_token_auth server
)

// ErrUnknownResource: the URL names no MCP server reachable by OAuth.
var ErrUnknownResource = errors.New("unknown resource")

// ErrTooManyFailures: the source has looked up too many unknown MCP
// tokens lately; the token was not looked up.
var ErrTooManyFailures = errors.New("too many unknown MCP URLs from this address")

// TokenGuard admits look-ups of MCP tokens per source address (the MCP
// endpoint's failed-token limiter): a token URL in a discovery path or an
// authorize resource is a guess like any other.
type TokenGuard interface {
	// AdmitLookup is asked before a look-up; a positive retryAfter
	// refuses it. An admitted look-up must end with LookupDone.
	AdmitLookup(src string) (retryAfter time.Duration)
	// LookupDone ends it: found means the token named a server (even one
	// this URL does not serve, such as a server with OAuth off), which is
	// not a failure.
	LookupDone(src string, found bool)
}

// Resource is a known protected resource.
type Resource struct {
	URL     string // canonical
	Path    string // its path, e.g. /mcp/oauth/{id}
	Kind    string
	Display string // URL, with a token URL's token redacted
	Hash    string // SHA-256 of URL: what grants and codes keep
	// Server is the resource's fixed MCP server (nil for the picker).
	Server *store.Server
}

// Canonical puts a resource URL in its canonical form (RFC 8707, MCP
// "canonical server URI"): scheme and host lowercased, default port and
// trailing slashes dropped. It refuses relative URLs, user info, query
// strings and fragments.
func Canonical(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", errors.New("resource must be an absolute http(s) URL")
	}
	if s := strings.ToLower(u.Scheme); s != "https" && s != "http" {
		return "", errors.New("resource must be an absolute http(s) URL")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", errors.New("resource must not have a query or a fragment")
	}
	return origin(u) + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// resolve finds the resource a canonical URL names.
func (s *Server) resolve(ctx context.Context, canonical string) (*Resource, error) {
	path, ok := strings.CutPrefix(canonical, s.issuer)
	if !ok || !strings.HasPrefix(path, "/") {
		return nil, ErrUnknownResource
	}
	return s.ResolvePath(ctx, path)
}

// ResolvePath finds the resource at a path of this installation: the
// picker, a per-server URL of an existing, unexpired server with OAuth
// on, or the token URL of such a server that also requires API-token
// auth. Everything else, plain token URLs included, is unknown.
func (s *Server) ResolvePath(ctx context.Context, path string) (*Resource, error) {
	r := &Resource{Path: path, URL: s.issuer + path}
	r.Display, r.Hash = r.URL, hash(r.URL)
	switch {
	case path == PickerPath:
		r.Kind = KindPicker
		return r, nil
	case strings.HasPrefix(path, ServerPrefix):
		id := path[len(ServerPrefix):]
		if id == "" || len(id) > 64 || strings.ContainsAny(id, "/%") {
			return nil, ErrUnknownResource
		}
		srv, err := s.store.GetServer(ctx, id)
		if err != nil {
			return nil, notFound(err)
		}
		if !srv.Config.OAuth || srv.Expired(s.now()) {
			return nil, ErrUnknownResource
		}
		r.Kind, r.Server = KindServer, srv
		return r, nil
	case strings.HasPrefix(path, "/mcp/"):
		tok := path[len("/mcp/"):]
		if !strings.HasPrefix(tok, credentials.MCPTokenPrefix) || len(tok) > 128 || strings.ContainsAny(tok, "/%") {
			return nil, ErrUnknownResource
		}
		srv, err := s.lookupToken(ctx, tok)
		if err != nil {
			return nil, err
		}
		if !srv.Config.OAuth || !srv.Config.RequireAPITokenAuth || srv.Expired(s.now()) {
			return nil, ErrUnknownResource
		}
		r.Kind, r.Server = KindToken, srv
		r.Display = s.issuer + "/mcp/" + credentials.MCPTokenPrefix + "…" + " (token URL of " + srv.Name + ")"
		return r, nil
	}
	return nil, ErrUnknownResource
}

// lookupToken finds the server of an MCP token behind the TokenGuard. An
// unknown or expired token is a failure of the source in ctx (WithSource);
// a token that names a server is not, whatever the caller makes of it. (A
// store error counts as a failure too: rare, and it must end the look-up.)
func (s *Server) lookupToken(ctx context.Context, tok string) (*store.Server, error) {
	g, src := s.cfg.TokenGuard, sourceOf(ctx)
	if g != nil {
		if g.AdmitLookup(src) > 0 {
			return nil, ErrTooManyFailures
		}
	}
	srv, err := s.store.ServerByTokenHash(ctx, credentials.HashToken(tok))
	if g != nil {
		g.LookupDone(src, err == nil && !srv.Expired(s.now()))
	}
	if err != nil {
		return nil, notFound(err)
	}
	return srv, nil
}

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnknownResource
	}
	return err
}

// ServerURL is the per-server OAuth URL of an MCP server.
func (s *Server) ServerURL(serverID string) string { return s.issuer + ServerPrefix + serverID }

// PickerURL is the installation's one OAuth URL.
func (s *Server) PickerURL() string { return s.issuer + PickerPath }
