package contract_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	gongsandbox "github.com/patchbay-dev/patchbay/internal/sandbox/gong"
)

// vendor is one integration under contract: its definition (data) and how
// the tests reach a live upstream for it. Everything vendor-specific the
// contract tests need is here, in test code; the code under test sees only
// the definition.
type vendor struct {
	name string
	def  fs.FS
	// start brings up the upstream for one test.
	start func(t *testing.T) *upstreamEnv

	// The tools the filter and build tests pick, by role.
	readTool, writeTool, tag string
	// builds are requests the definition must produce from arguments.
	builds []buildCase
	// invalid are arguments the tool's schema must refuse.
	invalid []argsCase
	// lists are paginated tools whose every page the tests walk.
	lists []listCase
	// clientAuth is how the OAuth client must authenticate at the token
	// endpoint, as the vendor documents it.
	clientAuth string
	// rateLimit are the figures a 429 must carry.
	rateLimit rateLimitWant
}

type buildCase struct {
	tool   string
	args   map[string]any
	method string
	target string // path and query
	body   string // "" means no body at all
}

type argsCase struct {
	tool string
	args map[string]any
}

type listCase struct {
	tool string
	args map[string]any
}

type rateLimitWant struct{ limit, remaining, reset, retryAfter int }

// upstreamEnv is a running upstream with two companies.
type upstreamEnv struct {
	companies [2]*company
	// force429 makes every API answer a 429 while on.
	force429 func(on bool)
	// tokenAuth says how the client authenticated at the token endpoint
	// last: "basic" or "client_secret_post".
	tokenAuth func() string
	// total is how many items a listCase's tool has in all, as the vendor
	// itself counts them.
	total func(t *testing.T, c *company, l listCase) int
	// checkBaseURL vets API hosts the way Patchbay would for this env.
	checkBaseURL func(raw string) error
}

// company is one connected customer of the vendor.
type company struct {
	baseURL string
	// identity is how the vendor names the company: what a connect must
	// record as the account's external id.
	identity string
	// creds are static credentials (access key, API key).
	creds credentials.Upstream
	// app is the OAuth app as Patchbay would be configured for this
	// company's vendor endpoints.
	app connect.App
	// login turns the authorize URL Patchbay made into the one the user's
	// browser ends at after signing in to this company.
	login func(authURL string) string
}

func vendors() []vendor {
	return []vendor{gongVendor(), brambleVendor()}
}

// ---- Gong, through its sandbox ----

func gongVendor() vendor {
	return vendor{
		name: "gong", def: gongdef.FS, start: startGong,
		readTool: "list_all_gong_users", writeTool: "create_a_gong_call", tag: "users",
		builds: []buildCase{
			{tool: "list_all_gong_users", args: map[string]any{"next_cursor": "c2"},
				method: "GET", target: "/v2/users?cursor=c2"},
			{tool: "list_all_gong_users_extensive", args: map[string]any{"next_cursor": "c3"},
				method: "POST", target: "/v2/users/extensive", body: `{"cursor":"c3","filter":{}}`},
			{tool: "create_a_gong_activity_aggregate_by_period", args: map[string]any{"fromDate": "2026-01-01", "toDate": "2026-02-01", "aggregationPeriod": "WEEK"},
				method: "POST", target: "/v2/stats/activity/aggregate-by-period", body: `{"aggregationPeriod":"WEEK","filter":{"fromDate":"2026-01-01","toDate":"2026-02-01"}}`},
			{tool: "get_single_gong_call_by_id", args: map[string]any{"id": "7782342274025937895"},
				method: "GET", target: "/v2/calls/7782342274025937895"},
			// Gong's POSTs need an object body even with nothing in it.
			{tool: "list_all_gong_prospect_flows", args: map[string]any{},
				method: "POST", target: "/v2/flows/prospects", body: `{}`},
		},
		invalid: []argsCase{
			{tool: "get_single_gong_call_by_id", args: map[string]any{}},
			{tool: "list_all_gong_users", args: map[string]any{"includeAvatars": "yes"}},
		},
		lists:      []listCase{{tool: "list_all_gong_calls", args: map[string]any{"fromDateTime": "2000-01-01T00:00:00Z"}}},
		clientAuth: "basic",
		// Gong's 429 names only Retry-After; the limit is the documented 3/s.
		rateLimit: rateLimitWant{limit: 3, remaining: 0, reset: 1, retryAfter: 1},
	}
}

func startGong(t *testing.T) *upstreamEnv {
	env := &upstreamEnv{}
	var lastAuth atomic.Value
	lastAuth.Store("")
	var sandboxes []*gongsandbox.Sandbox
	var origins []string
	for i := range env.companies {
		sb := gongsandbox.New(gongsandbox.Options{Seed: int64(i + 1), Small: true, RatePerSecond: -1, DailyLimit: -1,
			ClientID: "contract-client", ClientSecret: "contract-secret", AutoApprove: true})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/oauth2/generate-customer-token" {
				lastAuth.Store(clientAuthOf(r))
			}
			sb.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		sb.SetBaseURL(srv.URL)
		sandboxes = append(sandboxes, sb)
		origins = append(origins, srv.URL)
		env.companies[i] = &company{
			baseURL:  srv.URL,
			identity: strings.TrimPrefix(srv.URL, "http://"), // each company has its own API host
			creds:    credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: sb.AccessKey(), AccessKeySecret: sb.AccessKeySecret()},
			app: connect.App{ClientID: "contract-client", ClientSecret: "contract-secret", RedirectURL: "http://127.0.0.1/cb",
				AuthURL: srv.URL + "/oauth2/authorize", TokenURL: srv.URL + "/oauth2/generate-customer-token"},
			login: func(u string) string { return u },
		}
	}
	env.force429 = func(on bool) {
		f := gongsandbox.Fault{}
		if on {
			f.Force429 = true
		}
		for _, sb := range sandboxes {
			sb.SetFault("*", f)
		}
	}
	env.tokenAuth = func() string { return lastAuth.Load().(string) }
	env.total = gongTotal
	env.checkBaseURL = anyOf(origins)
	return env
}

// gongTotal asks the sandbox directly how many records the list has
// (Gong's records.totalRecords).
func gongTotal(t *testing.T, c *company, l listCase) int {
	var page struct {
		Records struct {
			TotalRecords int `json:"totalRecords"`
		} `json:"records"`
	}
	q := url.Values{}
	for k, v := range l.args {
		q.Set(k, v.(string))
	}
	getJSON(t, c.baseURL+"/v2/calls?"+q.Encode(), c.creds, &page)
	return page.Records.TotalRecords
}

// ---- Bramble CRM, defined only in testdata/bramble ----

func brambleVendor() vendor {
	return vendor{
		name: "bramble", def: os.DirFS("testdata/bramble"), start: startBramble,
		readTool: "list_all_bramble_contacts", writeTool: "create_a_bramble_contact", tag: "deals",
		builds: []buildCase{
			{tool: "list_all_bramble_contacts", args: map[string]any{"next_cursor": "2", "owner": "ann@x.example"},
				method: "GET", target: "/v1/contacts?owner=ann%40x.example&page=2"},
			{tool: "search_bramble_deals", args: map[string]any{"next_cursor": "3"},
				method: "POST", target: "/v1/deals/search", body: `{"page":3}`},
			// No default body: a POST with nothing to say sends nothing.
			{tool: "search_bramble_deals", args: map[string]any{},
				method: "POST", target: "/v1/deals/search"},
			{tool: "get_single_bramble_contact_by_id", args: map[string]any{"id": "p1-c3"},
				method: "GET", target: "/v1/contacts/p1-c3"},
			{tool: "create_a_bramble_contact", args: map[string]any{"name": "Ann"},
				method: "POST", target: "/v1/contacts", body: `{"name":"Ann"}`},
		},
		invalid: []argsCase{
			{tool: "create_a_bramble_contact", args: map[string]any{"email": "ann@x.example"}},
			{tool: "search_bramble_deals", args: map[string]any{"stage": "maybe"}},
		},
		lists: []listCase{
			{tool: "list_all_bramble_contacts", args: map[string]any{}},
			{tool: "search_bramble_deals", args: map[string]any{}},
		},
		clientAuth: "client_secret_post",
		rateLimit:  rateLimitWant{limit: 100, remaining: 0, reset: 7, retryAfter: 7},
	}
}

func startBramble(t *testing.T) *upstreamEnv {
	srv := newBrambleServer(t)
	env := &upstreamEnv{}
	for i, portal := range []int{48151623, 48151624} {
		env.companies[i] = &company{
			// Every portal shares the one API host.
			baseURL:  srv.URL,
			identity: strconv.Itoa(portal),
			creds:    credentials.Upstream{Type: credentials.TypeAPIKey, APIKey: srv.apiKey(portal)},
			app: connect.App{ClientID: srv.clientID, ClientSecret: srv.clientSecret, RedirectURL: "http://127.0.0.1/cb",
				AuthURL: srv.URL + "/authorize", TokenURL: srv.URL + "/token", BaseURL: srv.URL},
			login: func(u string) string { return u + "&login=" + strconv.Itoa(portal) },
		}
	}
	env.force429 = srv.force429.Store
	env.tokenAuth = func() string { s, _ := srv.tokenAuth.Load().(string); return s }
	env.total = func(_ *testing.T, _ *company, l listCase) int {
		if strings.Contains(l.tool, "deals") {
			return brambleDeals
		}
		return brambleContacts
	}
	env.checkBaseURL = anyOf([]string{srv.URL})
	return env
}

// clientAuthOf tells how a token request authenticated its client.
func clientAuthOf(r *http.Request) string {
	if _, _, ok := r.BasicAuth(); ok {
		return "basic"
	}
	_ = r.ParseForm()
	if r.PostForm.Get("client_secret") != "" {
		return "client_secret_post"
	}
	return "none"
}

// anyOf accepts exactly the given origins: the test servers stand in for
// the vendor's hosts.
func anyOf(origins []string) func(string) error {
	return func(raw string) error {
		for _, o := range origins {
			if raw == o {
				return nil
			}
		}
		return &url.Error{Op: "check", URL: raw, Err: os.ErrPermission}
	}
}
