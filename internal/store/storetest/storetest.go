// Package storetest is the contract every store.Store implementation must
// meet. Each implementation's tests call Run with a constructor for a fresh,
// empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// Run runs the contract against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"AccountRoundTrip", testAccountRoundTrip},
		{"AccountUpdateAndDelete", testAccountUpdateAndDelete},
		{"ServerLifecycle", testServerLifecycle},
		{"ServerNeedsAccount", testServerNeedsAccount},
		{"ServerTokenUnique", testServerTokenUnique},
		{"ExpiredServersCleanup", testExpiredCleanup},
		{"APITokens", testAPITokens},
		{"Logs", testLogs},
		{"ConcurrentWrites", testConcurrentWrites},
		{"ConcurrentLogs", testConcurrentLogs},
		{"LogsCleaned", testLogsCleaned},
		{"Settings", testSettings},
		{"Sessions", testSessions},
		{"AccountByExternalID", testAccountByExternalID},
		{"RefreshLease", testRefreshLease},
		{"OAuthStates", testOAuthStates},
		{"QuotaSpend", testQuotaSpend},
		{"QuotaConcurrent", testQuotaConcurrent},
		{"AccountBudget", testAccountBudget},
		{"AccountPace", testAccountPace},
		{"LogUpstreamRequests", testLogUpstreamRequests},
		{"PaceSchedule", testPaceSchedule},
		{"PaceConcurrent", testPaceConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

func newAccount(name string) *store.Account {
	return &store.Account{
		Integration: "bramble",
		Name:        name,
		BaseURL:     "https://api.bramble.example",
		Scopes:      []string{"contacts.read", "deals.read"},
		Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "key-" + name, AccessKeySecret: "secret-" + name},
	}
}

func mustAccount(t *testing.T, s store.Store, name string) *store.Account {
	t.Helper()
	a := newAccount(name)
	if err := s.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

func testAccountRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "acme")
	if a.ID == "" || a.Status != store.StatusActive || a.CreatedAt.IsZero() {
		t.Fatalf("CreateAccount did not fill id/status/created: %+v", a)
	}
	got, err := s.GetAccount(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "acme" || got.Integration != "bramble" || got.BaseURL != "https://api.bramble.example" {
		t.Errorf("got %+v", got)
	}
	if got.Credentials.AccessKey != "key-acme" || got.Credentials.AccessKeySecret != "secret-acme" {
		t.Errorf("credentials did not round-trip: %+v", got.Credentials)
	}
	if fmt.Sprint(got.Scopes) != "[contacts.read deals.read]" {
		t.Errorf("scopes = %v", got.Scopes)
	}
	if _, err := s.GetAccount(ctx, "no-such-id"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAccount(missing) = %v, want ErrNotFound", err)
	}
	list, err := s.ListAccounts(ctx)
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("ListAccounts = %v, %v", list, err)
	}
}

func testAccountUpdateAndDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "acme")
	a.Status = store.StatusNeedsReauth
	a.Scopes = nil
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	a.Credentials = credentials.Upstream{Type: credentials.TypeOAuth2, AccessToken: "at", RefreshToken: "rt", Expiry: exp}
	if err := s.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAccount(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusNeedsReauth || got.Scopes != nil || got.Credentials.RefreshToken != "rt" || !got.Credentials.Expiry.Equal(exp) {
		t.Errorf("after update: %+v", got)
	}
	for i := 0; i < 2; i++ {
		if err := s.CreateServer(ctx, &store.Server{AccountID: a.ID, Name: "s", TokenHash: fmt.Sprintf("h%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteAccount(ctx, a.ID)
	if err != nil || n != 2 {
		t.Fatalf("DeleteAccount = %d, %v; want 2 servers gone", n, err)
	}
	if _, err := s.ServerByTokenHash(ctx, "h0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("server outlived its account: %v", err)
	}
	if _, err := s.DeleteAccount(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete = %v, want ErrNotFound", err)
	}
	if err := s.UpdateAccount(ctx, a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of deleted = %v, want ErrNotFound", err)
	}
}

func testServerLifecycle(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "acme")
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	srv := &store.Server{
		AccountID: a.ID,
		Name:      "reads",
		Config:    store.ServerConfig{Methods: []string{"read"}, Tags: []string{"calls"}, RequireAPITokenAuth: true},
		TokenHash: "hash-1",
		ExpiresAt: &exp,
	}
	if err := s.CreateServer(ctx, srv); err != nil {
		t.Fatal(err)
	}
	got, err := s.ServerByTokenHash(ctx, "hash-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != srv.ID || got.Name != "reads" || !got.Config.RequireAPITokenAuth ||
		fmt.Sprint(got.Config.Methods, got.Config.Tags) != "[read] [calls]" || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
		t.Errorf("got %+v", got)
	}
	got.Name = "renamed"
	got.ExpiresAt = nil
	got.Config.Tags = nil
	if err := s.UpdateServer(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := s.GetServer(ctx, srv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Name != "renamed" || again.ExpiresAt != nil || again.Config.Tags != nil || again.TokenHash != "hash-1" {
		t.Errorf("after update: %+v", again)
	}
	list, err := s.ListServers(ctx, a.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListServers = %v, %v", list, err)
	}
	if err := s.DeleteServer(ctx, srv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ServerByTokenHash(ctx, "hash-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted server still found: %v", err)
	}
	if err := s.DeleteServer(ctx, srv.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete = %v", err)
	}
}

func testServerNeedsAccount(t *testing.T, s store.Store) {
	err := s.CreateServer(context.Background(), &store.Server{AccountID: "missing", Name: "x", TokenHash: "h"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateServer for a missing account = %v, want ErrNotFound", err)
	}
}

func testServerTokenUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "acme")
	if err := s.CreateServer(ctx, &store.Server{AccountID: a.ID, Name: "one", TokenHash: "same"}); err != nil {
		t.Fatal(err)
	}
	err := s.CreateServer(ctx, &store.Server{AccountID: a.ID, Name: "two", TokenHash: "same"})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate token hash = %v, want ErrConflict", err)
	}
}

func testExpiredCleanup(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "acme")
	base := time.Now().UTC().Truncate(time.Millisecond)
	past, future := base.Add(-time.Minute), base.Add(time.Minute)
	for i, exp := range []*time.Time{&past, &future, nil} {
		srv := &store.Server{AccountID: a.ID, Name: "s", TokenHash: fmt.Sprintf("h%d", i), ExpiresAt: exp}
		if err := s.CreateServer(ctx, srv); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteExpiredServers(ctx, base)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredServers = %d, %v; want 1", n, err)
	}
	if _, err := s.ServerByTokenHash(ctx, "h0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired server survived: %v", err)
	}
	for _, h := range []string{"h1", "h2"} {
		if _, err := s.ServerByTokenHash(ctx, h); err != nil {
			t.Errorf("%s removed: %v", h, err)
		}
	}
}

func testAPITokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := &store.APIToken{Name: "ci", TokenHash: credentials.HashToken("secret")}
	if err := s.CreateAPIToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.APITokenByHash(ctx, credentials.HashToken("secret"))
	if err != nil || got.ID != tok.ID || got.Name != "ci" {
		t.Fatalf("APITokenByHash = %+v, %v", got, err)
	}
	if _, err := s.APITokenByHash(ctx, credentials.HashToken("other")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token = %v", err)
	}
	if err := s.CreateAPIToken(ctx, &store.APIToken{Name: "dup", TokenHash: tok.TokenHash}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate hash = %v, want ErrConflict", err)
	}
	if list, err := s.ListAPITokens(ctx); err != nil || len(list) != 1 {
		t.Errorf("ListAPITokens = %v, %v", list, err)
	}
	if err := s.DeleteAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APITokenByHash(ctx, tok.TokenHash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted token still found: %v", err)
	}
}

func testLogs(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		e := &store.LogEntry{
			ServerID: "srv-" + fmt.Sprint(i%2), AccountID: "acc", RPCMethod: "tools/call", Tool: "list_all_bramble_contacts",
			ClientName: "test", ClientVersion: "1", Status: []string{"ok", "error"}[i%2], HTTPStatus: 200, UpstreamStatus: 200 + i,
			Duration: time.Duration(i+1) * time.Millisecond,
		}
		if err := s.AppendLog(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 {
			t.Fatal("AppendLog did not set an id")
		}
	}
	all, err := s.ListLogs(ctx, store.LogFilter{})
	if err != nil || len(all) != 5 {
		t.Fatalf("ListLogs = %d entries, %v", len(all), err)
	}
	if all[0].UpstreamStatus != 204 || all[0].Duration != 5*time.Millisecond {
		t.Errorf("newest first expected, got %+v", all[0])
	}
	errs, _ := s.ListLogs(ctx, store.LogFilter{Status: "error"})
	if len(errs) != 2 {
		t.Errorf("status filter: %d entries, want 2", len(errs))
	}
	srv, _ := s.ListLogs(ctx, store.LogFilter{ServerID: "srv-0", Limit: 2})
	if len(srv) != 2 || srv[0].ServerID != "srv-0" {
		t.Errorf("server filter with limit: %+v", srv)
	}
	page, _ := s.ListLogs(ctx, store.LogFilter{BeforeID: all[1].ID})
	if len(page) != 3 {
		t.Errorf("BeforeID paging: %d entries, want 3", len(page))
	}
}

// Many requests appending at once (more than one transaction's worth, some
// with their request already cancelled): each append returns only once its
// own entry is stored, with its own id.
func testConcurrentLogs(t *testing.T, s store.Store) {
	a := mustAccount(t, s, "acme")
	const n = 600
	entries := make([]*store.LogEntry, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		entries[i] = &store.LogEntry{ServerID: "srv", AccountID: a.ID, RPCMethod: "tools/call", Tool: fmt.Sprintf("tool-%d", i), Status: "ok", HTTPStatus: 200}
		ctx := context.Background()
		if i%7 == 0 {
			c, cancel := context.WithCancel(ctx)
			cancel()
			ctx = c
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.AppendLog(ctx, entries[i])
		}()
	}
	wg.Wait()
	byID := map[int64]string{}
	for i, e := range entries {
		if errs[i] != nil {
			t.Fatalf("entry %d: %v", i, errs[i])
		}
		if e.ID == 0 || byID[e.ID] != "" {
			t.Fatalf("entry %d: id %d missing or shared with %q", i, e.ID, byID[e.ID])
		}
		byID[e.ID] = e.Tool
	}
	stored := 0
	for _, e := range allLogs(t, s, a.ID) {
		if byID[e.ID] != e.Tool {
			t.Fatalf("stored entry %d is %q, its append was for %q", e.ID, e.Tool, byID[e.ID])
		}
		stored++
	}
	if stored != n {
		t.Fatalf("%d entries stored, want %d", stored, n)
	}
}

func testConcurrentWrites(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "acme")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- s.CreateServer(ctx, &store.Server{AccountID: a.ID, Name: "s", TokenHash: fmt.Sprintf("c%d", i)})
		}()
		go func() {
			defer wg.Done()
			errs <- s.AppendLog(ctx, &store.LogEntry{ServerID: "x", AccountID: a.ID, RPCMethod: "ping", Status: "ok"})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, _ := s.ListServers(ctx, a.ID)
	logs, _ := s.ListLogs(ctx, store.LogFilter{AccountID: a.ID})
	if len(list) != 20 || len(logs) != 20 {
		t.Fatalf("after concurrent writes: %d servers, %d logs; want 20 and 20", len(list), len(logs))
	}
}
