package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// minExpiry is how far ahead expires_at must be: a server that dies before
// anyone can paste its URL is a mistake.
const minExpiry = 60 * time.Second

type configJSON struct {
	Methods                []string      `json:"methods"`
	Tags                   []string      `json:"tags"`
	RequireAPITokenAuth    bool          `json:"require_api_token_auth"`
	HideToolsMissingScopes bool          `json:"hide_tools_missing_scopes"`
	SearchFetch            bool          `json:"search_fetch"`
	Budget                 *store.Budget `json:"budget"`
	OAuth                  bool          `json:"oauth"`
	AllowCredits           bool          `json:"allow_credits"`
	MaxAnswerBytes         int           `json:"max_answer_bytes"`
	ToolExposure           string        `json:"tool_exposure"`
}

type serverJSON struct {
	ID                  string     `json:"id"`
	Name                string     `json:"name"`
	Config              configJSON `json:"config"`
	ExpiresAt           *string    `json:"expires_at"`
	IntegratedAccountID string     `json:"integrated_account_id"`
	CreatedAt           string     `json:"created_at"`
	UpdatedAt           string     `json:"updated_at"`
	// Token and URL are shown once, in the create answer.
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty"`
	// Usage is the budget's spending so far (with a budget only).
	Usage map[string]quota.WindowUsage `json:"usage,omitempty"`
	// OAuthURL is the per-server OAuth URL (with config.oauth on).
	OAuthURL string `json:"oauth_url,omitempty"`
}

func toServerJSON(s *store.Server) serverJSON {
	cfg := configJSON{Methods: s.Config.Methods, Tags: s.Config.Tags, RequireAPITokenAuth: s.Config.RequireAPITokenAuth, HideToolsMissingScopes: s.Config.HideToolsMissingScopes, SearchFetch: s.Config.SearchFetch, Budget: s.Config.Budget, OAuth: s.Config.OAuth, AllowCredits: !s.Config.NoCredits, MaxAnswerBytes: s.Config.AnswerBudget()}
	if cfg.Methods == nil {
		cfg.Methods = []string{}
	}
	if cfg.Tags == nil {
		cfg.Tags = []string{}
	}
	cfg.ToolExposure = store.ToolExposureAll
	if s.Config.Discovery() {
		cfg.ToolExposure = store.ToolExposureDiscovery
	}
	return serverJSON{
		ID: s.ID, Name: s.Name, Config: cfg, ExpiresAt: timePtr(s.ExpiresAt), IntegratedAccountID: s.AccountID,
		CreatedAt: s.CreatedAt.Format(time.RFC3339), UpdatedAt: s.UpdatedAt.Format(time.RFC3339),
	}
}

type configBody struct {
	Methods                []string      `json:"methods"`
	Tags                   []string      `json:"tags"`
	RequireAPITokenAuth    bool          `json:"require_api_token_auth"`
	HideToolsMissingScopes bool          `json:"hide_tools_missing_scopes"`
	SearchFetch            bool          `json:"search_fetch"`
	Budget                 *store.Budget `json:"budget"`
	// OAuth: absent keeps a server's current setting (off for new ones).
	OAuth *bool `json:"oauth"`
	// AllowCredits false leaves out the tools that spend vendor credits;
	// absent keeps a server's current setting (allowed for new ones).
	AllowCredits *bool `json:"allow_credits"`
	// MaxAnswerBytes is the answer budget; absent keeps a server's current
	// one (the default for new ones).
	MaxAnswerBytes *int `json:"max_answer_bytes"`
	// ToolExposure is "all" (absent, for new servers) or "discovery".
	ToolExposure *string `json:"tool_exposure"`
}

func cleanList(field string, l []string) ([]string, error) {
	if len(l) > 100 {
		return nil, badRequest("config.%s has more than 100 entries", field)
	}
	var out []string
	seen := map[string]bool{}
	for _, v := range l {
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 100 {
			return nil, badRequest("config.%s entries must be non-empty strings of at most 100 characters", field)
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, nil
}

func (c *configBody) toStore() (store.ServerConfig, error) {
	cfg, err := ServerConfig(c.Methods, c.Tags, c.RequireAPITokenAuth, c.HideToolsMissingScopes)
	cfg.SearchFetch = c.SearchFetch
	cfg.OAuth = c.OAuth != nil && *c.OAuth
	cfg.NoCredits = c.AllowCredits != nil && !*c.AllowCredits
	if err == nil && c.MaxAnswerBytes != nil {
		if cfg.MaxAnswerBytes, err = CheckAnswerBudget(*c.MaxAnswerBytes); err != nil {
			return cfg, err
		}
	}
	if err == nil {
		if qerr := quota.Check(c.Budget); qerr != nil {
			return cfg, badRequest("config.%v", qerr)
		}
		if !c.Budget.IsZero() {
			cfg.Budget = c.Budget
		}
	}
	if c.ToolExposure != nil && err == nil {
		switch *c.ToolExposure {
		case store.ToolExposureAll:
		case store.ToolExposureDiscovery:
			cfg.ToolExposure = store.ToolExposureDiscovery
		default:
			return cfg, badRequest("config.tool_exposure must be %q or %q", store.ToolExposureAll, store.ToolExposureDiscovery)
		}
	}
	return cfg, err
}

// CheckAnswerBudget checks a server's max_answer_bytes; the default is
// stored as 0, so that servers follow it.
func CheckAnswerBudget(n int) (int, error) {
	if n < store.MinMaxAnswerBytes || n > store.MaxMaxAnswerBytes {
		return 0, badRequest("config.max_answer_bytes must be from %d to %d (bytes of answer; default %d)", store.MinMaxAnswerBytes, store.MaxMaxAnswerBytes, store.DefaultMaxAnswerBytes)
	}
	if n == store.DefaultMaxAnswerBytes {
		return 0, nil
	}
	return n, nil
}

type createServerBody struct {
	Name      string      `json:"name"`
	Config    *configBody `json:"config"`
	ExpiresAt *time.Time  `json:"expires_at"`
}

func (a *API) createServer(w http.ResponseWriter, r *http.Request) error {
	var body createServerBody
	if err := decode(w, r, &body); err != nil {
		return err
	}
	acct, err := a.account(r)
	if err != nil {
		return err
	}
	if err := validName(body.Name); err != nil {
		return err
	}
	if body.Config == nil {
		body.Config = &configBody{}
	}
	cfg, err := body.Config.toStore()
	if err != nil {
		return err
	}
	srv, token, err := a.svc.CreateServer(r.Context(), acct, NewServer{Name: body.Name, Config: cfg, ExpiresAt: body.ExpiresAt})
	if err != nil {
		return err
	}
	out := a.serverOut(r.Context(), srv)
	out.Token = token
	out.URL = a.svc.ServerURL(r, token)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

func (a *API) listServers(w http.ResponseWriter, r *http.Request) error {
	acct, err := a.account(r)
	if err != nil {
		return err
	}
	servers, err := a.svc.Servers(r.Context(), acct)
	if err != nil {
		return err
	}
	out := make([]serverJSON, 0, len(servers))
	for _, s := range servers {
		out = append(out, a.serverOut(r.Context(), s))
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}

// server finds an MCP server of the account in the path; one of another
// account, or expired, is not found.
func (a *API) server(r *http.Request) (*store.Account, *store.Server, error) {
	acct, err := a.account(r)
	if err != nil {
		return nil, nil, err
	}
	srv, err := a.svc.Server(r.Context(), acct, r.PathValue("mcpId"))
	if err != nil {
		return nil, nil, err
	}
	return acct, srv, nil
}

func (a *API) getServer(w http.ResponseWriter, r *http.Request) error {
	_, srv, err := a.server(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.serverOut(r.Context(), srv))
	return nil
}

// keepAbsent gives the keys a PATCH's config leaves out the server's
// current values: PATCH merges config keys, so {"tool_exposure":
// "discovery"} alone keeps the filters. (oauth and allow_credits are kept
// by patchServer; the budget is the exception: a config without one
// removes it, as it always did.)
func (c *configBody) keepAbsent(cur store.ServerConfig, present map[string]json.RawMessage) {
	has := func(k string) bool { _, ok := present[k]; return ok }
	if !has("methods") {
		c.Methods = cur.Methods
	}
	if !has("tags") {
		c.Tags = cur.Tags
	}
	if !has("require_api_token_auth") {
		c.RequireAPITokenAuth = cur.RequireAPITokenAuth
	}
	if !has("hide_tools_missing_scopes") {
		c.HideToolsMissingScopes = cur.HideToolsMissingScopes
	}
	if !has("search_fetch") {
		c.SearchFetch = cur.SearchFetch
	}
	if c.ToolExposure == nil {
		exposure := cur.ToolExposure
		if exposure == "" {
			exposure = store.ToolExposureAll
		}
		c.ToolExposure = &exposure
	}
}

func (a *API) patchServer(w http.ResponseWriter, r *http.Request) error {
	// Decode into raw fields first: "expires_at": null (clear) must differ
	// from an absent expires_at (keep).
	var raw map[string]json.RawMessage
	if err := decode(w, r, &raw); err != nil {
		return err
	}
	acct, srv, err := a.server(r)
	if err != nil {
		return err
	}
	var c ServerChanges
	for k, v := range raw {
		switch k {
		case "name":
			var name string
			if err := decodeBytes(v, &name); err != nil {
				return badRequest("field \"name\" must be a string")
			}
			c.Name = &name
		case "config":
			var cb configBody
			if err := decodeBytes(v, &cb); err != nil {
				return err
			}
			var present map[string]json.RawMessage
			_ = json.Unmarshal(v, &present) // an object: decodeBytes took it
			cb.keepAbsent(srv.Config, present)
			cfg, err := cb.toStore()
			if err != nil {
				return err
			}
			if cb.OAuth == nil {
				cfg.OAuth = srv.Config.OAuth
			}
			if cb.AllowCredits == nil {
				cfg.NoCredits = srv.Config.NoCredits
			}
			if cb.MaxAnswerBytes == nil {
				cfg.MaxAnswerBytes = srv.Config.MaxAnswerBytes
			}
			c.Config = &cfg
			c.SetBudget, c.Budget = true, cfg.Budget
		case "expires_at":
			c.SetExpiry = true
			if string(v) == "null" {
				continue
			}
			var t time.Time
			if err := decodeBytes(v, &t); err != nil {
				return badRequest("field \"expires_at\" must be an RFC 3339 date-time or null")
			}
			c.ExpiresAt = &t
		default:
			return badRequest("unknown field %q", k)
		}
	}
	if err := a.svc.UpdateServer(r.Context(), acct, srv, c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.serverOut(r.Context(), srv))
	return nil
}

func (a *API) deleteServer(w http.ResponseWriter, r *http.Request) error {
	_, srv, err := a.server(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteServer(r.Context(), srv); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": srv.ID, "deleted": true})
	return nil
}

// toolJSON is a tool as the preview shows it.
type toolJSON struct {
	Name        string          `json:"name"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Resource    string          `json:"resource"`
	Method      string          `json:"method"`
	Tags        []string        `json:"tags"`
	Scopes      []string        `json:"scopes"`
	ReadOnly    bool            `json:"read_only"`
	Destructive bool            `json:"destructive"`
	Credits     bool            `json:"spends_credits"`
	InputSchema json.RawMessage `json:"input_schema"`
	// ScopesGranted is false when the account's known scopes lack one.
	ScopesGranted bool `json:"scopes_granted"`
}

func splitParam(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (a *API) previewTools(w http.ResponseWriter, r *http.Request) error {
	acct, err := a.account(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	selected, err := a.svc.PreviewTools(acct, store.ServerConfig{Methods: splitParam(q.Get("methods")), Tags: splitParam(q.Get("tags"))})
	if err != nil {
		return err
	}
	out := []toolJSON{}
	for _, t := range selected {
		out = append(out, toolJSON{
			Name: t.Name, Title: t.Title, Description: t.Description, Resource: t.Resource, Method: t.Method,
			Tags: t.Tags, Scopes: t.Scopes, ReadOnly: t.Read, Destructive: t.Annotations.DestructiveHint, Credits: t.Credits,
			InputSchema: t.InputSchema, ScopesGranted: ScopesGranted(acct.Scopes, t.Scopes),
		})
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}
