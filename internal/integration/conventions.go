package integration

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// The vendor conventions integration.yaml states once for every method:
// scope syntax, pagination, request-body defaults, rate limits, credential
// types and OAuth details. Generic code reads these instead of assuming one
// vendor's habits; docs/integrations.md describes each key.

// ScopeRule is the syntax of the vendor's OAuth scope names.
type ScopeRule struct {
	// Pattern is a regular expression matching one scope name (no anchors).
	// Records' scopes must match it whole; quoted matches in an operation's
	// prose are its scopes, and matches in a 403 text are missing scopes.
	Pattern string `yaml:"pattern"`

	re, whole, quoted *regexp.Regexp
}

// Valid reports whether s is one whole scope name (any, with no pattern).
func (r ScopeRule) Valid(s string) bool { return r.whole == nil || r.whole.MatchString(s) }

// Pagination says how page cursors travel. A record's cursor key says
// whether the cursor goes in the query or the body; these say its name and
// where the next one is found.
type Pagination struct {
	// Style is "cursor" (the answer names the next cursor) or "page" (the
	// cursor is a page number Patchbay counts up).
	Style string `yaml:"style"`
	// Param is the request parameter (query name or dotted body path)
	// carrying the cursor or page number.
	Param string `yaml:"param"`
	// NextCursor is the dotted path of the next cursor in the answer
	// (style cursor).
	NextCursor string `yaml:"next_cursor"`
	// FirstPage is the number of the first page (style page; default 1).
	FirstPage int `yaml:"first_page"`
	// HasMore is the dotted path of a boolean saying more pages follow
	// (style page); without it a full page (PageSize items) means more.
	HasMore string `yaml:"has_more"`
	// PageSize is the vendor's page size, used when HasMore is not set.
	PageSize int `yaml:"page_size"`
	// Total is the dotted path of the total item count across all pages,
	// when the vendor gives one; list answers carry it as "total".
	Total string `yaml:"total"`
}

// Pagination styles.
const (
	PageByCursor = "cursor"
	PageByNumber = "page"
)

// Requests are defaults for the requests Patchbay builds.
type Requests struct {
	// DefaultBody is sent to a POST, PUT or PATCH operation that takes a
	// body when no argument fills one; absent means no body at all.
	DefaultBody map[string]any `yaml:"default_body"`
}

// RateLimitRule is the vendor's documented rate and how it states limits.
type RateLimitRule struct {
	// PerSecond is the documented requests per second (per account), also
	// reported as the limit when a 429 carries no figure.
	PerSecond int `yaml:"per_second"`
	// Headers name the response headers carrying the figures; Patchbay
	// passes them on under the IETF draft names whatever the dialect.
	Headers RateLimitHeaders `yaml:"headers"`
}

// RateLimitHeaders are the vendor's rate-limit header names.
type RateLimitHeaders struct {
	RetryAfter string `yaml:"retry_after"`
	Limit      string `yaml:"limit"`
	Remaining  string `yaml:"remaining"`
	Reset      string `yaml:"reset"`
}

// Credential types an integration may offer.
const (
	// CredAccessKey is a key and secret sent as HTTP Basic credentials.
	CredAccessKey = "access_key"
	// CredAPIKey is one key sent as a bearer token.
	CredAPIKey = "api_key"
	// CredOAuth2 is the OAuth 2.0 authorization code flow.
	CredOAuth2 = "oauth2"
)

// OAuth client authentication styles at the token endpoint.
const (
	ClientAuthBasic = "basic"
	ClientAuthPost  = "client_secret_post"
)

// AccountIdentity says what tells one connected company from another, so
// that a reconnect updates its account and two companies never share one.
type AccountIdentity struct {
	// From is "base_url_host" (the API host the token answer names),
	// "token" (a field of the token answer) or "probe" (a field of the
	// probe operation's answer).
	From string `yaml:"from"`
	// Field is the dotted path of the identity in that answer.
	Field string `yaml:"field"`
}

// Account identity sources.
const (
	IdentityFromHost  = "base_url_host"
	IdentityFromToken = "token"
	IdentityFromProbe = "probe"
)

// Info is what the registry tells about an installed integration without
// loading its OpenAPI document.
type Info struct {
	Name  string
	Title string
	// Credentials are the credential types offered.
	Credentials []string
	// OAuth: accounts may connect through an OAuth flow.
	OAuth bool
}

// Info describes a loaded integration.
func (in *Integration) Info() Info {
	return Info{Name: in.Name, Title: in.Title, Credentials: in.Credentials, OAuth: in.OAuth != nil}
}

// Describe reads an integration's name, title and credential types from
// its integration.yaml alone: cheap enough for flag registration, before
// loading the whole definition.
func Describe(fsys fs.FS) (Info, error) {
	raw, err := fs.ReadFile(fsys, "integration.yaml")
	if err != nil {
		return Info{}, err
	}
	var head Integration
	if err := decodeLoose(raw, &head); err != nil {
		return Info{}, fmt.Errorf("integration.yaml: %w", err)
	}
	if !snakeRe.MatchString(head.Name) {
		return Info{}, fmt.Errorf("integration.yaml: name %q must be snake_case", head.Name)
	}
	head.applyDefaults()
	return head.Info(), nil
}

// Offers reports whether accounts may use credentials of type typ.
func (in *Integration) Offers(typ string) bool { return slices.Contains(in.Credentials, typ) }

// ParseScopes extracts the OAuth scopes an operation's prose names, quoted
// ("... requires the scope 'x'."). Scopes needed only for an optional extra
// ("should also have the scope ...") are not the operation's own and are
// left out. With no scope pattern there are none.
func (in *Integration) ParseScopes(desc string) []string {
	if in.Scopes.re == nil {
		return nil
	}
	var out []string
	for _, sentence := range sentenceRe.Split(desc, -1) {
		if strings.Contains(sentence, "also have") {
			continue
		}
		for _, m := range in.Scopes.quoted.FindAllStringSubmatch(sentence, -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// ScopesIn finds scope names in free text, such as a 403 answer's message.
func (in *Integration) ScopesIn(text string) []string {
	if in.Scopes.re == nil {
		return nil
	}
	return in.Scopes.re.FindAllString(text, -1)
}

// applyDefaults fills what integration.yaml may leave out.
func (in *Integration) applyDefaults() {
	if in.Title == "" {
		in.Title = in.Name
	}
	if len(in.Credentials) == 0 {
		in.Credentials = []string{CredAccessKey}
		if in.OAuth != nil {
			in.Credentials = append(in.Credentials, CredOAuth2)
		}
	}
	p := &in.Pagination
	if p.Style == "" {
		p.Style = PageByCursor
	}
	if p.Param == "" {
		p.Param = p.Style
	}
	if p.Style == PageByNumber && p.FirstPage == 0 {
		p.FirstPage = 1
	}
	h := &in.RateLimit.Headers
	h.RetryAfter = firstNonEmpty(h.RetryAfter, "Retry-After")
	h.Limit = firstNonEmpty(h.Limit, "RateLimit-Limit")
	h.Remaining = firstNonEmpty(h.Remaining, "RateLimit-Remaining")
	h.Reset = firstNonEmpty(h.Reset, "RateLimit-Reset")
	if in.OAuth != nil {
		in.OAuth.ClientAuth = firstNonEmpty(in.OAuth.ClientAuth, ClientAuthBasic)
		if in.OAuth.AccountID.From == "" {
			in.OAuth.AccountID.From = IdentityFromHost
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// validateConventions checks the integration-wide keys of integration.yaml.
func (in *Integration) validateConventions() error {
	at := func(field, format string, a ...any) error {
		return fmt.Errorf("integration.yaml: %s: %s", field, fmt.Sprintf(format, a...))
	}
	if in.Scopes.Pattern != "" {
		re, err := regexp.Compile(in.Scopes.Pattern)
		if err != nil {
			return at("scopes.pattern", "%v", err)
		}
		in.Scopes.re = re
		in.Scopes.whole = regexp.MustCompile(`^(?:` + in.Scopes.Pattern + `)$`)
		in.Scopes.quoted = regexp.MustCompile(`'(` + in.Scopes.Pattern + `)'`)
	}
	for _, c := range in.Credentials {
		switch c {
		case CredAccessKey, CredAPIKey:
		case CredOAuth2:
			if in.OAuth == nil {
				return at("credentials", "oauth2 is offered but there is no oauth block")
			}
		default:
			return at("credentials", "unknown credential type %q (access_key, api_key or oauth2)", c)
		}
	}
	if err := in.Pagination.validate(); err != nil {
		return at("pagination", "%v", err)
	}
	if in.RateLimit.PerSecond < 0 {
		return at("rate_limit.per_second", "must not be negative")
	}
	for status, hint := range in.Errors.StatusHints {
		if status < 400 || status > 599 || strings.TrimSpace(hint) == "" {
			return at("errors.status_hints", "%d: want an error status (400-599) and a sentence", status)
		}
	}
	if in.OAuth != nil {
		if err := in.OAuth.validate(in.Probe); err != nil {
			return at("oauth", "%v", err)
		}
	}
	return nil
}

func (p Pagination) validate() error {
	switch p.Style {
	case PageByCursor:
		if p.NextCursor == "" {
			return fmt.Errorf("next_cursor (where the answer keeps the next cursor) is required")
		}
	case PageByNumber:
		if p.HasMore == "" && p.PageSize < 1 {
			return fmt.Errorf("page pagination needs has_more or page_size")
		}
	default:
		return fmt.Errorf("style must be cursor or page, not %q", p.Style)
	}
	return nil
}

func (o *OAuthRule) validate(probe string) error {
	if o.AuthorizeURL == "" || o.TokenURL == "" {
		return fmt.Errorf("authorize_url and token_url are required")
	}
	switch o.ClientAuth {
	case ClientAuthBasic, ClientAuthPost:
	default:
		return fmt.Errorf("client_auth must be basic or client_secret_post, not %q", o.ClientAuth)
	}
	switch o.AccountID.From {
	case IdentityFromHost:
	case IdentityFromToken, IdentityFromProbe:
		if o.AccountID.Field == "" {
			return fmt.Errorf("account_id.field is required when the identity comes from an answer")
		}
		if o.AccountID.From == IdentityFromProbe && probe == "" {
			return fmt.Errorf("account_id from probe needs a probe operation")
		}
	default:
		return fmt.Errorf("account_id.from must be base_url_host, token or probe, not %q", o.AccountID.From)
	}
	return nil
}

// Lookup follows a dotted path through decoded JSON objects.
func Lookup(v any, dotted string) (any, bool) {
	for _, part := range strings.Split(dotted, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok {
			return nil, false
		}
	}
	return v, true
}
