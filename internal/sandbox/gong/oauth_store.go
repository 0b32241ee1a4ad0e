package gong

import (
	"sync"
	"time"
)

// grant is what an OAuth access token stands for.
type grant struct {
	scopes  map[string]bool
	scope   string // as granted, space separated
	expires time.Time
	family  string // the authorization the token descends from
}

func (g *grant) has(scope string) bool { return g.scopes[scope] }

type authCode struct {
	clientID, redirectURI, scope string
	expires                      time.Time
}

type refreshGrant struct {
	scope, family string
	used          bool
}

// oauthStore holds codes, access tokens and refresh tokens. Refresh tokens
// rotate: each is good for one refresh only.
type oauthStore struct {
	mu       sync.Mutex
	codes    map[string]*authCode
	access   map[string]*grant
	refresh  map[string]*refreshGrant
	families map[string]bool // live authorizations; RevokeGrants clears them
}

func newOAuthStore() *oauthStore {
	return &oauthStore{codes: map[string]*authCode{}, access: map[string]*grant{},
		refresh: map[string]*refreshGrant{}, families: map[string]bool{}}
}

func (o *oauthStore) lookupAccess(token string, now time.Time) (*grant, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	g := o.access[token]
	switch {
	case g == nil || !o.families[g.family]:
		return nil, "the access token is invalid or has been revoked"
	case !now.Before(g.expires):
		return nil, "the access token has expired"
	}
	return g, ""
}

// RevokeGrants revokes every OAuth grant, as an admin uninstalling the app
// would: access tokens answer 401 and refresh tokens invalid_grant.
func (s *Sandbox) RevokeGrants() {
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	o.families = map[string]bool{}
	o.codes = map[string]*authCode{}
}
