package integration_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/patchbay-dev/patchbay/internal/integration"
)

const tinyDoc = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
"/items":{"get":{"operationId":"listItems","description":"Lists items. Requires the scope 'items.read'.","responses":{"200":{"description":"ok"}}}},
"/me":{"get":{"operationId":"me","responses":{"200":{"description":"ok"}}}}}}`

const tinyRecords = `- operation: listItems
  resource: items
  method: list
  description: Lists items.
  tags: [items]
  scopes: [items.read]
  result: items
  cursor: query
- operation: me
  resource: me
  method: get
  description: Who am I.
  tags: [admin]
`

const tinyBase = `name: tiny
openapi: openapi.json
probe: me
pagination: {style: cursor, next_cursor: next}
`

func loadTiny(yaml, records string) (*integration.Integration, error) {
	return integration.Load(fstest.MapFS{
		"integration.yaml":   {Data: []byte(yaml)},
		"openapi.json":       {Data: []byte(tinyDoc)},
		"records/items.yaml": {Data: []byte(records)},
	})
}

// Each convention key refuses what it cannot mean, naming the key.
func TestConventionsRefuseBadValues(t *testing.T) {
	t.Parallel()
	oauth := "oauth: {authorize_url: https://a.example/auth, token_url: https://a.example/token"
	tests := []struct{ name, yaml, records, wantErr string }{
		{"bad scope pattern", tinyBase + "scopes: {pattern: '(['}\n", tinyRecords, "scopes.pattern"},
		{"record scope off pattern", tinyBase + "scopes: {pattern: 'api:[a-z]+'}\n", tinyRecords, `"items.read" does not match`},
		{"unknown credential type", tinyBase + "credentials: [password]\n", tinyRecords, `unknown credential type "password"`},
		{"oauth2 without oauth", tinyBase + "credentials: [oauth2]\n", tinyRecords, "no oauth block"},
		{"unknown pagination style", "name: tiny\nopenapi: openapi.json\npagination: {style: offset}\n", tinyRecords, "style must be cursor or page"},
		{"cursor style without next_cursor", "name: tiny\nopenapi: openapi.json\n", tinyRecords, "next_cursor"},
		{"page style without an end", "name: tiny\nopenapi: openapi.json\npagination: {style: page}\n", tinyRecords, "has_more or page_size"},
		{"negative rate", tinyBase + "rate_limit: {per_second: -1}\n", tinyRecords, "rate_limit.per_second"},
		{"hint for a success", tinyBase + "errors: {status_hints: {200: fine}}\n", tinyRecords, "errors.status_hints"},
		{"unknown client auth", tinyBase + oauth + ", client_auth: jwt}\n", tinyRecords, "client_auth must be"},
		{"identity without field", tinyBase + oauth + ", account_id: {from: token}}\n", tinyRecords, "account_id.field"},
		{"unknown identity source", tinyBase + oauth + ", account_id: {from: email}}\n", tinyRecords, "account_id.from"},
		{"unknown key", tinyBase + "pagination_style: page\n", tinyRecords, "pagination_style"},
		{"keep on a method with no list", tinyBase, tinyRecords + "  keep: [region]\n", "keep: only a list method"},
		{"keep shadowing the envelope", tinyBase, strings.Replace(tinyRecords, "  cursor: query\n", "  cursor: query\n  keep: [total]\n", 1), `"total" cannot be kept`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadTiny(tc.yaml, tc.records)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// What integration.yaml leaves out gets the documented defaults, and the
// scope pattern reads the prose.
func TestConventionDefaults(t *testing.T) {
	t.Parallel()
	in, err := loadTiny(tinyBase+"scopes: {pattern: '[a-z]+\\.(?:read|write)'}\noauth: {authorize_url: https://a.example/a, token_url: https://a.example/t}\n", tinyRecords)
	if err != nil {
		t.Fatal(err)
	}
	if in.Title != "tiny" || in.Pagination.Param != "cursor" || in.Requests.DefaultBody != nil {
		t.Errorf("title %q, param %q, default body %v", in.Title, in.Pagination.Param, in.Requests.DefaultBody)
	}
	if !in.Offers(integration.CredAccessKey) || !in.Offers(integration.CredOAuth2) || in.Offers(integration.CredAPIKey) {
		t.Errorf("credentials %v", in.Credentials)
	}
	if in.OAuth.ClientAuth != integration.ClientAuthBasic || in.OAuth.AccountID.From != integration.IdentityFromHost {
		t.Errorf("oauth defaults %+v", in.OAuth)
	}
	h := in.RateLimit.Headers
	if h.RetryAfter != "Retry-After" || h.Limit != "RateLimit-Limit" || h.Remaining != "RateLimit-Remaining" || h.Reset != "RateLimit-Reset" {
		t.Errorf("rate-limit headers %+v", h)
	}
	if got := in.Operations["listItems"].Scopes; len(got) != 1 || got[0] != "items.read" {
		t.Errorf("scopes from prose %v", got)
	}
	if got := in.ScopesIn("missing scope items.write; see items.read"); len(got) != 2 {
		t.Errorf("scopes in a 403 text %v", got)
	}
	info, err := integration.Describe(fstest.MapFS{"integration.yaml": {Data: []byte("name: tiny\ntitle: Tiny\ncredentials: [api_key]\n")}})
	if err != nil || info.Name != "tiny" || info.Title != "Tiny" || info.OAuth || len(info.Credentials) != 1 {
		t.Errorf("Describe = %+v, %v", info, err)
	}
}
