package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/web"
)

// demoExternalID marks the demo's sandbox account so a restart finds it.
const demoExternalID = "sandbox:demo"

// runDemo runs everything on one machine: the embedded database, the Gong
// sandbox, one account connected to it, one MCP server with every tool and
// one API token, printed for the user to paste.
func runDemo(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dataDir := fs.String("data-dir", envOr("PATCHBAY_DATA_DIR", defaultDataDir()), "directory of the embedded database")
	oauthAccessTTL := fs.Duration("oauth-access-ttl", time.Hour, "lifetime of OAuth access tokens (short ones let tests see a refresh)")
	oauthAutoApprove := fs.Bool("oauth-auto-approve", false, "approve every OAuth authorization at once as the demo's API token, picking the demo's server for /mcp/oauth (tests only; refused off loopback)")
	oauthCIMDCA := fs.String("oauth-cimd-ca", "", "PEM file of a CA to trust for client metadata documents, which may then be on loopback (tests only)")
	smallCompany := fs.Bool("small-company", false, "serve the sandbox's small company (50 users, about 1,000 calls) instead of the realistic one")
	timeZone := fs.String("time-zone", gongsandbox.DefaultTimeZone, "the sandbox company's IANA time zone")
	toolExposure := fs.String("tool-exposure", store.ToolExposureAll, `the demo server's config.tool_exposure: "all" lists every tool, "discovery" three meta-tools that search, describe and call them`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *toolExposure != store.ToolExposureAll && *toolExposure != store.ToolExposureDiscovery {
		return fmt.Errorf("--tool-exposure: %q is neither %q nor %q", *toolExposure, store.ToolExposureAll, store.ToolExposureDiscovery)
	}
	if !gongsandbox.ValidTimeZone(*timeZone) {
		return fmt.Errorf("--time-zone: unknown time zone %q", *timeZone)
	}
	db := dbFlags{dataDir: *dataDir}
	key, err := db.key(true)
	if err != nil {
		return err
	}
	ctx := context.Background()
	log := newLogger()

	// The sandbox listens on its own loopback port, like a remote Gong.
	sbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sandbox := gongsandbox.New(gongsandbox.Options{Seed: 1, Small: *smallCompany, TimeZone: *timeZone})
	sandboxOrigin := "http://" + sbLn.Addr().String()
	sandbox.SetBaseURL(sandboxOrigin)
	sbSrv := newHTTPServer(sandbox)
	go sbSrv.Serve(sbLn)
	defer sbSrv.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	publicURL := "http://" + ln.Addr().String()
	oauthCfg := app.OAuthConfig{Enabled: true, AccessTTL: *oauthAccessTTL}
	if *oauthCIMDCA != "" {
		pem, err := os.ReadFile(*oauthCIMDCA)
		if err != nil {
			ln.Close()
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			ln.Close()
			return fmt.Errorf("--oauth-cimd-ca: no certificate in %s", *oauthCIMDCA)
		}
		oauthCfg.CIMD = oauth.CIMDConfig{RootCAs: pool, AllowLoopback: true}
	}
	// Known before the app opens, so auto-approve can name it.
	apiToken := credentials.NewToken(credentials.APITokenPrefix)
	if *oauthAutoApprove {
		if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
			ln.Close()
			return errors.New("--oauth-auto-approve approves anyone: it works only with a loopback --addr")
		}
		oauthCfg.AutoApprove = &oauth.AutoApprove{Via: web.APITokenVia(apiToken), By: "API token “demo” (demo auto-approve)"}
	}
	a, err := openApp(ctx, app.Config{
		DatabaseURL:   db.databaseURL(),
		EncryptionKey: key,
		PublicURL:     publicURL,
		SandboxOrigin: sandboxOrigin,
		Logger:        log,
		// The OAuth app points at the embedded sandbox, so
		// GET /integrated-account/connect/gong walks the whole flow here.
		OAuthApps: map[string]connect.App{"gong": {
			ClientID: sandbox.ClientID(), ClientSecret: sandbox.ClientSecret(),
			AuthURL: sandboxOrigin + "/oauth2/authorize", TokenURL: sandboxOrigin + "/oauth2/generate-customer-token",
		}},
		OAuth: oauthCfg,
	})
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()

	acct, err := demoAccount(ctx, a.Store, sandbox, sandboxOrigin)
	if err != nil {
		return err
	}
	mcpToken := credentials.NewToken(credentials.MCPTokenPrefix)
	// OAuth on: its token URL is unchanged (no API token required), and
	// it is reachable at /mcp/oauth/{id} and from the /mcp/oauth picker.
	srv := &store.Server{AccountID: acct.ID, Name: "Demo: every Gong tool", TokenHash: credentials.HashToken(mcpToken), Config: store.ServerConfig{OAuth: true}}
	if *toolExposure == store.ToolExposureDiscovery {
		srv.Name += " (discovery mode)"
		srv.Config.ToolExposure = store.ToolExposureDiscovery
	}
	if err := a.Store.CreateServer(ctx, srv); err != nil {
		return err
	}
	if oauthCfg.AutoApprove != nil {
		oauthCfg.AutoApprove.ServerID = srv.ID
	}
	if err := a.Store.CreateAPIToken(ctx, &store.APIToken{Name: "demo", TokenHash: credentials.HashToken(apiToken)}); err != nil {
		return err
	}
	cleanupCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.RunCleanup(cleanupCtx)

	fmt.Printf("MCP URL: %s/mcp/%s\n", publicURL, mcpToken)
	if o := a.OAuth(); o != nil {
		fmt.Printf("OAuth MCP URL: %s\n", o.ServerURL(srv.ID))
		fmt.Printf("OAuth picker URL: %s\n", o.PickerURL())
	}
	fmt.Printf("API token: %s\n", apiToken)
	fmt.Printf("Admin API: %s\n", publicURL)
	fmt.Printf("Dashboard: %s/ui/\n", publicURL)
	fmt.Printf("Dashboard sign-in: paste the API token above (it works as a sign-in credential)\n")
	fmt.Printf("Gong sandbox: %s\n", sandboxOrigin)
	// Sandbox-only credentials, so the dashboard's "Connect Gong" form can be tried.
	fmt.Printf("Gong sandbox access key: %s\n", sandbox.AccessKey())
	fmt.Printf("Gong sandbox access key secret: %s\n", sandbox.AccessKeySecret())
	fmt.Printf("Data dir: %s\n", *dataDir)
	return serveUntilSignal(ctx, ln, a.Handler(), log)
}

// demoAccount finds the demo's sandbox account or creates it. The sandbox
// gets a new port on every start, so the account is pointed at it again.
func demoAccount(ctx context.Context, s store.Store, sb *gongsandbox.Sandbox, origin string) (*store.Account, error) {
	creds := credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: sb.AccessKey(), AccessKeySecret: sb.AccessKeySecret()}
	accts, err := s.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, acct := range accts {
		if acct.ExternalID == demoExternalID {
			acct.BaseURL, acct.Credentials, acct.Status = origin, creds, store.StatusActive
			return acct, s.UpdateAccount(ctx, acct)
		}
	}
	acct := &store.Account{Integration: "gong", Name: "Gong sandbox", BaseURL: origin, ExternalID: demoExternalID, Credentials: creds}
	return acct, s.CreateAccount(ctx, acct)
}
