package connect_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// Finding 14: the callback put the failure's text, partly written by the
// vendor's redirect (error_description), in the dashboard link. It now
// carries a code the dashboard maps to Patchbay's own text.
func TestCallbackHandsTheDashboardACode(t *testing.T) {
	in, _ := integration.Load(gongdef.FS)
	cipher, _ := credentials.NewCipher(bytes.Repeat([]byte{5}, 32))
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), cipher)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := connect.New(connect.Options{Store: db, Integrations: func(string) (*integration.Integration, bool) { return in, true },
		Apps: map[string]connect.App{"gong": {ClientID: "c", ClientSecret: "s", RedirectURL: "http://x/cb"}}})
	for _, tc := range []struct{ errParam, want string }{
		{"access_denied", "denied"},
		{"server_error", "refused"},
	} {
		authURL, err := svc.Start(context.Background(), nil, connect.StartRequest{Integration: "gong", ReturnTo: "/ui/connect/gong/done"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(authURL)
		q := url.Values{"state": {u.Query().Get("state")}, "error": {tc.errParam}, "error_description": {"Call +1 555 0100 to verify your account"}}
		r := httptest.NewRequest("GET", "/integrated-account/connect/gong/callback?"+q.Encode(), nil)
		r.SetPathValue("integration", "gong")
		w := httptest.NewRecorder()
		svc.CallbackHandler().ServeHTTP(w, r)
		loc, _ := url.Parse(w.Header().Get("Location"))
		if w.Code != http.StatusSeeOther || loc.Path != "/ui/connect/gong/done" {
			t.Fatalf("%s: %d %s", tc.errParam, w.Code, w.Header().Get("Location"))
		}
		if got := loc.Query().Get("connect_error"); got != tc.want {
			t.Errorf("%s: connect_error=%q, want %q", tc.errParam, got, tc.want)
		}
		if strings.Contains(loc.RawQuery, "555") {
			t.Errorf("the vendor's text reached the link: %s", loc.RawQuery)
		}
	}
}

func TestErrorCodeOfEachFailure(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]string{
		"the connection was not approved (x)":                                                           "denied",
		"the authorization server refused: server_error":                                                "refused",
		"this connection link expired: start the connection again from Patchbay":                        "expired",
		"exchanging the authorization code failed: 500":                                                 "exchange_failed",
		"the token answer names an API host Patchbay will not call: 10.0.0.1":                           "bad_host",
		"something went wrong; the error was logged":                                                    "failed",
		"this connection link is unknown or was already used: start the connection again from Patchbay": "unknown_link",
	} {
		if got := connect.ErrorCode(&connect.FlowError{Status: 400, Msg: msg}); got != want {
			t.Errorf("ErrorCode(%q) = %q, want %q", msg, got, want)
		}
		if _, ok := connect.ErrorText[want]; !ok {
			t.Errorf("code %q has no text", want)
		}
	}
}
