package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// accountView is an integrated account as the pages show it: never secrets.
type accountView struct {
	*store.Account
	Title       string // the integration's display name
	Servers     int
	AccessKey   bool // connected with an access key or API key (not OAuth)
	NeedsReauth bool
	ScopesKnown bool
	// BudgetText is the account's budget and its use ("" without one);
	// BudgetPerMinute and BudgetPerDay its fields as the form shows them.
	BudgetText, BudgetPerMinute, BudgetPerDay string
	// PaceWait is the longest a paced call waits, in seconds.
	PaceWait int
}

func (h *Handler) accountView(r *http.Request, a *store.Account) (*accountView, error) {
	servers, err := h.svc.Servers(r.Context(), a)
	if err != nil {
		return nil, err
	}
	v := &accountView{Account: a, Title: a.Integration, Servers: len(servers),
		AccessKey: a.Credentials.Type != credentials.TypeOAuth2, NeedsReauth: a.Status == store.StatusNeedsReauth, ScopesKnown: a.Scopes != nil,
		PaceWait: int(a.PaceMaxWait() / time.Second)}
	if set, err := h.svc.ToolSet(a.Integration); err == nil && set.Integration.Title != "" {
		v.Title = set.Integration.Title
	}
	b, err := h.opts.Store.AccountBudget(r.Context(), a.ID)
	if err != nil {
		return nil, err
	}
	v.BudgetText = h.budgetText(r.Context(), quota.AccountScope(a.ID), &b)
	v.BudgetPerMinute, v.BudgetPerDay = budgetField(b.PerMinute), budgetField(b.PerDay)
	return v, nil
}

// budgetText says how much of a budget is used, window by window, e.g.
// "2 of 3 this minute · 40 of 100 today (UTC)"; "" without a budget.
func (h *Handler) budgetText(ctx context.Context, scope string, b *store.Budget) string {
	if b.IsZero() {
		return ""
	}
	usage, err := h.quota.Usage(ctx, scope, b)
	if err != nil {
		h.log.WarnContext(ctx, "web: reading a budget's usage", "scope", scope, "err", err)
	}
	var parts []string
	for _, w := range []struct {
		key, label string
		limit      int
	}{{"minute", "this minute", b.PerMinute}, {"day", "today (UTC)", b.PerDay}} {
		if w.limit <= 0 {
			continue
		}
		used := "?" // usage unreadable: the limit still shows
		if u, ok := usage[w.key]; ok {
			used = strconv.Itoa(u.Used)
		}
		parts = append(parts, fmt.Sprintf("%s of %d %s", used, w.limit, w.label))
	}
	return strings.Join(parts, " · ")
}

type accountsData struct {
	Accounts  []*accountView
	Installed []integration.Info
}

func (h *Handler) accountsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	accts, err := h.opts.Store.ListAccounts(r.Context())
	if err != nil {
		return err
	}
	d := accountsData{Installed: h.opts.Installed}
	for _, a := range accts {
		v, err := h.accountView(r, a)
		if err != nil {
			return err
		}
		d.Accounts = append(d.Accounts, v)
	}
	h.render(w, r, http.StatusOK, "accounts", &page{Title: "Integrated accounts", CSRF: s.csrf, SignedIn: true, Nav: "accounts", Notice: notice(r), Data: d})
	return nil
}

// ---- connect ----

type connectData struct {
	Integration string
	Title       string
	OAuth       bool         // an OAuth app is configured
	Account     *accountView // set when reconnecting
	// KeyType is the key form the integration offers: "access_key" (key
	// and secret), "api_key" (one key) or "" (OAuth only).
	KeyType string
	// Help says where the vendor hands out keys (integration.yaml).
	Help string
	// Form values shown again after an error (never the secret).
	Name, BaseURL, AccessKey string
	DefaultBaseURL           string
}

// keyCredentials reads the key form the integration offers.
func (d *connectData) keyCredentials(r *http.Request) (credentials.Upstream, error) {
	if d.KeyType == integration.CredAPIKey {
		return api.APIKeyCredentials(strings.TrimSpace(r.PostFormValue("api_key")))
	}
	if d.KeyType == "" {
		return credentials.Upstream{}, &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: d.Title + " accounts connect with OAuth only"}
	}
	return api.AccessKeyCredentials(d.AccessKey, strings.TrimSpace(r.PostFormValue("access_key_secret")))
}

func (h *Handler) connectData(r *http.Request, name string) (*connectData, error) {
	set, err := h.svc.ToolSet(name)
	if err != nil {
		return nil, &api.Error{Status: http.StatusNotFound, Code: "not_found", Message: "There is no integration called " + name + "."}
	}
	in := set.Integration
	d := &connectData{Integration: name, Title: in.Title, OAuth: h.opts.Connect != nil && h.opts.Connect.Configured(name),
		DefaultBaseURL: in.BaseURL.Default, Help: in.CredentialHelp}
	for _, typ := range []string{integration.CredAccessKey, integration.CredAPIKey} {
		if d.KeyType == "" && in.Offers(typ) {
			d.KeyType = typ
		}
	}
	if d.Title == "" {
		d.Title = name
	}
	return d, nil
}

func (h *Handler) connectPage(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := h.connectData(r, r.PathValue("integration"))
	if err != nil {
		return err
	}
	d.Name, d.BaseURL = d.Title, d.DefaultBaseURL
	h.render(w, r, http.StatusOK, "connect", &page{Title: "Connect " + d.Title, CSRF: s.csrf, SignedIn: true, Nav: "accounts", Data: d})
	return nil
}

func (h *Handler) connect(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := h.connectData(r, r.PathValue("integration"))
	if err != nil {
		return err
	}
	d.Name, d.BaseURL, d.AccessKey = r.PostFormValue("name"), strings.TrimSpace(r.PostFormValue("base_url")), strings.TrimSpace(r.PostFormValue("access_key"))
	fail := func(err error) error {
		ae, ok := err.(*api.Error)
		if !ok {
			return err
		}
		h.render(w, r, ae.Status, "connect", &page{Title: "Connect " + d.Title, CSRF: s.csrf, SignedIn: true, Nav: "accounts", Error: formMessage(ae), Data: d})
		return nil
	}
	creds, err := d.keyCredentials(r)
	if err != nil {
		return fail(err)
	}
	acct, err := h.svc.CreateAccount(r.Context(), api.NewAccount{Integration: d.Integration, Name: strings.TrimSpace(d.Name), BaseURL: d.BaseURL, Credentials: creds})
	if err != nil {
		return fail(err)
	}
	http.Redirect(w, r, "/ui/accounts/"+acct.ID+"/servers?done=connected", http.StatusSeeOther)
	return nil
}

// formMessage words an API validation message for a form: field names as
// the form labels them.
func formMessage(e *api.Error) string {
	m := e.Message
	for from, to := range map[string]string{
		"credentials.access_key and credentials.access_key_secret are required": "Both the access key and the access key secret are required",
		"config.methods": "methods",
		"config.tags":    "tags",
		"expires_at":     "the expiry",
		"base_url: ":     "API base URL: ",
		"name is":        "Name is",
		"name must":      "Name must",
	} {
		m = strings.ReplaceAll(m, from, to)
	}
	if m != "" && !strings.HasSuffix(m, ".") {
		m += "."
	}
	return upperFirst(m)
}

// ---- reconnect ----

func (h *Handler) account(r *http.Request) (*store.Account, error) {
	return h.svc.Account(r.Context(), r.PathValue("id"))
}

// viewedAccount is the page's account and its view.
func (h *Handler) viewedAccount(r *http.Request) (*store.Account, *accountView, error) {
	a, err := h.account(r)
	if err != nil {
		return nil, nil, err
	}
	v, err := h.accountView(r, a)
	return a, v, err
}

// reconnectData is what both reconnect handlers start from.
func (h *Handler) reconnectData(r *http.Request) (*store.Account, *connectData, error) {
	a, v, err := h.viewedAccount(r)
	if err != nil {
		return nil, nil, err
	}
	d, err := h.connectData(r, a.Integration)
	if err != nil {
		return nil, nil, err
	}
	d.Account = v
	return a, d, nil
}

func (h *Handler) reconnectPage(w http.ResponseWriter, r *http.Request, s *session) error {
	a, d, err := h.reconnectData(r)
	if err != nil {
		return err
	}
	d.BaseURL = a.BaseURL
	h.render(w, r, http.StatusOK, "reconnect", &page{Title: "Reconnect " + a.Name, CSRF: s.csrf, SignedIn: true, Nav: "accounts", Data: d})
	return nil
}

func (h *Handler) reconnect(w http.ResponseWriter, r *http.Request, s *session) error {
	a, d, err := h.reconnectData(r)
	if err != nil {
		return err
	}
	d.BaseURL, d.AccessKey = strings.TrimSpace(r.PostFormValue("base_url")), strings.TrimSpace(r.PostFormValue("access_key"))
	creds, err := d.keyCredentials(r)
	if err == nil {
		c := api.AccountChanges{Credentials: &creds}
		if d.BaseURL != "" && d.BaseURL != a.BaseURL {
			c.BaseURL = &d.BaseURL
		}
		err = h.svc.UpdateAccount(r.Context(), a, c)
	}
	if err != nil {
		ae, ok := err.(*api.Error)
		if !ok {
			return err
		}
		h.render(w, r, ae.Status, "reconnect", &page{Title: "Reconnect " + a.Name, CSRF: s.csrf, SignedIn: true, Nav: "accounts", Error: formMessage(ae), Data: d})
		return nil
	}
	http.Redirect(w, r, "/ui/accounts/"+a.ID+"/servers?done=reconnected", http.StatusSeeOther)
	return nil
}

// ---- delete ----

type deleteData struct {
	Account *accountView
	Servers []*store.Server
}

func (h *Handler) deleteAccountPage(w http.ResponseWriter, r *http.Request, s *session) error {
	a, v, err := h.viewedAccount(r)
	if err != nil {
		return err
	}
	servers, err := h.svc.Servers(r.Context(), a)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "delete", &page{Title: "Delete " + a.Name, CSRF: s.csrf, SignedIn: true, Nav: "accounts", Data: deleteData{Account: v, Servers: servers}})
	return nil
}

func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request, s *session) error {
	if _, err := h.svc.DeleteAccount(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/accounts?done=deleted", http.StatusSeeOther)
	return nil
}

func (h *Handler) accountHome(w http.ResponseWriter, r *http.Request, s *session) error {
	if _, err := h.account(r); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/accounts/"+r.PathValue("id")+"/servers", http.StatusSeeOther)
	return nil
}

// ---- OAuth ----

// startOAuth begins an OAuth connect (or reconnect: the flow finds the
// upstream company's existing account) and sends the browser to the
// vendor's consent page. The callback lands on oauthDone.
func (h *Handler) startOAuth(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := h.connectData(r, r.PathValue("integration"))
	if err != nil {
		return err
	}
	if !d.OAuth {
		return &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "No OAuth app is configured for " + d.Title + "; connect with an access key."}
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if len(name) > 200 {
		name = name[:200]
	}
	authURL, err := h.opts.Connect.Start(r.Context(), r, connect.StartRequest{Integration: d.Integration, Name: name, ReturnTo: "/ui/connect/" + d.Integration + "/done"})
	if err != nil {
		return &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: upperFirst(err.Error()) + "."}
	}
	http.Redirect(w, r, authURL, http.StatusSeeOther)
	return nil
}

// oauthDone is where the OAuth callback returns: to the new account, or
// to the connect page with what went wrong.
func (h *Handler) oauthDone(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	if id := q.Get("connected"); id != "" {
		a, err := h.svc.Account(r.Context(), id)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/ui/accounts/"+a.ID+"/servers?done=connected", http.StatusSeeOther)
		return nil
	}
	d, err := h.connectData(r, r.PathValue("integration"))
	if err != nil {
		return err
	}
	// connect_error is a code; only Patchbay's own text for it is shown,
	// whatever a crafted link puts there.
	msg, ok := connect.ErrorText[q.Get("connect_error")]
	if !ok {
		msg = connect.ErrorText["failed"]
	}
	d.Name, d.BaseURL = d.Title, d.DefaultBaseURL
	h.render(w, r, http.StatusOK, "connect", &page{Title: "Connect " + d.Title, CSRF: s.csrf, SignedIn: true, Nav: "accounts",
		Error: "The OAuth connection failed: " + msg + ".", Data: d})
	return nil
}
