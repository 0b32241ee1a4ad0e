package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// Finding 14: text from ?connect_error= was shown in a banner (escaped,
// but written by whoever crafted the link). Only Patchbay's text for a
// known code is shown.
func TestConnectErrorBannerShowsOnlyPatchbaysText(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	for _, tc := range []struct{ code, want string }{
		{"denied", "The OAuth connection failed: the connection was not approved."},
		{"Your account is suspended. Call +1 555 0100", "The OAuth connection failed: the connection did not complete."},
		{"", "The OAuth connection failed: the connection did not complete."},
	} {
		a := b.get("/ui/connect/gong/done?connect_error=" + url.QueryEscape(tc.code))
		wantStatus(t, "done page", a, http.StatusOK)
		if !strings.Contains(a.body, tc.want) {
			t.Errorf("connect_error=%q: the page lacks %q", tc.code, tc.want)
		}
		if strings.Contains(a.body, "555 0100") {
			t.Errorf("connect_error=%q: the crafted text is on the page", tc.code)
		}
	}
}

// The server form's "leave out tools that spend vendor credits" box is
// config.allow_credits: false.
func TestServerFormNoCredits(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	acct := e.account("acme")
	base := "/ui/accounts/" + acct.ID
	srv, _ := e.createServer(t, b, base, url.Values{"name": {"no credits"}, "methods": {"read"}, "no_credits": {"1"}, "expires": {"never"}})
	if !srv.Config.NoCredits {
		t.Error("the box did not leave the credit tools out")
	}
	if edit := b.get(base + "/servers/" + srv.ID); !strings.Contains(edit.body, `name="no_credits" value="1" checked`) {
		t.Error("the edit form does not show the box checked")
	}
	if p := b.get(base + "/preview?methods=read&no_credits=1"); strings.Contains(p.body, "list_all_gong_entities_get_briefs") {
		t.Error("the preview lists a credit tool with the box checked")
	}
	if p := b.get(base + "/preview?methods=read"); !strings.Contains(p.body, "list_all_gong_entities_get_briefs") {
		t.Error("the preview lacks the credit tool without the box (the check above proves nothing)")
	}
}

// The server form's answer budget is config.max_answer_bytes: shown
// (default 80000), settable, and refused out of bounds.
func TestServerFormAnswerBudget(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	acct := e.account("acme")
	base := "/ui/accounts/" + acct.ID
	srv, token := e.createServer(t, b, base, url.Values{"name": {"budget"}, "methods": {"read"}, "expires": {"never"}})
	if edit := b.get(base + "/servers/" + srv.ID); !strings.Contains(edit.body, `name="max_answer_bytes"`) || !strings.Contains(edit.body, `value="80000"`) {
		t.Error("the edit form does not show the default answer budget")
	}
	for _, bad := range []string{"7999", "200001", "lots"} {
		r := b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"budget"}, "methods": {"read"}, "expires": {"keep"}, "max_answer_bytes": {bad}})
		wantStatus(t, "edit "+bad, r, http.StatusBadRequest)
	}
	b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"budget"}, "methods": {"read"}, "expires": {"keep"}, "max_answer_bytes": {"12000"}})
	srv, err := e.store.ServerByTokenHash(context.Background(), credentials.HashToken(token))
	if err != nil || srv.Config.MaxAnswerBytes != 12_000 {
		t.Fatalf("after saving 12000 the server's budget is %d (%v)", srv.Config.MaxAnswerBytes, err)
	}
	if edit := b.get(base + "/servers/" + srv.ID); !strings.Contains(edit.body, `value="12000"`) {
		t.Error("the edit form does not show the saved answer budget")
	}
}

// createServer creates an MCP server with the dashboard's form and reads
// it back from the store, with the token its page showed.
func (e *env) createServer(t *testing.T, b *browser, base string, form url.Values) (*store.Server, string) {
	t.Helper()
	a := b.post(base+"/servers", base+"/servers", form)
	wantStatus(t, "create", a, http.StatusCreated)
	m := mcpURLRE.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no URL on the created page:\n%s", a.body)
	}
	srv, err := e.store.ServerByTokenHash(context.Background(), credentials.HashToken(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	return srv, m[2]
}
