package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/quota"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

func init() {
	// Argon2id at full cost is the point in production and a waste here.
	passwordParams = argon2Params{memory: 64, time: 1, threads: 1}
}

var (
	gongOnce sync.Once
	gongSet  *tools.Set
	gongErr  error
)

type catalog struct{}

func (catalog) ToolSet(name string) (*tools.Set, bool) {
	gongOnce.Do(func() {
		in, err := integration.Load(gongdef.FS)
		if err != nil {
			gongErr = err
			return
		}
		gongSet, gongErr = tools.Generate(in)
	})
	if gongErr != nil {
		panic(gongErr)
	}
	return gongSet, name == "gong"
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t        *testing.T
	store    store.Store
	clock    *clock
	srv      *httptest.Server
	apiToken string
	tokenID  string
}

func newEnv(t *testing.T, publicURL string, with ...func(*Options)) *env {
	t.Helper()
	ciph, err := credentials.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), ciph)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	pub := func(r *http.Request) string {
		if publicURL != "" {
			return publicURL
		}
		return "http://" + r.Host
	}
	svc := api.NewService(api.Options{
		Store: db, Catalog: catalog{}, Now: clk.Now, PublicURL: pub,
		CheckBaseURL: func(string, string) error { return nil },
	})
	gong, _ := catalog{}.ToolSet("gong")
	opts := Options{Store: db, Service: svc, Now: clk.Now, PublicURL: pub, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Installed: []integration.Info{gong.Integration.Info(), {Name: "bramble", Title: "Bramble CRM", Credentials: []string{"api_key"}}}}
	for _, f := range with {
		f(&opts)
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := credentials.NewToken(credentials.APITokenPrefix)
	row := &store.APIToken{Name: "test", TokenHash: credentials.HashToken(tok)}
	if err := db.CreateAPIToken(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: db, clock: clk, srv: srv, apiToken: tok, tokenID: row.ID}
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, hdr ...string) answer {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(raw)}
}

func (b *browser) get(path string) answer { return b.do(http.MethodGet, path, nil) }

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the CSRF token a page's forms carry.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	a := b.get(path)
	m := csrfRE.FindStringSubmatch(a.body)
	if m == nil {
		b.e.t.Fatalf("GET %s (%d): no CSRF token in the page", path, a.status)
	}
	return m[1]
}

// post sends a form with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) answer {
	b.e.t.Helper()
	form.Set("csrf_token", b.csrf(from))
	return b.do(http.MethodPost, path, form)
}

func (b *browser) signIn(secret string) answer {
	b.e.t.Helper()
	return b.post("/ui/sign-in", "/ui/sign-in", url.Values{"secret": {secret}})
}

func (b *browser) signedIn() *browser {
	b.e.t.Helper()
	if a := b.signIn(b.e.apiToken); a.status != http.StatusSeeOther {
		b.e.t.Fatalf("sign-in with the API token: %d %s", a.status, a.body)
	}
	return b
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.srv.URL + "/ui/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func wantStatus(t *testing.T, what string, a answer, want int) {
	t.Helper()
	if a.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, a.status, want, a.body)
	}
}

func (e *env) account(name string) *store.Account {
	e.t.Helper()
	a := &store.Account{Integration: "gong", Name: name, BaseURL: "https://api.gong.io",
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "k", AccessKeySecret: "s"}}
	if err := e.store.CreateAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func TestPagesNeedASession(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser()
	a := b.get("/ui/accounts")
	wantStatus(t, "GET /ui/accounts", a, http.StatusSeeOther)
	if loc := a.header.Get("Location"); loc != "/ui/sign-in?next=%2Fui%2Faccounts" {
		t.Errorf("redirect to %q", loc)
	}
	acct := e.account("acme")
	for _, p := range []string{"/ui/accounts/" + acct.ID + "/servers", "/ui/accounts/" + acct.ID + "/activity/series", "/ui/settings"} {
		wantStatus(t, "GET "+p, b.get(p), http.StatusSeeOther)
	}
	// A form post without a session changes nothing.
	a = b.do(http.MethodPost, "/ui/accounts/"+acct.ID+"/servers", url.Values{"name": {"x"}, "methods": {"read"}})
	wantStatus(t, "POST without a session", a, http.StatusUnauthorized)
	if list, _ := e.store.ListServers(context.Background(), acct.ID); len(list) != 0 {
		t.Fatalf("a server was created without a session: %v", list)
	}
	// An htmx request (the live preview) is told to go and sign in.
	a = b.do(http.MethodGet, "/ui/accounts/"+acct.ID+"/preview?methods=read", nil, "HX-Request", "true")
	wantStatus(t, "htmx without a session", a, http.StatusUnauthorized)
	if a.header.Get("HX-Redirect") != "/ui/sign-in" {
		t.Errorf("HX-Redirect = %q", a.header.Get("HX-Redirect"))
	}
	// A made-up session cookie is no session either.
	b.c.Jar.SetCookies(mustURL(e.srv.URL+"/ui/"), []*http.Cookie{{Name: sessionCookie, Value: sessionPrefix + "forged", Path: "/ui/"}})
	wantStatus(t, "forged cookie", b.get("/ui/accounts"), http.StatusSeeOther)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSessionCookieAndStorage(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	c := b.cookie(sessionCookie)
	if c == nil {
		t.Fatal("no session cookie")
	}
	wantStatus(t, "accounts page", b.get("/ui/accounts"), http.StatusOK)

	// The raw Set-Cookie carries the flags the jar hides.
	a := e.browser().signIn(e.apiToken)
	sc := a.header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/ui/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("Secure cookie over plain http would never come back: %q", sc)
	}
	// Only the hash is stored: the cookie value itself finds nothing.
	if _, err := e.store.SessionByHash(context.Background(), c.Value); err == nil {
		t.Error("the session token is stored in the clear")
	}
	if _, err := e.store.SessionByHash(context.Background(), credentials.HashToken(c.Value)); err != nil {
		t.Errorf("session not stored by hash: %v", err)
	}
	// Sessions end on their own.
	e.clock.Add(13 * time.Hour)
	wantStatus(t, "after expiry", b.get("/ui/accounts"), http.StatusSeeOther)
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	e := newEnv(t, "https://patchbay.example.com")
	b := e.browser()
	a := b.signIn(e.apiToken)
	wantStatus(t, "sign-in", a, http.StatusSeeOther)
	if sc := a.header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") {
		t.Errorf("Set-Cookie %q should be Secure and HttpOnly behind https", sc)
	}
}

func TestCSRFRefused(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	acct := e.account("acme")
	form := url.Values{"name": {"x"}, "methods": {"read"}, "expires": {"never"}}
	path := "/ui/accounts/" + acct.ID + "/servers"

	wantStatus(t, "no token", b.do(http.MethodPost, path, form), http.StatusForbidden)
	form.Set("csrf_token", "wrong")
	wantStatus(t, "wrong token", b.do(http.MethodPost, path, form), http.StatusForbidden)
	// Another browser's valid token is still wrong for this session.
	other := e.browser().signedIn()
	form.Set("csrf_token", other.csrf("/ui/accounts"))
	wantStatus(t, "another session's token", b.do(http.MethodPost, path, form), http.StatusForbidden)
	// The right token, sent from another site, is refused too.
	form.Set("csrf_token", b.csrf("/ui/accounts"))
	wantStatus(t, "cross-site", b.do(http.MethodPost, path, form, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	if list, _ := e.store.ListServers(context.Background(), acct.ID); len(list) != 0 {
		t.Fatalf("refused posts created servers: %v", list)
	}
	wantStatus(t, "right token", b.do(http.MethodPost, path, form), http.StatusCreated)
	// Sign-out is a form too.
	wantStatus(t, "sign-out without token", b.do(http.MethodPost, "/ui/sign-out", url.Values{}), http.StatusForbidden)

	// The sign-in form has its own (double-submit) token.
	fresh := e.browser()
	wantStatus(t, "sign-in without token", fresh.do(http.MethodPost, "/ui/sign-in", url.Values{"secret": {e.apiToken}}), http.StatusForbidden)
	if fresh.cookie(sessionCookie) != nil {
		t.Fatal("a session was started by a sign-in without a CSRF token")
	}
}

func TestFirstRunPasswordNeedsAnAPIToken(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	b := e.browser()
	if a := b.get("/ui/sign-in"); !strings.Contains(a.body, "Set up Patchbay") {
		t.Fatalf("first run does not offer to set a password:\n%s", a.body)
	}
	pw := "a long enough password"
	wantStatus(t, "bad token", b.post("/ui/sign-in", "/ui/setup", url.Values{"api_token": {"pba_nope"}, "password": {pw}, "confirm": {pw}}), http.StatusUnauthorized)
	wantStatus(t, "short password", b.post("/ui/sign-in", "/ui/setup", url.Values{"api_token": {e.apiToken}, "password": {"short"}, "confirm": {"short"}}), http.StatusBadRequest)
	wantStatus(t, "mismatch", b.post("/ui/sign-in", "/ui/setup", url.Values{"api_token": {e.apiToken}, "password": {pw}, "confirm": {pw + "x"}}), http.StatusBadRequest)
	if _, err := e.store.GetSetting(ctx, passwordKey); err == nil {
		t.Fatal("a refused setup stored a password")
	}
	a := b.post("/ui/sign-in", "/ui/setup", url.Values{"api_token": {e.apiToken}, "password": {pw}, "confirm": {pw}})
	wantStatus(t, "setup", a, http.StatusSeeOther)
	hash, err := e.store.GetSetting(ctx, passwordKey)
	if err != nil || !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, pw) {
		t.Fatalf("stored password = %q, %v", hash, err)
	}
	wantStatus(t, "signed in after setup", b.get("/ui/accounts"), http.StatusOK)

	// Setup happens once; afterwards the password signs in.
	other := e.browser()
	if a := other.get("/ui/sign-in"); strings.Contains(a.body, "Set up Patchbay") {
		t.Fatal("setup still offered once a password exists")
	}
	wantStatus(t, "second setup", other.post("/ui/sign-in", "/ui/setup", url.Values{"api_token": {e.apiToken}, "password": {pw + "2"}, "confirm": {pw + "2"}}), http.StatusConflict)
	wantStatus(t, "wrong password", other.signIn(pw+"!"), http.StatusUnauthorized)
	wantStatus(t, "password", other.signIn(pw), http.StatusSeeOther)
	wantStatus(t, "password session", other.get("/ui/accounts"), http.StatusOK)

	// A new password ends the other password sessions, not this one.
	form := url.Values{"current": {pw}, "password": {pw + "-new"}, "confirm": {pw + "-new"}}
	wantStatus(t, "change password", other.post("/ui/settings", "/ui/settings/password", form), http.StatusSeeOther)
	wantStatus(t, "changer keeps its session", other.get("/ui/accounts"), http.StatusOK)
	wantStatus(t, "old password session ended", b.get("/ui/accounts"), http.StatusSeeOther)
}

func TestFailedSignInsBackOff(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser()
	for i := 0; i < 5; i++ {
		wantStatus(t, "wrong token", b.signIn("pba_wrong"), http.StatusUnauthorized)
	}
	a := b.signIn(e.apiToken)
	wantStatus(t, "right token while backing off", a, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" {
		t.Error("no Retry-After on a throttled sign-in")
	}
	if b.cookie(sessionCookie) != nil {
		t.Fatal("a throttled sign-in started a session")
	}
	// Another address is not affected; the waits double per failure.
	e.clock.Add(time.Second)
	wantStatus(t, "after the first wait, wrong again", b.signIn("pba_wrong"), http.StatusUnauthorized)
	e.clock.Add(time.Second)
	wantStatus(t, "the wait doubled", b.signIn(e.apiToken), http.StatusTooManyRequests)
	e.clock.Add(time.Second)
	wantStatus(t, "after the doubled wait", b.signIn(e.apiToken), http.StatusSeeOther)
	// Success clears the record.
	b2 := e.browser()
	wantStatus(t, "fresh start", b2.signIn("pba_wrong"), http.StatusUnauthorized)
	wantStatus(t, "not throttled after a success", b2.signIn(e.apiToken), http.StatusSeeOther)
}

func TestBackoffSchedule(t *testing.T) {
	clk := &clock{t: time.Unix(1_000_000, 0)}
	b := newBackoff(clk.Now)
	for i := 0; i < b.free-1; i++ {
		b.fail("ip")
		if d := b.wait("ip"); d != 0 {
			t.Fatalf("failure %d: wait %v, want none", i+1, d)
		}
	}
	var got []time.Duration
	for i := 0; i < 12; i++ {
		b.fail("ip")
		got = append(got, b.wait("ip"))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("waits = %v, want %v seconds", got, want)
		}
	}
	if b.wait("other") != 0 {
		t.Error("one address slowed down another")
	}
	b.reset("ip")
	if b.wait("ip") != 0 {
		t.Error("reset did not clear the wait")
	}
}

func TestSessionEndsWithItsAPIToken(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	wantStatus(t, "signed in", b.get("/ui/accounts"), http.StatusOK)
	if err := e.store.DeleteAPIToken(context.Background(), e.tokenID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "token deleted", b.get("/ui/accounts"), http.StatusSeeOther)
}

func TestSignOut(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	c := b.cookie(sessionCookie)
	a := b.post("/ui/accounts", "/ui/sign-out", url.Values{})
	wantStatus(t, "sign-out", a, http.StatusSeeOther)
	if _, err := e.store.SessionByHash(context.Background(), credentials.HashToken(c.Value)); err == nil {
		t.Error("the session survived sign-out")
	}
	// Even a copy of the old cookie is useless now.
	b.c.Jar.SetCookies(mustURL(e.srv.URL+"/ui/"), []*http.Cookie{{Name: sessionCookie, Value: c.Value, Path: "/ui/"}})
	wantStatus(t, "old cookie", b.get("/ui/accounts"), http.StatusSeeOther)
}

var mcpURLRE = regexp.MustCompile(`value="(http://[^"]+/mcp/(pbm_[A-Za-z0-9_-]+))"`)

func TestMCPServerLifecycle(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	b := e.browser().signedIn()
	acct := e.account("acme")
	base := "/ui/accounts/" + acct.ID

	// The live preview follows the filter.
	p := b.get(base + "/preview?methods=read")
	wantStatus(t, "preview", p, http.StatusOK)
	if !strings.Contains(p.body, "list_all_gong_calls") || strings.Contains(p.body, "create_a_gong_call<") || !strings.Contains(p.body, "tokens of tools/list") {
		t.Fatalf("read preview:\n%s", p.body)
	}
	if p := b.get(base + "/preview?methods=read&tags=no-such-tag"); !strings.Contains(p.body, "exposes no tool") {
		t.Fatalf("empty preview:\n%s", p.body)
	}

	// A filter that matches nothing is refused, with the form kept.
	a := b.post(base+"/servers", base+"/servers", url.Values{"name": {"none"}, "methods": {"read"}, "tags": {"no-such-tag"}, "expires": {"never"}})
	wantStatus(t, "empty filter", a, http.StatusBadRequest)
	if !strings.Contains(a.body, "match no tool") || !strings.Contains(a.body, `value="none"`) {
		t.Fatalf("refusal page:\n%s", a.body)
	}

	a = b.post(base+"/servers", base+"/servers", url.Values{"name": {"ChatGPT"}, "methods": {"read"}, "expires": {"168h"}})
	wantStatus(t, "create", a, http.StatusCreated)
	m := mcpURLRE.FindStringSubmatch(a.body)
	if m == nil || !strings.Contains(a.body, "you will not see this URL again") {
		t.Fatalf("the created page shows no URL:\n%s", a.body)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Error("the page with the URL may be cached")
	}
	srv, err := e.store.ServerByTokenHash(ctx, credentials.HashToken(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(srv.Config.Methods, ",") != "read" || srv.Name != "ChatGPT" || srv.ExpiresAt == nil ||
		!srv.ExpiresAt.Equal(e.clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("stored server: %+v", srv)
	}
	// Shown once: the list page does not carry the token.
	if l := b.get(base + "/servers"); strings.Contains(l.body, m[2]) || !strings.Contains(l.body, "ChatGPT") {
		t.Fatal("the servers page shows the token again, or not the server")
	}

	// Edit: name, filters, budget and expiry; the form shows the budget
	// set through the API, and what it does not show (OAuth) stays.
	srv.Config.Budget = &store.Budget{PerDay: 50}
	srv.Config.OAuth = true
	if err := e.store.UpdateServer(ctx, srv); err != nil {
		t.Fatal(err)
	}
	if page := b.get(base + "/servers/" + srv.ID); !strings.Contains(page.body, `name="budget_per_day" type="number" min="0" step="1" inputmode="numeric" value="50"`) {
		t.Fatal("the edit form does not show the server's budget")
	}
	a = b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"ChatGPT calls"}, "methods": {"read"}, "methods_extra": {"create_a_gong_call"}, "tags": {"calls"}, "search_fetch": {"1"}, "expires": {"never"}, "budget_per_day": {"50"}})
	wantStatus(t, "edit", a, http.StatusSeeOther)
	srv, _ = e.store.GetServer(ctx, srv.ID)
	if srv.Name != "ChatGPT calls" || strings.Join(srv.Config.Methods, ",") != "read,create_a_gong_call" || strings.Join(srv.Config.Tags, ",") != "calls" || srv.ExpiresAt != nil ||
		srv.Config.Budget == nil || srv.Config.Budget.PerDay != 50 || !srv.Config.SearchFetch || !srv.Config.OAuth {
		t.Fatalf("after edit: %+v", srv)
	}
	// The budget is edited like the rest; a bad number changes nothing;
	// empty fields remove it.
	edit := func(perMinute, perDay string) answer {
		return b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"ChatGPT calls"}, "methods": {"read"}, "expires": {"keep"}, "budget_per_minute": {perMinute}, "budget_per_day": {perDay}})
	}
	budgetOf := func() *store.Budget {
		s, err := e.store.GetServer(ctx, srv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s.Config.Budget
	}
	wantStatus(t, "set a budget", edit("3", "200"), http.StatusSeeOther)
	if got := budgetOf(); got == nil || *got != (store.Budget{PerMinute: 3, PerDay: 200}) {
		t.Fatalf("budget after edit: %+v", got)
	}
	for _, bad := range []string{"-1", "2.5", "lots", "99999999999"} {
		if a := edit(bad, "200"); a.status != http.StatusBadRequest || !strings.Contains(a.body, "A budget is a whole number of calls") {
			t.Fatalf("budget %q: %d", bad, a.status)
		}
	}
	if got := budgetOf(); got == nil || *got != (store.Budget{PerMinute: 3, PerDay: 200}) {
		t.Fatalf("a refused edit changed the budget: %+v", got)
	}
	wantStatus(t, "remove the budget", edit("", "0"), http.StatusSeeOther)
	if got := budgetOf(); got != nil {
		t.Fatalf("budget after clearing: %+v", got)
	}
	// "keep" leaves the expiry alone; a past custom date is refused.
	exp := e.clock.Now().Add(48 * time.Hour).Format("2006-01-02T15:04")
	wantStatus(t, "custom expiry", b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"x"}, "methods": {"read"}, "expires": {"custom"}, "expires_at": {exp}}), http.StatusSeeOther)
	wantStatus(t, "keep expiry", b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"y"}, "methods": {"read"}, "expires": {"keep"}}), http.StatusSeeOther)
	srv, _ = e.store.GetServer(ctx, srv.ID)
	if srv.ExpiresAt == nil || srv.ExpiresAt.Format("2006-01-02T15:04") != exp {
		t.Fatalf("expiry after custom then keep: %v", srv.ExpiresAt)
	}
	past := e.clock.Now().Add(-time.Hour).Format("2006-01-02T15:04")
	wantStatus(t, "past expiry", b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"z"}, "methods": {"read"}, "expires": {"custom"}, "expires_at": {past}}), http.StatusBadRequest)

	// Revoke.
	wantStatus(t, "revoke", b.post(base+"/servers", base+"/servers/"+srv.ID+"/revoke", url.Values{}), http.StatusSeeOther)
	if _, err := e.store.GetServer(ctx, srv.ID); err == nil {
		t.Fatal("the revoked server still exists")
	}
	wantStatus(t, "revoke again", b.post(base+"/servers", base+"/servers/"+srv.ID+"/revoke", url.Values{}), http.StatusNotFound)
}

func TestServersOfAnotherAccountAreNotFound(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	mine, theirs := e.account("mine"), e.account("theirs")
	srv := &store.Server{AccountID: theirs.ID, Name: "s", TokenHash: "h"}
	if err := e.store.CreateServer(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "edit via the wrong account", b.get("/ui/accounts/"+mine.ID+"/servers/"+srv.ID), http.StatusNotFound)
	wantStatus(t, "revoke via the wrong account", b.post("/ui/accounts", "/ui/accounts/"+mine.ID+"/servers/"+srv.ID+"/revoke", url.Values{}), http.StatusNotFound)
}

func TestDeleteAccountSaysHowManyServersGo(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	b := e.browser().signedIn()
	acct := e.account("acme")
	for i, h := range []string{"h1", "h2"} {
		if err := e.store.CreateServer(ctx, &store.Server{AccountID: acct.ID, Name: []string{"one", "two"}[i], TokenHash: h}); err != nil {
			t.Fatal(err)
		}
	}
	a := b.get("/ui/accounts/" + acct.ID + "/delete")
	if !strings.Contains(a.body, "2 MCP servers will be deleted with it") {
		t.Fatalf("confirmation page:\n%s", a.body)
	}
	wantStatus(t, "delete", b.post("/ui/accounts/"+acct.ID+"/delete", "/ui/accounts/"+acct.ID+"/delete", url.Values{}), http.StatusSeeOther)
	if _, err := e.store.GetAccount(ctx, acct.ID); err == nil {
		t.Fatal("account survived")
	}
}

func TestActivitySeriesCountsCallsAndErrors(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	b := e.browser().signedIn()
	acct, other := e.account("acme"), e.account("other")
	now := e.clock.Now()
	for _, l := range []store.LogEntry{
		{Time: now.Add(-10 * time.Minute), AccountID: acct.ID, ServerID: "s1", RPCMethod: "tools/call", Tool: "list_all_gong_users", Status: "ok"},
		{Time: now.Add(-5 * time.Minute), AccountID: acct.ID, ServerID: "s1", RPCMethod: "tools/call", Tool: "list_all_gong_calls", Status: "error"},
		{Time: now.Add(-3 * time.Hour), AccountID: acct.ID, ServerID: "s1", RPCMethod: "tools/call", Tool: "list_all_gong_calls", Status: "ok"},
		{Time: now.Add(-time.Minute), AccountID: other.ID, ServerID: "s2", RPCMethod: "tools/call", Tool: "list_all_gong_calls", Status: "ok"},
	} {
		if err := e.store.AppendLog(ctx, &l); err != nil {
			t.Fatal(err)
		}
	}
	sum := func(q string) (calls, errs int) {
		t.Helper()
		a := b.get("/ui/accounts/" + acct.ID + "/activity/series?" + q)
		wantStatus(t, "series "+q, a, http.StatusOK)
		var s series
		if err := json.Unmarshal([]byte(a.body), &s); err != nil {
			t.Fatal(err)
		}
		if len(s.T) != len(s.Calls) || len(s.T) != len(s.Errors) {
			t.Fatalf("ragged series: %+v", s)
		}
		for i := range s.Calls {
			calls += s.Calls[i]
			errs += s.Errors[i]
		}
		return
	}
	if c, er := sum("range=1h"); c != 2 || er != 1 {
		t.Errorf("last hour: %d calls, %d errors; want 2 and 1", c, er)
	}
	if c, er := sum("range=24h"); c != 3 || er != 1 {
		t.Errorf("last day: %d calls, %d errors; want 3 and 1", c, er)
	}
	if c, _ := sum("range=24h&tool=list_all_gong_users"); c != 1 {
		t.Errorf("tool filter: %d calls, want 1", c)
	}
	// The table shows the same entries, filtered.
	a := b.get("/ui/accounts/" + acct.ID + "/activity?range=1h&status=error")
	if strings.Count(a.body, `data-testid="log-row"`) != 1 || !strings.Contains(a.body, "list_all_gong_calls") {
		t.Fatalf("filtered activity table:\n%s", a.body)
	}
}

func TestConnectWithAccessKey(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	a := b.post("/ui/connect/gong", "/ui/connect/gong", url.Values{"name": {"Acme"}, "base_url": {"https://api.gong.io"}, "access_key": {"key"}, "access_key_secret": {""}})
	wantStatus(t, "missing secret", a, http.StatusBadRequest)
	if !strings.Contains(a.body, "Both the access key and the access key secret are required") || !strings.Contains(a.body, `value="key"`) {
		t.Fatalf("refusal:\n%s", a.body)
	}
	a = b.post("/ui/connect/gong", "/ui/connect/gong", url.Values{"name": {"Acme"}, "base_url": {"https://api.gong.io"}, "access_key": {"key"}, "access_key_secret": {"very-secret"}})
	wantStatus(t, "connect", a, http.StatusSeeOther)
	accts, _ := e.store.ListAccounts(context.Background())
	if len(accts) != 1 || accts[0].Name != "Acme" || accts[0].Credentials.AccessKeySecret != "very-secret" {
		t.Fatalf("accounts: %+v", accts)
	}
	if l := b.get("/ui/accounts"); strings.Contains(l.body, "very-secret") || !strings.Contains(l.body, "Acme") {
		t.Fatal("the accounts page shows the secret, or not the account")
	}
	wantStatus(t, "unknown integration", b.get("/ui/connect/nope"), http.StatusNotFound)
}

// The accounts page offers a connect button per installed integration,
// named from the registry, and the connect page the key form the
// integration offers with its own help text.
func TestConnectButtonsFromRegistry(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	page := b.get("/ui/accounts").body
	for _, want := range []string{`href="/ui/connect/gong" role="button">Connect Gong</a>`, `href="/ui/connect/bramble" role="button">Connect Bramble CRM</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("accounts page lacks %s", want)
		}
	}
	connect := b.get("/ui/connect/gong").body
	if !strings.Contains(connect, "Company settings → Ecosystem → API") || !strings.Contains(connect, `name="access_key_secret"`) {
		t.Errorf("connect page lacks the integration's key help or form:\n%s", connect)
	}
}

func TestStaticAndHeaders(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser()
	a := b.get("/ui/sign-in")
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if a.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	h := findHandler(t, e)
	js := b.get(h.staticURL("app.js"))
	wantStatus(t, "app.js", js, http.StatusOK)
	if !strings.Contains(js.header.Get("Cache-Control"), "immutable") {
		t.Errorf("versioned static file not cacheable: %q", js.header.Get("Cache-Control"))
	}
	for _, f := range []string{"vendor/htmx.min.js", "vendor/uPlot.iife.min.js", "vendor/pico.classless.min.css"} {
		wantStatus(t, f, b.get(h.staticURL(f)), http.StatusOK)
	}
	wantStatus(t, "unknown static", b.get("/ui/static/nope.js"), http.StatusNotFound)
	if a := b.get("/ui/static/../templates/_base.html"); a.status == http.StatusOK || strings.Contains(a.body, "{{define") {
		t.Errorf("template source served: %d", a.status)
	}
}

func findHandler(t *testing.T, e *env) *Handler {
	h, ok := e.srv.Config.Handler.(*Handler)
	if !ok {
		t.Fatal("not a *Handler")
	}
	return h
}

func TestPasswordHash(t *testing.T) {
	h := hashPassword("correct horse battery")
	if !verifyPassword(h, "correct horse battery") {
		t.Fatal("the right password does not verify")
	}
	if verifyPassword(h, "correct horse batterz") || verifyPassword(h, "") {
		t.Fatal("a wrong password verifies")
	}
	if hashPassword("correct horse battery") == h {
		t.Fatal("no salt: equal passwords hash equally")
	}
	for _, bad := range []string{"", "plain", strings.Replace(h, "argon2id", "argon2i", 1), strings.Replace(h, "m=64", "m=99999999", 1)} {
		if verifyPassword(bad, "correct horse battery") {
			t.Errorf("%q verifies", bad)
		}
	}
}

// Budgets show on the account and servers pages with what is used of them.
func TestBudgetsShownWithUsage(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	ctx := context.Background()
	a := e.account("budgeted")
	if err := e.store.SetAccountBudget(ctx, a.ID, store.Budget{PerDay: 500}); err != nil {
		t.Fatal(err)
	}
	capped := &store.Server{AccountID: a.ID, Name: "capped", TokenHash: "h1", Config: store.ServerConfig{Budget: &store.Budget{PerMinute: 3, PerDay: 100}}}
	free := &store.Server{AccountID: a.ID, Name: "free", TokenHash: "h2"}
	for _, s := range []*store.Server{capped, free} {
		if err := e.store.CreateServer(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	guard := quota.New(e.store, e.clock.Now)
	for range 2 {
		if err := guard.Spend(ctx, capped, a); err != nil {
			t.Fatal(err)
		}
	}
	page := b.get("/ui/accounts/" + a.ID + "/servers")
	wantStatus(t, "servers page", page, http.StatusOK)
	cells := regexp.MustCompile(`<td data-testid="server-budget">([^<]*)</td>`).FindAllStringSubmatch(page.body, -1)
	var got []string
	for _, c := range cells {
		got = append(got, c[1])
	}
	sort.Strings(got) // the two servers were created in the same millisecond
	if want := []string{"2 of 3 this minute · 2 of 100 today (UTC)", "none"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("budget cells %q, want %q", got, want)
	}
	if !strings.Contains(page.body, `<span data-testid="account-budget">budget: 2 of 500 today (UTC)</span>`) {
		t.Errorf("account budget missing from the header")
	}
	// A server created with a budget in the form has it.
	base := "/ui/accounts/" + a.ID
	wantStatus(t, "create with a budget", b.post(base+"/servers", base+"/servers", url.Values{"name": {"made"}, "methods": {"read"}, "expires": {"never"}, "budget_per_minute": {"5"}}), http.StatusCreated)
	list, err := e.store.ListServers(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var made *store.Server
	for _, s := range list {
		if s.Name == "made" {
			made = s
		}
	}
	if made == nil || made.Config.Budget == nil || *made.Config.Budget != (store.Budget{PerMinute: 5}) {
		t.Fatalf("server created with a budget: %+v", made)
	}
	// A new minute starts the minute window again; the day keeps counting.
	e.clock.Add(time.Minute)
	if page := b.get("/ui/accounts/" + a.ID + "/servers"); !strings.Contains(page.body, "0 of 3 this minute · 2 of 100 today (UTC)") {
		t.Errorf("after a minute the servers page does not show a fresh minute window")
	}
}

// The account budget form sets, refuses and removes the budget all of an
// account's servers share.
func TestAccountBudgetForm(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	a := e.account("shared")
	base := "/ui/accounts/" + a.ID
	budget := func() store.Budget {
		got, err := e.store.AccountBudget(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	post := func(perMinute, perDay string) answer {
		return b.post(base+"/servers", base+"/budget", url.Values{"budget_per_minute": {perMinute}, "budget_per_day": {perDay}})
	}
	wantStatus(t, "set", post("", "40"), http.StatusSeeOther)
	if got := budget(); got != (store.Budget{PerDay: 40}) {
		t.Fatalf("budget after saving: %+v", got)
	}
	page := b.get(base + "/servers?done=budget")
	if !strings.Contains(page.body, "Account budget saved.") || !strings.Contains(page.body, "budget: 0 of 40 today (UTC)") ||
		!strings.Contains(page.body, `name="budget_per_day" type="number" min="0" step="1" inputmode="numeric" value="40"`) {
		t.Error("the servers page does not show the saved account budget")
	}
	if a := post("-3", "40"); a.status != http.StatusBadRequest || !strings.Contains(a.body, "A budget is a whole number of calls") ||
		!strings.Contains(a.body, `data-testid="account-budget-form" open`) {
		t.Fatalf("a negative budget: %d, or the form is not open to fix it", a.status)
	}
	if got := budget(); got != (store.Budget{PerDay: 40}) {
		t.Fatalf("a refused budget changed it: %+v", got)
	}
	wantStatus(t, "clear", post("0", ""), http.StatusSeeOther)
	if got := budget(); !got.IsZero() {
		t.Fatalf("budget after clearing: %+v", got)
	}
	// Another account's budget is not reachable through this one's pages.
	wantStatus(t, "unknown account", b.post(base+"/servers", "/ui/accounts/no-such-account/budget", url.Values{"budget_per_day": {"1"}}), http.StatusNotFound)
}
