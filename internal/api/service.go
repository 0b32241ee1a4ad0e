package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/executor"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Service holds the rules for integrated accounts and MCP servers —
// validation, the SSRF guard, the credential check, token minting — so
// that the REST API and the dashboard apply exactly the same ones. Its
// errors are *Error values whose Message is fit to show a person.
type Service struct {
	opts Options
}

// NewService builds the service; Options are those of the API (Store,
// Catalog, Now, PublicURL, CheckBaseURL, VerifyAccount).
func NewService(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{opts: opts}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.opts.Now() }

// ToolSet is the tool set of an integration, or a 400 when it is not loaded.
func (s *Service) ToolSet(integration string) (*tools.Set, error) {
	set, ok := s.opts.Catalog.ToolSet(integration)
	if !ok {
		return nil, badRequest("the integration %q is not loaded", integration)
	}
	return set, nil
}

// Account finds an integrated account (a 404 *Error when there is none).
func (s *Service) Account(ctx context.Context, id string) (*store.Account, error) {
	acct, err := s.opts.Store.GetAccount(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("integrated account")
	}
	return acct, err
}

// APIKeyCredentials checks and builds bearer API-key credentials.
func APIKeyCredentials(key string) (credentials.Upstream, error) {
	if strings.TrimSpace(key) == "" {
		return credentials.Upstream{}, badRequest("credentials.api_key is required")
	}
	return credentials.Upstream{Type: credentials.TypeAPIKey, APIKey: key}, nil
}

// AccessKeyCredentials checks and builds access-key credentials.
func AccessKeyCredentials(key, secret string) (credentials.Upstream, error) {
	if strings.TrimSpace(key) == "" || strings.TrimSpace(secret) == "" {
		return credentials.Upstream{}, badRequest("credentials.access_key and credentials.access_key_secret are required")
	}
	return credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: key, AccessKeySecret: secret}, nil
}

// NewAccount is an integrated account to connect with given credentials.
type NewAccount struct {
	Integration string
	Name        string
	BaseURL     string // "" = the integration's default API host
	Credentials credentials.Upstream
	Scopes      []string
	Pace        Pace
}

// Pace is an account's pacing setting as a user writes it; nil keeps (or,
// for a new account, defaults) a field.
type Pace struct {
	On             *bool
	MaxWaitSeconds *int
}

// check validates a pace setting a user wrote.
func (p Pace) check() error {
	if w := p.MaxWaitSeconds; w != nil && (*w < 0 || *w > store.MaxPaceMaxWaitSeconds) {
		return badRequest("pace_max_wait_seconds must be a whole number of seconds from 0 to %d", store.MaxPaceMaxWaitSeconds)
	}
	return nil
}

// apply sets a checked pace setting on acct.
func (p Pace) apply(acct *store.Account) {
	if p.On != nil {
		acct.Pace = *p.On
	}
	if p.MaxWaitSeconds != nil {
		w := *p.MaxWaitSeconds
		acct.PaceMaxWaitSeconds = &w
	}
}

// CreateAccount validates, proves the credentials with one cheap upstream
// call, and stores the account.
func (s *Service) CreateAccount(ctx context.Context, in NewAccount) (*store.Account, error) {
	set, ok := s.opts.Catalog.ToolSet(in.Integration)
	if !ok {
		return nil, badRequest("unknown integration %q", in.Integration)
	}
	if err := validName(in.Name); err != nil {
		return nil, err
	}
	if err := validScopes(in.Scopes); err != nil {
		return nil, err
	}
	if err := in.Pace.check(); err != nil {
		return nil, err
	}
	if in.BaseURL == "" {
		in.BaseURL = set.Integration.BaseURL.Default
	}
	in.BaseURL = strings.TrimRight(in.BaseURL, "/")
	if err := s.opts.CheckBaseURL(in.Integration, in.BaseURL); err != nil {
		return nil, badRequest("base_url: %v", err)
	}
	acct := &store.Account{Integration: in.Integration, Name: in.Name, BaseURL: in.BaseURL, Scopes: in.Scopes, Credentials: in.Credentials}
	in.Pace.apply(acct)
	if s.opts.VerifyAccount != nil {
		if err := s.opts.VerifyAccount(ctx, acct); err != nil {
			return nil, badRequest("the credentials do not work: %v", err)
		}
	}
	if err := s.opts.Store.CreateAccount(ctx, acct); err != nil {
		return nil, err
	}
	return acct, nil
}

// AccountChanges are the fields of an account to change; nil keeps one.
type AccountChanges struct {
	Name        *string
	BaseURL     *string
	Credentials *credentials.Upstream
	Scopes      *[]string
	Pace        Pace
}

// UpdateAccount applies changes to acct and stores it. New credentials or
// a new host are proven first, and new credentials make the account
// active again.
func (s *Service) UpdateAccount(ctx context.Context, acct *store.Account, c AccountChanges) error {
	recheck := false
	if err := c.Pace.check(); err != nil {
		return err
	}
	c.Pace.apply(acct)
	if c.Name != nil {
		if err := validName(*c.Name); err != nil {
			return err
		}
		acct.Name = *c.Name
	}
	if c.BaseURL != nil {
		u := strings.TrimRight(*c.BaseURL, "/")
		if err := s.opts.CheckBaseURL(acct.Integration, u); err != nil {
			return badRequest("base_url: %v", err)
		}
		acct.BaseURL, recheck = u, true
	}
	if c.Credentials != nil {
		acct.Credentials, recheck = *c.Credentials, true
		acct.Status = store.StatusActive // fresh credentials: try again
	}
	if c.Scopes != nil {
		if err := validScopes(*c.Scopes); err != nil {
			return err
		}
		acct.Scopes = *c.Scopes
	}
	if recheck && s.opts.VerifyAccount != nil {
		if err := s.opts.VerifyAccount(ctx, acct); err != nil {
			return badRequest("the credentials do not work: %v", err)
		}
	}
	if err := s.opts.Store.UpdateAccount(ctx, acct); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("integrated account")
		}
		return err
	}
	return nil
}

// DeleteAccount removes an account and its MCP servers, answering how
// many servers went with it.
func (s *Service) DeleteAccount(ctx context.Context, id string) (int, error) {
	n, err := s.opts.Store.DeleteAccount(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, notFound("integrated account")
	}
	return n, err
}

// ServerConfig cleans an MCP server's filters (trimmed, deduplicated,
// bounded) into a config.
func ServerConfig(methods, tags []string, requireAPIToken, hideMissingScopes bool) (store.ServerConfig, error) {
	m, err := cleanList("methods", methods)
	if err != nil {
		return store.ServerConfig{}, err
	}
	t, err := cleanList("tags", tags)
	if err != nil {
		return store.ServerConfig{}, err
	}
	return store.ServerConfig{Methods: m, Tags: t, RequireAPITokenAuth: requireAPIToken, HideToolsMissingScopes: hideMissingScopes}, nil
}

// CheckExpiry refuses an expiry less than a minute ahead.
func (s *Service) CheckExpiry(t *time.Time) error {
	if t != nil && t.Before(s.opts.Now().Add(minExpiry)) {
		return badRequest("expires_at must be at least %d seconds in the future", int(minExpiry.Seconds()))
	}
	return nil
}

// CheckFilter refuses a config that would expose no tool at all.
func (s *Service) CheckFilter(acct *store.Account, cfg store.ServerConfig) error {
	set, ok := s.opts.Catalog.ToolSet(acct.Integration)
	if !ok {
		return badRequest("the account's integration %q is not loaded", acct.Integration)
	}
	if len(executor.Select(set, tools.FilterOf(cfg))) == 0 {
		return badRequest("config.methods %v and config.tags %v together match no tool", cfg.Methods, cfg.Tags)
	}
	return nil
}

// PreviewTools are the tools a config exposes on acct: the filter's
// choice, less the tools missing scopes when the config hides those (as
// tools/list does).
func (s *Service) PreviewTools(acct *store.Account, cfg store.ServerConfig) ([]*tools.Tool, error) {
	set, ok := s.opts.Catalog.ToolSet(acct.Integration)
	if !ok {
		return nil, badRequest("the account's integration %q is not loaded", acct.Integration)
	}
	selected := executor.Select(set, tools.FilterOf(cfg))
	if !cfg.HideToolsMissingScopes || acct.Scopes == nil {
		return selected, nil
	}
	out := selected[:0:0]
	for _, t := range selected {
		if ScopesGranted(acct.Scopes, t.Scopes) {
			out = append(out, t)
		}
	}
	return out, nil
}

// ScopesGranted reports whether granted covers needed; unknown grants
// (nil) are assumed sufficient.
func ScopesGranted(granted, needed []string) bool {
	if granted == nil {
		return true
	}
	have := map[string]bool{}
	for _, g := range granted {
		have[g] = true
	}
	for _, n := range needed {
		if !have[n] {
			return false
		}
	}
	return true
}

// NewServer is an MCP server to mint.
type NewServer struct {
	Name      string
	Config    store.ServerConfig
	ExpiresAt *time.Time
}

// CreateServer validates and stores a new MCP server of acct. The token is
// returned once and only its hash is kept.
func (s *Service) CreateServer(ctx context.Context, acct *store.Account, in NewServer) (srv *store.Server, token string, err error) {
	if err := validName(in.Name); err != nil {
		return nil, "", err
	}
	if err := s.CheckFilter(acct, in.Config); err != nil {
		return nil, "", err
	}
	if err := s.CheckExpiry(in.ExpiresAt); err != nil {
		return nil, "", err
	}
	token = credentials.NewToken(credentials.MCPTokenPrefix)
	srv = &store.Server{AccountID: acct.ID, Name: in.Name, Config: in.Config, TokenHash: credentials.HashToken(token), ExpiresAt: utc(in.ExpiresAt)}
	if err := s.opts.Store.CreateServer(ctx, srv); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", notFound("integrated account")
		}
		return nil, "", err
	}
	return srv, token, nil
}

// ServerURL is the MCP URL of a token, as handed out once.
func (s *Service) ServerURL(r *http.Request, token string) string {
	return s.opts.PublicURL(r) + "/mcp/" + token
}

// Servers lists acct's live (unexpired) MCP servers.
func (s *Service) Servers(ctx context.Context, acct *store.Account) ([]*store.Server, error) {
	servers, err := s.opts.Store.ListServers(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	out := make([]*store.Server, 0, len(servers))
	for _, srv := range servers {
		if !srv.Expired(now) {
			out = append(out, srv)
		}
	}
	return out, nil
}

// Server finds an MCP server of acct; one of another account, or expired,
// is not found.
func (s *Service) Server(ctx context.Context, acct *store.Account, id string) (*store.Server, error) {
	srv, err := s.opts.Store.GetServer(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (srv.AccountID != acct.ID || srv.Expired(s.opts.Now()))) {
		return nil, notFound("MCP server")
	}
	return srv, err
}

// ServerChanges are the fields of an MCP server to change; nil keeps one.
type ServerChanges struct {
	Name   *string
	Config *store.ServerConfig
	// SetExpiry applies ExpiresAt, where nil clears the expiry.
	SetExpiry bool
	ExpiresAt *time.Time
	// SetBudget applies Budget (nil: no budget); without it a new Config
	// keeps the server's budget.
	SetBudget bool
	Budget    *store.Budget
}

// UpdateServer validates changes, applies them to srv and stores it.
func (s *Service) UpdateServer(ctx context.Context, acct *store.Account, srv *store.Server, c ServerChanges) error {
	if c.Name != nil {
		if err := validName(*c.Name); err != nil {
			return err
		}
		srv.Name = *c.Name
	}
	if c.Config != nil {
		if err := s.CheckFilter(acct, *c.Config); err != nil {
			return err
		}
		budget := srv.Config.Budget
		srv.Config = *c.Config
		srv.Config.Budget = budget
	}
	if c.SetBudget {
		srv.Config.Budget = c.Budget
	}
	if c.SetExpiry {
		if err := s.CheckExpiry(c.ExpiresAt); err != nil {
			return err
		}
		srv.ExpiresAt = utc(c.ExpiresAt)
	}
	if err := s.opts.Store.UpdateServer(ctx, srv); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("MCP server")
		}
		return err
	}
	return nil
}

// DeleteServer revokes an MCP server: its URL stops working at once.
func (s *Service) DeleteServer(ctx context.Context, srv *store.Server) error {
	if err := s.opts.Store.DeleteServer(ctx, srv.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("MCP server")
		}
		return err
	}
	return nil
}

// Service is the API's rule set, for other front ends (the dashboard).
func (a *API) Service() *Service { return a.svc }
