package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// OAuth administration: the grants MCP clients hold (listed per server or
// all, revocable), and static clients for MCP clients that ask the user
// for a client id instead of registering themselves.

func (a *API) oauthRoutes(h func(string, func(w http.ResponseWriter, r *http.Request) error)) {
	if a.opts.OAuth == nil {
		return
	}
	h("GET /oauth-grants", a.listGrants)
	h("DELETE /oauth-grants/{grantId}", a.revokeGrant)
	h("GET /integrated-account/{id}/mcp/{mcpId}/oauth-grants", a.listServerGrants)
	h("POST /oauth-clients", a.createStaticClient)
	h("GET /oauth-clients", a.listStaticClients)
	h("DELETE /oauth-clients/{clientId}", a.deleteStaticClient)
}

type grantJSON struct {
	ID         string `json:"id"`
	ClientID   string `json:"client_id"`
	ClientName string `json:"client_name"`
	ServerID   string `json:"mcp_server_id"`
	Resource   string `json:"resource"`
	Scope      string `json:"scope"`
	ApprovedBy string `json:"approved_by"`
	CreatedAt  string `json:"created_at"`
	LastUsedAt string `json:"last_used_at"`
	ExpiresAt  string `json:"expires_at"`
}

func toGrantJSON(g *store.OAuthGrant) grantJSON {
	return grantJSON{ID: g.ID, ClientID: g.ClientID, ClientName: g.ClientName, ServerID: g.ServerID, Resource: g.Resource, Scope: g.Scope,
		ApprovedBy: g.ApprovedBy, CreatedAt: g.CreatedAt.Format(time.RFC3339), LastUsedAt: g.LastUsedAt.Format(time.RFC3339), ExpiresAt: g.ExpiresAt.Format(time.RFC3339)}
}

func (a *API) writeGrants(w http.ResponseWriter, r *http.Request, serverID string) error {
	grants, err := a.opts.OAuth.Grants(r.Context(), serverID)
	if err != nil {
		return err
	}
	out := make([]grantJSON, 0, len(grants))
	for _, g := range grants {
		if serverID == "" {
			// Grants whose server is gone are dead (and swept soon).
			if _, err := a.opts.Store.GetServer(r.Context(), g.ServerID); errors.Is(err, store.ErrNotFound) {
				continue
			}
		}
		out = append(out, toGrantJSON(g))
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}

func (a *API) listGrants(w http.ResponseWriter, r *http.Request) error {
	return a.writeGrants(w, r, r.URL.Query().Get("mcp_server_id"))
}

func (a *API) listServerGrants(w http.ResponseWriter, r *http.Request) error {
	_, srv, err := a.server(r)
	if err != nil {
		return err
	}
	return a.writeGrants(w, r, srv.ID)
}

func (a *API) revokeGrant(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("grantId")
	err := a.opts.OAuth.RevokeGrant(r.Context(), id, "admin API")
	if errors.Is(err, store.ErrNotFound) {
		return notFound("OAuth grant")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "revoked": true})
	return nil
}

type staticClientBody struct {
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirect_uris"`
}

type clientJSON struct {
	ClientID     string   `json:"client_id"`
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirect_uris"`
	CreatedAt    string   `json:"created_at"`
}

func toClientJSON(c *store.OAuthClient) clientJSON {
	return clientJSON{ClientID: c.ID, Name: c.Name, RedirectURIs: c.RedirectURIs, CreatedAt: c.CreatedAt.Format(time.RFC3339)}
}

// createStaticClient makes a public client with a fixed id; its redirect
// URIs follow the same policy as registrations.
func (a *API) createStaticClient(w http.ResponseWriter, r *http.Request) error {
	var body staticClientBody
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if err := validName(body.Name); err != nil {
		return err
	}
	md := &oauthex.ClientRegistrationMetadata{ClientName: body.Name, RedirectURIs: body.RedirectURIs}
	c, err := a.opts.OAuth.Register(r.Context(), md, store.OAuthClientStatic, "admin API")
	if err != nil {
		if msg, ok := oauth.ClientMetadataError(err); ok {
			return badRequest("%s", msg)
		}
		return err
	}
	writeJSON(w, http.StatusCreated, toClientJSON(c))
	return nil
}

func (a *API) listStaticClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.opts.Store.ListOAuthClients(r.Context(), store.OAuthClientStatic)
	if err != nil {
		return err
	}
	out := make([]clientJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toClientJSON(c))
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}

func (a *API) deleteStaticClient(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("clientId")
	c, err := a.opts.Store.GetOAuthClient(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Kind != store.OAuthClientStatic) {
		return notFound("OAuth client")
	}
	if err != nil {
		return err
	}
	if err := a.opts.Store.DeleteOAuthClient(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"client_id": id, "deleted": true})
	return nil
}
