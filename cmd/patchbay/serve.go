package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/integrations"
	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/oauth"
)

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// oauthApps are the OAuth app flags of every installed integration that
// connects through OAuth, by integration name.
type oauthApps map[string]*oauthFlags

// registerOAuthApps adds --<name>-client-id and friends for each installed
// integration with an OAuth flow, named from the registry.
func registerOAuthApps(fs *flag.FlagSet) (oauthApps, error) {
	apps := oauthApps{}
	for _, def := range integrations.Installed {
		info, err := integration.Describe(def)
		if err != nil {
			return nil, err
		}
		if info.OAuth {
			apps[info.Name] = &oauthFlags{}
			apps[info.Name].register(fs, info.Name)
		}
	}
	return apps, nil
}

func (a oauthApps) apps() map[string]connect.App {
	out := make(map[string]connect.App, len(a))
	for name, f := range a {
		out[name] = f.app()
	}
	return out
}

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	addr := fs.String("addr", envOr("PATCHBAY_ADDR", "127.0.0.1:8080"), "address to listen on (env PATCHBAY_ADDR)")
	publicURL := fs.String("public-url", envOr("PATCHBAY_PUBLIC_URL", ""), "public base URL used in MCP URLs, e.g. https://patchbay.example.com (env PATCHBAY_PUBLIC_URL; default: the request's host)")
	sandboxOrigin := fs.String("sandbox-origin", envOr("PATCHBAY_SANDBOX_ORIGIN", ""), "origin of a vendor sandbox (emulator) accounts may use as their API host (env PATCHBAY_SANDBOX_ORIGIN)")
	behindProxy := fs.Bool("behind-proxy", false, "a reverse proxy on this host forwards requests with the public Host header (turns off the loopback Host check)")
	trustXFF := fs.Bool("trust-forwarded-for", envOr("PATCHBAY_TRUST_FORWARDED_FOR", "") == "true", "take the caller's address from the last X-Forwarded-For entry for the failed-token limiter; only behind a proxy you run that sets it (env PATCHBAY_TRUST_FORWARDED_FOR=true)")
	allowedOrigins := fs.String("allowed-origins", envOr("PATCHBAY_ALLOWED_ORIGINS", strings.Join(mcp.DefaultAllowedOrigins, ",")), "comma-separated browser origins allowed on the MCP endpoint (with CORS); an origin without a port allows every port, * allows any (env PATCHBAY_ALLOWED_ORIGINS)")
	defCleanup, err := time.ParseDuration(envOr("PATCHBAY_CLEANUP_INTERVAL", "1m"))
	if err != nil || defCleanup <= 0 {
		return fmt.Errorf("PATCHBAY_CLEANUP_INTERVAL: want a positive duration such as 1m")
	}
	cleanupInterval := fs.Duration("cleanup-interval", defCleanup, "how often the leading replica deletes expired MCP servers; standby replicas try to take the lead as often (env PATCHBAY_CLEANUP_INTERVAL)")
	oauthOn := fs.Bool("oauth", envOr("PATCHBAY_OAUTH_ENABLED", "true") == "true", "be an OAuth authorization server for MCP clients (ChatGPT, Claude): discovery, /oauth/*, /mcp/oauth[/{id}]; needs --public-url at the root of an https host (env PATCHBAY_OAUTH_ENABLED=false turns it off)")
	oauthRedirects := fs.String("oauth-redirects", envOr("PATCHBAY_OAUTH_REDIRECTS", ""), "comma-separated redirect URI allowlist for OAuth clients: https://host/path, https://host/prefix*, https://* (any), loopback (env PATCHBAY_OAUTH_REDIRECTS; default: ChatGPT's and Claude's callbacks and loopback)")
	sdkOnly := fs.Bool("mcp-sdk-only", envOr("PATCHBAY_MCP_SDK_ONLY", "") == "true", "answer every MCP request through the go-sdk, turning off the fast path for plain tools/list and tools/call (same answers, about twice the CPU; env PATCHBAY_MCP_SDK_ONLY=true)")
	apps, err := registerOAuthApps(fs)
	if err != nil {
		return err
	}
	metricsToken := fs.String("metrics-token", envOr("PATCHBAY_METRICS_TOKEN", ""), "bearer credential GET /metrics requires; empty leaves it open (env PATCHBAY_METRICS_TOKEN, preferred: a flag shows in ps)")
	sseTotal := fs.Int("sse-max", envInt("PATCHBAY_SSE_MAX", 1000), "most legacy SSE streams open at once on this replica (env PATCHBAY_SSE_MAX)")
	ssePerServer := fs.Int("sse-max-per-server", envInt("PATCHBAY_SSE_MAX_PER_SERVER", 100), "most legacy SSE streams of one MCP server on this replica (env PATCHBAY_SSE_MAX_PER_SERVER)")
	ssePerSource := fs.Int("sse-max-per-source", envInt("PATCHBAY_SSE_MAX_PER_SOURCE", 50), "most legacy SSE streams from one source address on this replica (env PATCHBAY_SSE_MAX_PER_SOURCE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	oauthCfg := app.OAuthConfig{Enabled: *oauthOn}
	if *oauthRedirects != "" {
		p, err := oauth.ParseRedirectPolicy(*oauthRedirects)
		if err != nil {
			return fmt.Errorf("--oauth-redirects: %w", err)
		}
		oauthCfg.Redirects = p
	}
	if *cleanupInterval <= 0 {
		return fmt.Errorf("--cleanup-interval must be positive")
	}
	if *sseTotal <= 0 || *ssePerServer <= 0 || *ssePerSource <= 0 {
		return fmt.Errorf("--sse-max, --sse-max-per-server and --sse-max-per-source must be positive")
	}
	key, err := db.key(false)
	if err != nil {
		return err
	}
	oldKeys, err := db.oldEncryptionKeys()
	if err != nil {
		return err
	}
	ctx := context.Background()
	log := newLogger()
	a, err := openApp(ctx, app.Config{
		DatabaseURL:                db.databaseURL(),
		EncryptionKey:              key,
		OldEncryptionKeys:          oldKeys,
		OAuthApps:                  apps.apps(),
		PublicURL:                  *publicURL,
		SandboxOrigin:              *sandboxOrigin,
		DisableLocalhostProtection: *behindProxy,
		AllowedOrigins:             splitList(*allowedOrigins),
		AuthLimiter:                mcp.LimiterConfig{TrustForwardedFor: *trustXFF},
		CleanupInterval:            *cleanupInterval,
		OAuth:                      oauthCfg,
		MCPSDKOnly:                 *sdkOnly,
		MetricsToken:               *metricsToken,
		SSE:                        mcp.SSELimits{Total: *sseTotal, PerServer: *ssePerServer, PerSource: *ssePerSource},
		Logger:                     log,
	})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	cleanupCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.RunCleanup(cleanupCtx)
	fmt.Printf("Patchbay serving on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "database", a.Store.Dialect())
	return serveUntilSignal(ctx, ln, a.Handler(), log)
}
