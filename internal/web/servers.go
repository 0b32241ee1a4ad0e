package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// methodClasses are the method filter's named classes, offered as
// checkboxes; anything else is typed in as an exact method or tool name.
var methodClasses = []struct{ Value, Label, Hint string }{
	{"read", "Read", "list, get, and read-only methods"},
	{"write", "Write", "create, update, delete and other methods that change data"},
	{"custom", "Custom", "every method other than list/get/create/update/delete"},
}

// expiryChoices are the offered lifetimes of a new MCP server.
var expiryChoices = []struct {
	Value, Label string
	D            time.Duration
}{
	{"never", "Never", 0},
	{"1h", "In 1 hour", time.Hour},
	{"24h", "In 1 day", 24 * time.Hour},
	{"168h", "In 7 days", 7 * 24 * time.Hour},
	{"720h", "In 30 days", 30 * 24 * time.Hour},
	{"2160h", "In 90 days", 90 * 24 * time.Hour},
	{"custom", "On a date (below)", 0},
}

// serverForm is the create/edit form's state.
type serverForm struct {
	Name            string
	Methods         []string // the checked classes
	Extra           string   // exact methods or tool names, comma-separated
	Tags            []string
	RequireAPIToken bool
	HideMissing     bool
	SearchFetch     bool
	NoCredits       bool   // leave out the tools that spend vendor credits
	Expires         string // an expiryChoices value, or "keep" when editing
	ExpiresAt       string // datetime-local text, UTC
	// Budget: calls per minute and per UTC day, as typed ("" or 0: no cap).
	PerMinute, PerDay string
	// MaxAnswerBytes is the answer budget as typed ("": the default).
	MaxAnswerBytes string
	// Discovery lists three meta-tools instead of every tool
	// (config.tool_exposure "discovery").
	Discovery bool
}

func (f *serverForm) config() (store.ServerConfig, error) {
	methods := append([]string(nil), f.Methods...)
	for _, m := range strings.Split(f.Extra, ",") {
		if m = strings.TrimSpace(m); m != "" {
			methods = append(methods, m)
		}
	}
	cfg, err := api.ServerConfig(methods, f.Tags, f.RequireAPIToken, f.HideMissing)
	cfg.SearchFetch, cfg.NoCredits = f.SearchFetch, f.NoCredits
	if f.Discovery {
		cfg.ToolExposure = store.ToolExposureDiscovery
	}
	if err != nil {
		return cfg, err
	}
	if cfg.Budget, err = f.budget(); err != nil {
		return cfg, err
	}
	cfg.MaxAnswerBytes, err = f.answerBudget()
	return cfg, err
}

// answerBudget reads the answer budget field ("": the default).
func (f *serverForm) answerBudget() (int, error) {
	v := strings.TrimSpace(f.MaxAnswerBytes)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf("The answer budget must be a whole number of bytes from %d to %d.", store.MinMaxAnswerBytes, store.MaxMaxAnswerBytes)}
	}
	return api.CheckAnswerBudget(n)
}

// budget reads the budget fields: nil when neither caps anything.
func (f *serverForm) budget() (*store.Budget, error) { return parseBudget(f.PerMinute, f.PerDay) }

// parseBudget reads a budget's two fields as typed ("" or 0: no cap in
// that window); nil when neither caps anything.
func parseBudget(perMinute, perDay string) (*store.Budget, error) {
	var b store.Budget
	for _, field := range []struct {
		text string
		into *int
	}{{perMinute, &b.PerMinute}, {perDay, &b.PerDay}} {
		if t := strings.TrimSpace(field.text); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil || quota.Check(&store.Budget{PerDay: n}) != nil {
				return nil, &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf("A budget is a whole number of calls from 0 (no cap) to %d.", quota.MaxBudget)}
			}
			*field.into = n
		}
	}
	if b.IsZero() {
		return nil, nil
	}
	return &b, nil
}

// setAccountBudget saves the budget shared by all of an account's servers.
func (h *Handler) setAccountBudget(w http.ResponseWriter, r *http.Request, s *session) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	b, err := parseBudget(r.PostFormValue("budget_per_minute"), r.PostFormValue("budget_per_day"))
	var ae *api.Error
	if errors.As(err, &ae) {
		return h.refuseAccountForm(w, r, s, a, ae, func(d *serversData) { d.BudgetRefused = true })
	}
	if b == nil {
		b = &store.Budget{} // removes it
	}
	if err := h.opts.Store.SetAccountBudget(r.Context(), a.ID, *b); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/accounts/"+a.ID+"/servers?done=budget", http.StatusSeeOther)
	return nil
}

// refuseAccountForm shows the servers page again with an account form's
// refusal, that form opened (by open) for the fix.
func (h *Handler) refuseAccountForm(w http.ResponseWriter, r *http.Request, s *session, a *store.Account, ae *api.Error, open func(*serversData)) error {
	d, err := h.serversData(r, a, newServerForm())
	if err != nil {
		return err
	}
	open(d)
	h.render(w, r, ae.Status, "servers", &page{Title: a.Name + ": MCP servers", CSRF: s.csrf, SignedIn: true, Nav: "accounts", Error: formMessage(ae), Data: d})
	return nil
}

// setAccountPace saves the account's pacing of plain tool calls, through
// the admin API's service (the same validation as PATCH).
func (h *Handler) setAccountPace(w http.ResponseWriter, r *http.Request, s *session) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	on := r.PostFormValue("pace") == "on"
	p := api.Pace{On: &on}
	if t := strings.TrimSpace(r.PostFormValue("pace_max_wait_seconds")); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			n = -1 // refused below, with the service's message
		}
		p.MaxWaitSeconds = &n
	}
	err = h.svc.UpdateAccount(r.Context(), a, api.AccountChanges{Pace: p})
	var ae *api.Error
	if errors.As(err, &ae) {
		return h.refuseAccountForm(w, r, s, a, ae, func(d *serversData) { d.PaceRefused = true })
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/accounts/"+a.ID+"/servers?done=pace", http.StatusSeeOther)
	return nil
}

// expiry reads the expiry choice: set=false keeps the current one.
func (f *serverForm) expiry(now time.Time) (t *time.Time, set bool, err error) {
	switch f.Expires {
	case "keep":
		return nil, false, nil
	case "", "never":
		return nil, true, nil
	case "custom":
		v, err := time.ParseInLocation("2006-01-02T15:04", f.ExpiresAt, time.UTC)
		if err != nil {
			return nil, true, &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "Pick the expiry date and time (UTC)."}
		}
		return &v, true, nil
	}
	for _, c := range expiryChoices {
		if c.Value == f.Expires && c.D > 0 {
			v := now.Add(c.D)
			return &v, true, nil
		}
	}
	return nil, true, &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "Pick an expiry from the list."}
}

func readServerForm(r *http.Request) *serverForm {
	_ = r.ParseForm()
	f := &serverForm{
		Name:            strings.TrimSpace(r.Form.Get("name")),
		Extra:           r.Form.Get("methods_extra"),
		Tags:            r.Form["tags"],
		RequireAPIToken: r.Form.Get("require_api_token_auth") != "",
		HideMissing:     r.Form.Get("hide_tools_missing_scopes") != "",
		SearchFetch:     r.Form.Get("search_fetch") != "",
		NoCredits:       r.Form.Get("no_credits") != "",
		Expires:         r.Form.Get("expires"),
		ExpiresAt:       r.Form.Get("expires_at"),
		PerMinute:       r.Form.Get("budget_per_minute"),
		PerDay:          r.Form.Get("budget_per_day"),
		MaxAnswerBytes:  r.Form.Get("max_answer_bytes"),
	}
	f.Discovery = r.Form.Get("tool_exposure") == store.ToolExposureDiscovery
	for _, m := range r.Form["methods"] {
		for _, c := range methodClasses {
			if m == c.Value {
				f.Methods = append(f.Methods, m)
			}
		}
	}
	return f
}

func formFromServer(s *store.Server) *serverForm {
	f := &serverForm{Name: s.Name, Tags: s.Config.Tags, RequireAPIToken: s.Config.RequireAPITokenAuth, HideMissing: s.Config.HideToolsMissingScopes, SearchFetch: s.Config.SearchFetch, NoCredits: s.Config.NoCredits, Expires: "keep", MaxAnswerBytes: strconv.Itoa(s.Config.AnswerBudget())}
	var extra []string
	for _, m := range s.Config.Methods {
		class := false
		for _, c := range methodClasses {
			if m == c.Value {
				f.Methods, class = append(f.Methods, m), true
			}
		}
		if !class {
			extra = append(extra, m)
		}
	}
	f.Extra = strings.Join(extra, ", ")
	f.Discovery = s.Config.Discovery()
	if b := s.Config.Budget; !b.IsZero() {
		f.PerMinute, f.PerDay = budgetField(b.PerMinute), budgetField(b.PerDay)
	}
	return f
}

func budgetField(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// preview is the live answer to a form: the tools it exposes and what
// they cost a model to read.
type preview struct {
	Tools  []*tools.Tool
	Bytes  int
	Tokens int // bytes/4 of the tools/list answer: the usual rough estimate
	Error  string
	// SearchFetch: the search and fetch tools come on top.
	SearchFetch bool
	// Discovery: tools/list shows the three meta-tools (Bytes, Tokens)
	// instead of Tools, which would cost FullTokens.
	Discovery  bool
	FullTokens int
}

func (h *Handler) previewOf(a *store.Account, f *serverForm) *preview {
	cfg, err := f.config()
	if err != nil {
		return &preview{Error: formMessage(err.(*api.Error))}
	}
	selected, err := h.svc.PreviewTools(a, cfg)
	if err != nil {
		return &preview{Error: err.Error()}
	}
	list := make([]*sdk.Tool, 0, len(selected))
	for _, t := range selected {
		list = append(list, mcp.SDKTool(t))
	}
	b, err := json.Marshal(&sdk.ListToolsResult{Tools: list})
	if err != nil {
		return &preview{Error: err.Error()}
	}
	p := &preview{Tools: selected, Bytes: len(b), Tokens: len(b) / 4, SearchFetch: cfg.SearchFetch}
	if cfg.Discovery() && len(list) > 0 {
		// What the client pays for is the meta-tools' list.
		set, err := h.svc.ToolSet(a.Integration)
		if err != nil {
			return &preview{Error: err.Error()}
		}
		meta, err := json.Marshal(&sdk.ListToolsResult{Tools: mcp.DiscoveryTools(set, list)})
		if err != nil {
			return &preview{Error: err.Error()}
		}
		p.Discovery, p.FullTokens, p.Bytes, p.Tokens = true, p.Tokens, len(meta), len(meta)/4
	}
	if len(selected) == 0 {
		p.Error = "This choice exposes no tool. Allow more methods or tags."
	}
	return p
}

// serverRow is an MCP server in the list.
type serverRow struct {
	*store.Server
	LastUsed *time.Time
	// BudgetText is the server's budget and its use ("" without one).
	BudgetText string
}

type serversData struct {
	Account  *accountView
	Tab      string
	Servers  []serverRow
	Form     *serverForm
	Preview  *preview
	Classes  any
	Expiries any
	Tags     []string
	// Created is the server just minted, with its URL: shown once.
	Created    *store.Server
	CreatedURL string
	Editing    *store.Server
	// BudgetRefused opens the account budget form, whose input was refused.
	BudgetRefused bool
	// PaceRefused opens the account pace form, whose input was refused.
	PaceRefused bool
}

func (h *Handler) tagsOf(a *store.Account) []string {
	set, err := h.svc.ToolSet(a.Integration)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, t := range set.Tools {
		for _, tag := range t.Tags {
			seen[tag] = true
		}
	}
	return sortedKeys(seen)
}

func (h *Handler) serversData(r *http.Request, a *store.Account, f *serverForm) (*serversData, error) {
	v, err := h.accountView(r, a)
	if err != nil {
		return nil, err
	}
	servers, err := h.svc.Servers(r.Context(), a)
	if err != nil {
		return nil, err
	}
	d := &serversData{Account: v, Tab: "servers", Form: f, Preview: h.previewOf(a, f), Classes: methodClasses, Expiries: expiryChoices, Tags: h.tagsOf(a)}
	for _, s := range servers {
		row := serverRow{Server: s, BudgetText: h.budgetText(r.Context(), quota.ServerScope(s.ID), s.Config.Budget)}
		last, err := h.opts.Store.ListLogs(r.Context(), store.LogFilter{ServerID: s.ID, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(last) > 0 {
			row.LastUsed = &last[0].Time
		}
		d.Servers = append(d.Servers, row)
	}
	return d, nil
}

// newServerForm is the create form's starting point: read-only, the safe
// choice for a first server.
func newServerForm() *serverForm {
	return &serverForm{Methods: []string{"read"}, Expires: "never"}
}

func (h *Handler) serversPage(w http.ResponseWriter, r *http.Request, s *session) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	d, err := h.serversData(r, a, newServerForm())
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "servers", &page{Title: a.Name + ": MCP servers", CSRF: s.csrf, SignedIn: true, Nav: "accounts", Notice: notice(r), Data: d})
	return nil
}

func (h *Handler) createServer(w http.ResponseWriter, r *http.Request, s *session) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	f := readServerForm(r)
	srv, token, err := h.mint(r, a, f)
	var ae *api.Error
	if err != nil && !errors.As(err, &ae) {
		return err
	}
	if err != nil {
		d, derr := h.serversData(r, a, f)
		if derr != nil {
			return derr
		}
		h.render(w, r, ae.Status, "servers", &page{Title: a.Name + ": MCP servers", CSRF: s.csrf, SignedIn: true, Nav: "accounts", Error: formMessage(ae), Data: d})
		return nil
	}
	// The URL is rendered into this one answer (not a redirect, which
	// would need it in a URL or a cookie) and never again.
	d, err := h.serversData(r, a, newServerForm())
	if err != nil {
		return err
	}
	d.Created, d.CreatedURL = srv, h.svc.ServerURL(r, token)
	h.render(w, r, http.StatusCreated, "servers", &page{Title: a.Name + ": MCP server created", CSRF: s.csrf, SignedIn: true, Nav: "accounts", Data: d})
	return nil
}

func (h *Handler) mint(r *http.Request, a *store.Account, f *serverForm) (*store.Server, string, error) {
	cfg, err := f.config()
	if err != nil {
		return nil, "", err
	}
	exp, _, err := f.expiry(h.opts.Now())
	if err != nil {
		return nil, "", err
	}
	return h.svc.CreateServer(r.Context(), a, api.NewServer{Name: f.Name, Config: cfg, ExpiresAt: exp})
}

// preview answers the create and edit forms' live preview (htmx).
func (h *Handler) preview(w http.ResponseWriter, r *http.Request, s *session) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	h.renderFragment(w, r, "servers", "preview", h.previewOf(a, readServerForm(r)))
	return nil
}

func (h *Handler) editServerPage(w http.ResponseWriter, r *http.Request, s *session) error {
	a, srv, err := h.accountServer(r)
	if err != nil {
		return err
	}
	d, err := h.serversData(r, a, formFromServer(srv))
	if err != nil {
		return err
	}
	d.Editing = srv
	h.render(w, r, http.StatusOK, "edit", &page{Title: "Edit " + srv.Name, CSRF: s.csrf, SignedIn: true, Nav: "accounts", Data: d})
	return nil
}

func (h *Handler) editServer(w http.ResponseWriter, r *http.Request, s *session) error {
	a, srv, err := h.accountServer(r)
	if err != nil {
		return err
	}
	f := readServerForm(r)
	err = func() error {
		cfg, err := f.config()
		if err != nil {
			return err
		}
		exp, set, err := f.expiry(h.opts.Now())
		if err != nil {
			return err
		}
		// Start from the stored config: what the form does not show (OAuth
		// access, …) stays as it is.
		merged := srv.Config
		merged.Methods, merged.Tags = cfg.Methods, cfg.Tags
		merged.ToolExposure = cfg.ToolExposure
		merged.RequireAPITokenAuth, merged.HideToolsMissingScopes, merged.SearchFetch = cfg.RequireAPITokenAuth, cfg.HideToolsMissingScopes, cfg.SearchFetch
		merged.NoCredits = cfg.NoCredits
		merged.MaxAnswerBytes = cfg.MaxAnswerBytes
		return h.svc.UpdateServer(r.Context(), a, srv, api.ServerChanges{Name: &f.Name, Config: &merged, SetExpiry: set, ExpiresAt: exp, SetBudget: true, Budget: cfg.Budget})
	}()
	var ae *api.Error
	if errors.As(err, &ae) {
		d, derr := h.serversData(r, a, f)
		if derr != nil {
			return derr
		}
		d.Editing = srv
		h.render(w, r, ae.Status, "edit", &page{Title: "Edit " + srv.Name, CSRF: s.csrf, SignedIn: true, Nav: "accounts", Error: formMessage(ae), Data: d})
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/accounts/"+a.ID+"/servers?done=saved", http.StatusSeeOther)
	return nil
}

func (h *Handler) revokeServer(w http.ResponseWriter, r *http.Request, s *session) error {
	a, srv, err := h.accountServer(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteServer(r.Context(), srv); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/accounts/"+a.ID+"/servers?done=revoked", http.StatusSeeOther)
	return nil
}

// accountServer finds the page's account and its MCP server {sid}; a
// server of another account is not found.
func (h *Handler) accountServer(r *http.Request) (*store.Account, *store.Server, error) {
	a, err := h.account(r)
	if err != nil {
		return nil, nil, err
	}
	srv, err := h.svc.Server(r.Context(), a, r.PathValue("sid"))
	return a, srv, err
}
