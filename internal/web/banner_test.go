package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
