// Package connect connects upstream accounts through OAuth 2.0 and keeps
// their tokens alive. Gong's refresh tokens are single use and rotate, so a
// refresh spends the stored token: within a process one refresh per account
// runs at a time (single-flight), and across replicas a lease row in the
// database decides who refreshes; the new tokens are stored before anything
// else uses them.
//
// It uses golang.org/x/oauth2 for the wire protocol (auth code URL, code
// exchange, refresh, error parsing) and keeps the lifecycle — state, lease,
// status — here.
package connect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// App is one integration's OAuth app as configured for this installation.
type App struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is Patchbay's callback; empty means PublicURL +
	// /integrated-account/connect/{integration}/callback.
	RedirectURL string
	Scopes      []string // empty: the integration's default scopes
	AuthURL     string   // empty: the integration's
	TokenURL    string   // empty: the integration's
	// BaseURL is the API host for accounts whose token answer names none;
	// empty: the integration's default (a sandbox, a regional host).
	BaseURL string
}

// Options configure the Service.
type Options struct {
	Store        store.Store
	Integrations func(name string) (*integration.Integration, bool)
	Apps         map[string]App
	// PublicURL is Patchbay's base URL, for the default redirect URL.
	PublicURL func(r *http.Request) string
	// CheckBaseURL vets the API host a token answer names.
	CheckBaseURL func(integration, baseURL string) error
	HTTP         *http.Client
	Now          func() time.Time
	Logger       *slog.Logger
	// Observe hears every refresh (for metrics), with its error if any.
	Observe func(integration string, err error)
	// Probe calls the integration's probe operation with new credentials
	// and returns its decoded answer; needed by integrations that take the
	// account's identity from it (oauth.account_id.from: probe).
	Probe func(ctx context.Context, integration, baseURL string, auth upstream.Auth) (any, error)
}

// Service runs connect flows and refreshes tokens.
type Service struct {
	opts  Options
	group singleflight.Group
}

// New builds the service.
func New(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	return &Service{opts: opts}
}

// Timings of the lifecycle.
const (
	stateTTL = 10 * time.Minute
	// refreshSkew refreshes a token this long before it expires, so no
	// request carries a token that dies in flight.
	refreshSkew = 2 * time.Minute
	leaseTTL    = 30 * time.Second
	leaseWait   = 20 * time.Second
	leasePoll   = 100 * time.Millisecond
)

// CallbackPath is where the vendor sends the browser back.
func CallbackPath(integ string) string { return "/integrated-account/connect/" + integ + "/callback" }

// Configured reports whether an OAuth app is set up for the integration.
func (s *Service) Configured(integ string) bool {
	app, ok := s.opts.Apps[integ]
	return ok && app.ClientID != "" && app.ClientSecret != ""
}

func (s *Service) config(integ string, r *http.Request) (*oauth2.Config, *integration.Integration, error) {
	in, ok := s.opts.Integrations(integ)
	if !ok {
		return nil, nil, fmt.Errorf("unknown integration %q", integ)
	}
	app, ok := s.opts.Apps[integ]
	if !ok || app.ClientID == "" || app.ClientSecret == "" {
		return nil, nil, fmt.Errorf("no OAuth app is configured for %s (set PATCHBAY_%s_CLIENT_ID and PATCHBAY_%s_CLIENT_SECRET)", in.Title, strings.ToUpper(integ), strings.ToUpper(integ))
	}
	if in.OAuth == nil {
		return nil, nil, fmt.Errorf("%s has no OAuth flow", in.Title)
	}
	cfg := &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		RedirectURL:  app.RedirectURL,
		Scopes:       app.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   firstNonEmpty(app.AuthURL, in.OAuth.AuthorizeURL),
			TokenURL:  firstNonEmpty(app.TokenURL, in.OAuth.TokenURL),
			AuthStyle: authStyle(in.OAuth.ClientAuth),
		},
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = in.OAuth.DefaultScopes
	}
	if cfg.RedirectURL == "" && r != nil && s.opts.PublicURL != nil {
		cfg.RedirectURL = s.opts.PublicURL(r) + CallbackPath(integ)
	}
	return cfg, in, nil
}

// authStyle maps integration.yaml's client_auth to the wire style: the
// default is HTTP Basic.
func authStyle(clientAuth string) oauth2.AuthStyle {
	if clientAuth == integration.ClientAuthPost {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// StartRequest is what a user chose when starting a connect flow.
type StartRequest struct {
	Integration string
	Scopes      []string // empty: the app's scopes
	Name        string   // name for a new account
	ReturnTo    string   // local path to land on afterwards
}

// Start records a single-use state and returns the vendor's authorize URL.
func (s *Service) Start(ctx context.Context, r *http.Request, req StartRequest) (string, error) {
	cfg, in, err := s.config(req.Integration, r)
	if err != nil {
		return "", err
	}
	if len(req.Scopes) > 0 {
		cfg.Scopes = req.Scopes
	}
	if req.ReturnTo != "" && !localPath(req.ReturnTo) {
		return "", errors.New("return_to must be a path on this server")
	}
	if req.Name == "" {
		req.Name = in.Title
	}
	state := randomToken()
	now := s.opts.Now()
	err = s.opts.Store.CreateOAuthState(ctx, &store.OAuthState{
		Hash: credentials.HashToken(state), Integration: req.Integration, Scopes: cfg.Scopes,
		Name: req.Name, ReturnTo: req.ReturnTo, CreatedAt: now, ExpiresAt: now.Add(stateTTL),
	})
	if err != nil {
		return "", err
	}
	return cfg.AuthCodeURL(state), nil
}

// localPath accepts "/x/y" but not "//host" or "/\host" (open redirects).
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") && !strings.ContainsAny(p, "\r\n")
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// FlowError is a connect flow that ended without an account; Status is the
// HTTP status to show.
type FlowError struct {
	Status int
	Msg    string
}

func (e *FlowError) Error() string { return e.Msg }

// Complete handles the vendor's redirect back: it burns the state, exchanges
// the code, and creates the account — or, for a company already connected,
// updates it in place so its MCP URLs keep working.
func (s *Service) Complete(ctx context.Context, r *http.Request, integ string) (*store.Account, *store.OAuthState, error) {
	q := r.URL.Query()
	rawState := q.Get("state")
	if rawState == "" {
		return nil, nil, &FlowError{http.StatusBadRequest, "the callback carries no state: start the connection again from Patchbay"}
	}
	st, err := s.opts.Store.ConsumeOAuthState(ctx, credentials.HashToken(rawState))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, &FlowError{http.StatusBadRequest, "this connection link is unknown or was already used: start the connection again from Patchbay"}
	}
	if err != nil {
		return nil, nil, err
	}
	if st.Integration != integ {
		return nil, st, &FlowError{http.StatusBadRequest, "the state belongs to another integration"}
	}
	if !s.opts.Now().Before(st.ExpiresAt) {
		return nil, st, &FlowError{http.StatusBadRequest, "this connection link expired: start the connection again from Patchbay"}
	}
	if e := q.Get("error"); e != "" {
		msg := "the connection was not approved"
		if e != "access_denied" {
			msg = "the authorization server refused: " + e
		}
		if d := q.Get("error_description"); d != "" {
			msg += " (" + truncate(d, 200) + ")"
		}
		return nil, st, &FlowError{http.StatusBadRequest, msg}
	}
	code := q.Get("code")
	if code == "" {
		return nil, st, &FlowError{http.StatusBadRequest, "the callback carries no authorization code"}
	}
	cfg, in, err := s.config(integ, r)
	if err != nil {
		return nil, st, &FlowError{http.StatusBadRequest, err.Error()}
	}
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, s.opts.HTTP), code)
	if err != nil {
		return nil, st, &FlowError{http.StatusBadGateway, "exchanging the authorization code failed: " + describe(err)}
	}
	creds := s.credentialsFrom(tok, "")
	baseURL := firstNonEmpty(s.opts.Apps[integ].BaseURL, in.BaseURL.Default)
	if in.OAuth.BaseURLField != "" {
		if v, _ := tok.Extra(in.OAuth.BaseURLField).(string); v != "" {
			baseURL = strings.TrimRight(v, "/")
		}
	}
	if err := s.opts.CheckBaseURL(integ, baseURL); err != nil {
		return nil, st, &FlowError{http.StatusBadRequest, "the token answer names an API host Patchbay will not call: " + err.Error()}
	}
	scopes := grantedScopes(tok, st.Scopes)
	// The company's identity lets a reconnect find its account and keeps two
	// companies on one API host apart.
	externalID, err := s.accountID(ctx, in, tok, baseURL, creds)
	if err != nil {
		return nil, st, &FlowError{http.StatusBadGateway, err.Error()}
	}
	acct, err := s.opts.Store.AccountByExternalID(ctx, integ, externalID)
	switch {
	case err == nil:
		acct.BaseURL, acct.Scopes, acct.Credentials, acct.Status = baseURL, scopes, creds, store.StatusActive
		err = s.opts.Store.UpdateAccount(ctx, acct)
	case errors.Is(err, store.ErrNotFound):
		acct = &store.Account{Integration: integ, Name: st.Name, BaseURL: baseURL, Scopes: scopes, ExternalID: externalID, Credentials: creds}
		err = s.opts.Store.CreateAccount(ctx, acct)
	}
	if err != nil {
		return nil, st, err
	}
	return acct, st, nil
}

// accountID derives the connected company's identity the way the
// integration says: its API host, a token-answer field, or a field of the
// probe operation's answer.
func (s *Service) accountID(ctx context.Context, in *integration.Integration, tok *oauth2.Token, baseURL string, creds credentials.Upstream) (string, error) {
	rule := in.OAuth.AccountID
	var answer any
	switch rule.From {
	case integration.IdentityFromToken:
		first, _, _ := strings.Cut(rule.Field, ".")
		answer = map[string]any{first: tok.Extra(first)}
	case integration.IdentityFromProbe:
		if s.opts.Probe == nil {
			return "", fmt.Errorf("%s identifies accounts by a probe call, which this Patchbay cannot make", in.Title)
		}
		var err error
		if answer, err = s.opts.Probe(ctx, in.Name, baseURL, bearer(creds.AccessToken)); err != nil {
			return "", fmt.Errorf("asking %s which account this is failed: %w", in.Title, err)
		}
	default:
		return hostOf(baseURL), nil
	}
	v, _ := integration.Lookup(answer, rule.Field)
	id := identityText(v)
	if id == "" {
		return "", fmt.Errorf("%s's answer names no account (%s)", in.Title, rule.Field)
	}
	return id, nil
}

// identityText renders an identity field: a string, or a number written
// out in full (a portal id of 48151623 must not become 4.8151623e+07).
func identityText(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return "" // absent, or an object or list: no identity
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Host)
}

// grantedScopes reads the token answer's scope; vendors that omit it
// granted what was asked.
func grantedScopes(tok *oauth2.Token, asked []string) []string {
	raw, _ := tok.Extra("scope").(string)
	if raw == "" {
		return append([]string{}, asked...)
	}
	return strings.Fields(strings.ReplaceAll(raw, ",", " "))
}

// credentialsFrom turns a token answer into stored credentials. Expiry is
// computed from expires_in on Patchbay's clock; a vendor that sends no new
// refresh token keeps the old one valid.
func (s *Service) credentialsFrom(tok *oauth2.Token, oldRefresh string) credentials.Upstream {
	c := credentials.Upstream{Type: credentials.TypeOAuth2, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}
	if c.RefreshToken == "" {
		c.RefreshToken = oldRefresh
	}
	secs := tok.ExpiresIn
	if secs == 0 {
		if v, err := strconv.ParseInt(fmt.Sprint(tok.Extra("expires_in")), 10, 64); err == nil {
			secs = v
		}
	}
	if secs > 0 {
		c.Expiry = s.opts.Now().Add(time.Duration(secs) * time.Second).UTC()
	} else if !tok.Expiry.IsZero() {
		c.Expiry = tok.Expiry.UTC()
	}
	return c
}

// describe keeps an OAuth error useful and secret-free.
func describe(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		s := re.ErrorCode
		if s == "" {
			s = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
		}
		if re.ErrorDescription != "" {
			s += ": " + truncate(re.ErrorDescription, 200)
		}
		return s
	}
	return truncate(err.Error(), 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ErrNeedsReauth means the account's grant is gone; a person must reconnect.
var ErrNeedsReauth = errors.New("the account's authorization was revoked or expired: reconnect it in Patchbay (Integrated accounts → Reconnect)")

// Auth returns upstream credentials for an account, refreshing an OAuth
// token that is about to expire.
func (s *Service) Auth(ctx context.Context, acct *store.Account) (upstream.Auth, error) {
	c := acct.Credentials
	switch c.Type {
	case credentials.TypeAccessKey:
		return upstream.BasicAuth{Key: c.AccessKey, Secret: c.AccessKeySecret}, nil
	case credentials.TypeAPIKey:
		return bearer(c.APIKey), nil
	case credentials.TypeOAuth2:
		if s.fresh(c, "") {
			return bearer(c.AccessToken), nil
		}
		c, err := s.refresh(ctx, acct, "")
		if err != nil {
			return nil, err
		}
		return bearer(c.AccessToken), nil
	}
	return nil, fmt.Errorf("unsupported credential type %q", c.Type)
}

// Reauth is called after upstream refused rejected with a 401: it refreshes
// unless someone already replaced that token, and returns the new auth.
func (s *Service) Reauth(ctx context.Context, acct *store.Account, rejected upstream.Auth) (upstream.Auth, error) {
	if acct.Credentials.Type != credentials.TypeOAuth2 {
		return nil, errors.New("access key refused")
	}
	old, _ := rejected.(bearer)
	c, err := s.refresh(ctx, acct, string(old))
	if err != nil {
		return nil, err
	}
	return bearer(c.AccessToken), nil
}

// fresh: a token usable for a while yet, and not the one upstream refused.
func (s *Service) fresh(c credentials.Upstream, rejected string) bool {
	if c.AccessToken == "" || c.AccessToken == rejected {
		return false
	}
	return c.Expiry.IsZero() || s.opts.Now().Add(refreshSkew).Before(c.Expiry)
}

type bearer string

func (b bearer) Apply(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

// refresh gets a fresh token for the account: once per process at a time,
// and under the database lease across processes. A loser of either race
// waits for the winner's stored token instead of spending the refresh token
// again.
func (s *Service) refresh(ctx context.Context, acct *store.Account, rejected string) (credentials.Upstream, error) {
	v, err, _ := s.group.Do(acct.ID+"\x00"+rejected, func() (any, error) {
		// Detached from one caller's cancellation: the others share the result,
		// and an abandoned refresh would burn the token without storing the new one.
		ctx := context.WithoutCancel(ctx)
		deadline := time.Now().Add(leaseWait)
		for {
			cur, err := s.opts.Store.GetAccount(ctx, acct.ID)
			if err != nil {
				return nil, err
			}
			if cur.Status == store.StatusNeedsReauth {
				return nil, ErrNeedsReauth
			}
			if s.fresh(cur.Credentials, rejected) {
				return cur.Credentials, nil
			}
			now := s.opts.Now()
			ok, err := s.opts.Store.AcquireRefreshLease(ctx, acct.ID, now, now.Add(leaseTTL))
			if err != nil {
				return nil, err
			}
			if ok {
				return s.refreshHeld(ctx, acct.ID, rejected)
			}
			if time.Now().After(deadline) {
				return nil, errors.New("timed out waiting for another Patchbay replica to refresh the token")
			}
			time.Sleep(leasePoll)
		}
	})
	if err != nil {
		return credentials.Upstream{}, err
	}
	return v.(credentials.Upstream), nil
}

// refreshHeld runs with the lease held.
func (s *Service) refreshHeld(ctx context.Context, id, rejected string) (credentials.Upstream, error) {
	// Re-read under the lease: the previous holder may have just stored a
	// new token (and released the lease) after our first read.
	cur, err := s.opts.Store.GetAccount(ctx, id)
	if err != nil {
		_ = s.opts.Store.ReleaseRefreshLease(ctx, id)
		return credentials.Upstream{}, err
	}
	if s.fresh(cur.Credentials, rejected) {
		_ = s.opts.Store.ReleaseRefreshLease(ctx, id)
		return cur.Credentials, nil
	}
	cfg, _, err := s.config(cur.Integration, nil)
	if err != nil {
		_ = s.opts.Store.ReleaseRefreshLease(ctx, id)
		return credentials.Upstream{}, err
	}
	src := cfg.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, s.opts.HTTP), &oauth2.Token{RefreshToken: cur.Credentials.RefreshToken})
	tok, err := src.Token()
	if err != nil {
		s.observe(cur.Integration, err)
		var re *oauth2.RetrieveError
		// A 4xx from the token endpoint (invalid_grant, unauthorized_client,
		// a refused client) will not heal by retrying: the grant is gone.
		// Network errors, 5xx and 429 are transient and leave the account be.
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 && re.Response.StatusCode != http.StatusTooManyRequests {
			// The grant is gone: say so on the account and stop calling upstream.
			if serr := s.opts.Store.StoreRefreshedCredentials(ctx, id, cur.Credentials, store.StatusNeedsReauth); serr != nil {
				return credentials.Upstream{}, serr
			}
			s.opts.Logger.Warn("connect: refresh refused; account needs reconnecting", "account", id, "error", describe(err))
			return credentials.Upstream{}, ErrNeedsReauth
		}
		_ = s.opts.Store.ReleaseRefreshLease(ctx, id)
		return credentials.Upstream{}, errors.New("refreshing the access token failed: " + describe(err))
	}
	next := s.credentialsFrom(tok, cur.Credentials.RefreshToken)
	if err := s.opts.Store.StoreRefreshedCredentials(ctx, id, next, store.StatusActive); err != nil {
		return credentials.Upstream{}, err
	}
	s.observe(cur.Integration, nil)
	return next, nil
}

func (s *Service) observe(integ string, err error) {
	if s.opts.Observe != nil {
		s.opts.Observe(integ, err)
	}
}
