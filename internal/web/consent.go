package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// The OAuth consent page: /oauth/authorize checks a request and sends the
// browser here with the request's parameters; a signed-out user signs in
// first (authed redirects with next=). The page needs the session cookie,
// so it lives under /ui/ and the cookie's path stays /ui/. It carries the
// dashboard's protections: a CSRF token on the form, and
// X-Frame-Options/frame-ancestors against clickjacking (ServeHTTP).

// CredentialLive reports whether the dashboard credential a session was
// opened with (its Via) still exists: the API token, or the current admin
// password. OAuth grants approved in that session die with it.
func CredentialLive(st store.Store) func(ctx context.Context, via string) (bool, error) {
	return func(ctx context.Context, via string) (bool, error) {
		var err error
		switch {
		case strings.HasPrefix(via, viaAPIToken):
			_, err = st.APITokenByHash(ctx, strings.TrimPrefix(via, viaAPIToken))
		case strings.HasPrefix(via, viaPassword):
			var hash string
			if hash, err = st.GetSetting(ctx, passwordKey); err == nil && via != viaPassword+passwordGeneration(hash) {
				return false, nil
			}
		default:
			return false, nil
		}
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
}

// approverLabel names a session's credential for people.
func (h *Handler) approverLabel(ctx context.Context, s *session) string {
	if s.viaPassword {
		return "the admin password"
	}
	if t, err := h.opts.Store.APITokenByHash(ctx, strings.TrimPrefix(s.row.Via, viaAPIToken)); err == nil {
		return "API token “" + t.Name + "”"
	}
	return "an API token"
}

func (h *Handler) oauthRoutes() {
	if h.opts.OAuth == nil {
		return
	}
	m := h.mux
	m.Handle("GET /ui/oauth/consent", h.authed(h.consentPage))
	m.Handle("POST /ui/oauth/consent", h.authed(h.consentSubmit))
	m.Handle("GET /ui/oauth", h.authed(h.grantsPage))
	m.Handle("POST /ui/oauth/grants/{id}/revoke", h.authed(h.revokeGrant))
	m.Handle("POST /ui/oauth/servers/{sid}", h.authed(h.setServerOAuth))
}

// consentServer is an MCP server as the consent page shows it.
type consentServer struct {
	*store.Server
	Account string
	Tools   int
}

type consentData struct {
	Client       *oauth.Client
	ClientKind   string // how the client is known
	ClientHost   string // a metadata document's host
	RedirectHost string
	Loopback     bool // the redirect goes to this computer
	Resource     *oauth.Resource
	Fixed        *consentServer   // per-server and token URLs
	Choices      []*consentServer // the picker: OAuth servers to choose from
	Accounts     []*store.Account // the picker: for a new server
	Params       []param
	Form         *serverForm
	Classes      any
	Expiries     any
	Tags         []string
	Choice       string
}

type param struct{ Name, Value string }

func (h *Handler) authRequest(r *http.Request, q url.Values) (*oauth.AuthRequest, error) {
	return h.opts.OAuth.ParseAuthorize(oauth.WithSource(r.Context(), h.clientKey(r)), q)
}

// refuse shows a request that cannot go back to its client, or sends it
// back with the error.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) error {
	ae, ok := oauth.PageError(err)
	if !ok {
		return err
	}
	if ae.Redirect {
		http.Redirect(w, r, h.opts.OAuth.RedirectURL(ae), http.StatusFound)
		return nil
	}
	return &api.Error{Status: http.StatusBadRequest, Code: ae.Code, Message: "This authorization request was refused: " + ae.Description + ". Nothing was sent back to the application."}
}

func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request, s *session) error {
	req, err := h.authRequest(r, r.URL.Query())
	if err != nil {
		return h.refuse(w, r, err)
	}
	d, err := h.consentData(r, req, &serverForm{Methods: []string{"read"}, Expires: "never"}, "")
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "consent", &page{Title: "Allow " + clientTitle(req.Client) + "?", CSRF: s.csrf, SignedIn: true, Data: d})
	return nil
}

func clientTitle(c *oauth.Client) string {
	if c.Name != "" {
		return c.Name
	}
	return "this application"
}

func (h *Handler) consentData(r *http.Request, req *oauth.AuthRequest, f *serverForm, choice string) (*consentData, error) {
	ctx := r.Context()
	d := &consentData{Client: req.Client, Resource: req.Resource, Form: f, Classes: methodClasses, Expiries: expiryChoices, Choice: choice}
	switch req.Client.Kind {
	case store.OAuthClientMetadata:
		d.ClientKind = "identified by a metadata document"
		if u, err := url.Parse(req.Client.ID); err == nil {
			d.ClientHost = u.Hostname()
		}
	case store.OAuthClientStatic:
		d.ClientKind = "registered by an admin"
	default:
		d.ClientKind = "registered itself"
	}
	if u, err := url.Parse(req.RedirectURI); err == nil {
		d.RedirectHost = u.Host
		d.Loopback = u.Scheme == "http"
	}
	for _, name := range []string{"response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "resource", "scope"} {
		for _, v := range req.Params[name] {
			d.Params = append(d.Params, param{name, v})
		}
	}
	view := func(srv *store.Server) (*consentServer, error) {
		acct, err := h.opts.Store.GetAccount(ctx, srv.AccountID)
		if err != nil {
			return nil, err
		}
		cs := &consentServer{Server: srv, Account: acct.Name}
		if tools, err := h.svc.PreviewTools(acct, srv.Config); err == nil {
			cs.Tools = len(tools)
		}
		return cs, nil
	}
	if req.Resource.Server != nil {
		cs, err := view(req.Resource.Server)
		if err != nil {
			return nil, err
		}
		d.Fixed = cs
		return d, nil
	}
	accts, err := h.opts.Store.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	d.Accounts = accts
	seen := map[string]bool{}
	for _, a := range accts {
		servers, err := h.svc.Servers(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, srv := range servers {
			if srv.Config.OAuth {
				cs, err := view(srv)
				if err != nil {
					return nil, err
				}
				d.Choices = append(d.Choices, cs)
			}
		}
		if set, err := h.svc.ToolSet(a.Integration); err == nil {
			for _, t := range set.Tools {
				for _, tag := range t.Tags {
					seen[tag] = true
				}
			}
		}
	}
	d.Tags = sortedKeys(seen)
	if d.Choice == "" {
		d.Choice = "new"
		if len(d.Choices) > 0 {
			d.Choice = d.Choices[0].ID
		}
	}
	return d, nil
}

func (h *Handler) consentSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := url.Values{}
	for k, v := range r.PostForm {
		if k != csrfField && k != "decision" && !strings.HasPrefix(k, "new_") && k != "server" {
			q[k] = v
		}
	}
	req, err := h.authRequest(r, q)
	if err != nil {
		return h.refuse(w, r, err)
	}
	if r.PostFormValue("decision") != "approve" {
		http.Redirect(w, r, h.opts.OAuth.Deny(req), http.StatusFound)
		return nil
	}
	approval := oauth.Approval{Via: s.row.Via, By: h.approverLabel(ctx, s)}
	if req.Resource.Server == nil {
		choice := r.PostFormValue("server")
		f := &serverForm{
			Name: strings.TrimSpace(r.PostFormValue("new_name")), Tags: r.PostForm["new_tags"],
			Extra: r.PostFormValue("new_methods_extra"), Expires: r.PostFormValue("new_expires"), ExpiresAt: r.PostFormValue("new_expires_at"),
		}
		for _, m := range r.PostForm["new_methods"] {
			for _, c := range methodClasses {
				if m == c.Value {
					f.Methods = append(f.Methods, m)
				}
			}
		}
		srvID, err := h.pickServer(r, choice, f, req)
		var ae *api.Error
		if errors.As(err, &ae) {
			d, derr := h.consentData(r, req, f, choice)
			if derr != nil {
				return derr
			}
			h.render(w, r, ae.Status, "consent", &page{Title: "Allow " + clientTitle(req.Client) + "?", CSRF: s.csrf, SignedIn: true, Error: formMessage(ae), Data: d})
			return nil
		}
		if err != nil {
			return err
		}
		approval.ServerID = srvID
	}
	to, err := h.opts.OAuth.Approve(ctx, req, approval)
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// pickServer is the picker's choice: an existing server with OAuth on, or
// a new one made from the form (with OAuth on), validated like any other.
func (h *Handler) pickServer(r *http.Request, choice string, f *serverForm, req *oauth.AuthRequest) (string, error) {
	ctx := r.Context()
	if choice != "new" {
		srv, err := h.opts.Store.GetServer(ctx, choice)
		if err != nil || !srv.Config.OAuth || srv.Expired(h.opts.Now()) {
			return "", &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "Choose one of the MCP servers listed, or create a new one."}
		}
		return srv.ID, nil
	}
	acct, err := h.svc.Account(ctx, r.PostFormValue("new_account"))
	if err != nil {
		var ae *api.Error
		if errors.As(err, &ae) {
			return "", &api.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "Choose the integrated account of the new MCP server."}
		}
		return "", err
	}
	if f.Name == "" {
		f.Name = clientTitle(req.Client) + " via OAuth"
	}
	cfg, err := f.config()
	if err != nil {
		return "", err
	}
	cfg.OAuth = true
	exp, _, err := f.expiry(h.opts.Now())
	if err != nil {
		return "", err
	}
	// The new server's token URL is never shown: it is reached through
	// OAuth only (its per-server URL or this picker).
	srv, _, err := h.svc.CreateServer(ctx, acct, api.NewServer{Name: f.Name, Config: cfg, ExpiresAt: exp})
	if err != nil {
		return "", err
	}
	h.log.InfoContext(r.Context(), "web: MCP server created at OAuth consent", "server_id", srv.ID, "client_id", req.Client.ID)
	return srv.ID, nil
}

// APITokenVia is how a session opened with an API token names it (and an
// OAuth grant approved in it): for the demo's auto-approve.
func APITokenVia(token string) string { return viaAPIToken + credentials.HashToken(token) }
