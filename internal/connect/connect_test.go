package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/connect"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// A token endpoint that answers whatever base URL the test wants.
func TestTokenAnswerHostIsVetted(t *testing.T) {
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		base string
		ok   bool
	}{
		{"https://company-17.api.gong.io", true},
		{"http://169.254.169.254", false},
		{"https://gong.io.evil.example", false},
		{"https://api.gong.io@evil.example", false},
		{"https://10.0.0.1", false},
	}
	for _, tc := range tests {
		t.Run(tc.base, func(t *testing.T) {
			var gotAuth string
			tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth = r.Header.Get("Authorization")
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "refresh_token": "rt", "token_type": "Bearer",
					"expires_in": 3600, "scope": "api:users:read", "api_base_url_for_customer": tc.base})
			}))
			defer tokenSrv.Close()
			cipher, _ := credentials.NewCipher(bytes.Repeat([]byte{5}, 32))
			db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), cipher)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			svc := connect.New(connect.Options{
				Store:        db,
				Integrations: func(string) (*integration.Integration, bool) { return in, true },
				Apps:         map[string]connect.App{"gong": {ClientID: "cid", ClientSecret: "csecret", RedirectURL: "http://127.0.0.1/cb", TokenURL: tokenSrv.URL}},
				CheckBaseURL: func(_, u string) error { return upstream.CheckBaseURL(u, "gong.io", "") },
			})
			authURL, err := svc.Start(context.Background(), nil, connect.StartRequest{Integration: "gong"})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(authURL)
			if !strings.HasPrefix(authURL, "https://app.gong.io/oauth2/authorize?") || u.Query().Get("redirect_uri") != "http://127.0.0.1/cb" {
				t.Fatalf("authorize URL %s", authURL)
			}
			cb := httptest.NewRequest("GET", "/cb?code=c1&state="+url.QueryEscape(u.Query().Get("state")), nil)
			acct, _, err := svc.Complete(context.Background(), cb, "gong")
			if !strings.HasPrefix(gotAuth, "Basic ") {
				t.Errorf("token endpoint called without Basic client auth: %q", gotAuth)
			}
			accts, _ := db.ListAccounts(context.Background())
			if tc.ok {
				if err != nil || acct.BaseURL != tc.base || acct.ExternalID != "company-17.api.gong.io" || acct.Credentials.RefreshToken != "rt" || len(accts) != 1 {
					t.Fatalf("Complete = %+v, %v", acct, err)
				}
				if d := time.Until(acct.Credentials.Expiry); d < 59*time.Minute || d > 61*time.Minute {
					t.Errorf("expiry %v from now, want about an hour", d)
				}
				return
			}
			var fe *connect.FlowError
			if !errors.As(err, &fe) || fe.Status != http.StatusBadRequest || len(accts) != 0 {
				t.Fatalf("host %s: err = %v, %d accounts; want a 400 and none", tc.base, err, len(accts))
			}
		})
	}
}

func TestReturnToMustBeLocal(t *testing.T) {
	in, _ := integration.Load(gongdef.FS)
	cipher, _ := credentials.NewCipher(bytes.Repeat([]byte{5}, 32))
	db, _ := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), cipher)
	defer db.Close()
	svc := connect.New(connect.Options{Store: db, Integrations: func(string) (*integration.Integration, bool) { return in, true },
		Apps: map[string]connect.App{"gong": {ClientID: "c", ClientSecret: "s", RedirectURL: "http://x/cb"}}})
	for _, bad := range []string{"https://evil.example/", "//evil.example", "/\\evil.example", "ui/x"} {
		if _, err := svc.Start(context.Background(), nil, connect.StartRequest{Integration: "gong", ReturnTo: bad}); err == nil {
			t.Errorf("return_to %q accepted", bad)
		}
	}
	if _, err := svc.Start(context.Background(), nil, connect.StartRequest{Integration: "gong", ReturnTo: "/ui/accounts"}); err != nil {
		t.Errorf("local return_to refused: %v", err)
	}
	unconfigured := connect.New(connect.Options{Store: db, Integrations: func(string) (*integration.Integration, bool) { return in, true }})
	if _, err := unconfigured.Start(context.Background(), nil, connect.StartRequest{Integration: "gong"}); err == nil || !strings.Contains(err.Error(), "PATCHBAY_GONG_CLIENT_ID") {
		t.Errorf("unconfigured app: %v", err)
	}
}
