package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/tools"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// The contract every integration passes, written once and run over every
// vendor in vendors(): Gong through its sandbox, and Bramble CRM, defined
// only as data in testdata/bramble.

func load(t *testing.T, v vendor) *tools.Set {
	t.Helper()
	in, err := integration.Load(v.def)
	if err != nil {
		t.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// eachVendor runs f once per vendor, in parallel, with its tool set.
func eachVendor(t *testing.T, f func(t *testing.T, v vendor, set *tools.Set)) {
	t.Parallel()
	for _, v := range vendors() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			f(t, v, load(t, v))
		})
	}
}

func lookup(t *testing.T, set *tools.Set, name string) *tools.Tool {
	t.Helper()
	tl, ok := set.Lookup(name)
	if !ok {
		t.Fatalf("no tool %s", name)
	}
	return tl
}

// Every documented method becomes a tool named by the convention, with its
// scopes in the vendor's syntax, and the method and tag filters select
// what they say.
func TestToolsGeneratedAndFiltered(t *testing.T) {
	eachVendor(t, func(t *testing.T, v vendor, set *tools.Set) {
		if len(set.Tools) < len(set.Integration.Records) {
			t.Fatalf("%d tools from %d records", len(set.Tools), len(set.Integration.Records))
		}
		for _, tl := range set.Tools {
			if tl.Annotations.Title == "" || tl.Description == "" {
				t.Errorf("%s: no title or description", tl.Name)
			}
			for _, s := range tl.Scopes {
				if !set.Integration.Scopes.Valid(s) {
					t.Errorf("%s: scope %q is not in the vendor's syntax", tl.Name, s)
				}
			}
		}
		if lookup(t, set, v.readTool).Scopes == nil {
			t.Errorf("%s has no scopes", v.readTool)
		}
		reads := set.Select(tools.Filter{Methods: []string{"read"}})
		writes := set.Select(tools.Filter{Methods: []string{"write"}})
		tagged := set.Select(tools.Filter{Tags: []string{v.tag}})
		if !hasTool(reads, v.readTool) || hasTool(reads, v.writeTool) {
			t.Errorf("read filter: %v", names(reads))
		}
		if !hasTool(writes, v.writeTool) || hasTool(writes, v.readTool) {
			t.Errorf("write filter: %v", names(writes))
		}
		if len(tagged) == 0 || len(tagged) == len(set.Tools) {
			t.Errorf("tag %q selects %d of %d tools", v.tag, len(tagged), len(set.Tools))
		}
		for _, tl := range tagged {
			if !slices.Contains(tl.Tags, v.tag) {
				t.Errorf("tag filter %q let %s through (tags %v)", v.tag, tl.Name, tl.Tags)
			}
		}
		only := set.Select(tools.Filter{Methods: []string{v.readTool}})
		if len(only) != 1 || only[0].Name != v.readTool {
			t.Errorf("method filter by name: %v", names(only))
		}
	})
}

func hasTool(ts []*tools.Tool, name string) bool { return slices.Contains(names(ts), name) }

func names(ts []*tools.Tool) []string {
	var out []string
	for _, tl := range ts {
		out = append(out, tl.Name)
	}
	return out
}

// Arguments are checked against the tool's schema, and the request is built
// where the vendor's conventions put each part: path, query, body, the page
// cursor and the default body.
func TestCallsValidatedAndBuilt(t *testing.T) {
	eachVendor(t, func(t *testing.T, v vendor, set *tools.Set) {
		for _, tc := range v.invalid {
			if err := lookup(t, set, tc.tool).Validate(tc.args); err == nil {
				t.Errorf("%s accepted %v", tc.tool, tc.args)
			}
		}
		for _, tc := range v.builds {
			tl := lookup(t, set, tc.tool)
			if err := tl.Validate(tc.args); err != nil {
				t.Fatalf("%s %v: %v", tc.tool, tc.args, err)
			}
			req, err := upstream.Build(context.Background(), "https://upstream.example", tl, tc.args)
			if err != nil {
				t.Fatalf("%s: %v", tc.tool, err)
			}
			if got := req.URL.RequestURI(); req.Method != tc.method || got != tc.target {
				t.Errorf("%s: %s %s, want %s %s", tc.tool, req.Method, got, tc.method, tc.target)
			}
			body := ""
			if req.Body != nil {
				b, _ := io.ReadAll(req.Body)
				body = string(b)
			}
			if body != tc.body {
				t.Errorf("%s: body %q, want %q", tc.tool, body, tc.body)
			}
		}
	})
}

// Walking next_cursor from the first page to the last returns every item
// exactly once, as many as the vendor counts; a small answer cap cuts
// pages at whole items and keeps the cursor.
func TestPaginationAndAnswerCap(t *testing.T) {
	eachVendor(t, func(t *testing.T, v vendor, set *tools.Set) {
		env := v.start(t)
		c := env.companies[0]
		auth := staticAuth(t, c)
		client := upstream.NewClient()
		for _, l := range v.lists {
			tl := lookup(t, set, l.tool)
			want := env.total(t, c, l)
			if want < 2 {
				t.Fatalf("%s: the upstream has %d items; the test needs several pages' worth", l.tool, want)
			}
			seen := map[string]bool{}
			pages, cursor := 0, ""
			for {
				args := copyArgs(l.args)
				if cursor != "" {
					args[integration.CursorArg] = cursor
				}
				res := client.Call(context.Background(), set.Integration, c.baseURL, auth, tl, args)
				page := listAnswer(t, res)
				pages++
				for _, item := range page.Result {
					id, _ := item["id"].(string)
					if id == "" || seen[id] {
						t.Fatalf("%s page %d: item id %q missing or seen before", l.tool, pages, id)
					}
					seen[id] = true
				}
				if page.NextCursor == nil || pages > 50 {
					break
				}
				cursor = *page.NextCursor
			}
			if len(seen) != want || pages < 2 {
				t.Errorf("%s: %d items over %d pages, want %d over several", l.tool, len(seen), pages, want)
			}
		}
	})
}

type listPage struct {
	NextCursor *string          `json:"next_cursor"`
	Result     []map[string]any `json:"result"`
}

func listAnswer(t *testing.T, res *upstream.Result) listPage {
	t.Helper()
	text, err := res.Text()
	if err != nil || res.IsError {
		t.Fatalf("call failed: %s %v", text, err)
	}
	var p listPage
	if err := json.Unmarshal(text, &p); err != nil {
		t.Fatalf("not a list answer: %s", text)
	}
	return p
}

func copyArgs(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// A 429 goes straight back as an error result carrying the vendor's
// figures under the IETF draft names, whatever headers the vendor used.
func TestRateLimitPassThrough(t *testing.T) {
	eachVendor(t, func(t *testing.T, v vendor, set *tools.Set) {
		env := v.start(t)
		c := env.companies[0]
		env.force429(true)
		res := upstream.NewClient().Call(context.Background(), set.Integration, c.baseURL, staticAuth(t, c), lookup(t, set, v.readTool), map[string]any{})
		if !res.IsError || res.Status != http.StatusTooManyRequests || res.RateLimit == nil {
			t.Fatalf("result %+v", res)
		}
		got := rateLimitWant{res.RateLimit.Limit, res.RateLimit.Remaining, res.RateLimit.Reset, res.RateLimit.RetryAfter}
		if got != v.rateLimit {
			t.Errorf("rate limit %+v, want %+v", got, v.rateLimit)
		}
		h := http.Header{}
		res.RateLimit.Headers(h)
		for _, name := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"} {
			if h.Get(name) == "" {
				t.Errorf("no %s header", name)
			}
		}
		env.force429(false)
		if res := upstream.NewClient().Call(context.Background(), set.Integration, c.baseURL, staticAuth(t, c), lookup(t, set, v.readTool), map[string]any{}); res.IsError {
			t.Errorf("after the limit lifted: %+v", res.Body)
		}
	})
}

// OAuth connect creates an account with the vendor's API host and its
// tokens, authenticating the client the vendor's way; an expired token is
// refreshed and works; two companies stay two accounts even on one API
// host, and a reconnect updates its own account.
func TestOAuthConnectRefreshAndAccounts(t *testing.T) {
	eachVendor(t, func(t *testing.T, v vendor, set *tools.Set) {
		env := v.start(t)
		db := openStore(t)
		ctx := context.Background()
		var accts [2]*store.Account
		for i, c := range env.companies {
			svc := newConnect(db, set, v, env, c)
			accts[i] = connectOnce(t, svc, v, c)
			if got := env.tokenAuth(); got != v.clientAuth {
				t.Errorf("token endpoint saw client auth %q, want %q", got, v.clientAuth)
			}
			if accts[i].BaseURL != c.baseURL || accts[i].Credentials.RefreshToken == "" || accts[i].ExternalID != c.identity {
				t.Fatalf("account %+v", accts[i])
			}
		}
		if accts[0].ID == accts[1].ID || accts[0].ExternalID == accts[1].ExternalID {
			t.Fatalf("two companies share account %s (%s)", accts[0].ID, accts[0].ExternalID)
		}

		// Reconnecting the first company updates its account.
		again := connectOnce(t, newConnect(db, set, v, env, env.companies[0]), v, env.companies[0])
		all, _ := db.ListAccounts(ctx)
		if again.ID != accts[0].ID || len(all) != 2 {
			t.Errorf("reconnect: account %s of %d, want %s of 2", again.ID, len(all), accts[0].ID)
		}

		// An expired token is refreshed before use, and the new one works.
		c := env.companies[1]
		svc := newConnect(db, set, v, env, c)
		cur, _ := db.GetAccount(ctx, accts[1].ID)
		old := cur.Credentials
		expired := old
		expired.Expiry = time.Now().Add(-time.Minute)
		if err := db.StoreRefreshedCredentials(ctx, cur.ID, expired, store.StatusActive); err != nil {
			t.Fatal(err)
		}
		cur, _ = db.GetAccount(ctx, cur.ID)
		auth, err := svc.Auth(ctx, cur)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := db.GetAccount(ctx, cur.ID)
		if after.Credentials.AccessToken == old.AccessToken || after.Credentials.RefreshToken == old.RefreshToken || !after.Credentials.Expiry.After(time.Now()) {
			t.Errorf("refresh stored %+v", after.Credentials)
		}
		if got := env.tokenAuth(); got != v.clientAuth {
			t.Errorf("refresh: client auth %q, want %q", got, v.clientAuth)
		}
		probe := set.Probe()
		if probe == nil {
			t.Fatal("no probe")
		}
		if res := upstream.NewClient().Call(ctx, set.Integration, after.BaseURL, auth, probe, map[string]any{}); res.IsError {
			t.Errorf("refreshed token refused: %+v", res.Body)
		}
	})
}

func openStore(t *testing.T) *sqlstore.DB {
	t.Helper()
	cipher, err := credentials.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), cipher)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newConnect is Patchbay's connect service with the OAuth app configured
// for this company's vendor endpoints.
func newConnect(db *sqlstore.DB, set *tools.Set, v vendor, env *upstreamEnv, c *company) *connect.Service {
	return connect.New(connect.Options{
		Store:        db,
		Integrations: func(string) (*integration.Integration, bool) { return set.Integration, true },
		Apps:         map[string]connect.App{v.name: c.app},
		CheckBaseURL: func(_, u string) error { return env.checkBaseURL(u) },
	})
}

// connectOnce runs one connect flow: start, the user's sign-in at the
// vendor, and the callback.
func connectOnce(t *testing.T, svc *connect.Service, v vendor, c *company) *store.Account {
	t.Helper()
	authURL, err := svc.Start(context.Background(), nil, connect.StartRequest{Integration: v.name})
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(c.login(authURL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	acct, _, err := svc.Complete(context.Background(), httptest.NewRequest("GET", "/cb?"+back.RawQuery, nil), v.name)
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

func staticAuth(t *testing.T, c *company) upstream.Auth {
	t.Helper()
	auth, err := connect.New(connect.Options{}).Auth(context.Background(), &store.Account{Credentials: c.creds})
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// getJSON reads a vendor answer directly, bypassing Patchbay.
func getJSON(t *testing.T, u string, creds credentials.Upstream, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.SetBasicAuth(creds.AccessKey, creds.AccessKeySecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
}

// An integration may name the connected company in its probe's answer
// instead (oauth.account_id.from: probe): Bramble's /v1/me, read with the
// new token, keeps the two portals on one host apart.
func TestAccountIdentityFromProbe(t *testing.T) {
	t.Parallel()
	v := brambleVendor()
	def := fstest.MapFS{}
	err := fs.WalkDir(v.def, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(v.def, p)
		def[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(def["integration.yaml"].Data)
	probeYAML := strings.Replace(yaml, "from: token\n    field: portal_id", "from: probe\n    field: portal.id", 1)
	if probeYAML == yaml {
		t.Fatal("the fixture's account_id block changed; update this test")
	}
	def["integration.yaml"] = &fstest.MapFile{Data: []byte(probeYAML)}
	v.def = def
	set := load(t, v)
	env := v.start(t)
	db := openStore(t)
	var ids []string
	for _, c := range env.companies {
		svc := connect.New(connect.Options{
			Store:        db,
			Integrations: func(string) (*integration.Integration, bool) { return set.Integration, true },
			Apps:         map[string]connect.App{v.name: c.app},
			CheckBaseURL: func(_, u string) error { return env.checkBaseURL(u) },
			Probe: func(ctx context.Context, _, baseURL string, auth upstream.Auth) (any, error) {
				res := upstream.NewClient().Call(ctx, set.Integration, baseURL, auth, set.Probe(), map[string]any{})
				if res.IsError {
					return nil, errors.New(res.Err)
				}
				return res.Value(), nil
			},
		})
		ids = append(ids, connectOnce(t, svc, v, c).ExternalID)
	}
	if ids[0] != "48151623" || ids[1] != "48151624" {
		t.Errorf("identities %v, want the portals 48151623 and 48151624 from /v1/me", ids)
	}
}
