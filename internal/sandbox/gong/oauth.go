package gong

import (
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

const codeTTL = 10 * time.Minute

// serveOAuth serves Gong's OAuth 2.0 authorization-code flow:
//
//	GET  /oauth2/authorize                  consent (or an instant redirect with AutoApprove)
//	POST /oauth2/authorize                  the consent form's answer
//	POST /oauth2/generate-customer-token    code and refresh-token exchange
func (s *Sandbox) serveOAuth(x *exchange) {
	switch x.r.URL.Path {
	case "/oauth2/authorize":
		s.authorize(x)
	case "/oauth2/generate-customer-token":
		if x.r.Method != http.MethodPost {
			x.fail(http.StatusMethodNotAllowed, "use POST")
			return
		}
		s.token(x)
	default:
		x.fail(http.StatusNotFound, "No endpoint "+x.r.URL.Path)
	}
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Authorize app - Gong sandbox</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<h1>Authorize access to {{.Company}}</h1>
<p>The app <b>{{.ClientID}}</b> asks for access to your Gong data:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
<form method="post" action="/oauth2/authorize">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="scope" value="{{.Scope}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="response_type" value="code">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`))

// authorize validates the request, then either shows the consent page or
// (AutoApprove, or the form's approval) redirects back with a code.
func (s *Sandbox) authorize(x *exchange) {
	r := x.r
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		x.fail(http.StatusMethodNotAllowed, "use GET")
		return
	}
	_ = r.ParseForm()
	clientID, redirectURI := r.Form.Get("client_id"), r.Form.Get("redirect_uri")
	scope, state := normalizeScope(r.Form.Get("scope")), r.Form.Get("state")
	// Problems with the client or redirect URI must not redirect: the
	// redirect target itself is untrusted.
	if clientID != s.clientID {
		http.Error(x.w, "invalid_client: unknown client_id", http.StatusBadRequest)
		return
	}
	ru, err := url.Parse(redirectURI)
	if redirectURI == "" || err != nil || !ru.IsAbs() {
		http.Error(x.w, "invalid_request: redirect_uri must be an absolute URL", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		q := ru.Query()
		for k, v := range params {
			q[k] = v
		}
		if state != "" {
			q.Set("state", state)
		}
		u := *ru
		u.RawQuery = q.Encode()
		http.Redirect(x.w, r, u.String(), http.StatusFound)
	}
	if rt := r.Form.Get("response_type"); rt != "code" {
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"response_type must be code"}})
		return
	}
	if scope == "" {
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"at least one scope is required"}})
		return
	}
	approve := s.opts.AutoApprove
	if r.Method == http.MethodPost {
		if r.Form.Get("decision") != "approve" {
			back(url.Values{"error": {"access_denied"}, "error_description": {"the user denied access"}})
			return
		}
		approve = true
	}
	if !approve {
		x.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = consentPage.Execute(x.w, map[string]any{"Company": s.company.Name, "ClientID": clientID,
			"RedirectURI": redirectURI, "Scope": scope, "State": state, "Scopes": strings.Fields(scope)})
		return
	}
	code := randomToken(16)
	s.oauth.mu.Lock()
	s.oauth.codes[code] = &authCode{clientID: clientID, redirectURI: redirectURI, scope: scope, expires: x.now.Add(codeTTL)}
	s.oauth.mu.Unlock()
	back(url.Values{"code": {code}})
}

// normalizeScope de-duplicates and sorts a space-separated scope list.
func normalizeScope(s string) string {
	seen := map[string]bool{}
	var out []string
	for _, f := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func (x *exchange) oauthError(status int, code, desc string) {
	x.w.Header().Set("Cache-Control", "no-store")
	x.json(status, map[string]string{"error": code, "error_description": desc})
}

// token serves POST /oauth2/generate-customer-token. The client
// authenticates with HTTP Basic (client_id:client_secret); parameters may
// come in the query string (as Gong documents) or a form body.
func (s *Sandbox) token(x *exchange) {
	r := x.r
	_ = r.ParseForm() // merges query and form body
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}
	if !equalStrings(id, s.clientID) || !equalStrings(secret, s.clientSecret) {
		x.w.Header().Set("WWW-Authenticate", `Basic realm="gong"`)
		x.oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	var scope, family string
	switch gt := r.Form.Get("grant_type"); gt {
	case "authorization_code":
		code := r.Form.Get("code")
		c := o.codes[code]
		delete(o.codes, code) // single use, even when the exchange fails
		switch {
		case c == nil:
			x.oauthError(http.StatusBadRequest, "invalid_grant", "Authorization code is invalid or was already used.")
			return
		case !x.now.Before(c.expires):
			x.oauthError(http.StatusBadRequest, "invalid_grant", "Authorization code has expired.")
			return
		case c.clientID != id:
			x.oauthError(http.StatusBadRequest, "invalid_grant", "Authorization code was issued to another client.")
			return
		case r.Form.Get("redirect_uri") != "" && r.Form.Get("redirect_uri") != c.redirectURI:
			x.oauthError(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request.")
			return
		}
		scope, family = c.scope, randomToken(8)
		o.families[family] = true
	case "refresh_token":
		rt := o.refresh[r.Form.Get("refresh_token")]
		if rt == nil || rt.used || !o.families[rt.family] {
			x.oauthError(http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		rt.used = true // rotating: a refresh token works once
		scope, family = rt.scope, rt.family
	case "":
		x.oauthError(http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		x.oauthError(http.StatusBadRequest, "unsupported_grant_type", "grant_type "+gt+" is not supported")
		return
	}
	access, refresh := randomToken(24), randomToken(24)
	g := &grant{scopes: map[string]bool{}, scope: scope, expires: x.now.Add(s.tokenTTL), family: family}
	for _, sc := range strings.Fields(scope) {
		g.scopes[sc] = true
	}
	o.access[access] = g
	o.refresh[refresh] = &refreshGrant{scope: scope, family: family}
	x.w.Header().Set("Cache-Control", "no-store")
	body := struct {
		AccessToken           string `json:"access_token"`
		RefreshToken          string `json:"refresh_token"`
		Scope                 string `json:"scope"`
		TokenType             string `json:"token_type"`
		ExpiresIn             int64  `json:"expires_in"`
		APIBaseURLForCustomer string `json:"api_base_url_for_customer"`
	}{access, refresh, scope, "Bearer", int64(s.tokenTTL / time.Second), s.base()}
	x.json(http.StatusOK, body)
}
