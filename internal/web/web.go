// Package web is the dashboard at /ui/: server-rendered html/template
// pages, a little progressive-enhancement JavaScript (htmx, uPlot) and
// CSS, all embedded in the binary. It applies the admin API's rules
// through api.Service, so a form can never do what the API refuses.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
)

//go:embed all:templates static
var files embed.FS

// Options configure the dashboard.
type Options struct {
	Store   store.Store
	Service *api.Service
	Logger  *slog.Logger
	Now     func() time.Time
	// PublicURL is the base URL users reach Patchbay at; an https one
	// makes cookies Secure even behind a TLS-terminating proxy.
	PublicURL func(r *http.Request) string
	// Connect runs OAuth connect flows; nil, or an integration without an
	// OAuth app, leaves only the access-key form.
	Connect *connect.Service
	// TrustForwardedFor keys the sign-in backoff on the X-Forwarded-For
	// address a trusted proxy appended, like the other limiters.
	TrustForwardedFor bool
	// SessionTTL is how long a sign-in lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// OAuth, if set, adds the OAuth consent page and the OAuth
	// connections page (consent.go, grants.go).
	OAuth *oauth.Server
	// Installed are the integrations accounts can connect to (the
	// registry), for the accounts page's connect buttons.
	Installed []integration.Info
}

// Handler serves everything under /ui/.
type Handler struct {
	opts    Options
	svc     *api.Service
	log     *slog.Logger
	mux     *http.ServeMux
	pages   map[string]*template.Template
	static  fs.FS
	version map[string]string // static file -> content hash, for cache busting
	limiter *backoff
	cop     *http.CrossOriginProtection
	quota   *quota.Guard // reads budget usage for the pages
}

// New builds the dashboard.
func New(opts Options) (*Handler, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	h := &Handler{
		opts: opts, svc: opts.Service, log: opts.Logger, mux: http.NewServeMux(), static: static,
		version: map[string]string{}, limiter: newBackoff(opts.Now), cop: http.NewCrossOriginProtection(),
		quota: quota.New(opts.Store, opts.Now),
	}
	if err := h.hashStatic(); err != nil {
		return nil, err
	}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	m := h.mux
	m.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.HandlerFunc(h.serveStatic)))
	m.HandleFunc("GET /ui/{$}", h.home)
	m.HandleFunc("GET /ui", h.home)
	m.HandleFunc("GET /ui/sign-in", h.signInPage)
	m.HandleFunc("POST /ui/sign-in", h.signIn)
	m.HandleFunc("POST /ui/setup", h.setup)
	m.Handle("POST /ui/sign-out", h.authed(h.signOut))
	m.Handle("GET /ui/settings", h.authed(h.settingsPage))
	m.Handle("POST /ui/settings/password", h.authed(h.changePassword))

	m.Handle("GET /ui/accounts", h.authed(h.accountsPage))
	m.Handle("GET /ui/connect/{integration}", h.authed(h.connectPage))
	m.Handle("POST /ui/connect/{integration}", h.authed(h.connect))
	m.Handle("POST /ui/connect/{integration}/oauth", h.authed(h.startOAuth))
	m.Handle("GET /ui/connect/{integration}/done", h.authed(h.oauthDone))
	m.Handle("GET /ui/accounts/{id}", h.authed(h.accountHome))
	m.Handle("GET /ui/accounts/{id}/reconnect", h.authed(h.reconnectPage))
	m.Handle("POST /ui/accounts/{id}/reconnect", h.authed(h.reconnect))
	m.Handle("GET /ui/accounts/{id}/delete", h.authed(h.deleteAccountPage))
	m.Handle("POST /ui/accounts/{id}/delete", h.authed(h.deleteAccount))

	m.Handle("GET /ui/accounts/{id}/servers", h.authed(h.serversPage))
	m.Handle("POST /ui/accounts/{id}/servers", h.authed(h.createServer))
	m.Handle("GET /ui/accounts/{id}/preview", h.authed(h.preview))
	m.Handle("GET /ui/accounts/{id}/servers/{sid}", h.authed(h.editServerPage))
	m.Handle("POST /ui/accounts/{id}/servers/{sid}", h.authed(h.editServer))
	m.Handle("POST /ui/accounts/{id}/servers/{sid}/revoke", h.authed(h.revokeServer))
	m.Handle("POST /ui/accounts/{id}/budget", h.authed(h.setAccountBudget))
	m.Handle("POST /ui/accounts/{id}/pace", h.authed(h.setAccountPace))

	m.Handle("GET /ui/accounts/{id}/tools", h.authed(h.toolsPage))
	m.Handle("GET /ui/accounts/{id}/activity", h.authed(h.activityPage))
	m.Handle("GET /ui/accounts/{id}/activity/series", h.authed(h.activitySeries))
	h.oauthRoutes()
	m.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, &api.Error{Status: http.StatusNotFound, Code: "not_found", Message: "There is no such page."})
	})
}

// ServeHTTP adds the security headers every page carries, refuses
// cross-origin form posts (CSRF tokens are checked as well), and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// No form-action directive: the OAuth form redirects to the vendor.
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	if err := h.cop.Check(r); err != nil {
		h.renderError(w, r, &api.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "This form was sent from another site, so it was refused."})
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.currentSession(w, r); ok {
		http.Redirect(w, r, "/ui/accounts", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/ui/sign-in", http.StatusSeeOther)
}

// ---- static files ----

func (h *Handler) hashStatic() error {
	return fs.WalkDir(h.static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(h.static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h.version[p] = hex.EncodeToString(sum[:6])
		return nil
	})
}

// staticURL links a static file with its content hash, so it can be
// cached for good and still change with the binary.
func (h *Handler) staticURL(name string) string {
	return "/ui/static/" + name + "?v=" + h.version[name]
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(r.URL.Path)
	v, ok := h.version[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == v {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, h.static, name)
}

// ---- templates ----

func (h *Handler) parseTemplates() error {
	funcs := template.FuncMap{
		"static": h.staticURL,
		"time":   fmtTime,
		"timep": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return fmtTime(*t)
		},
		"join": strings.Join,
		"dur": func(d time.Duration) string {
			if d < time.Second {
				return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
			}
			return d.Round(time.Millisecond).String()
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
		"contains": func(l []string, v string) bool {
			for _, x := range l {
				if x == v {
					return true
				}
			}
			return false
		},
	}
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return err
	}
	h.pages = map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/_*.html", p)
		if err != nil {
			return err
		}
		h.pages[name] = t
	}
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// page is what every page template gets.
type page struct {
	Title    string
	CSRF     string
	SignedIn bool
	Nav      string // which top navigation entry is current
	Notice   string // a one-line confirmation of what just happened
	Error    string // what went wrong with the form below
	Data     any
	OAuthOn  bool // the OAuth authorization server is on (set by render)
}

// render executes a page into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.OAuthOn = h.opts.OAuth != nil
	h.renderTemplate(w, r, status, name, "base", p)
}

// renderFragment renders one named template of a page set (htmx swaps).
func (h *Handler) renderFragment(w http.ResponseWriter, r *http.Request, set, name string, data any) {
	h.renderTemplate(w, r, http.StatusOK, set, name, data)
}

func (h *Handler) renderTemplate(w http.ResponseWriter, r *http.Request, status int, set, name string, data any) {
	t, ok := h.pages[set]
	if !ok {
		h.log.ErrorContext(r.Context(), "web: no such template", "page", set)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.ErrorContext(r.Context(), "web: rendering", "page", set, "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Pages can hold a freshly minted MCP URL: never cache them.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError shows an error page (or, for htmx, a small fragment).
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	if !errors.As(err, &ae) {
		h.log.ErrorContext(r.Context(), "web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &api.Error{Status: http.StatusInternalServerError, Code: "internal_error", Message: "Something went wrong; the error was logged."}
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(ae.Status)
		_ = template.Must(template.New("e").Parse(`<p role="alert" class="error">{{.}}</p>`)).Execute(w, ae.Message)
		return
	}
	p := &page{Title: http.StatusText(ae.Status), Data: ae}
	if s, ok := sessionFrom(r); ok {
		p.SignedIn, p.CSRF = true, s.csrf
	}
	h.render(w, r, ae.Status, "error", p)
}

// notices are the fixed confirmations a redirect may ask for (?done=…),
// so no text from a URL is ever echoed.
var notices = map[string]string{
	"connected":   "Account connected. Create an MCP server for it below.",
	"reconnected": "Account reconnected with the new credentials.",
	"saved":       "MCP server saved.",
	"budget":      "Account budget saved.",
	"pace":        "Account pacing saved.",
	"revoked":     "MCP server revoked: its URL no longer works.",
	"deleted":     "Integrated account deleted, with its MCP servers.",
	"password":    "Admin password saved.",
	"signed-out":  "You are signed out.",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("done")] }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
