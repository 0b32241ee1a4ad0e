package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/credentials"
)

var previewTokensRE = regexp.MustCompile(`data-testid="preview-tokens">(\d+)<`)

func previewTokens(t *testing.T, body string) int {
	t.Helper()
	m := previewTokensRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token count in the preview:\n%s", body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// The server form's "Tool list" choice is config.tool_exposure: it is
// stored, shown again when editing, changed by saving, and the live
// preview counts what the client then pays for.
func TestServerFormToolExposure(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	acct := e.account("acme")
	base := "/ui/accounts/" + acct.ID
	a := b.post(base+"/servers", base+"/servers", url.Values{"name": {"discovery"}, "methods": {"read"}, "tool_exposure": {"discovery"}, "expires": {"never"}})
	wantStatus(t, "create", a, http.StatusCreated)
	m := mcpURLRE.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no URL on the created page:\n%s", a.body)
	}
	ctx := context.Background()
	srv, err := e.store.ServerByTokenHash(ctx, credentials.HashToken(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	if srv.Config.ToolExposure != "discovery" {
		t.Fatalf("stored tool_exposure %q", srv.Config.ToolExposure)
	}
	if list := b.get(base + "/servers"); strings.Count(list.body, `data-testid="server-discovery"`) != 1 {
		t.Error("the server list does not mark the discovery server")
	}
	if edit := b.get(base + "/servers/" + srv.ID); !strings.Contains(edit.body, `name="tool_exposure" value="discovery" checked`) || strings.Contains(edit.body, `name="tool_exposure" value="all" checked`) {
		t.Error("the edit form does not show discovery chosen")
	}
	// Saving with "all" turns it off and keeps the rest.
	a = b.post(base+"/servers/"+srv.ID, base+"/servers/"+srv.ID, url.Values{"name": {"discovery"}, "methods": {"read"}, "tool_exposure": {"all"}, "expires": {"keep"}})
	if a.status >= 400 {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	if srv, err = e.store.GetServer(ctx, srv.ID); err != nil {
		t.Fatal(err)
	}
	if srv.Config.Discovery() || len(srv.Config.Methods) != 1 || srv.Config.Methods[0] != "read" {
		t.Errorf("after saving all: %+v", srv.Config)
	}
	if edit := b.get(base + "/servers/" + srv.ID); !strings.Contains(edit.body, `name="tool_exposure" value="all" checked`) {
		t.Error("the edit form does not show all chosen")
	}
	if list := b.get(base + "/servers"); strings.Contains(list.body, `data-testid="server-discovery"`) {
		t.Error("the server list still marks the server discovery")
	}

	// The preview: discovery costs the meta-tools' list, well under the full one.
	full := b.get(base + "/preview?methods=read")
	disc := b.get(base + "/preview?methods=read&tool_exposure=discovery")
	if strings.Contains(full.body, "preview-discovery") || !strings.Contains(disc.body, "preview-discovery") {
		t.Fatalf("discovery note: all %v, discovery %v", strings.Contains(full.body, "preview-discovery"), strings.Contains(disc.body, "preview-discovery"))
	}
	f, d := previewTokens(t, full.body), previewTokens(t, disc.body)
	if d > 1024 || d*4 > f {
		t.Errorf("preview tokens: all %d, discovery %d", f, d)
	}
	if !strings.Contains(disc.body, "cost about "+strconv.Itoa(f)+" tokens") {
		t.Errorf("the discovery preview does not say what every tool would cost (%d):\n%s", f, disc.body)
	}
}
