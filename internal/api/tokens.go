package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// API tokens through the API: a second admin, a CI job, a token to rotate.
// The token itself is shown once, in the create answer.

type tokenJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	Token     string `json:"token,omitempty"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if err := validName(body.Name); err != nil {
		return err
	}
	token := credentials.NewToken(credentials.APITokenPrefix)
	t := &store.APIToken{Name: strings.TrimSpace(body.Name), TokenHash: credentials.HashToken(token)}
	if err := a.opts.Store.CreateAPIToken(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.Format(time.RFC3339), Token: token})
	return nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := a.opts.Store.ListAPITokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]tokenJSON, 0, len(toks))
	for _, t := range toks {
		out = append(out, tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}

// deleteToken revokes a token; what it approved (dashboard sessions, OAuth
// grants) dies with it. Deleting the token of this very request is allowed:
// rotation is create, switch, delete.
func (a *API) deleteToken(w http.ResponseWriter, r *http.Request) error {
	err := a.opts.Store.DeleteAPIToken(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("API token")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "deleted": true})
	return nil
}
