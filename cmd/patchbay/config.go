package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
)

// envOr returns the environment variable's value, or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envInt returns the environment variable as an int, def when it is unset,
// and 0 when it is not a number, which the callers refuse as not positive.
func envInt(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}

// defaultDataDir is the per-user data directory: $XDG_DATA_HOME/patchbay or
// ~/.local/share/patchbay.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "patchbay")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "patchbay")
	}
	return ".patchbay"
}

// dbFlags are the flags every command that opens the database shares.
type dbFlags struct {
	database      string
	encryptionKey string
	oldKeys       string
	dataDir       string
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.database, "database", envOr("PATCHBAY_DATABASE_URL", ""), "database: a SQLite file path, sqlite://PATH or postgres://… (env PATCHBAY_DATABASE_URL; default DATA-DIR/patchbay.db)")
	fs.StringVar(&f.encryptionKey, "encryption-key", envOr("PATCHBAY_ENCRYPTION_KEY", ""), "base64 of 32 random bytes that seals credentials at rest (env PATCHBAY_ENCRYPTION_KEY)")
	fs.StringVar(&f.oldKeys, "old-encryption-keys", envOr("PATCHBAY_OLD_ENCRYPTION_KEYS", ""), "comma-separated previous keys, still accepted for reading during a key rotation (env PATCHBAY_OLD_ENCRYPTION_KEYS)")
	fs.StringVar(&f.dataDir, "data-dir", envOr("PATCHBAY_DATA_DIR", defaultDataDir()), "directory of the embedded database and its key file (env PATCHBAY_DATA_DIR)")
}

func (f *dbFlags) databaseURL() string {
	if f.database != "" {
		return f.database
	}
	return filepath.Join(f.dataDir, "patchbay.db")
}

func (f *dbFlags) keyFile() string { return filepath.Join(f.dataDir, "encryption.key") }

// key returns the configured key; with create, the data dir's key file is
// made if missing (the embedded default), otherwise only read if present.
func (f *dbFlags) key(create bool) ([]byte, error) {
	if f.encryptionKey != "" {
		return credentials.ParseKey(f.encryptionKey)
	}
	if create {
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return nil, err
		}
		return credentials.LoadOrCreateKeyFile(f.keyFile())
	}
	if b, err := os.ReadFile(f.keyFile()); err == nil {
		return credentials.ParseKey(string(b))
	}
	return nil, errNoKey
}

// oldEncryptionKeys parses --old-encryption-keys.
func (f *dbFlags) oldEncryptionKeys() ([][]byte, error) {
	var out [][]byte
	for _, k := range strings.Split(f.oldKeys, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		b, err := credentials.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("--old-encryption-keys: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

// oauthFlags configure an integration's OAuth app from flags and
// PATCHBAY_<INTEGRATION>_* variables.
type oauthFlags struct {
	clientID, clientSecret, redirectURL, scopes, authURL, tokenURL, baseURL string
}

func (o *oauthFlags) register(fs *flag.FlagSet, integ string) {
	env := "PATCHBAY_" + strings.ToUpper(integ) + "_"
	fs.StringVar(&o.clientID, integ+"-client-id", envOr(env+"CLIENT_ID", ""), "OAuth app client id (env "+env+"CLIENT_ID)")
	fs.StringVar(&o.clientSecret, integ+"-client-secret", envOr(env+"CLIENT_SECRET", ""), "OAuth app client secret (env "+env+"CLIENT_SECRET)")
	fs.StringVar(&o.redirectURL, integ+"-redirect-url", envOr(env+"REDIRECT_URL", ""), "OAuth redirect URL registered with the app (env "+env+"REDIRECT_URL; default PUBLIC-URL"+connect.CallbackPath(integ)+")")
	fs.StringVar(&o.scopes, integ+"-scopes", envOr(env+"SCOPES", ""), "space- or comma-separated default scopes (env "+env+"SCOPES; default: the integration's)")
	fs.StringVar(&o.authURL, integ+"-authorize-url", envOr(env+"AUTHORIZE_URL", ""), "override the authorize endpoint, e.g. a regional host (env "+env+"AUTHORIZE_URL)")
	fs.StringVar(&o.tokenURL, integ+"-token-url", envOr(env+"TOKEN_URL", ""), "override the token endpoint (env "+env+"TOKEN_URL)")
	fs.StringVar(&o.baseURL, integ+"-api-base-url", envOr(env+"API_BASE_URL", ""), "API host of OAuth accounts whose token answer names none (env "+env+"API_BASE_URL; default: the integration's)")
}

func (o *oauthFlags) app() connect.App {
	return connect.App{
		ClientID: o.clientID, ClientSecret: o.clientSecret, RedirectURL: o.redirectURL,
		Scopes:  strings.FieldsFunc(o.scopes, func(r rune) bool { return r == ',' || r == ' ' }),
		AuthURL: o.authURL, TokenURL: o.tokenURL, BaseURL: o.baseURL,
	}
}

var errNoKey = errors.New(`no encryption key: set PATCHBAY_ENCRYPTION_KEY or --encryption-key to base64 of 32 random bytes.
Make one with:  head -c 32 /dev/urandom | base64
Every replica of one installation must use the same key; keep it secret and backed up`)

func newLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// serveUntilSignal serves h on ln until SIGINT/SIGTERM, then drains
// in-flight requests for up to 30 s.
func serveUntilSignal(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := newHTTPServer(h)
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func openApp(ctx context.Context, cfg app.Config) (*app.App, error) {
	if cfg.Logger == nil {
		cfg.Logger = newLogger()
	}
	cfg.Version = version
	return app.Open(ctx, cfg)
}
