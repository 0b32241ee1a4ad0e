package web

import (
	"errors"
	"net/http"

	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// The OAuth page: the installation's OAuth URL, which MCP servers take
// OAuth (with their per-server URLs), and the grants, each revocable.

type grantRow struct {
	*store.OAuthGrant
	Server string
}

type oauthServerRow struct {
	*store.Server
	Account string
	URL     string
}

type grantsData struct {
	PickerURL string
	Servers   []oauthServerRow
	Grants    []grantRow
}

func (h *Handler) grantsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	d := grantsData{PickerURL: h.opts.OAuth.PickerURL()}
	names := map[string]string{}
	accts, err := h.opts.Store.ListAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accts {
		servers, err := h.svc.Servers(ctx, a)
		if err != nil {
			return err
		}
		for _, srv := range servers {
			names[srv.ID] = srv.Name
			d.Servers = append(d.Servers, oauthServerRow{Server: srv, Account: a.Name, URL: h.opts.OAuth.ServerURL(srv.ID)})
		}
	}
	grants, err := h.opts.OAuth.Grants(ctx, "")
	if err != nil {
		return err
	}
	for _, g := range grants {
		if name, ok := names[g.ServerID]; ok { // grants of gone servers are dead
			d.Grants = append(d.Grants, grantRow{OAuthGrant: g, Server: name})
		}
	}
	h.render(w, r, http.StatusOK, "oauth", &page{Title: "OAuth connections", CSRF: s.csrf, SignedIn: true, Nav: "oauth", Notice: oauthNotices[r.URL.Query().Get("done")], Data: d})
	return nil
}

var oauthNotices = map[string]string{
	"revoked": "Access revoked: that application's tokens stopped working.",
	"on":      "OAuth turned on for the MCP server.",
	"off":     "OAuth turned off for the MCP server: its OAuth tokens stop working.",
}

func (h *Handler) revokeGrant(w http.ResponseWriter, r *http.Request, s *session) error {
	err := h.opts.OAuth.RevokeGrant(r.Context(), r.PathValue("id"), h.approverLabel(r.Context(), s))
	if errors.Is(err, store.ErrNotFound) {
		return &api.Error{Status: http.StatusNotFound, Code: "not_found", Message: "That access was already revoked."}
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/oauth?done=revoked", http.StatusSeeOther)
	return nil
}

// setServerOAuth turns OAuth on or off for one MCP server.
func (h *Handler) setServerOAuth(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	srv, err := h.opts.Store.GetServer(ctx, r.PathValue("sid"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && srv.Expired(h.opts.Now())) {
		return &api.Error{Status: http.StatusNotFound, Code: "not_found", Message: "There is no such MCP server."}
	}
	if err != nil {
		return err
	}
	acct, err := h.svc.Account(ctx, srv.AccountID)
	if err != nil {
		return err
	}
	on := r.PostFormValue("oauth") == "on"
	cfg := srv.Config
	cfg.OAuth = on
	if err := h.svc.UpdateServer(ctx, acct, srv, api.ServerChanges{Config: &cfg}); err != nil {
		return err
	}
	done := "off"
	if on {
		done = "on"
	}
	http.Redirect(w, r, "/ui/oauth?done="+done, http.StatusSeeOther)
	return nil
}
