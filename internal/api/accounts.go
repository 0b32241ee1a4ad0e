package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// accountJSON is an integrated account as the API shows it: never secrets.
type accountJSON struct {
	ID          string            `json:"id"`
	Integration string            `json:"integration"`
	Name        string            `json:"name"`
	BaseURL     string            `json:"base_url"`
	Status      string            `json:"status"`
	Scopes      []string          `json:"scopes"`
	Credentials map[string]string `json:"credentials"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
	// Budget caps the calls of all the account's MCP servers together.
	Budget *store.Budget                `json:"budget"`
	Usage  map[string]quota.WindowUsage `json:"usage,omitempty"`
	// Pace holds plain tool calls until the account's upstream rate allows
	// them, for at most PaceMaxWaitSeconds (off: the vendor's 429 passes
	// straight back).
	Pace               bool `json:"pace"`
	PaceMaxWaitSeconds int  `json:"pace_max_wait_seconds"`
}

func toAccountJSON(a *store.Account) accountJSON {
	return accountJSON{
		ID: a.ID, Integration: a.Integration, Name: a.Name, BaseURL: a.BaseURL, Status: a.Status, Scopes: a.Scopes,
		Credentials: map[string]string{"type": a.Credentials.Type},
		CreatedAt:   a.CreatedAt.Format(time.RFC3339), UpdatedAt: a.UpdatedAt.Format(time.RFC3339),
		Pace: a.Pace, PaceMaxWaitSeconds: int(a.PaceMaxWait() / time.Second),
	}
}

type credentialsBody struct {
	Type            string `json:"type"`
	AccessKey       string `json:"access_key"`
	AccessKeySecret string `json:"access_key_secret"`
	APIKey          string `json:"api_key"`
}

type accountBody struct {
	Integration string           `json:"integration"`
	Name        string           `json:"name"`
	BaseURL     string           `json:"base_url"`
	Credentials *credentialsBody `json:"credentials"`
	Scopes      []string         `json:"scopes"`
	Budget      *store.Budget    `json:"budget"`
	Pace        *bool            `json:"pace"`
	PaceMaxWait *int             `json:"pace_max_wait_seconds"`
}

// upstream checks the credentials against the types the integration
// offers (integration.yaml credentials).
func (c *credentialsBody) upstream(in *integration.Integration) (credentials.Upstream, error) {
	switch {
	case c.Type == credentials.TypeAccessKey && in.Offers(integration.CredAccessKey):
		return AccessKeyCredentials(c.AccessKey, c.AccessKeySecret)
	case c.Type == credentials.TypeAPIKey && in.Offers(integration.CredAPIKey):
		return APIKeyCredentials(c.APIKey)
	}
	var typs []string
	for _, t := range in.Credentials {
		if t != integration.CredOAuth2 {
			typs = append(typs, strconv.Quote(t))
		}
	}
	return credentials.Upstream{}, badRequest("credentials.type must be %s (OAuth accounts are created by the connect flow)", strings.Join(typs, " or "))
}

func validName(name string) error {
	if strings.TrimSpace(name) == "" {
		return badRequest("name is required")
	}
	if len(name) > 200 {
		return badRequest("name must be at most 200 characters")
	}
	return nil
}

func validScopes(scopes []string) error {
	for _, s := range scopes {
		if strings.TrimSpace(s) == "" || len(s) > 200 {
			return badRequest("scopes must be non-empty strings")
		}
	}
	return nil
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request) error {
	var body accountBody
	if err := decode(w, r, &body); err != nil {
		return err
	}
	set, ok := a.opts.Catalog.ToolSet(body.Integration)
	if !ok {
		return badRequest("unknown integration %q", body.Integration)
	}
	if err := validName(body.Name); err != nil {
		return err
	}
	if body.Credentials == nil {
		return badRequest("credentials are required")
	}
	creds, err := body.Credentials.upstream(set.Integration)
	if err != nil {
		return err
	}
	if err := quota.Check(body.Budget); err != nil {
		return badRequest("%v", err)
	}
	acct, err := a.svc.CreateAccount(r.Context(), NewAccount{Integration: body.Integration, Name: body.Name, BaseURL: body.BaseURL, Credentials: creds, Scopes: body.Scopes,
		Pace: Pace{On: body.Pace, MaxWaitSeconds: body.PaceMaxWait}})
	if err != nil {
		return err
	}
	return a.answerAccount(w, r, acct, body.Budget, http.StatusCreated)
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) error {
	accts, err := a.opts.Store.ListAccounts(r.Context())
	if err != nil {
		return err
	}
	out := make([]accountJSON, 0, len(accts))
	for _, acct := range accts {
		aj, err := a.accountOut(r.Context(), acct)
		if err != nil {
			return err
		}
		out = append(out, aj)
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}

func (a *API) account(r *http.Request) (*store.Account, error) {
	return a.svc.Account(r.Context(), r.PathValue("id"))
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := a.account(r)
	if err != nil {
		return err
	}
	out, err := a.accountOut(r.Context(), acct)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type accountPatch struct {
	Name        *string          `json:"name"`
	BaseURL     *string          `json:"base_url"`
	Credentials *credentialsBody `json:"credentials"`
	Scopes      *[]string        `json:"scopes"`
	Budget      *store.Budget    `json:"budget"`
	Pace        *bool            `json:"pace"`
	PaceMaxWait *int             `json:"pace_max_wait_seconds"`
}

func (a *API) patchAccount(w http.ResponseWriter, r *http.Request) error {
	var body accountPatch
	if err := decode(w, r, &body); err != nil {
		return err
	}
	acct, err := a.account(r)
	if err != nil {
		return err
	}
	c := AccountChanges{Name: body.Name, BaseURL: body.BaseURL, Scopes: body.Scopes, Pace: Pace{On: body.Pace, MaxWaitSeconds: body.PaceMaxWait}}
	if body.Credentials != nil {
		set, ok := a.opts.Catalog.ToolSet(acct.Integration)
		if !ok {
			return badRequest("unknown integration %q", acct.Integration)
		}
		creds, err := body.Credentials.upstream(set.Integration)
		if err != nil {
			return err
		}
		c.Credentials = &creds
	}
	if err := quota.Check(body.Budget); err != nil {
		return badRequest("%v", err)
	}
	if err := a.svc.UpdateAccount(r.Context(), acct, c); err != nil {
		return err
	}
	return a.answerAccount(w, r, acct, body.Budget, http.StatusOK)
}

// answerAccount stores the account's budget, if one was sent, and answers
// with the account as the API shows it.
func (a *API) answerAccount(w http.ResponseWriter, r *http.Request, acct *store.Account, budget *store.Budget, status int) error {
	if budget != nil {
		if err := a.opts.Store.SetAccountBudget(r.Context(), acct.ID, *budget); err != nil {
			return err
		}
	}
	out, err := a.accountOut(r.Context(), acct)
	if err != nil {
		return err
	}
	writeJSON(w, status, out)
	return nil
}

func (a *API) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	n, err := a.svc.DeleteAccount(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := a.opts.Store.SetAccountBudget(r.Context(), r.PathValue("id"), store.Budget{}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "deleted": true, "mcp_servers_deleted": n})
	return nil
}
