package api

import (
	"context"

	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// serverOut is a server's JSON with its budget's usage; a usage that
// cannot be read is left out rather than failing the answer.
func (a *API) serverOut(ctx context.Context, s *store.Server) serverJSON {
	out := toServerJSON(s)
	if a.opts.OAuth != nil && s.Config.OAuth {
		out.OAuthURL = a.opts.OAuth.ServerURL(s.ID)
	}
	if a.opts.Quota != nil {
		if u, err := a.opts.Quota.Usage(ctx, quota.ServerScope(s.ID), s.Config.Budget); err == nil {
			out.Usage = u
		} else {
			a.opts.Logger.WarnContext(ctx, "api: reading a server's quota usage", "err", err)
		}
	}
	return out
}

// accountOut is an account's JSON with its budget and usage.
func (a *API) accountOut(ctx context.Context, acct *store.Account) (accountJSON, error) {
	out := toAccountJSON(acct)
	b, err := a.opts.Store.AccountBudget(ctx, acct.ID)
	if err != nil {
		return out, err
	}
	if !b.IsZero() {
		out.Budget = &b
		if a.opts.Quota != nil {
			if out.Usage, err = a.opts.Quota.Usage(ctx, quota.AccountScope(acct.ID), &b); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
