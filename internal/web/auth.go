package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/clientip"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

const (
	sessionCookie  = "pb_session"
	preCSRFCookie  = "pb_csrf"        // double-submit token for the forms shown before sign-in
	csrfField      = "csrf_token"     // form field
	csrfHeader     = "X-CSRF-Token"   // or header, for scripted requests
	sessionPrefix  = "pbs_"           // session tokens: recognisable if leaked
	passwordKey    = "admin_password" // settings key of the Argon2id hash
	viaPassword    = "password:"
	viaAPIToken    = "api_token:"
	maxFormBytes   = 64 << 10
	cookieBasePath = "/ui/"
)

// session is the signed-in admin of a request.
type session struct {
	row  *store.Session
	csrf string
	// viaPassword: signed in with the password (not an API token).
	viaPassword bool
}

type ctxKey struct{}

func sessionFrom(r *http.Request) (*session, bool) {
	s, ok := r.Context().Value(ctxKey{}).(*session)
	return s, ok
}

// csrfFor derives a session's CSRF token from its secret token, so it
// needs no storage and dies with the session.
func csrfFor(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("patchbay dashboard csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func equalSecret(a, b string) bool {
	return a != "" && hmac.Equal([]byte(a), []byte(b))
}

// passwordGeneration names the current password hash without revealing
// it; sessions opened with a password carry it, so a new password ends
// them.
func passwordGeneration(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

func (h *Handler) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return h.opts.PublicURL != nil && strings.HasPrefix(h.opts.PublicURL(r), "https://")
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: cookieBasePath, MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// currentSession resolves the session cookie; a session whose credential
// changed (new password, deleted API token) is ended on the spot.
func (h *Handler) currentSession(w http.ResponseWriter, r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !strings.HasPrefix(c.Value, sessionPrefix) || len(c.Value) > 128 {
		return nil, false
	}
	ctx := r.Context()
	row, err := h.opts.Store.SessionByHash(ctx, credentials.HashToken(c.Value))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			h.log.ErrorContext(r.Context(), "web: session lookup", "err", err)
		}
		return nil, false
	}
	valid := !row.Expired(h.opts.Now())
	if valid {
		switch {
		case strings.HasPrefix(row.Via, viaPassword):
			hash, err := h.opts.Store.GetSetting(ctx, passwordKey)
			valid = err == nil && row.Via == viaPassword+passwordGeneration(hash)
		case strings.HasPrefix(row.Via, viaAPIToken):
			_, err := h.opts.Store.APITokenByHash(ctx, strings.TrimPrefix(row.Via, viaAPIToken))
			valid = err == nil
		default:
			valid = false
		}
	}
	if !valid {
		_ = h.opts.Store.DeleteSession(ctx, row.ID)
		h.setCookie(w, r, sessionCookie, "", -1)
		return nil, false
	}
	return &session{row: row, csrf: csrfFor(c.Value), viaPassword: strings.HasPrefix(row.Via, viaPassword)}, true
}

// authed requires a session, and a valid CSRF token on anything but a
// read. Handlers return errors; *api.Error ones are shown to the user.
func (h *Handler) authed(fn func(w http.ResponseWriter, r *http.Request, s *session) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.currentSession(w, r)
		if !ok {
			if r.Method == http.MethodGet && r.Header.Get("HX-Request") != "true" {
				http.Redirect(w, r, "/ui/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			w.Header().Set("HX-Redirect", "/ui/sign-in")
			h.renderError(w, r, &api.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "Your session has ended. Sign in again."})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !equalSecret(s.csrf, r.Header.Get(csrfHeader)) && !equalSecret(s.csrf, r.PostFormValue(csrfField)) {
				h.renderError(w, r, &api.Error{Status: http.StatusForbidden, Code: "csrf", Message: "This form has expired or did not come from this dashboard. Go back, reload the page and try again."})
				return
			}
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		if err := fn(w, r, s); err != nil {
			h.renderError(w, r, err)
		}
	})
}

// ---- sign-in ----

type signInData struct {
	NeedsSetup bool // no admin password yet
	Next       string
	Wait       int // seconds, when throttled
}

// preCSRF returns the double-submit token of the sign-in forms, setting
// the cookie if the browser has none yet.
func (h *Handler) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return c.Value
	}
	v := credentials.NewToken("")
	h.setCookie(w, r, preCSRFCookie, v, 0)
	return v
}

func (h *Handler) hasPassword(ctx context.Context) (bool, error) {
	_, err := h.opts.Store.GetSetting(ctx, passwordKey)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.currentSession(w, r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.renderSignIn(w, r, http.StatusOK, "", 0)
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, msg string, wait time.Duration) {
	has, err := h.hasPassword(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	p := &page{Title: "Sign in", CSRF: h.preCSRF(w, r), Notice: notice(r), Error: msg,
		Data: signInData{NeedsSetup: !has, Next: safeNext(next), Wait: int(math.Ceil(wait.Seconds()))}}
	if !has {
		p.Title = "Set up Patchbay"
	}
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	h.render(w, r, status, "signin", p)
}

// safeNext keeps post-sign-in redirects inside the dashboard.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/ui/accounts"
	}
	return next
}

// clientKey is the address the sign-in backoff counts for: the same rule as
// the rest of Patchbay (forwarded-for only when trusted).
func (h *Handler) clientKey(r *http.Request) string {
	return clientip.Of(r, h.opts.TrustForwardedFor)
}

// preAuth checks what every sign-in form needs: its CSRF token and the
// address's backoff, and counts the attempt as a failure until it succeeds
// (which resets the count). It answers false after writing the refusal.
func (h *Handler) preAuth(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	c, err := r.Cookie(preCSRFCookie)
	if err != nil || !equalSecret(c.Value, r.PostFormValue(csrfField)) {
		h.renderSignIn(w, r, http.StatusForbidden, "This form has expired. Please try again.", 0)
		return false
	}
	if d := h.limiter.attempt(h.clientKey(r)); d > 0 {
		h.renderSignIn(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts from your address. Try again in %d seconds.", int(math.Ceil(d.Seconds()))), d)
		return false
	}
	return true
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if !h.preAuth(w, r) {
		return
	}
	ctx := r.Context()
	secret := strings.TrimSpace(r.PostFormValue("secret"))
	var via string
	if strings.HasPrefix(secret, credentials.APITokenPrefix) {
		if len(secret) <= 128 {
			if _, err := h.opts.Store.APITokenByHash(ctx, credentials.HashToken(secret)); err == nil {
				via = viaAPIToken + credentials.HashToken(secret)
			}
		}
	} else if hash, err := h.opts.Store.GetSetting(ctx, passwordKey); err == nil {
		if verifyPassword(hash, r.PostFormValue("secret")) {
			via = viaPassword + passwordGeneration(hash)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		h.renderError(w, r, err)
		return
	}
	if via == "" {
		h.log.WarnContext(r.Context(), "web: failed sign-in", "remote", h.clientKey(r))
		h.renderSignIn(w, r, http.StatusUnauthorized, "That password or API token is not right.", 0)
		return
	}
	h.limiter.reset(h.clientKey(r))
	if err := h.startSession(w, r, via); err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// setup sets the first admin password. It asks for an API token too:
// otherwise whoever reaches a fresh server first would own it.
func (h *Handler) setup(w http.ResponseWriter, r *http.Request) {
	if !h.preAuth(w, r) {
		return
	}
	ctx := r.Context()
	tok := strings.TrimSpace(r.PostFormValue("api_token"))
	if !strings.HasPrefix(tok, credentials.APITokenPrefix) || len(tok) > 128 {
		h.renderSignIn(w, r, http.StatusUnauthorized, "That API token is not right.", 0)
		return
	}
	if _, err := h.opts.Store.APITokenByHash(ctx, credentials.HashToken(tok)); err != nil {
		h.renderSignIn(w, r, http.StatusUnauthorized, "That API token is not right.", 0)
		return
	}
	h.limiter.reset(h.clientKey(r))
	pw := r.PostFormValue("password")
	if err := checkNewPassword(pw, r.PostFormValue("confirm")); err != nil {
		h.renderSignIn(w, r, http.StatusBadRequest, upperFirst(err.Error())+".", 0)
		return
	}
	hash := hashPassword(pw)
	if err := h.opts.Store.CreateSetting(ctx, passwordKey, hash); err != nil {
		if errors.Is(err, store.ErrConflict) {
			h.renderSignIn(w, r, http.StatusConflict, "An admin password was set meanwhile. Sign in with it.", 0)
			return
		}
		h.renderError(w, r, err)
		return
	}
	if err := h.startSession(w, r, viaPassword+passwordGeneration(hash)); err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/ui/accounts?done=password", http.StatusSeeOther)
}

func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, via string) error {
	ctx := r.Context()
	// Sign-ins are rare: a good moment to sweep expired sessions.
	if _, err := h.opts.Store.DeleteExpiredSessions(ctx, h.opts.Now()); err != nil {
		h.log.Warn("web: deleting expired sessions", "err", err)
	}
	// A sign-in replaces the browser's previous session rather than
	// leaving it behind.
	if c, err := r.Cookie(sessionCookie); err == nil && strings.HasPrefix(c.Value, sessionPrefix) && len(c.Value) <= 128 {
		if old, err := h.opts.Store.SessionByHash(ctx, credentials.HashToken(c.Value)); err == nil {
			_ = h.opts.Store.DeleteSession(ctx, old.ID)
		}
	}
	token := credentials.NewToken(sessionPrefix)
	row := &store.Session{TokenHash: credentials.HashToken(token), Via: via, ExpiresAt: h.opts.Now().Add(h.opts.SessionTTL)}
	if err := h.opts.Store.CreateSession(ctx, row); err != nil {
		return err
	}
	h.setCookie(w, r, sessionCookie, token, int(h.opts.SessionTTL.Seconds()))
	return nil
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.opts.Store.DeleteSession(r.Context(), s.row.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	h.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/ui/sign-in?done=signed-out", http.StatusSeeOther)
	return nil
}

// ---- settings ----

type settingsData struct {
	HasPassword bool
	NeedCurrent bool
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.renderSettings(w, r, s, http.StatusOK, "")
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) error {
	has, err := h.hasPassword(r.Context())
	if err != nil {
		return err
	}
	h.render(w, r, status, "settings", &page{Title: "Settings", CSRF: s.csrf, SignedIn: true, Nav: "settings", Notice: notice(r), Error: msg,
		Data: settingsData{HasPassword: has, NeedCurrent: has && s.viaPassword}})
	return nil
}

// changePassword sets a new admin password. A session opened with the
// password must give the current one; one opened with an API token may
// reset it (that is the recovery path). Other password sessions end.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	if s.viaPassword {
		if d := h.limiter.attempt(h.clientKey(r)); d > 0 {
			return h.renderSettings(w, r, s, http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts from your address. Try again in %d seconds.", int(math.Ceil(d.Seconds()))))
		}
		hash, err := h.opts.Store.GetSetting(ctx, passwordKey)
		if err != nil {
			return err
		}
		if !verifyPassword(hash, r.PostFormValue("current")) {
			return h.renderSettings(w, r, s, http.StatusUnauthorized, "The current password is not right.")
		}
		h.limiter.reset(h.clientKey(r))
	}
	pw := r.PostFormValue("password")
	if err := checkNewPassword(pw, r.PostFormValue("confirm")); err != nil {
		return h.renderSettings(w, r, s, http.StatusBadRequest, upperFirst(err.Error())+".")
	}
	hash := hashPassword(pw)
	if err := h.opts.Store.SetSetting(ctx, passwordKey, hash); err != nil {
		return err
	}
	if s.viaPassword {
		// This session's password generation just ended; give it a new one.
		_ = h.opts.Store.DeleteSession(ctx, s.row.ID)
		if err := h.startSession(w, r, viaPassword+passwordGeneration(hash)); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/ui/settings?done=password", http.StatusSeeOther)
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
