// Package app wires Patchbay together: configuration, store, integrations,
// the MCP endpoint and the admin API, and the background jobs.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/integrations"
	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/metrics"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
	"github.com/patchbay-dev/patchbay/internal/web"
)

// Config is everything a Patchbay process needs to know.
type Config struct {
	DatabaseURL   string
	EncryptionKey []byte
	// OldEncryptionKeys still open data sealed before a key rotation.
	OldEncryptionKeys [][]byte
	// PublicURL is the base of the URLs handed out; empty means derived
	// from each request's Host.
	PublicURL string
	// SandboxOrigin is a Gong sandbox origin accounts may use as their API
	// host besides Gong's own hosts.
	SandboxOrigin string
	// CleanupInterval is how often expired MCP servers are deleted.
	CleanupInterval time.Duration
	// PollInterval is how often composite tools check on started work
	// (default 2 s).
	PollInterval time.Duration
	// UpstreamTimeout bounds one upstream call.
	UpstreamTimeout time.Duration
	// OAuthApps are the OAuth apps accounts connect through, by integration.
	OAuthApps map[string]connect.App
	// AllowedOrigins: browser origins allowed on the MCP endpoint (nil:
	// mcp.DefaultAllowedOrigins); see mcp.Options.
	AllowedOrigins []string
	// AuthLimiter tunes the per-source limiter of failed MCP token and API
	// token checks (zero: defaults; see mcp.LimiterConfig).
	AuthLimiter mcp.LimiterConfig
	// OAuth makes Patchbay an OAuth authorization server for MCP clients
	// (internal/oauth); it needs PublicURL.
	OAuth OAuthConfig
	// DisableLocalhostProtection: see mcp.Options.
	DisableLocalhostProtection bool
	// MCPSDKOnly turns off the MCP fast path (see mcp.Options.SDKOnly).
	MCPSDKOnly bool
	// SSEKeepAlive: see mcp.Options.
	SSEKeepAlive time.Duration
	// SSE caps legacy SSE streams: see mcp.SSELimits.
	SSE mcp.SSELimits
	// MetricsToken, if set, is the bearer credential GET /metrics needs.
	MetricsToken string
	Logger       *slog.Logger
	Version      string
	Now          func() time.Time
}

// OAuthConfig configures the OAuth authorization server.
type OAuthConfig struct {
	// Enabled turns it on: discovery, /oauth/*, /mcp/oauth[/{id}] and
	// OAuth on require_api_token_auth token URLs. Off, none of it exists.
	Enabled bool
	// AccessTTL is the access token lifetime (default 1 h).
	AccessTTL time.Duration
	// Redirects is the redirect URI policy (nil: the default allowlist).
	Redirects *oauth.RedirectPolicy
	// CIMD tunes the client metadata document fetcher (tests trust a
	// test CA through it).
	CIMD oauth.CIMDConfig
	// AutoApprove approves every valid request at once: `patchbay demo`
	// only, refused unless PublicURL is on loopback.
	AutoApprove *oauth.AutoApprove
}

// App is a running Patchbay: open it, serve its Handler, Close it.
type App struct {
	cfg      Config
	Store    *sqlstore.DB
	Catalog  *Catalog
	Upstream *upstream.Client
	Metrics  *metrics.Metrics
	Connect  *connect.Service
	handler  http.Handler
	mcp      *mcp.Handler
	// exec sends every upstream request, credential probes included.
	exec    *executor.Executor
	oauth   *oauth.Server // nil when OAuth is off
	started time.Time
}

// Catalog holds the loaded integrations and their tool sets.
type Catalog struct {
	sets map[string]*tools.Set
}

// ToolSet returns the tools of an integration.
func (c *Catalog) ToolSet(name string) (*tools.Set, bool) {
	s, ok := c.sets[name]
	return s, ok
}

// knownTool reports whether any integration has a tool of that name.
// Integration returns a loaded integration by name.
func (c *Catalog) Integration(name string) (*integration.Integration, bool) {
	s, ok := c.sets[name]
	if !ok {
		return nil, false
	}
	return s.Integration, true
}

// Installed lists the loaded integrations, by name: the registry the
// dashboard and the CLI take names and titles from.
func (c *Catalog) Installed() []integration.Info {
	out := make([]integration.Info, 0, len(c.sets))
	for _, s := range c.sets {
		out = append(out, s.Integration.Info())
	}
	slices.SortFunc(out, func(a, b integration.Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (c *Catalog) knownTool(name string) bool {
	for _, s := range c.sets {
		if _, ok := s.Lookup(name); ok {
			return true
		}
	}
	return false
}

// LoadCatalog loads the built-in integrations; a broken definition fails
// start-up with the file and field at fault.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{sets: map[string]*tools.Set{}}
	for _, fsys := range integrations.Installed {
		in, err := integration.Load(fsys)
		if err != nil {
			return nil, fmt.Errorf("loading integration: %w", err)
		}
		set, err := tools.Generate(in)
		if err != nil {
			return nil, fmt.Errorf("integration %s: %w", in.Name, err)
		}
		in.Release() // generation was its last reader
		c.sets[in.Name] = set
	}
	return c, nil
}

// Open connects the store and builds the handler.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// Lines logged while serving a request name it (request_id).
	cfg.Logger = slog.New(metrics.WithRequestID(cfg.Logger.Handler()))
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CleanupInterval == 0 {
		cfg.CleanupInterval = time.Minute
	}
	cipher, err := credentials.NewCipher(append([][]byte{cfg.EncryptionKey}, cfg.OldEncryptionKeys...)...)
	if err != nil {
		return nil, err
	}
	catalog, err := LoadCatalog()
	if err != nil {
		return nil, err
	}
	// Loading the catalog parses the whole OpenAPI document (about 80 MB
	// allocated, little of it kept); hand that memory back to the OS now
	// rather than over the next minutes.
	debug.FreeOSMemory()
	db, err := sqlstore.Open(ctx, cfg.DatabaseURL, cipher)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	up := upstream.NewClient()
	if cfg.UpstreamTimeout > 0 {
		up.Timeout = cfg.UpstreamTimeout
	}
	m := metrics.New(metrics.Options{
		KnownTool:     catalog.knownTool,
		ActiveServers: func(ctx context.Context) (int, error) { return db.CountActiveServers(ctx, cfg.Now()) },
	})
	up.Observe = m.ObserveUpstream
	// One failed-token limiter for the MCP endpoint and OAuth's token
	// look-ups (discovery paths, the authorize resource).
	tokenGuard := mcp.NewFailureLimiter(cfg.AuthLimiter)
	cfg.AuthLimiter.Shared = tokenGuard
	a := &App{cfg: cfg, Store: db, Catalog: catalog, Upstream: up, Metrics: m, started: time.Now()}
	a.Connect = connect.New(connect.Options{
		Store:        db,
		Integrations: catalog.Integration,
		Apps:         cfg.OAuthApps,
		PublicURL:    a.publicURL,
		CheckBaseURL: a.checkBaseURL,
		Now:          cfg.Now,
		Logger:       cfg.Logger,
		Observe:      m.ObserveRefresh,
		Probe:        a.probe,
	})
	if cfg.OAuth.Enabled {
		if cfg.PublicURL == "" {
			cfg.Logger.Warn("oauth: off, because it needs a public URL (--public-url / PATCHBAY_PUBLIC_URL)")
		} else if a.oauth, err = oauth.New(oauth.Config{
			Store: db, PublicURL: cfg.PublicURL, AccessTTL: cfg.OAuth.AccessTTL, Redirects: cfg.OAuth.Redirects, CIMD: cfg.OAuth.CIMD,
			AutoApprove: cfg.OAuth.AutoApprove, CredentialLive: web.CredentialLive(db), TrustForwardedFor: cfg.AuthLimiter.TrustForwardedFor,
			TokenGuard: tokenGuard,
			Logger:     cfg.Logger, Now: cfg.Now,
		}); err != nil {
			db.Close()
			return nil, err
		}
	}
	a.exec = executor.New(executor.Options{
		Upstream: up, Auth: a.Connect.Auth, Reauth: a.Connect.Reauth,
		Quota: quota.New(db, cfg.Now).Spend, Pacer: db, PollInterval: cfg.PollInterval,
	})
	a.handler = a.routes()
	return a, nil
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

// MCP is the MCP endpoint's handler, also used to serve one MCP server
// over stdio.
func (a *App) MCP() *mcp.Handler { return a.mcp }

func (a *App) routes() http.Handler {
	guard := quota.New(a.Store, a.cfg.Now)
	mcpHandler := mcp.New(mcp.Options{
		Store:                      a.Store,
		Catalog:                    a.Catalog,
		Executor:                   a.exec,
		Logger:                     a.cfg.Logger,
		Now:                        a.cfg.Now,
		Version:                    a.cfg.Version,
		DisableLocalhostProtection: a.cfg.DisableLocalhostProtection,
		AllowedOrigins:             a.cfg.AllowedOrigins,
		PublicURL:                  a.cfg.PublicURL,
		Observe:                    a.Metrics.ObserveMCP,
		ObserveRefused:             a.Metrics.ObserveRefused,
		Limiter:                    a.cfg.AuthLimiter,
		OAuth:                      a.oauthVerifier(),
		SDKOnly:                    a.cfg.MCPSDKOnly,
		SSEKeepAlive:               a.cfg.SSEKeepAlive,
		SSE:                        a.cfg.SSE,
	})
	adminAPI := api.New(api.Options{
		Store:         a.Store,
		Catalog:       a.Catalog,
		Logger:        a.cfg.Logger,
		Now:           a.cfg.Now,
		PublicURL:     a.publicURL,
		CheckBaseURL:  a.checkBaseURL,
		VerifyAccount: a.verifyAccount,
		Quota:         guard,
		OAuth:         a.oauth,
	})
	mux := http.NewServeMux()
	a.mcp = mcpHandler
	if a.oauth != nil {
		// Discovery documents live beside and under the MCP URLs.
		mux.Handle("/mcp/", a.oauth.Discovery(mcpHandler))
		mux.Handle("/.well-known/", a.oauth.Handler())
		mux.Handle("/oauth/", a.oauth.Handler())
	} else {
		mux.Handle("/mcp/", mcpHandler)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /metrics", metrics.RequireBearer(a.cfg.MetricsToken, a.Metrics.Handler()))
	mux.Handle("GET /integrated-account/connect/{integration}", adminAPI.RequireToken(a.Connect.StartHandler()))
	mux.Handle("GET /integrated-account/connect/{integration}/callback", a.Connect.CallbackHandler())
	dashboard, err := web.New(web.Options{
		Store:             a.Store,
		Service:           adminAPI.Service(),
		Logger:            a.cfg.Logger,
		Now:               a.cfg.Now,
		PublicURL:         a.publicURL,
		Connect:           a.Connect,
		OAuth:             a.oauth,
		Installed:         a.Catalog.Installed(),
		TrustForwardedFor: a.cfg.AuthLimiter.TrustForwardedFor,
	})
	if err != nil {
		panic(err) // embedded templates that do not parse: a build bug
	}
	mux.Handle("/ui/", dashboard)
	mux.Handle("GET /ui", dashboard)
	mux.Handle("/", adminAPI.Handler())
	return metrics.AccessLog(a.cfg.Logger, RedactPath, recoverPanics(a.cfg.Logger, mux))
}

// oauthVerifier is the OAuth server as the MCP handler's verifier, or a
// nil interface when OAuth is off.
func (a *App) oauthVerifier() mcp.OAuthVerifier {
	if a.oauth == nil {
		return nil
	}
	return a.oauth
}

// OAuth is the OAuth authorization server (nil when off).
func (a *App) OAuth() *oauth.Server { return a.oauth }

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	v, err := a.Store.SchemaVersion(ctx)
	switch {
	case err != nil:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	case v != sqlstore.LatestSchemaVersion():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "migrations pending"})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// recoverPanics turns a panic in any handler into a 500 and a log line, so
// no input can take the process down.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", RedactPath(r.URL.Path), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal_error", "message": "something went wrong; the error was logged"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// RedactPath hides the secret token of an MCP URL path, and any segment
// that looks like a token elsewhere: unclean paths such as
// /./mcp/{token} or /x/../mcp/{token} are logged before the mux redirects
// them.
func RedactPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "/mcp/"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			p = "/mcp/<redacted>" + rest[i:]
		} else {
			return "/mcp/<redacted>"
		}
	}
	if !strings.Contains(p, credentials.MCPTokenPrefix) && !strings.Contains(p, credentials.APITokenPrefix) {
		return p
	}
	parts := strings.Split(p, "/")
	for i, seg := range parts {
		if strings.Contains(seg, credentials.MCPTokenPrefix) || strings.Contains(seg, credentials.APITokenPrefix) {
			parts[i] = "<redacted>"
		}
	}
	return strings.Join(parts, "/")
}

func (a *App) publicURL(r *http.Request) string {
	if a.cfg.PublicURL != "" {
		return strings.TrimRight(a.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *App) checkBaseURL(integ, raw string) error {
	set, ok := a.Catalog.ToolSet(integ)
	if !ok {
		return fmt.Errorf("unknown integration %q", integ)
	}
	return upstream.CheckBaseURL(raw, set.Integration.BaseURL.HostSuffix, a.cfg.SandboxOrigin)
}

// verifyAccount proves new credentials with one cheap read (the user list's
// first page), so a typo in a key is a 400 now rather than a mystery later.
func (a *App) verifyAccount(ctx context.Context, acct *store.Account) error {
	set, ok := a.Catalog.ToolSet(acct.Integration)
	if !ok {
		return fmt.Errorf("unknown integration %q", acct.Integration)
	}
	probe := set.Probe()
	if probe == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// A probe is no MCP server's call: no filters, no budget.
	res := a.exec.Do(ctx, &executor.Call{Account: acct, Set: set}, probe, map[string]any{})
	switch {
	case !res.IsError:
		return nil
	case res.Status == http.StatusUnauthorized:
		return errors.New("the API host refused the access key and secret (401)")
	case res.Status == 0:
		return errors.New(res.Err) // the host could not be reached
	}
	// Any other answer (a missing scope, a rate limit) proves the key works.
	return nil
}

// probe makes the integration's probe call and returns its decoded answer,
// for integrations that name the connected account in it.
func (a *App) probe(ctx context.Context, integ, baseURL string, auth upstream.Auth) (any, error) {
	set, ok := a.Catalog.ToolSet(integ)
	if !ok || set.Probe() == nil {
		return nil, fmt.Errorf("integration %q has no probe", integ)
	}
	res := a.Upstream.Call(ctx, set.Integration, baseURL, auth, set.Probe(), map[string]any{})
	if res.IsError {
		return nil, errors.New(res.Err)
	}
	return res.Value(), nil
}

// RunCleanup deletes expired MCP servers every CleanupInterval until ctx
// ends. Expired servers already answer like unknown ones; this only keeps
// the table small. One replica at a time runs it (advisory-lock leadership
// on PostgreSQL); the others stand by and take over when it stops or dies.
func (a *App) RunCleanup(ctx context.Context) {
	a.Store.Lead(ctx, sqlstore.CleanupLockID, a.cfg.CleanupInterval, a.cfg.Logger, a.cleanupAsLeader)
}

func (a *App) cleanupAsLeader(ctx context.Context) {
	a.cfg.Logger.Info("cleanup: this replica leads the expiry cleanup")
	a.Metrics.CleanupLeading(true)
	defer a.Metrics.CleanupLeading(false)
	t := time.NewTicker(a.cfg.CleanupInterval)
	defer t.Stop()
	for {
		n, err := a.Store.DeleteExpiredServers(ctx, a.cfg.Now())
		if a.oauth != nil && err == nil {
			// Grants die with their servers and approving credentials.
			if _, oerr := a.oauth.Sweep(ctx); oerr != nil && ctx.Err() == nil {
				a.cfg.Logger.Error("cleanup: sweeping OAuth grants, tokens and clients", "err", oerr)
			}
		}
		switch {
		case err != nil && ctx.Err() == nil:
			a.cfg.Logger.Error("cleanup: deleting expired MCP servers", "err", err)
		case err == nil:
			a.Metrics.CleanupRan(n)
			if n > 0 {
				a.cfg.Logger.Info("cleanup: deleted expired MCP servers", "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
