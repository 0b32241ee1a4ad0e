package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

var gongSet = sync.OnceValues(func() (*tools.Set, error) {
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		return nil, err
	}
	return tools.Generate(in)
})

type catalog struct{ set *tools.Set }

func (c catalog) ToolSet(name string) (*tools.Set, bool) {
	return c.set, name == c.set.Integration.Name
}

// adminAPI is the admin API on a fresh SQLite store, with credentials
// taken as they come (no upstream to prove them against).
type adminAPI struct {
	t     *testing.T
	db    *sqlstore.DB
	h     http.Handler
	token string
}

func newAdminAPI(t *testing.T) *adminAPI {
	t.Helper()
	set, err := gongSet()
	if err != nil {
		t.Fatal(err)
	}
	cipher, err := credentials.NewCipher(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"), cipher)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := api.New(api.Options{
		Store: db, Catalog: catalog{set}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL:    func(*http.Request) string { return "http://patchbay.test" },
		CheckBaseURL: func(string, string) error { return nil },
	})
	token := credentials.NewToken(credentials.APITokenPrefix)
	if err := db.CreateAPIToken(context.Background(), &store.APIToken{Name: "test", TokenHash: credentials.HashToken(token)}); err != nil {
		t.Fatal(err)
	}
	return &adminAPI{t: t, db: db, h: a.Handler(), token: token}
}

func (a *adminAPI) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

const newAccount = `{"integration":"gong","name":"Acme","credentials":{"type":"access_key","access_key":"k","access_key_secret":"s"}`

// An account's pace setting: off with a 5 s wait by default, settable on
// create and PATCH, and bad values are a 400 that changes nothing.
func TestAccountPace(t *testing.T) {
	t.Parallel()
	a := newAdminAPI(t)
	status, acct := a.do("POST", "/integrated-account", newAccount+`}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, acct)
	}
	if acct["pace"] != false || acct["pace_max_wait_seconds"] != float64(5) {
		t.Errorf("defaults: pace %v, wait %v; want false, 5", acct["pace"], acct["pace_max_wait_seconds"])
	}
	id := acct["id"].(string)
	for _, tc := range []struct {
		name, body string
		status     int
		pace       bool
		wait       float64
	}{
		{"turn it on", `{"pace":true}`, http.StatusOK, true, 5},
		{"a longer wait", `{"pace_max_wait_seconds":15}`, http.StatusOK, true, 15},
		{"no wait at all", `{"pace_max_wait_seconds":0}`, http.StatusOK, true, 0},
		{"the longest wait", `{"pace_max_wait_seconds":60}`, http.StatusOK, true, 60},
		{"too long", `{"pace":false,"pace_max_wait_seconds":61}`, http.StatusBadRequest, true, 60},
		{"negative", `{"pace_max_wait_seconds":-1}`, http.StatusBadRequest, true, 60},
		{"not a number", `{"pace_max_wait_seconds":"5"}`, http.StatusBadRequest, true, 60},
		{"a fraction", `{"pace_max_wait_seconds":2.5}`, http.StatusBadRequest, true, 60},
		{"not a bool", `{"pace":"yes"}`, http.StatusBadRequest, true, 60},
		{"turn it off", `{"pace":false}`, http.StatusOK, false, 60},
	} {
		status, out := a.do("PATCH", "/integrated-account/"+id, tc.body)
		if status != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, status, out, tc.status)
		}
		stored, err := a.db.GetAccount(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Pace != tc.pace || stored.PaceMaxWait().Seconds() != tc.wait {
			t.Errorf("%s: stored pace %v, wait %s; want %v, %gs", tc.name, stored.Pace, stored.PaceMaxWait(), tc.pace, tc.wait)
		}
	}
	// On create too; a bad value creates nothing.
	if status, out := a.do("POST", "/integrated-account", newAccount+`,"pace":true,"pace_max_wait_seconds":90}`); status != http.StatusBadRequest {
		t.Errorf("create with a 90 s wait: %d %v", status, out)
	}
	status, acct = a.do("POST", "/integrated-account", newAccount+`,"pace":true,"pace_max_wait_seconds":15}`)
	if status != http.StatusCreated || acct["pace"] != true || acct["pace_max_wait_seconds"] != float64(15) {
		t.Errorf("create paced: %d %v", status, acct)
	}
	if list, err := a.db.ListAccounts(context.Background()); err != nil || len(list) != 2 {
		t.Errorf("%d accounts (%v); want the two valid ones", len(list), err)
	}
}

// A composite counts as a server's tool only with its start and poll
// tools allowed too: a filter that names the composite alone exposes
// nothing, which is a 400.
func TestServerFilterNeedsACompositesSteps(t *testing.T) {
	t.Parallel()
	a := newAdminAPI(t)
	set, _ := gongSet()
	var comp *tools.Tool
	for _, tl := range set.Tools {
		if tl.Composite != nil {
			comp = tl
			break
		}
	}
	if comp == nil {
		t.Fatal("the Gong integration has no composite tool")
	}
	_, acct := a.do("POST", "/integrated-account", newAccount+`}`)
	path := "/integrated-account/" + acct["id"].(string) + "/mcp"
	alone, _ := json.Marshal(map[string]any{"name": "alone", "config": map[string]any{"methods": []string{comp.Name}}})
	if status, out := a.do("POST", path, string(alone)); status != http.StatusBadRequest {
		t.Errorf("a filter of %s alone: %d %v, want 400", comp.Name, status, out)
	}
	steps, _ := json.Marshal(map[string]any{"name": "steps", "config": map[string]any{"methods": []string{comp.Name, comp.Composite.Start.Name, comp.Composite.Poll.Name}}})
	if status, out := a.do("POST", path, string(steps)); status != http.StatusCreated {
		t.Errorf("a filter of %s and its steps: %d %v, want 201", comp.Name, status, out)
	}
}
